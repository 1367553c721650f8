"""Breath phases and patterns, however a routine counts them.

A phase is an in-breath, a held breath or an out-breath with its length: "inhale for 4",
"hold your breath to a count of seven", "4 seconds in", "`4` for the in duration", a spoken
count ("'In, one, two'", "breathe in… 2, 3, 4"), pulse beats, or a length relative to the phase
before ("exhale in twice that length of time"). A phase word and a count pair up inside one
clause, in either order; a count is a second. A pattern is one cycle of phases from the first
in-breath, in an order a breath can be paced in (a cycle told from the out-breath is turned to
start with the in-breath), or a named one ("box breathing", "4-7-8").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceguide.lexicon import NUM, Found, number

PHASE_ORDERS = {("in", "out"), ("in", "hold", "out"), ("in", "hold", "out", "hold")}
MAX_PHASE_SECONDS = 30.0  # a longer "hold" is a stretch held, not a breath
PAIR_BEFORE = 90  # characters a count may stand after its phase word ("inhale slowly through the nose for 4")
PAIR_AFTER = 30  # …or before it ("4 seconds in", "counting two as you breathe in")

_IN = (
    r"inhal\w*\b(?<!inhaled)(?<!inhaling)|inhal(?:ed|ing)\b(?!\s+(?:breath|air))|in-?breaths?|breath(?:e|ing|es)?\s+in\b|draw(?:ing)?\s+(?:(?:the\s+)?air\s+)?in\b"
    r"|draw(?:ing)?\s+(?:a\s+)?(?:slow\s+|deep\s+|full\s+)?breath"
    r"|inspir(?:e|es|ing|ation)\b|in\s+(?:duration|phase|count)"
    # "take a deep, slow breath over a 3 count", its count right after it (not "…and reach for 30 s")
    r"|tak(?:e|ing)\s+(?:in\s+)?(?:a|one)\s+(?:[a-z]+,?\s+){0,2}breath\b"
    r"(?=\s+(?:in\s+)?(?:over|for|to|during)\s+(?:the\s+course\s+of\s+)?(?:a\s+)?(?:count\b|\d|one|two|three|four|five|six))"
    r"|breath(?:e|ing|es)?\s+(?:(?!out\b)\w+\s+)?through\s+(?:your|the)\s+nose\b"  # in, unless told out
)
_HOLD = (
    r"hold(?:ing|s)?(?:\s+(?:your|the|that|this)\s+(?:breath|breathe|inhale|in-breath|air)|\s+it)?"
    r"(?!\s+(?:the|this|that|each|your|a|these)\s+(?!breath))"
    r"|retain(?:ing|s)?|retention|pause|suspend\w*|rest(?!\s+(?:your|the|one|both|each|it|them|on|in)\b)"
    r"|keep(?:ing)?\s+(?:your\s+|the\s+)?lungs\s+(?:empty|full)|(?:between|after)\s+(?:the\s+)?breaths"
)
_OUT = (
    r"exhal\w*\b(?<!exhaled)(?<!exhaling)|exhal(?:ed|ing)\b(?!\s+(?:breath|air))|out-?breaths?|breath(?:e|ing|es)?\s+out\b|let(?:ting)?\s+(?:it|the\s+breath|the\s+air|your\s+breath|"
    r"all\s+(?:of\s+)?the\s+air)(?:\s+\w+)?\s+out\b|let(?:ting)?\s+(?:the\s+air|the\s+breath|your\s+breath)\s+go\b"
    r"|blow(?:ing)?\s+(?:it\s+|the\s+air\s+)?out\b"
    r"|releas(?:e|ing)\s+(?:the\s+|your\s+)?breath|expel\w*|expir(?:e|es|ing|ation)\b|out\s+(?:duration|phase|count)"
)
# "In, one, two", "and out for 7", "out… 2, 3, 4": the bare word, where it starts a phrase
_BARE = (
    r"(?:(?<=^)|(?<=[,.\"'“‘(…]\s)|(?<=[,\"'“‘(…])|(?<=\band\s)|(?<=\bthen\s)|(?<=seconds\s)|(?<=counts\s))"
    r"(?:in|out)\b(?=\s*(?:[,.…:;]|$|for\b|to\b|\d))"
)
_PHASE_WORD = re.compile(rf"\b(?:(?P<in>{_IN})|(?P<hold>{_HOLD})|(?P<out>{_OUT}))|(?P<bare>{_BARE})", re.IGNORECASE)

_COUNTED = r"(?:[\s-]*(?:counts?|seconds?|secs?|s\b|beats?|pulse\s+(?:units?|beats?)|heart\s?beats?))"
_NOT_A_COUNT = (
    r"(?!\s*(?:more\s+)?(?:minutes?|mins?|hours?|times|reps|sets|rounds|cycles|breaths?|percent|%|days?|weeks?)\b)"
    r"(?![′″])"
    r"(?!\s+(?:foot|feet|hands?|legs?|arms?|knees?|sides?|fingers?|thumbs?|toes?|of|at|nostrils?|inches)\b)"
    r"(?![.,]?\d)"
)
_SEQUENCE = (
    r"(?P<seq>(?:one|two|1|2)(?:(?:(?:\s*(?:,|…|\.\.\.|–|—|-)\s*)+|\s+)"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\b)+(?!\s*(?:minutes?|seconds?|times)))"
)
_COUNT = re.compile(
    rf"{_SEQUENCE}"
    rf"|(?<!per )(?<!every )(?P<n>{NUM})(?:(?<=\d)|\b){_NOT_A_COUNT}(?P<unit>{_COUNTED})?"  # not "ten" in "tense"
    r"|(?P<rel>twice|double|two times|three times|half)\s+(?:that|the|as\s+long|as\s+much|its|the\s+length)"
    r"|(?P<one>(?<=for )(?:just |only )?a (?:single )?second)\b",  # "hold your breath for just a second"
    re.IGNORECASE,
)
_COUNT_TO = re.compile(r"(?:\bcount(?:ing)?\s+(?:up\s+)?(?:to|of|till|until)|(?:,|\band)\s+to)\s+$", re.IGNORECASE)
_RELATIVE = {"twice": 2.0, "double": 2.0, "two times": 2.0, "three times": 3.0, "half": 0.5}
_CLAUSE_END = re.compile(r"[.;!?]\s")
# phase words that take their count before them: "4 in, 4 out", "`4` for the in duration"
_NAMES_ITS_COUNT = re.compile(r"(?:in|out)\b(?!-?breath)", re.IGNORECASE)
_NAMED = re.compile(r"\bbox breathing\b|\bsquare breathing\b|\bfour[- ]square breathing\b", re.IGNORECASE)
_NUMBERED_PATTERN = re.compile(
    r"\b(\d+)\s*[-:–]\s*(\d+)\s*[-:–]\s*(\d+)(?:\s*[-:–]\s*(\d+))?\b(?!\s*(?:minutes?|seconds?|times|sets))"
)
_BREATHING = re.compile(r"\b(?:breaths?|breathe|breathing|inhal\w*|exhal\w*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Phase:
    kind: str  # "in", "hold" or "out"
    seconds: float
    start: int  # the span from the phase word to its count, or the other way round
    end: int


@dataclass(frozen=True)
class BreathFound(Found):
    pattern: tuple[float, ...] = ()


def _kind(match: re.Match[str]) -> str:
    if match.group("bare"):
        return match.group("bare").lower()
    return next(k for k in ("in", "hold", "out") if match.group(k))


def _count_value(match: re.Match[str]) -> float | str | None:
    """Seconds, a relative length ("twice"), or None when it is no count."""
    if match.group("seq"):
        return number(re.findall(r"\w+", match.group("seq"))[-1])
    if match.group("rel"):
        return match.group("rel").lower()
    if match.group("one"):
        return 1.0
    return number(match.group("n"))


def phases_of(text: str) -> list[Phase]:
    """Every breath phase with a count in a sentence, in order."""
    words = [(m.start(), m.end(), _kind(m)) for m in _PHASE_WORD.finditer(text)]
    matches = list(_COUNT.finditer(text))
    counts = [(m.start(), m.end(), _count_value(m)) for m in matches]
    # a count before its phase word says what it counts ("4 seconds in", "'one, two' as you breathe in"),
    # unlike a number of breaths ("one full inhale and exhale")
    # and so does one said to be a count ("count to five for the in-breath")
    leading = [bool(m.group("seq") or m.group("unit") or _COUNT_TO.search(text, 0, m.start())) for m in matches]
    if not words or not counts:
        return []
    paired: dict[int, tuple[float | str, int, int]] = {}  # phase word → its count and the span of both
    for (start, end, value), counted in zip(counts, leading, strict=True):
        if value is None:
            continue
        before = [
            i
            for i, (ws, we, _) in enumerate(words)
            if we <= start
            and start - we <= PAIR_BEFORE
            and not _CLAUSE_END.search(text, we, start)
            and not any(we <= cs < start for cs, _, _ in counts)
        ]
        after = [
            i
            for i, (ws, we, _) in enumerate(words)
            if ws >= end
            and ws - end <= PAIR_AFTER
            and not _CLAUSE_END.search(text, end, ws)
            and (counted or _NAMES_ITS_COUNT.match(text, words[i][0]))
        ]
        choice = next((i for i in reversed(before) if i not in paired), None)
        if choice is None:
            choice = next((i for i in after if i not in paired and not _counted_after(text, words[i], counts)), None)
        if choice is not None:
            ws, we, _ = words[choice]
            paired[choice] = (value, min(ws, start), max(we, end))
    phases: list[Phase] = []
    for i in sorted(paired):
        value, start, end = paired[i]
        if isinstance(value, str):  # "twice that length": of the phase before
            if not phases:
                continue
            value = phases[-1].seconds * _RELATIVE[value]
        if 0 < value <= MAX_PHASE_SECONDS:
            phases.append(Phase(words[i][2], float(value), start, end))
    return phases


def _counted_after(text: str, word: tuple[int, int, str], counts: list[tuple[int, int, float | str | None]]) -> bool:
    """A phase word with a count of its own right after it ("…as you breathe in for 4")."""
    return any(
        0 <= start - word[1] <= 12 and not re.search(r"\band\b|,", text[word[1] : start])
        for start, _, value in counts
        if value is not None
    )


def said_once(phases: list[Phase]) -> list[Phase]:
    """A phase said twice in a row ("Inhale for 4 seconds. Breathe in slowly for a count of 4.")
    is one phase."""
    return [
        p
        for at, p in enumerate(phases)
        if not at or (phases[at - 1].kind, phases[at - 1].seconds) != (p.kind, p.seconds)
    ]


def pattern_of(phases: list[Phase]) -> tuple[float, ...] | None:
    """One cycle, from the first in-breath, in an order a breath is paced in."""
    phases = said_once(phases)
    kinds = [p.kind for p in phases]
    if "in" not in kinds or "out" not in kinds:
        return None
    start = kinds.index("in")
    turned = phases[start:] + phases[:start]
    cycle = [turned[0]]
    for phase in turned[1:]:
        if phase.kind == "in":
            break
        cycle.append(phase)
    order = tuple(p.kind for p in cycle)
    for size in (4, 3, 2):
        if order[:size] in PHASE_ORDERS:
            return tuple(p.seconds for p in cycle[:size])
    return None


def find_pattern(text: str) -> BreathFound | None:
    """A paced breath told in one sentence: "inhale for 4, hold for 7, exhale for 8" → (4, 7, 8)."""
    phases = phases_of(text)
    pattern = pattern_of(phases)
    if pattern is not None:
        return _found(pattern, phases[0].start, phases[-1].end, text)
    named = _NAMED.search(text)
    if named:
        return _found((4.0, 4.0, 4.0, 4.0), named.start(), named.end(), text)
    numbered = _NUMBERED_PATTERN.search(text)
    if numbered and (":" in numbered.group(0) or _BREATHING.search(text)):
        values = tuple(float(g) for g in numbered.groups() if g)
        return _found(values, numbered.start(), numbered.end(), text)
    return None


def _found(pattern: tuple[float, ...], start: int, end: int, text: str) -> BreathFound:
    return BreathFound(sum(pattern), start, end, text[start:end], pattern=pattern)


_ACTION_FIRST = re.compile(r"^[a-z][a-z ,'()]*?(?:\s+and|,)\s+(?=(?:then |slowly |gently |quietly |deeply )?$)")
_LEAD_WORDS = re.compile(r"\b(?:then|now|and|next|slowly|gently|quietly|deeply|finally|again)\b|[^a-z]")


def single_phase(text: str, after_action: bool = False) -> Phase | None:
    """The one phase a sentence is about, told at its start: "Inhale through your nose for 4
    seconds." → in 4; "Hold your breath for 7." → hold 7. With `after_action`, a short action
    may come first ("Close your mouth and inhale for 4")."""
    phases = phases_of(text)
    if len(phases) != 1:
        return None
    phase = phases[0]
    word = _PHASE_WORD.search(text)
    if word is None or word.start() > 40:
        return None
    lead = text[: word.start()].lower()
    if after_action:
        lead = _ACTION_FIRST.sub("", lead)
    return None if _LEAD_WORDS.sub("", lead) else phase


def mentions_breathing(text: str) -> bool:
    return bool(_BREATHING.search(text))


# "Breathe normally for a minute": the breath left to itself, with no prompts to pace it
FREE_BREATHING = re.compile(
    r"\bbreath\w*\s+(?:normally|naturally|freely|as usual|at your own pace)\b|\b(?:normal|natural) breathing\b",
    re.IGNORECASE,
)
