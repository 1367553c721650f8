"""Shared fixtures: a private speech cache, a fake voice with exact lengths, routine texts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voiceguide.model import SAMPLE_RATE

SHORT_ROUTINE = """\
# Hand warm-up

Hands hold a lot of tension after a day at the keyboard.

## Palm press

1. Rest the back of your right hand in your left palm.
   Press the centre of your right palm with your left thumb for 12 seconds.
2. Rub the palm in slow circles for 3 seconds.

Repeat on the other hand.
"""


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test session speaks into its own cache, never the user's."""
    folder = tmp_path_factory.getbasetemp() / "clip-cache"
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(folder))
    return folder


def fake_measure(sound: str) -> int:
    """Lengths a real voice might have: 0.3 s per word, chimes 1 s, tones 0.5 s; exact."""
    source, _, text = sound.partition(":")
    if source == "chime":
        return SAMPLE_RATE
    if source == "tone":
        return SAMPLE_RATE // 2
    return round(0.3 * SAMPLE_RATE * max(1, len(text.split())))


@pytest.fixture
def short_routine(tmp_path: Path) -> Path:
    path = tmp_path / "hand_warm_up.txt"
    path.write_text(SHORT_ROUTINE, encoding="utf-8")
    return path


def invoke_in(folder: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """`voiceguide ARGS` run in `folder` through typer's runner: exit code, stdout, stderr."""
    from typer.testing import CliRunner

    from voiceguide.cli import app

    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, list(args), input=stdin)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr
