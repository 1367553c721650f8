"""Frames and the gapless tag written by hand, read back by mutagen and by real decoders."""

from __future__ import annotations

from pathlib import Path

import lameenc
import miniaudio
import numpy as np
import pytest
from mutagen.mp3 import MP3, BitrateMode

from voiceguide import mp3frames
from voiceguide.mp3frames import SAMPLES, Stream

MONO = Stream(22050, 1, 64)


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC bit by bit, as the LAME tag specification defines it (poly 0x8005, reflected)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lame_frames(samples: np.ndarray, stream: Stream = MONO) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(stream.kbps)
    encoder.set_in_sample_rate(stream.rate)
    encoder.set_channels(stream.channels)
    encoder.silence()
    return bytes(encoder.encode(samples.astype(np.int16).tobytes()) + encoder.flush())


def test_headers_match_what_lame_writes() -> None:
    data = lame_frames(np.zeros(SAMPLES * 8))
    offsets = mp3frames.frames(data, MONO)
    for at, end in zip(offsets, [*offsets[1:], len(data)], strict=True):
        padded = bool(data[at + 2] >> 1 & 1)
        assert data[at : at + 4] == MONO.header(padded)
        assert end - at == MONO.size(padded)


def test_padding_keeps_the_bitrate() -> None:
    for stream in (MONO, Stream(22050, 2, 56), Stream(22050, 1, 160)):
        total = sum(stream.size(stream.padded(slot)) for slot in range(22050))
        seconds = 22050 * SAMPLES / stream.rate
        assert abs(total * 8 / seconds - stream.kbps * 1000) < 1  # bits a second, exactly the bitrate


def test_silent_frames_decode_to_exact_zeros() -> None:
    stream = b"".join(mp3frames.silent_frame(MONO, MONO.padded(slot)) for slot in range(40))
    decoded = miniaudio.mp3_read_s16(stream)
    assert decoded.num_frames >= 39 * SAMPLES and not any(decoded.samples)


def test_side_information_is_read_where_the_standard_puts_it() -> None:
    rng = np.random.default_rng(3)
    sound = np.concatenate([np.zeros(SAMPLES * 4), rng.normal(0, 4000, SAMPLES * 20), np.zeros(SAMPLES * 6)])
    data = lame_frames(sound)
    offsets = mp3frames.frames(data, MONO)
    carrying = [mp3frames.carries_data(data[at : at + 16], MONO) for at in offsets]
    assert mp3frames.main_data_begin(data[:8]) == 0
    assert any(mp3frames.main_data_begin(data[at : at + 8]) for at in offsets)  # the reservoir is used
    assert carrying[6:24] == [True] * 18 and carrying[-2:] == [False, False]
    assert not mp3frames.carries_data(mp3frames.silent_frame(Stream(22050, 2, 64), False), Stream(22050, 2, 64))


def test_a_stream_of_another_format_is_refused() -> None:
    data = lame_frames(np.zeros(SAMPLES * 4))
    with pytest.raises(mp3frames.FrameError):
        mp3frames.frames(data, Stream(22050, 1, 80))
    with pytest.raises(mp3frames.FrameError):
        mp3frames.frames(data[:-3], MONO)
    with pytest.raises(mp3frames.FrameError):
        Stream(44100, 1, 64)


@pytest.mark.parametrize("stream", [MONO, Stream(22050, 2, 56), Stream(22050, 2, 160)], ids=str)
def test_the_info_tag_reads_back(stream: Stream, tmp_path: Path) -> None:
    length = 3 * 22050 + 77
    slots = -(-(length + 576 + 529) // SAMPLES)
    padding = slots * SAMPLES - 576 - length
    audio = b"".join(mp3frames.silent_frame(stream, stream.padded(slot)) for slot in range(slots))
    sizes = [stream.size(stream.padded(slot)) for slot in range(slots)]
    info = mp3frames.info_frame(stream, sizes, padding, crc16_arc(audio), crc16_arc)
    assert len(info) == stream.size(False) and info[:4] == stream.header(False)
    path = tmp_path / "tag.mp3"
    path.write_bytes(info + audio)
    read = MP3(str(path)).info
    assert read.encoder_info.startswith("LAME 3.100")
    assert read.bitrate_mode == BitrateMode.CBR and read.channels == stream.channels
    assert read.bitrate == pytest.approx(stream.kbps * 1000, rel=0.01)
    assert read.length == pytest.approx(length / 22050, abs=1e-6)  # frames × 576 - delay - padding
    tag = info[4 + stream.side_info :]
    assert int.from_bytes(tag[141:144], "big") == 576 << 12 | padding
    assert int.from_bytes(tag[8:12], "big") == slots and int.from_bytes(tag[12:16], "big") == len(info) + len(audio)
    assert list(tag[16:116]) == sorted(tag[16:116]) and tag[16] == 0
    assert int.from_bytes(tag[152:154], "big") == crc16_arc(audio)  # the music's CRC
    tag_crc = 4 + stream.side_info + 154  # the tag's own CRC covers the frame up to it
    assert int.from_bytes(info[tag_crc : tag_crc + 2], "big") == crc16_arc(info[:tag_crc])
    decoded = miniaudio.mp3_read_s16(info + audio)
    assert decoded.num_frames == length and not any(decoded.samples)


def test_padding_outside_what_the_tag_can_say_is_refused() -> None:
    with pytest.raises(mp3frames.FrameError):
        mp3frames.info_frame(MONO, [208], 100, 0, crc16_arc)
