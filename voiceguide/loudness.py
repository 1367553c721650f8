"""Integrated loudness (ITU-R BS.1770-4) of a track fed block by block.

pyloudnorm measures a whole array at once; a two-hour routine does not fit in memory as one
array, so this meter keeps pyloudnorm's own K-weighting filters and gating arithmetic but
takes the track in pieces: filter state carries across pieces, and only one mean square per
100 ms is kept. `tests/test_loudness.py` checks it against pyloudnorm on the same signal.
"""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
from scipy.signal import lfilter, lfilter_zi

BLOCK_SECONDS = 0.4
STEP_SECONDS = 0.1  # 75 % overlap
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0


class StreamingMeter:
    def __init__(self, rate: int, channels: int = 1) -> None:
        if round(rate * STEP_SECONDS) != rate * STEP_SECONDS:
            raise ValueError(f"sample rate {rate} does not divide into 100 ms steps")
        self.rate = rate
        self.channels = channels
        self.step = round(rate * STEP_SECONDS)
        stages = pyloudnorm.Meter(rate)._filters.values()  # the same K-weighting pyloudnorm applies
        self.stages = [(s.b, s.a, s.passband_gain) for s in stages]
        self.state = [[np.zeros(len(lfilter_zi(b, a))) for b, a, _ in self.stages] for _ in range(channels)]
        self.energies: list[float] = []  # sum over channels of squares, per 100 ms step
        self.partial = 0.0
        self.filled = 0
        self.samples = 0

    def feed(self, block: np.ndarray) -> None:
        """Add samples: shape (n,) for mono or (n, channels)."""
        frames = block.reshape(len(block), -1).astype(np.float64)
        weighted = np.zeros(len(frames))
        for channel in range(self.channels):
            signal = frames[:, channel]
            for stage, (b, a, gain) in enumerate(self.stages):
                signal, self.state[channel][stage] = lfilter(b, a, signal, zi=self.state[channel][stage])
                signal = gain * signal
            weighted += signal * signal
        self._accumulate(weighted)

    def feed_silence(self, count: int) -> None:
        """Digital silence: the filters ring out over the first second, the rest is exact zero."""
        ring = min(count, self.rate)
        if ring:
            self.feed(np.zeros((ring, self.channels)))
        if count > ring:
            for channel_state in self.state:
                for stage_state in channel_state:
                    stage_state[:] = 0.0
            self._accumulate_zeros(count - ring)

    def _accumulate(self, squares: np.ndarray) -> None:
        position = 0
        while position < len(squares):
            take = min(self.step - self.filled, len(squares) - position)
            self.partial += float(np.sum(squares[position : position + take]))
            self.filled += take
            position += take
            if self.filled == self.step:
                self.energies.append(self.partial)
                self.partial, self.filled = 0.0, 0
        self.samples += len(squares)

    def _accumulate_zeros(self, count: int) -> None:
        first = min(self.step - self.filled, count)
        self._accumulate(np.zeros(first))
        count -= first
        whole, rest = divmod(count, self.step)
        self.energies.extend([0.0] * whole)
        self.samples += whole * self.step
        self._accumulate(np.zeros(rest))

    def integrated(self) -> float:
        """Gated loudness in LUFS, as pyloudnorm.Meter(rate).integrated_loudness gives it."""
        seconds = self.samples / self.rate
        count = int(np.round((seconds - BLOCK_SECONDS) / STEP_SECONDS)) + 1
        steps = np.array([*self.energies, self.partial])
        per_block = round(BLOCK_SECONDS / STEP_SECONDS)
        if count <= 0 or len(steps) < per_block:
            return -math.inf
        sums = np.convolve(steps, np.ones(per_block), mode="valid")[:count]
        z = sums / (BLOCK_SECONDS * self.rate)
        with np.errstate(divide="ignore"):
            loudness = -0.691 + 10 * np.log10(z)
        gated = z[loudness >= ABSOLUTE_GATE]
        if len(gated) == 0:
            return -math.inf
        relative = -0.691 + 10 * np.log10(np.mean(gated)) + RELATIVE_GATE
        kept = z[(loudness > relative) & (loudness > ABSOLUTE_GATE)]
        if len(kept) == 0:
            return -math.inf
        return float(-0.691 + 10 * np.log10(np.mean(kept)))
