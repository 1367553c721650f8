"""The track meter, true peak and limiter agree with pyloudnorm and never overshoot."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from voiceguide import loudness

RATE = 22050


def bursts(seed: int, count: int = 12) -> list[tuple[int, np.ndarray]]:
    """Noise bursts of varied length and level at random positions, some touching."""
    rng = np.random.default_rng(seed)
    placed, position = [], round(rng.uniform(0, 2) * RATE)
    for _ in range(count):
        burst = rng.normal(0, 10 ** rng.uniform(-2, -0.7), round(rng.uniform(0.2, 3) * RATE))
        placed.append((position, burst * np.hanning(len(burst))))
        position += len(burst) + round(rng.choice([0, rng.uniform(0.1, 6)]) * RATE)
    return placed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_track_meter_matches_pyloudnorm(seed: int) -> None:
    placed = bursts(seed)
    length = placed[-1][0] + len(placed[-1][1]) + 3 * RATE + 777
    track = np.zeros(length)
    meter = loudness.Meter(RATE, length)
    for start, burst in placed:
        track[start : start + len(burst)] += burst
        meter.add(start, meter.weighted_squares(burst))
    assert meter.integrated() == pytest.approx(pyloudnorm.Meter(RATE).integrated_loudness(track), abs=0.05)


def test_stereo_sums_both_channels() -> None:
    (_, burst), *_ = bursts(7, 1)
    stereo = np.stack([burst * 0.8, burst * 0.4], axis=1)
    track = np.zeros((len(burst) + RATE, 2))
    track[: len(burst)] = stereo
    meter = loudness.Meter(RATE, len(track))
    meter.add(0, meter.weighted_squares(stereo))
    assert meter.integrated() == pytest.approx(pyloudnorm.Meter(RATE).integrated_loudness(track), abs=0.05)


def test_k_weighting_matches_pyloudnorm_coefficients() -> None:
    ours = loudness.k_weighting(RATE)
    theirs = list(pyloudnorm.Meter(RATE)._filters.values())
    for (b, a), stage in zip(ours, theirs, strict=True):
        assert np.allclose(b * stage.passband_gain, stage.b * stage.passband_gain) and np.allclose(a, stage.a)


def test_limiter_holds_the_ceiling_and_leaves_the_rest() -> None:
    t = np.arange(RATE) / RATE
    audio = 0.2 * np.sin(2 * np.pi * 220 * t)
    audio[15000:15010] += 0.8  # a plosive-like spike over a steady tone
    limited = loudness.limit(audio, 0.5, RATE)
    assert loudness.true_peak(limited) <= 0.5 * 1.02
    assert np.allclose(limited[:14000], audio[:14000]) and np.allclose(limited[16000:], audio[16000:])
    gain = limited[14000:16000] / np.where(np.abs(audio[14000:16000]) > 0.05, audio[14000:16000], np.nan)
    assert np.nanmax(np.abs(np.diff(gain))) < 0.05  # the gain glides; no step, no click


def test_sample_peaks_are_the_largest_of_four_times_oversampled_values() -> None:
    rng = np.random.default_rng(5)
    audio = np.convolve(rng.normal(0, 0.2, 3001), np.hanning(7), mode="same")
    size = loudness.fast_length(len(audio))  # the same zero padding, then the spectrum padded 4×
    oversampled = np.fft.irfft(np.fft.rfft(audio, size), 4 * size)[: 4 * len(audio)] * 4
    reference = np.abs(oversampled).reshape(len(audio), 4).max(axis=1)
    peaks = loudness.sample_peaks(audio)
    assert peaks.shape == audio.shape
    assert np.max(np.abs(peaks - reference)) < 1e-3 * np.max(reference)
    assert np.all(peaks >= np.abs(audio) - 1e-12)
