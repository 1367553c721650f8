"""Checks of a decoded MP3 against its cue sheet, shared by the end-to-end tests.

Tolerances, in the decoded track: a sound starts within 25 ms of its event's start; a silence
longer than 0.3 s stays below -50 dBFS 50 ms away from its edges; a hold's span equals its
seconds within 5 ms; the decoded length equals the cue sheet's duration within 30 ms.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

ONSET_MS = 25
SILENT_DBFS = -50.0
SOUND_DBFS = -40.0


def decode(mp3: Path) -> tuple[np.ndarray, int, dict[str, Any]]:
    """The decoded samples (mono: channels averaged), the rate and the cue sheet beside it."""
    audio, rate = soundfile.read(str(mp3), dtype="float64", always_2d=True)
    cue = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    return audio, rate, cue


def dbfs(samples: np.ndarray) -> float:
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else -200.0


def assert_matches_cue_sheet(audio: np.ndarray, rate: int, cue: dict[str, Any], silent: bool = True) -> int:
    """Every timing promise of the cue sheet, in the decoded audio. Returns the sounds checked."""
    assert rate == cue["sample_rate"]
    assert abs(len(audio) / rate - cue["duration"]) <= 0.030
    events = cue["events"]
    assert events[0]["start"] == 0 and abs(events[-1]["end"] - cue["duration"]) < 1e-3
    for before, after in itertools.pairwise(events):
        assert abs(after["start"] - before["end"]) < 1e-3, (before, after)
    window, edge = round(ONSET_MS / 1000 * rate), round(0.05 * rate)
    checked = 0
    for number, event in enumerate(events):
        start, end = round(event["start"] * rate), round(event["end"] * rate)
        if event["kind"] == "silence":
            if silent and event["end"] - event["start"] > 0.3:
                assert dbfs(audio[start + edge : end - edge]) < SILENT_DBFS, event
            continue
        assert dbfs(audio[start : start + window]) > SOUND_DBFS, f"no sound within {ONSET_MS} ms of {event}"
        if silent and number and events[number - 1]["kind"] == "silence":
            quiet_from = max(round(events[number - 1]["start"] * rate), start - 4 * window)
            assert dbfs(audio[quiet_from : start - window]) < SOUND_DBFS, f"sound before {event}"
        checked += 1
    for hold in cue["holds"]:
        assert abs(hold["end"] - hold["start"] - hold["seconds"]) <= 0.005, hold
    return checked


def decoded_by(mp3: Path) -> dict[str, np.ndarray]:
    """The MP3 as three independent decoders play it, as int16 samples shaped (samples, channels):
    miniaudio (dr_mp3), ffmpeg (through PyAV) and mpg123 (Debian's package; the CI installs it)."""
    import av
    import miniaudio

    found = miniaudio.mp3_read_file_s16(str(mp3))
    channels = found.nchannels
    decoders = {"miniaudio": np.asarray(found.samples, dtype=np.int16).reshape(-1, channels)}
    with av.open(str(mp3)) as container:
        planes = [frame.to_ndarray() for frame in container.decode(container.streams.audio[0])]
    decoders["ffmpeg"] = np.rint(np.concatenate(planes, axis=1).T * 32768).clip(-32768, 32767).astype(np.int16)
    mpg123 = shutil.which("mpg123")
    assert mpg123, "mpg123 is needed: apt-get install mpg123"
    raw = subprocess.run([mpg123, "-q", "-s", str(mp3)], capture_output=True, check=True).stdout
    decoders["mpg123"] = np.frombuffer(raw, dtype=np.int16).reshape(-1, channels)
    return decoders


def zero_away_from_sounds(audio: np.ndarray, sounds: list[tuple[int, int]]) -> None:
    """Digital silence wherever no sound's frames reach: from 2,304 samples after a sound's end
    (its two frames of margin, the frame it ends in, the decoder's delay) to 1,152 before the next
    one's start (the frame it starts in and the encoder's first frame)."""
    edges = [0, *(x for start, end in sorted(sounds) for x in (start - 1152, end + 2304)), len(audio)]
    for begin, end in zip(edges[::2], edges[1::2], strict=True):
        stretch = audio[max(begin, 0) : max(end, 0)]
        assert not np.any(stretch), f"sound in the silence {begin}..{end}: peak {np.max(np.abs(stretch))}"
