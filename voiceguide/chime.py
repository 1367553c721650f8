"""Bells made in code: a few inharmonic partials with exponential decay, no binary assets.

"end" closes a hold, "switch" marks a side switch (two strikes), "closing" ends the session.
Each starts with a short raised-cosine attack and fades to exact zero, so no cut clicks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CHIME_SECONDS = {"end": 2.5, "switch": 3.0, "closing": 6.0}
PEAK = 0.5  # of full scale; the render sets the final loudness

# (frequency ratio, relative amplitude, decay time in seconds) for a small struck bell and a
# singing bowl. Ratios after measured bell and bowl spectra, rounded; the slight detuning of
# pairs gives the slow beating a bowl has.
_BELL = ((1.0, 1.0, 1.2), (2.32, 0.45, 0.7), (4.25, 0.25, 0.4), (6.63, 0.12, 0.25))
_BOWL = ((1.0, 1.0, 3.5), (1.004, 0.6, 3.5), (2.71, 0.35, 2.0), (2.716, 0.2, 2.0), (5.15, 0.12, 1.0))


def _strike(partials: tuple[tuple[float, float, float], ...], base: float, seconds: float, rate: int) -> np.ndarray:
    import numpy as np

    t = np.arange(round(seconds * rate)) / rate
    tone = np.zeros_like(t)
    for ratio, amplitude, decay in partials:
        tone += amplitude * np.exp(-t / decay) * np.sin(2 * np.pi * base * ratio * t)
    return tone


def chime(name: str, rate: int) -> np.ndarray:
    """The named chime as float samples in [-PEAK, PEAK], exactly CHIME_SECONDS[name] long."""
    import numpy as np

    seconds = CHIME_SECONDS[name]
    if name == "end":
        tone = _strike(_BELL, 587.3, seconds, rate)  # D5: clear but not sharp
    elif name == "switch":
        tone = _strike(_BELL, 440.0, seconds, rate)
        second = _strike(_BELL, 659.3, seconds - 0.45, rate)
        tone[len(tone) - len(second) :] += second
    else:
        tone = _strike(_BOWL, 220.0, seconds, rate)
    attack = round(0.006 * rate)
    tone[:attack] *= 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, attack))
    release = round(0.25 * rate)
    tone[-release:] *= 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, release))
    tone[-1] = 0.0
    return (tone * (PEAK / np.max(np.abs(tone)))).astype(np.float32)
