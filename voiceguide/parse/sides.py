"""Sides: which steps work one side, and the operations that do steps again on the other side,
mirrored ("repeat on the other foot", "on each side", "now do the left side").
"""

from __future__ import annotations

import re
from dataclasses import replace

from voiceguide import lexicon
from voiceguide.model import Step
from voiceguide.parse.draft import Draft, do_sets
from voiceguide.parse.grammar import words_of
from voiceguide.parse.units import REPEAT_ONLY_WORDS, Unit

_GROUP_WORDS = frozenset(
    ["both", "these", "those", "stretches", "exercises", "movements", "steps", "points", "moves", "poses", "of"]
)


_ONE_SIDED = re.compile(
    r"\b(?:one|a) (?:leg|arm|foot|hand|knee|hip|shoulder|ankle|wrist|elbow|heel|side)\b", re.IGNORECASE
)


def is_each_directive(unit: Unit) -> bool:
    """ "Do both stretches on each side." asks for what came before, on both sides."""
    cue = unit.side_cue
    if cue is None or cue.kind != "each" or unit.durations:
        return False
    rest = REPEAT_ONLY_WORDS.sub(" ", unit.text.replace(cue.phrase, " "))
    return all(w in _GROUP_WORDS for w in words_of(rest))


def ends_a_side(b: Draft, same: list[int]) -> bool:
    """ "Wrap the right foot in a towel, then do the same on the left foot": the sentence names
    the side its earlier steps were on, so "the same" is all of them, not its own first half."""
    named = [lexicon.first_side(b.steps[p].text) for p in same]
    sides = {n[0] for n in named if n}
    earlier = [p for p in b.run if p not in same and b.steps[p].side]
    return len(sides) == 1 and bool(earlier) and all(b.steps[p].side in sides for p in earlier)


def does_again(unit: Unit, cue: lexicon.SideCue, after: list[Unit]) -> bool:
    """ "Now do the left side." with no step after it that names the left side: the steps so
    far, done again on that side. "…, then the left foot." with no step after it in its
    section: the same."""
    following = next((u for u in after if u.instruction and u.section == unit.section), None)
    if unit.durations:
        return False
    if not re.search(r"\b(?:do|repeat|perform)\b", cue.phrase, re.IGNORECASE):
        return following is None
    named = lexicon.first_side(following.text) if following else None
    return named is None or named[0] != cue.side


_AGAIN_WORDS = re.compile(r"\b(?:repeat|again|same|like|do|perform|work|treat|massage|stretch)\b", re.IGNORECASE)


def told_after(b: Draft, unit: Unit, cue: lexicon.SideCue, after: list[Unit]) -> str | None:
    """ "Then we'll switch." with the other side's steps told after it ("Cross the left ankle over
    the right knee…"): only a switch, to that side. None when the steps are to be done again."""
    started = next((b.steps[p].side for p in b.run if b.steps[p].side), None)  # the side it began on
    if cue.kind != "mirror" or cue.side or _AGAIN_WORDS.search(cue.phrase) or started is None:
        return None
    following = next((u for u in after if u.instruction and u.section == unit.section), None)
    named = lexicon.first_side(following.text) if following else None
    return named[0] if named and named[0] != started else None


_PAIRED_PART = "arm|leg|foot|hand|knee|hip|shoulder|ankle|wrist|elbow|heel|side|nostril"
_OTHER_PART = re.compile(rf"\bthe (?:other|opposite)\s+(?P<part>{_PAIRED_PART})\b", re.IGNORECASE)


def one_then_other(b: Draft, position: int) -> None:
    """ "Lift first one arm slowly…" then "Raise the other arm…": two steps, one on each side;
    where neither names its side, the first is the right."""
    other = _OTHER_PART.search(b.steps[position].text)
    if other is None or b.steps[position].side:
        return
    one = re.compile(rf"\b(?:one|a single)\s+{other.group('part')}\b", re.IGNORECASE)
    earlier = next((p for p in reversed(b.run) if p < position and one.search(b.steps[p].text)), None)
    if earlier is None:
        return
    first = b.steps[earlier].side or "right"
    b.steps[earlier] = replace(b.steps[earlier], side=first)
    b.steps[position] = replace(b.steps[position], side=lexicon.other_side(first))


def one_sided(text: str) -> bool:
    """ "Bend your right knee", "Cross one leg over the other": a step done on one side at a time
    (not "drop your knees to one side, then the other", which does both)."""
    if _BOTH_IN_TURN.search(text):
        return False
    return lexicon.first_side(text) is not None or bool(_ONE_SIDED.search(text))


_BOTH_IN_TURN = re.compile(
    r"\b(?:then|and) (?:to |on |over )?the other(?! (?:knee|ankle|hand|foot|leg|arm|thigh|shoulder))\b"
    r"|\bside to side\b|\balternat\w*",
    re.IGNORECASE,
)


def mirror(
    b: Draft, unit: Unit, cue: lexicon.SideCue, scope: list[int] | None = None, keep_unsided: bool = False
) -> None:
    """Do the steps since the last side change (or the given ones) on the other side, announced."""
    announce: str | None
    if scope is None and b.steps and b.steps[-1].kind == "switch" and not b.run:
        # "Now the left hand. Work through the same steps." The switch was announced already.
        scope, new_side, announce = list(b.saved_run), b.steps[-1].side, None
    else:
        if scope is None:
            scope = list(b.run)
            # "Left leg: same as the right." after steps on the left: only those since the right began
            done = [at for at, p in enumerate(scope) if cue.side and b.steps[p].side == cue.side]
            if done and scope[done[-1] + 1 :]:
                scope = scope[done[-1] + 1 :]
            # "Repeat on the left hand." after sections that each did a part of the right hand
            earlier = [b.steps[p].side for p in b.whole_run if b.steps[p].side]
            named = cue.kind == "mirror" and cue.side
            if named and earlier and cue.side not in earlier and not any(b.steps[p].side for p in scope):
                scope = list(b.whole_run)
        first_sided = next((b.steps[p] for p in scope if b.steps[p].side), None)
        part = cue.part if cue.part and cue.part != "side" else (b.part or cue.part or "side")
        part = "side" if cue.side and cue.part == "side" else part  # "Turn onto your right side and repeat."
        old_side = first_sided.side if first_sided else b.side  # the side the steps began on
        new_side = cue.side or (lexicon.other_side(old_side) if old_side else None)
        announce = lexicon.now_the(new_side, part)
    sided = [p for p in scope if b.steps[p].side]
    if sided and not keep_unsided:
        scope = scope[scope.index(sided[0]) :]
    new_side = _name_sides(b, scope, new_side) or new_side
    for position, added in do_sets(b, [p for p in scope if p in b.sets]):  # each side does all the sets
        at = scope.index(position) + 1
        scope[at:at] = added
    if not any(b.steps[p].is_instruction for p in scope):
        b.guesses.append((unit.line, None, f"“{cue.phrase}” switches sides, but nothing before it is done again there"))
    b.add(
        Step(unit.text, "switch", section=unit.section, source_line=unit.line, announce=announce, side=new_side), unit
    )
    for position in scope:
        b.steps.append(_mirrored(b.steps[position], position))
    b.side = None  # both sides are done: what follows is on neither unless it says so
    b.run, b.whole_run = [], []


def _mirrored(step: Step, position: int) -> Step:
    side = lexicon.other_side(step.side) if step.side else None
    announce = lexicon.mirror_text(step.announce) if step.announce else None  # "Second set." again
    return replace(step, text=lexicon.mirror_text(step.text), side=side, copy_of=position, announce=announce)


def _name_sides(b: Draft, scope: list[int], copies_to: str | None) -> str | None:
    """Steps done on one side and then the other where the text never says which side comes
    first: the first is the right, unless the copies are said to go there. Returns the side
    the copies go to; the spoken words still say "the other"."""
    if any(b.steps[p].side for p in scope):
        return None
    first = lexicon.other_side(copies_to) if copies_to else "right"
    for position in scope:
        if b.steps[position].is_instruction:
            b.steps[position] = replace(b.steps[position], side=first)
    return lexicon.other_side(first)


def add_mirrored(b: Draft, scope: list[int], part: str | None) -> None:
    """'… on each side': the steps again on the other side, the first announcing it."""
    first = b.steps[scope[0]]
    new_side = lexicon.other_side(first.side) if first.side else None
    announce = lexicon.now_the(new_side, part)
    _name_sides(b, scope, None)
    for number, position in enumerate(scope):
        copy = _mirrored(b.steps[position], position)
        b.steps.append(replace(copy, announce=announce) if number == 0 else copy)
