"""Repeats of earlier steps: "repeat steps 2-4", rounds of a whole list ("Continue for 5 rounds")
and a count after a sentence cut in two ("turn right, hold 3 s, then turn left, hold 3 s. 6 reps.").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from voiceguide.model import Step
from voiceguide.parse.draft import Draft, again, do_sets
from voiceguide.parse.modifiers import is_modifier
from voiceguide.parse.sides import mirror
from voiceguide.parse.units import WHOLE, Unit, only_count


def repeat_range(b: Draft, unit: Unit) -> None:
    assert unit.step_range is not None
    first, last = unit.step_range
    positions = [p for n in range(first, last + 1) for p in b.numbered.get(n, [])]
    if not positions:  # no numbered steps to go back to: read the sentence as it stands
        b.add(Step(text=unit.text, kind="note", section=unit.section, source_line=unit.line), unit)
        return
    if unit.side_cue and unit.side_cue.kind == "mirror":
        mirror(b, unit, unit.side_cue, positions)  # "Switch sides and repeat steps 1-6"
        return
    count = int(unit.repeat.value) if unit.repeat else 2
    b.add(
        Step(
            text=unit.text,
            kind="repeat",
            section=unit.section,
            source_line=unit.line,
            announce=f"Again, steps {first} to {last}.",
        )
    )
    for _ in range(max(1, count) - 1):
        for position in positions:
            b.steps.append(replace(b.steps[position], copy_of=position, announce=None))


_ROUNDS = re.compile(r"\b(?:rounds?|cycles?|circuits?|the (?:whole )?(?:sequence|list|set))\b", re.IGNORECASE)


def rounds_of_list(b: Draft, unit: Unit, previous: int | None) -> list[int]:
    """ "Continue for 5 rounds." after a numbered list: the whole list is one round; "Hold the
    plank… Rest for 30 seconds. Do 3 rounds.": the paragraph's steps are."""
    if previous is None or not unit.repeat or not _ROUNDS.search(unit.text) or unit.step_range:
        return []
    if not (unit.instruction and is_modifier(unit)):
        return []
    listed = sorted(b.numbered)
    positions = [p for n in listed for p in b.numbered[n]]
    if len(listed) >= 2 and previous in positions and b.block_of.get(previous) != unit.block:
        return [p for p in positions if b.steps[p].section == unit.section]
    if b.steps[previous].kind == "breath" or not re.search(r"\b(?:rounds?|circuits?)\b", unit.text, re.I):
        return []  # "repeat the cycle three more times": of the breath
    if WHOLE.search(unit.text):
        return whole_routine(b)  # "Complete 2 rounds of the whole routine."
    paragraph = [p for p in b.run if b.block_of.get(p) == unit.block and b.steps[p].copy_of is None]
    return paragraph if len(paragraph) >= 2 and previous == paragraph[-1] else []


def both_sides_again(b: Draft, unit: Unit) -> list[int]:
    """ "Repeat this exercise 3-5 times with each leg." right after it was done on both sides:
    the whole of it, on both sides, is done that many times."""
    cue = unit.side_cue
    if not (unit.instruction and unit.repeat and cue and cue.kind == "each") or not b.steps:
        return []
    if b.steps[-1].copy_of is None or not only_count(unit.text.replace(cue.phrase, " "), unit.repeat):
        return []
    switch = next((p for p in range(len(b.steps) - 1, -1, -1) if b.steps[p].kind == "switch"), None)
    copied = [b.steps[p].copy_of for p in range(switch + 1, len(b.steps))] if switch is not None else [None]
    if any(p is None for p in copied):
        return []
    first = min(p for p in copied if p is not None)
    return [p for p in range(first, len(b.steps)) if b.steps[p].kind not in ("note", "intro")]


def whole_routine(b: Draft) -> list[int]:
    """Every step from the first instruction on, but the remarks between."""
    first = next((p for p, step in enumerate(b.steps) if step.is_instruction), len(b.steps))
    return [p for p in range(first, len(b.steps)) if b.steps[p].kind not in ("note", "intro")]


def movement_of(b: Draft, unit: Unit, previous: int | None) -> list[int]:
    """ "Turn to the right, hold 3 s, then turn to the left, hold 3 s. 6 reps.": the count is of
    the whole movement, the steps its sentence was cut into."""
    if previous is None or not unit.repeat or not unit.instruction or unit.durations:
        return []
    if not only_count(unit.text, unit.repeat) or b.block_of.get(previous) != unit.block:
        return []
    sentence = b.sentence_of.get(previous)
    group = [previous]
    while group[0] > 0:
        before = group[0] - 1
        step = b.steps[before]
        if not step.is_instruction or step.copy_of is not None or b.sentence_of.get(before) != sentence:
            break
        if b.block_of.get(before) != unit.block or step.repeat > 1:
            break
        group.insert(0, before)
    return group if len(group) > 1 and b.steps[previous].repeat == 1 else []


def repeat_rounds(b: Draft, unit: Unit, positions: list[int], say: Callable[[int], str]) -> None:
    """The steps at `positions` done `unit.repeat` times in all, each time announced."""
    count = unit.times()
    if count < 2:
        b.add(Step(text=unit.text, kind="note", section=unit.section, source_line=unit.line), unit)
        return
    b.add(Step(unit.text, "repeat", section=unit.section, source_line=unit.line), unit)
    again(b, positions, count, say)


def round_of(n: int) -> str:
    return f"Round {n}."


def sets_of(b: Draft, block: int | None) -> list[tuple[int, list[int]]]:
    """The sets of the finished steps: each step done again, set by set, each set announced,
    before the next step begins. Those of paragraph or item `block` that a rule or the table
    row may yet time wait. Returns each step's position and what was added."""
    waiting = {p for p, _ in b.ruled} | b.rows
    return do_sets(b, [p for p in sorted(b.sets) if block is None or b.block_of.get(p) != block or p not in waiting])
