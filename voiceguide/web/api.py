"""What the page asks for, in plain Python: a request's JSON → the pipeline → JSON and files.

No web framework here: `app.py` adapts this to HTTP as `cli.py` adapts the pipeline to a
terminal. A request names no path: a pasted routine is written into the server's own
temporary folder under a name the server chooses, and each file a build makes is served only
by an opaque id from `Workspace.files`.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
import shutil
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from voiceguide import pipeline, sidecars
from voiceguide.errors import RoutineError, UsageError, VoiceguideError
from voiceguide.model import Options
from voiceguide.options import from_given

# The settings a request may change, by kind of value. Sound files (--chime-file, a file as
# --ambience) are left to the command line: the server never opens a path a request names.
NUMBERS = ("hold", "scale", "lead_in", "prep", "max_hold")
WHOLE_NUMBERS = ("rate", "bitrate", "only")
SWITCHES = ("no_breath", "no_intro", "pan_sides", "preview")
MAYBE_SWITCHES = ("halfway", "countdown")  # true, false, or null for automatic
WORDS = ("voice", "breath_cue", "chime", "ambience")
PER_STEP = {"set_holds": "--set", "set_repeats": "--repeat"}  # {"STEP": value}
KNOWN = (*NUMBERS, *WHOLE_NUMBERS, *SWITCHES, *MAYBE_SWITCHES, *WORDS, "breath", *PER_STEP)
NOISES = ("brown", "pink")
# Options a built routine file does not carry (the holds, repeats and breath pace are written
# into it): the command line needs these flags to render it as the page did.
NOT_IN_THE_FILE = (
    "voice",
    "rate",
    "no_breath",
    "breath_cue",
    "halfway",
    "countdown",
    "chime",
    "ambience",
    "pan_sides",
    "no_intro",
    "lead_in",
    "prep",
    "bitrate",
    "max_hold",
)
UNNAMED = "routine"  # how messages name a routine given without a file name
KEEP_BUILDS = 8  # older builds' files are deleted, and their addresses answer 404
FILE_TYPES = {
    ".mp3": "audio/mpeg",
    ".json": "application/json",
    ".vtt": "text/vtt; charset=utf-8",
    ".lrc": "text/plain; charset=utf-8",
    ".yaml": "application/yaml; charset=utf-8",
}


class RequestError(UsageError):
    """A request the API cannot read (not the routine's or the options' fault)."""


@dataclass(frozen=True)
class Source:
    """A routine as a request gave it: text with the name it is reported by."""

    text: str
    name: str  # shown in messages in place of the server's own file name
    routine_file: bool  # YAML, read as `voiceguide build FILE.yaml` reads it
    places: dict[int, str] = field(default_factory=dict)  # line → "sections[0].steps[2]" for a routine object


@dataclass(frozen=True)
class Request:
    source: Source
    options: Options


@dataclass(frozen=True)
class Served:
    path: Path
    media_type: str
    filename: str


@dataclass
class BuildProgress:
    """What the one running build is doing, for the page's progress bar."""

    stage: str | None = None
    done: int = 0
    total: int = 0
    waiting: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "done": self.done, "total": self.total, "waiting": self.waiting}


def read_request(body: Any) -> Request:
    """The routine and options of a request body, checked as the command line checks them."""
    if not isinstance(body, dict):
        raise RequestError('the body must be a JSON object like {"text": "...", "options": {}}')
    unknown = set(body) - {"text", "name", "routine", "options"}
    if unknown:
        raise RequestError(f"unknown field {sorted(unknown)[0]!r}; give text or routine, and options")
    return Request(read_source(body), read_options(body.get("options")))


def read_source(body: dict[str, Any]) -> Source:
    text, routine = body.get("text"), body.get("routine")
    if (text is None) == (routine is None):
        raise RequestError('give the routine as "text" (text, Markdown or YAML) or as "routine" (an object)')
    if routine is not None:
        if not isinstance(routine, dict):
            raise RequestError('"routine" must be an object with title and sections, as in a routine file')
        text, places = routine_yaml(routine)
        return Source(text, UNNAMED, True, places)
    if not isinstance(text, str):
        raise RequestError('"text" must be a string')
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise RequestError('"name" must be a string, the file name the routine came from')
    shown = Path(name or "").name or UNNAMED
    is_yaml = shown.lower().endswith(pipeline.ROUTINE_SUFFIXES) if name else looks_like_routine_file(text)
    return Source(text, shown, is_yaml)


def routine_yaml(routine: dict[str, Any]) -> tuple[str, dict[int, str]]:
    """A routine object as routine-file text that the one reader of routine files checks, one
    step a line (in JSON, which YAML reads), so that an error's line names the step again."""
    lines: list[str] = []
    places: dict[int, str] = {}

    def put(text: str, place: str | None = None) -> None:
        lines.append(text)
        if place:
            places[len(lines)] = place

    for key, value in routine.items():
        if key != "sections" or not isinstance(value, list):
            put(f"{json.dumps(key)}: {json.dumps(value)}")
            continue
        put("sections:")
        for s_number, section in enumerate(value):
            where = f"sections[{s_number}]"
            if not isinstance(section, dict) or not section:
                put(f"- {json.dumps(section)}", where)
                continue
            put("-", where)
            for s_key, s_value in section.items():
                if s_key != "steps" or not isinstance(s_value, list):
                    put(f"  {json.dumps(s_key)}: {json.dumps(s_value)}", where)
                    continue
                put("  steps:", where)
                for t_number, step in enumerate(s_value):
                    put(f"  - {json.dumps(step)}", f"{where}.steps[{t_number}]")
    return "\n".join(lines) + "\n", places


def looks_like_routine_file(text: str) -> bool:
    """Pasted text with no file name: a routine file has `sections:` at the start of a line."""
    return re.search(r"^sections:", text, re.MULTILINE) is not None


def read_options(data: Any) -> Options:
    """Options from the page's settings, named as the fields of Options, in JSON types."""
    if data is None:
        return Options()
    if not isinstance(data, dict):
        raise RequestError('"options" must be an object such as {"hold": 45}')
    given: dict[str, Any] = {}
    for name, value in data.items():
        if name not in KNOWN:
            raise RequestError(f"unknown option {name!r}; known: {', '.join(sorted(KNOWN))}")
        if value is not None:
            given[name] = _value(name, value)
    if given.get("ambience") not in (None, *NOISES):
        raise UsageError(f"--ambience must be one of {', '.join(NOISES)} here; sound files work from the command line")
    return from_given(given)


def _value(name: str, value: Any) -> Any:
    flag = "--" + name.replace("_", "-")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name in NUMBERS and number:
        return float(value)
    if name in WHOLE_NUMBERS and number and float(value).is_integer():
        return int(value)
    if name in (*SWITCHES, *MAYBE_SWITCHES) and isinstance(value, bool):
        return value
    if name in WORDS and isinstance(value, str):
        return value
    if name == "breath":
        if isinstance(value, list) and all(isinstance(x, int | float) for x in value):
            return ":".join(f"{x:g}" for x in value)
        if isinstance(value, str):
            return value
        raise UsageError(f"--breath takes 2 to 4 positive seconds like 4:6 or 4:7:8, got {value!r}")
    if name in PER_STEP and isinstance(value, dict):
        return [f"{step}={amount}" for step, amount in value.items()]
    if name in PER_STEP:
        raise UsageError(f'{PER_STEP[name]} takes {{"STEP": VALUE}} like {{"5": 3}}, got {value!r}')
    kinds = {"a number": NUMBERS, "a whole number": WHOLE_NUMBERS, "true or false": SWITCHES + MAYBE_SWITCHES}
    kind = next((kind for kind, names in kinds.items() if name in names), "a word")
    raise UsageError(f"{flag} must be {kind}, got {value!r}")


def command_line(options: Options, filename: str) -> str:
    """The `voiceguide build` command that renders a saved routine file as the page did."""
    words = ["voiceguide", "build", filename]
    defaults = Options()
    for name in NOT_IN_THE_FILE:
        value = getattr(options, name)
        if value == getattr(defaults, name):
            continue
        flag = "--" + name.replace("_", "-")
        if name in MAYBE_SWITCHES:
            words.append(flag if value else f"--no-{name}")
        elif isinstance(value, bool):
            words.append(flag)
        else:
            words += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return shlex.join(words)


def error_json(error: VoiceguideError, source: Source | None = None, folder: Path | None = None) -> dict[str, Any]:
    """The command line's one-line message, and the field of the page it concerns: a setting
    (named as in the options), a step, or the routine (with its line)."""
    message = str(error)
    if folder is not None and source is not None:
        message = message.replace(str(folder / _file_name(source)), source.name)
        line = getattr(error, "line", None)
        if line in source.places:
            message = message.replace(f"{source.name}:{line}:", f"{source.name}: {source.places[line]}:", 1)
            error = RoutineError(message)  # placed by its step, not by a line the request never had
    found: dict[str, Any] = {"error": message, "field": None}
    step = re.match(r"(?:--(?:set|repeat|only) |step )(\d+)\b", message)
    flag = re.match(r"--([a-z][a-z-]*)", message)
    if step:
        found.update(field="step", step=int(step.group(1)))
    elif flag:
        found["field"] = flag.group(1).replace("-", "_")
    elif re.match(r"(?:unknown )?voice\b", message):
        found["field"] = "voice"
    elif isinstance(error, RoutineError) or (source is not None and message.startswith(source.name + ":")):
        found.update(field="routine", line=getattr(error, "line", None))
    return found


def _file_name(source: Source) -> str:
    return "routine.yaml" if source.routine_file else "routine.txt"


@dataclass
class Workspace:
    """The server's own temporary folder, the files it made and may serve, and the build lock."""

    folder: Path
    files: dict[str, Served] = field(default_factory=dict)
    progress: BuildProgress = field(default_factory=BuildProgress)
    builds: OrderedDict[str, list[str]] = field(default_factory=OrderedDict)
    # One build at a time: the encoder already uses every core, and the progress bar shows one.
    lock: threading.Lock = field(default_factory=threading.Lock)
    registry: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, body: Any) -> dict[str, Any]:
        request = read_request(body)
        with self._written(request.source) as path:
            planned = pipeline.plan(path, request.options)
        return sidecars.plan_json(planned.routine, planned.timeline)

    def build(self, body: Any) -> dict[str, Any]:
        request = read_request(body)
        with self.registry:
            self.progress.waiting += 1
        with self.lock:
            with self.registry:
                self.progress.waiting -= 1
            try:
                return self._build(request)
            finally:
                self.progress.stage = None

    def _build(self, request: Request) -> dict[str, Any]:
        started = time.perf_counter()
        build_id = secrets.token_urlsafe(12)
        folder = self.folder / "builds" / build_id
        folder.mkdir(parents=True)
        try:
            with self._written(request.source) as path:
                result = pipeline.build(path, request.options, folder / "routine.mp3", progress=self._progress())
                pipeline.save(pipeline.load_routine(path), request.options, folder / "routine.yaml")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        given = request.source.name
        name = pipeline.slug(Path(given).stem if given != UNNAMED else result.routine.title)
        command = command_line(request.options, f"{name}.yaml")
        saved = folder / "routine.yaml"
        saved.write_text(
            f"# Rendered on the page as by:\n#   {command}\n" + saved.read_text(encoding="utf-8"), encoding="utf-8"
        )
        urls = {
            kind: self._serve(folder / f"routine{suffix}", f"{name}{suffix}", build_id)
            for kind, suffix in (
                ("mp3", ".mp3"),
                ("cues", ".json"),
                ("vtt", ".vtt"),
                ("lrc", ".lrc"),
                ("routine", ".yaml"),
            )
        }
        self._forget_old_builds()
        timeline = result.timeline
        return {
            **urls,
            "name": name,
            "command": command,
            "duration": timeline.seconds(timeline.length),
            "spoken_afresh": result.synthesized,
            "build_seconds": round(time.perf_counter() - started, 3),
        }

    def _progress(self) -> pipeline.Progress:
        state = self.progress

        def start(stage: str, total: int) -> None:
            state.stage, state.done, state.total = stage, 0, total

        def advance(amount: int) -> None:
            state.done += amount

        return pipeline.Progress(start, advance)

    def _serve(self, path: Path, filename: str, build_id: str) -> str:
        file_id = secrets.token_urlsafe(16)
        with self.registry:
            self.files[file_id] = Served(path, FILE_TYPES[path.suffix], filename)
            self.builds.setdefault(build_id, []).append(file_id)
        return f"/files/{file_id}"

    def _forget_old_builds(self) -> None:
        with self.registry:
            while len(self.builds) > KEEP_BUILDS:
                build_id, file_ids = self.builds.popitem(last=False)
                for file_id in file_ids:
                    self.files.pop(file_id, None)
                shutil.rmtree(self.folder / "builds" / build_id, ignore_errors=True)

    def file(self, file_id: str) -> Served | None:
        with self.registry:
            return self.files.get(file_id)

    def _written(self, source: Source) -> _SourceFile:
        return _SourceFile(self.folder, source)


class _SourceFile:
    """The routine written to a fresh folder of the workspace for the pipeline to read, and
    removed after; an error names the routine as the request did, not the server's file."""

    def __init__(self, folder: Path, source: Source) -> None:
        self.folder = folder / "sources" / secrets.token_urlsafe(12)
        self.source = source

    def __enter__(self) -> Path:
        self.folder.mkdir(parents=True)
        path = self.folder / _file_name(self.source)
        path.write_text(self.source.text, encoding="utf-8")
        return path

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if isinstance(error, VoiceguideError):
            raise SourceError(error, self.source, self.folder) from None


class SourceError(VoiceguideError):
    """A project error raised while the pipeline had a request's routine, with what the page
    needs to place it; the message names the routine as the request did."""

    def __init__(self, error: VoiceguideError, source: Source, folder: Path) -> None:
        self.details = error_json(error, source, folder)
        super().__init__(self.details["error"])
        self.original = error


def options_dict(options: Options) -> dict[str, Any]:
    """The options as JSON, for the page's settings."""
    return {f.name: getattr(options, f.name) for f in fields(options) if f.name in KNOWN}


def starting_source(source: Path | None) -> dict[str, str]:
    """The routine the page opens on: the one `voiceguide serve` was given, or the built-in."""
    text, name = pipeline.read_source(source)
    return {"text": text, "name": Path(name).name}
