"""The editable routine file: saving and loading keeps the timeline; bad files say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHORT_ROUTINE, fake_measure
from voiceguide import pipeline, plan, routine_file
from voiceguide.errors import RoutineError
from voiceguide.model import Options
from voiceguide.parse import parse_text


def test_saved_routine_file_gives_the_same_timeline(short_routine: Path, tmp_path: Path) -> None:
    options = Options()
    direct = plan.build_timeline(pipeline.prepare(short_routine, options), options, fake_measure)
    saved = tmp_path / "hand.yaml"
    routine_file.save(pipeline.load_routine(short_routine), saved)
    again = plan.build_timeline(pipeline.prepare(saved, options), options, fake_measure)
    assert again.events == direct.events
    assert again.holds == direct.holds


def test_an_edited_seconds_carries_over_to_the_mirrored_copy_as_set_does(short_routine: Path, tmp_path: Path) -> None:
    saved = tmp_path / "hand.yaml"
    routine_file.save(pipeline.load_routine(short_routine), saved)
    text = saved.read_text(encoding="utf-8")
    assert text.count("seconds: 12.0") == 1  # the copy on the left hand has no seconds of its own
    saved.write_text(text.replace("seconds: 12.0", "seconds: 40.0", 1), encoding="utf-8")
    edited = pipeline.prepare(saved, Options())
    press = next(s for s in pipeline.load_routine(short_routine).steps if s.kind == "press")
    with_set = pipeline.prepare(short_routine, Options(set_holds=((press.index, 40.0),)))
    assert [(s.seconds, s.side) for s in edited.steps if s.kind == "press"] == [(40.0, "right"), (40.0, "left")]
    assert [s.seconds for s in edited.steps] == [s.seconds for s in with_set.steps]


def test_a_copy_with_seconds_of_its_own_keeps_them(short_routine: Path, tmp_path: Path) -> None:
    routine = pipeline.load_routine(short_routine)
    copy = next(s for s in routine.steps if s.kind == "press" and s.copy_of)
    body = routine_file.dumps(routine).replace(
        f"    copy_of: {copy.copy_of}\n", f"    copy_of: {copy.copy_of}\n    seconds: 25\n", 1
    )
    again = routine_file.loads(body, "hand.yaml")
    assert [s.seconds for s in again.steps if s.kind == "press"] == [12.0, 25.0]


def test_a_bare_string_step_is_read_as_a_text_would_be() -> None:
    body = (
        "title: x\nsections:\n  - title: null\n    steps:\n"
        "      - Press your right palm for 10 seconds.\n"
        "      - text: Rub the arch 3 times.\n"
        "      - {text: Press the point., kind: position}\n"
    )
    press, rub, given = routine_file.loads(body, "r.yaml").steps
    assert (press.kind, press.seconds, press.seconds_from, press.side) == ("press", 10.0, "text", "right")
    assert (rub.kind, rub.repeat) == ("massage", 3)
    assert (given.kind, given.seconds) == ("position", 5.0)  # what a step states wins


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("title: x\nsections: [", "not valid YAML"),
        ("title: x\n", "needs `title:` and a list under `sections:`"),
        (
            "title: x\nsections:\n  - title: a\n    steps:\n      - text: Press.\n        seconds: -5\n",
            ":5: seconds must be",
        ),
        (
            "title: x\nsections:\n  - title: a\n    steps:\n      - text: Press.\n        kind: poke\n",
            ":5: kind must be",
        ),
        ("title: x\nsections:\n  - title: a\n    steps:\n      - seconds: 5\n", ":5: a step needs `text:`"),
        (
            "title: x\nsections:\n  - title: a\n    steps:\n      - text: Hi\n        colour: red\n",
            "unknown field `colour`",
        ),
        ("title: x\nsections:\n  - title: a\n    steps:\n      - text: Hi\n        breath: [4, 0]\n", "breath must be"),
        (
            "title: x\nsections:\n  - title: a\n    steps:\n      - text: Hi\n        colour: red\n",
            r"^r\.yaml:6: unknown field `colour`",
        ),
        (
            "title: x\nauthor: me\nsections:\n  - steps: [Hi]\n",
            r"^r\.yaml:2: unknown field `author` \(known here: title, sections\)$",
        ),
        (
            "title: x\nsections:\n  - title: a\n    colour: red\n    steps: [Hi]\n",
            r"^r\.yaml:4: unknown field `colour` \(known here: title, steps\)$",
        ),
        (
            "title: x\nsections:\n  - steps:\n      - text: Press.\n      - text: Again.\n        copy_of: 99\n",
            r"^r\.yaml:6: copy_of: 99 names no step before this one",
        ),
        (
            "title: x\nsections:\n  - steps:\n      - text: Press.\n        copy_of: 1\n",
            r"^r\.yaml:5: copy_of: 1 names no step before this one",
        ),
    ],
)
def test_bad_routine_files_name_the_place(body: str, message: str) -> None:
    with pytest.raises(RoutineError, match=message.replace("[", r"\[").replace("`", "`")):
        routine_file.loads(body, "r.yaml")


def test_yaml_is_loaded_safely() -> None:
    body = "title: !!python/object/apply:os.system ['true']\nsections: []\n"
    with pytest.raises(RoutineError, match="not valid YAML"):
        routine_file.loads(body, "r.yaml")


def test_a_step_may_be_just_its_text() -> None:
    routine = routine_file.loads("title: Quick\nsections:\n  - title: null\n    steps:\n      - Sit down.\n", "r.yaml")
    assert [s.text for s in routine.steps] == ["Sit down."]


def test_every_step_field_survives_the_round_trip() -> None:
    original = parse_text(SHORT_ROUTINE, "hand.txt")
    parsed = routine_file.loads(routine_file.dumps(original), "hand.yaml")
    assert [s.to_dict() for s in parsed.steps] == [s.to_dict() for s in original.steps]
    assert parsed.title == original.title


def test_every_corpus_routine_survives_save_and_load(tmp_path: Path) -> None:
    for text in sorted((Path(__file__).parent / "data" / "routines").glob("*.txt")):
        original = parse_text(text.read_text(encoding="utf-8"), text.name)
        again = routine_file.loads(routine_file.dumps(original), "again.yaml")
        assert [s.to_dict() for s in again.steps] == [s.to_dict() for s in original.steps], text.name


def test_hand_written_breath_is_kept_and_missing_seconds_get_the_defaults() -> None:
    body = (
        "title: x\nsections:\n  - title: null\n    steps:\n"
        "      - {text: Press the point., kind: press, breath: [4, 7, 8]}\n"
        "      - {text: Sit down.}\n"
    )
    routine = plan.apply_options(routine_file.loads(body, "r.yaml"), Options(breath=(5.0, 5.0)))
    press, sit = routine.steps
    assert (press.seconds, press.seconds_from, press.breath) == (30.0, "default", (4.0, 7.0, 8.0))
    assert (sit.kind, sit.seconds) == ("position", 5.0)


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_seconds_must_be_finite(value: str) -> None:
    body = f"title: x\nsections:\n  - steps:\n      - text: Press.\n        seconds: {value}\n"
    with pytest.raises(RoutineError, match="seconds must be a number of seconds"):
        routine_file.loads(body, "r.yaml")
