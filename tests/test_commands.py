"""What the commands print: one-line errors for bad values, plan and build agreeing on times and
counts, help that names its values, names and sources as the user wrote them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SHORT_ROUTINE
from tests.conftest import invoke_in as invoke
from voiceguide.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hold", "abc"], "--hold must be a number, got 'abc'"),
        (["--rate", "5000"], "--rate must be from 60 to 300 words a minute, got 5000"),
        (["--rate", "fast"], "--rate must be a whole number, got 'fast'"),
        (["--only", "two"], "--only must be a whole number, got 'two'"),
        (["--colour", "red"], "no such option: --colour; see `voiceguide build --help`"),
    ],
)
def test_a_bad_value_is_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "r.txt").write_text(SHORT_ROUTINE, encoding="utf-8")
    code, stdout, stderr = invoke(tmp_path, "build", "r.txt", *args)
    assert (code, stdout, stderr) == (2, "", f"voiceguide: {message}\n")


def test_help_names_the_values_it_takes() -> None:
    text = runner.invoke(app, ["build", "--help"]).output
    assert "--set STEP=SECONDS" in text and "--hold SECONDS" in text and "--max-total SECONDS" in text
    assert "<list" not in text and "<float>" not in text


def test_no_arguments_still_shows_the_help() -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Commands:" in result.output and "build" in result.output


def test_the_voice_list_has_a_header_and_straight_columns() -> None:
    result = runner.invoke(app, ["voices"])
    assert result.exit_code == 0
    rows = result.stdout.split("\n\n")[0].splitlines()
    assert rows[0].split() == ["LANGUAGE", "VOICE", "NAME"]
    for header in ("VOICE", "NAME"):
        column = rows[0].index(header)
        for row in rows[1:]:
            assert row[column - 2 : column] == "  " and row[column] != " ", row


def _plan_rows(stdout: str) -> tuple[int, list[str]]:
    header, *rest = stdout.splitlines()
    count = int(re.search(r", (\d+) steps?$", header).group(1))  # type: ignore[union-attr]
    return count, [line for line in rest if re.match(r"^\s+\d+  ", line)]


@pytest.mark.parametrize("extra", [[], ["--preview"], ["--no-intro"]], ids=["whole", "preview", "no-intro"])
def test_plan_and_build_agree_on_length_and_steps(tmp_path: Path, extra: list[str]) -> None:
    (tmp_path / "r.txt").write_text(SHORT_ROUTINE + "\nRest your hands in your lap for 40 seconds.\n", encoding="utf-8")
    code, planned, stderr = invoke(tmp_path, "plan", "r.txt", *extra)
    assert code == 0, stderr
    count, rows = _plan_rows(planned)
    assert count == len(rows)  # the header counts the numbered rows below it
    data = json.loads(invoke(tmp_path, "plan", "r.txt", "--json", *extra)[1])
    code, built, stderr = invoke(tmp_path, "build", "r.txt", "-o", "r.mp3", *extra)
    assert code == 0, stderr
    cue_sheet = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["duration_estimate"] == cue_sheet["duration"]  # exact, not an estimate
    clock = re.search(r" — (\d+:\d\d), ", planned).group(1)  # type: ignore[union-attr]
    assert built.startswith(f"Wrote r.mp3 ({clock}, {count} steps, ")


def test_an_hour_or_more_prints_as_hours_minutes_seconds(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(
        "Press the point for 25 minutes.\nRub the arch for 25 minutes.\n" * 2, encoding="utf-8"
    )
    code, stdout, stderr = invoke(tmp_path, "plan", "r.txt")
    assert code == 0, stderr
    assert re.match(r"Guided routine — 1:4\d:\d\d, 4 steps\n", stdout), stdout


def test_a_file_name_keeps_its_accented_letters(tmp_path: Path) -> None:
    (tmp_path / "épaule douce.txt").write_text("Press the top of your right shoulder for 3 seconds.", encoding="utf-8")
    code, stdout, stderr = invoke(tmp_path, "build", "épaule douce.txt")
    assert code == 0, stderr
    assert stdout.startswith(f"Wrote {Path('output') / 'épaule-douce.mp3'} (")
    assert (tmp_path / "output" / "épaule-douce.mp3").stat().st_size > 1000


def test_html_entities_are_read_as_the_characters_they_stand_for(tmp_path: Path) -> None:
    text = "Press the web of your right hand &amp; breathe for 30 seconds.\nRub it gently&nbsp;&mdash; 10 seconds.\n"
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")
    code, stdout, stderr = invoke(tmp_path, "plan", "r.txt", "--json")
    assert code == 0, stderr
    said = [s["text"] for s in json.loads(stdout)["steps"]]
    assert said[0] == "Press the web of your right hand & breathe for 30 seconds."
    assert said[1:] == ["Rub it gently — 10 seconds."]


def test_a_dash_reads_the_routine_from_standard_input(tmp_path: Path) -> None:
    code, stdout, stderr = invoke(tmp_path, "plan", "-", "--json", stdin="Press the point for 12 seconds.\n")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert [(s["kind"], s["seconds"]) for s in data["steps"]] == [("press", 12.0)]
    code, stdout, stderr = invoke(tmp_path, "plan", "-", stdin="Sit down.\n\nPress.\n")
    assert code == 0, stderr
    code, _, stderr = invoke(tmp_path, "plan", "-", stdin="   \n")
    assert (code, stderr) == (1, "voiceguide: <stdin>: is empty; write the routine's steps in it\n")
