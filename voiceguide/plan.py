"""Routine + Options → Timeline: what is said when, and exactly how long each hold lasts.

Pure: the length of each spoken phrase and chime comes from a `measure` function, the real
clips' lengths when building audio, an estimate from the word count for `voiceguide plan`.

A timed step sounds like this (times in the cue sheet):
    instruction · prep pause · [hold: breath prompts on phase boundaries, silence] · chime · rest
The hold runs from the end of the prep pause to the start of the chime, to the sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from voiceguide.errors import UsageError
from voiceguide.model import Event, EventKind, Hold, Options, Routine, Step, Timeline
from voiceguide.parse import sentences

# measure(kind, text) → length in samples of a spoken phrase ("speech", "breath") or a chime
# ("chime", name).
Measure = Callable[[str, str], int]

CLOSING = "That is the end of the routine. Take a moment before you get up."
ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")
PHASE_PROMPTS = {
    2: ("Breathe in.", "Breathe out."),
    3: ("Breathe in.", "Hold.", "Breathe out."),
    4: ("Breathe in.", "Hold.", "Breathe out.", "Hold."),
}
SENTENCE_GAP = 0.6  # seconds between sentences of one step
PROMPT_GUARD = 0.3  # a breath prompt ends at least this long before its hold ends


def apply_options(routine: Routine, options: Options) -> Routine:
    """Apply the user's overrides in a fixed order: scale, then --hold, then --set, then breath."""
    known = {s.index for s in routine.steps if s.is_instruction}
    for index, _ in options.set_holds:
        if index not in known:
            raise UsageError(f"--set {index}=…: step {index} is not a timed step; see `voiceguide plan`")
    steps = tuple(_apply(step, options) for step in routine.steps)
    for step in steps:
        if step.seconds > options.max_hold:
            raise UsageError(
                f"step {step.index} (line {step.source_line}) lasts {step.seconds:g} s, longer than "
                f"--max-hold {options.max_hold:g} s; raise --max-hold if that is really meant"
            )
    return replace(routine, steps=steps)


def _apply(step: Step, options: Options) -> Step:
    if not step.is_instruction:
        return step
    overrides = dict(options.set_holds)
    if options.scale != 1.0 and step.seconds > 0:
        step = replace(step, seconds=round(step.seconds * options.scale, 3))
    if options.hold is not None and step.is_hold:
        step = replace(step, seconds=options.hold, seconds_from="override")
    target = step.copy_of if step.copy_of in overrides and step.index not in overrides else step.index
    if target in overrides:
        step = replace(step, seconds=overrides[target], seconds_from="override")
    if step.breath is not None and step.breath_from != "text":
        step = replace(step, breath=options.breath)
    return step


def speakable(text: str) -> str:
    """Text as eSpeak should read it: ranges and short units written out, no list markup."""
    text = re.sub(r"(\d)\s*[-–—]\s*(\d)", r"\1 to \2", text)
    text = re.sub(r"(\d)\s*(?:secs?|s)\b\.?", r"\1 seconds", text)
    text = re.sub(r"(\d)\s*(?:mins?|m)\b\.?", r"\1 minutes", text)
    text = re.sub(r"\s+", " ", text.replace("&", " and ")).strip()
    return text


# Cues: the routine as a flat script, before anything has a length --------------------------


@dataclass(frozen=True)
class Say:
    text: str
    step: int | None = None


@dataclass(frozen=True)
class Pause:
    seconds: float
    step: int | None = None


@dataclass(frozen=True)
class HoldCue:
    step: Step


@dataclass(frozen=True)
class Chime:
    name: str  # "end", "switch", "closing"
    step: int | None = None


Cue = Say | Pause | HoldCue | Chime


def script(routine: Routine, options: Options) -> Iterator[Cue]:
    """The routine as the listener hears it, in order."""
    yield Pause(options.lead_in)
    yield Say(routine.title)
    yield Pause(1.0)
    section: str | None = None
    for step in routine.steps:
        if step.section != section:
            section = step.section
            if section:
                yield Say(section, step.index)
                yield Pause(1.0, step.index)
        if step.kind in ("intro", "note"):
            if not options.no_intro:
                yield from _say_text(step.text, step.index)
                yield Pause(options.rest, step.index)
            continue
        if step.announce:
            yield Chime("switch", step.index)
            yield Say(step.announce, step.index)
            yield Pause(options.rest, step.index)
        if not step.is_instruction:
            continue
        yield from _say_text(step.text, step.index)
        yield from _perform(step, options)
    yield Say(CLOSING)
    yield Pause(1.0)
    yield Chime("closing")


def _say_text(text: str, step: int) -> Iterator[Cue]:
    for number, (_, sentence) in enumerate(sentences(text)):
        if number:
            yield Pause(SENTENCE_GAP, step)
        yield Say(speakable(sentence), step)


def _perform(step: Step, options: Options) -> Iterator[Cue]:
    if not step.is_hold:
        yield Pause(max(step.seconds, options.rest), step.index)
        return
    for performance in range(step.repeat):
        if performance and not step.continuous:
            yield Pause(max(options.rest, step.release), step.index)
            yield Say(f"{_ordinal(performance)} time.", step.index)
        if performance == 0 or not step.continuous:
            yield Pause(options.prep, step.index)
        yield HoldCue(step)
        if performance == step.repeat - 1 or not step.continuous:
            yield Chime("end", step.index)
    yield Pause(options.rest, step.index)


def _ordinal(performance: int) -> str:
    return ORDINALS[performance] if performance < len(ORDINALS) else f"Time number {performance + 1}"


def phrases(routine: Routine, options: Options) -> list[tuple[str, str]]:
    """Every distinct (kind, text) the voice must say, in order of first use."""
    seen: dict[tuple[str, str], None] = {}
    for cue in script(routine, options):
        if isinstance(cue, Say):
            seen[("speech", cue.text)] = None
        elif isinstance(cue, HoldCue):
            for prompt in _prompts(cue.step, options):
                seen[("breath", prompt)] = None
    return list(seen)


def _pattern(step: Step, options: Options) -> tuple[float, ...] | None:
    if options.no_breath or step.breath is None or len(step.breath) not in PHASE_PROMPTS:
        return None
    return step.breath


def _prompts(step: Step, options: Options) -> tuple[str, ...]:
    pattern = _pattern(step, options)
    return PHASE_PROMPTS[len(pattern)] if pattern else ()


# Layout: cues with lengths → events in samples ------------------------------------------------


def build_timeline(routine: Routine, options: Options, measure: Measure) -> Timeline:
    """Lay the script out in samples. Events tile the track; silences are events too."""
    rate = options.sample_rate
    events: list[Event] = []
    holds: list[Hold] = []
    fences: set[int] = set()  # hold edges: silences are not merged across them
    cursor = 0

    def add(kind: EventKind, length: int, text: str = "", step: int | None = None) -> None:
        nonlocal cursor
        if length <= 0:
            return
        if kind == "silence" and events and events[-1].kind == "silence" and cursor not in fences:
            last = events.pop()
            events.append(replace(last, end=cursor + length))
        else:
            events.append(Event(cursor, cursor + length, kind, text, step))
        cursor += length

    for cue in script(routine, options):
        if isinstance(cue, Say):
            add("speech", measure("speech", cue.text), cue.text, cue.step)
        elif isinstance(cue, Pause):
            add("silence", round(cue.seconds * rate), step=cue.step)
        elif isinstance(cue, Chime):
            add("chime", measure("chime", cue.name), cue.name, cue.step)
        else:
            step = cue.step
            length = round(step.seconds * rate)
            start = cursor
            fences.update((start, start + length))
            for offset, kind, text in _hold_inner(step, length, options, measure):
                add("silence", start + offset - cursor, step=step.index)
                add(kind, measure(kind, text), text, step.index)  # type: ignore[arg-type]
            add("silence", start + length - cursor, step=step.index)
            holds.append(Hold(step.index, start, start + length, step.seconds))
    return Timeline(routine.title, rate, tuple(events), tuple(holds), routine.steps)


def _hold_inner(step: Step, length: int, options: Options, measure: Measure) -> Iterator[tuple[int, str, str]]:
    """Breath prompts inside a hold, each on its phase boundary, each fitting its phase.

    A hold shorter than one full breath cycle gets no prompts: a half-finished cycle would
    leave the listener holding their breath when the chime sounds.
    """
    pattern = _pattern(step, options)
    if not pattern:
        return
    rate = options.sample_rate
    phases = [round(p * rate) for p in pattern]
    if sum(phases) > length:
        return
    guard = round(PROMPT_GUARD * rate)
    prompts = PHASE_PROMPTS[len(pattern)]
    offset, phase = 0, 0
    while offset < length:
        prompt = prompts[phase % len(prompts)]
        size = measure("breath", prompt)
        phase_length = phases[phase % len(phases)]
        if size < phase_length and offset + size <= length - guard:
            yield offset, "breath", prompt
        offset += phase_length
        phase += 1


def estimate(options: Options) -> Measure:
    """Lengths without synthesis, for `voiceguide plan`: words at the speaking rate."""
    from voiceguide.chime import CHIME_SECONDS

    def measure(kind: str, text: str) -> int:
        if kind == "chime":
            return round(CHIME_SECONDS[text] * options.sample_rate)
        words = max(1, len(text.split()))
        return round((words * 60 / options.rate + 0.2) * options.sample_rate)

    return measure
