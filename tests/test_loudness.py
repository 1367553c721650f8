"""The streaming loudness meter agrees with pyloudnorm measuring the whole signal at once."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from voiceguide.loudness import StreamingMeter

RATE = 22050


def speechlike(seconds: float, seed: int) -> np.ndarray:
    """Noise bursts of varied length and level separated by digital silence."""
    rng = np.random.default_rng(seed)
    parts = []
    while sum(len(p) for p in parts) < seconds * RATE:
        burst = rng.normal(0, 10 ** rng.uniform(-2, -0.7), round(rng.uniform(0.2, 3) * RATE))
        parts += [burst * np.hanning(len(burst)), np.zeros(round(rng.uniform(0.1, 4) * RATE))]
    return np.concatenate(parts)[: round(seconds * RATE)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_streaming_meter_matches_pyloudnorm(seed: int) -> None:
    signal = speechlike(40, seed)
    meter = StreamingMeter(RATE)
    rng = np.random.default_rng(seed)
    position = 0
    while position < len(signal):
        size = int(rng.integers(1, 30000))
        piece = signal[position : position + size]
        if not piece.any():
            meter.feed_silence(len(piece))
        else:
            meter.feed(piece)
        position += size
    assert meter.integrated() == pytest.approx(pyloudnorm.Meter(RATE).integrated_loudness(signal), abs=0.01)


def test_stereo_sums_both_channels() -> None:
    mono = speechlike(20, 7)
    stereo = np.stack([mono * 0.8, mono * 0.4], axis=1)
    meter = StreamingMeter(RATE, channels=2)
    meter.feed(stereo)
    assert meter.integrated() == pytest.approx(pyloudnorm.Meter(RATE).integrated_loudness(stereo), abs=0.01)


def test_long_silences_are_counted_without_filtering_them() -> None:
    burst = speechlike(5, 11)
    gap = np.zeros(12 * RATE + 1234)
    signal = np.concatenate([burst, gap, burst, gap])
    meter = StreamingMeter(RATE)
    for piece in (burst, gap, burst, gap):
        if piece.any():
            meter.feed(piece)
        else:
            meter.feed_silence(len(piece))
    assert meter.samples == len(signal)
    assert meter.integrated() == pytest.approx(pyloudnorm.Meter(RATE).integrated_loudness(signal), abs=0.01)
