"""Routine text → Routine: golden plans for the corpus, the seed's shape, and properties.

Golden files: tests/data/routines/NAME.txt beside NAME.plan.json (the `plan --json` document).
After a deliberate change to the parser, rewrite them with
    VOICEGUIDE_UPDATE_GOLDENS=1 python -m pytest tests/test_parse.py
and read the diff before committing it.
"""

from __future__ import annotations

import collections
import difflib
import functools
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiceguide import lexicon, plan
from voiceguide.model import Options
from voiceguide.parse import clean_inline, parse_text
from voiceguide.sidecars import plan_json

CORPUS = Path(__file__).parent / "data" / "routines"
NAMES = sorted(p.stem for p in CORPUS.glob("*.txt"))


def plan_document(path: Path) -> dict:  # type: ignore[type-arg]
    options = Options()
    routine = plan.apply_options(parse_text(path.read_text(encoding="utf-8"), path.name), options)
    return plan_json(routine, plan.build_timeline(routine, options, plan.estimate(options)))


@pytest.mark.parametrize("name", NAMES)
def test_corpus_plan_matches_its_golden_file(name: str) -> None:
    got = json.dumps(plan_document(CORPUS / f"{name}.txt"), indent=1, ensure_ascii=False) + "\n"
    golden = CORPUS / f"{name}.plan.json"
    if os.environ.get("VOICEGUIDE_UPDATE_GOLDENS"):
        golden.write_text(got, encoding="utf-8")
    want = golden.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "parsed", n=2))
        pytest.fail(f"{name}: parse differs from {golden.name}\n{diff}")


@functools.cache
def _report():  # type: ignore[no-untyped-def]
    """scripts/parse_report.py, which holds the scoring, loaded as a module."""
    path = Path(__file__).parent.parent / "scripts" / "parse_report.py"
    spec = importlib.util.spec_from_file_location("parse_report", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


# What the parser does not read yet, as (routine, aspect, phrase), checked to still be missed so
# that the list stays true. Empty: every expectation in the corpus is met.
KNOWN_MISSES: set[tuple[str, str, str]] = set()


@pytest.mark.parametrize("name", [n for n in NAMES if (CORPUS / f"{n}.expect.yaml").exists()])
def test_corpus_reads_as_a_person_reads_it(name: str) -> None:
    """Every duration, repetition, side switch and breathing pattern a person found by hand."""
    total, misses = _report().check(name)
    assert total > 0
    found = {(m.routine, m.aspect, m.phrase) for m in misses}
    known = {k for k in KNOWN_MISSES if k[0] == name}
    assert found == known, [m for m in misses if (m.routine, m.aspect, m.phrase) not in known]


SEED_LIKE = """\
Reflexology maps the back onto the inner edge of the foot. Did you know that?

Point between the toes:

Sit up straight. Take the right foot in your left hand. Place your thumb on the point and press.
Press for one minute, keep inhaling and exhaling. Ease the pressure and rub the area. Repeat the same on the other foot.
"""


def test_seed_like_text_mirrors_the_foot_and_the_hands() -> None:
    routine = parse_text(SEED_LIKE, "feet.txt")
    kinds = [s.kind for s in routine.steps]
    assert kinds[:2] == ["intro", "intro"]
    press = next(s for s in routine.steps if s.seconds == 60)
    assert (press.kind, press.side, press.seconds_from, press.breath) == ("press", "right", "text", (4.0, 6.0))
    switch = next(s for s in routine.steps if s.kind == "switch")
    assert switch.announce == "Now the left foot."
    copies = [s for s in routine.steps if s.copy_of is not None]
    assert [c.side for c in copies] == ["left"] * len(copies)
    assert "Take the left foot in your right hand." in [c.text for c in copies]
    assert [c.seconds for c in copies if c.copy_of == press.index] == [60]
    assert routine.steps[0].section is None and press.section == "Point between the toes"


@pytest.mark.parametrize(
    ("text", "kind", "seconds", "repeat"),
    [
        ("Sit down on a chair.", "position", 5, 1),
        ("Press the point for two minutes.", "press", 120, 1),
        ("Rub the arch in small circles.", "massage", 30, 1),
        ("Stroke the sole a few times.", "massage", 10, 3),
        ("Tense your fists. Hold for 5 seconds.", "hold", 5, 1),
        ("Take three deep breaths.", "breath", 10, 3),  # breaths counted, each at the pace set
        ("Inhale for 4, hold for 7, exhale for 8. Repeat four times.", "breath", 19, 4),
        ("Make a fist and open it 10 times.", "position", 3, 10),
    ],
)
def test_one_step_kinds_and_defaults(text: str, kind: str, seconds: float, repeat: int) -> None:
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.kind, s.seconds, s.repeat) for s in steps] == [(kind, seconds, repeat)]


def test_narrative_is_kept_as_intro_and_notes() -> None:
    routine = parse_text(
        "Why this works: the body is connected.\n\nPress the point for 30 seconds.\n\nMany find it calming.", "x.txt"
    )
    assert [s.kind for s in routine.steps] == ["intro", "press", "note"]


SENTENCES = [
    "Press the point below the knee for 30 seconds.",
    "Rub your right palm in small circles.",
    "Hold for 20 seconds.",
    "Repeat 3 times.",
    "Repeat the same on the other hand.",
    "Switch sides.",
    "Now the left foot.",
    "Stretch your neck gently on each side.",
    "Many people find this calming.",
    "Did you know the feet hold many nerve endings?",
    "Breathe in for 4, hold for 4, breathe out for 4.",
    "Tense your shoulders for 5 seconds, then release for 10 seconds.",
    "Take the left foot in your right hand and stroke the arch a few times.",
    "Rest for a minute or two.",
    "Sit tall.",
]
blocks = st.lists(
    st.tuples(
        st.sampled_from(["para", "bullet", "number", "heading"]),
        st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=8,
)


def _document(parts: list[tuple[str, list[str]]]) -> tuple[str, list[str]]:
    lines: list[str] = []
    content: list[str] = []
    for number, (kind, sentences) in enumerate(parts, 1):
        if kind == "heading":
            lines += [f"## Part {number}", ""]
            continue
        text = " ".join(sentences)
        content.append(text)
        prefix = {"para": "", "bullet": "- ", "number": f"{number}. "}[kind]
        lines += [prefix + text, ""]
    return "\n".join(lines), content


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", clean_inline(text).lower())


@settings(max_examples=150, deadline=None)
@given(parts=blocks)
def test_every_sentence_lands_in_exactly_one_step(parts: list[tuple[str, list[str]]]) -> None:
    text, content = _document(parts)
    routine = parse_text(text, "any.txt")
    spoken = collections.Counter(w for s in routine.steps if s.copy_of is None for w in _words(s.text))
    written = collections.Counter(w for chunk in content for w in _words(chunk))
    assert spoken == written
    for step in routine.steps:
        assert step.seconds >= 0 and step.repeat >= 1
        assert step.side in (None, "left", "right")


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_the_parser_never_raises(text: str) -> None:
    routine = parse_text(text, "fuzz.txt")
    assert all(s.seconds >= 0 for s in routine.steps)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("left right Left RIGHT hand foot, .")), max_size=80))
def test_mirroring_twice_is_the_identity(text: str) -> None:
    assert lexicon.mirror_text(lexicon.mirror_text(text)) == text


def test_repeat_steps_without_numbered_steps_is_read_as_it_stands() -> None:
    routine = parse_text("Press the point for 30 seconds.\n\nRepeat steps 1-2.", "x.txt")
    assert [s.kind for s in routine.steps] == ["press", "note"]


def _instructions(text: str) -> list[tuple[str, float, int, str | None]]:
    return [(s.kind, s.seconds, s.repeat, s.side) for s in parse_text(text, "x.txt").steps if s.is_instruction]


def test_lettered_sub_steps_under_a_numbered_title() -> None:
    text = "# Legs\n\n1. Calf\na) Sit with your right leg out straight.\nb) Press the knot in the calf for 30 secs.\n"
    routine = parse_text(text, "x.txt")
    assert [s.section for s in routine.steps] == ["Calf", "Calf"]
    assert _instructions(text) == [("position", 5, 1, "right"), ("press", 30, 1, "right")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- Scalp scrub with your fingertips (30 seconds)", [("position", 30, 1, None)]),
        ("- Press under the cheekbones (3 x 10 seconds)", [("press", 10, 3, None)]),
        ("Press the point and hold 15 seconds, 3x.", [("press", 15, 3, None)]),
        ("Tuck your chin. Sets: 3 | Reps: 10 | Hold: 5 sec", [("hold", 5, 10, None)] * 3),  # 3 sets of 10
    ],
)
def test_times_and_counts_written_as_notation(text: str, expected: list[tuple[str, float, int, str | None]]) -> None:
    assert _instructions(text) == expected


def test_repeat_on_a_named_side_mirrors_what_came_before() -> None:
    routine = parse_text("Press the top of your right shoulder for 30 seconds. Repeat on the left shoulder.", "x.txt")
    switch = next(s for s in routine.steps if s.kind == "switch")
    copy = next(s for s in routine.steps if s.copy_of is not None)
    assert (switch.announce, copy.side, copy.text) == (
        "Now the left shoulder.",
        "left",
        "Press the top of your left shoulder for 30 seconds.",
    )


def test_a_held_breath_gets_no_breathing_prompts() -> None:
    (step,) = [s for s in parse_text("Hold your breath for 7 seconds.", "x.txt").steps if s.is_instruction]
    assert (step.seconds, step.breath) == (7, None)


def test_a_timing_sentence_does_not_reach_back_over_a_note() -> None:
    text = "Sit down on a chair.\n\nThis part is easy.\n\nHold for 30 seconds."
    assert [s.seconds for s in parse_text(text, "x.txt").steps] == [5, 0, 30]


@pytest.mark.parametrize(
    ("text", "pattern", "repeat"),
    [
        (
            "1. Inhale quietly through your nose for 4 seconds.\n2. Hold your breath for 7 seconds.\n"
            "3. Exhale through your mouth with a whoosh for 8 seconds.\n4. Repeat this cycle 4 times.\n",
            (4.0, 7.0, 8.0),
            4,
        ),
        (
            "Inhale for a count of four. Hold the breath for a count of four. Exhale for four. "
            "Hold for four. Continue for 5 rounds.",
            (4.0, 4.0, 4.0, 4.0),
            5,
        ),
    ],
    ids=["4-7-8 as a list", "box breathing as sentences"],
)
def test_a_breath_told_phase_by_phase_is_one_paced_step(text: str, pattern: tuple[float, ...], repeat: int) -> None:
    (step,) = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert (step.kind, step.breath, step.seconds, step.repeat) == ("breath", pattern, sum(pattern), repeat)


def test_a_paced_breath_then_a_total_time_runs_for_that_time() -> None:
    text = "Breathe in through your nose for 4, then out through your mouth for 6. Repeat for 5 minutes."
    (step,) = parse_text(text, "breath.txt").steps
    assert (step.kind, step.breath, step.seconds, step.repeat) == ("breath", (4.0, 6.0), 300.0, 1)


def _sided(text: str) -> list[tuple[str, float, str, int, str | None]]:
    steps = parse_text(text, "x.txt").steps
    return [
        (s.text.split(":")[0], s.seconds, s.seconds_from or "", s.repeat, s.side) for s in steps if s.is_instruction
    ]


def test_a_rule_said_once_times_the_steps_after_it_and_mirrors_the_one_sided() -> None:
    text = (
        "Loosen up\n\nThese ease tight legs. Hold each stretch for 40 seconds and do it twice on each side.\n\n"
        "1. Sit tall on a firm chair.\n"
        "2. Calf stretch: step your left foot back and press the heel down.\n"
        "3. Forward fold: hang from the hips with both knees soft. Hold for 1 minute.\n"
        "4. Thread the needle: cross one ankle over the other knee and lean in.\n"
    )
    assert _sided(text) == [
        ("Sit tall on a firm chair.", 5, "default", 1, None),
        ("Calf stretch", 40, "rule", 2, "left"),
        ("Calf stretch", 40, "rule", 2, "right"),
        ("Forward fold", 60, "text", 2, None),
        ("Thread the needle", 40, "rule", 2, "right"),  # no side named: the first is the right
        ("Thread the needle", 40, "rule", 2, "left"),
    ]
    announced = [s.announce for s in parse_text(text, "x.txt").steps if s.copy_of is not None]
    assert announced == ["Now the right side.", "Now the other side."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # places under a rule that names the act
            "For every point here, massage in small circles for 2 minutes.\n\n"
            "- GB20: in the hollows under the base of the skull.\n- Between the eyebrows.\n",
            [("massage", 120, 1), ("massage", 120, 1)],
        ),
        (  # said after the steps: it reaches back, and is not read out at the end
            "1. Neck tilt: ease your ear toward the shoulder.\n2. Chin tuck: draw the chin straight back.\n\n"
            "Hold each of these for 25 seconds.\n",
            [("hold", 25, 1), ("hold", 25, 1)],
        ),
        (  # a count stated once
            "Do every exercise 12 times.\n\nAnkle pumps - point and flex your feet.\n"
            "Heel lifts - rise onto the balls of your feet.\n",
            [("position", 3, 12), ("position", 3, 12)],
        ),
        (  # not a rule: the sentence is one step that presses several points in turn
            "Find the three sore spots along the arch of your foot and press each one for 5 seconds.",
            [("press", 5, 1)],
        ),
        (  # exercises named without a verb, under a count; the advice told with the rule is not counted
            "Do 3 sets of 8 reps of each. Go slowly.\n\n- Wall push-up – hands on the wall at chest height.\n"
            "- Bridge – hips up, squeeze, lower.\n",
            [("position", 5, 1), *[("position", 3, 8)] * 3, *[("press", 3, 8)] * 3],  # each in 3 sets
        ),
        (  # how long the whole takes is not a rule
            "Each of the exercises below takes a minute or two.\n\n1. Rub your palms together.\n",
            [("massage", 30, 1)],
        ),
        (  # a named list item with its own time is a step of its own, not the time of the one before
            "1. Knee hug – lie back and hug both knees to your chest.\n"
            "2. Legs up the wall – rest here for 3 minutes.\n",
            [("position", 5, 1), ("position", 180, 1)],
        ),
    ],
    ids=["points", "after the list", "a count", "one step", "named exercises", "takes", "named item"],
)
def test_rules_said_once(text: str, expected: list[tuple[str, float, int]]) -> None:
    steps = parse_text(text, "x.txt").steps
    assert [(s.kind, s.seconds, s.repeat) for s in steps if s.is_instruction] == expected
    assert "Hold each of these" not in " ".join(s.text for s in steps)


def test_a_both_sides_step_mirrors_after_the_sentence_that_times_it() -> None:
    text = (
        "Lean on a wall and stretch your right calf, on each side.\nHold for 45 seconds.\n\nRoll your ankle in circles."
    )
    assert [(s.seconds, s.side) for s in parse_text(text, "x.txt").steps] == [(45, "right"), (45, "left"), (30, None)]


def test_points_said_of_both_sides_are_pressed_on_each_side_but_the_midline_once() -> None:
    text = (
        "## How\n\nPress each point below for 45 seconds. Work on both sides of the body.\n\n## Points\n\n"
        "- **HT7** – on the wrist crease, in line with the little finger.\n"
        "- **Yintang** – between the eyebrows.\n"
        "- **GB21** – on the top of the shoulder, halfway to the neck.\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.text.split(" –")[0], s.kind, s.seconds, s.copy_of is not None) for s in steps] == [
        ("HT7", "press", 45, False),
        ("HT7", "press", 45, True),
        ("Yintang", "press", 45, False),
        ("GB21", "press", 45, False),
        ("GB21", "press", 45, True),
    ]


def test_a_rule_times_the_exercise_before_its_side_is_repeated() -> None:
    text = (
        "Hold each stretch for 35 seconds.\n\n"
        "1. Calf stretch: step your left foot back and press the heel down. Then repeat on the right.\n"
        "2. Hamstring stretch: lean forward over your straight leg.\n"
    )
    steps = parse_text(text, "x.txt").steps
    assert [(s.kind, s.seconds, s.side) for s in steps if s.is_instruction] == [
        ("press", 35, "left"),
        ("press", 35, "right"),
        ("hold", 35, None),
    ]


def test_a_title_over_a_subtitle_is_the_title_not_a_step() -> None:
    text = "NECK CARE - HOME PROGRAMME\nOutpatient Physiotherapy\n\nTurn your head slowly to the right."
    routine = parse_text(text, "x")
    assert routine.title == "NECK CARE - HOME PROGRAMME"
    assert [(s.kind, s.text) for s in routine.steps[:1]] == [("intro", "Outpatient Physiotherapy")]


def test_a_rule_ends_with_its_list_and_never_times_what_the_text_says_not_to_hold() -> None:
    text = (
        "## Equipment\n\n- A mat\n- A ball\n\n## The routine\n\nRoll each area for 45 seconds.\n\n"
        "1. Calves – roll from ankle to knee.\n2. Quick flicks – do not hold these.\n\n"
        "Drink some water when you are finished.\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.text.split(" –")[0], s.seconds, s.seconds_from) for s in steps] == [
        ("Calves", 45, "rule"),
        ("Quick flicks", 30, "default"),
        ("Drink some water when you are finished.", 5, "default"),
    ]


def _guesses(text: str) -> list[tuple[int | None, str]]:
    return [(g.step, g.text) for g in parse_text(text, "x.txt").guesses]


def test_what_the_reading_guessed_is_said() -> None:
    # a session length left out, a vague time, a default time, a switch with nothing to repeat
    text = (
        "Allow yourself about 15 minutes for this.\n\n"
        "Rub your palms together for a few seconds.\n\n"
        "Press the web of your thumb.\n"
    )
    said = _guesses(text)
    assert (1, "“15 minutes” read as how long the session lasts, not as a hold") in said
    assert (2, "“a few seconds” is vague: read as 5 seconds") in said
    assert (3, "no time given: 30 s, the usual for a press") in said
    nothing = _guesses("The points below ease a sore wrist.\n\nRepeat on the other wrist.\n\nPress for 1 minute.\n")
    assert any("nothing before it is done again there" in text for _, text in nothing)


def test_a_time_taken_from_the_cell_below_is_said() -> None:
    text = "- Chin tuck against a rolled towel\n\n10 s holds × 10 reps\n"
    steps = parse_text(text, "x.txt").steps
    assert [(s.seconds, s.repeat) for s in steps] == [(10, 10)]
    assert _guesses(text) == [(1, "its time and count come from the line under it, “10 s holds × 10 reps”")]


def test_a_switch_said_in_a_list_item_mirrors_that_item_only() -> None:
    text = (
        "1. Seated figure four – cross your right ankle over your left knee and lean forward gently. 30 s.\n"
        "2. Wrist flexor stretch – hold your left arm out, palm up, and pull the fingers of your left hand "
        "back with your right hand. 15-20 s. Switch sides.\n"
    )
    steps = parse_text(text, "x.txt").steps
    copies = [s for s in steps if s.copy_of is not None]
    assert [(c.copy_of, c.side) for c in copies] == [(2, "right")]  # the wrist stretch, not the figure four
    assert [s.announce for s in steps if s.kind == "switch"] == ["Now the right arm."]


@pytest.mark.parametrize(
    ("text", "first", "then"),
    [
        ("Stand on one foot behind a chair and hold for 10 seconds.\n\nRepeat with the other leg.", "right", "left"),
        (
            "Knead the arch with both thumbs for 30 seconds. Once you have finished one foot, do the other.",
            "right",
            "left",
        ),
        ("Massage the sole for a minute.\n\nSwitch positions and hands and do the other.", "right", "left"),
        ("Lie on your side and lift the top leg 10 times.\n\nReverse positions, and repeat.", "right", "left"),
        ("Raise the arms and bring the right knee to the chest. Repeat with contralateral leg.", "right", "left"),
        ("Lean to one side for 15 seconds. And of course, you've got the other side.", "right", "left"),
    ],
)
def test_other_side_said_in_many_ways(text: str, first: str, then: str) -> None:
    steps = parse_text(text, "x.txt").steps
    sides = [s.side for s in steps if s.is_instruction]
    assert sides[0] == first and sides[-1] == then
    assert any(s.copy_of is not None for s in steps)


def _kinds_and_times(text: str) -> list[tuple[str, float, int, str | None, int | None]]:
    return [(s.kind, s.seconds, s.repeat, s.side, s.copy_of) for s in parse_text(text, "x.txt").steps]


def test_a_rest_between_sets_is_the_rest_between_not_the_hold() -> None:
    steps = parse_text("Do 12 lunges. Rest 45 seconds between sets.", "x.txt").steps
    assert [(s.kind, s.repeat, s.release) for s in steps] == [("position", 12, 45.0)]
    (alone,) = parse_text("Rest 45 seconds between sets.", "x.txt").steps
    assert (alone.kind, alone.seconds) == ("rest", 45.0)


def test_each_exercise_counted_by_name_is_a_step_of_its_own() -> None:
    text = "Do 12 sit-ups. Do 20 bicycle crunches. Then do 2 sets of 6 glute bridges."
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction and s.copy_of is None]
    assert [s.repeat for s in steps] == [12, 20, 6]


def test_sets_are_done_before_the_next_step_of_the_same_paragraph() -> None:
    text = "Do 2 sets of 8 squats. Then march on the spot 20 times."
    assert [(k, r, c) for k, _, r, _, c in _kinds_and_times(text)] == [
        ("position", 8, None),
        ("repeat", 2, None),
        ("position", 8, 1),
        ("position", 20, None),
    ]


def test_sets_on_each_side_announce_every_set_on_both_sides() -> None:
    steps = parse_text("Do 2 sets of 10 leg swings on each side.", "x.txt").steps
    assert [s.announce for s in steps] == [None, "Second set.", None, "Now the other side.", "Second set.", None]
    assert [s.side for s in steps if s.is_instruction] == ["right", "right", "left", "left"]


@pytest.mark.parametrize(
    "text",
    [
        "Balance on one foot for 20 seconds, then on the other.",
        "Balance on one foot for 20 seconds.\n\nThen the other one.",
    ],
)
def test_then_the_other_after_a_timed_step_does_it_on_the_other_side(text: str) -> None:
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.seconds, s.side) for s in steps] == [(20, "right"), (20, "left")]


def test_one_way_then_the_other_untimed_is_one_movement() -> None:
    steps = parse_text("Drop your knees to one side, then the other.", "x.txt").steps
    assert [(s.kind, s.side, s.copy_of) for s in steps] == [("position", None, None)]


@pytest.mark.parametrize(
    "text",
    [
        "If your hip still feels tight, hold for 20 seconds more.",
        "If you feel any dizziness, sit down and rest for a minute.",
        "Studies suggest stretches are held for 30 seconds because shorter holds do less.",
    ],
)
def test_advice_and_explanations_with_a_time_are_said_not_timed(text: str) -> None:
    steps = parse_text("Sit on the floor with your legs out.\n\n" + text, "x.txt").steps
    assert [s.kind for s in steps] == ["position", "note"]


@pytest.mark.parametrize(
    "text",
    [
        "Spend 15 minutes on this whole routine.",
        "Set a timer for 12 minutes.",
    ],
)
def test_a_time_for_the_whole_session_is_not_a_hold(text: str) -> None:
    routine = parse_text(text + "\n\nPress the point for 30 seconds.", "x.txt")
    assert [(s.kind, s.seconds) for s in routine.steps] == [("intro", 0), ("press", 30)]
    assert any("how long the session lasts" in g.text for g in routine.guesses)


def test_a_time_said_afterwards_and_a_time_it_should_take_time_their_step() -> None:
    text = "Lie with your legs up the wall for 10 minutes afterwards.\n\nKnead the calf. It should take 2 minutes."
    assert [(k, s) for k, s, *_ in _kinds_and_times(text)] == [("position", 600), ("massage", 120)]


def test_breathing_left_to_itself_ends_a_counted_breath_and_gets_no_prompts() -> None:
    text = "Breathe in for 4 and out for 6. Repeat this 6 times. Then breathe normally for two minutes."
    steps = parse_text(text, "x.txt").steps
    assert [(s.seconds, s.repeat, s.breath) for s in steps] == [(10, 6, (4.0, 6.0)), (120, 1, None)]


def test_twice_as_long_is_no_count_and_one_breath_is_a_time() -> None:
    (exhale,) = parse_text("Breathe out for twice as long.", "x.txt").steps
    assert exhale.repeat == 1
    (hold,) = parse_text("Hold the pose for one slow breath.", "x.txt").steps
    assert (hold.seconds, hold.seconds_from) == (10, "text")


@pytest.mark.parametrize(
    "text",
    [
        "Bend your elbow to a right angle and hold for 10 seconds.",
        "Glance up, down, left and right, pausing for 2 seconds each way.",
        "Massage the left and right temples together.",
        "Squeeze a soft ball in each hand for 5 seconds.",
        "If you are left-handed, hold the tool in that hand.",
    ],
)
def test_words_of_side_that_name_no_side(text: str) -> None:
    assert (lexicon.first_side(text), lexicon.find_side_cue(text)) == (None, None)


def test_a_step_on_both_sides_at_once_keeps_no_side() -> None:
    steps = parse_text("Stand with your left foot forward.\n\nBend both knees and hold for 10 seconds.", "x.txt").steps
    assert [s.side for s in steps] == ["left", None]


def test_a_switch_with_nothing_after_it_does_the_steps_again() -> None:
    text = "Circle the ankle 10 times.\n\nPress under the ankle bone for 20 seconds.\n\nThen the left foot."
    steps = parse_text(text, "x.txt").steps
    assert [s.side for s in steps if s.is_instruction] == ["right", "right", "left", "left"]


def test_a_table_names_its_sets_reps_and_sides() -> None:
    text = "| Exercise | Sets | Reps | Sides |\n|---|---|---|---|\n| Side plank lift | 2 | 8 | both |\n"
    steps = parse_text(text, "x.txt").steps
    assert [(s.repeat, s.side, s.copy_of is not None) for s in steps if s.is_instruction] == [
        (8, "right", False),
        (8, "right", True),
        (8, "left", True),
        (8, "left", True),
    ]


def test_rounds_of_the_whole_routine_repeat_all_of_it() -> None:
    text = "Press the point for 20 seconds.\n\nRub your palms for 10 seconds.\n\nDo 3 rounds of the whole routine."
    steps = parse_text(text, "x.txt").steps
    assert [s.copy_of for s in steps] == [None, None, None, 1, 2, 1, 2]
    assert [s.announce for s in steps if s.kind == "repeat"] == ["Round 2."]


def test_a_named_exercise_with_only_its_dose_is_a_timed_step() -> None:
    text = "# Hips\n\nPigeon pose – 45 seconds / 6 slow breaths\n\nLizard pose, low – 40 seconds or 5 breaths"
    steps = parse_text(text, "x.txt").steps
    assert [(s.is_instruction, s.seconds, s.seconds_from, s.repeat) for s in steps] == [
        (True, 45, "text", 1),
        (True, 40, "text", 1),
    ]


def test_a_caution_is_said_not_timed() -> None:
    text = "Sit on the floor.\n\nDo not bounce or push into pain.\n\nNever press on a bruise."
    steps = parse_text(text, "x.txt").steps
    assert [s.kind for s in steps] == ["position", "note", "note"]


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "Silently count to four for the in-breath, to three as you hold it, and to six for the out-breath.",
            (4, 3, 6),
        ),
        ("Take a few slow breaths to the count of four…. in, 2, 3, 4 and out, 2, 3, 4.", (4, 4)),
    ],
)
def test_counted_breaths_said_as_a_count(text: str, pattern: tuple[float, ...]) -> None:
    (step,) = parse_text(text, "x.txt").steps
    assert step.breath == pattern


def test_a_paced_breath_told_in_numbered_lines_goes_on_for_the_time_given() -> None:
    text = (
        "1. 1\n\nBreathe in softly for 6 seconds.\n\n2. 2\n\nBreathe out softly for 6 seconds.\n\n"
        "3. 3\n\nKeep the breath easy.\n\n4. 4\n\nContinue for 3 minutes.\n"
    )
    (step,) = parse_text(text, "x.txt").steps
    assert (step.breath, step.seconds, step.repeat) == ((6, 6), 12, 15)


@pytest.mark.parametrize(
    "text",
    [
        "This stretch routine should last about 8 minutes to have any effect.",
        "It can take up to ten minutes to notice the change.",
        "Do it 4 times a day for 3 minutes.",
        "Gentle breathing practice\n\n15-25 minutes",
    ],
)
def test_times_that_are_not_how_long_to_hold(text: str) -> None:
    steps = parse_text(text + "\n\nPress the point for 30 seconds.", "x.txt").steps
    assert all(s.seconds <= 30 for s in steps)
    assert [s.seconds for s in steps if s.is_instruction] == [30]


def test_a_statement_in_a_list_is_not_a_step() -> None:
    text = "- Box breathing involves four sides of 4 seconds.\n- Research shows that 5 minutes helps.\n- Sit down."
    assert [s.kind for s in parse_text(text, "x.txt").steps] == ["intro", "intro", "position"]


def test_a_breath_card_that_says_each_phase_twice_is_one_paced_breath() -> None:
    text = (
        "Breathe in for 5 seconds\nDraw the air in through your nose for a count of 5.\n5 seconds\n"
        "Breathe out for 5 seconds\nRelease breath gently through the mouth for a count of 5.\n5 seconds\n"
        "Repeat for 3 minutes\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.breath, s.seconds, s.repeat) for s in steps] == [((5, 5), 10, 18)]


def test_a_teacher_saying_what_we_will_do_is_telling_it() -> None:
    text = (
        "Let me explain the practice. First, we will breathe in for a count of four. "
        "Then we'll gently hold that breath for a count of four, and then we will breathe out for a count of six."
    )
    steps = parse_text(text, "x.txt").steps
    assert [(s.kind, s.breath) for s in steps] == [("intro", None), ("breath", (4, 4, 6))]


def test_a_badge_that_restates_the_steps_time_is_not_a_hold_of_its_own() -> None:
    text = (
        "Breathe in for 5 seconds\nBreathe out for 5 seconds\nKeep going for 2-3 minutes\n"
        "Go on with the rhythm. It gets easier the longer you practise.\n2-3 minutes\n"
    )
    steps = parse_text(text, "x.txt").steps
    assert [s.seconds for s in steps if s.is_hold] == [10]
    assert not any(s.seconds >= 60 for s in steps)


@pytest.mark.parametrize(
    "text",
    [
        "Sit quietly and practise it for 6 to 8 minutes, two or three times a day.",
        "Rub the spot at least 5 minutes a day, or ideally for 15 minutes if you have the time.",
        "Stay with it as long as it feels good, but aim for 3 minutes.",
    ],
)
def test_how_long_to_practise_each_day_or_in_all_is_not_a_hold(text: str) -> None:
    assert not [s.seconds for s in parse_text(text, "x.txt").steps if s.seconds >= 60]


def test_a_press_said_with_how_often_a_day_keeps_its_time() -> None:
    steps = parse_text("Press the point for 2 minutes three times a day.", "x.txt").steps
    assert [(s.kind, s.seconds) for s in steps] == [("press", 120)]


def test_the_writers_own_story_is_not_a_step_and_a_line_ending_in_a_colon_introduces_the_lines_under_it() -> None:
    text = (
        "I do this one most evenings. After it I always sleep better.\n"
        "Here is the version I like best:\n"
        "Breathe in for a count of 3.\n"
        "Hold for a count of 3.\n"
        "Breathe out for a count of 6.\n"
        "Repeat, say, eight times.\n"
    )
    steps = parse_text(text, "x.txt").steps
    assert [(s.kind, s.breath, s.repeat) for s in steps if s.is_instruction] == [("breath", (3, 3, 6), 8)]


def test_a_breath_told_across_items_with_remarks_between_is_one_paced_breath() -> None:
    text = (
        "1. Rest one hand on your belly.\n"
        "2. Breathe in through your nose while you count to four. Your belly should lift.\n"
        "   The other hand stays still.\n"
        "3. Pause briefly, then breathe out through your mouth, counting to six. Feel the belly sink as you exhale.\n"
        "4. Go on with this pattern of slow breathing for three minutes.\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    breath = [s for s in steps if s.breath_from == "text"]
    assert [(s.breath, s.repeat) for s in breath] == [((4, 6), 18)]
    assert "sink as you exhale" in breath[0].text


def test_a_breath_with_its_count_spelled_out_under_each_phase() -> None:
    text = (
        "1. Take a slow, full breath over a 4 count. Let it fill your belly first.\n"
        "   1… 2… 3… 4…\n"
        "2. Hold the breath for just a second.\n"
        "3. Let the air go over a 6 count.\n"
        "   1… 2… 3… 4… 5… 6…\n"
        "4. Try doing this for 5 rounds.\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.kind, s.breath, s.repeat) for s in steps] == [("breath", (4, 1, 6), 5)]


def test_a_warm_up_breath_then_the_numbered_breath_are_two_breaths() -> None:
    text = (
        "First take an easy breath in for about 3 seconds and out for 3 seconds.\n\n"
        "1. Breathe in through your nose for 4 seconds.\n"
        "2. Hold your breath for 7 seconds.\n"
        "3. Breathe out for 8 seconds. Keep your lips soft. As you breathe out for the 8 seconds, let it whoosh.\n"
        "4. Try doing this for 3 rounds.\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.breath, s.repeat) for s in steps] == [((3, 3), 1), ((4, 7, 8), 3)]


def test_a_breath_counted_aloud_with_pauses_then_repeated_at_least_a_number_of_times() -> None:
    text = (
        "1. Breathe in through your nose while counting: “1, … 2, … 3, … 4.”\n"
        "2. Breathe out through your mouth to a count of six.\n"
        "3. Repeat at least 5 times, or more if you have time.\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.breath, s.repeat) for s in steps] == [((4, 6), 5)]


@pytest.mark.parametrize(
    "text",
    [
        "Start off with only 3 minutes of this.",
        "Once that feels easy, add another two minutes the following week.",
        "Do it twice a day for at least 5 minutes each time.",
    ],
)
def test_how_long_the_practice_grows_or_lasts_is_not_a_hold(text: str) -> None:
    routine = parse_text(f"Breathe in for 4 seconds and out for 6 seconds.\n\n{text}", "x.txt")
    assert not [s.seconds for s in routine.steps if s.seconds >= 60]


def test_a_round_of_alternate_nostril_breathing_is_repeated_whole() -> None:
    text = (
        "Close the right nostril with your thumb and breathe in through the left nostril for four counts.\n"
        "Close both nostrils and hold for four counts.\n"
        "Open the right nostril and breathe out through it for four counts.\n"
        "Breathe in through the right nostril for four counts, then close it and breathe out through the left.\n"
        "Repeat for 3 rounds.\n"
    )
    steps = parse_text(text, "x.txt").steps
    told = [s.index for s in steps if s.is_instruction and s.copy_of is None]
    assert len(told) == 4
    assert [s.copy_of for s in steps if s.copy_of is not None] == told * 2
    assert [s.announce for s in steps if s.kind == "repeat"] == ["Round 2."]


def test_release_and_repeat_and_do_it_on_both_hands_say_how_the_press_before_is_done() -> None:
    text = "Press the point with your index finger for 30 sec.\n\nRelease and repeat 5 times. Do it on both hands.\n"
    steps = parse_text(text, "x.txt").steps
    assert [(s.kind, s.seconds, s.repeat, s.side) for s in steps] == [
        ("press", 30, 5, "right"),
        ("switch", 0, 1, "left"),
        ("press", 30, 5, "left"),
    ]


def test_a_clinicians_page_tells_the_steps_through_the_patient() -> None:
    text = (
        "Have the patient sit tall and turn the head slowly to the left.\n\n"
        "They hold for 15 seconds and repeat 3 times.\n\n"
        "The patient is instructed to press the palms together for 5 seconds.\n"
    )
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [(s.text.split()[4], s.seconds, s.repeat) for s in steps] == [("tall", 15, 3), ("to", 5, 1)]


def test_a_side_written_as_one_letter_is_named_and_said_in_full() -> None:
    text = "1. Calf stretch R 20 seconds\n2. Calf stretch L 20 seconds\n3. Plan B and point L4 stay as they are\n"
    steps = parse_text(text, "x.txt").steps
    assert [(s.side, s.text) for s in steps[:2]] == [
        ("right", "Calf stretch right 20 seconds"),
        ("left", "Calf stretch left 20 seconds"),
    ]
    assert "Plan B and point L4" in steps[2].text


@pytest.mark.parametrize(
    "again", ["Repeat this exercise 3 times with each leg.", "Repeat the exercise at least three times on both sides."]
)
def test_both_sides_done_then_asked_again_with_each_leg_are_rounds_of_both(again: str) -> None:
    text = (
        "1. Lift your right knee towards your chest.\n"
        "2. Hold for 5 seconds.\n"
        "3. Repeat with the left leg.\n\n"
        f"{again}\n"
    )
    steps = parse_text(text, "x.txt").steps
    sides = [s.side for s in steps if s.kind == "hold"]
    assert sides == ["right", "left"] * 3
    assert [s.announce for s in steps if s.kind == "repeat"] == ["Round 2."]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Lie on your back with your legs up the wall for 10 minutes, twice a day.", 600),
        ("Get into a plank on your forearms. Aim for 1 minute.", 60),
        ("Do this stretch twice a day, but hold it for 45 seconds each time.", 45),
        ("Start with 2 minutes of slow breathing through your nose.", 120),
        ("Lie on your back and hug your knees to your chest for 1 minute, adding 15 seconds each week.", 60),
    ],
)
def test_a_step_said_with_how_often_or_how_it_grows_keeps_its_time(text: str, seconds: float) -> None:
    steps = [s for s in parse_text(text, "x.txt").steps if s.is_instruction]
    assert [s.seconds * (1 if s.breath_from != "text" else s.repeat) for s in steps] == [seconds]


def test_asides_and_letters_that_only_look_like_the_new_forms_are_read_as_before() -> None:
    text = (
        "Stand tall, like I showed you, and lift your chest.\n\n"
        "Breathe in for 4 seconds and out for 6 seconds. Then massage your temples in small circles.\n\n"
        "Lie with your legs up so your body forms an L, and stay there for 2 minutes.\n\n"
        "They take about 10 minutes in total.\n\n"
        "Think of a calming word. Say it 5 times.\n"
    )
    steps = parse_text(text, "x.txt").steps
    assert [(s.kind, s.side) for s in steps if s.is_instruction] == [
        ("position", None),
        ("breath", None),
        ("massage", None),
        ("position", None),
    ]
    assert "forms an L" in steps[3].text
    assert not any("Say it" in s.text for s in steps if s.is_instruction)
