"""Rules said once for many steps ("Hold each stretch for 30 seconds and repeat 3 times on each
side", "Do both sides"): which steps they govern, and timing them once each is finished.
"""

from __future__ import annotations

import re
from dataclasses import replace

from voiceguide import lexicon
from voiceguide.model import Step
from voiceguide.parse.draft import (
    DEFAULT_BREATH,
    HOLD_BREATH_KINDS,
    QUICK_REPS_FROM,
    Draft,
    counted_seconds,
    last_instruction,
)
from voiceguide.parse.grammar import ADVICE_LABEL, CONDITION, FILLER, LABEL, words_of
from voiceguide.parse.modifiers import accompanies, dose_rows
from voiceguide.parse.repeats import sets_of
from voiceguide.parse.sides import add_mirrored, is_each_directive, mirror, one_sided
from voiceguide.parse.units import ASIDE_SECTION, REPEAT_ONLY_WORDS, Rule, Unit, join_rules, read

_THROUGHOUT = re.compile(
    r"\b(?:throughout|the whole (?:time|way through|routine|session)|all the way through|at all times)\b"
    r"|\b(?:during|in|through|as you hold) (?:each|every|all)\b",
    re.IGNORECASE,
)


_NEGATIVE = re.compile(
    r"^\W*(?:do not|don't|never|avoid|no need)\b|\b(?:do not|don't|no need to|never) (?:hold|pause|stay)\b",
    re.IGNORECASE,
)


_SETUP = frozenset(
    ["sit", "stand", "lie", "kneel", "get", "settle", "begin", "start", "find", "come", "close", "relax"]
)


_PLACE_START = re.compile(  # "the hollow behind the knee", "three finger widths above the wrist"
    r"^(?:the|a|an|on|in|at|between|below|above|under|beneath|just|where|along|behind|beside|inside|outside|"
    r"over|near|halfway|midway|top|bottom|centre|center|middle|base|tip|edge|back|front|side|web|hollow|one|two|three|four|five|about)\b",
    re.IGNORECASE,
)


def governs(rule: Rule, step: Step) -> bool:
    """A rule times the exercises after it, not the getting ready ("Sit tall in a chair."),
    breathing, rests or directives."""
    if step.kind not in ("position", "press", "massage", "hold") or _NEGATIVE.search(step.text):
        return False  # "Do not hold these.", "Never press on a bruise."
    if LABEL.match(step.text):
        return True  # "Chin tuck: draw your chin back.": a named exercise
    lead = [w for w in words_of(step.text) if w not in FILLER][:1]
    if lead == ["find"] and rule.kind in ("press", "massage"):
        return True  # "Find the web between thumb and finger." under "Press each point…": the point
    return not (lead and lead[0] in _SETUP)


def under_rule(step: Step, rule: Rule) -> Step:
    """A step given the rule's time and count where its own text gives none, and breathing. A
    movement counted quickly ("Do this 10 times.") keeps its own pace."""
    if rule.seconds is not None and step.seconds_from == "default" and step.repeat <= QUICK_REPS_FROM:
        kind = (rule.kind or "hold") if step.kind == "position" else step.kind
        step = replace(step, kind=kind, seconds=rule.seconds, seconds_from="rule", release=step.release or rule.release)
    if rule.repeat and step.repeat == 1:
        step = replace(step, repeat=rule.repeat)
        if step.seconds_from == "default":
            step = replace(step, seconds=counted_seconds(rule.repeat))
    if step.kind in HOLD_BREATH_KINDS and step.breath is None:
        step = replace(step, breath=DEFAULT_BREATH, breath_from="default")
    return step


def _names_an_exercise(unit: Unit) -> bool:
    """ "- Arm circles – big circles forwards." under "Repeat each movement 10 times"."""
    return (
        unit.from_list
        and bool(LABEL.match(unit.text))
        and not ADVICE_LABEL.match(unit.text)
        and not CONDITION.search(unit.text)
    )


NAME_BEFORE = re.compile(r"^\s*[^:.!?]{1,40}[:–—]\s+")  # "LI4 (Hegu): in the web…"


def _names_a_place(unit: Unit) -> bool:
    """ "- The inner corner of the eyebrow." under "Press each point for a minute": a point."""
    text = NAME_BEFORE.sub("", LABEL.sub("", unit.text))
    words = words_of(text)
    return unit.from_list and 0 < len(words) <= 20 and bool(_PLACE_START.match(words[0])) and not CONDITION.search(text)


def said_of_all(b: Draft, unit: Unit, after: list[Unit]) -> Unit | None:
    """Take in what a sentence says of all the steps: a rule (None when it is said of the steps
    before, and nothing is left to say), or the unit as it is to be read from here on."""
    if b.rule_listed and not unit.from_list:
        b.rule, b.rule_listed = None, False  # "Drink some water when you are finished." after the list
    last = last_instruction(b)
    if unit.rule is not None and (unit.number is not None or (last is not None and b.block_of[last] == unit.block)):
        # "2. Press each one for 5 seconds.", "Find the points… Press each point for 30 s.": a step
        return read(replace(unit, rule=None), rules=False)
    if unit.rule is not None and _rule_looks_back(b, unit, after):
        _rule_back(b, unit, unit.rule)
        return None
    if unit.rule is not None:
        b.rule = join_rules(b.rule, unit.rule) if b.rule_block == unit.block else unit.rule
        b.rule_block = unit.block
    elif b.rule and b.rule_block == unit.block and unit.durations and _BETWEEN.search(unit.text):
        b.rule = replace(b.rule, release=unit.durations[0].value)  # "Rest for 30 seconds between sets."
        return replace(unit, instruction=False)
    elif b.rule and b.rule_block == unit.block and not unit.durations and _BOTH_SIDES.search(unit.text):
        b.rule = replace(b.rule, each_side=True, every_side=True)  # "…for one minute. Work on both sides."
        return replace(unit, instruction=False)
    elif (
        b.rule
        and not unit.instruction
        and not ASIDE_SECTION.search(unit.section or "")
        and (_names_a_place(unit) or _names_an_exercise(unit))
    ):
        return replace(unit, instruction=True, kind=b.rule.kind)  # a point or an exercise in a list the rule times
    elif not b.seen_instruction and accompanies(unit) and _THROUGHOUT.search(unit.text):
        return replace(unit, instruction=False)  # "Breathe slowly throughout.": for all that follows
    elif _both_sides_from_now(b, unit):
        # "Do both sides." among the guidelines, with nothing one-sided before it: the exercises after
        b.rule = join_rules(b.rule, Rule(None, 0.0, None, each_side=True, kind=None))
        return replace(unit, instruction=False)
    return unit


def _both_sides_from_now(b: Draft, unit: Unit) -> bool:
    """ "Do both sides." among guidelines, with nothing one-sided before it to repeat and no
    word reaching back ("Do both stretches on each side", "Repeat on both legs"): a rule."""
    if not is_each_directive(unit) or _AGAIN.search(unit.text):
        return False
    assert unit.side_cue is not None
    rest = REPEAT_ONLY_WORDS.sub(" ", unit.text.replace(unit.side_cue.phrase, " "))
    return not words_of(rest) and not any(b.steps[p].side or one_sided(b.steps[p].text) for p in b.run)


_BOTH_SIDES = re.compile(r"\b(?:on )?(?:both|each) sides?\b|\b(?:left|right) and (?:left|right)\b", re.IGNORECASE)


_BETWEEN = re.compile(r"\bbetween (?:each |the )?(?:sets|reps|rounds|repetitions|each)\b", re.IGNORECASE)


_AGAIN = re.compile(r"\b(?:repeat\w*|again|same|it|this|that|these|them)\b", re.IGNORECASE)  # "Do it on both hands"


def _rule_looks_back(b: Draft, unit: Unit, after: list[Unit]) -> bool:
    """ "Hold each of these for 20 seconds." after a section's steps, with none after it in the
    section; a rule that does not point back ("each stretch") only when no step follows at all."""
    rule = unit.rule
    assert rule is not None
    if _POINTS_BACK.search(unit.text):
        return any(s.is_instruction and s.section == unit.section for s in b.steps)
    return any(s.is_instruction for s in b.steps) and not any(
        u.instruction or (rule.kind is not None and _names_a_place(u)) for u in after
    )


_POINTS_BACK = re.compile(r"\b(?:these|those|them|above)\b", re.IGNORECASE)


def _rule_back(b: Draft, unit: Unit, rule: Rule) -> None:
    """The rule given to the section's steps before it (all steps before, said in a section of
    its own); both sides: the one-sided ones again, on the other side ("…, and do both sides
    where it applies"), unless they were done on both sides already."""
    finish(b)
    own = any(s.is_instruction and s.section == unit.section for s in b.steps)
    for position, step in enumerate(b.steps):
        if (step.section == unit.section or not own) and governs(rule, step):
            b.steps[position] = under_rule(step, rule)
    copied = {s.copy_of for s in b.steps}
    sided = [p for p in b.run if one_sided(b.steps[p].text) and p not in copied]
    if rule.each_side and unit.side_cue and sided:
        mirror(b, unit, unit.side_cue, sided)


def finish(b: Draft, block: int | None = None) -> None:
    """Finish the steps before the next one (of paragraph or item `block`): now that no later
    sentence can time them, those that asked for both sides are mirrored, and the rule in
    force times each finished paragraph or item."""
    if b.pending:
        block = None  # what is copied is finished first
    finished, b.ruled = (
        [e for e in b.ruled if block is None or b.block_of.get(e[0]) != block],
        [e for e in b.ruled if block is not None and b.block_of.get(e[0]) == block],
    )
    items: list[tuple[list[int], Rule]] = []
    for position, rule in finished:  # a named exercise ("Heel lifts - rise…") starts an item of its own
        named = LABEL.match(b.steps[position].text)
        if items and b.block_of.get(items[-1][0][-1]) == b.block_of.get(position) and not named:
            items[-1][0].append(position)
        else:
            items.append(([position], rule))
    for item, rule in items:
        _time_item(b, item, rule)
    dose_rows(b, block)
    for position, added in sets_of(b, block):  # what is done on each side is all of its sets
        for scope in (b.run, b.whole_run, *(scope for scope, _ in b.pending)):
            if position in scope:
                scope.extend(added)
    for scope, part in b.pending:
        add_mirrored(b, scope, part)
    if b.pending:
        b.side = None  # both sides are done: what follows is on neither unless it says so
    b.pending = []


def _time_item(b: Draft, item: list[int], rule: Rule) -> None:
    """A rule times the exercise a paragraph or list item describes: its last step, the ones
    before it getting ready for it ("Sit on the edge of a chair. Lean forward…"). Both sides:
    the whole item again, on the other side."""
    governed = [p for p in item if governs(rule, b.steps[p])]
    if not governed:
        return
    b.steps[governed[-1]] = under_rule(b.steps[governed[-1]], rule)
    if rule.sets and b.steps[governed[-1]].repeat == rule.repeat:
        b.sets.setdefault(governed[-1], rule.sets)
    texts = [b.steps[p].text for p in item]
    named = bool(LABEL.match(texts[0]) or NAME_BEFORE.match(texts[0]))  # not "Then walk for 2 minutes"
    sided = any(map(one_sided, texts)) or (rule.every_side and named and not any(map(lexicon.SYMMETRIC.search, texts)))
    copied = {s.copy_of for s in b.steps} | {p for scope, _ in b.pending for p in scope}
    if rule.each_side and sided and not copied & set(item):
        b.pending.append((item, "side"))
