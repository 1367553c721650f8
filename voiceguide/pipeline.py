"""The whole path, one function per command: source → Routine → Timeline → MP3 and sidecars."""

from __future__ import annotations

import errno
import html
import re
import shutil
import sys
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import lexicon, routine_file
from voiceguide import plan as planner
from voiceguide.errors import RenderError, RoutineError, UsageError
from voiceguide.model import Options, Routine, Step, Timeline

if TYPE_CHECKING:
    from pydub import AudioSegment

    from voiceguide import speech
from voiceguide.parse import parse_text, sentences

BUILTIN = "foot_reflexology.txt"
ROUTINE_SUFFIXES = (".yaml", ".yml")
MAX_TEXT_BYTES = 2_000_000
STDIN = "<stdin>"  # how standard input is named in messages


@dataclass(frozen=True)
class Progress:
    """Callbacks the CLI hands in for its progress bar; the library never prints."""

    start: Callable[[str, int], None]
    advance: Callable[[int], None]


def read_source(source: Path | None) -> tuple[str, str]:
    """The text of a routine and the name to report it by; no source is the built-in routine,
    `-` is standard input."""
    if source is None:
        text = resources.files("voiceguide.data").joinpath(BUILTIN).read_text(encoding="utf-8")
        return text, BUILTIN
    if is_stdin(source):
        data = sys.stdin.buffer.read(MAX_TEXT_BYTES + 1)
        _check_size(len(data), STDIN)
        return decode(data, STDIN), STDIN
    name = str(source)
    if not source.exists():
        raise UsageError(f"{name}: no such file; give a routine text (.txt, .md) or routine file (.yaml)")
    if source.is_dir():
        raise UsageError(f"{name}: is a folder; give a routine text or routine file inside it")
    try:
        data = source.read_bytes()
    except OSError as error:
        raise RoutineError(f"cannot be read ({error.strerror}); check its permissions", name) from None
    _check_size(len(data), name)
    return decode(data, name), name


def is_stdin(source: Path | None) -> bool:
    return source is not None and str(source) == "-"


def _check_size(size: int, name: str) -> None:
    if size > MAX_TEXT_BYTES:
        more = "more than " if name == STDIN else ""
        raise RoutineError(
            f"{more}{size // 1000} kB is more than the {MAX_TEXT_BYTES // 1000} kB a routine may have", name
        )


def decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RoutineError("starts like UTF-16 text but is damaged; save it again as UTF-8", name) from None
    if b"\x00" in data:
        raise RoutineError("looks like binary data, not text; give a routine written as text", name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        warnings.warn(f"{name}:{line}: not UTF-8; read as Windows-1252 (save it as UTF-8 to be sure)", stacklevel=2)
        return data.decode("cp1252", errors="replace")


def load_routine(source: Path | None) -> Routine:
    if source is not None and source.suffix.lower() in ROUTINE_SUFFIXES:
        return routine_file.loads(*read_source(source))
    return from_text(*read_source(source))


def from_text(text: str, name: str) -> Routine:
    """A routine text (already decoded) read into a Routine, or a one-line error naming it."""
    text = html.unescape(text)  # text copied from a web page: "&amp;" is "&", "&nbsp;" a space
    if not text.strip():
        raise RoutineError("is empty; write the routine's steps in it", name)
    _check_counts(text, name)
    # Standard input has no file name to take a title from.
    routine = replace(parse_text(text, "" if name == STDIN else name), source=name)
    if not routine.instructions:
        raise RoutineError(
            "found no instruction to guide (steps are sentences like 'Press the point for one minute.')", name
        )
    return routine


# Only a sentence with a number of three digits, "hundred" or sets (3 sets of 400) can ask for
# more than a thousand repetitions.
_BIG_COUNT = re.compile(r"\d{3}|hundred|\bsets?\b", re.IGNORECASE)


def _check_counts(text: str, name: str) -> None:
    """Refuse a count over MAX_REPEAT before parsing: "continue for 100000 rounds" would have
    the parser write the list out that many times."""
    if not _BIG_COUNT.search(text):
        return
    for offset, sentence in sentences(text):
        found = lexicon.find_repeat(sentence) if _BIG_COUNT.search(sentence) else None
        if found and found.value > planner.MAX_REPEAT:
            raise RoutineError(
                f"'{found.phrase}' is more than the {planner.MAX_REPEAT} repetitions a routine may ask for; "
                "write a smaller count",
                name,
                text.count("\n", 0, offset) + 1,
            )


def prepare(source: Path | None, options: Options) -> Routine:
    return planner.apply_options(load_routine(source), options)


@dataclass(frozen=True)
class PlanResult:
    routine: Routine  # with the options applied
    timeline: Timeline
    heard: tuple[Step, ...]  # the steps the listener hears, as plan lists them and build counts them


def plan(
    source: Path | None, options: Options, save_to: Path | None = None, progress: Progress | None = None
) -> PlanResult:
    """The routine as it will be heard, timed to the sample exactly as `build` times it (the
    phrases are spoken, or read from the cache, and measured); with `save_to`, also write the
    editable routine file."""
    from voiceguide import cache

    if save_to is not None:
        _check_routine_file_name(save_to)
    loaded = load_routine(source)
    routine = planner.apply_options(loaded, options)
    timeline = lay_out(routine, options, speaker(routine, options, cache.folder()), progress)
    if save_to is not None:
        save(loaded, options, save_to)
    return PlanResult(routine, timeline, planner.heard(routine, timeline, options))


def save(routine: Routine, options: Options, path: Path) -> None:
    """Write the editable routine file: the whole routine, with the duration overrides given
    (--hold, --set, --scale, --breath) written in; --only and --preview do not cut it."""
    _check_routine_file_name(path)
    whole = planner.apply_options(routine, replace(options, only=None, preview=False))
    try:
        routine_file.save(whole, path)
    except OSError as error:
        raise _write_error(path, error) from None


def _check_routine_file_name(path: Path) -> None:
    if path.suffix.lower() not in ROUTINE_SUFFIXES:
        raise UsageError(f"{path}: the routine file must end in .yaml")


def slug(text: str) -> str:
    """A file name from a title: its words, letters of every alphabet kept ("épaule" stays)."""
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text).lower())
    return "-".join(words)[:60] or "routine"


def default_output(source: Path | None, routine: Routine) -> Path:
    name = slug(source.stem if source is not None and not is_stdin(source) else routine.title)
    return Path("output") / f"{name}.mp3"


@dataclass(frozen=True)
class BuildResult:
    mp3: Path
    timeline: Timeline
    routine: Routine
    synthesized: int
    heard: tuple[Step, ...] = ()  # the steps the listener hears


def build(
    source: Path | None,
    options: Options,
    output: Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    from voiceguide import cache, render

    routine = prepare(source, options)
    out = output or default_output(source, routine)
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; give a file name such as {out / 'routine.mp3'}")
    if out.suffix.lower() != ".mp3":
        raise UsageError(f"{out}: the output must be an .mp3 file")
    if options.bitrate not in render.BITRATES:
        raise UsageError(f"--bitrate must be one of {', '.join(map(str, render.BITRATES))} kbps, got {options.bitrate}")
    outputs = render.Outputs.beside(out)
    outputs.refuse_replacing(source)
    cache_folder = cache.folder() if use_cache else None
    bank = speaker(routine, options, cache_folder)
    if output is not None and not out.parent.is_dir():
        raise RenderError(f"{out.parent}: output folder does not exist; create it or choose another -o")
    analyses = render.Analyses(options.sample_rate, cache_folder)
    timeline = lay_out(
        routine, options, bank, progress, ready=lambda text, clip: analyses.start(f"voice:{text}", render.samples(clip))
    )
    if output is None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)  # only once the build can go ahead
        except OSError as error:
            raise RenderError(f"{out.parent}: cannot make the output folder ({error.strerror})") from None
    needed = _needed_bytes(timeline, options)
    if _free_bytes(out.parent) < needed:
        raise _disk_full(out, needed)
    if progress:
        progress.start("Encoding", timeline.length)
    try:
        advance = progress.advance if progress else None
        render.render(timeline, bank.clips, options, outputs, advance, analyses, cache_folder)
    except RenderError as error:
        cause = error.__cause__
        if _no_space(cause) or _free_bytes(out.parent) < needed:
            raise _disk_full(out, needed) from cause
        raise
    return BuildResult(out, timeline, routine, bank.synthesized, planner.heard(routine, timeline, options))


def speaker(routine: Routine, options: Options, cache_folder: Path | None) -> speech.ClipBank:
    """The voice that will speak the routine, checked against it (a known voice that can read its
    alphabet), with its clips kept in `cache_folder`."""
    from voiceguide import speech

    synthesizer = speech.synthesizer(options, cache_folder)
    speech.check_language(synthesizer.language, [routine.title, *(step.text for step in routine.steps)])
    return speech.ClipBank(synthesizer, cache_folder)


def lay_out(
    routine: Routine,
    options: Options,
    bank: speech.ClipBank,
    progress: Progress | None = None,
    ready: Callable[[str, AudioSegment], None] | None = None,
) -> Timeline:
    """The one timeline `plan` shows and `build` renders: every phrase spoken (or read from the
    cache) and measured to the sample. eSpeak speaks about a thousand times faster than real
    time, so even a first plan takes a moment; a plan then a build speak each phrase once."""
    texts = planner.phrases(routine, options)
    if progress:
        progress.start("Speaking", len(texts))
    bank.prepare(texts, progress.advance if progress else None, ready=ready)
    timeline = planner.build_timeline(routine, options, _measure(bank.clips, options))
    planner.check_total(timeline.length / timeline.sample_rate, options)
    return timeline


def _measure(clips: dict[str, AudioSegment], options: Options) -> planner.Measure:
    from voiceguide.chime import sound_length

    def measure(sound: str) -> int:
        source, _, name = sound.partition(":")
        return int(clips[name].frame_count()) if source == "voice" else sound_length(sound, options)

    return measure


def _needed_bytes(timeline: Timeline, options: Options) -> int:
    """Room the outputs need while they are written: the constant-bitrate MP3 and its tags, the
    cue sheet and transcripts (a few hundred bytes an event), with a margin."""
    seconds = timeline.length / timeline.sample_rate
    return round(seconds * options.bitrate * 125 * 1.05) + 600 * len(timeline.events) + 1_000_000


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62  # cannot tell: let the write itself say


def _no_space(error: BaseException | None) -> bool:
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def _disk_full(path: Path, needed: int) -> RenderError:
    free = _free_bytes(path.parent)
    return RenderError(
        f"{path}: the disk is full ({free / 1e6:.1f} MB free, the build needs about {needed / 1e6:.0f} MB); "
        "free some space or write elsewhere with -o"
    )


def _write_error(path: Path, error: OSError) -> RenderError:
    if _no_space(error):
        return RenderError(f"{path}: the disk is full; free some space or save it elsewhere")
    return RenderError(f"{path}: could not write ({error.strerror or error})")
