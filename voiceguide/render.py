"""Timeline + clips → MP3 and sidecars, loudness-normalized, written atomically.

Levelling finishes each distinct sound once (its gain toward the spoken-word norm, ITU-R
BS.1770, and a limiter for its true peaks), from measurements of each sound, never of the
whole track. The MP3 is then assembled from those sounds (`assemble.py`): each encoded on its
own by LAME through lameenc, silent frames between them, and our own gapless tag leading the
stream (`mp3frames.py`), so the decoded track has exactly the planned samples. The assembled
file is decoded before it is kept.

Where silence is not digital zero (--ambience) or a check of the assembled stream fails, the
whole track is encoded in one run instead, by libsndfile's LAME through soundfile, which writes
the gapless tag itself. Constant bitrate below 56 kbps at 22,050 Hz has no room for that tag,
hence the lower limit.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING

from mutagen import MutagenError

from voiceguide import sidecars
from voiceguide.errors import RenderError, UsageError, VoiceguideError
from voiceguide.model import Event, Options, Timeline

if TYPE_CHECKING:
    import numpy as np
    import soundfile
    from mutagen.id3 import ID3
    from pydub import AudioSegment

    from voiceguide import loudness

log = logging.getLogger(__name__)

ANALYSIS_FORMAT = 2  # bump when the analysis changes, so old cache entries are not reused
BITRATES = (56, 64, 80, 96, 112, 128, 144, 160)  # constant bitrates that keep the gapless tag
TARGET_LUFS = {1: -19.0, 2: -16.0}  # spoken-word norms for mono and stereo
# Under -1 dBTP with room for the encoder: low-rate mono MP3 overshoots by up to ~0.7 dB, and
# joint stereo, which shares the bits between the two channels, by up to ~1.5 dB.
TRUE_PEAK = {1: 10 ** (-2.0 / 20), 2: 10 ** (-3.0 / 20)}
# Levels of each kind of sound against the voice, before the whole track is normalized.
RELATIVE_LUFS = {"voice": 0.0, "breath": -4.0, "tone": -8.0, "chime": -5.0}
AMBIENCE_DB = -26.0  # the ambience's loudness under the voice
VOICE_REFERENCE = -23.0  # LUFS every sound is levelled against before the track is normalized
BLOCK = 22_050  # samples written at a time
LEVEL_ROUNDS = 4  # measure-and-correct rounds to reach the loudness target
LEVEL_TOLERANCE = 0.25  # LU; the tests allow 1
# The track's level is a whole number of these decibels: an edit moves the measured loudness by
# a few hundredths of an LU, which mostly leaves the level, so every sound's samples and their
# encoding in the cache, as they were. Twice the tolerance: the nearest step is within it.
LEVEL_STEP = 2 * LEVEL_TOLERANCE
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

    def refuse_replacing(self, source: Path | None) -> None:
        """A routine must never be overwritten by its own build (`x.json` beside `x.mp3`)."""
        if source is None or not source.exists():
            return
        for final in self.all():
            if final.exists() and os.path.samefile(source, final):
                raise UsageError(
                    f"{source}: the build would write its {final.suffix[1:].upper()} file over this routine; "
                    "rename the routine or choose another -o"
                )


def compression_level(kbps: int) -> float:
    """libsndfile maps its compression level c to kbps = 160 - 152·c at 16-32 kHz."""
    return min(max((159.5 - kbps) / 152.0, 0.0), 1.0)


def render(
    timeline: Timeline,
    clips: dict[str, AudioSegment],
    options: Options,
    outputs: Outputs,
    progress: Callable[[int], None] | None = None,
    analyses: Analyses | None = None,
    cache_folder: Path | None = None,
) -> None:
    """Write the MP3 and its sidecars to temporary files, then move all into place at once.
    `analyses` may already hold (or be making) the sounds' analyses; `cache_folder` keeps the
    encoded sounds for the next build."""
    folder = outputs.mp3.parent
    if not folder.is_dir():
        raise RenderError(f"{folder}: output folder does not exist; create it or choose another -o")
    for final in outputs.all():
        if final.is_dir():
            raise RenderError(f"{final}: is a folder; move it away or choose another -o")
    current = outputs.mp3  # the file being made, named if anything fails
    temps: list[Path] = []
    try:
        tags = _tags(timeline, options)  # the chapters' limits are met before the encode starts
        mixer = Mixer(timeline, clips, options, analyses or Analyses(timeline.sample_rate, None))
        for final in outputs.all():
            _remove_orphans(final)
            handle, name = tempfile.mkstemp(dir=folder, prefix=f".{final.name}.{os.getpid()}.", suffix=".part")
            os.close(handle)
            temps.append(Path(name))
            os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        # The encoder lets go of the GIL, so the sidecars are written beside it meanwhile.
        with ThreadPoolExecutor(max_workers=1) as beside:
            sidecars_written = beside.submit(_sidecars, timeline, dict(zip(outputs.all()[1:], temps[1:], strict=True)))
            _write_mp3(mixer, options, tags, temps[0], progress, cache_folder)
            sidecars_written.result()
        _replace_all(list(zip(temps, outputs.all(), strict=True)))
    except VoiceguideError:
        raise
    except _Failed as failed:
        current, error = failed.path, failed.error
        raise RenderError(f"{current}: could not write ({_reason(error)})") from error
    except (OSError, RuntimeError, AssertionError, MutagenError) as error:
        # soundfile reports encoder and short-write failures as RuntimeError or AssertionError
        raise RenderError(f"{current}: could not write ({_reason(error)})") from error
    except Exception as error:  # a bug: said in one line, the traceback kept for --debug
        raise RenderError(
            f"{current}: internal error ({type(error).__name__}: {error}); run again with --debug and report it"
        ) from error
    finally:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()


class _Failed(Exception):
    """Writing or moving one of the outputs failed: `path` names it."""

    def __init__(self, path: Path, error: BaseException) -> None:
        super().__init__(f"{path}: {error}")
        self.path, self.error = path, error


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _replace_all(moves: list[tuple[Path, Path]]) -> None:
    """Move each temporary file onto its final name, all or none: each file it replaces is
    kept (as a hard link, or a copy) until every move has succeeded, and put back if one fails."""
    kept: list[tuple[Path, Path | None]] = []  # (final, its previous content or None)
    try:
        for temp, final in moves:
            previous = None
            if final.exists():
                previous = final.with_name(f".{final.name}.{os.getpid()}.old.part")
                with contextlib.suppress(FileNotFoundError):
                    previous.unlink()
                try:
                    os.link(final, previous)
                except OSError:  # a file system without hard links
                    shutil.copy2(final, previous)
            kept.append((final, previous))
            try:
                os.replace(temp, final)
            except OSError as error:
                kept.pop()
                if previous is not None:
                    previous.unlink()
                raise _Failed(final, error) from error
    except BaseException:
        for final, previous in reversed(kept):  # undone: the old files back, the new ones gone
            with contextlib.suppress(OSError):
                if previous is None:
                    final.unlink()
                else:
                    os.replace(previous, final)
        raise
    for _, previous in kept:
        if previous is not None:
            with contextlib.suppress(OSError):
                previous.unlink()


def _remove_orphans(final: Path) -> None:
    """Temporary files of earlier builds that were killed before they could clean up."""
    for temp in final.parent.glob(f".{final.name}.*.part"):
        pid = temp.name[len(final.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not running(int(pid)):
            with contextlib.suppress(OSError):
                temp.unlink()


def running(pid: int) -> bool:
    """Whether a process with this id exists (one that left temporary files may have died)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Mixer:
    """Turns events into sample blocks: each sound at its level, panned, over the ambience."""

    def __init__(
        self,
        timeline: Timeline,
        clips: dict[str, AudioSegment],
        options: Options,
        analyses: Analyses,
    ) -> None:
        import numpy as np

        from voiceguide import loudness

        self.timeline = timeline
        self.options = options
        self.channels = 2 if options.pan_sides else 1
        self.rate = timeline.sample_rate
        self.sides = {s.index: s.side for s in timeline.steps}
        # Memory goes with the number of distinct sounds, never with the track's length: per
        # sound, its source samples (the clip's own int16), while levelling its peaks (float16)
        # and its energy per few milliseconds, and the finished sound (int16). Float copies of
        # a sound exist only while that one sound is being finished.
        meter = loudness.Meter(self.rate, timeline.length)
        sources: dict[str, np.ndarray] = {}
        gains: dict[str, float] = {}
        steps: dict[tuple[str, int], np.ndarray] = {}  # a levelled sound's step energies, by offset
        peaks: dict[str, np.ndarray] = {}
        self.placements: dict[str, list[Event]] = {}  # each sound and the events that play it
        for event in timeline.events:
            if event.sound:
                self.placements.setdefault(event.sound, []).append(event)
        made = {  # bells and tones, made on other cores while the clips' analyses are read
            key: _workers().submit(_made_sound, key, options) for key in self.placements if not key.startswith("voice:")
        }
        for key in self.placements:
            sources[key] = made[key].result() if key in made else samples(clips[key.partition(":")[2]])
            analyses.start(key, sources[key])
        for events in self.placements.values():
            event = events[0]  # the first decides its level: a phrase is speech or a breath cue
            source = event.sound.partition(":")[0]
            kind = "breath" if event.kind == "breath" and source == "voice" else source
            analysis = analyses.take(event.sound, sources[event.sound])
            measured = analysis.loudness
            gain = 10 ** ((VOICE_REFERENCE + RELATIVE_LUFS[kind] - measured) / 20) if np.isfinite(measured) else 1.0
            gains[event.sound] = gain
            for offset in {meter.snap(e.start) % meter.step for e in events}:
                steps[event.sound, offset] = meter.step_energies(offset, analysis.bins) * (gain * gain)
            peaks[event.sound] = analysis.peaks
        analyses.forget()
        ceiling = TRUE_PEAK[self.channels] / self._pan_boost()
        level, target = 1.0, TARGET_LUFS[self.channels]
        # Limiting only trims the rare peaks, so a limited sound's weighted squares are taken
        # as its unlimited ones scaled by the energy the limiter kept (off by far less than
        # 0.1 LU, and measured, not assumed, in the tests that decode the file).
        kept = dict.fromkeys(gains, 1.0)
        self.sounds: dict[str, np.ndarray] = {}

        def finish_all() -> None:  # each sound finished on a core of its own
            keys = list(gains)
            finished = _workers().map(
                _finish,
                [sources[key] for key in keys],
                [peaks[key] for key in keys],
                [gains[key] * level for key in keys],
                repeat(ceiling),
                repeat(self.rate),
            )
            for key, (sound, share) in zip(keys, finished, strict=True):
                self.sounds[key], kept[key] = sound, share

        for _ in range(LEVEL_ROUNDS):
            measured = self._measure(steps, {key: level * level * kept[key] for key in gains})
            if not np.isfinite(measured) or abs(measured - target) < LEVEL_TOLERANCE:
                break
            wanted = _level_step(level * 10 ** ((target - measured) / 20))
            if wanted == level:
                break
            level = wanted
            finish_all()
        if not self.sounds:  # no round was needed
            finish_all()
        self.ambience = Ambience(options.ambience, self.rate, level) if options.ambience else None

    def _measure(self, steps: dict[tuple[str, int], np.ndarray], scales: dict[str, float]) -> float:
        """Integrated loudness of the track, from each sound's step energies at each of its
        placements, scaled as the sound now stands."""
        from voiceguide.loudness import Meter

        meter = Meter(self.rate, self.timeline.length)
        for key, events in self.placements.items():
            for event in events:
                energies = steps[key, meter.snap(event.start) % meter.step]
                meter.add_steps(event.start, energies, scales[key] * self._pan_energy(event))
        return meter.integrated()

    def _pan(self, event: Event | None) -> tuple[float, float]:
        side = self.sides.get(event.step) if event is not None and event.step is not None else None
        return _pan_gains(side)

    def _pan_energy(self, event: Event) -> float:
        if self.channels == 1:
            return 1.0
        left, right = self._pan(event)
        return left * left + right * right

    def _pan_boost(self) -> float:
        """How much louder than mono the leaning channel plays a sound with --pan-sides."""
        return max(_pan_gains("left")) if self.channels == 2 else 1.0

    def blocks(self) -> Iterator[np.ndarray | int]:
        """The track in order: arrays of samples, or a count of samples of digital silence."""
        import numpy as np

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
            sound = self.sounds[event.sound]
            if len(sound) != event.length:
                raise RenderError(f"internal: {event.sound!r} is {len(sound)} samples, planned {event.length}")
            for at in range(0, len(sound), BLOCK):  # a block at a time: a long sound costs no more memory
                audio = sound[at : at + BLOCK] * np.float32(1 / 32767)
                if self.ambience:
                    audio = audio + self.ambience.next(len(audio))
                yield self._frame(audio, event)

    def pcm(self) -> Iterator[np.ndarray]:
        """What the encoder is given: float32 blocks of at most BLOCK samples, digital silence
        as views of one block of zeros. Float, because libsndfile 1.2 garbles int16 written to
        a stereo MP3 (peaks doubled)."""
        import numpy as np

        zeros = np.zeros((BLOCK, self.channels) if self.channels > 1 else BLOCK, dtype=np.float32)
        for block in self.blocks():
            if isinstance(block, int):
                for at in range(0, block, BLOCK):
                    yield zeros[: min(BLOCK, block - at)]
            else:  # each block is new: clipped where it lies
                block = block if block.dtype == np.float32 else block.astype(np.float32)
                yield np.clip(block, -1.0, 1.0, out=block)

    def _frame(self, mono: np.ndarray, event: Event | None = None) -> np.ndarray:
        import numpy as np

        if self.channels == 1:
            return mono
        left, right = self._pan(event)
        return np.stack([mono * left, mono * right], axis=1)


def _level_step(level: float) -> float:
    """The gain of whole LEVEL_STEPs nearest `level`."""
    import math

    return float(10 ** (round(20 * math.log10(level) / LEVEL_STEP) * LEVEL_STEP / 20))


def _made_sound(key: str, options: Options) -> np.ndarray:
    """A bell or tone as int16 samples, like a clip's."""
    import numpy as np

    from voiceguide import chime

    return np.round(chime.sound(key, options) * 32767).astype(np.int16)


def _finish(source: np.ndarray, peaks: np.ndarray, scale: float, ceiling: float, rate: int) -> tuple[np.ndarray, float]:
    """A sound at `scale`, its true peaks limited under `ceiling` (int16), and the share of its
    energy that the limiting kept. In float32: a sound's own rounding is far below its int16."""
    import numpy as np

    from voiceguide import loudness

    audio = source * np.float32(1 / 32768)
    needed = loudness.limiter_gain(peaks.astype(np.float32) * np.float32(scale), ceiling, rate)
    kept = 1.0
    if np.any(needed < 1.0):
        limited = audio * needed.astype(np.float32)
        kept = float(np.dot(limited, limited)) / max(float(np.dot(audio, audio)), 1e-12)
        audio = limited
    audio *= np.float32(scale * 32767)
    return np.rint(np.clip(audio, -32767, 32767, out=audio)).astype(np.int16), kept


def samples(clip: AudioSegment) -> np.ndarray:
    """A clip's int16 samples, shared with it, not copied."""
    import numpy as np

    return np.frombuffer(clip.raw_data, dtype=np.int16)


class Analyses:
    """Each sound's loudness, energy and peaks, made on other threads from the moment the sound
    exists (NumPy's FFTs let go of the GIL): while the voice speaks the next phrase, the last
    one is measured, and the sounds are measured on all cores at once. With a cache folder,
    each analysis is kept there and read back next time."""

    def __init__(self, rate: int, folder: Path | None) -> None:
        from voiceguide import loudness

        self.meter = loudness.Meter(rate, 0)
        self.folder = folder
        self.made: dict[str, Future[loudness.Analysis]] = {}

    def start(self, key: str, samples: np.ndarray) -> None:
        if key not in self.made:
            self.made[key] = _workers().submit(_analysis, samples, self.meter, self.folder)

    def take(self, key: str, samples: np.ndarray) -> loudness.Analysis:
        """The analysis of a sound, handed over once: memory goes to the encoder after levelling."""
        self.start(key, samples)
        return self.made.pop(key).result()

    def forget(self) -> None:
        self.made.clear()  # phrases made in case a hold had room for them, and not placed


@functools.cache
def _workers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="voiceguide-analysis")


def _analysis(samples: np.ndarray, meter: loudness.Meter, folder: Path | None) -> loudness.Analysis:
    """A sound's loudness, energy and peaks (from its int16 samples), from the cache when they
    have been found before. Finding them is most of the work outside the encoder (FFTs for
    the K-weighting and the 4× oversampled peaks), and an edited routine reuses almost all of
    its sounds."""
    import numpy as np

    from voiceguide import cache, loudness

    if folder is None:
        return loudness.analyse(samples / 32768.0, meter.rate)
    entry = cache.entry(folder, [ANALYSIS_FORMAT, meter.rate], ".npz", samples.tobytes())
    with contextlib.suppress(Exception):  # any damage at all is a miss: the analysis is made again
        with np.load(entry, allow_pickle=False) as stored:
            found = loudness.Analysis(float(stored["loudness"]), stored["bins"], stored["peaks"])
        if found.fits(len(samples), meter):
            return found
    made = loudness.analyse(samples / 32768.0, meter.rate)
    cache.write_atomic(entry, lambda out: np.savez(out, loudness=made.loudness, bins=made.bins, peaks=made.peaks))
    return made


def _pan_gains(side: str | None) -> tuple[float, float]:
    """Channel gains of the constant-power pan law toward `side`, the centre at unity."""
    import math

    position = {"left": -PAN, "right": PAN}.get(side or "", 0.0)
    angle = (position + 1) * math.pi / 4
    return math.cos(angle) * math.sqrt(2), math.sin(angle) * math.sqrt(2)


class Ambience:
    """Brown or pink noise made block by block, or a sound file looped, faded in at the start.

    The noise is seeded, so the same routine builds to the same file every time.
    """

    FADE_SECONDS = 4.0

    def __init__(self, kind: str, rate: int, voice_gain: float) -> None:
        """`kind` is brown, pink or a sound file, played AMBIENCE_DB under a voice at `voice_gain`."""
        import numpy as np

        from voiceguide.chime import load_loop

        self.kind, self.rate = kind, rate
        self.loop = None if kind in ("brown", "pink") else load_loop(Path(kind), rate)
        reference = _AMBIENCE_REFERENCE.get(self.kind, VOICE_REFERENCE)
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


def open_mp3(path: Path, rate: int, channels: int, bitrate: int) -> soundfile.SoundFile:
    """libsndfile's LAME encoder at a constant bitrate, which writes the gapless (LAME/Xing) tag."""
    import soundfile

    return soundfile.SoundFile(
        str(path),
        "w",
        samplerate=rate,
        channels=channels,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=compression_level(bitrate),
        bitrate_mode="CONSTANT",
    )


def _write_mp3(
    mixer: Mixer,
    options: Options,
    tags: bytes,
    path: Path,
    progress: Callable[[int], None] | None,
    cache_folder: Path | None,
) -> None:
    """The MP3 assembled from its encoded sounds and silent frames, checked by decoding it; or,
    where silence is not digital zero or a check fails, the whole track encoded in one run."""
    from voiceguide.assemble import SpliceError

    reason = _whole_file_reason(mixer, options)
    if reason is None:
        try:
            _spliced(mixer, options, progress, cache_folder, tags, path)
            return
        except SpliceError as error:
            reason = str(error)
    log.debug("encoding the whole track in one run: %s", reason)
    _encode(mixer, options, path, progress)
    _prepend(path, tags)


def _whole_file_reason(mixer: Mixer, options: Options) -> str | None:
    """Why the track cannot be assembled from its sounds, or None when it can."""
    from voiceguide import mp3frames

    if mixer.ambience is not None:
        return "--ambience plays under the silences, which are then no longer digital zero"
    if mixer.rate not in mp3frames.LSF_RATES:
        return f"frames of {mixer.rate} Hz are not assembled"
    return None


def _spliced(
    mixer: Mixer,
    options: Options,
    progress: Callable[[int], None] | None,
    cache_folder: Path | None,
    tags: bytes,
    path: Path,
) -> None:
    """Assemble the MP3 into the file after `tags`, then read it back from disk and check it."""
    from voiceguide import assemble, mp3frames

    placements, lengths = [], {}
    for event in mixer.timeline.events:
        if event.kind == "silence":
            continue
        sound = mixer.sounds[event.sound]
        if len(sound) != event.length:
            raise RenderError(f"internal: {event.sound!r} is {len(sound)} samples, planned {event.length}")
        lengths[event.sound] = len(sound)
        pan = mixer._pan(event) if mixer.channels == 2 else None
        placements.append(assemble.Placement(event.start, event.sound, pan))
    stream = mp3frames.Stream(mixer.rate, mixer.channels, options.bitrate)
    encoder = assemble.Encoder(stream, mixer.sounds, cache_folder)
    parts = assemble.segments(placements, lengths)
    with open(path, "wb") as out:
        out.write(tags)
        assembled = assemble.assemble(mixer.timeline.length, parts, encoder, out, progress)
    log.debug("assembled %d sounds in %d segments, %d encoded afresh", len(placements), len(parts), encoder.encoded)
    assemble.check(assembled, path, mixer.timeline.length, stream)
    encoder.keep()


def _prepend(path: Path, tags: bytes) -> None:
    data = path.read_bytes()
    with open(path, "wb") as out:
        out.write(tags)
        out.write(data)


def _encode(mixer: Mixer, options: Options, path: Path, progress: Callable[[int], None] | None) -> None:
    with open_mp3(path, mixer.rate, mixer.channels, options.bitrate) as mp3:
        for block in mixer.pcm():
            mp3.write(block)
            if progress:
                progress(len(block))


def _sidecars(timeline: Timeline, paths: dict[Path, Path]) -> None:
    """Write the cue sheet, WebVTT and LRC to the temporary files `paths` maps their names to."""
    cue = json.dumps(sidecars.cue_sheet(timeline), indent=1, ensure_ascii=False) + "\n"
    texts = (cue, sidecars.webvtt(timeline), sidecars.lrc(timeline))
    for (final, temp), text in zip(paths.items(), texts, strict=True):
        try:
            temp.write_text(text, encoding="utf-8")
        except OSError as error:
            raise _Failed(final, error) from error


def _tags(timeline: Timeline, options: Options) -> bytes:
    """The MP3's ID3v2.4 tag: title, artist, album, settings comment, and one chapter per step
    (CHAP, in time order) under tables of contents (CTOC): the top level lists one per
    section, each lists its chapters (split where there are more than a table can count)."""
    from io import BytesIO

    from mutagen.id3 import CHAP, COMM, CTOC, TALB, TIT2, TPE1, CTOCFlags

    tags = _ordered_id3()()
    tags.add(TIT2(encoding=3, text=timeline.title))
    tags.add(TPE1(encoding=3, text="voiceguide"))
    tags.add(TALB(encoding=3, text="Guided routines"))
    tags.add(COMM(encoding=3, lang="eng", desc="settings", text=options.describe()))
    rate = timeline.sample_rate
    chapters = sidecars.chapters(timeline)
    for number, (start, end, title) in enumerate(chapters, 1):
        tags.add(
            CHAP(
                element_id=f"chp{number}",
                start_time=round(start * 1000 / rate),
                end_time=round(end * 1000 / rate),
                sub_frames=[TIT2(encoding=3, text=title)],
            )
        )
    for table in sidecars.tables_of_contents(timeline, [f"chp{n}" for n in range(1, len(chapters) + 1)]):
        flags = CTOCFlags.ORDERED | (CTOCFlags.TOP_LEVEL if table.top else 0)
        tags.add(
            CTOC(
                element_id=table.element,
                flags=flags,
                child_element_ids=list(table.children),
                sub_frames=[TIT2(encoding=3, text=table.title)],
            )
        )
    out = BytesIO()
    tags.save(out, v2_version=4)
    return out.getvalue()


@functools.cache
def _ordered_id3() -> type[ID3]:
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class OrderedID3(ID3):  # type: ignore[misc]
        """Frames stored in the order they were added. mutagen sorts them by size, which
        scrambles chapters for players that list CHAP frames as stored (ffmpeg's)."""

        def _write(self, config: object) -> bytearray:
            return bytearray().join(save_frame(frame, config=config) for frame in self.values())

    return OrderedID3
