"""An MP3 made of its sounds: each sound (or group of close sounds) encoded on its own, silent
frames between them, and a gapless tag of our own leading the stream.

A guided routine is mostly digital silence, so encoding only the sounds makes the MP3 several
times faster, and a rebuild re-encodes only what moved. How it holds together, at 22,050 Hz
(MPEG-2 Layer III, 576 samples a frame):
- Every frame slot of the file covers 576 samples of the track. A segment's encoder input
  starts on a slot boundary, its first sound at its exact sample inside the first frame, so
  its frames fill the slots from there. LAME's first frame holds no input (the 576 samples
  of encoder delay that the tag announces), and the decoder adds its own 529.
- The first frame of an encoder run never borrows from earlier frames (main_data_begin = 0),
  so a segment dropped in whole decodes as it did alone. Checked on every segment.
- A segment ends with at least two frames of digital zero, and its last two frames carry no
  data: otherwise the decoder's overlap would carry sound into the next silent frame. Sounds
  closer than that share a segment.
- A silent frame (a header and zeros) decodes to exact zeros, so the track's silences stay
  digital silence.
A segment's frames depend on its sounds and their place within the first frame, so they are
kept in the cache under exactly that (and the encoder settings).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import mp3frames
from voiceguide.mp3frames import DECODER_DELAY, ENCODER_DELAY, SAMPLES, FrameError, Stream

if TYPE_CHECKING:
    import numpy as np

FORMAT = 1  # bump when what a segment holds changes, so old cache entries are not reused
QUALITY = 3  # LAME's algorithm quality (0 best, 9 fastest); its library default, as libsndfile uses it
MARGIN = 2 * SAMPLES  # digital zero after a segment's last sound
SUFFIX = ".frames"


class SpliceError(FrameError):
    """A check of the assembled stream failed: the whole track is encoded in one run instead."""


@dataclass(frozen=True)
class Placement:
    """A sound in the track: its first sample, its key, its channel gains (None in mono)."""

    start: int
    sound: str
    pan: tuple[float, float] | None = None


@dataclass(frozen=True)
class Segment:
    """Sounds encoded in one run, starting at frame `slot`, with `length` samples of input."""

    slot: int
    placements: tuple[Placement, ...]
    length: int

    @property
    def frames(self) -> int:
        """How many frames the encoder makes of it: its input, its delay and the decoder's."""
        return -(-(self.length + ENCODER_DELAY + DECODER_DELAY) // SAMPLES)

    @property
    def start(self) -> int:
        return self.slot * SAMPLES


def segments(placements: Iterable[Placement], lengths: dict[str, int]) -> list[Segment]:
    """Placements in track order grouped into segments: a sound joins the segment before it
    when it would start inside that segment's frames."""
    groups: list[list[Placement]] = []
    ends: list[int] = []  # the first slot after each group's frames
    for placement in sorted(placements, key=lambda p: p.start):
        slot = placement.start // SAMPLES
        if groups and slot < ends[-1]:
            groups[-1].append(placement)
        else:
            groups.append([placement])
            ends.append(0)
        group = groups[-1]
        segment = _segment(group, lengths)
        ends[-1] = max(ends[-1], segment.slot + segment.frames)
    return [_segment(group, lengths) for group in groups]


def _segment(group: list[Placement], lengths: dict[str, int]) -> Segment:
    slot = group[0].start // SAMPLES
    end = max(p.start + lengths[p.sound] for p in group) + MARGIN
    length = -(-(end - slot * SAMPLES) // SAMPLES) * SAMPLES
    return Segment(slot, tuple(group), length)


class Encoder:
    """Encodes segments with LAME (through lameenc), from the cache when they were encoded before."""

    def __init__(self, stream: Stream, sounds: dict[str, np.ndarray], cache_folder: Path | None) -> None:
        """`sounds` are int16 samples, mono; stereo placements carry their channel gains."""
        import lameenc

        self.stream = stream
        self.sounds = sounds
        self.folder = cache_folder
        self.settings = [FORMAT, "lameenc", getattr(lameenc, "__version__", ""), QUALITY, stream.rate]
        self.settings += [stream.channels, stream.kbps]
        self.digests: dict[str, str] = {}
        self.encoded = 0  # segments encoded rather than read back

    def frames(self, segment: Segment) -> bytes:
        from voiceguide import cache

        entry = None
        if self.folder is not None:
            entry = cache.entry(self.folder, self._key(segment), SUFFIX)
            found = _read(entry)
            if found is not None and self._fits(segment, found, damaged_is_miss=True):
                return found
        data = self._encode(segment)
        self._fits(segment, data)
        self.encoded += 1
        if entry is not None:
            cache.write_atomic(entry, lambda out: out.write(hashlib.sha256(data).digest() + data))
        return data

    def _key(self, segment: Segment) -> list[object]:
        sounds = [[p.start - segment.start, self._digest(p.sound), p.pan] for p in segment.placements]
        return [*self.settings, segment.length, sounds]

    def _digest(self, sound: str) -> str:
        if sound not in self.digests:
            self.digests[sound] = hashlib.sha256(self.sounds[sound].tobytes()).hexdigest()
        return self.digests[sound]

    def _encode(self, segment: Segment) -> bytes:
        import lameenc
        import numpy as np

        channels = self.stream.channels
        pcm = np.zeros((segment.length, channels), dtype=np.int16)
        for placement in segment.placements:
            sound = self.sounds[placement.sound]
            at = placement.start - segment.start
            if placement.pan is None:
                pcm[at : at + len(sound), 0] = sound
            else:
                panned = np.multiply.outer(sound.astype(np.float32), np.asarray(placement.pan, dtype=np.float32))
                pcm[at : at + len(sound)] = np.rint(np.clip(panned, -32767, 32767))
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(self.stream.kbps)
        encoder.set_in_sample_rate(self.stream.rate)
        encoder.set_channels(channels)
        encoder.set_quality(QUALITY)
        encoder.silence()
        return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())

    def _fits(self, segment: Segment, data: bytes, damaged_is_miss: bool = False) -> bool:
        """The segment's frames can be dropped in whole: as many as planned, the first borrowing
        nothing, the last two carrying nothing."""
        try:
            offsets = mp3frames.frames(data, self.stream)
            if len(offsets) != segment.frames:
                raise SpliceError(f"segment at {segment.start}: {len(offsets)} frames, planned {segment.frames}")
            if mp3frames.main_data_begin(data[:8]) != 0:
                raise SpliceError(f"segment at {segment.start}: the first frame borrows from before it")
            for at in offsets[-2:]:
                if mp3frames.carries_data(data[at : at + 32], self.stream):
                    raise SpliceError(f"segment at {segment.start}: its last frames carry sound")
        except FrameError:
            if damaged_is_miss:
                return False
            raise
        return True


def _read(entry: Path) -> bytes | None:
    """A cached segment, or None when it is missing or damaged (its digest does not match)."""
    try:
        stored = entry.read_bytes()
    except OSError:
        return None
    digest, data = stored[:32], stored[32:]
    return data if hashlib.sha256(data).digest() == digest else None


def assemble(
    length: int,
    segments: Sequence[Segment],
    encoder: Encoder,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """The MP3 stream of a track of `length` samples: the Info frame, then one frame per slot,
    each a segment's or a silent one."""
    stream = encoder.stream
    slots = -(-(length + ENCODER_DELAY + DECODER_DELAY) // SAMPLES)  # frames the decoders will read
    padding = slots * SAMPLES - ENCODER_DELAY - length  # samples they drop at the end
    parts: list[bytes] = []
    sizes: list[int] = []
    slot = done = 0
    mode: int | None = None
    for segment in segments:
        if segment.slot < slot:
            raise SpliceError(f"segment at {segment.start} overlaps the one before it")
        data = encoder.frames(segment)
        offsets = mp3frames.frames(data, stream)
        mode = data[3] >> 6 & 3 if mode is None else mode
        _silence(stream, slot, segment.slot, parts, sizes, mode)
        keep = min(len(offsets), slots - segment.slot)  # past the end only frames of silence
        cut = offsets[keep] if keep < len(offsets) else len(data)
        parts.append(data[:cut])
        sizes += [b - a for a, b in zip(offsets[:keep], [*offsets[1:keep], cut], strict=True)]
        slot = segment.slot + keep
        if progress:
            position = min(length, slot * SAMPLES)
            progress(position - done)
            done = position
    _silence(stream, slot, slots, parts, sizes, mode)
    if progress and length > done:
        progress(length - done)
    audio = b"".join(parts)
    if len(sizes) != slots or sum(sizes) != len(audio):
        raise SpliceError(f"{len(sizes)} frames assembled, {slots} planned")
    crc = _crc16()
    info = mp3frames.info_frame(stream, sizes, padding, crc(audio), crc, mode, QUALITY)
    return info + audio


def _silence(stream: Stream, first: int, end: int, parts: list[bytes], sizes: list[int], mode: int | None) -> None:
    """Silent frames for slots first..end-1, padded where a constant bitrate pads them."""
    for slot in range(first, end):
        frame = mp3frames.silent_frame(stream, stream.padded(slot), mode)
        parts.append(frame)
        sizes.append(len(frame))


@functools.cache
def _crc16() -> Callable[[bytes], int]:
    """CRC-16/ARC, the checksum LAME's tag uses for the music and for itself."""
    import anycrc

    model = anycrc.Model("CRC16-ARC")
    return model.calc  # type: ignore[no-any-return]
