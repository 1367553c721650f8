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
from typing import IO, TYPE_CHECKING, BinaryIO

from voiceguide import mp3frames
from voiceguide.mp3frames import DECODER_DELAY, ENCODER_DELAY, SAMPLES, FrameError, Stream

if TYPE_CHECKING:
    import numpy as np

FORMAT = 2  # bump when what a segment holds changes, so old cache entries are not reused
QUALITY = 3  # LAME's algorithm quality (0 best, 9 fastest); its library default, as libsndfile uses it
MARGIN = 2 * SAMPLES  # digital zero after a segment's last sound
SUFFIX = ".frames"
SILENT_RUN = 4096  # silent frames written at a time (under a megabyte)


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
        self.fresh: dict[Path, Frames] = {}  # segments encoded in this build, by cache entry
        self.known: dict[Path, Frames] = {}  # segments placed before in this build
        self.encoded = 0  # segments encoded rather than read back

    def frames(self, segment: Segment) -> Frames:
        """The segment's frames: as placed before in this build (on the frame grid, most sounds
        are placed many times), from the cache, or encoded now (then `fresh`)."""
        from dataclasses import replace

        from voiceguide import cache

        entry = cache.entry(self.folder or Path(), self._key(segment), SUFFIX)
        if entry in self.known:  # decoded where it was first placed, or in the build that made it
            return self.known[entry]
        found = _read(entry, segment) if self.folder is not None else None
        if found is None:
            data = self._encode(segment)
            found = Frames(data, self._fits(segment, data), fresh=True)
            self.encoded += 1
            self.fresh[entry] = found
        self.known[entry] = replace(found, fresh=False)
        return found

    def keep(self) -> None:
        """Write the segments encoded in this build to the cache, once the assembled file that
        holds them has passed its check: the cache keeps only segments that were decoded."""
        from voiceguide import cache

        if self.folder is not None:
            for entry, made in self.fresh.items():
                cache.write_atomic(entry, made.write)

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

    def _fits(self, segment: Segment, data: bytes) -> np.ndarray:
        """The sizes of the segment's frames, once it is sure they can be dropped in whole: as
        many as planned, the first borrowing nothing, the last two carrying nothing."""
        import numpy as np

        offsets = mp3frames.frames(data, self.stream)
        if len(offsets) != segment.frames:
            raise SpliceError(f"segment at {segment.start}: {len(offsets)} frames, planned {segment.frames}")
        if mp3frames.main_data_begin(data[:8]) != 0:
            raise SpliceError(f"segment at {segment.start}: the first frame borrows from before it")
        for at in offsets[-2:]:
            if mp3frames.carries_data(data[at : at + 32], self.stream):
                raise SpliceError(f"segment at {segment.start}: its last frames carry sound")
        return np.diff(np.array([*offsets, len(data)], dtype=np.int64)).astype(np.uint16)


@dataclass(frozen=True)
class Frames:
    """A segment's frames and the size of each."""

    data: bytes
    sizes: np.ndarray
    fresh: bool = False  # encoded in this build, not read from the cache

    def write(self, out: IO[bytes]) -> None:
        """As the cache keeps it: a digest of the rest, the frame count, the sizes, the frames."""
        body = len(self.sizes).to_bytes(4, "little") + self.sizes.astype("<u2").tobytes() + self.data
        out.write(hashlib.sha256(body).digest() + body)


def _read(entry: Path, segment: Segment) -> Frames | None:
    """A cached segment, or None when it is missing or damaged (its digest does not match)."""
    import numpy as np

    try:
        stored = entry.read_bytes()
    except OSError:
        return None
    body = stored[32:]
    if hashlib.sha256(body).digest() != stored[:32] or len(body) < 4:
        return None
    count = int.from_bytes(body[:4], "little")
    if count != segment.frames or 4 + 2 * count > len(body):
        return None
    sizes = np.frombuffer(body, dtype="<u2", count=count, offset=4).astype(np.uint16)
    data = body[4 + 2 * count :]
    if count != segment.frames or int(sizes.sum()) != len(data):
        return None
    return Frames(data, sizes)


@dataclass(frozen=True)
class Assembled:
    """Where the MP3 stream was written, and where its new sounds are in it: for each segment
    encoded in this build, the file offsets of its frames and of the silent frame after it
    (when one follows), how many frames those are, and whether that silent frame is there."""

    audible: tuple[tuple[int, int, int, bool], ...]
    starts: np.ndarray  # file offset of each frame, the Info frame's included, and where the last ends


def assemble(
    length: int,
    segments: Sequence[Segment],
    encoder: Encoder,
    out: BinaryIO,
    progress: Callable[[int], None] | None = None,
) -> Assembled:
    """Write the MP3 stream of a track of `length` samples to `out`, from where it stands: the
    Info frame, then one frame per slot, each a segment's or a silent one. The frames go
    straight to `out`, so memory does not grow with the track's length; the Info frame, which
    counts them all, is written into its place last."""
    import numpy as np

    stream = encoder.stream
    slots = -(-(length + ENCODER_DELAY + DECODER_DELAY) // SAMPLES)  # frames the decoders will read
    padding = slots * SAMPLES - ENCODER_DELAY - length  # samples they drop at the end
    writer = _Writer(out, _crc16())
    begin = out.tell()
    out.write(bytes(stream.size(False)))  # the Info frame's place
    places: list[tuple[int, int, bool]] = []  # each segment's first slot, frames kept, and whether new
    slot = done = 0
    mode: int | None = None
    for segment in segments:
        if segment.slot < slot:
            raise SpliceError(f"segment at {segment.start} overlaps the one before it")
        made = encoder.frames(segment)
        mode = made.data[3] >> 6 & 3 if mode is None else mode
        _silence(stream, slot, segment.slot, writer, mode)
        keep = min(len(made.sizes), slots - segment.slot)  # past the end only frames of silence
        writer.write(made.data[: int(made.sizes[:keep].sum())], made.sizes[:keep])
        places.append((segment.slot, keep, made.fresh))
        slot = segment.slot + keep
        if progress:
            position = min(length, slot * SAMPLES)
            progress(position - done)
            done = position
    _silence(stream, slot, slots, writer, mode)
    if progress and length > done:
        progress(length - done)
    frame_sizes = np.concatenate([*writer.sizes, np.zeros(0, dtype=np.uint16)]).astype(np.int64)
    if len(frame_sizes) != slots or int(frame_sizes.sum()) != writer.written:
        raise SpliceError(f"{len(frame_sizes)} frames assembled, {slots} planned")
    info = mp3frames.info_frame(stream, frame_sizes, padding, writer.crc, _crc16(), mode, QUALITY)
    out.seek(begin)
    out.write(info)
    out.seek(0, 2)
    ends = np.concatenate([[0], np.cumsum(frame_sizes)]) + begin + len(info)
    audible = []
    for number, (first, keep, fresh) in enumerate(places):
        following = places[number + 1][0] if number + 1 < len(places) else slots
        silent_after = first + keep < following
        frames = keep + silent_after
        if fresh:  # segments from the cache were decoded in the build that made them
            audible.append((int(ends[first]), int(ends[first + frames]), frames, silent_after))
    return Assembled(tuple(audible), np.concatenate([[begin], ends]))


class _Writer:
    """Frames written in order: their bytes to a file, their sizes kept, their CRC running."""

    def __init__(self, out: BinaryIO, crc16: Callable[..., int]) -> None:
        self.out, self.crc16 = out, crc16
        self.sizes: list[np.ndarray] = []
        self.crc = 0
        self.written = 0

    def write(self, data: bytes, sizes: np.ndarray) -> None:
        self.out.write(data)
        self.sizes.append(sizes)
        self.crc = self.crc16(data, self.crc)
        self.written += len(data)


CHECK_CHUNK = 1 << 20  # bytes of the file read at a time by the check


def check(assembled: Assembled, path: Path, length: int, stream: Stream) -> None:
    """Check the file at `path` as it was written against the plan, reading it from disk a
    piece at a time: every frame where it was put; decoded where it has new sound (each new
    segment's frames as they stand in it, and the silent frame after them, which must be
    digital zero); the decoder's reading of its length. Segments from the cache were decoded
    so when they were made, and the silent frames between are copies of one frame, decoded in
    the tests. SpliceError if anything is not as planned."""
    import miniaudio
    import numpy as np

    starts = assembled.starts
    with open(path, "rb") as file:
        size = file.seek(0, 2)
        if size != int(starts[-1]):
            raise SpliceError(f"the assembled file holds {size} bytes, planned {int(starts[-1])}")
        padded = np.zeros(len(starts) - 1, dtype=np.int64)
        synced = np.zeros(len(starts) - 1, dtype=bool)
        for at in range(int(starts[0]), size, CHECK_CHUNK):
            file.seek(at)
            chunk = np.frombuffer(file.read(CHECK_CHUNK + 3), dtype=np.uint8)  # each header whole
            first, end = np.searchsorted(starts[:-1], [at, at + CHECK_CHUNK])
            heads = starts[first:end] - at
            padded[first:end] = chunk[heads + 2] >> 1 & 1
            synced[first:end] = (chunk[heads] == 0xFF) & (chunk[heads + 1] & 0xE0 == 0xE0)
        if not synced.all() or np.any(np.diff(starts) != stream.size(False) + padded):
            raise SpliceError("the assembled file's frames are not where they were put")
        if assembled.audible:
            parts = []
            for start, end, *_ in assembled.audible:
                file.seek(start)
                parts.append(file.read(end - start))
            decoded = miniaudio.mp3_read_s16(b"".join(parts))
            samples = np.asarray(decoded.samples, dtype=np.int16).reshape(-1, stream.channels)
            if len(samples) != SAMPLES * sum(frames for _, _, frames, _ in assembled.audible):
                raise SpliceError(f"the sounds decode to {len(samples)} samples, not whole frames")
            at = 0
            for _, end, frames, silent_after in assembled.audible:
                at += frames * SAMPLES
                if silent_after and np.any(samples[at - SAMPLES : at]):
                    raise SpliceError(f"sound reaches past the segment ending at byte {end}")
    try:
        found = miniaudio.mp3_get_file_info(str(path)).num_frames  # as a player reads it, tags and all
    except miniaudio.DecodeError as error:
        raise SpliceError(f"the assembled file does not decode ({error})") from error
    if found != length:
        raise SpliceError(f"the assembled file decodes to {found} samples, planned {length}")


def _silence(stream: Stream, first: int, end: int, writer: _Writer, mode: int | None) -> None:
    """Silent frames for slots first..end-1, padded where a constant bitrate pads them, written
    a few thousand at a time."""
    import numpy as np

    frames = (mp3frames.silent_frame(stream, False, mode), mp3frames.silent_frame(stream, True, mode))
    for start in range(first, end, SILENT_RUN):
        padded = stream.padded_slots(start, min(end, start + SILENT_RUN))
        sizes = (stream.size(False) + padded).astype(np.uint16)
        writer.write(b"".join([frames[flag] for flag in padded.tolist()]), sizes)


@functools.cache
def _crc16() -> Callable[[bytes], int]:
    """CRC-16/ARC, the checksum LAME's tag uses for the music and for itself."""
    import anycrc

    model = anycrc.Model("CRC16-ARC")
    return model.calc  # type: ignore[no-any-return]
