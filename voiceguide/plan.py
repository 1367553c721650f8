"""Routine + Options → Timeline: what is heard when, and exactly how long each hold lasts.

Pure: the length of every sound comes from a `measure` function, the real clips' lengths when
building audio, an estimate from the word count for `voiceguide plan`.

A timed step sounds like this (times in the cue sheet):
    instruction · prep pause · [hold: breath cues on phase boundaries, halfway, ten seconds
    left] · bell (or a spoken "Release.") · rest
The hold runs from the end of the prep pause to the start of the bell, to the sample.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from voiceguide import lexicon
from voiceguide.errors import UsageError
from voiceguide.model import Event, EventKind, Hold, Options, Routine, Step, Timeline
from voiceguide.parse import sentences

# measure(sound) → length in samples of "voice:<phrase>", "tone:<in|out|hold>" or "chime:<name>"
Measure = Callable[[str], int]

# "That is the end of the routine." was heard without its "the"
CLOSING = "Your routine is now complete. Take a quiet moment before you get up slowly."
RELEASE = "Release."  # spoken instead of the bell with --chime none
HALFWAY = "Halfway."
TEN_LEFT = "Ten seconds left."
SHORT_HOLD_PROMPT = "Keep breathing slowly."
PHASES = {2: ("in", "out"), 3: ("in", "hold", "out"), 4: ("in", "hold", "out", "hold")}
# Cue wordings chosen by how often an offline recognizer heard them right (scripts/listen.py):
# eSpeak's "Breathe in." was heard as "Three minutes.", "Hold." as "Oh".
PHASE_WORDS = {"in": "Breathe in deeply.", "out": "Let it out slowly.", "hold": "Hold it gently."}
SENTENCE_GAP = 0.6  # seconds between sentences of one step
PROMPT_GUARD = 0.3  # a cue inside a hold ends at least this long before the hold ends
HALFWAY_FROM = 60.0  # automatic "Halfway." on holds at least this long (seconds)
COUNTDOWN_FROM = 45.0  # automatic "Ten seconds left." on holds at least this long
ASKED_FROM = 20.0  # with --halfway or --countdown, on holds at least this long
PREVIEW_SECONDS = 60.0


def apply_options(routine: Routine, options: Options) -> Routine:
    """Apply the user's overrides in a fixed order: scale, --hold, --set, breath pace, --only."""
    known = {s.index for s in routine.steps if s.is_instruction}
    for index, _ in options.set_holds:
        if index not in known:
            raise UsageError(f"--set {index}=…: step {index} is not a timed step; see `voiceguide plan`")
    if options.only is not None and options.only not in known:
        raise UsageError(f"--only {options.only}: no such instruction step; see `voiceguide plan`")
    steps = tuple(_apply(step, options) for step in routine.steps)
    for step in steps:
        if step.seconds > options.max_hold:
            where = f"step {step.index} (line {step.source_line})" if step.source_line else f"step {step.index}"
            raise UsageError(
                f"{where} lasts {step.seconds:g} s, longer than "
                f"--max-hold {options.max_hold:g} s; raise --max-hold if that is really meant"
            )
    if options.only is not None:
        steps = tuple(s for s in steps if s.index == options.only)
    return replace(routine, steps=steps)


def _apply(step: Step, options: Options) -> Step:
    if not step.is_instruction:
        return step
    overrides = dict(options.set_holds)
    if options.scale != 1.0 and step.seconds > 0:
        step = replace(
            step, seconds=round(step.seconds * options.scale, 3), release=round(step.release * options.scale, 3)
        )
    if options.hold is not None and step.is_hold:
        step = replace(step, seconds=options.hold, seconds_from="override")
    target = step.copy_of if step.copy_of in overrides and step.index not in overrides else step.index
    if target in overrides:
        step = replace(step, seconds=overrides[target], seconds_from="override")
    if step.breath is not None and step.breath_from != "text":
        step = replace(step, breath=options.breath)
    return step


def spoken_announcement(text: str) -> str:
    """How a switch is said: "Next, your left foot." for "Now the left foot.", whose "Now" eSpeak
    runs into the next word (a recognizer heard "Out the left foot.", "the hour left foot")."""
    return re.sub(r"^Now,? the\b", "Next, your", text)


def speakable(text: str) -> str:
    """Text as eSpeak should read it: ranges and short units written out, no list markup."""
    text = lexicon.STAGE_DIRECTION.sub("", text)  # "(pause 10 seconds)": timed, not said
    text = re.sub(r"(\d)\s*[-–—]\s*(\d)", r"\1 to \2", text)
    text = re.sub(r"(\d)\s*(?:secs?|s)\b\.?", r"\1 seconds", text)
    text = re.sub(r"(\d)\s*(?:mins?|m)\b\.?", r"\1 minutes", text)
    text = re.sub(r"\s+", " ", text.replace("&", " and ")).strip()
    text = re.sub(r"(?:\.\.\.|…)(?:\s*(?:\.\.\.|…))+", "...", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


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
    name: str  # "end", "section", "switch", "closing"
    step: int | None = None


Cue = Say | Pause | HoldCue | Chime


def script(routine: Routine, options: Options) -> Iterator[Cue]:
    """The routine as the listener hears it, in order."""
    bells = options.chime != "none" or options.chime_file is not None
    yield Pause(options.lead_in)
    yield Say(routine.title)
    yield Pause(1.0)
    section: str | None = None
    for step in routine.steps:
        if step.section != section:
            if section is not None and bells:
                yield Chime("section", step.index)  # the end of a section
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
            if bells:
                yield Chime("switch", step.index)
            yield Say(spoken_announcement(step.announce), step.index)
            yield Pause(options.rest, step.index)
        if step.is_instruction:
            yield from _say_text(step.text, step.index)
            yield from _perform(step, options, bells)
    yield Say(CLOSING)
    if bells:
        yield Pause(1.0)
        yield Chime("closing")


def _say_text(text: str, step: int) -> Iterator[Cue]:
    first = True
    for _, sentence in sentences(text):
        said = speakable(sentence)
        if not said.strip(" .,;:!?…-–—") or lexicon.PRESCRIPTION_VALUES.match(said):
            continue  # a stage direction, or a handout's "Hold: 30 s  Reps: 3": timed, not read out
        if not first:
            yield Pause(SENTENCE_GAP, step)
        yield Say(said, step)
        first = False


def _perform(step: Step, options: Options, bells: bool) -> Iterator[Cue]:
    if not step.is_hold:
        yield Pause(max(step.seconds, options.rest), step.index)
        return
    for performance in range(step.repeat):
        if performance and not step.continuous:
            yield Pause(max(options.rest, step.release), step.index)
            yield Say(lexicon.ordinal_time(performance + 1), step.index)
        if performance == 0 or not step.continuous:
            yield Pause(options.prep, step.index)
        yield HoldCue(step)
        if performance == step.repeat - 1 or not step.continuous:
            yield Chime("end", step.index) if bells else Say(RELEASE, step.index)
    yield Pause(options.rest, step.index)


def phrases(routine: Routine, options: Options) -> list[str]:
    """Every distinct phrase the voice must say, in order of first use."""
    seen: dict[str, None] = {}
    for cue in script(routine, options):
        if isinstance(cue, Say):
            seen[cue.text] = None
        elif isinstance(cue, HoldCue):
            for text in (*(PHASE_WORDS.values() if _pattern(cue.step, options) else ()), HALFWAY, TEN_LEFT):
                if options.breath_cue in ("voice", "both") or text in (HALFWAY, TEN_LEFT):
                    seen[text] = None
            if options.breath_cue in ("voice", "both") and _pattern(cue.step, options):
                seen[SHORT_HOLD_PROMPT] = None
    return list(seen)


def _pattern(step: Step, options: Options) -> tuple[float, ...] | None:
    if options.no_breath or options.breath_cue == "none" or step.breath is None or len(step.breath) not in PHASES:
        return None
    return step.breath


# Layout: cues with lengths → events in samples ------------------------------------------------


def build_timeline(routine: Routine, options: Options, measure: Measure) -> Timeline:
    """Lay the script out in samples. Events tile the track; silences are events too."""
    rate = options.sample_rate
    events: list[Event] = []
    holds: list[Hold] = []
    fences: set[int] = set()  # hold edges: silences are not merged across them
    cursor = 0

    def add(kind: EventKind, length: int, text: str = "", step: int | None = None, sound: str = "") -> None:
        nonlocal cursor
        if length <= 0:
            return
        if kind == "silence" and events and events[-1].kind == "silence" and cursor not in fences:
            last = events.pop()
            events.append(replace(last, end=cursor + length))
        else:
            events.append(Event(cursor, cursor + length, kind, text, step, sound))
        cursor += length

    for cue in script(routine, options):
        if isinstance(cue, Say):
            sound = f"voice:{cue.text}"
            add("speech", measure(sound), cue.text, cue.step, sound)
        elif isinstance(cue, Pause):
            add("silence", round(cue.seconds * rate), step=cue.step)
        elif isinstance(cue, Chime):
            sound = f"chime:{cue.name}"
            add("chime", measure(sound), cue.name, cue.step, sound)
        else:
            step = cue.step
            length = round(step.seconds * rate)
            start = cursor
            fences.update((start, start + length))
            for offset, kind, text, sound in _hold_inner(step, length, options, measure):
                add("silence", start + offset - cursor, step=step.index)
                add(kind, measure(sound), text, step.index, sound)  # type: ignore[arg-type]
            add("silence", start + length - cursor, step=step.index)
            holds.append(Hold(step.index, start, start + length, step.seconds))
    timeline = Timeline(routine.title, rate, tuple(events), tuple(holds), routine.steps)
    return preview(timeline, PREVIEW_SECONDS) if options.preview else timeline


Placed = tuple[int, str, str, str]  # offset in the hold, event kind, text, sound


def _hold_inner(step: Step, length: int, options: Options, measure: Measure) -> list[Placed]:
    """What is heard inside a hold, in order: spoken markers first, breath cues around them.

    Breath cues start on phase boundaries and each fits inside its phase. A hold shorter than
    one full breath cycle gets one "Keep breathing slowly." instead: a half-finished cycle would
    leave the listener holding their breath when the bell sounds.
    """
    rate = options.sample_rate
    guard = round(PROMPT_GUARD * rate)
    seconds = length / rate
    marks: list[tuple[int, int, str, str, str]] = []  # start, end, kind, text, sound
    if _wanted(options.halfway, seconds, HALFWAY_FROM):
        marks.append(_mark(length // 2, "speech", HALFWAY, measure))
    if _wanted(options.countdown, seconds, COUNTDOWN_FROM) and seconds > 10 + 2 * PROMPT_GUARD:
        marks.append(_mark(length - 10 * rate, "speech", TEN_LEFT, measure))
    kept: list[tuple[int, int, str, str, str]] = []
    for mark in marks:  # in time order; one that would run into the one before is left out
        if mark[1] <= length - guard and all(mark[0] >= end + guard for _, end, *_ in kept):
            kept.append(mark)
    marks = kept
    placed: list[tuple[int, int, str, str, str]] = list(marks)

    def free(start: int, end: int) -> bool:
        return end <= length - guard and all(end + guard <= a or start >= b + guard for a, b, *_ in marks)

    pattern = _pattern(step, options)
    if pattern:
        phases = [round(p * rate) for p in pattern]
        if sum(phases) <= length:
            offset, phase = 0, 0
            while offset < length:
                names = PHASES[len(pattern)]
                cue = _breath_cue(names[phase % len(names)], offset, options, measure)
                end = cue[-1][1] if cue else offset
                if cue and end - offset < phases[phase % len(phases)] and free(offset, end):
                    placed += cue
                offset += phases[phase % len(phases)]
                phase += 1
        elif options.breath_cue in ("voice", "both"):
            prompt = _mark(0, "breath", SHORT_HOLD_PROMPT, measure)
            if free(prompt[0], prompt[1]) and length >= 4 * rate:
                placed.append(prompt)
    return [(start, kind, text, sound) for start, _, kind, text, sound in sorted(placed)]


def _wanted(asked: bool | None, seconds: float, automatic_from: float) -> bool:
    if asked is None:
        return seconds >= automatic_from
    return asked and seconds >= ASKED_FROM


def _mark(start: int, kind: str, text: str, measure: Measure) -> tuple[int, int, str, str, str]:
    sound = f"voice:{text}"
    return (start, start + measure(sound), kind, text, sound)


def _breath_cue(phase: str, offset: int, options: Options, measure: Measure) -> list[tuple[int, int, str, str, str]]:
    """A phase boundary: a soft tone, the spoken word, or the tone then the word."""
    cue = []
    if options.breath_cue in ("tone", "both"):
        sound = f"tone:{phase}"
        cue.append((offset, offset + measure(sound), "breath", f"({phase} tone)", sound))
    if options.breath_cue in ("voice", "both"):
        start = cue[-1][1] if cue else offset
        cue.append(_mark(start, "breath", PHASE_WORDS[phase], measure))
    return cue


def preview(timeline: Timeline, seconds: float) -> Timeline:
    """The first `seconds` of a timeline, ending at the end of the event that crosses it."""
    limit = round(seconds * timeline.sample_rate)
    events = tuple(e for e in timeline.events if e.start < limit)
    end = events[-1].end if events else 0
    holds = tuple(h for h in timeline.holds if h.end <= end)
    return replace(timeline, events=events, holds=holds)


def estimate(options: Options) -> Measure:
    """Lengths without synthesis, for `voiceguide plan`: words at the speaking rate."""
    from voiceguide.chime import sound_length

    def measure(sound: str) -> int:
        source, _, name = sound.partition(":")
        if source != "voice":
            return sound_length(sound, options)
        words = max(1, len(name.split()))
        return round((words * 60 / options.rate + 0.2) * options.sample_rate)

    return measure
