"""What is said matches what is timed: a changed hold is spoken with its new time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import fake_measure
from voiceguide import pipeline, plan, routine_file, wording
from voiceguide.cli import app
from voiceguide.model import Options, Routine, Step
from voiceguide.parse import parse_text

CORPUS = Path(__file__).parent / "data" / "routines"
STRETCH = """\
Sit tall on a chair.

1. Cross your right ankle over your left knee. Hold 45 seconds each side.
2. Press your right palm with your left thumb for 30 seconds, release for 5 seconds, 3 times.
"""


def spoken(routine: Routine, options: Options) -> dict[int, str]:
    """Each step's words as the voice says them."""
    timeline = plan.build_timeline(routine, options, fake_measure)
    said: dict[int, list[str]] = {}
    for event in timeline.events:
        if event.kind != "speech" or event.step is None or event.text in (plan.HALFWAY, plan.TEN_LEFT):
            continue
        if event.text != routine.steps[event.step - 1].section:
            said.setdefault(event.step, []).append(event.text)
    return {step: "\n".join(words) for step, words in said.items()}  # a time never spans two phrases


def stated(text: str, step: Step) -> set[float]:
    return {d.value for d in wording.durations_said(text, wording.breath_said(step))} - {step.release}


@pytest.mark.parametrize(
    "options",
    [Options(hold=45), Options(scale=0.5), Options(scale=1.7), Options(hold=20, scale=3)],
    ids=["hold 45", "scale 0.5", "scale 1.7", "hold 20"],
)
@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.txt")))
def test_no_step_of_the_corpus_says_a_time_it_is_not_given(name: str, options: Options) -> None:
    original = parse_text((CORPUS / f"{name}.txt").read_text(encoding="utf-8"), name)
    routine = plan.apply_options(original, options)
    before_words, words = spoken(original, Options()), spoken(routine, options)
    for before, step in zip(original.steps, routine.steps, strict=True):
        if not step.is_hold or step.index not in words or before.seconds == step.seconds:
            continue
        times = stated(words[step.index], step)
        if before.seconds in stated(before_words[step.index], before):  # the voice said its time
            assert times == {round(step.seconds, 1)}, (step.index, words[step.index], step.seconds)
        else:
            assert before.seconds not in times, words[step.index]


def test_set_changes_what_the_voice_says_and_the_cue_sheet_says_it(tmp_path: Path) -> None:
    source = tmp_path / "r.txt"
    source.write_text("Press the point for 30 seconds.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(source), "--set", "1=90", "-o", str(tmp_path / "r.mp3")])
    assert result.exit_code == 0, result.stderr
    cue = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [h["seconds"] for h in cue["holds"]] == [90]
    assert "Press the point for 90 seconds." in [e["text"] for e in cue["events"]]
    assert cue["steps"][0]["text"] == "Press the point for 90 seconds."
    vtt = (tmp_path / "r.vtt").read_text(encoding="utf-8")
    assert "for 90 seconds" in vtt and "30 seconds" not in vtt


def test_a_mirrored_copy_says_the_time_it_follows() -> None:
    routine = parse_text(STRETCH, "s.txt")
    cross = next(s for s in routine.steps if s.kind == "hold")
    words = spoken(plan.apply_options(routine, Options(set_holds=((cross.index, 75.0),))), Options())
    assert [w.replace("\n", " ") for w in words.values() if "Cross" in w] == [
        "Cross your right ankle over your left knee. Hold 75 seconds each side.",
        "Next, your left side. Cross your left ankle over your right knee. Hold 75 seconds each side.",
    ]


def test_sides_timed_apart_no_longer_say_each_side() -> None:
    routine = parse_text(STRETCH, "s.txt")
    copy = next(s for s in routine.steps if s.kind == "hold" and s.copy_of)
    words = spoken(plan.apply_options(routine, Options(set_holds=((copy.index, 90.0),))), Options())
    assert [w.replace("\n", " ") for w in words.values() if "Cross" in w] == [
        "Cross your right ankle over your left knee. Hold 45 seconds.",
        "Next, your left side. Cross your left ankle over your right knee. Hold 90 seconds.",
    ]


def test_scale_restates_the_hold_and_the_rest_between_repetitions() -> None:
    routine = plan.apply_options(parse_text(STRETCH, "s.txt"), Options(scale=0.5))
    press = next(s for s in routine.steps if s.kind == "press")
    assert press.text == "Press your right palm with your left thumb for 15 seconds, release for 2.5 seconds, 3 times."


def test_an_edited_routine_file_says_its_new_time(tmp_path: Path) -> None:
    saved = tmp_path / "s.yaml"
    routine_file.save(parse_text(STRETCH, "s.txt"), saved)
    saved.write_text(saved.read_text(encoding="utf-8").replace("seconds: 45.0", "seconds: 75.0"), encoding="utf-8")
    routine = pipeline.prepare(saved, Options())
    holds = [(s.seconds, s.text) for s in routine.steps if s.kind == "hold"]
    assert holds == [
        (75.0, "Cross your right ankle over your left knee. Hold 75 seconds each side."),
        (75.0, "Cross your left ankle over your right knee. Hold 75 seconds each side."),
    ]


def test_a_routine_file_that_was_not_edited_keeps_every_word() -> None:
    for text in sorted(CORPUS.glob("*.txt")):
        original = parse_text(text.read_text(encoding="utf-8"), text.name)
        again = routine_file.loads(routine_file.dumps(original), "again.yaml")
        assert [s.text for s in again.steps] == [s.text for s in original.steps], text.name


def test_a_note_that_times_many_steps_says_their_new_time() -> None:
    text = (CORPUS / "stretch_handout_defaults.txt").read_text(encoding="utf-8")
    routine = plan.apply_options(parse_text(text, "x.txt"), Options(hold=45))
    notes = " ".join(s.text for s in routine.steps if not s.is_instruction)
    assert "hold each stretch for 45 seconds" in notes and "press with your thumb for 45 seconds" in notes
    assert "30 seconds" not in notes and "1 minute" not in notes


@pytest.mark.parametrize(
    ("seconds", "phrase", "said"),
    [
        (90, "for 30 seconds", "for 90 seconds"),
        (120, "one minute", "2 minutes"),
        (60, "30 seconds", "1 minute"),
        (22.5, "45 seconds", "22.5 seconds"),
        (20, "count to ten", "count to 20"),
        (30, "for five breaths", "for 3 breaths"),
        (25, "for five breaths", "for 25 seconds"),
        (90, "One minute", "90 seconds".capitalize()),
    ],
)
def test_a_new_time_is_said_the_way_the_text_said_it(seconds: float, phrase: str, said: str) -> None:
    assert wording.say_duration(seconds, phrase) == said


def test_a_breathing_pattern_keeps_its_counts() -> None:
    text = "Inhale for 4 seconds, hold for 7 seconds, exhale for 8 seconds. Keep going for 2 minutes."
    pattern = (4.0, 7.0, 8.0)
    assert wording.restate(text, [(120, 60)], breath=pattern) == text.replace("2 minutes", "1 minute")
    assert wording.restate(text, [(4, 9)], breath=pattern) == text  # the 4 is the pattern's, not a hold's
