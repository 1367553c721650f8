"""The whole path, one function per command: source → Routine → Timeline → MP3 and sidecars."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import plan as planner
from voiceguide import routine_file
from voiceguide.errors import RenderError, RoutineError, UsageError
from voiceguide.model import Options, Routine, Timeline

if TYPE_CHECKING:
    from pydub import AudioSegment
from voiceguide.parse import parse_text

BUILTIN = "foot_reflexology.txt"
ROUTINE_SUFFIXES = (".yaml", ".yml")
MAX_TEXT_BYTES = 2_000_000


@dataclass(frozen=True)
class Progress:
    """Callbacks the CLI hands in for its progress bar; the library never prints."""

    start: Callable[[str, int], None]
    advance: Callable[[int], None]


def read_source(source: Path | None) -> tuple[str, str]:
    """The text of a routine and the name to report it by; no source is the built-in routine."""
    if source is None:
        text = resources.files("voiceguide.data").joinpath(BUILTIN).read_text(encoding="utf-8")
        return text, BUILTIN
    name = str(source)
    if not source.exists():
        raise UsageError(f"{name}: no such file; give a routine text (.txt, .md) or routine file (.yaml)")
    if source.is_dir():
        raise UsageError(f"{name}: is a folder; give a routine text or routine file inside it")
    try:
        data = source.read_bytes()
    except OSError as error:
        raise RoutineError(f"cannot be read ({error.strerror}); check its permissions", name) from None
    if len(data) > MAX_TEXT_BYTES:
        raise RoutineError(
            f"{len(data) // 1000} kB is more than the {MAX_TEXT_BYTES // 1000} kB a routine may have", name
        )
    return decode(data, name), name


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
    text, name = read_source(source)
    if not text.strip():
        raise RoutineError("is empty; write the routine's steps in it", name)
    routine = parse_text(text, name)
    if not routine.instructions:
        raise RoutineError(
            "found no instruction to guide (steps are sentences like 'Press the point for one minute.')", name
        )
    return routine


def prepare(source: Path | None, options: Options) -> Routine:
    return planner.apply_options(load_routine(source), options)


def plan(source: Path | None, options: Options) -> tuple[Routine, Timeline]:
    routine = prepare(source, options)
    return routine, planner.build_timeline(routine, options, planner.estimate(options))


def save(source: Path | None, options: Options, path: Path) -> None:
    """Write the editable routine file: the whole routine, with the duration overrides given
    (--hold, --set, --scale, --breath) written in; --only and --preview do not cut it."""
    if path.suffix.lower() not in ROUTINE_SUFFIXES:
        raise UsageError(f"{path}: the routine file must end in .yaml")
    routine = prepare(source, replace(options, only=None, preview=False))
    try:
        routine_file.save(routine, path)
    except OSError as error:
        raise RenderError(f"{path}: could not write ({error.strerror})") from None


def slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words)[:60] or "routine"


def default_output(source: Path | None, routine: Routine) -> Path:
    name = slug(source.stem if source is not None else routine.title)
    return Path("output") / f"{name}.mp3"


@dataclass(frozen=True)
class BuildResult:
    mp3: Path
    timeline: Timeline
    routine: Routine
    synthesized: int


def build(
    source: Path | None,
    options: Options,
    output: Path | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> BuildResult:
    from voiceguide import cache, render, speech

    routine = prepare(source, options)
    out = output or default_output(source, routine)
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; give a file name such as {out / 'routine.mp3'}")
    if out.suffix.lower() != ".mp3":
        raise UsageError(f"{out}: the output must be an .mp3 file")
    if options.bitrate not in render.BITRATES:
        raise UsageError(f"--bitrate must be one of {', '.join(map(str, render.BITRATES))} kbps, got {options.bitrate}")
    cache_folder = cache.folder() if use_cache else None
    synthesizer = speech.synthesizer(options, cache_folder)
    speech.check_language(synthesizer.language, [routine.title, *(step.text for step in routine.steps)])
    texts = planner.phrases(routine, options)
    if output is None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)  # only once the build can go ahead
        except OSError as error:
            raise RenderError(f"{out.parent}: cannot make the output folder ({error.strerror})") from None
    elif not out.parent.is_dir():
        raise RenderError(f"{out.parent}: output folder does not exist; create it or choose another -o")
    bank = speech.ClipBank(synthesizer, cache_folder)
    analyses = render.Analyses(options.sample_rate, cache_folder)
    if progress:
        progress.start("Speaking", len(texts))
    bank.prepare(
        texts,
        progress.advance if progress else None,
        ready=lambda text, clip: analyses.start(f"voice:{text}", render.samples(clip)),
    )
    measure = _measure(bank.clips, options)
    timeline = planner.build_timeline(routine, options, measure)
    if progress:
        progress.start("Encoding", timeline.length)
    outputs = render.Outputs.beside(out)
    render.render(timeline, bank.clips, options, outputs, progress.advance if progress else None, analyses)
    return BuildResult(out, timeline, routine, bank.synthesized)


def _measure(clips: dict[str, AudioSegment], options: Options) -> planner.Measure:
    from voiceguide.chime import sound_length

    def measure(sound: str) -> int:
        source, _, name = sound.partition(":")
        return int(clips[name].frame_count()) if source == "voice" else sound_length(sound, options)

    return measure
