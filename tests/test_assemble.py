"""Tracks assembled from separately encoded sounds and silent frames, against the same tracks
encoded whole, in three decoders: exact lengths, onsets within 25 ms, digital silence between
sounds, and the same quality (SNR within 0.5 dB)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.audio import ONSET_MS, SOUND_DBFS, dbfs, decoded_by, zero_away_from_sounds
from voiceguide import assemble, mp3frames, render
from voiceguide.assemble import Placement
from voiceguide.mp3frames import SAMPLES

RATE = 22050
PANS = {"left": (1.3, 0.45), "right": (0.45, 1.3), None: (1.0, 1.0)}


def sound(length: int, seed: int) -> np.ndarray:
    """A speech-like burst (a few partials and some noise, a quick fade at each end), int16."""
    rng = np.random.default_rng(seed)
    t = np.arange(length) / RATE
    wave = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) / (k + 1) for k, f in enumerate(rng.uniform(150, 3000, 4)))
    wave = wave + rng.normal(0, 0.2, length)
    fade = np.minimum(1.0, np.minimum(np.arange(length) + 1, np.arange(length)[::-1] + 1) / 40)
    return np.rint(wave / np.max(np.abs(wave)) * fade * 0.4 * 32767).astype(np.int16)


@st.composite
def tracks(draw: st.DrawFn) -> tuple[int, list[Placement], dict[str, np.ndarray], int]:
    """Sounds of odd lengths placed one after another: at t = 0 or not, closer than the
    segment margin, across frame boundaries, the last one ending the track or not."""
    channels = draw(st.sampled_from([1, 1, 2]))
    count = draw(st.integers(1, 5))
    lengths = [draw(st.integers(101, 9001)) | 1 for _ in range(count)]
    sounds = {f"s{n}": sound(length, n) for n, length in enumerate(lengths)}
    placements, at = [], draw(st.sampled_from([0, 0, 575, 576, 577]) | st.integers(0, 30_000))
    for _ in range(draw(st.integers(1, 8))):
        key = draw(st.sampled_from(sorted(sounds)))
        side = draw(st.sampled_from(sorted(PANS, key=str))) if channels == 2 else None
        placements.append(Placement(at, key, PANS[side] if channels == 2 else None))
        gap = draw(st.sampled_from([0, 1, 1151, 2304, 3800]) | st.integers(0, 4000) | st.integers(4000, 40_000))
        at += len(sounds[key]) + gap
    last = placements[-1]
    length = last.start + len(sounds[last.sound]) + draw(st.sampled_from([0, 0, 1, 575, 1152]) | st.integers(0, 9000))
    return length, placements, sounds, channels


def track_pcm(length: int, placements: list[Placement], sounds: dict[str, np.ndarray], channels: int) -> np.ndarray:
    pcm = np.zeros((length, channels))
    for p in placements:
        samples = sounds[p.sound].astype(float)
        pcm[p.start : p.start + len(samples)] = np.multiply.outer(samples, p.pan or (1.0,))
    return np.rint(np.clip(pcm, -32767, 32767))


def snr(reference: np.ndarray, decoded: np.ndarray) -> float:
    return 10 * math.log10(float(np.sum(reference**2)) / max(float(np.sum((decoded - reference) ** 2)), 1e-9))


def assembled_in(path: Path, length: int, placements: list[Placement], encoder: assemble.Encoder) -> assemble.Assembled:
    """The track assembled into the file at `path`."""
    lengths = {key: len(samples) for key, samples in encoder.sounds.items()}
    with open(path, "wb") as out:
        return assemble.assemble(length, assemble.segments(placements, lengths), encoder, out)


def spliced(length: int, placements: list[Placement], sounds: dict[str, np.ndarray], channels: int, path: Path) -> None:
    stream = mp3frames.Stream(RATE, channels, 64)
    assembled = assembled_in(path, length, placements, assemble.Encoder(stream, sounds, None))
    assemble.check(assembled, path, length, stream)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(track=tracks())
def test_spliced_tracks_decode_exactly_in_every_decoder(tmp_path: Path, track: tuple) -> None:  # type: ignore[type-arg]
    length, placements, sounds, channels = track
    spliced(length, placements, sounds, channels, tmp_path / "spliced.mp3")
    spans = [(p.start, p.start + len(sounds[p.sound])) for p in placements]
    window = round(ONSET_MS / 1000 * RATE)
    for name, decoded in decoded_by(tmp_path / "spliced.mp3").items():
        assert decoded.shape == (length, channels), name
        zero_away_from_sounds(decoded, spans)
        for start, _ in spans:
            assert dbfs(decoded[start : start + window] / 32768) > SOUND_DBFS, (name, start)


@pytest.mark.parametrize("channels", [1, 2])
def test_spliced_and_whole_encodes_sound_alike(tmp_path: Path, channels: int) -> None:
    """A guided routine's pattern (phrases of one to three seconds, some a breath apart, some
    far apart): its quality spliced is that of one encode of the whole track."""
    rng = np.random.default_rng(channels)
    sounds = {f"s{n}": sound(int(rng.integers(22050, 66150)) | 1, n) for n in range(5)}
    placements, at = [], 4321
    for number in range(16):
        key = f"s{number % 5}"
        side = ("left", "right", None)[number % 3] if channels == 2 else None
        placements.append(Placement(at, key, PANS[side] if channels == 2 else None))
        at += len(sounds[key]) + int(rng.choice([1000, 3000, 60_000]))
    length = at + 5000
    reference = track_pcm(length, placements, sounds, channels)
    spliced(length, placements, sounds, channels, tmp_path / "spliced.mp3")
    with render.open_mp3(tmp_path / "whole.mp3", RATE, channels, 64) as whole:
        whole.write((reference / 32767).astype(np.float32))
    ours, theirs = decoded_by(tmp_path / "spliced.mp3"), decoded_by(tmp_path / "whole.mp3")
    for name, decoded in ours.items():
        assert decoded.shape == theirs[name].shape == (length, channels), name
        quality = snr(reference, decoded.astype(float))
        assert quality > 15 and abs(quality - snr(reference, theirs[name].astype(float))) <= 0.5, name
    for other in ("ffmpeg", "mpg123"):  # the decoders agree to within their rounding
        assert np.abs(ours["miniaudio"].astype(int) - ours[other]).max() <= 1, other


def test_close_sounds_share_a_segment_and_far_ones_do_not() -> None:
    lengths = {"a": 1000, "b": 1000}
    near = assemble.segments([Placement(0, "a"), Placement(1000 + 2000, "b")], lengths)
    far = assemble.segments([Placement(0, "a"), Placement(1000 + 4000, "b")], lengths)
    assert [len(s.placements) for s in near] == [2]
    assert [len(s.placements) for s in far] == [1, 1]
    first = far[0]
    assert first.length % SAMPLES == 0 and first.length >= 1000 + assemble.MARGIN
    assert far[1].slot >= first.slot + first.frames


def test_segments_come_from_the_cache_and_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    sounds = {"a": sound(3001, 1), "b": sound(2001, 2)}
    placements = [Placement(700, "a"), Placement(30_000, "b"), Placement(700 + 100 * SAMPLES, "a")]
    stream = mp3frames.Stream(RATE, 1, 64)
    cache, mp3 = tmp_path / "cache", tmp_path / "a.mp3"
    cache.mkdir()
    first = assemble.Encoder(stream, sounds, cache)
    assembled_in(mp3, 80_000, placements, first)
    made = mp3.read_bytes()
    assert first.encoded == 2  # "a" at 700 and at 60,000 sits at the same place in its frame
    assert list(cache.iterdir()) == []  # kept only once the file is checked
    first.keep()
    entries = sorted(cache.glob("*.frames"))
    assert len(entries) == 2
    again = assemble.Encoder(stream, sounds, cache)
    assembled_in(mp3, 80_000, placements, again)
    assert mp3.read_bytes() == made and again.encoded == 0
    damaged = entries[0].read_bytes()
    entries[0].write_bytes(damaged[:-40] + bytes(40))
    entries[1].write_bytes(b"")
    third = assemble.Encoder(stream, sounds, cache)
    assembled_in(mp3, 80_000, placements, third)
    assert mp3.read_bytes() == made and third.encoded == 2
    moved = [Placement(p.start + 1, p.sound) for p in placements]  # a new place in the frame: new frames
    fourth = assemble.Encoder(stream, sounds, cache)
    assembled_in(mp3, 80_001, moved, fourth)
    assert fourth.encoded == 2


def test_a_segment_that_does_not_fit_is_refused() -> None:
    sounds = {"a": sound(3001, 1)}
    stream = mp3frames.Stream(RATE, 1, 64)
    segment = assemble.Segment(0, (Placement(0, "a"),), 3456)  # too short for its sound's margin
    with pytest.raises(assemble.SpliceError):
        assemble.Encoder(stream, sounds, None).frames(segment)


@pytest.mark.parametrize("chunk", [1000, 4097, assemble.CHECK_CHUNK])  # frames cut by the pieces read
def test_the_check_finds_a_damaged_or_short_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(assemble, "CHECK_CHUNK", chunk)
    sounds = {"a": sound(3001, 1)}
    placements = [Placement(700, "a"), Placement(40_000, "a")]
    stream = mp3frames.Stream(RATE, 1, 64)
    mp3 = tmp_path / "a.mp3"
    assembled = assembled_in(mp3, 60_000, placements, assemble.Encoder(stream, sounds, None))
    assemble.check(assembled, mp3, 60_000, stream)
    data = mp3.read_bytes()
    damaged = [data[:at] + b"\x00" + data[at + 1 :] for at in assembled.starts[:-1]]  # every frame's header
    for wrong in (*damaged, data[:-100], data + bytes(10)):
        mp3.write_bytes(wrong)
        with pytest.raises(assemble.SpliceError):
            assemble.check(assembled, mp3, 60_000, stream)
    mp3.write_bytes(data)
    with pytest.raises(assemble.SpliceError, match="decodes to 60000 samples, planned 60001"):
        assemble.check(assembled, mp3, 60_001, stream)
