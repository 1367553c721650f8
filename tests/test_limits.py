"""Limits that keep a typo from costing hours: repetitions, the total length, a full disk.
Each is refused at once, in one line, before anything is spoken or written."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import SHORT_ROUTINE
from tests.conftest import invoke_in as invoke
from voiceguide import pipeline, render, routine_file
from voiceguide.errors import RenderError, RoutineError

runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "line", "phrase"),
    [
        ("Sit down.\nPress the point for 30 seconds and repeat 100000 times.\n", 2, "100000 times"),
        # the parser would write this list out two thousand times before anything else ran
        (
            "1. Press the point for 1 second.\n2. Rub the arch for 1 second.\n\nContinue for 2000 rounds.\n",
            4,
            "2000 rounds",
        ),
    ],
)
def test_a_count_over_a_thousand_in_a_text_is_refused(tmp_path: Path, text: str, line: int, phrase: str) -> None:
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")
    code, stdout, stderr = invoke(tmp_path, "plan", "r.txt")
    assert (code, stdout) == (1, "")
    assert stderr == (
        f"voiceguide: r.txt:{line}: '{phrase}' is more than the 1000 repetitions a routine may ask for; "
        "write a smaller count\n"
    )


def test_a_count_of_a_thousand_is_allowed() -> None:
    routine = pipeline.from_text("Press the point for 1 second and repeat 1000 times.", "r.txt")
    assert [s.repeat for s in routine.steps] == [1000]


def test_a_repeat_over_a_thousand_in_a_routine_file_is_refused_with_its_line() -> None:
    body = "title: x\nsections:\n  - title: a\n    steps:\n      - text: Press.\n        repeat: 100000000\n"
    with pytest.raises(RoutineError, match=r"^r\.yaml:5: repeat must be a whole number from 1 to 1000, got 100000000$"):
        routine_file.loads(body, "r.yaml")


def test_a_routine_over_twelve_hours_is_refused_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("Press point number one for 25 minutes.\n" * 30, encoding="utf-8")
    code, stdout, stderr = invoke(tmp_path, "plan", "r.txt")
    assert (code, stdout) == (2, "")
    assert stderr == (
        "voiceguide: the routine lasts at least 12.5 h, longer than --max-total 43200 s (12 h); "
        "raise --max-total if that is really meant\n"
    )
    code, stdout, stderr = invoke(tmp_path, "plan", "r.txt", "--max-total", "50000")
    assert code == 0, stderr
    assert stdout.startswith("Guided routine — 12:")


def test_the_exact_length_counts_too(tmp_path: Path) -> None:
    """The holds alone fit, the spoken words tip it over: refused once the phrases are measured."""
    (tmp_path / "r.txt").write_text("Press the point for 60 seconds.\n", encoding="utf-8")
    code, _, stderr = invoke(tmp_path, "build", "r.txt", "--max-total", "61")
    assert code == 2
    assert stderr.startswith("voiceguide: the routine lasts 0.0") and "longer than --max-total 61 s" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_a_full_disk_is_named_before_the_encode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r.txt").write_text(SHORT_ROUTINE, encoding="utf-8")
    real = shutil.disk_usage

    def nearly_full(path: Any) -> Any:
        return real(path)._replace(free=200_000)

    monkeypatch.setattr(shutil, "disk_usage", nearly_full)
    code, stdout, stderr = invoke(tmp_path, "build", "r.txt", "-o", "hand.mp3")
    assert (code, stdout) == (1, "")
    assert stderr.startswith("voiceguide: hand.mp3: the disk is full (0.2 MB free, the build needs about ")
    assert stderr.endswith(" MB); free some space or write elsewhere with -o\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.txt"]


def test_a_disk_that_fills_during_the_encode_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r.txt").write_text(SHORT_ROUTINE, encoding="utf-8")

    def runs_out(*args: Any, **kwargs: Any) -> None:
        # what soundfile reports when a write comes up short: no errno, just "System error."
        raise RenderError("hand.mp3: could not write (System error.)") from OSError(errno.ENOSPC, "No space left")

    monkeypatch.setattr(render, "render", runs_out)
    code, _, stderr = invoke(tmp_path, "build", "r.txt", "-o", "hand.mp3")
    assert code == 1
    assert "hand.mp3: the disk is full (" in stderr and "System error" not in stderr


def test_a_routine_file_on_a_full_disk_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r.txt").write_text(SHORT_ROUTINE, encoding="utf-8")

    def runs_out(*args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(routine_file, "save", runs_out)
    code, _, stderr = invoke(tmp_path, "plan", "r.txt", "--save", "r.yaml")
    assert code == 1
    assert stderr == "voiceguide: r.yaml: the disk is full; free some space or save it elsewhere\n"
