"""Phrases → audio clips: the offline voice (pyttsx3 on eSpeak NG) behind a narrow interface.

Which eSpeak NG is used: the library shipped in the `espeakng-loader` wheel wins whenever it is
installed, even if the system has its own, so that the same routine sounds the same on every
machine. A system libespeak-ng is used only where no wheel exists for the platform.

Nothing here touches the engine at import time; the first synthesis loads it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import difflib
import functools
import gc
import io
import os
import platform
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from voiceguide import cache
from voiceguide.errors import SynthesisError, UsageError
from voiceguide.model import SAMPLE_RATE

if TYPE_CHECKING:
    from pydub import AudioSegment

CLIP_FORMAT = 2  # bump when clip processing changes, so old cache entries are not reused
SILENCE_DBFS = -50.0  # quieter than this at a clip's edges is trimmed away
FADE_MS = 8  # short fades on every clip edge, so no cut ever clicks
SYNTH_SECONDS = 30.0  # eSpeak speaks a sentence in milliseconds; this long means it is stuck
MIN_MS_PER_WORD = 50  # a clip shorter than this per word is broken (calm speech takes ~400)


class Synthesizer(Protocol):
    """Speaks one phrase into a WAV file; `cache_key` names everything that shapes the sound."""

    def cache_key(self) -> str: ...

    def synthesize(self, text: str, wav_path: Path) -> None: ...


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    language: str


_engine: Any = None


def _load_espeak() -> str:
    """Make libespeak-ng loadable for pyttsx3; return which library was chosen."""
    try:
        import espeakng_loader
    except ImportError:
        return "system"
    library = espeakng_loader.get_library_path()
    # pyttsx3 opens "libespeak-ng.so.1" by name; a library already loaded with that soname and
    # RTLD_GLOBAL is the one the dynamic loader hands back, so the wheel's copy wins.
    ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
    return "espeakng-loader"


def engine() -> Any:
    """The process's one pyttsx3 engine on eSpeak (eSpeak initialises once per process)."""
    global _engine
    if _engine is None:
        _load_espeak()
        try:
            import pyttsx3

            # pyttsx3 prints while it starts on some platforms: keep our stdout clean.
            with contextlib.redirect_stdout(io.StringIO()):
                _engine = pyttsx3.init(driverName="espeak")
        except Exception as error:  # pyttsx3 raises bare RuntimeError/OSError/ImportError
            raise SynthesisError(_engine_fix(error)) from error
        atexit.register(_release_engine)
    return _engine


def _release_engine() -> None:
    """Drop the engine while modules are still alive: pyttsx3 2.99's DriverProxy.__del__ uses
    `contextlib` and prints an AttributeError to stderr when it runs during interpreter teardown."""
    global _engine
    _engine = None
    gc.collect()


def _engine_fix(error: Exception) -> str:
    system = platform.system()
    if system == "Linux":
        hint = "reinstall with `pip install -e .` (it brings espeakng-loader) or `apt install libespeak-ng1`"
    elif system == "Darwin":
        hint = "reinstall with `pip install -e .` or `brew install espeak-ng`"
    else:
        hint = "reinstall with `pip install -e .` or install eSpeak NG from its releases page"
    return f"no usable speech engine ({error}); {hint}"


@functools.cache
def engine_version() -> str:
    return ",".join(f"{package}={_installed_version(package)}" for package in ("pyttsx3", "espeakng-loader"))


def _installed_version(package: str) -> str:
    """The version in the name of an installed package's `NAME-VERSION.dist-info` folder. This
    is what importlib.metadata reads too, but importing that takes longer than a rebuild
    spends reading all its cached clips."""
    import sys

    prefix = package.replace("-", "_") + "-"
    for folder in map(Path, sys.path):
        for info in folder.glob(f"{prefix}*.dist-info") if folder.is_dir() else ():
            return info.name[len(prefix) : -len(".dist-info")]
    return "none"


def voices() -> list[VoiceInfo]:
    found = engine().getProperty("voices")
    return sorted(
        (VoiceInfo(v.id, v.name, (v.languages or ["?"])[0]) for v in found),
        key=lambda v: (v.language, v.id),
    )


def variants() -> list[str]:
    """eSpeak NG voice variants ("+f2", "+m3", "+whisper"), from its data folder."""
    engine()  # which sets the data folder
    data = os.environ.get("ESPEAK_DATA_PATH")
    if not data:
        return []
    folder = Path(data) / "voices" / "!v"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def catalogue(folder: Path | None) -> tuple[list[VoiceInfo], list[str]]:
    """The voices and variants, kept in the cache folder when one is given: the wheel's list
    changes only with its version, and a rebuild from cached clips then never starts the engine."""
    import json

    version = engine_version()
    if folder is None or version.endswith("espeakng-loader=none"):  # a system eSpeak NG may change
        return voices(), variants()
    entry = cache.entry(folder, ["voices", version], ".json")
    with contextlib.suppress(Exception):  # any damage at all is a miss: the list is read again
        stored = json.loads(entry.read_text(encoding="utf-8"))
        return [VoiceInfo(*v) for v in stored["voices"]], [str(v) for v in stored["variants"]]
    found = voices(), variants()
    text = json.dumps({"voices": [[v.id, v.name, v.language] for v in found[0]], "variants": found[1]})
    cache.write_atomic(entry, lambda out: out.write(text.encode()))
    return found


def resolve_voice(voice: str, folder: Path | None = None) -> str:
    """Check a voice such as "gmw/en-us+f2" or "en-gb" against the engine (its list kept in
    `folder` if given); suggest on a miss."""
    if voice.lower().startswith(("mb/", "mb-")):
        raise UsageError(f"voice {voice!r} is an MBROLA voice, which needs MBROLA installed; pick another")
    base, _, variant = voice.partition("+")
    known, found_variants = catalogue(folder)
    ids = {v.id.lower(): v.id for v in known}
    short = {v.id.lower().split("/")[-1]: v.id for v in known}
    names = {v.name.lower(): v.id for v in known}
    key = base.lower()
    match = ids.get(key) or short.get(key) or names.get(key)
    if match is None:
        close = difflib.get_close_matches(key, list(short) + list(names), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"unknown voice {voice!r}{hint} (`voiceguide voices` lists them)")
    if variant:
        available = {v.lower(): v for v in found_variants}
        if not available:
            return f"{match}+{variant}"  # a system eSpeak NG whose data folder is not known: trust it
        if variant.lower() not in available:
            close = difflib.get_close_matches(variant.lower(), list(available), n=3, cutoff=0.6)
            hint = f"; did you mean +{', +'.join(close)}?" if close else ""
            raise UsageError(f"unknown voice variant '+{variant}'{hint} (`voiceguide voices` lists them)")
        return f"{match}+{available[variant.lower()]}"
    return match


# Languages eSpeak NG speaks that are not written in the Latin alphabet, by script.
_SCRIPT_LANGUAGES = {
    "CYRILLIC": {"ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "tt", "ba", "cv", "mn"},
    "GREEK": {"el", "grc"},
    "CJK": {"cmn", "yue", "hak", "ja", "zh"},
    "HIRAGANA": {"ja"},
    "KATAKANA": {"ja"},
    "HANGUL": {"ko"},
    "ARABIC": {"ar", "fa", "ur", "ps", "sd", "ug", "ku"},
    "HEBREW": {"he"},
    "DEVANAGARI": {"hi", "mr", "ne", "sa", "kok", "bpy"},
    "BENGALI": {"bn", "as"},
    "TAMIL": {"ta"},
    "TELUGU": {"te"},
    "THAI": {"th"},
    "GEORGIAN": {"ka"},
    "ARMENIAN": {"hy"},
}


def check_language(voice: str, texts: Iterable[str]) -> None:
    """Refuse a voice that cannot read the routine's alphabet (an English voice on Russian text
    reads every word as a spelled-out letter name, or says nothing)."""
    import unicodedata

    counts: dict[str, int] = {}
    for text in texts:
        for char in text:
            if char.isalpha():
                script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
                script = "CJK" if script.startswith("CJK") else script
                counts[script] = counts.get(script, 0) + 1
    if not counts:
        return
    script = max(counts, key=lambda name: counts[name])
    language = voice.split("/")[-1].split("+")[0].split("-")[0].lower()
    writes = {lang for langs in _SCRIPT_LANGUAGES.values() for lang in langs}
    if script == "LATIN" and language not in writes:
        return
    if script in _SCRIPT_LANGUAGES and language in _SCRIPT_LANGUAGES[script]:
        return
    if script == "LATIN" or script in _SCRIPT_LANGUAGES:
        alphabet = script.title()
        raise UsageError(f"voice {voice!r} cannot read this routine's {alphabet} text; choose one with --voice")


class Pyttsx3Synthesizer:
    """pyttsx3's eSpeak driver. The text is passed as plain text, never as SSML markup."""

    def __init__(self, voice: str, rate: int, pitch: int) -> None:
        self.voice = voice
        self.rate = rate
        self.pitch = pitch

    def cache_key(self) -> str:
        return f"pyttsx3-espeak|{engine_version()}|{self.voice}|{self.rate}|{self.pitch}"

    def synthesize(self, text: str, wav_path: Path) -> None:
        tts = engine()
        tts.setProperty("voice", self.voice)
        tts.setProperty("rate", self.rate)
        tts.setProperty("pitch", self.pitch)
        # pyttsx3 2.99 keeps only the last of several queued save_to_file calls, so one clip
        # per runAndWait; and it prints "Audio saved to …" on stdout, which is the CLI's.
        with contextlib.redirect_stdout(io.StringIO()), _time_limit(SYNTH_SECONDS, text):
            try:
                tts.save_to_file(text, str(wav_path))
                tts.runAndWait()
            except RuntimeError as error:  # pyttsx3's own faults ("run loop already started")
                raise SynthesisError(f"the voice failed on {text!r} ({error})") from error


@contextlib.contextmanager
def _time_limit(seconds: float, text: str) -> Iterator[None]:
    """Stop waiting for a clip that never comes back (Unix main thread; elsewhere, no limit)."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise SynthesisError(f"the voice took over {seconds:g} s on {text!r} and was stopped")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ClipBank:
    """Synthesizes each distinct phrase once, trims and fades it, and caches it on disk.

    Each clip is a WAV entry in the cache (see cache.py), named by the hash of the phrase and
    everything about the voice that shapes it.
    """

    def __init__(self, synthesizer: Synthesizer, folder: Path | None) -> None:
        self.synthesizer = synthesizer
        self.folder = folder
        self.clips: dict[str, AudioSegment] = {}
        self.synthesized = 0

    def prepare(
        self,
        texts: Iterable[str],
        progress: Callable[[int], None] | None = None,
        ready: Callable[[str, AudioSegment], None] | None = None,
    ) -> None:
        """Make each phrase's clip; `ready(text, clip)` hears of each distinct one as it is made."""
        for text in texts:
            if text not in self.clips:
                self.clips[text] = self._clip(text)
                if ready:
                    ready(text, self.clips[text])
            if progress:
                progress(1)

    def _entry(self, text: str) -> Path | None:
        if self.folder is None:
            return None
        return cache.entry(self.folder, [CLIP_FORMAT, self.synthesizer.cache_key(), text], ".wav")

    def _clip(self, text: str) -> AudioSegment:
        entry = self._entry(text)
        if entry is not None and entry.exists():
            cached = _read_clip(entry)
            if cached is not None:
                return cached
        clip = self._synthesize(text)
        if entry is not None:
            cache.write_atomic(entry, lambda out: clip.export(out, format="wav"))
        return clip

    def _synthesize(self, text: str) -> AudioSegment:
        AudioSegment = pydub().AudioSegment

        with tempfile.TemporaryDirectory(prefix="voiceguide-") as tmp:
            wav = Path(tmp) / "clip.wav"
            # A clip that comes back empty or too short for its words is tried once more, then
            # the build fails naming it: a cue must never silently become silence.
            shortest = MIN_MS_PER_WORD * max(1, len(text.split()))
            for attempt in range(2):
                wav.unlink(missing_ok=True)
                try:
                    self.synthesizer.synthesize(text, wav)
                except SynthesisError:
                    _release_engine()  # a stopped run loop cannot be used again: start afresh
                    if attempt:
                        raise
                    continue
                finally:
                    self.synthesized += 1
                if wav.exists() and wav.stat().st_size > 44:
                    raw = AudioSegment.from_wav(wav).set_channels(1).set_sample_width(2)
                    clip = finish_clip(raw.set_frame_rate(SAMPLE_RATE))
                    if len(clip) >= shortest:
                        return clip
        raise SynthesisError(f"the voice produced no usable sound for {text!r}; try another --voice")


def pydub() -> Any:
    """pydub, imported quietly: it warns at import when ffmpeg is missing, which is fine here
    (only WAV is read through it; MP3 is encoded by soundfile)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
        import pydub as module
    return module


def finish_clip(clip: AudioSegment) -> AudioSegment:
    """Trim silent edges to the sample and fade both ends."""
    import numpy as np

    samples = np.frombuffer(clip.raw_data, dtype=np.int16)
    threshold = 32768 * 10 ** (SILENCE_DBFS / 20)
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if len(loud) == 0:
        return clip[:0]
    trimmed = clip._spawn(samples[loud[0] : loud[-1] + 1].tobytes())
    return trimmed.fade_in(FADE_MS).fade_out(FADE_MS)


def _read_clip(entry: Path) -> AudioSegment | None:
    """A cached clip, or None for an entry that is damaged in any way (then it is made again).

    Read with the standard `wave` module: pydub would hand a damaged file to ffprobe."""
    import wave

    try:
        with wave.open(str(entry), "rb") as wav:
            shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error):
        return None
    if shape != (1, 2, SAMPLE_RATE) or len(frames) < SAMPLE_RATE // 10 or len(frames) % 2:
        return None
    return pydub().AudioSegment(data=frames, sample_width=2, frame_rate=SAMPLE_RATE, channels=1)
