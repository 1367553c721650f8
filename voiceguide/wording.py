"""A step's words made to agree with its time: when a hold is changed (--set, --hold, --scale, an
edited routine file), the sentence that times it says the new time, so the voice never says
"hold for 30 seconds" before a 90-second hold.

Pure string work over the lexicon's duration spans. A duration that is a phase of the breathing
pattern the step's text states ("inhale for 4 seconds, hold for 7…") is the pattern's, not the
hold's, and stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from voiceguide import lexicon
from voiceguide.model import Step
from voiceguide.parse.grammar import lasts_the_session

# "each side" said right after a hold's time: untrue once the two sides are timed apart
_EACH_SIDE = re.compile(r",?\s+(?:on\s+|per\s+|for\s+)?(?:each|either|both|every)\s+sides?\b|\s+per\s+side\b", re.I)
_COUNT = re.compile(r"^(?:for\s+)?(?:a\s+)?count(?:ing)?\s+(?:slowly\s+)?(?:to|of)\s+", re.I)


def breath_said(step: Step) -> tuple[float, ...] | None:
    """The breathing pattern a step's own words state, if they state one."""
    return step.breath if step.breath_from == "text" else None


def durations_said(text: str, breath: tuple[float, ...] | None = None) -> list[lexicon.Found]:
    """The durations a sentence states, leaving out the phases of its breathing pattern and what
    says how long the session or a later goal lasts ("work up to 5 minutes")."""
    phases = set(breath or ())
    return [d for d in lexicon.find_durations(text) if d.value not in phases and not lasts_the_session(text, d)]


def restate(
    text: str, changes: Sequence[tuple[float, float]], one_side: bool = False, breath: tuple[float, ...] | None = None
) -> str:
    """`text` with each stated duration of a `before` seconds saying its `after` instead, for
    (before, after) in `changes` (the hold's first, then the rest between repetitions). When two
    changes share a `before`, the spans are dealt out in turn: "press 5 s, release 5 s". With
    `one_side`, an "each side" right after the hold's time is dropped. The phases of `breath`,
    the pattern the text states, are left as they are."""
    spans = durations_said(text, breath)
    if not spans or not changes:
        return text
    taken = [0] * len(changes)
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        matching = [n for n, (before, _) in enumerate(changes) if _same(before, span.value)]
        if not matching:
            continue
        role = min(matching, key=lambda n: (taken[n], n))
        taken[role] += 1
        after = changes[role][1]
        pieces.append(text[cursor : span.start])
        pieces.append(span.phrase if _same(after, span.value) else say_duration(after, span.phrase))
        cursor = span.end
        if one_side and role == 0:
            each = _EACH_SIDE.match(text, span.end)
            if each:
                cursor = each.end()
    return "".join(pieces) + text[cursor:]


def say_duration(seconds: float, phrase: str) -> str:
    """`seconds` said the way `phrase` said its time: "for 90 seconds", "count to 20", "for 3
    breaths", "2 minutes"."""
    count = _COUNT.match(phrase)
    if count and float(seconds).is_integer():
        return f"{count.group(0)}{int(seconds)}"
    lead = "for " if phrase.lower().startswith("for ") else ""
    breaths = seconds / lexicon.BREATH_SECONDS
    if "breath" in phrase.lower() and breaths.is_integer():
        said = f"{lead}{int(breaths)} breath{'s' if breaths != 1 else ''}"
    else:
        said = f"{lead}{_amount(seconds)}"
    return said[:1].upper() + said[1:] if phrase[:1].isupper() else said


def _amount(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    value = round(seconds, 1)
    return "1 second" if value == 1 else f"{value:g} seconds"


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6
