"""Routine → Timeline with a fake voice of exact lengths: tiling, hold lengths, breath prompts."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SHORT_ROUTINE, fake_measure
from voiceguide import plan
from voiceguide.errors import UsageError
from voiceguide.model import SAMPLE_RATE, Event, Hold, Options, Routine, Step, Timeline
from voiceguide.parse import parse_text

# Sounds start on the MP3's frame grid: a cue in a hold starts within a frame of its phase
# boundary there (its hold moved by at most half a frame, and the cue by at most half a frame).
FRAME = plan.GRID / SAMPLE_RATE
IN, OUT = plan.PHASE_WORDS["in"], plan.PHASE_WORDS["out"]


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
    assert offsets == pytest.approx([0, 4, 10, 14, 20, 24], abs=FRAME)
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


def test_long_holds_get_halfway_and_ten_seconds_left_between_breaths() -> None:
    step = Step(text="Press.", kind="press", seconds=60, seconds_from="text", breath=(4.0, 6.0), index=1)
    timeline = timeline_of(Routine("Test", (step,)), Options())
    (hold,) = timeline.holds
    inside = [e for e in timeline.events if hold.start <= e.start < hold.end and e.kind != "silence"]
    spoken = {e.text: e for e in inside if e.kind == "speech"}
    breathe_in = [(e.start - hold.start) / SAMPLE_RATE for e in inside if e.text == IN]
    assert breathe_in == pytest.approx([n * 10 for n in range(6)], abs=FRAME)  # six whole cycles, none left out
    guard = plan.PROMPT_GUARD
    halfway = (spoken["Halfway."].end - hold.start) / SAMPLE_RATE
    assert halfway == pytest.approx(30 - guard, abs=FRAME)  # just before a "Breathe in."
    left = (hold.end - spoken["Ten seconds left."].end) / SAMPLE_RATE
    assert 9 <= left <= 11
    assert (spoken["Ten seconds left."].end - hold.start) / SAMPLE_RATE == pytest.approx(50 - guard, abs=FRAME)
    for before, after in itertools.pairwise(inside):
        assert before.end <= after.start


def pace(timeline: Timeline, hold_number: int = 0) -> tuple[list[float], list[str]]:
    """The starts (seconds into the hold) of its "Breathe in." cues, and its breath cues in order."""
    hold = timeline.holds[hold_number]
    inside = [e for e in timeline.events if hold.start <= e.start < hold.end and e.kind == "breath"]
    starts = [(e.start - hold.start) / SAMPLE_RATE for e in inside if e.text == IN]
    return starts, [e.text for e in inside]


@pytest.mark.parametrize(
    ("seconds", "pattern", "cycles"),
    [
        (45, (4.0, 6.0), 5),
        (30, (4.0, 7.0, 8.0), 2),
        (30, (4.0, 4.0, 4.0, 4.0), 2),
        (15, (4.0, 6.0), 2),
        (14, (4.0, 6.0), 1),
    ],
)
def test_a_hold_is_whole_breath_cycles_ending_on_an_exhale(
    seconds: float, pattern: tuple[float, ...], cycles: int
) -> None:
    step = Step(text="Press.", kind="press", seconds=seconds, seconds_from="text", breath=pattern, breath_from="text")
    timeline = timeline_of(Routine("Test", (replace(step, index=1),)), Options())
    (hold,) = timeline.holds
    starts, cues = pace(timeline)
    assert len(starts) == cycles and cues[-1] == OUT
    last_out = max(e.start for e in timeline.events if e.text == OUT)
    factor = seconds / (cycles * sum(pattern) - (pattern[-1] if len(pattern) == 4 else 0))
    assert 0.7 < factor < 1.45  # the pace stretched or shrunk, never far
    # the exhale runs from its cue to the bell: as long as every other exhale
    assert abs((hold.end - last_out) / SAMPLE_RATE - pattern[2 if len(pattern) > 2 else 1] * factor) <= FRAME
    assert all(abs(b - a - sum(pattern) * factor) <= FRAME for a, b in itertools.pairwise(starts))


@settings(max_examples=80, deadline=None)
@given(
    seconds=st.floats(min_value=9, max_value=400).map(lambda x: round(x, 2)),
    pattern=st.sampled_from([(4.0, 6.0), (5.0, 5.0), (3.0, 3.0), (2.0, 2.0), (4.0, 7.0, 8.0), (4.0, 4.0, 4.0, 4.0)]),
    markers=st.sampled_from([None, True]),
)
def test_the_pace_holds_through_the_markers_and_ends_on_an_exhale(
    seconds: float, pattern: tuple[float, ...], markers: bool | None
) -> None:
    step = Step("Press.", "press", seconds, "text", breath=pattern, breath_from="text", index=1)
    timeline = timeline_of(Routine("Test", (step,)), Options(halfway=markers, countdown=markers))
    (hold,) = timeline.holds
    starts, cues = pace(timeline)
    if seconds < sum(pattern) - (pattern[-1] if len(pattern) == 4 else 0):
        assert cues in ([], [plan.SHORT_HOLD_PROMPT])
        return
    assert cues[-1] == OUT
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    cycle = min(gaps) if gaps else 0
    # a marker may take a cycle's place; each cue is within half a frame of its phase boundary
    assert all(abs(gap - round(gap / cycle) * cycle) <= (1 + round(gap / cycle)) * FRAME for gap in gaps)
    inside = [e for e in timeline.events if hold.start <= e.start < hold.end and e.kind != "silence"]
    for before, after in itertools.pairwise(inside):
        assert before.end <= after.start
    said = [e for e in inside if e.text == "Ten seconds left."]
    assert all(10 - 3.5 <= (hold.end - e.end) / SAMPLE_RATE <= 10 + 3.5 for e in said)
    if markers and len(pattern) == 2 and sum(pattern) <= 10 and seconds >= 20:
        assert said  # a pace of ten seconds or less always has a cycle ending near ten seconds left


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
    starts = [(e.start - hold.start) / SAMPLE_RATE for e in timeline.events if e.sound.startswith("tone:")]
    assert starts == pytest.approx([0, 4][: len(starts)], abs=FRAME)


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


def test_hold_leaves_a_counted_movement_at_its_pace() -> None:
    text = "Roll your shoulders backward 10 times.\n\nKnead the arch of your foot for 20 seconds."
    routine = parse_text(text, "x.txt")
    steps = plan.apply_options(routine, Options(hold=45)).steps
    assert [(s.seconds, s.repeat) for s in steps] == [(3, 10), (45, 1)]


# The frame grid ---------------------------------------------------------------------------------

GRID = plan.GRID


def grid_free(routine: Routine, options: Options) -> Timeline:
    """The timeline as it would be without the grid (a grid of one sample moves nothing)."""
    with mock.patch.object(plan, "GRID", 1):
        return timeline_of(routine, options)


def hold_of(event: Event, holds: tuple[Hold, ...]) -> Hold | None:
    return next((h for h in holds if h.start <= event.start < h.end), None)


def test_sounds_start_on_the_frame_grid_where_they_may() -> None:
    options = Options(hold=65)  # long enough for "Halfway." and "Ten seconds left."
    timeline = timeline_of(parse_text(SHORT_ROUTINE, "hand.txt"), options)
    starts, ends = {h.start for h in timeline.holds}, {h.end for h in timeline.holds}
    assert all(start % GRID == 0 for start in starts)
    inside = [e for e in timeline.events if e.kind != "silence" and hold_of(e, timeline.holds)]
    assert {e.text for e in inside} == {IN, OUT, plan.HALFWAY, plan.TEN_LEFT}
    assert all(e.start % GRID == 0 for e in inside)
    outside = []
    for before, event, after in zip(timeline.events, timeline.events[1:], timeline.events[2:], strict=False):
        if before.kind != "silence" or event.kind == "silence" or event in inside:
            continue  # a sound right after another one moves with it
        if event.start in ends:  # the bell, exact at the end of its hold
            assert event.kind == "chime"
            continue
        if after.kind == "silence" and after.end in starts:  # placed by its hold, its prep pause exact
            assert after.length == round(options.prep * SAMPLE_RATE)
            continue
        assert event.start % GRID == 0, event
        outside.append(event.text)
    assert outside[:3] == ["Hand warm-up", "Hands hold a lot of tension after a day at the keyboard.", "Palm press"]
    assert "switch" in outside and outside[-1] == plan.CLOSING


@settings(max_examples=60, deadline=None)
@given(
    steps=steps_strategy,
    prep=st.floats(min_value=0, max_value=5),
    cue=st.sampled_from(["voice", "both"]),
    markers=st.sampled_from([None, True]),
)
def test_the_grid_moves_each_sound_by_at_most_half_a_frame(
    steps: list[Step], prep: float, cue: str, markers: bool | None
) -> None:
    routine = Routine("Any", tuple(replace(s, index=i + 1) for i, s in enumerate(steps)))
    options = Options(prep=prep, breath_cue=cue, halfway=markers, countdown=markers)
    timeline, free = timeline_of(routine, options), grid_free(routine, options)
    assert timeline.length == free.length
    assert [h.end - h.start for h in timeline.holds] == [h.end - h.start for h in free.holds]
    sounds = [e for e in timeline.events if e.kind != "silence"]
    unmoved = [e for e in free.events if e.kind != "silence"]
    assert [(e.kind, e.text, e.step) for e in sounds] == [(e.kind, e.text, e.step) for e in unmoved]
    # A hold that runs straight on from the one before starts off the grid: its first cue (a
    # tone and its word) goes to the first grid point in it.
    first_cues: set[Event] = set()
    for hold in timeline.holds:
        inside = [e for e in sounds if hold.start <= e.start < hold.end]
        if hold.start % GRID and inside:
            first_cues.add(inside[0])
            for before, after in itertools.pairwise(inside):
                if before not in first_cues or after.start != before.end:
                    break
                first_cues.add(after)
    for event, was in zip(sounds, unmoved, strict=True):
        moved = event.start - was.start
        assert abs(moved) <= GRID // 2 or (event in first_cues and moved < GRID + GRID // 2), (event, was)
    ends = {h.end for h in timeline.holds}
    for hold, was in zip(timeline.holds, free.holds, strict=True):  # the pause before a hold is exact
        if hold.start not in ends:
            pause = next(e for e in timeline.events if e.end == hold.start)
            assert pause.length == next(e for e in free.events if e.end == was.start).length


def test_a_longer_hold_moves_no_other_sound_within_its_frame() -> None:
    """What a rebuild must encode again after one hold grows by a second: only the sounds of
    that step whose place in their frame changed, and the closing bell, which ends the track."""
    text = "# Points\n\n" + "".join(f"Press point {n} for 60 seconds.\n" for n in range(1, 6))
    routine = parse_text(text, "points.txt")
    changed = routine.instructions[1]
    before = timeline_of(routine, Options())
    after = timeline_of(routine, Options(set_holds=((changed.index, 61.0),)))
    assert after.length == before.length + SAMPLE_RATE

    def placed(timeline: Timeline) -> Counter[tuple[str, int]]:
        return Counter((e.sound, e.start % GRID) for e in timeline.events if e.sound)

    moved = placed(after) - placed(before)
    said = next(e.sound for e in after.events if e.step == changed.index and e.kind == "speech")
    assert "61 seconds" in said
    assert set(moved) <= {(said, moved_to) for moved_to in range(GRID)} | {
        (bell, moved_to) for bell in ("chime:end", "chime:closing") for moved_to in range(GRID)
    }
    assert sum(moved.values()) == 3, moved  # its words, its bell and the closing bell
