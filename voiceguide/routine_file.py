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
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from voiceguide import wording
from voiceguide.errors import RoutineError
from voiceguide.model import NARRATIVE_KINDS, STEP_KINDS, Routine, Step
from voiceguide.parse import DEFAULT_SECONDS, parse_text
from voiceguide.plan import MAX_REPEAT

HEADER = (
    "# voiceguide routine file. Change a step's seconds, repeat or text, then rebuild with\n"
    "#   voiceguide build THIS_FILE.yaml\n"
    "# seconds: how long the hold or pause lasts; repeat: how many times it is done;\n"
    "# breath: seconds per phase (in, out) or (in, hold, out[, hold]), null for no prompts;\n"
    "# release: seconds of rest between repetitions; copy_of: this step repeats or mirrors an\n"
    "# earlier one, and takes its seconds unless it has a seconds line of its own.\n"
)
_FIELDS = frozenset(f.name for f in fields(Step)) - {"section"}
_TOP_FIELDS = ("title", "sections")
_SECTION_FIELDS = ("title", "steps")
_FROM_TEXT = ("kind", "seconds", "seconds_from", "repeat", "release", "side", "breath", "breath_from", "announce")


def dumps(routine: Routine) -> str:
    sections: list[dict[str, Any]] = []
    by_index = {step.index: step for step in routine.steps}
    for step in routine.steps:
        if not sections or sections[-1]["title"] != step.section:
            sections.append({"title": step.section, "steps": []})
        data = {k: v for k, v in step.to_dict().items() if k != "section" and v is not None}
        if not step.release:
            del data["release"]
        original = by_index.get(step.copy_of) if step.copy_of is not None else None
        if original is not None and (original.seconds, original.seconds_from) == (step.seconds, step.seconds_from):
            data.pop("seconds", None)  # it follows its original's, as --set makes it
            data.pop("seconds_from", None)
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
    lines = _lines(root)
    _known(data, _TOP_FIELDS, (), lines, source)
    steps: list[Step] = []
    earlier: dict[int, Step] = {}
    for s_number, section in enumerate(data["sections"]):
        if not isinstance(section, dict) or not isinstance(section.get("steps"), list):
            raise RoutineError("each section needs a list under `steps:`", source, lines.get((s_number,)))
        _known(section, _SECTION_FIELDS, (s_number,), lines, source)
        for t_number, raw in enumerate(section["steps"]):
            place = (s_number, t_number)
            step = _step(raw, section.get("title"), len(steps) + 1, earlier, source, lines, place)
            if step.index in earlier:
                raise RoutineError(
                    f"two steps have index {step.index}; give each step its own", source, lines.get(place)
                )
            steps.append(step)
            earlier[step.index] = step
    return Routine(title=str(data.get("title") or "Guided routine"), steps=tuple(steps), source=source)


Lines = dict[tuple[Any, ...], int]  # (section,), (section, step) and each key's place → line


def _known(data: dict[Any, Any], known: tuple[str, ...], place: tuple[Any, ...], lines: Lines, source: str) -> None:
    for key in data:
        if key not in known:
            line = lines.get((*place, "key", str(key))) or lines.get(place)
            raise RoutineError(f"unknown field `{key}` (known here: {', '.join(known)})", source, line)


def _step(
    raw: Any, section: Any, position: int, earlier: dict[int, Step], source: str, lines: Lines, place: tuple[int, int]
) -> Step:
    line = lines.get(place)
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"].strip():
        raise RoutineError("a step needs `text:` with the words to speak", source, line)
    _known(raw, tuple(sorted(_FIELDS)), place, lines, source)
    values = dict(raw)
    if "kind" not in values:  # a bare string or a text alone: read as a routine text would be
        values = {**_read_text(values["text"]), **values}
    values.setdefault("index", position)
    copy_of = values.get("copy_of")
    if copy_of is not None:
        if isinstance(copy_of, bool) or not isinstance(copy_of, int) or copy_of not in earlier:
            raise RoutineError(
                f"copy_of: {copy_of!r} names no step before this one; give the index of the step it repeats "
                "or mirrors, or leave copy_of out",
                source,
                lines.get((*place, "key", "copy_of")) or line,
            )
        if "seconds" not in values:  # a copy follows its original, as with --set
            values["seconds"], values["seconds_from"] = earlier[copy_of].seconds, earlier[copy_of].seconds_from
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
        return _said_as_timed(Step.from_dict(values))
    except (TypeError, ValueError) as error:
        raise RoutineError(f"step is not valid ({error})", source, line) from None


def _said_as_timed(step: Step) -> Step:
    """A step whose `seconds` was edited says its new time: "Hold 45 seconds each side" with
    `seconds: 75` is spoken "Hold 75 seconds each side". The text is read alone (as a routine
    text would be) only when its stated times do not include the step's."""
    breath = wording.breath_said(step)
    spans = wording.durations_said(step.text, breath) if step.is_instruction else []
    stated = [d.value for d in spans if d.value != step.release] or [d.value for d in spans[:1]]
    if not stated or step.seconds in stated:
        return step
    said = _read_text(step.text).get("seconds")
    if said is None or said == step.seconds or said not in stated:
        return step  # the text's own reading agrees, or it states some other time
    changes = [(said, step.seconds), (step.release, step.release)]
    return replace(step, text=wording.restate(step.text, changes, breath=breath))


def _read_text(text: str) -> dict[str, Any]:
    """What the rules for routine texts read from one step's words: its kind, time, count, side
    and breath. Of several sentences, the one that holds (or else the first instruction) counts."""
    steps = parse_text(text).steps
    chosen = next((s for s in steps if s.is_hold), None) or next((s for s in steps if s.is_instruction), None)
    chosen = chosen or (steps[0] if steps else None)
    if chosen is None:
        return {}
    found = {name: getattr(chosen, name) for name in _FROM_TEXT}
    found["breath"] = list(chosen.breath) if chosen.breath else None
    return {name: value for name, value in found.items() if value is not None}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _lines(root: yaml.Node | None) -> Lines:
    """The line of each section, step and key, for messages that say where to look."""
    found: Lines = {}
    for key, value in _pairs(root, (), found):
        if key == "sections" and isinstance(value, yaml.SequenceNode):
            for s_number, section in enumerate(value.value):
                found[(s_number,)] = section.start_mark.line + 1
                for s_key, s_value in _pairs(section, (s_number,), found):
                    if s_key == "steps" and isinstance(s_value, yaml.SequenceNode):
                        for t_number, step in enumerate(s_value.value):
                            found[(s_number, t_number)] = step.start_mark.line + 1
                            _pairs(step, (s_number, t_number), found)
    return found


def _pairs(node: yaml.Node | None, place: tuple[Any, ...], found: Lines) -> list[tuple[str, yaml.Node]]:
    """A mapping's keys and values, noting the line of each key."""
    if not isinstance(node, yaml.MappingNode):
        return []
    pairs = []
    for key, value in node.value:
        name = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
        found.setdefault((*place, "key", name), key.start_mark.line + 1)
        pairs.append((name, value))
    return pairs
