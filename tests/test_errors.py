"""Bad input and faults: one clear line on stderr, the documented exit code, no traceback, and
no file left behind. Also interrupted builds, concurrent builds and cache damage."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.audio import assert_matches_cue_sheet, decode
from tests.conftest import SHORT_ROUTINE
from voiceguide import loudness, pipeline, plan, routine_file, speech
from voiceguide.cli import app
from voiceguide.errors import RoutineError, UsageError
from voiceguide.model import Options

runner = CliRunner()


def run(folder: Path, *args: str) -> tuple[int, str, str]:
    """`voiceguide build ARGS` in `folder`; returns exit code, stdout, stderr."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = runner.invoke(app, ["build", *args])
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize(
    ("setup", "args", "code", "message"),
    [
        (None, ["missing.txt"], 2, "voiceguide: missing.txt: no such file; give a routine text"),
        ("dir", ["routines"], 2, "voiceguide: routines: is a folder; give a routine text or routine file inside it"),
        ("", ["r.txt"], 1, "voiceguide: r.txt: is empty; write the routine's steps in it"),
        ("   \n\t\n", ["r.txt"], 1, "voiceguide: r.txt: is empty; write the routine's steps in it"),
        ("Feet are wonderful. They carry us.", ["r.txt"], 1, "voiceguide: r.txt: found no instruction to guide"),
        (b"\x00\x01\x02PNG\x00binary", ["r.txt"], 1, "voiceguide: r.txt: looks like binary data, not text"),
        ("Press the point for 10 hours.", ["r.txt"], 2, "voiceguide: step 1 (line 1) lasts 36000 s, longer than"),
        (SHORT_ROUTINE, ["r.txt", "--hold", "0"], 2, "voiceguide: --hold must be a positive number of seconds, got 0"),
        (SHORT_ROUTINE, ["r.txt", "--hold", "-5"], 2, "voiceguide: --hold must be a positive number of seconds"),
        (SHORT_ROUTINE, ["r.txt", "--set", "3=0"], 2, "voiceguide: --set 3=0: seconds must be positive"),
        (SHORT_ROUTINE, ["r.txt", "--set", "x"], 2, "voiceguide: --set takes STEP=SECONDS like 5=45, got 'x'"),
        (SHORT_ROUTINE, ["r.txt", "--scale", "0"], 2, "voiceguide: --scale must be positive, got 0"),
        (SHORT_ROUTINE, ["r.txt", "--breath", "4:0"], 2, "voiceguide: --breath takes 2 to 4 positive seconds"),
        (SHORT_ROUTINE, ["r.txt", "--breath", "-4:6"], 2, "voiceguide: --breath takes 2 to 4 positive seconds"),
        (SHORT_ROUTINE, ["r.txt", "--voice", "englsh"], 2, "voiceguide: unknown voice 'englsh'; did you mean"),
        (SHORT_ROUTINE, ["r.txt", "--voice", "en-us+nosuch"], 2, "voiceguide: unknown voice variant '+nosuch'"),
        (SHORT_ROUTINE, ["r.txt", "--bitrate", "48"], 2, "voiceguide: --bitrate must be one of 56, 64"),
        (SHORT_ROUTINE, ["r.txt", "-o", "nowhere/x.mp3"], 1, "voiceguide: nowhere: output folder does not exist"),
        (SHORT_ROUTINE, ["r.txt", "-o", "outdir"], 2, "voiceguide: outdir: is a folder; give a file name"),
        (SHORT_ROUTINE, ["r.txt", "-o", "x.wav"], 2, "voiceguide: x.wav: the output must be an .mp3 file"),
        (SHORT_ROUTINE, ["r.txt", "--chime-file", "nope.wav"], 2, "voiceguide: --chime-file nope.wav: no such file"),
        (SHORT_ROUTINE, ["r.txt", "--breath-cue", "hum"], 2, "voiceguide: --breath-cue must be one of voice, tone"),
        (SHORT_ROUTINE, ["r.txt", "--only", "99"], 2, "voiceguide: --only 99: no such instruction step"),
        (
            "title: x\nsections:\n  - steps:\n      - text: Press.\n        seconds: -5\n",
            ["r.yaml"],
            1,
            "voiceguide: r.yaml:4: seconds must be a number of seconds, 0 or more, got -5",
        ),
        ("title: [unclosed\n", ["r.yaml"], 1, "voiceguide: r.yaml:2: not valid YAML"),
        (
            "title: Точки\nsections:\n  - steps:\n      - text: Нажмите на точку.\n        seconds: 30\n",
            ["r.yaml"],
            2,
            "voiceguide: voice 'gmw/en-us' cannot read this routine's Cyrillic text; choose one with --voice",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_leaves_nothing(
    tmp_path: Path, setup: str | bytes | None, args: list[str], code: int, message: str
) -> None:
    if setup == "dir":
        (tmp_path / "routines").mkdir()
    elif setup is not None:
        target = tmp_path / args[0]
        target.write_bytes(setup if isinstance(setup, bytes) else setup.encode("utf-8"))
    (tmp_path / "outdir").mkdir()
    before = files(tmp_path)
    exit_code, stdout, stderr = run(tmp_path, *args)
    assert (exit_code, stdout) == (code, "")
    assert stderr.startswith(message), stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert files(tmp_path) == before


def test_a_routine_too_large_is_refused_with_the_limit(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("Press the point for 30 seconds.\n" * 170_000, encoding="utf-8")
    exit_code, _, stderr = run(tmp_path, "big.txt")
    assert exit_code == 1
    assert "kB is more than the 2000 kB a routine may have" in stderr


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        ("\ufeffPress the point for 30 seconds.".encode(), None),
        ("Press the point for 30 seconds.".encode("utf-16"), None),
        ("Press the point for 30 seconds. Café.".encode("cp1252"), "r.txt:1: not UTF-8; read as Windows-1252"),
    ],
    ids=["utf-8 bom", "utf-16 bom", "windows-1252"],
)
def test_text_encodings(tmp_path: Path, data: bytes, warning: str | None) -> None:
    (tmp_path / "r.txt").write_bytes(data)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(app, ["plan", "r.txt", "--json"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.stderr
    assert '"seconds": 30.0' in result.stdout
    assert (warning in result.stderr) if warning else result.stderr == ""


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(tmp_path / "missing.txt"), "--debug"])
    assert result.exit_code != 0
    assert result.exception is not None and "no such file" in str(result.exception)


def test_speech_markup_is_spoken_as_text_not_obeyed(tmp_path: Path) -> None:
    """eSpeak would pause 10 s for this SSML if it obeyed it; as plain text it just reads it."""
    bank = speech.ClipBank(speech.Pyttsx3Synthesizer("gmw/en-us", 175, 50), None)
    text = 'Press <break time="10s"/> now.'
    bank.prepare([text])
    assert len(bank.clips[text]) < 6000  # milliseconds


def test_corrupt_cache_entries_are_misses_and_are_replaced(tmp_path: Path, private_cache: Path) -> None:
    synthesizer = speech.Pyttsx3Synthesizer("gmw/en-us", 175, 50)
    first = speech.ClipBank(synthesizer, tmp_path / "cache")
    first.prepare(["Press the point.", "Release."])
    entries = sorted((tmp_path / "cache").glob("*.wav"))
    assert len(entries) == 2 and first.synthesized == 2
    entries[0].write_bytes(entries[0].read_bytes()[:30])  # truncated
    entries[1].write_bytes(b"RIFF garbage that is not a wave file at all")
    second = speech.ClipBank(synthesizer, tmp_path / "cache")
    second.prepare(["Press the point.", "Release."])
    assert second.synthesized == 2
    for text in ("Press the point.", "Release."):
        assert abs(len(second.clips[text]) - len(first.clips[text])) < 80  # ms; the same phrase again
    third = speech.ClipBank(synthesizer, tmp_path / "cache")
    third.prepare(["Press the point.", "Release."])
    assert third.synthesized == 0


def test_sound_analyses_are_reused_and_damaged_ones_are_remade(
    tmp_path: Path, short_routine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path))
    first = pipeline.build(short_routine, Options(), tmp_path / "first.mp3")
    stored = sorted((tmp_path / "voiceguide").glob("*.npz"))
    sounds = {e.sound for e in first.timeline.events if e.sound}
    spoken = {f"voice:{text}" for text in plan.phrases(first.routine, Options())}  # each as soon as it is made
    assert len(stored) == len(sounds | spoken)  # one per distinct sound

    def must_not_run(*args: object) -> None:
        raise AssertionError("a cached analysis was made again")

    with monkeypatch.context() as patched:
        patched.setattr(loudness, "analyse", must_not_run)
        pipeline.build(short_routine, Options(), tmp_path / "second.mp3")
    assert (tmp_path / "second.mp3").read_bytes() == (tmp_path / "first.mp3").read_bytes()

    stored[0].write_bytes(stored[0].read_bytes()[:100])  # truncated
    stored[1].write_bytes(b"PK not a zip archive")
    with stored[2].open("wb") as out:  # whole, but not the analysis of that sound
        np.savez(out, loudness=-20.0, bins=np.zeros(3, np.float32), peaks=np.zeros(3, np.float16))
    pipeline.build(short_routine, Options(), tmp_path / "third.mp3")
    assert (tmp_path / "third.mp3").read_bytes() == (tmp_path / "first.mp3").read_bytes()
    assert sorted((tmp_path / "voiceguide").glob("*.npz")) == stored
    assert all(np.load(path)["peaks"].size > 1000 for path in stored[:3])  # each made again


def test_a_rebuild_from_cached_clips_never_starts_the_voice(
    tmp_path: Path, short_routine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(tmp_path))
    pipeline.build(short_routine, Options(), tmp_path / "first.mp3")
    (stored,) = (tmp_path / "voiceguide").glob("*.json")
    assert "gmw/en-us" in stored.read_text(encoding="utf-8")

    def must_not_start() -> None:
        raise AssertionError("the voice engine was started")

    with monkeypatch.context() as patched:
        patched.setattr(speech, "engine", must_not_start)
        again = pipeline.build(short_routine, Options(), tmp_path / "second.mp3")
        with pytest.raises(UsageError, match="did you mean en-us"):  # still checked, from the list
            pipeline.build(short_routine, Options(voice="en-uss"), tmp_path / "third.mp3")
    assert again.synthesized == 0
    assert (tmp_path / "second.mp3").read_bytes() == (tmp_path / "first.mp3").read_bytes()

    stored.write_text('{"voices": [["gmw/en-us"', encoding="utf-8")  # cut short: a miss
    pipeline.build(short_routine, Options(), tmp_path / "fourth.mp3")
    assert json.loads(stored.read_text(encoding="utf-8"))["variants"]


def _script(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "voiceguide", "build", str(source), "-o", str(out)]


def test_concurrent_builds_on_one_cache_both_succeed(tmp_path: Path) -> None:
    source = tmp_path / "hand.txt"
    source.write_text(SHORT_ROUTINE, encoding="utf-8")
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(tmp_path / "shared-cache")}
    jobs = [subprocess.Popen(_script(source, tmp_path / f"{n}.mp3"), env=env, stderr=subprocess.PIPE) for n in (1, 2)]
    assert [job.wait(timeout=300) for job in jobs] == [0, 0], [job.stderr.read() for job in jobs if job.stderr]
    for number in (1, 2):  # each is whole and exact (eSpeak's breathy variant varies a clip by a few ms)
        assert_matches_cue_sheet(*decode(tmp_path / f"{number}.mp3"))
    bank = speech.ClipBank(speech.synthesizer(Options(), None), tmp_path / "shared-cache" / "voiceguide")
    bank.prepare(plan.phrases(pipeline.prepare(source, Options()), Options()))
    assert bank.synthesized == 0  # every entry the two builds wrote is whole
    assert not list((tmp_path / "shared-cache" / "voiceguide").glob(".tmp-*"))


LONG_ROUTINE = "\n".join(f"Press point number {n} firmly for 90 seconds, breathing slowly." for n in range(1, 40))


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_an_interrupted_build_leaves_the_previous_output_untouched(tmp_path: Path, how: signal.Signals) -> None:
    source, out = tmp_path / "long.txt", tmp_path / "routine.mp3"
    source.write_text(SHORT_ROUTINE, encoding="utf-8")
    env = {**os.environ, "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run(_script(source, out), env=env, check=True, capture_output=True)
    before = {p.name: p.read_bytes() for p in tmp_path.glob("routine.*")}
    source.write_text(LONG_ROUTINE, encoding="utf-8")
    job = subprocess.Popen(_script(source, out), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".routine.mp3.*.part")) or not any(
        p.stat().st_size > 20_000 for p in tmp_path.glob(".routine.mp3.*.part")
    ):
        assert job.poll() is None, job.stderr.read() if job.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    job.send_signal(how)
    job.wait(timeout=60)
    after = {p.name: p.read_bytes() for p in tmp_path.glob("routine.*")}
    assert after == before
    leftovers = list(tmp_path.glob(".routine.*.part"))
    if how == signal.SIGTERM:
        assert job.returncode == 130 and not leftovers
        assert job.stderr is not None and b"interrupted; nothing was written" in job.stderr.read()
    else:
        assert leftovers  # a kill leaves them; the next build clears them away
        source.write_text(SHORT_ROUTINE, encoding="utf-8")
        subprocess.run(_script(source, out), env=env, check=True, capture_output=True)
        assert not list(tmp_path.glob(".routine.*.part"))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=yaml_values, raw=st.text(max_size=200))
def test_the_routine_file_loader_only_raises_its_own_error(data: object, raw: str) -> None:
    import yaml

    for text in (yaml.safe_dump({"title": "x", "sections": [{"steps": [data]}]}), yaml.safe_dump(data), raw):
        with contextlib.suppress(RoutineError):  # and no other exception
            routine_file.loads(text, "fuzz.yaml")
