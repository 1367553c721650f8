"""The command line, through typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voiceguide.cli import app

runner = CliRunner()
COMMANDS = [["build"], ["plan"], ["voices"], ["cache", "info"], ["cache", "clear"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    doc = result.output.split("Usage", 1)[1]
    assert len(doc.strip().splitlines()) > 3


def test_missing_source_is_a_one_line_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = runner.invoke(app, ["plan", str(missing)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"voiceguide: {missing}: no such file; give a routine text (.txt, .md) or routine file (.yaml)\n"
    )
    assert result.stdout == ""


def test_build_of_a_missing_source_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["build", "nope.txt"])
    assert result.exit_code == 2
    assert "nope.txt: no such file" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_plan_json_has_the_documented_fields(short_routine: Path) -> None:
    result = runner.invoke(app, ["plan", str(short_routine), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Hand warm-up"
    assert data["duration_estimate"] > 20
    step = next(s for s in data["steps"] if s["kind"] == "press")
    assert {"index", "text", "seconds", "repeat", "side", "section", "source_line", "breath", "seconds_from"} <= set(
        step
    )
    assert (step["seconds"], step["side"], step["source_line"], step["section"]) == (12, "right", 8, "Palm press")


def test_plan_hold_and_bad_values(short_routine: Path) -> None:
    result = runner.invoke(app, ["plan", str(short_routine), "--json", "--hold", "45"])
    holds = [s["seconds"] for s in json.loads(result.stdout)["steps"] if s["kind"] in ("press", "massage")]
    assert holds == [45, 45, 45, 45]
    bad = runner.invoke(app, ["plan", str(short_routine), "--hold", "-5"])
    assert (bad.exit_code, bad.stderr) == (2, "voiceguide: --hold must be a positive number of seconds, got -5\n")
    bad = runner.invoke(app, ["plan", str(short_routine), "--breath", "4"])
    assert bad.exit_code == 2 and "--breath takes 2 to 4 positive seconds" in bad.stderr


def test_plan_save_writes_a_routine_file_that_builds_the_same_plan(short_routine: Path, tmp_path: Path) -> None:
    saved = tmp_path / "hand.yaml"
    first = runner.invoke(app, ["plan", str(short_routine), "--json", "--save", str(saved)])
    second = runner.invoke(app, ["plan", str(saved), "--json"])
    assert first.exit_code == second.exit_code == 0
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["duration_estimate"] == b["duration_estimate"]
    assert [s["seconds"] for s in a["steps"]] == [s["seconds"] for s in b["steps"]]


def test_unknown_voice_suggests_close_matches(short_routine: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(short_routine), "--voice", "en-uss", "-o", str(tmp_path / "x.mp3")])
    assert result.exit_code == 2
    assert "unknown voice 'en-uss'; did you mean en-us" in result.stderr
    assert list(tmp_path.iterdir()) == [short_routine]


def test_voices_lists_english(tmp_path: Path) -> None:
    result = runner.invoke(app, ["voices"])
    assert result.exit_code == 0
    assert "gmw/en-us" in result.stdout
    assert "f2" in result.stdout


def test_build_with_no_argument_renders_the_builtin_routine(tmp_path: Path) -> None:
    """As a new user would: a fresh folder, the real command, nothing else."""
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    work = tmp_path / "fresh"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "voiceguide", "build"], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr
    names = sorted(p.name for p in (work / "output").iterdir())
    stem = "foot-reflexology-for-back-pain"
    assert names == [f"{stem}.json", f"{stem}.lrc", f"{stem}.mp3", f"{stem}.vtt"]
    assert done.stdout.startswith(f"Wrote output{os.sep}{stem}.mp3 (")
    assert len(done.stdout.splitlines()) == 1
    cue = json.loads((work / "output" / f"{stem}.json").read_text(encoding="utf-8"))
    spoken = " ".join(e["text"] for e in cue["events"])
    assert "Next, your left foot." in spoken
    assert all(h["seconds"] == 60 for h in cue["holds"] if "one minute" in cue["steps"][h["step"] - 1]["text"])


@pytest.mark.parametrize("flag", ["--hold", "--scale", "--prep"])
def test_nan_and_infinity_are_refused(short_routine: Path, flag: str) -> None:
    for value in ("nan", "inf"):
        result = runner.invoke(app, ["plan", str(short_routine), flag, value])
        assert result.exit_code == 2 and result.stderr.startswith(f"voiceguide: {flag} must be"), result.stderr


def test_plan_save_keeps_the_whole_routine_with_the_overrides(short_routine: Path, tmp_path: Path) -> None:
    saved = tmp_path / "hand.yaml"
    result = runner.invoke(app, ["plan", str(short_routine), "--only", "3", "--hold", "9", "--save", str(saved)])
    assert result.exit_code == 0, result.stderr
    again = json.loads(runner.invoke(app, ["plan", str(saved), "--json"]).stdout)
    assert len(again["steps"]) > 1
    assert {s["seconds"] for s in again["steps"] if s["kind"] in ("press", "massage")} == {9}


def test_cache_info_and_clear_count_phrases_and_remove_their_analyses(
    short_routine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "package.json").write_text("{}", encoding="utf-8")  # someone's own files beside the cache
    (shared / "song.wav").write_bytes(b"RIFF")
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(shared))
    result = runner.invoke(app, ["build", str(short_routine), "-o", str(tmp_path / "hand.mp3")])
    assert result.exit_code == 0, result.stderr
    folder = shared / "voiceguide"
    phrases = len(list(folder.glob("*.wav")))
    assert phrases > 3 and list(folder.glob("*.npz"))
    size = sum(p.stat().st_size for p in folder.iterdir() if p.name != "CACHEDIR.TAG") / 1e6
    info = runner.invoke(app, ["cache", "info"])
    assert info.stdout == f"{folder}: {phrases} phrases, {size:.1f} MB with their loudness analyses\n"
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.stdout == f"Removed {phrases} cached phrases from {folder}\n"
    assert [p.name for p in folder.iterdir()] == ["CACHEDIR.TAG"]
    assert sorted(p.name for p in shared.iterdir()) == ["package.json", "song.wav", "voiceguide"]


def test_cache_clear_refuses_a_folder_it_did_not_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "voiceguide"  # the user's own folder, where the cache would live
    mine.mkdir()
    (mine / "song.wav").write_bytes(b"RIFF")
    (mine / f"{'a' * 64}.wav").write_bytes(b"RIFF")
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path))
    result = runner.invoke(app, ["cache", "clear"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"voiceguide: {mine}: not made by voiceguide (it has no CACHEDIR.TAG), so nothing was deleted; "
        "delete it yourself or set VOICEGUIDE_CACHE_DIR to another folder\n"
    )
    assert sorted(p.name for p in mine.iterdir()) == [f"{'a' * 64}.wav", "song.wav"]


def test_cache_clear_of_an_unwritable_cache_is_one_line(
    short_routine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path))
    assert runner.invoke(app, ["build", str(short_routine), "-o", str(tmp_path / "hand.mp3")]).exit_code == 0

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "unlink", refuse)  # as on a read-only folder (root may write anywhere)
    result = runner.invoke(app, ["cache", "clear"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"voiceguide: {tmp_path / 'voiceguide'}: cannot delete cached entries (Permission denied); "
        "check the folder's permissions\n"
    )


def test_plan_lists_what_it_was_unsure_of(tmp_path: Path) -> None:
    routine = tmp_path / "feet.txt"
    routine.write_text("Set aside 20 minutes for this.\n\nKnead the arch of your foot.\n", encoding="utf-8")
    shown = runner.invoke(app, ["plan", str(routine)])
    assert shown.exit_code == 0, shown.output
    assert "Worth checking before a session:" in shown.stdout
    assert "“20 minutes” read as how long the session lasts, not as a hold" in shown.stdout
    data = json.loads(runner.invoke(app, ["plan", str(routine), "--json"]).stdout)
    assert data["warnings"] == [
        {"line": 1, "step": 1, "text": "“20 minutes” read as how long the session lasts, not as a hold"},
        {"line": 3, "step": 2, "text": "no time given: 30 s, the usual for a massage"},
    ]
