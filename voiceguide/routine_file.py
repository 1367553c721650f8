"""The editable routine file: a Routine as YAML that a person can change by hand and rebuild.

    title: Foot reflexology for back pain
    sections:
      - title: Pressure point between the toes    # null for steps before any heading
        steps:
          - {index: 5, kind: press, seconds: 60, repeat: 1, side: right, breath: [4, 6],
             text: "Press the point for one minute."}

Only `text` is required in a step; everything else has the parser's defaults. Loaded with
YAML's safe loader: a routine file is data, never code.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from voiceguide.errors import RoutineError
from voiceguide.model import NARRATIVE_KINDS, STEP_KINDS, Routine, Step
from voiceguide.parse import DEFAULT_SECONDS
from voiceguide.plan import MAX_REPEAT

HEADER = (
    "# voiceguide routine file. Change a step's seconds, repeat or text, then rebuild with\n"
    "#   voiceguide build THIS_FILE.yaml\n"
    "# seconds: how long the hold or pause lasts; repeat: how many times it is done;\n"
    "# breath: seconds per phase (in, out) or (in, hold, out[, hold]), null for no prompts;\n"
    "# release: seconds of rest between repetitions; copy_of: this step repeats or mirrors an\n"
    "# earlier one (edit both if you change one).\n"
)
_FIELDS = frozenset(f.name for f in fields(Step)) - {"section"}


def dumps(routine: Routine) -> str:
    sections: list[dict[str, Any]] = []
    for step in routine.steps:
        if not sections or sections[-1]["title"] != step.section:
            sections.append({"title": step.section, "steps": []})
        data = {k: v for k, v in step.to_dict().items() if k != "section" and v is not None}
        if not step.release:
            del data["release"]
        sections[-1]["steps"].append(data)
    body = yaml.safe_dump(
        {"title": routine.title, "sections": sections}, sort_keys=False, allow_unicode=True, width=100
    )
    return HEADER + body


def save(routine: Routine, path: Path) -> None:
    """Write the routine file whole or not at all (a temporary file renamed into place)."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(dumps(routine))
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def loads(text: str, source: str) -> Routine:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when the wheel has it
    try:
        root = loader.get_single_node()  # kept for the line numbers of steps
        data = None if root is None else loader.construct_document(root)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RoutineError(f"not valid YAML ({getattr(error, 'problem', error)})", source, line) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        raise RoutineError("a routine file needs `title:` and a list under `sections:`", source, 1)
    lines = _step_lines(root)
    steps: list[Step] = []
    for s_number, section in enumerate(data["sections"]):
        if not isinstance(section, dict) or not isinstance(section.get("steps"), list):
            raise RoutineError("each section needs a list under `steps:`", source, _line(lines, s_number, None))
        for t_number, raw in enumerate(section["steps"]):
            line = _line(lines, s_number, t_number)
            steps.append(_step(raw, section.get("title"), len(steps) + 1, source, line))
    indexes = [s.index for s in steps]
    if len(set(indexes)) != len(indexes):
        raise RoutineError("two steps have the same index; give each step its own", source, 1)
    return Routine(title=str(data.get("title") or "Guided routine"), steps=tuple(steps), source=source)


def _step(raw: Any, section: Any, position: int, source: str, line: int | None) -> Step:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise RoutineError("a step needs `text:` with the words to speak", source, line)
    unknown = set(raw) - _FIELDS
    if unknown:
        raise RoutineError(f"unknown field `{sorted(unknown)[0]}` (known: {', '.join(sorted(_FIELDS))})", source, line)
    values = dict(raw)
    values.setdefault("index", position)
    kind = values.setdefault("kind", "position")
    if kind not in STEP_KINDS:
        raise RoutineError(f"kind must be one of {', '.join(STEP_KINDS)}, got {kind!r}", source, line)
    if "seconds" not in values and kind not in NARRATIVE_KINDS:
        values["seconds"], values["seconds_from"] = DEFAULT_SECONDS[kind], "default"  # as the parser would
    for name in ("seconds", "release"):
        value = values.setdefault(name, 0)
        if not _number(value) or value < 0:
            raise RoutineError(f"{name} must be a number of seconds, 0 or more, got {value!r}", source, line)
        values[name] = float(value)
    repeat = values.setdefault("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        raise RoutineError(f"repeat must be a whole number from 1 to {MAX_REPEAT}, got {repeat!r}", source, line)
    if values.get("side") not in (None, "left", "right"):
        raise RoutineError(f"side must be left, right or null, got {values['side']!r}", source, line)
    breath = values.get("breath")
    if breath is not None:
        if (
            not isinstance(breath, list)
            or len(breath) not in (2, 3, 4)
            or not all(_number(x) and x > 0 for x in breath)
        ):
            raise RoutineError(f"breath must be 2 to 4 positive seconds like [4, 6], got {breath!r}", source, line)
        values.setdefault("breath_from", "text")  # written by hand: --breath does not replace it
    values["section"] = section if section is None else str(section)
    if values.get("seconds_from") is None and kind not in NARRATIVE_KINDS:
        values["seconds_from"] = "text"
    try:
        return Step.from_dict(values)
    except (TypeError, ValueError) as error:
        raise RoutineError(f"step is not valid ({error})", source, line) from None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _step_lines(root: yaml.Node | None) -> dict[tuple[int, int | None], int]:
    """Line of each section and step, for messages that say where to look."""
    found: dict[tuple[int, int | None], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if key.value == "sections" and isinstance(value, yaml.SequenceNode):
            for s_number, section in enumerate(value.value):
                found[(s_number, None)] = section.start_mark.line + 1
                if isinstance(section, yaml.MappingNode):
                    for s_key, s_value in section.value:
                        if s_key.value == "steps" and isinstance(s_value, yaml.SequenceNode):
                            for t_number, step in enumerate(s_value.value):
                                found[(s_number, t_number)] = step.start_mark.line + 1
    return found


def _line(lines: dict[tuple[int, int | None], int], section: int, step: int | None) -> int | None:
    return lines.get((section, step)) or lines.get((section, None))
