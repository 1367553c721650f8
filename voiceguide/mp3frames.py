"""MPEG audio frames and the Info/LAME tag, written by hand: no library writes these.

Encoders (LAME through lameenc or libsndfile) make frames from samples; nothing makes a silent
frame on its own, reads a frame's side information, or writes the gapless tag for a stream
that was not encoded in one run. This module does those three small things, for the streams
voiceguide writes: MPEG-2 and MPEG-2.5 Layer III (16 to 24 kHz, one granule of 576 samples a
frame), constant bitrate, mono or stereo, no CRC.

Format references:
- ISO/IEC 13818-3 (MPEG-2 audio), 2.4.1.3 (header) and 2.4.1.7 (side information of the lower
  sampling frequencies: one granule, main_data_begin 8 bits, scalefac_compress 9 bits).
- The Xing header ("Xing"/"Info", flags, frames, bytes, TOC, quality), as LAME writes it
  in VbrTag.c.
- "Mp3 Info Tag rev 1 specifications" (the LAME extension after the Xing fields: version,
  method, lowpass, replay gain, flags, bitrate, encoder delay and padding, music length,
  music CRC and the tag's own CRC), the same layout mutagen's mp3._util.LAMEHeader reads.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SAMPLES = 576  # a frame of MPEG-2 Layer III: one granule
ENCODER_DELAY = 576  # LAME's: the encoder's first frame holds no input (what enc_delay says)
DECODER_DELAY = 529  # every Layer III decoder's filterbank delay, which gapless players add
LAYER3_LSF_KBPS = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)  # by bitrate index
LSF_RATES = {22050: (0b10, 0), 24000: (0b10, 1), 16000: (0b10, 2), 11025: (0b00, 0), 12000: (0b00, 1), 8000: (0b00, 2)}
INFO_FLAGS = 0x0F  # frames, bytes, TOC and quality fields present
TAG_VERSION = b"LAME3.100"  # nine bytes, as LAME writes its own
LAME_TAG_SIZE = 36  # the LAME extension after the 120 bytes of Xing fields
MODE_MONO, MODE_JOINT = 0b11, 0b01


class FrameError(ValueError):
    """Bytes that are not the frames this module expects."""


@dataclass(frozen=True)
class Stream:
    """What every frame of one file shares."""

    rate: int
    channels: int
    kbps: int

    def __post_init__(self) -> None:
        if self.rate not in LSF_RATES or self.kbps not in LAYER3_LSF_KBPS[1:] or self.channels not in (1, 2):
            raise FrameError(f"no MPEG-2 Layer III stream at {self.rate} Hz, {self.kbps} kbps, {self.channels} ch")

    @property
    def side_info(self) -> int:
        """Bytes of side information after the 4-byte header (13818-3, 2.4.1.7)."""
        return 9 if self.channels == 1 else 17

    def size(self, padded: bool) -> int:
        """A frame's bytes: 72 × bitrate / rate for one granule, plus the padding byte."""
        return 72_000 * self.kbps // self.rate + padded

    def padded(self, slot: int) -> bool:
        """Whether the frame in `slot` is padded, so that the stream keeps its bitrate on average."""
        per_frame = 72_000 * self.kbps
        return (slot + 1) * per_frame // self.rate - slot * per_frame // self.rate > per_frame // self.rate

    def padded_slots(self, first: int, end: int) -> np.ndarray:
        """`padded` for each slot from `first` to `end` - 1, as an array of 0 and 1."""
        import numpy as np

        per_frame = 72_000 * self.kbps
        slots = np.arange(first, end + 1, dtype=np.int64)
        return (np.diff(slots * per_frame // self.rate) > per_frame // self.rate).astype(np.int64)

    def header(self, padded: bool, mode: int | None = None) -> bytes:
        """Sync, MPEG-2 (or 2.5), Layer III, no CRC, bitrate, rate, padding, mode, original."""
        version, rate_index = LSF_RATES[self.rate]
        mode = (MODE_MONO if self.channels == 1 else MODE_JOINT) if mode is None else mode
        bits = 0x7FF << 21 | version << 19 | 0b01 << 17 | 1 << 16
        bits |= LAYER3_LSF_KBPS.index(self.kbps) << 12 | rate_index << 10 | int(padded) << 9 | mode << 6 | 1 << 2
        return bits.to_bytes(4, "big")

    def check(self, header: bytes) -> int:
        """The size of the frame whose header this is; FrameError if it is not one of this stream's."""
        bits = int.from_bytes(header[:4], "big")
        mine = int.from_bytes(self.header(False), "big")
        if (
            len(header) < 4
            or bits & 0xFFFFFC00 != mine & 0xFFFFFC00
            or (bits >> 6 & 3 == MODE_MONO) != (self.channels == 1)
        ):
            raise FrameError(f"not a frame of this stream: header {header[:4].hex()}")
        return self.size(bool(bits >> 9 & 1))


def frames(data: bytes | bytearray | memoryview, stream: Stream) -> list[int]:
    """The offset of every frame in `data`, which must hold whole frames of `stream` and nothing else."""
    offsets, at, end = [], 0, len(data)
    while at < end:
        offsets.append(at)
        at += stream.check(bytes(data[at : at + 4]))
    if at != end:
        raise FrameError(f"the last frame is cut short by {at - end} bytes")
    return offsets


def main_data_begin(frame: bytes | memoryview) -> int:
    """How many bytes before this frame its audio data starts (the bit reservoir); 0: in itself."""
    return frame[4]


def carries_data(frame: bytes | memoryview, stream: Stream) -> bool:
    """Whether any channel's granule has audio data (part2_3_length > 0)."""
    info = int.from_bytes(frame[4 : 4 + stream.side_info], "big")
    total = stream.side_info * 8
    first = 9 if stream.channels == 1 else 10  # after main_data_begin and the private bits
    for channel in range(stream.channels):
        shift = total - (first + 63 * channel) - 12  # each channel's granule info is 63 bits
        if info >> shift & 0xFFF:
            return True
    return False


@functools.cache
def silent_frame(stream: Stream, padded: bool, mode: int | None = None) -> bytes:
    """A frame that decodes to exact zeros: a header, zero side information (main_data_begin 0,
    part2_3_length 0, global gain 0), then zeros."""
    return stream.header(padded, mode) + bytes(stream.size(padded) - 4)


def info_frame(
    stream: Stream,
    frame_sizes: Sequence[int] | np.ndarray,
    padding: int,
    music_crc: int,
    crc16: object,
    mode: int | None = None,
    quality: int = 3,
    lowpass: int = 0,
) -> bytes:
    """The frame that leads the file: silent to a decoder that does not know it, and to one that
    does, the number of frames and bytes, a seek table, and (the LAME extension) the encoder
    delay and the padding that make the decoded length exact.

    `frame_sizes` are the audio frames that follow; `padding` the samples to drop at the end;
    `crc16` a function computing CRC-16/ARC (LAME's), for the music and the tag itself.
    """
    if not DECODER_DELAY <= padding <= 0xFFF:
        raise FrameError(f"padding of {padding} samples is outside what the tag can say")
    size = stream.size(False)
    start = 4 + stream.side_info
    if start + 120 + LAME_TAG_SIZE > size:
        raise FrameError(f"a {size}-byte frame has no room for the gapless tag")
    frame = bytearray(silent_frame(stream, False, mode))
    total = size + int(sum(frame_sizes))
    at = start
    frame[at : at + 4] = b"Info"
    frame[at + 4 : at + 8] = INFO_FLAGS.to_bytes(4, "big")
    frame[at + 8 : at + 12] = len(frame_sizes).to_bytes(4, "big")
    frame[at + 12 : at + 16] = total.to_bytes(4, "big")
    frame[at + 16 : at + 116] = _seek_table(frame_sizes)
    frame[at + 116 : at + 120] = (100 - quality).to_bytes(4, "big")
    at += 120
    frame[at : at + 9] = TAG_VERSION
    frame[at + 9] = 0x01  # tag revision 0, method 1: constant bitrate
    frame[at + 10] = min(lowpass // 100, 255)
    # at + 11..18: peak amplitude and replay gains left at zero: "not computed"
    frame[at + 19] = 0  # no noise shaping or ATH flags to report
    frame[at + 20] = min(stream.kbps, 255)
    frame[at + 21 : at + 24] = (ENCODER_DELAY << 12 | padding).to_bytes(3, "big")
    stereo_mode = 0 if stream.channels == 1 else (1 if mode in (None, MODE_JOINT) else 2)  # mono, joint, stereo
    frame[at + 24] = stereo_mode << 2  # source rate "32 kHz or less" (0), no unwise settings
    # at + 25: mp3 gain 0; at + 26..27: no surround, no preset
    frame[at + 28 : at + 32] = total.to_bytes(4, "big")  # music length: the stream, this frame included
    frame[at + 32 : at + 34] = music_crc.to_bytes(2, "big")
    frame[at + 34 : at + 36] = crc16(bytes(frame[: at + 34])).to_bytes(2, "big")  # type: ignore[operator]
    return bytes(frame)


def _seek_table(frame_sizes: Sequence[int] | np.ndarray) -> bytes:
    """Xing's TOC: for each percent of the duration, where in the audio frames it starts, in
    256ths of their bytes (as LAME counts, from the first frame after this one)."""
    import numpy as np

    count = len(frame_sizes)
    starts = np.concatenate([[0], np.cumsum(np.asarray(frame_sizes, dtype=np.int64))])
    marks = np.arange(100) * count // 100
    return bytes(np.minimum(255, starts[marks] * 256 // max(1, int(starts[-1]))).astype(np.uint8).tolist())
