"""Pass 4, steps: units → Routine. Each unit either joins the step before it, states a rule, asks
for steps to be done again (mirrored, or repeated), or becomes a step of its own.
"""

from __future__ import annotations

import re
from dataclasses import replace

from voiceguide import lexicon
from voiceguide.model import Routine, Step
from voiceguide.parse.draft import (
    Draft,
    as_sentence,
    guessed,
    instruction,
    joined,
    last_instruction,
    number_steps,
    title_from,
)
from voiceguide.parse.grammar import words_of
from voiceguide.parse.modifiers import (
    accompanies,
    add_phases,
    bare_dosage,
    breath_run,
    dose_ahead,
    give_dose_ahead,
    merge,
    nostril_round,
    restated,
    session_badge,
    time_the_last,
    times_previous,
)
from voiceguide.parse.repeats import (
    both_sides_again,
    movement_of,
    repeat_range,
    repeat_rounds,
    round_of,
    rounds_of_list,
    whole_routine,
)
from voiceguide.parse.rules import finish, said_of_all
from voiceguide.parse.sides import does_again, ends_a_side, is_each_directive, mirror, one_then_other, told_after
from voiceguide.parse.structure import blocks_of
from voiceguide.parse.units import ASIDE_SECTION, WHOLE, Unit, described, pattern_told, read, units_of


def parse_text(text: str, source: str = "") -> Routine:
    """Read a routine written for people into steps a voice can guide."""
    blocks = blocks_of(text)
    title, units = units_of(blocks)
    draft = _steps(pattern_told(units))
    if not any(step.is_instruction for step in draft.steps):
        draft = _steps(described(pattern_told(units_of(blocks)[1])))
    title = re.sub(r"^(?:subject|re|fwd?|title)\s*:\s*", "", title or "", flags=re.IGNORECASE)  # an e-mail's
    steps = number_steps(draft.steps)
    return Routine(title=title or title_from(source), steps=steps, source=source, guesses=guessed(draft, steps))


_NEXT_EXERCISE = re.compile(
    r"\b(?:next|last|final|another|new)\s+(?:one|exercise|stretch|move|movement|pose|position|point|technique)\b",
    re.IGNORECASE,
)
_GOES_ON = re.compile(r"^\W*(?:now\s+|then\s+)?(?:continue|keep (?:doing|going|at)|carry on|repeat)\b", re.IGNORECASE)


def _goes_on(b: Draft, unit: Unit, previous: int | None) -> bool:
    """ "This is one round. Continue this for 5 minutes.": a sentence that goes on with what was
    done reaches back over the remarks since, within the section."""
    return (
        previous is not None
        and bool(_GOES_ON.match(unit.text) or accompanies(unit))
        and all(not s.is_instruction and s.kind in ("note", "intro") for s in b.steps[previous + 1 :])
        and unit.block - b.block_of.get(previous, -9) <= 3
    )


def own_item(b: Draft, unit: Unit, same: list[int]) -> bool:
    """ "4. Wrist stretch – … 15-20 s. Switch sides.": said on the item's own line, the switch is
    of that item's steps, not of the whole list before it."""
    return unit.from_list and b.steps[same[-1]].source_line == unit.line


def _steps(units: list[Unit]) -> Draft:
    """Units → steps, in the order they are spoken."""
    b = Draft()
    for at, unit in enumerate(units):
        b.guesses += [(unit.line, None, text) for text in unit.guesses]
        if unit.section != b.run_section:
            give_dose_ahead(b)
            finish(b)
            b.run, b.run_section, b.side, b.part, b.round_from = [], unit.section, None, None, None
        previous = last_instruction(b)
        same_block = previous is not None and b.block_of.get(previous) == unit.block
        # the paragraph or list item right after, with nothing between but what it says itself
        next_block = (
            previous is not None
            and b.block_of.get(previous) == unit.block - 1
            and all(b.block_of.get(p) == unit.block for p in range(previous + 1, len(b.steps)))
        ) or _goes_on(b, unit, previous)
        if dose_ahead(b, unit):
            continue
        both = both_sides_again(b, unit)
        if both:
            finish(b)
            repeat_rounds(b, unit, both, round_of)
            continue
        rounds = rounds_of_list(b, unit, previous)
        if rounds:
            finish(b)
            rounds = whole_routine(b) if WHOLE.search(unit.text) else rounds  # with what finishing added
            repeat_rounds(b, unit, rounds, round_of)
            continue
        if at in b.breathing and b.phases_at is not None:  # the next phase of a breath being told
            b.steps[b.phases_at] = add_phases(b.steps[b.phases_at], unit, b.phases)
            b.block_of[b.phases_at] = unit.block  # the breath now reaches to here
            continue
        if unit.number is not None and not same_block and accompanies(unit):
            previous = None  # "1. Breathe out slowly.": a numbered step of its own, not said with the one before
        nostrils = nostril_round(b, unit, previous)
        if nostrils:
            finish(b)
            repeat_rounds(b, unit, nostrils, round_of)
            b.round_from = None
            continue
        group = movement_of(b, unit, previous)
        if group:
            finish(b)
            repeat_rounds(b, unit, group, lexicon.ordinal_time)
            continue
        if previous is not None and times_previous(unit, b.steps[previous], same_block, next_block):
            b.steps[previous] = merge(b.steps[previous], unit)
            b.sentence_of[previous] = unit.sentence  # "…Hold for 5 s, then relax for 10. Repeat 3 times."
            if unit.sets:
                b.sets[previous] = int(unit.sets.value)
            if unit.side_cue and unit.side_cue.kind == "each":
                scope = [p for p in b.run if b.block_of.get(p) == unit.block] or [previous]
                b.pending = [entry for entry in b.pending if not set(entry[0]) & set(scope)]
                b.pending.append((scope, unit.side_cue.part))
            continue
        if session_badge(b, unit):
            b.add(Step(text=unit.text, kind="intro", section=unit.section, source_line=unit.line), unit)
            b.guesses.append((unit.line, len(b.steps) - 1, f"“{unit.text}” read as how long the session lasts"))
            continue
        if bare_dosage(unit):
            told = restated(b, unit)
            if told is not None:
                b.steps[told] = replace(b.steps[told], text=joined(b.steps[told].text, unit.text))  # not said twice
                continue
            if time_the_last(b, unit):
                continue
        copies = unit.step_range or (unit.side_cue and unit.side_cue.kind != "each")
        finish(b, None if copies else unit.block)  # what follows is a step of its own; copies of finished ones
        general = said_of_all(b, unit, units[at + 1 :])
        if general is None:
            continue
        unit = general
        if not unit.instruction:
            if _NEXT_EXERCISE.search(unit.text):  # "All right, next one.": what came before is done
                finish(b)
                b.run, b.side, b.part = [], None, None
            kind = "note" if b.seen_instruction else "intro"
            b.add(Step(text=unit.text, kind=kind, section=unit.section, source_line=unit.line), unit)
            continue
        cue = unit.side_cue
        if unit.step_range:
            repeat_range(b, unit)
        elif cue and (switched := told_after(b, unit, cue, units[at + 1 :])):
            cue = replace(cue, kind="switch", side=switched)
            b.saved_run, b.side = b.run, switched
            b.add(
                Step(
                    unit.text,
                    "switch",
                    section=unit.section,
                    source_line=unit.line,
                    side=switched,
                    announce=lexicon.now_the(switched, cue.part or b.part),
                )
            )
            b.run, b.whole_run = [], []
        elif cue and (cue.kind == "mirror" or is_each_directive(unit)):
            give_dose_ahead(b)
            same = [p for p in b.run if b.block_of.get(p) == unit.block]
            if WHOLE.search(unit.text) and b.whole_run:
                # "do the whole thing again on the left leg" reaches back across sections, all of
                # it but the sentence that asks ("Do the right foot first, then repeat the whole chart…")
                whole = [p for p in b.whole_run if b.sentence_of.get(p) != unit.sentence]
                mirror(b, unit, cue, whole or list(b.whole_run), keep_unsided=True)
            elif same and (unit.split_tail or own_item(b, unit, same)) and not ends_a_side(b, same):
                mirror(b, unit, cue, same)
            else:
                mirror(b, unit, cue)
        elif cue and cue.kind == "switch" and does_again(unit, cue, units[at + 1 :]):
            give_dose_ahead(b)
            mirror(b, unit, cue)
        elif cue and cue.kind == "switch":
            b.saved_run = b.run
            b.side = cue.side
            b.part = cue.part or b.part
            # "Now the right wrist: find the point and press it for 2 minutes." is a switch and a step
            rest = unit.text[unit.text.find(cue.phrase) + len(cue.phrase) :].lstrip(" :,;-–")
            own = bool(unit.durations) and len(words_of(rest)) >= 2
            said = cue.phrase.strip(" :,;") if own else unit.text
            announce = as_sentence(said)
            b.add(Step(said, "switch", section=unit.section, source_line=unit.line, announce=announce, side=b.side))
            b.run, b.whole_run = [], []
            if own:
                b.add(instruction(read(replace(unit, text=rest)), b), unit)
        else:
            step = instruction(unit, b)
            b.add(step, unit)
            if unit.sets:
                b.sets[len(b.steps) - 1] = int(unit.sets.value)
            one_then_other(b, len(b.steps) - 1)
            # a breath told phase by phase may follow
            run, each_nostril = breath_run(units, at, step)
            if run:
                b.breathing, b.phases, b.phases_at = set(run), list(unit.phases), len(b.steps) - 1
            if each_nostril and b.round_from is None:
                b.round_from = len(b.steps) - 1
            if cue and cue.kind == "each":
                b.pending.append(([len(b.steps) - 1], cue.part))
            aside = ASIDE_SECTION.search(unit.section or "")
            if b.rule is not None and unit.block != b.rule_block and not aside:  # not the advice told with it
                b.ruled.append((len(b.steps) - 1, b.rule))
                b.rule_listed = b.rule_listed or unit.from_list
    give_dose_ahead(b)
    finish(b)
    return b
