"""The steps made so far and what the step-making pass needs to know about them (the side in
force, the run of steps since a side was named, numbered items, the rule in force), and how a
single unit becomes a step with its defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from voiceguide import lexicon
from voiceguide.model import Guess, Step
from voiceguide.parse.breath import FREE_BREATHING, Phase, mentions_breathing, single_phase
from voiceguide.parse.grammar import kind_of
from voiceguide.parse.units import Rule, Unit, hold_and_release

# Seconds a step gets when its text names none, by what it asks for (see README).
DEFAULT_SECONDS = {
    "position": 5.0,
    "press": 30.0,
    "massage": 30.0,
    "hold": 20.0,
    "rest": 10.0,
    "breath": 20.0,
}


PASS_SECONDS = 10.0  # one pass of a counted, untimed movement ("thumb walk a few times")


QUICK_REPS_FROM = 3  # more repetitions than this are quick ones ("open and close your hand 10 times")


QUICK_REP_SECONDS = 3.0


DEFAULT_BREATH = (4.0, 6.0)


HOLD_BREATH_KINDS = frozenset({"press", "hold"})  # get breath prompts even when unmentioned


@dataclass
class Draft:
    steps: list[Step] = field(default_factory=list)
    run: list[int] = field(default_factory=list)  # positions of instructions since the last side change
    run_section: str | None = None
    side: str | None = None
    part: str | None = None
    numbered: dict[int, list[int]] = field(default_factory=dict)  # list number → step positions
    block_of: dict[int, int] = field(default_factory=dict)  # step position → its source block
    sentence_of: dict[int, int] = field(default_factory=dict)  # step position → its source sentence
    saved_run: list[int] = field(default_factory=list)  # the run before a plain switch
    phases: list[Phase] = field(default_factory=list)  # a breath being told phase by phase
    phases_at: int | None = None  # the breathing step those phases make up
    breathing: set[int] = field(default_factory=set)  # the units that tell the rest of it
    listed: set[int] = field(default_factory=set)  # steps made from list items and table cells
    rows: set[int] = field(default_factory=set)  # steps made from a table's rows
    guesses: list[tuple[int, int | None, str]] = field(default_factory=list)  # line, step position, what
    sets: dict[int, int] = field(default_factory=dict)  # step position → its sets, done once it is finished
    whole_run: list[int] = field(default_factory=list)  # instructions since the last side change, all sections
    seen_instruction: bool = False
    rule: Rule | None = None  # the rule in force
    rule_block: int = -1  # the paragraph it was stated in
    rule_listed: bool = False  # it has timed a list, which a paragraph after ends
    ruled: list[tuple[int, Rule]] = field(default_factory=list)  # steps the rule will time
    pending: list[tuple[list[int], str | None]] = field(default_factory=list)  # to mirror, with the part
    round_from: int | None = None  # the first step of a breath told one nostril and then the other
    dose_ahead: Unit | None = None  # "REPS: 10 | SETS: 3" under an exercise's name, before what to do

    def add(self, step: Step, unit: Unit | None = None) -> None:
        self.steps.append(step)
        if unit is not None:
            self.block_of[len(self.steps) - 1] = unit.block
            if unit.from_list:
                self.listed.add(len(self.steps) - 1)
            if unit.row:
                self.rows.add(len(self.steps) - 1)
            self.sentence_of[len(self.steps) - 1] = unit.sentence
        if step.is_instruction:
            self.seen_instruction = True
            self.run.append(len(self.steps) - 1)
            self.whole_run.append(len(self.steps) - 1)
            if unit is not None and unit.number is not None:
                first = self.numbered.get(1)
                if unit.number == 1 and first and self.block_of.get(first[0]) != unit.block:
                    self.numbered = {}  # a new numbered list starts
                self.numbered.setdefault(unit.number, []).append(len(self.steps) - 1)


def last_instruction(b: Draft) -> int | None:
    """The instruction a modifier sentence may time or repeat: not a copy, not across a switch."""
    for position in range(len(b.steps) - 1, -1, -1):
        step = b.steps[position]
        if step.kind in ("switch", "repeat") or step.copy_of is not None or step.section != b.run_section:
            return None
        if step.is_instruction:
            return position
    return None


def untimed(step: Step) -> bool:
    return step.seconds_from != "text" or step.kind == "breath"


def counted_seconds(repeat: int) -> float:
    """Untimed, counted movements: a pass of 10 s, or 3 s each when there are more than three."""
    return QUICK_REP_SECONDS if repeat > QUICK_REPS_FROM else PASS_SECONDS


def with_breath(step: Step, unit: Unit) -> Step:
    if unit.breath:
        return replace(step, breath=unit.breath.pattern, breath_from="text")
    if step.breath is None:
        return replace(step, breath=DEFAULT_BREATH, breath_from="default")
    return step


_HOLDING_BREATH = re.compile(r"\bhold (?:your|the|this) breath\b", re.IGNORECASE)


def instruction(unit: Unit, b: Draft) -> Step:
    kind = unit.kind or kind_of(unit.text)
    named = lexicon.first_side(unit.text)
    if named:
        b.side, part = named
        b.part = part if part and part != "side" else b.part
    side = b.side if named or not lexicon.BOTH_AT_ONCE.search(unit.text) else None  # "Hug both knees": no side
    step = Step(text=unit.text, kind=kind, side=side, section=unit.section, source_line=unit.line)
    if (_HOLDING_BREATH.search(unit.text) or FREE_BREATHING.search(unit.text)) and not unit.breath:
        pass  # nothing is said while the breath is held, or left to itself
    elif unit.breath or mentions_breathing(unit.text) or kind in HOLD_BREATH_KINDS:
        step = with_breath(step, unit)
    repeat = unit.times()
    hold, release = hold_and_release(unit)
    step = replace(step, repeat=repeat, release=release)
    if kind == "breath" and unit.breath and not unit.durations:
        return replace(step, seconds=sum(unit.breath.pattern), seconds_from="text")
    if hold is not None:
        return replace(step, seconds=hold, seconds_from="text")
    held = single_phase(unit.text, after_action=True) or (
        unit.phases[0] if len(unit.phases) == 1 and not unit.durations else None
    )  # "Inhale as before; hold the breath four counts; then expel the air."
    if held and held.kind == "hold" and kind in ("hold", "breath", "press", "position"):
        # "Close both nostrils and hold for 4.": a breath held for a count
        return replace(step, kind="hold", seconds=held.seconds, seconds_from="text", breath=None, breath_from=None)
    seconds = counted_seconds(repeat) if repeat > 1 else DEFAULT_SECONDS[kind]
    if kind == "breath" and repeat > 1:
        seconds = lexicon.BREATH_SECONDS  # "breathe in, then sigh out. Do this three times.": one breath each
    return replace(step, seconds=seconds, seconds_from="default")


def as_sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text[-1:] in ".!?" else text + "."


def number_steps(steps: list[Step]) -> tuple[Step, ...]:
    """Give steps their 1-based index; copies point at their original's index."""
    numbered = [replace(s, index=i + 1) for i, s in enumerate(steps)]
    return tuple(replace(s, copy_of=numbered[s.copy_of].index) if s.copy_of is not None else s for s in numbered)


def guessed(b: Draft, steps: tuple[Step, ...]) -> tuple[Guess, ...]:
    """What the reading was unsure of, each with the step it concerns: what the passes noted,
    and every step of a kind that wants a time for which the text gave none."""
    by_line: dict[int, int] = {}
    for step in steps:
        if step.copy_of is None:
            by_line.setdefault(step.source_line, step.index)
    found = [
        Guess(line, text, steps[position].index if position is not None else by_line.get(line))
        for line, position, text in b.guesses
    ]
    for step in steps:
        if step.copy_of is None and step.seconds_from == "default" and step.kind in DEFAULTED_KINDS:
            each = f" each of the {step.repeat} times" if step.repeat > 1 else ""
            text = f"no time given: {step.seconds:g} s{each}, the usual for a {step.kind}"
            found.append(Guess(step.source_line, text, step.index))
    return tuple(sorted(found, key=lambda g: (g.line, g.step or 0)))


DEFAULTED_KINDS = frozenset({"press", "massage", "hold", "breath"})  # a default time here is worth checking


def title_from(source: str) -> str:
    stem = re.sub(r"\.[a-z0-9]+$", "", source.replace("\\", "/").rsplit("/", 1)[-1])
    words = [w for w in re.split(r"[_\-\s]+", stem) if w]
    if words and sum(c.isalpha() for c in stem) >= 4 and not re.fullmatch(r"[0-9a-f_\-]+", stem):
        return " ".join(words).capitalize()
    return "Guided routine"


def again(b: Draft, positions: list[int], count: int, say: Callable[[int], str]) -> list[int]:
    """After the "repeat" step just added, the steps at `positions` done `count` times in all,
    each time announced; that step records the count. Returns the positions of what was added."""
    b.steps[-1] = replace(b.steps[-1], kind="repeat", repeat=count, announce=say(2))
    added = [len(b.steps) - 1]
    for performance in range(2, count + 1):
        for number, position in enumerate(positions):
            announce = say(performance) if number == 0 and performance > 2 else None
            b.steps.append(replace(b.steps[position], copy_of=position, announce=announce))
            added.append(len(b.steps) - 1)
    return added


def do_sets(b: Draft, positions: list[int]) -> list[tuple[int, list[int]]]:
    """The sets of the steps at `positions`: each step done again, set by set, each set
    announced. Returns each step's position and what was added."""
    added = []
    for position in positions:
        count = b.sets.pop(position, 1)
        step = b.steps[position]
        if count < 2:
            continue
        b.add(Step(step.text, "repeat", section=step.section, source_line=step.source_line))
        added.append((position, again(b, [position], count, lexicon.ordinal_set)))
    return added


def joined(text: str, more: str) -> str:
    """A step's text with a sentence added to it; a card's line without a stop ("Inhale for 4
    seconds" over "Breathe in slowly…") gets one, so that it is said as a sentence of its own."""
    ends = text.rstrip().rstrip("\"”’')]")[-1:] in ".!?:;,…"  # "…say “ahh.”" has its stop
    starts = more[:1].isupper() or more[:1].isdigit()
    stop = "." if starts and not ends else ""
    return f"{text.rstrip()}{stop} {more}"
