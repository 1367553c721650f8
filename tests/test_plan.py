"""Routine → Timeline with a fake voice of exact lengths: tiling, hold lengths, breath prompts."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SHORT_ROUTINE, fake_measure
from voiceguide import plan
from voiceguide.errors import UsageError
from voiceguide.model import SAMPLE_RATE, Options, Routine, Step, Timeline
from voiceguide.parse import parse_text


def timeline_of(routine: Routine, options: Options) -> Timeline:
    routine = plan.apply_options(routine, options)
    return plan.build_timeline(routine, options, fake_measure)


def assert_tiles(timeline: Timeline) -> None:
    position = 0
    for event in timeline.events:
        assert event.start == position, event
        assert event.end > event.start, event
        position = event.end
    assert position == timeline.length


def test_events_tile_the_track_and_holds_are_exact() -> None:
    routine = parse_text(SHORT_ROUTINE, "hand.txt")
    timeline = timeline_of(routine, Options())
    assert_tiles(timeline)
    steps = {s.index: s for s in routine.steps}
    assert len(timeline.holds) == 4  # two timed steps, on each hand
    for hold in timeline.holds:
        assert hold.end - hold.start == round(steps[hold.step].seconds * SAMPLE_RATE)


def test_each_hold_ends_at_a_chime_and_starts_after_the_prep_pause() -> None:
    options = Options(prep=2.0)
    timeline = timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), options)
    starts = {e.start: e for e in timeline.events}
    for hold in timeline.holds:
        assert starts[hold.end].kind == "chime"
        before = [e for e in timeline.events if e.end <= hold.start][-1]
        assert before.kind == "silence"
        assert before.length >= 2.0 * SAMPLE_RATE


def test_breath_prompts_start_on_phase_boundaries() -> None:
    step = Step(text="Press the point.", kind="press", seconds=30, seconds_from="text", breath=(4.0, 6.0), index=1)
    routine = Routine("Test", (step,))
    timeline = timeline_of(routine, Options(breath=(4.0, 6.0)))
    (hold,) = timeline.holds
    prompts = [e for e in timeline.events if e.kind == "breath"]
    offsets = [(e.start - hold.start) / SAMPLE_RATE for e in prompts]
    assert offsets == [0, 4, 10, 14, 20, 24]
    assert [e.text for e in prompts] == ["Breathe in deeply.", "Let it out slowly."] * 3
    assert all(hold.start <= e.start and e.end <= hold.end for e in prompts)


@pytest.mark.parametrize(("seconds", "prompts"), [(8, ["Keep breathing slowly."]), (3, [])])
def test_a_hold_shorter_than_one_breath_gets_one_gentle_prompt(seconds: float, prompts: list[str]) -> None:
    step = Step(text="Press.", kind="press", seconds=seconds, seconds_from="text", breath=(4.0, 6.0), index=1)
    timeline = timeline_of(Routine("Test", (step,)), Options())
    (hold,) = timeline.holds
    breath = [e for e in timeline.events if e.kind == "breath"]
    assert [e.text for e in breath] == prompts
    assert all(e.start == hold.start for e in breath)


def test_long_holds_get_halfway_and_ten_seconds_left_on_time() -> None:
    step = Step(text="Press.", kind="press", seconds=60, seconds_from="text", breath=(4.0, 6.0), index=1)
    timeline = timeline_of(Routine("Test", (step,)), Options())
    (hold,) = timeline.holds
    spoken = {e.text: e for e in timeline.events if hold.start <= e.start < hold.end and e.kind == "speech"}
    assert spoken["Halfway."].start - hold.start == 30 * SAMPLE_RATE
    assert hold.end - spoken["Ten seconds left."].start == 10 * SAMPLE_RATE
    inside = [e for e in timeline.events if hold.start <= e.start < hold.end and e.kind != "silence"]
    for before, after in itertools.pairwise(inside):
        assert before.end <= after.start  # breath prompts make way for the markers


def test_short_holds_get_no_markers_unless_asked() -> None:
    step = Step(text="Press.", kind="press", seconds=30, seconds_from="text", index=1)
    quiet = timeline_of(Routine("Test", (step,)), Options())
    assert not [e for e in quiet.events if e.text in ("Halfway.", "Ten seconds left.")]
    asked = timeline_of(Routine("Test", (step,)), Options(halfway=True, countdown=True))
    assert [e.text for e in asked.events if e.kind == "speech"][2:4] == ["Halfway.", "Ten seconds left."]


@pytest.mark.parametrize(
    ("cue", "sounds"),
    [
        ("voice", ["voice:Breathe in deeply.", "voice:Let it out slowly."]),
        ("tone", ["tone:in", "tone:out"]),
        ("both", ["tone:in", "voice:Breathe in deeply.", "tone:out", "voice:Let it out slowly."]),
        ("none", []),
    ],
)
def test_breath_cues_by_voice_tone_or_both(cue: str, sounds: list[str]) -> None:
    step = Step(text="Press.", kind="press", seconds=10, seconds_from="text", breath=(4.0, 6.0), index=1)
    timeline = timeline_of(Routine("Test", (step,)), Options(breath_cue=cue))
    (hold,) = timeline.holds
    assert [e.sound for e in timeline.events if e.kind == "breath"] == sounds
    starts = [e.start - hold.start for e in timeline.events if e.sound.startswith("tone:")]
    assert starts == [0, 4 * SAMPLE_RATE][: len(starts)]


def test_without_bells_a_hold_ends_with_a_spoken_release() -> None:
    timeline = timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), Options(chime="none"))
    assert not [e for e in timeline.events if e.kind == "chime"]
    starts = {e.start: e for e in timeline.events}
    assert all(starts[h.end].text == "Release." for h in timeline.holds)
    assert timeline.events[-1].text.startswith("Your routine is now complete.")


def test_only_and_preview() -> None:
    routine = parse_text(SHORT_ROUTINE, "hand.txt")
    press = next(s for s in routine.steps if s.kind == "press")
    only = timeline_of(routine, Options(only=press.index))
    assert {h.step for h in only.holds} == {press.index}
    preview = timeline_of(routine, Options(preview=True))
    full = timeline_of(routine, Options())
    assert preview.events == full.events[: len(preview.events)]
    assert preview.length >= 60 * SAMPLE_RATE > preview.events[-1].start


def test_no_breath_removes_every_prompt() -> None:
    timeline = timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), Options(no_breath=True))
    assert not [e for e in timeline.events if e.kind == "breath"]


def test_hold_override_changes_every_hold() -> None:
    timeline = timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), Options(hold=45))
    assert [h.end - h.start for h in timeline.holds] == [45 * SAMPLE_RATE] * 4
    assert {h.seconds for h in timeline.holds} == {45}


def test_set_changes_one_step_and_its_mirror() -> None:
    routine = parse_text(SHORT_ROUTINE, "hand.txt")
    press = next(s for s in routine.steps if s.kind == "press")
    timeline = timeline_of(routine, Options(set_holds=((press.index, 12.0),)))
    changed = [h for h in timeline.holds if h.seconds == 12.0]
    assert len(changed) == 2  # the right hand and the mirrored left hand
    assert all(h.end - h.start == 12 * SAMPLE_RATE for h in changed)


def test_set_of_an_unknown_step_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="step 99"):
        timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), Options(set_holds=((99, 5.0),)))


def test_hold_longer_than_max_hold_is_refused() -> None:
    with pytest.raises(UsageError, match="--max-hold"):
        timeline_of(parse_text("Press the point for 3 hours.", "x.txt"), Options())


def test_the_file_ends_with_the_closing_chime() -> None:
    timeline = timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), Options())
    assert timeline.events[-1].kind == "chime"
    assert timeline.events[-1].text == "closing"


def test_side_switch_is_announced_after_a_chime() -> None:
    timeline = timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), Options())
    texts = [e.text for e in timeline.events if e.kind in ("speech", "chime")]
    at = texts.index("Next, your left hand.")
    assert texts[at - 1] == "switch"


def test_repeats_are_counted_aloud() -> None:
    step = Step(text="Stroke the arch.", kind="massage", seconds=5, seconds_from="text", repeat=3, index=1)
    timeline = timeline_of(Routine("Test", (step,)), Options())
    spoken = [e.text for e in timeline.events if e.kind == "speech"]
    assert "Second time." in spoken and "Third time." in spoken
    assert len(timeline.holds) == 3


steps_strategy = st.lists(
    st.builds(
        Step,
        text=st.sampled_from(["Press the point.", "Rub the arch slowly.", "Sit down. Relax."]),
        kind=st.sampled_from(["press", "massage", "position", "note", "breath"]),
        seconds=st.floats(min_value=0.5, max_value=90, allow_nan=False).map(lambda x: round(x, 2)),
        seconds_from=st.sampled_from(["text", "default"]),
        repeat=st.integers(min_value=1, max_value=3),
        breath=st.sampled_from([None, (4.0, 6.0), (4.0, 7.0, 8.0), (2.0, 2.0, 2.0, 2.0)]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(steps=steps_strategy, prep=st.floats(min_value=0, max_value=5), no_breath=st.booleans())
def test_any_routine_gives_a_tiled_timeline_with_exact_holds(steps: list[Step], prep: float, no_breath: bool) -> None:
    steps = [replace(s, index=i + 1) for i, s in enumerate(steps)]
    routine = Routine("Any", tuple(steps))
    timeline = timeline_of(routine, Options(prep=prep, no_breath=no_breath))
    assert_tiles(timeline)
    by_index = {s.index: s for s in steps}
    for hold in timeline.holds:
        assert hold.end - hold.start == round(by_index[hold.step].seconds * SAMPLE_RATE)
        inside = [e for e in timeline.events if hold.start <= e.start < hold.end]
        assert all(e.end <= hold.end and e.kind in ("breath", "silence", "speech") for e in inside)
        assert all(e.text in ("Halfway.", "Ten seconds left.") for e in inside if e.kind == "speech")
    expected_holds = sum(s.repeat for s in steps if s.is_hold)
    assert len(timeline.holds) == expected_holds


def test_markers_never_collide_in_a_short_hold() -> None:
    step = Step(text="Press.", kind="press", seconds=20.5, seconds_from="text", index=1)
    timeline = timeline_of(Routine("Test", (step,)), Options(halfway=True, countdown=True))
    (hold,) = timeline.holds
    inside = [e for e in timeline.events if hold.start <= e.start < hold.end and e.kind == "speech"]
    assert [e.text for e in inside] == ["Halfway."]  # "Ten seconds left." would overlap it


def test_stage_directions_are_timed_but_not_spoken() -> None:
    text = (
        "Lie down and let your arms rest. (pause 10 seconds)\nClench both fists... hold... (5 seconds) ...and let go."
    )
    routine = parse_text(text, "script.txt")
    assert [(s.seconds, s.seconds_from) for s in routine.steps] == [(10, "text"), (5, "text")]
    spoken = [e.text for e in timeline_of(routine, Options()).events if e.kind == "speech"]
    assert "Lie down and let your arms rest." in spoken
    assert not any("seconds" in said or "(" in said for said in spoken)


def test_a_labelled_sentence_is_spoken_and_only_a_bare_prescription_is_not() -> None:
    text = "Rest: lie flat and let your whole body go heavy for one minute.\nTuck your chin. Hold: 5 sec  Reps: 3"
    spoken = [e.text for e in timeline_of(parse_text(text, "x.txt"), Options()).events if e.kind == "speech"]
    assert "Rest: lie flat and let your whole body go heavy for one minute." in spoken
    assert not any("Reps" in said for said in spoken)
