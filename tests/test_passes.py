"""Each pass of the parser on its own: structure → sentences → units (annotations) → steps."""

from __future__ import annotations

from voiceguide.parse import sentences
from voiceguide.parse.steps import parse_text
from voiceguide.parse.structure import blocks_of
from voiceguide.parse.units import units_of


def test_structure_reads_a_table_that_lost_its_markup_row_by_row() -> None:
    text = (
        "Exercise Dose Weeks\n"
        "Heel slides 10 sec hold × 5 reps 1-6\n"
        "   Lying on your back, slide the heel toward you\n"
        "Wall sit 20 sec hold × 3 reps 2-6\n"
        "   Back flat against the wall\n"
    )
    items = [(b.kind, b.text) for b in blocks_of(text)]
    assert items == [
        ("item", "Exercise Dose Weeks"),
        ("item", "Heel slides 10 sec hold × 5 reps 1-6 Lying on your back, slide the heel toward you"),
        ("item", "Wall sit 20 sec hold × 3 reps 2-6 Back flat against the wall"),
    ]


def test_structure_reads_a_table_pasted_a_cell_at_a_time() -> None:
    cells = ["Exercise", "Position", "Dose", "1", "Sitting", "Chin tuck, 10 times", "2", "Lying", "Bridge, 5 times"]
    blocks = blocks_of("\n\n".join(cells) + "\n")
    assert [b.text for b in blocks if b.kind == "item"] == ["1", "Chin tuck, 10 times", "2", "Bridge, 5 times"]


def test_structure_a_titled_part_starts_under_a_line_of_its_own() -> None:
    blocks = blocks_of("A Calm Script\nBody Scan (5 minutes):\nLet your attention rest on your feet.\n")
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "A Calm Script"),
        ("heading", "Body Scan (5 minutes)"),
        ("para", "Let your attention rest on your feet."),
    ]


def test_sentences_end_at_a_stage_direction_and_not_after_an_abbreviation() -> None:
    said = [
        s
        for _, s in sentences("Rest your hands, e.g. on your knees. Notice the calm. (pause 10 s) Now open your eyes.")
    ]
    assert said == ["Rest your hands, e.g. on your knees.", "Notice the calm. (pause 10 s)", "Now open your eyes."]


def test_units_carry_what_the_lexicon_finds() -> None:
    _, units = units_of(
        blocks_of("Allow yourself 10 minutes. Do 3 sets of 12 on each side. Breath in for 4, out for 6.\n")
    )
    session, sets, breath = units
    assert (session.instruction, [f.phrase for f in session.session], session.durations) == (False, ["10 minutes"], [])
    assert sets.repeat is not None and sets.sets is not None and sets.side_cue is not None
    assert (sets.repeat.value, sets.sets.value, sets.side_cue.kind) == (12, 3, "each")
    assert breath.text.startswith("Breathe in")  # mended
    assert breath.breath is not None and breath.breath.pattern == (4, 6)


def test_steps_join_what_only_times_the_step_before_and_copy_what_is_asked_again() -> None:
    text = "Press the point between thumb and finger on your right hand.\nHold for 30 seconds.\nSwitch hands.\n"
    steps = parse_text(text, "x.txt").steps
    assert [(s.kind, s.seconds, s.side, s.copy_of) for s in steps] == [
        ("press", 30, "right", None),
        ("switch", 0, "left", None),
        ("press", 30, "left", 1),
    ]


def test_sentences_drop_a_bullet_left_as_a_letter() -> None:
    said = [s for _, s in sentences("Sit tall. v Close the right nostril. iv Breathe in slowly.")]
    assert said == ["Sit tall.", "Close the right nostril.", "Breathe in slowly."]


def test_structure_a_sentence_flush_under_a_list_starts_a_paragraph() -> None:
    text = "- Shrug your shoulders 5 times\n- Roll your neck 3 times\nThen lie down and rest for a minute.\n"
    assert [(b.kind, b.text) for b in blocks_of(text)] == [
        ("item", "Shrug your shoulders 5 times"),
        ("item", "Roll your neck 3 times"),
        ("para", "Then lie down and rest for a minute."),
    ]
    dosed = "- Tuck your chin in\nSets: 2 | Reps: 8\n"
    assert [b.kind for b in blocks_of(dosed)] == ["item"]
