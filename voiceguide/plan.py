"""Routine + Options → Timeline: what is heard when, and exactly how long each hold lasts.

Pure: the length of every sound comes from a `measure` function, the real clips' lengths for
both `voiceguide plan` and `voiceguide build`.

A timed step sounds like this (times in the cue sheet):
    instruction · prep pause · [hold: breath cues on phase boundaries, halfway, ten seconds
    left] · bell (or a spoken "Release.") · rest
The hold runs from the end of the prep pause to the start of the bell, to the sample.

Sounds start on the MP3's frame grid wherever they may (`build_timeline`), so that a sound
encodes alike wherever it falls and a rebuild after an edit encodes only what the edit changed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from voiceguide import lexicon, wording
from voiceguide.errors import RoutineError, UsageError
from voiceguide.model import Event, EventKind, Hold, Options, Routine, Step, Timeline
from voiceguide.parse import sentences

N = TypeVar("N", int, float)

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
EXHALE_SOUNDS = frozenset({f"voice:{PHASE_WORDS['out']}", "tone:out"})
SENTENCE_GAP = 0.6  # seconds between sentences of one step
PROMPT_GUARD = 0.3  # a cue inside a hold ends at least this long before the hold ends
HALFWAY_FROM = 60.0  # automatic "Halfway." on holds at least this long (seconds)
COUNTDOWN_FROM = 45.0  # automatic "Ten seconds left." on holds at least this long
ASKED_FROM = 20.0  # with --halfway or --countdown, on holds at least this long
PREVIEW_SECONDS = 60.0
MAX_REPEAT = 1000  # more repetitions of one step (or rounds of a list) are refused as a likely typo
# Samples in a frame of the MP3 (MPEG-2 Layer III at 16 to 24 kHz, mp3frames.SAMPLES): sounds
# start on multiples of it, counted from the start of the track, wherever they may.
GRID = 576


def apply_options(routine: Routine, options: Options) -> Routine:
    """Apply the user's overrides in a fixed order: scale, --hold, --set, --repeat, breath pace, --only."""
    known = {s.index for s in routine.steps if s.is_instruction}
    for flag, changes in (("--set", options.set_holds), ("--repeat", options.set_repeats)):
        for index, _ in changes:
            if index not in known:
                raise UsageError(f"{flag} {index}=…: step {index} is not a timed step; see `voiceguide plan`")
    if options.only is not None and options.only not in known:
        raise UsageError(f"--only {options.only}: no such instruction step; see `voiceguide plan`")
    for step in routine.steps:
        if step.repeat > MAX_REPEAT:
            raise RoutineError(
                f"step {step.index} is done {step.repeat} times, more than the {MAX_REPEAT} a step may be; "
                "write a smaller count",
                routine.source,
                step.source_line,
            )
    steps = _say_new_times(routine.steps, tuple(_apply(step, options) for step in routine.steps))
    for step in steps:
        if step.seconds > options.max_hold:
            where = f"step {step.index} (line {step.source_line})" if step.source_line else f"step {step.index}"
            raise UsageError(
                f"{where} lasts {step.seconds:g} s, longer than "
                f"--max-hold {options.max_hold:g} s; raise --max-hold if that is really meant"
            )
    if options.only is not None:
        steps = tuple(s for s in steps if s.index == options.only)
    # The holds alone, before anything is laid out: a routine of days is refused at once.
    check_total(sum(s.seconds * (s.repeat if s.is_hold else 1) for s in steps if s.is_instruction), options, True)
    return replace(routine, steps=steps)


def _say_new_times(before: tuple[Step, ...], after: tuple[Step, ...]) -> tuple[Step, ...]:
    """Steps whose words say the time they now have. A changed step says its new hold (and rest
    between repetitions); a step and its mirrored copies timed apart no longer say "each side";
    an introduction or note that gave the time of steps said once for many ("hold each stretch
    for 30 seconds") says their new time when they all changed alike."""
    sides: dict[int, set[float]] = {}
    for step in after:
        sides.setdefault(step.copy_of or step.index, set()).add(step.seconds)
    ruled: dict[float, set[float]] = {}
    for old, new in zip(before, after, strict=True):
        if old.seconds_from == "rule" and old.seconds != new.seconds:
            ruled.setdefault(old.seconds, set()).add(new.seconds)
    for old, new in zip(before, after, strict=True):
        if old.seconds_from == "rule" and old.seconds == new.seconds and old.seconds in ruled:
            ruled[old.seconds].add(old.seconds)  # some kept the time the note gives: it stays
    notes = [(was, now.pop()) for was, now in ruled.items() if len(now) == 1]
    said = []
    for old, new in zip(before, after, strict=True):
        if new.is_instruction:
            one_side = len(sides[new.copy_of or new.index]) > 1
            if one_side or (old.seconds, old.release) != (new.seconds, new.release):
                changes = [(old.seconds, new.seconds), (old.release, new.release)]
                new = replace(new, text=wording.restate(old.text, changes, one_side, wording.breath_said(old)))
        elif notes:
            new = replace(new, text=wording.restate(old.text, notes))
        said.append(new)
    return tuple(said)


def check_total(seconds: float, options: Options, at_least: bool = False) -> None:
    """Refuse a routine longer than --max-total (12 hours): likely a mistake, and hours of work."""
    if seconds > options.max_total:
        lasts = f"{'at least ' if at_least else ''}{seconds / 3600:.1f} h"
        raise UsageError(
            f"the routine lasts {lasts}, longer than --max-total {options.max_total:g} s "
            f"({options.max_total / 3600:.3g} h); raise --max-total if that is really meant"
        )


def _apply(step: Step, options: Options) -> Step:
    if not step.is_instruction:
        return step
    if options.scale != 1.0 and step.seconds > 0:
        step = replace(
            step, seconds=round(step.seconds * options.scale, 3), release=round(step.release * options.scale, 3)
        )
    # "roll your shoulders 10 times", "inhale for 4, exhale for 6": a pace, not a hold
    counted = (step.repeat > 1 and step.seconds_from == "default") or step.breath_from == "text"
    if options.hold is not None and step.is_hold and not counted:
        step = replace(step, seconds=options.hold, seconds_from="override")
    seconds = _override(step, options.set_holds)
    if seconds is not None:
        step = replace(step, seconds=seconds, seconds_from="override")
    repeat = _override(step, options.set_repeats)
    if repeat is not None:
        step = replace(step, repeat=repeat)
    if step.breath is not None and step.breath_from != "text":
        step = replace(step, breath=options.breath)
    return step


def _override(step: Step, changes: tuple[tuple[int, N], ...]) -> N | None:
    """The step's own override, or else that of the step it mirrors or repeats."""
    table = dict(changes)
    if step.index in table:
        return table[step.index]
    return table.get(step.copy_of) if step.copy_of is not None else None


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
    exact: bool = False  # the prep before a hold: never lengthened or shortened for the grid


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
    before = ""
    for _, sentence in sentences(text):
        said = speakable(sentence)
        if not said.strip(" .,;:!?…-–—") or lexicon.PRESCRIPTION_VALUES.match(said) or _said_already(said, before):
            continue  # a stage direction, a handout's "Hold: 30 s  Reps: 3" or a badge: timed, not read out
        before += f" {said.lower()}"
        if not first:
            yield Pause(SENTENCE_GAP, step)
        yield Say(said, step)
        first = False


def _said_already(sentence: str, before: str) -> bool:
    """A page's badge ("4 seconds.") under the line that says it ("Inhale for 4 seconds")."""
    found = lexicon.find_durations(sentence)
    rest = sentence.lower()
    for duration in found:
        rest = rest.replace(duration.phrase.lower(), " ")
    return bool(found) and not re.search(r"\w", rest) and all(d.phrase.lower() in before for d in found)


def _perform(step: Step, options: Options, bells: bool) -> Iterator[Cue]:
    if not step.is_hold:
        yield Pause(max(step.seconds, options.rest), step.index)
        return
    for performance in range(step.repeat):
        if performance and not step.continuous:
            yield Pause(max(options.rest, step.release), step.index)
            yield Say(lexicon.ordinal_time(performance + 1), step.index)
        if performance == 0 or not step.continuous:
            yield Pause(options.prep, step.index, exact=True)
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
    """Lay the script out in samples. Events tile the track; silences are events too.

    Sounds start on the MP3's frame grid (every GRID samples of the track) wherever they may.
    The MP3 is assembled from separately encoded sounds, and a sound's encoding depends on
    where in its frame it starts (assemble.py): on the grid, one encoding serves a sound
    wherever it falls, and an edit that moves everything after it moves nothing off the grid.
    The sounds after a pause move together to the grid point nearest where they would be
    without it, the pause lengthened or shortened by at most half a frame (13 ms). Where a hold
    follows them, it is the hold's start that goes on the grid: the prep pause before it and
    the hold stay exact, and its bell sits in its frame by the hold's own length only. Inside
    a hold, the breath cues and markers go on the grid too (`_hold_inner`). The sounds that
    close the routine stay where they are, so the grid never changes the track's length.
    """
    rate = options.sample_rate
    cues = list(script(routine, options))
    events: list[Event] = []
    holds: list[Hold] = []
    fences: set[int] = set()  # hold edges: silences are not merged across them
    cursor = 0
    planned = 0  # where the cursor would be if nothing were moved onto the grid
    movable = False  # the last thing laid out was a pause that may be lengthened or shortened

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

    for number, cue in enumerate(cues):
        if movable and not isinstance(cue, Pause):  # the pause before ends where these sounds start
            anchor = _anchor(cues, number, options, measure)
            at = planned if anchor is None else (planned + anchor + GRID // 2) // GRID * GRID - anchor
            pause = events[-1]
            while at <= pause.start:  # a pause shorter than a frame stays a pause
                at += GRID
            events[-1] = replace(pause, end=at)
            cursor = at
            movable = False
        if isinstance(cue, Say):
            sound = f"voice:{cue.text}"
            add("speech", measure(sound), cue.text, cue.step, sound)
        elif isinstance(cue, Pause):
            length = round(cue.seconds * rate)
            add("silence", length, step=cue.step)
            movable = not cue.exact if length > 0 else movable
        elif isinstance(cue, Chime):
            sound = f"chime:{cue.name}"
            add("chime", measure(sound), cue.name, cue.step, sound)
        else:
            step = cue.step
            length = round(step.seconds * rate)
            start = cursor
            fences.update((start, start + length))
            for offset, kind, text, sound in _hold_inner(step, length, options, measure, _Grid(start, planned)):
                add("silence", start + offset - cursor, step=step.index)
                add(kind, measure(sound), text, step.index, sound)  # type: ignore[arg-type]
            add("silence", start + length - cursor, step=step.index)
            holds.append(Hold(step.index, start, start + length, step.seconds))
        planned += _length(cue, options, measure)
    timeline = Timeline(routine.title, rate, tuple(events), tuple(holds), routine.steps)
    return preview(timeline, PREVIEW_SECONDS) if options.preview else timeline


def _length(cue: Cue, options: Options, measure: Measure) -> int:
    """The samples a cue takes in the track."""
    if isinstance(cue, Say):
        return measure(f"voice:{cue.text}")
    if isinstance(cue, Chime):
        return measure(f"chime:{cue.name}")
    seconds = cue.seconds if isinstance(cue, Pause) else cue.step.seconds
    return max(0, round(seconds * options.sample_rate))


def _anchor(cues: list[Cue], number: int, options: Options, measure: Measure) -> int | None:
    """Where the sounds from cue `number` up to the next pause are held on the grid, in samples
    from their start: the start of the first hold among them, else their own start; None for
    the sounds that close the routine."""
    offset = 0
    for cue in cues[number:]:
        if isinstance(cue, HoldCue):
            return offset
        length = _length(cue, options, measure)
        if isinstance(cue, Pause) and not cue.exact and length > 0:
            return 0
        offset += length
    return None


@dataclass(frozen=True)
class _Grid:
    """The frame grid seen from inside a hold that starts at sample `origin` of the track and
    would start at `planned` without the grid: offsets into the hold at which a sound starts on
    a multiple of GRID."""

    origin: int
    planned: int

    def nearest(self, offset: int) -> int:
        """The grid offset nearest where `offset` into the hold would be without the grid, at
        most half a frame from it, but never before the hold's start."""
        return max((self.planned + offset + GRID // 2) // GRID * GRID - self.origin, -self.origin % GRID)


Placed = tuple[int, str, str, str]  # offset in the hold, event kind, text, sound
Sound = tuple[int, int, str, str, str]  # start, end (samples in the hold), event kind, text, sound
Phase = tuple[int, int, str]  # start, end (samples in the hold), "in", "hold" or "out"


def _hold_inner(step: Step, length: int, options: Options, measure: Measure, grid: _Grid) -> list[Placed]:
    """What is heard inside a hold, in order: breath cues and the spoken markers, each starting
    on the frame grid.

    With breath cues, whole breath cycles fill the hold (`_cycles`), so its last cue is an
    exhale that ends as the bell rings, and each cue starts on a phase boundary. A marker
    ("Halfway.", "Ten seconds left.") goes in the quiet end of a cycle, just before the next
    "Breathe in.", or where that end is too short, in place of a whole cycle's cues: the pace
    never changes around it. A hold shorter than one breath cycle gets one "Keep breathing slowly."
    instead: a half-finished cycle would leave the listener holding their breath at the bell.
    On the grid, a breath cue starts within half a frame (13 ms) of its phase boundary.
    """
    rate = options.sample_rate
    guard = round(PROMPT_GUARD * rate)
    pattern = _pattern(step, options)
    fitted = _cycles(pattern, length, rate) if pattern else None
    markers = _markers(length, options, measure)
    if fitted is None:
        placed = _at_their_time(markers, length, guard, grid)
        if pattern and options.breath_cue in ("voice", "both") and length >= 4 * rate:
            prompt = _mark(grid.nearest(0), "breath", SHORT_HOLD_PROMPT, measure)
            if all(prompt[1] + guard <= start or prompt[0] >= end + guard for start, end, *_ in placed):
                placed.append(prompt)
        return _in_order(placed)
    cycles = _on_grid(fitted, grid, length)
    cues = [_cycle_cues(cycle, length, guard, options, measure) for cycle in cycles]
    marks: list[Sound] = []
    for target, tolerance, mark in markers:
        spot = _between_cycles(mark, target, tolerance, cycles, fitted, cues, marks, guard, grid)
        if spot is not None:
            start, replaced = spot
            marks.append((start, start + mark[1] - mark[0], *mark[2:]))
            if replaced is not None:
                cues[replaced] = []
    breaths = [cue for cycle in cues for cue in cycle]
    while breaths and breaths[-1][4] not in EXHALE_SOUNDS:
        breaths.pop()  # an exhale too quick for its words left out: the cues still end on one
    return _in_order([*marks, *breaths])


def _in_order(placed: list[Sound]) -> list[Placed]:
    return [(start, kind, text, sound) for start, _, kind, text, sound in sorted(placed)]


def _markers(length: int, options: Options, measure: Measure) -> list[tuple[int, int, Sound]]:
    """The spoken markers a hold gets, the countdown first where both want one place: (the
    moment the words should end by, how far from it they may end, the marker said at its exact
    moment). Times are in samples into the hold."""
    rate = options.sample_rate
    seconds = length / rate
    found = []
    if _wanted(options.countdown, seconds, COUNTDOWN_FROM) and seconds > 10 + 2 * PROMPT_GUARD:
        mark = _mark(length - 10 * rate, "speech", TEN_LEFT, measure)
        found.append((length - 10 * rate, round(3.5 * rate), mark))
    if _wanted(options.halfway, seconds, HALFWAY_FROM):
        mark = _mark(length // 2, "speech", HALFWAY, measure)
        found.append((length // 2 + mark[1] - mark[0], length // 6, mark))
    return found


def _at_their_time(markers: list[tuple[int, int, Sound]], length: int, guard: int, grid: _Grid) -> list[Sound]:
    """Markers at their moment (a hold without breath cycles), on the grid point nearest it;
    one that would run into the one before, or past the hold, is left out."""
    kept: list[Sound] = []
    for _, _, (at, until, kind, text, sound) in sorted(markers, key=lambda marker: marker[2][0]):
        moved = grid.nearest(at)
        mark = (moved, moved + until - at, kind, text, sound)
        if mark[1] <= length - guard and all(mark[0] >= end + guard for _, end, *_ in kept):
            kept.append(mark)
    return kept


def _cycles(pattern: tuple[float, ...], length: int, rate: int) -> list[list[Phase]] | None:
    """Whole breath cycles that fill a hold exactly, each phase in samples, or None for a hold
    shorter than one cycle. The number of cycles is the one whose pace is nearest the asked one
    (on a ratio scale), and every phase is stretched or shrunk by the same factor; a pattern
    that ends with a hold after the exhale (4:4:4:4) leaves that last hold out, so the hold
    always ends on an exhale."""
    names = PHASES[len(pattern)]
    trailing = pattern[-1] if names[-1] == "hold" else 0.0
    cycle, seconds = sum(pattern), length / rate
    if seconds < cycle - trailing:
        return None
    counts = sorted({max(1, math.floor((seconds + trailing) / cycle)), math.ceil((seconds + trailing) / cycle)})
    count = min(counts, key=lambda n: abs(math.log(seconds / (n * cycle - trailing))))
    factor = seconds / (count * cycle - trailing)
    phases = [(names[i % len(names)], pattern[i % len(names)]) for i in range(count * len(names) - bool(trailing))]
    found: list[Phase] = []
    elapsed = 0.0
    for name, phase_seconds in phases:
        start = round(elapsed * factor * rate)
        elapsed += phase_seconds
        found.append((start, round(elapsed * factor * rate), name))
    found[-1] = (found[-1][0], length, found[-1][2])
    return [found[i : i + len(names)] for i in range(0, len(found), len(names))]


def _on_grid(cycles: list[list[Phase]], grid: _Grid, length: int) -> list[list[Phase]]:
    """The cycles with each phase's start moved to the grid, each phase ending where the next
    one starts and the last one at the bell."""
    phases = [phase for cycle in cycles for phase in cycle]
    starts = [min(grid.nearest(start), length) for start, _, _ in phases]
    moved = [(start, end, name) for start, end, (_, _, name) in zip(starts, [*starts[1:], length], phases, strict=True)]
    size = len(cycles[0])
    return [moved[at : at + size] for at in range(0, len(moved), size)]


def _cycle_cues(cycle: list[Phase], length: int, guard: int, options: Options, measure: Measure) -> list[Sound]:
    """A cycle's breath cues, each at the start of its phase and done before the phase ends."""
    cues: list[Sound] = []
    for start, end, name in cycle:
        cue = _breath_cue(name, start, options, measure)
        if cue and cue[-1][1] < end and cue[-1][1] <= length - guard:
            cues += cue
    return cues


def _between_cycles(
    mark: Sound,
    target: int,
    tolerance: int,
    cycles: list[list[Phase]],
    fitted: list[list[Phase]],
    cues: list[list[Sound]],
    marks: list[Sound],
    guard: int,
    grid: _Grid,
) -> tuple[int, int | None] | None:
    """Where a marker goes: (its start, on the grid, and the cycle whose cues it replaces or
    None), its words ending nearest `target` and within `tolerance` of it, or None when no
    place is near enough. `cycles` are on the grid, `fitted` as they were before it: a marker
    in the quiet end of a cycle goes on the grid point nearest where it would be without it."""
    size = mark[1] - mark[0]
    places: list[tuple[int, int, int | None]] = []  # distance, start, replaced cycle
    for number in range(1, len(cycles)):
        boundary = cycles[number][0][0]
        before = cycles[number - 1]
        quiet_from = max([before[-1][0], *(end for _, end, *_ in cues[number - 1])]) + guard
        start = grid.nearest(fitted[number][0][0] - guard - size)
        if start >= quiet_from:  # in the quiet end of the cycle before
            places.append((abs(start + size - target), start, None))
        elif number < len(cycles) - 1 and boundary + size <= cycles[number + 1][0][0] - guard:
            places.append((abs(boundary + size - target), boundary, number))  # in place of this cycle
    for distance, start, replaced in sorted(places, key=lambda place: (place[0], place[2] is not None)):
        clear = all(start + size + guard <= other[0] or start >= other[1] + guard for other in marks)
        if distance <= tolerance and clear:
            return start, replaced
    return None


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


def heard(routine: Routine, timeline: Timeline, options: Options) -> tuple[Step, ...]:
    """The steps a listener hears in `timeline` (a preview holds the first few), in order: what
    `plan` lists and counts, and `build` counts."""
    present = {event.step for event in timeline.events}
    return tuple(
        step
        for step in routine.steps
        if step.index in present and (step.is_instruction or step.announce or not options.no_intro)
    )


def estimate(options: Options) -> Measure:
    """Lengths guessed from the word count at the speaking rate, for tests of the parser that
    must not start the voice. The commands never use it: `plan` and `build` measure the real
    clips (pipeline.lay_out), so their times agree to the sample."""
    from voiceguide.chime import sound_length

    def measure(sound: str) -> int:
        source, _, name = sound.partition(":")
        if source != "voice":
            return sound_length(sound, options)
        words = max(1, len(name.split()))
        return round((words * 60 / options.rate + 0.2) * options.sample_rate)

    return measure
