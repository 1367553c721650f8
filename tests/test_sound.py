"""The finished sound: loudness norm, true peak, bells at hold ends, and every option
combination keeping the cue sheet exact. Real voice, real encoder, decoded MP3."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile
from scipy.signal import resample_poly

from tests.audio import assert_matches_cue_sheet, dbfs, decode
from voiceguide import pipeline
from voiceguide.model import Options

ROUTINE = """\
# Palm and wrist

## Palm
Rest your right hand in your left palm. Press the centre of the right palm for 50 seconds.
Rub the heel of the hand in circles for 12 seconds.

## Wrist
Circle the right wrist slowly for 10 seconds. Repeat on the other hand.
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sound") / "palm.txt"
    path.write_text(ROUTINE, encoding="utf-8")
    return path


def build(source: Path, folder: Path, **settings: object) -> tuple[np.ndarray, int, dict]:  # type: ignore[type-arg]
    result = pipeline.build(source, Options(**settings), folder / "out.mp3")  # type: ignore[arg-type]
    return decode(result.mp3)


def true_peak_dbtp(audio: np.ndarray) -> float:
    return dbfs(resample_poly(audio, 4, 1, axis=0))


def test_mono_meets_the_spoken_word_norm(source: Path, tmp_path: Path) -> None:
    audio, rate, cue = build(source, tmp_path)
    assert audio.shape[1] == 1
    loudness = pyloudnorm.Meter(rate).integrated_loudness(audio[:, 0])
    assert -20.0 <= loudness <= -18.0
    assert true_peak_dbtp(audio) <= -1.0
    assert np.max(np.abs(audio)) < 0.999  # no clipped sample
    for hold in cue["holds"]:  # a bell right where each hold ends
        end = round(hold["end"] * rate)
        assert dbfs(audio[end : end + round(0.3 * rate)]) > -30
        assert dbfs(audio[end - round(0.4 * rate) : end - round(0.1 * rate)]) < -50
    assert_matches_cue_sheet(audio, rate, cue)


def test_stereo_with_sides_meets_its_norm_and_leans(source: Path, tmp_path: Path) -> None:
    audio, rate, cue = build(source, tmp_path, pan_sides=True)
    assert audio.shape[1] == 2
    loudness = pyloudnorm.Meter(rate).integrated_loudness(audio)
    assert -17.0 <= loudness <= -15.0
    assert true_peak_dbtp(audio) <= -1.0
    sides = {s["index"]: s["side"] for s in cue["steps"]}
    for event in cue["events"]:
        if event["kind"] == "speech" and event["step"] and sides.get(event["step"]):
            start, end = round(event["start"] * rate), round(event["end"] * rate)
            left, right = (float(np.sqrt(np.mean(audio[start:end, c] ** 2))) for c in (0, 1))
            assert (left > 1.5 * right) if sides[event["step"]] == "left" else (right > 1.5 * left), event
    assert_matches_cue_sheet(audio.mean(axis=1, keepdims=True), rate, cue)


def _chime_wav(folder: Path) -> str:
    t = np.arange(22050) / 22050
    path = folder / "ding.wav"
    soundfile.write(str(path), 0.3 * np.sin(2 * np.pi * 880 * t) * np.exp(-3 * t), 44100 // 2)
    return str(path)


@pytest.mark.parametrize(
    "settings",
    [
        {"breath_cue": "tone"},
        {"breath_cue": "both"},
        {"chime": "bowl"},
        {"chime": "none"},
        {"halfway": True, "countdown": True, "no_breath": True},
        {"preview": True},
        {"only": 3},
        {"chime_file": "ding"},
    ],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()),
)
def test_each_option_keeps_the_cue_sheet_exact(source: Path, tmp_path: Path, settings: dict) -> None:  # type: ignore[type-arg]
    if settings.get("chime_file") == "ding":
        settings = {**settings, "chime_file": _chime_wav(tmp_path)}
    audio, rate, cue = build(source, tmp_path, **settings)
    assert_matches_cue_sheet(audio, rate, cue)
    kinds = [e["kind"] for e in cue["events"]]
    if settings.get("chime") == "none":
        assert "chime" not in kinds
    if settings.get("preview"):
        assert 60 <= cue["duration"] < 80
    if "only" in settings:
        assert {h["step"] for h in cue["holds"]} == {settings["only"]}


def test_ambience_plays_under_the_voice_without_moving_it(source: Path, tmp_path: Path) -> None:
    audio, rate, cue = build(source, tmp_path, ambience="pink")
    assert_matches_cue_sheet(audio, rate, cue, silent=False)
    quiet = next(e for e in cue["events"] if e["kind"] == "silence" and e["end"] - e["start"] > 5 and e["start"] > 10)
    start, end = round(quiet["start"] * rate), round(quiet["end"] * rate)
    level = dbfs(audio[start:end])
    assert -60 < level < -25  # there, and well under the voice
    assert dbfs(audio[:100]) < -60  # faded in, not switched on


@pytest.mark.parametrize("style", ["soft", "bowl"])
def test_each_bell_and_tone_is_as_long_as_the_plan_makes_room_for(style: str) -> None:
    from voiceguide import chime

    options = Options(chime=style)
    for key in ("chime:end", "chime:section", "chime:switch", "chime:closing", "tone:in", "tone:out", "tone:hold"):
        sound = chime.sound(key, options)
        assert chime.sound_length(key, options) == len(sound) > options.sample_rate // 2
        assert sound[-1] == 0.0 and float(np.max(np.abs(sound))) == pytest.approx(chime.PEAK, abs=1e-6)
