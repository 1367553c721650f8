"""Options from what a person typed, checked: the command line's flags and the page's fields.

Values arrive named as the fields of Options, in the command line's types (the breath pace as
"4:6", per-step changes as "STEP=VALUE" strings); every message names the flag, as the
command line shows it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from voiceguide.errors import UsageError
from voiceguide.model import BREATH_CUES, CHIMES, Options

OPTION_FIELDS = tuple(Options.__dataclass_fields__)
N = TypeVar("N", int, float)
RATES = (60, 300)  # words a minute eSpeak reads intelligibly


def from_given(given: dict[str, Any]) -> Options:
    """Options from a command's parameters (named as the fields of Options), checked."""
    values = {name: given[name] for name in OPTION_FIELDS if name in given}
    if values.get("hold") is not None and not positive(values["hold"]):
        raise UsageError(f"--hold must be a positive number of seconds, got {values['hold']:g}")
    if not positive(values.get("scale", 1.0)):
        raise UsageError(f"--scale must be positive, got {values['scale']:g}")
    for name in ("max_hold", "max_total"):
        if not positive(values.get(name, 1.0)):
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number of seconds, got {values[name]:g}")
    if "rate" in values and not RATES[0] <= values["rate"] <= RATES[1]:
        raise UsageError(f"--rate must be {RATES[0]} to {RATES[1]} words a minute, got {values['rate']}")
    for name in ("lead_in", "prep"):
        if name in values and not (positive(values[name]) or values[name] == 0):
            raise UsageError(f"--{name.replace('_', '-')} must be 0 or more seconds, got {values[name]:g}")
    for name, allowed in (("breath_cue", BREATH_CUES), ("chime", CHIMES)):
        if name in values and values[name] not in allowed:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} must be one of {', '.join(allowed)}, got {values[name]!r}")
    for name in ("chime_file", "ambience"):
        path = values.get(name)
        if path and not (name == "ambience" and path in ("brown", "pink")) and not Path(path).is_file():
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} {path}: no such file" + ("; or say brown or pink" if name == "ambience" else ""))
    values["breath"] = parse_breath(values.get("breath", "4:6"))
    values["set_holds"] = tuple(parse_set(item) for item in values.get("set_holds") or ())
    values["set_repeats"] = tuple(parse_repeat(item) for item in values.get("set_repeats") or ())
    return Options(**values)


def parse_breath(text: str) -> tuple[float, ...]:
    parts = text.replace("-", ":").split(":")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) not in (2, 3, 4) or not all(positive(v) for v in values):
        raise UsageError(f"--breath takes 2 to 4 positive seconds like 4:6 or 4:7:8, got {text!r}")
    return values


def parse_set(item: str) -> tuple[int, float]:
    index, value = _per_step(item, float, "--set takes STEP=SECONDS like 5=45")
    if not positive(value):
        raise UsageError(f"--set {item}: seconds must be positive")
    return index, value


def parse_repeat(item: str) -> tuple[int, int]:
    index, value = _per_step(item, int, "--repeat takes STEP=COUNT like 5=3")
    if value < 1:
        raise UsageError(f"--repeat {item}: the count must be 1 or more")
    return index, value


def _per_step(item: str, kind: Callable[[str], N], usage: str) -> tuple[int, N]:
    step, _, value = item.partition("=")
    try:
        return int(step), kind(value)
    except ValueError:
        raise UsageError(f"{usage}, got {item!r}") from None


def positive(value: float) -> bool:
    """A usable number of seconds or a factor: above zero and finite (not nan, not inf)."""
    return math.isfinite(value) and value > 0
