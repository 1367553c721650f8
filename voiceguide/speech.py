"""Phrases → audio clips: the offline voice (pyttsx3 on eSpeak NG) behind a narrow interface.

Which eSpeak NG is used: the library shipped in the `espeakng-loader` wheel wins whenever it is
installed, even if the system has its own, so that the same routine sounds the same on every
machine. A system libespeak-ng is used only where no wheel exists for the platform.

Nothing here touches the engine at import time; the first synthesis loads it.
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import functools
import os
import platform
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from voiceguide import cache
from voiceguide.errors import SynthesisError, UsageError
from voiceguide.model import SAMPLE_RATE, Options

if TYPE_CHECKING:
    from pydub import AudioSegment

CLIP_FORMAT = 4  # bump when clip processing changes, so old cache entries are not reused
SILENCE_DBFS = -50.0  # quieter than this at a clip's edges is trimmed away
FADE_MS = 8  # short fades on every clip edge, so no cut ever clicks
WORD_GAP = 7  # eSpeak NG's espeakWORDGAP (pyttsx3 names 7 after the old eSpeak's EMPHASIS)
SYNTH_SECONDS = 30.0  # eSpeak speaks a sentence in milliseconds; this long means it is stuck
MIN_MS_PER_WORD = 50  # a clip shorter than this per word is broken (calm speech takes ~400)
# How long eSpeak NG takes to say a phrase, in minutes times words a minute: per phoneme, per
# clause, and once. Fitted over the 535 phrases of the test routines, two voices, 90-260 wpm;
# a phrase of 12 phonemes or more then lasts 0.77-1.28 times what this predicts.
PACE_PER_PHONEME = 0.20
PACE_PER_CLAUSE = 0.87
PACE_OFFSET = -0.23
PACE_CHECKED_FROM = 12  # phonemes: shorter phrases vary too much to judge
PACE_RANGE = (0.74, 1.5)  # a clip outside these times its expected length was not spoken at the rate asked


class Synthesizer(Protocol):
    """Speaks one phrase into a WAV file. `cache_key` names everything that shapes the sound;
    `rate` is the pace asked, in eSpeak's words a minute, and `phonemes` what the voice will
    say (IPA), from which the length a clip should have at that pace is known."""

    rate: int
    language: str  # as eSpeak names it ("en-us"), to check that the voice can read the routine

    def cache_key(self) -> str: ...

    def synthesize(self, text: str, wav_path: Path) -> None: ...

    def phonemes(self, text: str) -> str: ...


_NUMBER = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty)"
COUNT_AFTER = re.compile(rf"\b(for|to|of)\s+(?={_NUMBER}\b)(?!\S+\s*(?:[-–]|to\b))", re.IGNORECASE)
RANGE_BEFORE = re.compile(rf"\b{_NUMBER}\s*$", re.IGNORECASE)


def paused_counts(text: str) -> str:
    """A count said after a short pause: "inhale for, 4, hold for, 7". eSpeak runs "for four"
    together, and a recognizer heard "far, far" for it; the pause is a comma, as plain text."""

    def pause(match: re.Match[str]) -> str:
        if RANGE_BEFORE.search(text, 0, match.start()):
            return match[0]  # "2 to 3 sets": a range, said as it stands
        return f"{match[1]}, "

    return COUNT_AFTER.sub(pause, text)


def expected_ms(text: str, phonemes: str, rate: int) -> float | None:
    """How long a phrase should last at `rate` words a minute; None for one too short to judge."""
    import unicodedata

    count = sum(1 for char in phonemes if unicodedata.category(char).startswith("L") and char not in "ˈˌːˑ")
    if count < PACE_CHECKED_FROM:
        return None
    clauses = len([part for part in re.split(r"[,;:.!?…]+|\s[-–—]\s", text) if part.strip()])
    minutes = (PACE_PER_PHONEME * count + PACE_PER_CLAUSE * max(1, clauses) + PACE_OFFSET) / rate
    return minutes * 60_000


def pace_fault(text: str, length_ms: int, synthesizer: Synthesizer) -> str | None:
    """Why a clip cannot have been spoken at the asked pace, or None when it may have been."""
    expected = expected_ms(text, synthesizer.phonemes(text), synthesizer.rate)
    if expected is None or PACE_RANGE[0] <= length_ms / expected <= PACE_RANGE[1]:
        return None
    heard = round(synthesizer.rate * expected / max(length_ms, 1))
    return f"spoke {text!r} at about {heard} words a minute, not the {synthesizer.rate} asked"


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    language: str


_engine: Espeak | None = None


def _load_espeak() -> str:
    """Make libespeak-ng loadable for pyttsx3; return which library was chosen."""
    try:
        import espeakng_loader
    except ImportError:
        return "system"
    library = espeakng_loader.get_library_path()
    # pyttsx3 opens "libespeak-ng.so.1" by name, and the wheel's library carries that soname:
    # once loaded, it is the one the dynamic loader hands back, so the wheel's copy wins. Loaded
    # locally, not with RTLD_GLOBAL: piper-tts's phonemizer carries its own eSpeak NG under the
    # same symbol names, and global ones would take its calls over (and crash it).
    ctypes.CDLL(library)
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
    return "espeakng-loader"


class Espeak:
    """eSpeak NG, driven one clip at a time in its synchronous mode through pyttsx3's bindings.

    pyttsx3 2.99's own engine starts eSpeak in its asynchronous mode, where a setting or a
    phrase is only queued for eSpeak's thread, and its run loop cancels what is still queued
    when it ends: a rate set just after the engine started (as on a rebuild where only a few
    phrases are new) was dropped about once in ten builds, leaving pyttsx3's default of 200
    words a minute, and a clip could be read before it was written. In the synchronous mode a
    setting holds once set, and a phrase is whole when the call returns.
    """

    def __init__(self) -> None:
        _load_espeak()
        try:
            from pyttsx3.drivers import _espeak
        except Exception as error:  # pyttsx3 raises a bare RuntimeError when it finds no library
            raise SynthesisError(_engine_fix(error)) from error
        self.library = _espeak
        self.sample_rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000)
        if self.sample_rate <= 0:
            raise SynthesisError(_engine_fix(RuntimeError("eSpeak NG did not start")))
        # pyttsx3 binds espeak_TextToPhonemes not at all, and espeak_GetParameter without its
        # second argument, so these are bound here.
        self.text_to_phonemes = _espeak.dll.espeak_TextToPhonemes
        self.text_to_phonemes.argtypes = (ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int)
        self.text_to_phonemes.restype = ctypes.c_char_p
        self.get_parameter = _espeak.dll.espeak_GetParameter
        self.get_parameter.argtypes = (ctypes.c_int, ctypes.c_int)
        self.get_parameter.restype = ctypes.c_int
        self.heard: list[bytes] = []
        self.deadline = 0.0
        self.stopped: BaseException | None = None
        _espeak.SetSynthCallback(self._hear)

    def voices(self) -> list[VoiceInfo]:
        found = []
        for voice in self.library.ListVoices(None):
            # eSpeak's language list starts with a priority byte, then the language's name
            language = (voice.languages or b"?")[1:].split(b"\0")[0].decode("utf-8", "replace") or "?"
            found.append(VoiceInfo(voice.identifier.decode("utf-8").lower(), voice.name.decode("utf-8"), language))
        return found

    def speak(self, text: str, wav_path: Path, voice: str, rate: int, pitch: int, word_gap: int = 0) -> None:
        """One phrase into a WAV file, at exactly this voice, rate, pitch and pause between words."""
        import wave

        self._use(voice, text)
        settings = (
            (self.library.RATE, rate),
            (self.library.PITCH, pitch),
            (self.library.VOLUME, 100),
            (WORD_GAP, word_gap),
        )
        for parameter, value in settings:
            self.library.SetParameter(parameter, value, 0)
            if self.get_parameter(parameter, 1) != value:
                raise SynthesisError(f"the voice would not take its settings for {text!r}; try another --rate")
        self.heard, self.stopped = [], None
        self.deadline = time.monotonic() + SYNTH_SECONDS
        # Plain text, never SSML markup; a pause at the end, as pyttsx3 asks for.
        status = self.library.Synth(text.encode("utf-8"), flags=self.library.ENDPAUSE | self.library.CHARS_UTF8)
        if self.stopped is not None:
            raise self.stopped
        if status != 0:
            raise SynthesisError(f"the voice failed on {text!r} (eSpeak NG error {status})")
        with wave.open(str(wav_path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(b"".join(self.heard))

    def phonemes(self, text: str, voice: str) -> str:
        """What eSpeak will say for `text` in this voice, in IPA (nothing is spoken)."""
        self._use(voice, text)
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        position = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while position.value:  # one clause a call; eSpeak moves the position on, to NULL at the end
            clauses.append(self.text_to_phonemes(ctypes.byref(position), 1, 0x02) or b"")  # UTF-8 in, IPA out
        return " ".join(clause.decode("utf-8", "replace") for clause in clauses)

    def _use(self, voice: str, text: str) -> None:
        if self.library.SetVoiceByName(voice.encode("utf-8")) != 0:
            raise SynthesisError(f"the voice {voice!r} could not be loaded for {text!r}; try another --voice")

    def _hear(self, wav: Any, samples: int, events: Any) -> int:
        """eSpeak hands over each block of sound here, in the caller's thread; 1 stops it."""
        try:
            if samples > 0:
                self.heard.append(ctypes.string_at(wav, samples * 2))
            if time.monotonic() > self.deadline:
                raise SynthesisError(f"the voice took over {SYNTH_SECONDS:g} s and was stopped")
        except BaseException as error:  # Ctrl-C too: ctypes would print and drop it
            self.stopped = error
            return 1
        return 0


def engine() -> Espeak:
    """The process's one eSpeak engine (eSpeak initialises once per process)."""
    global _engine
    if _engine is None:
        _engine = Espeak()
    return _engine


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
    return ",".join(f"{package}={installed_version(package)}" for package in ("pyttsx3", "espeakng-loader"))


def installed_version(package: str) -> str:
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
    return sorted(engine().voices(), key=lambda v: (v.language, v.id))


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


def synthesizer(options: Options, folder: Path | None) -> Synthesizer:
    """The voice `--voice` names, checked: a Piper voice file ("piper:PATH.onnx") or an eSpeak NG
    voice; `folder` keeps eSpeak's voice list and each Piper voice's measured pace."""
    from voiceguide import neural

    if neural.is_piper(options.voice):
        return neural.PiperSynthesizer(options.voice, options.rate, folder)
    if options.voice.lower().endswith(".onnx"):
        raise UsageError(f"--voice {options.voice}: a Piper voice file is given as --voice piper:{options.voice}")
    voice = resolve_voice(options.voice, folder)
    return Pyttsx3Synthesizer(voice, options.rate, options.pitch, options.word_gap)


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
    """eSpeak NG through pyttsx3's bindings. The text is passed as plain text, never as SSML."""

    def __init__(self, voice: str, rate: int, pitch: int, word_gap: int = 0) -> None:
        self.voice = voice
        self.language = voice
        self.rate = rate
        self.pitch = pitch
        self.word_gap = word_gap

    def cache_key(self) -> str:
        return (
            f"pyttsx3-espeak|{engine_version()}|voice={self.voice}|rate={self.rate}|pitch={self.pitch}"
            f"|word_gap={self.word_gap}"
        )

    def phonemes(self, text: str) -> str:
        return engine().phonemes(text, self.voice)

    def synthesize(self, text: str, wav_path: Path) -> None:
        engine().speak(paused_counts(text), wav_path, self.voice, self.rate, self.pitch, self.word_gap)


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
        """A new clip. One that comes back empty, too short for its words, or at a pace far from
        the one asked is made once more; then the build fails naming it: a cue must never
        silently become silence, nor be kept hurried. The pace check is an estimate, so a pace
        that the voice repeats exactly is its own, and is kept."""
        fault = f"produced no usable sound for {text!r}; try another --voice"
        first: int | None = None
        for attempt in range(2):
            try:
                clip = self._speak(text)
            except SynthesisError:
                if attempt:
                    raise
                continue
            finally:
                self.synthesized += 1
            if clip is not None:
                pace = pace_fault(text, len(clip), self.synthesizer)
                if pace is None or (first is not None and abs(len(clip) - first) <= max(20, first // 50)):
                    return clip
                fault, first = f"{pace}; try again, or another --voice", len(clip)
        raise SynthesisError(f"the voice {fault}")

    def _speak(self, text: str) -> AudioSegment | None:
        """The phrase spoken, trimmed and faded; None if it came back empty or too short."""
        AudioSegment = pydub().AudioSegment

        with tempfile.TemporaryDirectory(prefix="voiceguide-") as tmp:
            wav = Path(tmp) / "clip.wav"
            self.synthesizer.synthesize(text, wav)
            if not wav.exists() or wav.stat().st_size <= 44:
                return None
            raw = AudioSegment.from_wav(wav).set_channels(1).set_sample_width(2)
            clip = finish_clip(raw.set_frame_rate(SAMPLE_RATE))
        return clip if len(clip) >= MIN_MS_PER_WORD * max(1, len(text.split())) else None


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


def trimmed_ms(samples: Any, rate: int) -> float:
    """How long float samples last once their silent edges are trimmed, as finish_clip trims."""
    import numpy as np

    loud = np.flatnonzero(np.abs(samples) > 10 ** (SILENCE_DBFS / 20))
    return 1000 * (loud[-1] + 1 - loud[0]) / rate if len(loud) else 0.0


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
