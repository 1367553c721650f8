"""Breath phases and patterns, however a routine counts them (parse.breath)."""

from __future__ import annotations

import pytest

from voiceguide.parse import breath


@pytest.mark.parametrize(
    ("sentence", "pattern"),
    [
        ("Inhale for 4, hold for 7, exhale for 8.", (4, 7, 8)),
        ("Breathe in for four counts, hold for four, breathe out for four, hold for four.", (4, 4, 4, 4)),
        ("This is called box breathing.", (4, 4, 4, 4)),
        ("Try 4-7-8 breathing tonight.", (4, 7, 8)),
        ("Inhale through the nose for a count of 4 and exhale for 6.", (4, 6)),
        ("Draw air in for 5 and let it all out for 7.", (5, 7)),
        # counts before their phase, spoken counts, pulse beats, a phase told relative to the last
        ("Settle into 6 seconds in, 6 seconds out.", (6, 6)),
        ("Set the timer with `5` for the in duration and `7` for the out duration.", (5, 7)),
        ("Whisper 'in, one, two, three' as the air comes in and 'out, one, two, three' as it leaves.", (3, 3)),
        ("Count 'one, two' while breathing in and 'one, two, three' while breathing out.", (2, 3)),
        ("Breathe in… 2, 3, 4… and out… 2, 3, 4, 5, 6.", (4, 6)),
        ("Spend three seconds to inhale and exhale in twice that time.", (3, 6)),
        ("Inhale counting five heartbeats, retain for two beats, exhale over five beats.", (5, 2, 5)),
        # a cycle told from the out-breath turns to start with the in-breath
        ("Exhale for 8 through pursed lips, then inhale for 4.", (4, 8)),
        # not a pattern: no counts, a rate, a number of breaths
        ("Keep breathing slowly.", None),
        ("Aim for about six breaths per minute, one full inhale and exhale per 10 seconds.", None),
        ("Hold the stretch for 30 seconds, breathing in and out.", None),
    ],
)
def test_breath_patterns(sentence: str, pattern: tuple[float, ...] | None) -> None:
    found = breath.find_pattern(sentence)
    assert (found.pattern if found else None) == pattern


def test_a_number_before_a_body_part_is_not_a_breath_count() -> None:
    assert breath.single_phase("Sit down and rest one foot across the other knee.", after_action=True) is None
    found = breath.single_phase("Then rest for two.")
    assert found is not None and (found.kind, found.seconds) == ("hold", 2.0)


@pytest.mark.parametrize(
    ("sentence", "kind", "seconds"),
    [
        ("Exhale slowly through your mouth for a count of eight.", "out", 8.0),
        ("Hold your breath to the count of seven.", "hold", 7.0),
        ("Close your mouth and breathe in quietly to a count of four.", "in", 4.0),
    ],
)
def test_one_phase_a_sentence(sentence: str, kind: str, seconds: float) -> None:
    found = breath.single_phase(sentence, after_action=True)
    assert found is not None and (found.kind, found.seconds) == (kind, seconds)
