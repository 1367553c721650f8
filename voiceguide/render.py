"""Timeline + clips → MP3 and sidecars, streamed, loudness-normalized, written atomically.

The MP3 encoder is libsndfile's LAME, through soundfile: it writes the LAME/Xing gapless tag,
so players and decoders trim the encoder delay and padding and the decoded track has exactly
the samples written (lameenc is faster but writes no tag: every onset lands ~50 ms late).
Constant bitrate below 56 kbps at 22,050 Hz has no room for that tag, hence the lower limit.

Two passes over the timeline, each holding one event's audio at a time: the first measures
the integrated loudness (ITU-R BS.1770) of the track as it will be, the second encodes it
with the gain that brings it to the spoken-word norm. A silence costs one reused block.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import sidecars
from voiceguide.errors import RenderError
from voiceguide.model import Event, Options, Timeline

if TYPE_CHECKING:
    import numpy as np
    from pydub import AudioSegment

BITRATES = (56, 64, 80, 96, 112, 128, 144, 160)  # constant bitrates that keep the gapless tag
TARGET_LUFS = {1: -19.0, 2: -16.0}  # spoken-word norms for mono and stereo
TRUE_PEAK = 10 ** (-2.0 / 20)  # under -1 dBTP with room for the encoder: low-rate MP3 overshoots ~0.7 dB
# Levels of each kind of sound against the voice, before the whole track is normalized.
RELATIVE_LUFS = {"voice": 0.0, "breath": -4.0, "tone": -8.0, "chime": -5.0}
AMBIENCE_DB = -26.0  # the ambience's loudness under the voice
VOICE_REFERENCE = -23.0  # LUFS every sound is levelled against before the track is normalized
BLOCK = 22_050  # samples written at a time for silence and ambience
LEVEL_ROUNDS = 4  # measure-and-correct rounds to reach the loudness target
LIMITER_SECONDS = 0.004  # half-width of the limiter's gain smoothing
PAN = 0.55  # with --pan-sides, how far toward its side a sound leans (0 centre, 1 hard)


@dataclass(frozen=True)
class Outputs:
    mp3: Path
    cue_sheet: Path
    vtt: Path
    lrc: Path

    @classmethod
    def beside(cls, mp3: Path) -> Outputs:
        return cls(mp3, mp3.with_suffix(".json"), mp3.with_suffix(".vtt"), mp3.with_suffix(".lrc"))

    def all(self) -> tuple[Path, ...]:
        return (self.mp3, self.cue_sheet, self.vtt, self.lrc)


def compression_level(kbps: int) -> float:
    """libsndfile maps its compression level c to kbps = 160 - 152·c at 16-32 kHz."""
    return min(max((159.5 - kbps) / 152.0, 0.0), 1.0)


def render(
    timeline: Timeline,
    clips: dict[str, AudioSegment],
    options: Options,
    outputs: Outputs,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the MP3 and its sidecars to temporary files, then move all into place at once."""
    folder = outputs.mp3.parent
    if not folder.is_dir():
        raise RenderError(f"{folder}: output folder does not exist; create it or choose another -o")
    temps: list[Path] = []
    try:
        for final in outputs.all():
            handle, name = tempfile.mkstemp(dir=folder, prefix=f".{final.name}.", suffix=".part")
            os.close(handle)
            temps.append(Path(name))
            os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        mixer = Mixer(timeline, clips, options)
        _encode(mixer, options, temps[0], progress)
        _tag(temps[0], timeline, options)
        cue = json.dumps(sidecars.cue_sheet(timeline), indent=1, ensure_ascii=False)
        temps[1].write_text(cue + "\n", encoding="utf-8")
        temps[2].write_text(sidecars.webvtt(timeline), encoding="utf-8")
        temps[3].write_text(sidecars.lrc(timeline), encoding="utf-8")
        for temp, final in zip(temps, outputs.all(), strict=True):
            os.replace(temp, final)
    except OSError as error:
        raise RenderError(f"{outputs.mp3}: could not write ({error.strerror or error})") from error
    finally:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Mixer:
    """Turns events into sample blocks: each sound at its level, panned, over the ambience."""

    def __init__(self, timeline: Timeline, clips: dict[str, AudioSegment], options: Options) -> None:
        import numpy as np

        from voiceguide import chime

        self.timeline = timeline
        self.options = options
        self.channels = 2 if options.pan_sides else 1
        self.rate = timeline.sample_rate
        self.sides = {s.index: s.side for s in timeline.steps}
        self.sounds: dict[str, np.ndarray] = {}
        for event in timeline.events:
            if event.sound and event.sound not in self.sounds:
                source, _, name = event.sound.partition(":")
                if source == "voice":
                    raw = np.frombuffer(clips[name].raw_data, dtype=np.int16) / 32768.0
                else:
                    raw = chime.sound(event.sound, options).astype(np.float64)
                kind = "breath" if event.kind == "breath" and source == "voice" else source
                self.sounds[event.sound] = raw * _relative_gain(raw, self.rate, RELATIVE_LUFS[kind])
        self.levelled = dict(self.sounds)
        self.ambience = Ambience(options.ambience, self.rate) if options.ambience else None
        # eSpeak's plosives peak some 20 dB over its loudness, so reaching the norm under the
        # true-peak ceiling takes a limiter; limiting lowers the loudness a little, so measure
        # again and correct, a few rounds at most.
        level, target = 1.0, TARGET_LUFS[self.channels]
        for _ in range(LEVEL_ROUNDS):
            loudness = self._measure()
            if not np.isfinite(loudness) or abs(loudness - target) < 0.2:
                break
            level *= 10 ** ((target - loudness) / 20)
            ceiling = TRUE_PEAK / self._pan_boost()
            self.sounds = {key: limit(audio * level, ceiling, self.rate) for key, audio in self.levelled.items()}
            if self.ambience:
                self.ambience.reset(level)

    def _measure(self) -> float:
        from voiceguide.loudness import StreamingMeter

        meter = StreamingMeter(self.rate, self.channels)
        for block in self.blocks():
            if isinstance(block, int):
                meter.feed_silence(block)
            else:
                meter.feed(block)
        if self.ambience:
            self.ambience.reset(self.ambience.voice_gain)
        return meter.integrated()

    def _pan_boost(self) -> float:
        """How much louder than mono the leaning channel plays a sound with --pan-sides."""
        import numpy as np

        return float(np.sqrt(2) * np.cos((1 - PAN) * np.pi / 4)) if self.channels == 2 else 1.0

    def blocks(self) -> Iterator[np.ndarray | int]:
        """The track in order: arrays of samples, or a count of samples of digital silence."""
        for event in self.timeline.events:
            if event.kind == "silence":
                if self.ambience is None:
                    yield event.length
                    continue
                left = event.length
                while left > 0:
                    yield self._frame(self.ambience.next(min(left, BLOCK)))
                    left -= BLOCK
                continue
            audio = self.sounds[event.sound]
            if len(audio) != event.length:
                raise RenderError(f"internal: {event.sound!r} is {len(audio)} samples, planned {event.length}")
            if self.ambience:
                audio = audio + self.ambience.next(len(audio))
            yield self._frame(audio, event)

    def _frame(self, mono: np.ndarray, event: Event | None = None) -> np.ndarray:
        import numpy as np

        if self.channels == 1:
            return mono
        side = self.sides.get(event.step) if event is not None and event.step is not None else None
        position = {"left": -PAN, "right": PAN}.get(side or "", 0.0)
        angle = (position + 1) * np.pi / 4  # constant-power pan law
        return np.stack([mono * np.cos(angle), mono * np.sin(angle)], axis=1) * np.sqrt(2)


def _relative_gain(audio: np.ndarray, rate: int, relative: float) -> float:
    """Gain bringing one sound to the voice's reference loudness plus `relative` dB."""
    import numpy as np
    import pyloudnorm

    minimum = round(0.4 * rate) + 1  # the meter needs one 400 ms gating block
    padded = audio if len(audio) >= minimum else np.concatenate([audio, np.zeros(minimum - len(audio))])
    measured = pyloudnorm.Meter(rate).integrated_loudness(padded)
    return 1.0 if not np.isfinite(measured) else 10 ** ((VOICE_REFERENCE + relative - measured) / 20)


def limit(audio: np.ndarray, ceiling: float, rate: int) -> np.ndarray:
    """Keep the true peak under `ceiling` with a smooth gain that never overshoots.

    The gain each sample needs (from the 4× oversampled peak around it) is min-filtered and
    then averaged over the same window, so the smoothed gain is never above what any sample
    in reach needs: no clip, and no click from a sudden gain change.
    """
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    from scipy.signal import resample_poly

    if not len(audio):
        return audio
    oversampled = np.abs(resample_poly(audio, 4, 1))[: 4 * len(audio)]
    peaks = np.pad(oversampled, (0, 4 * len(audio) - len(oversampled))).reshape(-1, 4).max(axis=1)
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if needed.min() >= 1.0:
        return audio
    width = 2 * round(LIMITER_SECONDS * rate) + 1
    gain = uniform_filter1d(minimum_filter1d(needed, width, mode="nearest"), width, mode="nearest")
    return audio * gain


class Ambience:
    """Brown or pink noise made block by block, or a sound file looped, faded in at the start.

    The noise is seeded, so the same routine builds to the same file every time.
    """

    FADE_SECONDS = 4.0

    def __init__(self, kind: str, rate: int) -> None:
        from voiceguide.chime import load_loop

        self.kind, self.rate = kind, rate
        self.loop = None if kind in ("brown", "pink") else load_loop(Path(kind), rate)
        self.reset(1.0)

    def reset(self, voice_gain: float) -> None:
        """Start again, at AMBIENCE_DB under a voice played at `voice_gain`."""
        import numpy as np

        self.voice_gain = voice_gain
        reference = _AMBIENCE_REFERENCE.get(self.kind, -23.0)
        self.level = voice_gain * 10 ** ((VOICE_REFERENCE + AMBIENCE_DB - reference) / 20)
        self.position = 0
        self.random = np.random.default_rng(7)
        self.state = np.zeros(3)

    def next(self, count: int) -> np.ndarray:
        import numpy as np
        from scipy.signal import lfilter

        if self.loop is not None:
            block = self.loop[(self.position + np.arange(count)) % len(self.loop)]
        elif self.kind == "brown":
            block, self.state[:1] = lfilter([1.0], [1.0, -0.995], self.random.standard_normal(count), zi=self.state[:1])
        else:  # pink: Paul Kellet's three-pole approximation of a -3 dB/octave slope
            block, self.state[:] = lfilter(_PINK_B, _PINK_A, self.random.standard_normal(count), zi=self.state)
        ramp = np.clip((self.position + np.arange(count)) / (self.rate * self.FADE_SECONDS), 0.0, 1.0)
        self.position += count
        return np.asarray(block) * self.level * ramp


_PINK_B = (0.049922035, -0.095993537, 0.050612699, -0.004408786)
_PINK_A = (1.0, -2.494956002, 2.017265875, -0.522189400)
# The loudness (LUFS) of each noise generator at unit level, measured once on 60 s of it, so
# that AMBIENCE_DB holds for each; a file is brought to VOICE_REFERENCE when it is loaded.
_AMBIENCE_REFERENCE = {"brown": 12.8, "pink": -22.0}


def _encode(mixer: Mixer, options: Options, path: Path, progress: Callable[[int], None] | None) -> None:
    import numpy as np
    import soundfile

    # Float samples: libsndfile 1.2 garbles int16 written to a stereo MP3 (peaks doubled).
    zeros = np.zeros((BLOCK, mixer.channels) if mixer.channels > 1 else BLOCK, dtype=np.float32)
    with soundfile.SoundFile(
        str(path),
        "w",
        samplerate=mixer.rate,
        channels=mixer.channels,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=compression_level(options.bitrate),
        bitrate_mode="CONSTANT",
    ) as mp3:
        for block in mixer.blocks():
            if isinstance(block, int):
                left = block
                while left > 0:
                    mp3.write(zeros[: min(left, BLOCK)])
                    left -= BLOCK
            else:
                mp3.write(np.clip(block, -1.0, 1.0).astype(np.float32))
            if progress:
                progress(block if isinstance(block, int) else len(block))


def _tag(path: Path, timeline: Timeline, options: Options) -> None:
    """ID3v2 title, artist, album, settings comment and one chapter per step (CHAP + CTOC)."""
    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TIT2, TPE1, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=timeline.title))
    tags.add(TPE1(encoding=3, text="voiceguide"))
    tags.add(TALB(encoding=3, text="Guided routines"))
    tags.add(COMM(encoding=3, lang="eng", desc="settings", text=options.describe()))
    ids = []
    rate = timeline.sample_rate
    for number, (start, end, title) in enumerate(sidecars.chapters(timeline), 1):
        element = f"chp{number}"
        ids.append(element)
        tags.add(
            CHAP(
                element_id=element,
                start_time=round(start * 1000 / rate),
                end_time=round(end * 1000 / rate),
                sub_frames=[TIT2(encoding=3, text=title)],
            )
        )
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text=timeline.title)],
        )
    )
    tags.save(str(path), v2_version=4)
