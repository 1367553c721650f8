"""The phrases for time, repetition, sides and breathing, one sentence at a time."""

from __future__ import annotations

import pytest

from voiceguide import lexicon


@pytest.mark.parametrize(
    ("sentence", "seconds"),
    [
        ("Press for one minute, keep breathing.", [60]),
        ("Hold it for 30 seconds.", [30]),
        ("Keep going for half a minute.", [30]),
        ("Rub for a minute or two.", [60]),
        ("Stretch for 2-3 minutes.", [120]),
        ("Knead for 2 to 3 min.", [120]),
        ("Hold 90 sec.", [90]),
        ("Tap for 10 s.", [10]),
        ("Stay there for five breaths.", [50]),
        ("Press and count to ten.", [10]),
        ("Wait a few seconds.", [5]),
        ("Rest for a minute and a half.", [90]),
        ("Tense for 5 seconds, then let go for 10 seconds.", [5, 10]),
        ("Twenty-five seconds on the point is enough.", [25]),
        ("Do this for 10 minutes a day.", []),
        ("Place two fingers on the point.", []),
    ],
)
def test_durations(sentence: str, seconds: list[float]) -> None:
    assert [found.value for found in lexicon.find_durations(sentence)] == seconds


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        ("Repeat 3 times.", 3),
        ("Do this five times.", 5),
        ("Thumb walk the arch a few times.", 3),
        ("Complete 2-3 sets.", 2),
        ("Repeat 2 more times.", 3),
        ("Do it twice.", 2),
        ("Repeat once more.", 2),
        ("Press the point firmly.", None),
    ],
)
def test_repeats(sentence: str, count: int | None) -> None:
    found = lexicon.find_repeat(sentence)
    assert (found.value if found else None) == count


@pytest.mark.parametrize(
    ("sentence", "kind", "side", "part"),
    [
        ("Repeat the same on the other foot.", "mirror", None, "foot"),
        ("Repeat with the opposite hand.", "mirror", None, "hand"),
        ("Switch sides.", "mirror", None, None),
        ("Now the left hand.", "switch", "left", "hand"),
        ("Hold for 20 seconds on each side.", "each", None, "side"),
        ("Left leg: same as the right.", "mirror", "left", "leg"),
        ("The same as the right, please.", "mirror", "left", None),
        ("Same for the right foot.", "mirror", "right", "foot"),
        ("Then do the same four stretches on the right arm.", "mirror", "right", "arm"),
        ("Then repeat on the left.", "mirror", "left", None),
    ],
)
def test_side_cues(sentence: str, kind: str, side: str | None, part: str | None) -> None:
    cue = lexicon.find_side_cue(sentence)
    assert cue is not None
    assert (cue.kind, cue.side, cue.part) == (kind, side, part)


@pytest.mark.parametrize(
    "sentence",
    [
        "Spend about 5 seconds on each finger.",  # many fingers, not two sides
        "For each muscle group, tense for 5 seconds.",
        "Rest your thumbs in the hollows on either side of the spine.",  # where, not in turn
        "Work both sides at the same time.",
        "Press both temples at once.",
    ],
)
def test_not_side_cues(sentence: str) -> None:
    assert lexicon.find_side_cue(sentence) is None


@pytest.mark.parametrize(
    ("sentence", "worked"),
    [
        ("Using the thumb and index finger of your right hand, pinch the web.", None),
        ("Pinch each fingertip between your left thumb and index finger.", None),
        ("Rub the back of your right hand.", ("right", "hand")),
        ("Support your right foot with your left hand.", ("right", "foot")),
    ],
)
def test_the_working_hand_is_not_the_side_worked(sentence: str, worked: tuple[str, str] | None) -> None:
    assert lexicon.first_side(sentence) == worked


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("(10 seconds)", 10), ("(pause 10 seconds)", 10), ("[Pause for 30 seconds.]", 30), ("(long pause ~45 s)", 45)],
)
def test_stage_directions(text: str, seconds: float) -> None:
    assert lexicon.STAGE_DIRECTION.fullmatch(text)
    assert [found.value for found in lexicon.find_durations(text)] == [seconds]
    assert not lexicon.STAGE_DIRECTION.search("Press gently (not too hard) on the point.")


def test_mirror_swaps_left_and_right_keeping_case() -> None:
    text = "Hold the Right foot in your left hand; LEFT thumb on top."
    assert lexicon.mirror_text(text) == "Hold the Left foot in your right hand; RIGHT thumb on top."
    assert lexicon.mirror_text(lexicon.mirror_text(text)) == text


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Repeat 2 times on the other leg.", "mirror"),
        ("Repeat the stretch for 30 seconds on the other side.", "mirror"),
        ("Lower your right arm and repeat.", None),  # the same side again, not the other
        ("Do the same as the first round, but more slowly.", None),
        ("Grab the shoulder, the trap, with the opposite hand, and squeeze.", None),  # the working hand
    ],
)
def test_side_cues_need_a_side_to_go_to(sentence: str, kind: str | None) -> None:
    cue = lexicon.find_side_cue(sentence)
    assert (cue.kind if cue else None) == kind


@pytest.mark.parametrize(
    ("sentence", "count"),
    [
        ("Circle your right ankle 10 times and 10 on the other foot.", 10),
        ("Circle the wrist 6 times one way and 6 times the other.", 12),
        ("Hold for 3 sets of 30 seconds.", 3),
        ("Do 3 sets of 10.", 10),  # repetitions in a set; find_sets counts the sets
        ("I do it 3x a day.", None),
    ],
)
def test_counts_read_with_what_follows(sentence: str, count: int | None) -> None:
    found = lexicon.find_repeat(sentence)
    assert (found.value if found else None) == count


@pytest.mark.parametrize(
    ("sentence", "reps", "sets"),
    [
        ("Do 3 sets of 10.", 10, 3),
        ("For 10 s, 10 repetitions with 10 s rest, 3 sets in all.", 10, 3),
        ("Sets: 2 | Reps: 8 | Hold: 5 sec", 8, 2),
        ("3 x 12 reps", 12, 3),
        ("Do 2-3 sets.", 2, None),  # sets without their repetitions are the performances
        ("Then do a final set of 10-15.", 10, None),
        ("Repeat 10-15 more times.", 11, None),
        ("Ten repetitions, five to six repetitions, one set.", 10, 1),  # the count said first
    ],
)
def test_sets_and_the_repetitions_in_each(sentence: str, reps: int, sets: int | None) -> None:
    found, grouped = lexicon.find_repeat(sentence), lexicon.find_sets(sentence)
    assert found is not None and found.value == reps
    assert (grouped.value if grouped else None) == sets
