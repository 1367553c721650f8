"""Bells and breath tones made in code (no binary assets), or a bell from the user's file.

Bells are a few inharmonic partials with exponential decay: "end" closes a hold, "section"
ends a section and "switch" marks a side switch (two strikes, rising), "closing" ends the
session. Breath tones are short soft glides: rising for in, falling for out, level for hold.
Every sound starts with a raised-cosine attack and fades to exact zero, so no cut clicks.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.errors import UsageError

if TYPE_CHECKING:
    import numpy as np

    from voiceguide.model import Options

PEAK = 0.5  # of full scale; the render sets the final loudness
TONE_SECONDS = 0.6

# (frequency ratio, relative amplitude, decay time in seconds). Ratios after measured bell and
# bowl spectra, rounded; the slightly detuned pairs of the bowl give its slow beating.
_BELL = ((1.0, 1.0, 1.2), (2.32, 0.45, 0.7), (4.25, 0.25, 0.4), (6.63, 0.12, 0.25))
_BOWL = ((1.0, 1.0, 3.5), (1.004, 0.6, 3.5), (2.71, 0.35, 2.0), (2.716, 0.2, 2.0), (5.15, 0.12, 1.0))


def sound(key: str, options: Options) -> np.ndarray:
    """The float samples of "chime:<name>" or "tone:<in|out|hold>" at the options' rate."""
    return _sound(key, options.chime, options.chime_file, options.sample_rate)


def sound_length(key: str, options: Options) -> int:
    """Known without making the sound (the plan needs it first), except for a bell from a file."""
    if key == "chime:end" and options.chime_file:
        return len(sound(key, options))
    return round(_seconds(key, options.chime) * options.sample_rate)


def _seconds(key: str, style: str) -> float:
    source, _, name = key.partition(":")
    if source == "tone":
        return TONE_SECONDS
    if name == "end":
        return 4.0 if style == "bowl" else 2.5
    return {"section": 2.5, "switch": 3.0}.get(name, 6.0)  # 6 s: closing


@functools.lru_cache(maxsize=32)
def _sound(key: str, style: str, chime_file: str | None, rate: int) -> np.ndarray:
    source, _, name = key.partition(":")
    seconds = _seconds(key, style)
    if source == "tone":
        return _tone(name, rate)
    if name == "end" and chime_file:
        return _from_file(Path(chime_file), rate)
    if name == "end":
        return _bowl(196.0, seconds, rate) if style == "bowl" else _bell(587.3, seconds, rate)
    if name == "section":
        return _bell(493.9, seconds, rate)
    if name == "switch":
        return _two_strikes(seconds, rate)
    return _bowl(220.0, seconds, rate)  # closing


def _strike(partials: tuple[tuple[float, float, float], ...], base: float, seconds: float, rate: int) -> np.ndarray:
    import numpy as np

    t = np.arange(round(seconds * rate), dtype=np.float32) / np.float32(rate)
    tone = np.zeros_like(t)
    for ratio, amplitude, decay in partials:
        tone += (
            np.float32(amplitude) * np.exp(-t / np.float32(decay)) * np.sin(np.float32(2 * np.pi * base * ratio) * t)
        )
    return tone


def _bell(base: float, seconds: float, rate: int) -> np.ndarray:
    return _shaped(_strike(_BELL, base, seconds, rate), rate)


def _bowl(base: float, seconds: float, rate: int) -> np.ndarray:
    return _shaped(_strike(_BOWL, base, seconds, rate), rate)


def _two_strikes(seconds: float, rate: int) -> np.ndarray:
    tone = _strike(_BELL, 440.0, seconds, rate)
    second = _strike(_BELL, 659.3, seconds - 0.45, rate)
    tone[len(tone) - len(second) :] += second
    return _shaped(tone, rate)


def _tone(phase: str, rate: int) -> np.ndarray:
    """A soft sine glide: up a fourth for in, down for out, level for a held breath."""
    import numpy as np

    start, end = {"in": (330.0, 440.0), "out": (440.0, 330.0)}.get(phase, (370.0, 370.0))
    count = round(TONE_SECONDS * rate)
    frequency = np.linspace(start, end, count)
    phase_angle = 2 * np.pi * np.cumsum(frequency) / rate
    attack = round(0.012 * rate)  # quick enough to mark the phase boundary, soft enough not to click
    envelope = np.concatenate([np.linspace(0.0, 1.0, attack), np.cos(np.linspace(0, np.pi / 2, count - attack)) ** 2])
    return _shaped(np.sin(phase_angle) * envelope * 0.6, rate)


def _from_file(path: Path, rate: int) -> np.ndarray:
    """A bell from the user's file, at most 10 s of it: a bell, not a song."""
    return _shaped(_read(path, rate)[: rate * 10], rate)


def _read(path: Path, rate: int) -> np.ndarray:
    """A sound file as mono float samples at `rate` (WAV, FLAC, OGG, MP3: what libsndfile reads)."""
    import numpy as np
    import soundfile
    from scipy.signal import resample_poly

    try:
        data, source_rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except (OSError, RuntimeError, soundfile.LibsndfileError) as error:
        raise UsageError(f"{path}: cannot read as a sound file ({error}); give a WAV, FLAC, OGG or MP3 file") from None
    mono = data.mean(axis=1)
    if source_rate != rate:
        mono = resample_poly(mono, rate, source_rate)
    if len(mono) < rate // 10 or not np.any(mono):
        raise UsageError(f"{path}: the sound is silent or shorter than 0.1 s")
    return np.asarray(mono)


def load_loop(path: Path, rate: int) -> np.ndarray:
    """A sound file for ambience: mono, at `rate`, at -23 LUFS, its ends crossfaded so that it
    loops without a seam."""
    import numpy as np

    from voiceguide.loudness import loudness_of

    audio = _read(path, rate)
    fade = min(rate, len(audio) // 4)
    if len(audio) < 2 * rate:
        raise UsageError(f"{path}: an ambience file should last at least 2 seconds")
    ramp = np.linspace(0.0, 1.0, fade)
    loop = audio[:-fade].copy()
    loop[:fade] = audio[:fade] * ramp + audio[-fade:] * (1 - ramp)
    loudness = loudness_of(loop, rate)
    return loop * 10 ** ((-23.0 - loudness) / 20) if np.isfinite(loudness) else loop


def _shaped(tone: np.ndarray, rate: int) -> np.ndarray:
    import numpy as np

    tone = np.array(tone, dtype=np.float64)
    attack = min(round(0.006 * rate), len(tone) // 4)
    tone[:attack] *= 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, attack))
    release = min(round(0.25 * rate), len(tone) // 4)
    tone[-release:] *= 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, release))
    tone[-1] = 0.0
    return (tone * (PEAK / np.max(np.abs(tone)))).astype(np.float32)
