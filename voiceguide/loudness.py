"""Loudness and peaks: ITU-R BS.1770-4 integrated loudness of a track assembled from sounds
placed at sample positions, its true peak, and a limiter. NumPy only.

Why not pyloudnorm here: it measures one array holding the whole track (a two-hour routine
does not fit), and it imports scipy.signal, which alone takes a second of start-up, more than
the encoding of a short routine. The meter below applies the same K-weighting (a high shelf of
+4 dB above 1.5 kHz and a high-pass at 38 Hz, as biquads from the audio-EQ cookbook
formulas) through its impulse response, and the same gating; `tests/test_loudness.py` checks
it against pyloudnorm on the same signals.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

BLOCK_SECONDS = 0.4
STEP_SECONDS = 0.1  # gating blocks overlap by 75 %
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
RESPONSE_SECONDS = 0.1  # the K-weighting response has died away (below 1e-10 of its start) by then
BIN_SECONDS = 0.005  # at most this much of a sound's energy is summed into one bin


def _biquad(kind: str, gain_db: float, q: float, frequency: float, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (b, a) of a high-shelf or high-pass biquad, audio-EQ cookbook formulas."""
    a_gain = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * frequency / rate
    alpha = math.sin(w0) / (2 * q)
    cos_w0 = math.cos(w0)
    if kind == "high_shelf":
        root = 2 * math.sqrt(a_gain) * alpha
        b = [
            a_gain * ((a_gain + 1) + (a_gain - 1) * cos_w0 + root),
            -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cos_w0),
            a_gain * ((a_gain + 1) + (a_gain - 1) * cos_w0 - root),
        ]
        a = [
            (a_gain + 1) - (a_gain - 1) * cos_w0 + root,
            2 * ((a_gain - 1) - (a_gain + 1) * cos_w0),
            (a_gain + 1) - (a_gain - 1) * cos_w0 - root,
        ]
    else:
        b = [(1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2]
        a = [1 + alpha, -2 * cos_w0, 1 - alpha]
    return np.array(b) / a[0], np.array(a) / a[0]


def k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two stages of BS.1770's K-weighting at `rate`."""
    return [
        _biquad("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0, rate),
        _biquad("high_pass", 0.0, 0.5, 38.0, rate),
    ]


@functools.cache
def _impulse_response(rate: int) -> np.ndarray:
    """The K-weighting's impulse response, RESPONSE_SECONDS of it: the inverse FFT of the two
    biquads' frequency response. It has died away long before the FFT's length, so the tail
    that wraps around is below 1e-10."""
    count = round(RESPONSE_SECONDS * rate)
    size = 1 << (2 * count).bit_length()
    response = np.ones(size // 2 + 1, dtype=complex)
    for b, a in k_weighting(rate):
        response *= np.fft.rfft(b, size) / np.fft.rfft(a, size)
    return np.fft.irfft(response, size)[:count]


class Meter:
    """Integrated loudness of sounds laid out on a track of `length` samples (silence between).

    Each sound is weighted on its own, from rest; where two sounds touch, the filter's memory
    of the first is dropped at the second. All the meter keeps of a sound is its energy in
    bins of up to 5 ms, and it places the sound on the nearest bin edge. That moves the
    result by a few hundredths of an LU at most, where a block sits right at a gate
    (tests/test_loudness.py compares with pyloudnorm).
    """

    def __init__(self, rate: int, length: int) -> None:
        if round(rate * STEP_SECONDS) != rate * STEP_SECONDS:
            raise ValueError(f"sample rate {rate} does not divide into 100 ms steps")
        self.rate = rate
        self.length = length
        self.step = round(rate * STEP_SECONDS)
        limit = max(1, int(rate * BIN_SECONDS))
        self.bin = max(size for size in range(1, limit + 1) if self.step % size == 0)  # 105 at 22,050 Hz
        self.response = _impulse_response(rate)
        tail = len(self.response) // self.step + 2
        self.energies = np.zeros(length // self.step + tail + 1)

    def weighted_squares(self, audio: np.ndarray) -> np.ndarray:
        """K-weighted squares of a sound (channels summed), its response's tail included."""
        frames = audio.reshape(len(audio), -1)
        size = len(frames) + len(self.response) - 1
        fft_size = fast_length(size)
        response = np.fft.rfft(self.response, fft_size)
        total = np.zeros(size)
        for channel in range(frames.shape[1]):
            weighted = np.fft.irfft(np.fft.rfft(frames[:, channel], fft_size) * response, fft_size)[:size]
            total += weighted * weighted
        return total

    def bins(self, squares: np.ndarray) -> np.ndarray:
        """A sound's weighted squares summed over every `bin` samples from its start."""
        padded = np.pad(squares, (0, (-len(squares)) % self.bin))
        return padded.reshape(-1, self.bin).sum(axis=1)

    def bin_count(self, samples: int) -> int:
        """How many bins a sound of `samples` samples has, its response's tail included."""
        return -(-(samples + len(self.response) - 1) // self.bin)

    def snap(self, start: int) -> int:
        """Where the meter places a sound that begins at sample `start`: the nearest bin edge."""
        return round(start / self.bin) * self.bin

    def add(self, start: int, squares: np.ndarray, scale: float = 1.0) -> None:
        """Add weighted squares that begin at sample `start` of the track."""
        self.add_steps(start, self.step_energies(start, self.bins(squares)), scale)

    def step_energies(self, start: int, bins: np.ndarray) -> np.ndarray:
        """The energy a sound placed at sample `start` puts in each 100 ms step it touches,
        from its bins. It depends only on where in a step the sound is placed, so a sound
        placed many times is cut up once for each such offset."""
        per_step = self.step // self.bin
        first_cut = ((-self.snap(start)) % self.step) // self.bin
        cuts = np.concatenate(([0], np.arange(first_cut or per_step, len(bins), per_step), [len(bins)]))
        return np.diff(running_sum(bins)[cuts])

    def add_steps(self, start: int, energies: np.ndarray, scale: float = 1.0) -> None:
        """Add step energies (see step_energies) of a sound placed at sample `start`."""
        first = self.snap(start) // self.step
        self.energies[first : first + len(energies)] += energies * scale

    def integrated(self) -> float:
        """Gated loudness in LUFS, as pyloudnorm.Meter(rate).integrated_loudness gives it."""
        count = round((self.length / self.rate - BLOCK_SECONDS) / STEP_SECONDS) + 1
        per_block = round(BLOCK_SECONDS / STEP_SECONDS)
        steps = self.energies[: self.length // self.step + 1].copy()
        steps[-1] = 0.0 if self.length % self.step == 0 else steps[-1]
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
        return float(-0.691 + 10 * np.log10(np.mean(kept))) if len(kept) else -math.inf


def running_sum(values: np.ndarray) -> np.ndarray:
    """0 followed by the cumulative sums of `values`."""
    return np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))


def loudness_of(audio: np.ndarray, rate: int, squares: np.ndarray | None = None) -> float:
    """Integrated loudness of one sound on its own (at least one 400 ms block long); pass its
    weighted squares if they are at hand."""
    length = max(len(audio), round(BLOCK_SECONDS * rate) + 1)
    meter = Meter(rate, length)
    meter.add(0, (meter.weighted_squares(audio) if squares is None else squares)[:length])
    return meter.integrated()


@dataclass(frozen=True)
class Analysis:
    """What levelling needs to know of one sound, at the level it was made."""

    loudness: float  # LUFS of the sound on its own
    bins: np.ndarray  # its K-weighted energy in the meter's bins (float32, see Meter.bins)
    peaks: np.ndarray  # each sample's true peak, as float16 (within 0.05 %, 0.004 dB)

    def fits(self, samples: int, meter: Meter) -> bool:
        """Whether this can be the analysis of a sound `samples` long, for this meter."""
        return (
            self.bins.dtype == np.float32
            and self.bins.shape == (meter.bin_count(samples),)
            and self.peaks.dtype == np.float16
            and self.peaks.shape == (samples,)
            and not math.isnan(self.loudness)
        )


def analyse(audio: np.ndarray, rate: int) -> Analysis:
    """Loudness, energy bins and sample peaks of a mono sound."""
    meter = Meter(rate, len(audio))
    squares = meter.weighted_squares(audio)
    return Analysis(
        loudness_of(audio, rate, squares),
        meter.bins(squares).astype(np.float32),
        sample_peaks(audio).astype(np.float16),
    )


@functools.cache
def fast_length(n: int) -> int:
    """The smallest 2^a·3^b·5^c at or above n: an FFT length NumPy computes quickly."""
    best = 1 << (n - 1).bit_length()
    five = 1
    while five < best:
        three = five
        while three < best:
            size = three * (1 << max(0, (n - 1) // three).bit_length())
            best = min(best, size)
            three *= 3
        five *= 5
    return best


def true_peak(audio: np.ndarray) -> float:
    """Of a mono sound."""
    if audio.ndim != 1:
        raise ValueError("true_peak takes a mono sound")
    return float(np.max(sample_peaks(audio))) if len(audio) else 0.0


def sample_peaks(audio: np.ndarray) -> np.ndarray:
    """Each sample's true peak (BS.1770's 4× oversampling) of a mono sound: the largest of the
    sample and the band-limited values a quarter, a half and three quarters of a sample
    after it. Each of those is the sound advanced by that fraction of a sample, a turn of
    the phase of its spectrum: three FFTs of the sound's length, not one four times as long."""
    if len(audio) < 2:
        return np.abs(np.asarray(audio, dtype=np.float64))
    size = fast_length(len(audio))  # zero-padded to a length the FFT is quick at
    spectrum = np.fft.rfft(audio, size)
    quarter = np.exp(2j * np.pi * np.arange(len(spectrum)) / (4 * size))
    peaks = np.abs(audio).astype(np.float64)
    for _ in range(3):
        spectrum = spectrum * quarter
        np.maximum(peaks, np.abs(np.fft.irfft(spectrum, size)[: len(audio)]), out=peaks)
    return peaks


def limiter_gain(peaks: np.ndarray, ceiling: float, rate: int, half_width: float = 0.004) -> np.ndarray:
    """A smooth gain that keeps sound with these sample peaks under `ceiling`.

    The gain each sample needs is min-filtered and then averaged over the same window, so the
    smooth gain is never above what any sample within reach needs: no clip, and no click from
    a sudden change of gain.
    """
    if len(peaks) == 0 or float(peaks.max()) <= ceiling:
        return np.ones(len(peaks))
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    reach = round(half_width * rate)
    lowest = _running_min(np.pad(needed, reach, mode="edge"), 2 * reach + 1)
    sums = np.cumsum(np.pad(lowest, (reach + 1, reach), mode="edge"))
    return (sums[2 * reach + 1 :] - sums[: -2 * reach - 1]) / (2 * reach + 1)


def _running_min(values: np.ndarray, width: int) -> np.ndarray:
    """Minimum of every window of `width` values (van Herk/Gil-Werman: prefix and suffix
    minima within blocks of `width`, so the cost does not grow with the width)."""
    count = len(values) - width + 1
    blocks = -(-len(values) // width)
    padded = np.pad(values, (0, blocks * width - len(values)), constant_values=np.inf).reshape(blocks, width)
    prefix = np.minimum.accumulate(padded, axis=1).ravel()
    suffix = np.minimum.accumulate(padded[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[:count], prefix[width - 1 : width - 1 + count])


def limit(audio: np.ndarray, ceiling: float, rate: int) -> np.ndarray:
    """A mono sound with its true peak kept under `ceiling` (see limiter_gain)."""
    return audio * limiter_gain(sample_peaks(audio), ceiling, rate) if len(audio) else audio
