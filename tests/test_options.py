"""Settings as typed, checked in one place for the command line and the page; --repeat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SHORT_ROUTINE, fake_measure
from voiceguide import plan
from voiceguide.cli import app
from voiceguide.errors import UsageError
from voiceguide.model import Options
from voiceguide.options import from_given
from voiceguide.parse import parse_text

runner = CliRunner()


def test_given_values_become_options() -> None:
    options = from_given({"hold": 45.0, "breath": "4:7:8", "set_holds": ["3=9"], "set_repeats": ["4=2"], "rate": 120})
    assert options == Options(hold=45.0, breath=(4.0, 7.0, 8.0), set_holds=((3, 9.0),), set_repeats=((4, 2),), rate=120)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"set_repeats": ["4=0"]}, "--repeat 4=0: the count must be 1 or more"),
        ({"set_repeats": ["4=two"]}, "--repeat takes STEP=COUNT like 5=3, got '4=two'"),
        ({"set_repeats": ["4=1.5"]}, "--repeat takes STEP=COUNT like 5=3, got '4=1.5'"),
        ({"rate": 5000}, "--rate must be 60 to 300 words a minute, got 5000"),
        ({"rate": 59}, "--rate must be 60 to 300 words a minute, got 59"),
    ],
)
def test_bad_values_name_their_flag(given: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        from_given(given)
    assert str(caught.value) == message


def test_a_repeat_changes_the_step_and_its_mirrored_copy() -> None:
    routine = parse_text(SHORT_ROUTINE, "hand.txt")
    steps = {s.index: s for s in plan.apply_options(routine, Options(set_repeats=((3, 3),))).steps}
    assert steps[3].repeat == steps[7].repeat == 3 and steps[7].copy_of == 3
    own = {s.index: s for s in plan.apply_options(routine, Options(set_repeats=((3, 3), (7, 2)))).steps}
    assert (own[3].repeat, own[7].repeat) == (3, 2)
    timeline = plan.build_timeline(plan.apply_options(routine, Options(set_repeats=((3, 3),))), Options(), fake_measure)
    assert [h.step for h in timeline.holds].count(3) == 3


def test_a_repeat_of_a_step_that_is_not_timed_is_refused() -> None:
    routine = parse_text(SHORT_ROUTINE, "hand.txt")
    with pytest.raises(UsageError, match=r"^--repeat 5=…: step 5 is not a timed step; see `voiceguide plan`$"):
        plan.apply_options(routine, Options(set_repeats=((5, 2),)))


def test_repeat_on_the_command_line_is_saved_into_the_routine_file(short_routine: Path, tmp_path: Path) -> None:
    saved = tmp_path / "hand.yaml"
    first = runner.invoke(app, ["plan", str(short_routine), "--json", "--repeat", "4=2", "--save", str(saved)])
    assert first.exit_code == 0, first.stderr
    again = runner.invoke(app, ["plan", str(saved), "--json"])
    for result in (first, again):
        steps = {s["index"]: s for s in json.loads(result.stdout)["steps"]}
        assert steps[4]["repeat"] == steps[8]["repeat"] == 2
