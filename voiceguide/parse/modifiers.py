"""Sentences that only time, repeat or accompany the instruction before them ("Hold for 30
seconds.", "Repeat 3 times.", "Breathe out as you sink."), a time standing alone after a
description, and breaths told phase by phase.
"""

from __future__ import annotations

import re
from dataclasses import replace

from voiceguide import lexicon
from voiceguide.model import Step
from voiceguide.parse.breath import FREE_BREATHING, Phase, mentions_breathing, pattern_of, said_once
from voiceguide.parse.draft import (
    HOLD_BREATH_KINDS,
    Draft,
    counted_seconds,
    joined,
    untimed,
    with_breath,
)
from voiceguide.parse.grammar import FILLER, IMPERATIVE, LABEL, TAKES, kind_of, leading_verb, words_of
from voiceguide.parse.units import Unit, hold_and_release, only_count


def accompanies(unit: Unit) -> bool:
    """ "Breathe out as you let the head sink." goes with the step before it, untimed."""
    words = words_of(unit.text)
    if words[:1] in (["keep"], ["continue"]) and len(words) > 1:
        words = words[1:]  # "Keep breathing slowly the whole time."
        words = words[1:] if words[0] in ("the", "your") and len(words) > 1 else words  # "Keep the breath soft"
    timed = unit.durations or unit.breath or unit.repeat or unit.side_cue
    if not words or timed:
        return False
    if set(words) <= _BREATHS and words[-1] in ("breaths", "breathing"):
        return True  # "Nice slow breaths."
    return words[0] in (
        "breathe",
        "breathing",
        "breath",
        "inhale",
        "inhaling",
        "exhale",
        "exhaling",
        "count",
        "counting",
    )


_BREATHS = frozenset(
    [
        "nice",
        "slow",
        "slowly",
        "deep",
        "deeply",
        "easy",
        "long",
        "calm",
        "steady",
        "gentle",
        "just",
        "and",
        "breaths",
        "breathing",
        "relaxed",
        "even",
        "full",
        "big",
    ]
)


_BARE_OBJECT = frozenset(
    [
        "for",
        "it",
        "this",
        "that",
        "them",
        "here",
        "there",
        "the",
        "position",
        "pose",
        "stretch",
        "tension",
        "pressure",
        "point",
        "with",
        "like",
        "movement",
        "way",
        "feeling",
        "sensation",
        # words of the time itself: "for about twenty seconds", "for at least a minute"
        "about",
        "around",
        "approximately",
        "roughly",
        "another",
        "further",
        "more",
        "a",
        "an",
        "at",
        "least",
        # going on with it: "carry on like this for a minute", "keep on going for three minutes"
        "on",
        "going",
    ]
)


def is_modifier(unit: Unit) -> bool:
    """A sentence that only times or repeats the instruction before it.

    "Hold for 30 seconds.", "Tense for 5 seconds", "Keep pressing for a minute, breathing slowly."
    or "Repeat 3 times." A verb with an object of its own ("Press the point for 30 seconds")
    is an instruction of its own.
    """
    if unit.step_range or (unit.side_cue and unit.side_cue.kind != "each"):
        return False
    if accompanies(unit) or lexicon.PRESCRIPTION.match(unit.text):
        return True
    rest_only = unit.repeat and unit.durations and hold_and_release(unit)[0] is None
    if rest_only and unit.repeat and (bare_dosage(unit) or only_count(_REST_BETWEEN.sub(" ", unit.text), unit.repeat)):
        return True  # "2 sets of 15, rest 45 seconds between sets."
    if unit.durations:
        head = words_of(LABEL.sub("", unit.text[: unit.durations[0].start]))
        head = head[1:] if head[:1] in (["you"], ["they"]) else head  # "They hold for 20 seconds…"
        if FREE_BREATHING.search(" ".join(head)):
            return False  # "Then breathe normally for a minute.": the paced breath is over
        if _REPEAT_HEAD.match(unit.text[: unit.durations[0].start]):
            return True  # "Continue this pattern of rhythmic breathing for five minutes."
        rest = [w for w in head if w not in FILLER and w not in _BARE_OBJECT]
        return (
            len(rest) <= 2
            and bool(rest)
            and rest[0] in IMPERATIVE
            and all(w in IMPERATIVE or w.endswith("ing") for w in rest)
        )
    if unit.repeat:
        # "Repeat 3 times." or "Do this five times, moving a little along the arch each time."
        if _REPEAT_HEAD.match(unit.text[: unit.repeat.start]):
            return True
        return only_count(unit.text, unit.repeat)
    return False


# A label that times or places the step before ("Each side: hold 30 s", "Then – 5 reps")
_TIMING_LABEL = re.compile(
    r"\b(?:time|duration|reps|sets|repetitions|rounds|sides?|each|per|both|left|right|leg|arm|foot|hand|then|now|"
    r"next|hold|rest|relax|repeat|tip|note|option)\b",
    re.IGNORECASE,
)


_REPEAT_HEAD = re.compile(
    r"^\s*(?:(?:then|now|and|i)\s+)*(?:(?:inhale|breathe in|breathe) again,?\s+and\s+)?"
    r"(?:(?:release|relax|let go|rest),?\s+(?:and\s+|then\s+)?)?"  # "Release and repeat 5-10 times."
    r"(?:repeat|do|perform|complete|aim for|try|continue|keep(?: going| doing| up)?|carry on(?: with)?|"
    r"go on(?: with)?)\b(?:\s+doing)?"
    r"(?:\s+(?:this|it|that|the same|the whole|the|this whole)"
    r"(?:\s+(?:cycle|sequence|pattern|round|exercise|breath|breathing|thing|steps?|movement|stretch)"
    r"(?:\s+of\s+(?:\w+\s+)?(?:breathing|breaths?))?)?)?"  # "this pattern of rhythmic breathing"
    r"\s*(?:for\s*)?(?:at least\s*|about\s*|around\s*|up to\s*|roughly\s*)?$",
    re.IGNORECASE,
)


_DOSAGE = (
    "hold holds each per side leg arm for about approx around or reps rep repetitions repetition sets set x "
    "of with rest and totally total in all times to during full complete respirations breaths movements "
    "between direction directions way ways either"
)
_REST_BETWEEN = re.compile(
    r"(?:with\s+|and\s+)?(?:rest|relax|pause)\w*\s+(?:for\s+)?[\w.-]+\s*(?:seconds?|secs?|s|minutes?|mins?)\s+"
    r"between\s+\w+",
    re.IGNORECASE,
)
_DOSAGE_WORDS = frozenset(_DOSAGE.split())


def bare_dosage(unit: Unit) -> bool:
    """ "30-45 s.", "Hold: 30 sec", "10 s holds × 10 reps", "3 sets of 5 reps" standing alone:
    the time and count of what was just described."""
    if not (unit.durations or unit.repeat) or unit.breath or (unit.side_cue and unit.side_cue.kind != "each"):
        return False
    if leading_verb(unit.text) in ("rest", "relax", "pause"):
        return False  # "Rest for a minute or two.": a rest of its own
    rest = unit.text
    for found in [*unit.durations, *(f for f in (unit.repeat, unit.sets) if f)]:
        rest = rest.replace(found.phrase, " ")
    return all(w in _DOSAGE_WORDS for w in words_of(rest))


def time_the_last(b: Draft, unit: Unit) -> bool:
    """Give the step just before, in the same paragraph or the one before, the time and count;
    a description without a verb ("Standing calf stretch - hands on a wall, left leg back.", a
    table's cell) becomes the step it names."""
    last = len(b.steps) - 1
    if last >= 0 and b.steps[last].copy_of is not None:
        return _time_both_sides(b, unit, last)
    # a list item or table cell just before, or what was said in the same paragraph
    listed_before = last in b.listed and b.block_of.get(last) == unit.block - 1
    if last < 0 or not (b.block_of.get(last) == unit.block or listed_before):
        return False
    step = b.steps[last]
    if step.kind in ("switch", "repeat") or (step.is_instruction and not untimed(step)):
        return False
    hold, release = hold_and_release(unit, alone=False)
    kind = step.kind if step.is_instruction else kind_of(step.text)
    if kind in ("position", "rest", "intro", "note"):
        kind = "hold" if hold is not None else "position"  # a timed description holds; a counted one moves
    repeat = unit.times() if unit.repeat else step.repeat
    seconds = hold if hold is not None else counted_seconds(repeat)
    timed = replace(
        step,
        text=joined(step.text, unit.text),
        kind=kind,
        seconds=seconds,
        seconds_from="text" if hold is not None else "default",
        repeat=repeat,
        release=release or step.release,
    )
    if unit.sets:
        b.sets[last] = int(unit.sets.value)
    if listed_before:
        b.guesses.append((unit.line, last, f"its time and count come from the line under it, “{unit.text}”"))
    cue = lexicon.find_side_cue(step.text) if not step.is_instruction else None
    cue = unit.side_cue if unit.side_cue and unit.side_cue.kind == "each" else cue  # "2 sets of 15 each side"
    if cue is not None and cue.kind == "each":  # "Isometric rotation (left/right sides)" then "5 s holds × 5 reps"
        b.pending.append(([last], cue.part))
    if not step.is_instruction:
        named = lexicon.first_side(step.text)
        timed = replace(timed, side=named[0] if named else b.side)
        b.steps.pop()
        b.add(timed, unit)
    else:
        b.steps[last] = timed
    if kind in HOLD_BREATH_KINDS:
        b.steps[last] = with_breath(b.steps[last], unit)
    return True


def restated(b: Draft, unit: Unit) -> int | None:
    """A page's badge under a step that already says it ("Repeat for 4-10 minutes" / "Continue
    the cycle." / "4-10 minutes"): the step that said it, timed once."""
    if not b.steps or b.steps[-1].kind not in ("note", "intro") or not b.steps[-1].text.endswith((".", "!")):
        return None  # a badge under a description ("Lifting the head off the wall") times it
    phrases = [f.phrase.lower() for f in unit.durations]
    # the step just before, over remarks and a "Continue the cycle." that goes on with it
    recent = [p for p in range(len(b.steps) - 1, max(-1, len(b.steps) - 4), -1) if b.steps[p].is_instruction]
    said = next((p for p in recent if not _GOES_ON.match(b.steps[p].text)), None)
    if said is None or not phrases or b.steps[said].copy_of is not None or b.steps[said].section != unit.section:
        return None
    return said if all(phrase in b.steps[said].text.lower() for phrase in phrases) else None


_GOES_ON = re.compile(r"^\W*(?:continue|keep going|keep doing|carry on|go on)\b", re.IGNORECASE)


SESSION_BADGE = 120.0  # seconds: a bare time this long before any instruction is the session's


def session_badge(b: Draft, unit: Unit) -> bool:
    """ "10-20 minutes" alone under a page's title, before any instruction: how long it all takes."""
    hold, _ = hold_and_release(unit)
    return not b.seen_instruction and hold is not None and hold >= SESSION_BADGE and bare_dosage(unit)


def dose_ahead(b: Draft, unit: Unit) -> bool:
    """ "REPS: 10 | SETS: 3 | HOLD: 2" right under an exercise's name, before any of its steps:
    kept until its section is told, then the dose of the section's last step."""
    told = any(s.is_instruction and s.section == unit.section for s in b.steps)
    if unit.section is None or told or not lexicon.PRESCRIPTION.match(unit.text):
        return False
    b.dose_ahead = unit
    return True


def give_dose_ahead(b: Draft) -> None:
    """The dose said ahead, given to the last step of its section, or the last before the
    other side is done: each side gets all of it."""
    unit, b.dose_ahead = b.dose_ahead, None
    if unit is None:
        return
    last = next(
        (
            p
            for p in range(len(b.steps) - 1, -1, -1)
            if b.steps[p].section == unit.section and b.steps[p].is_instruction and b.steps[p].copy_of is None
        ),
        None,
    )
    if last is None:
        return
    b.steps[last] = merge(b.steps[last], unit)
    if unit.sets:
        b.sets[last] = int(unit.sets.value)
    if unit.side_cue and unit.side_cue.kind == "each":
        b.pending.append(([last], unit.side_cue.part))


def dose_rows(b: Draft, block: int | None) -> None:
    """ "Quad set  10 sec hold × 5 reps  Sit with your legs straight. Tighten the thigh…": a table
    row's dosage, said with its name, is the dosage of the exercise the row then describes."""
    finished = [p for p in sorted(b.rows) if block is None or b.block_of.get(p) != block]
    by_row: dict[int, list[int]] = {}
    for position in finished:
        b.rows.discard(position)
        if b.steps[position].is_instruction and b.steps[position].copy_of is None:
            by_row.setdefault(b.block_of[position], []).append(position)
    for first, *rest in by_row.values():
        named, exercise = b.steps[first], b.steps[rest[-1]] if rest else None
        timed = named.seconds_from == "text" or named.repeat > 1
        if exercise is None or not timed or exercise.seconds_from != "default" or exercise.repeat > 1:
            continue
        kind = named.kind if exercise.kind in ("position", "rest") else exercise.kind
        b.steps[rest[-1]] = replace(
            exercise,
            kind=kind,
            seconds=named.seconds,
            seconds_from=named.seconds_from,
            repeat=named.repeat,
            release=named.release,
            breath=exercise.breath or named.breath,
            breath_from=exercise.breath_from or named.breath_from,
        )
        b.steps[first] = Step(named.text, "note", section=named.section, source_line=named.source_line)
        if first in b.sets:
            b.sets[rest[-1]] = b.sets.pop(first)


def _time_both_sides(b: Draft, unit: Unit, last: int) -> bool:
    """ "Bring the right knee to the chest. Repeat with the other leg. 3′": the time said after
    both sides were done times both."""
    hold, _ = hold_and_release(unit)
    switch = next((p for p in range(last, -1, -1) if b.steps[p].kind == "switch"), None)
    if hold is None or unit.repeat or switch is None or b.block_of.get(switch) != unit.block:
        return False
    copies = list(range(switch + 1, last + 1))
    originals = [b.steps[p].copy_of for p in copies]
    if any(p is None or not b.steps[p].is_instruction or not untimed(b.steps[p]) for p in originals):
        return False
    for position in [p for p in originals if p is not None] + copies:
        step = b.steps[position]
        said = unit.text if step.copy_of is None else lexicon.mirror_text(unit.text)
        told = position in (originals[0], copies[0])  # said once on each side, timing every step
        timed = replace(step, text=joined(step.text, said) if told else step.text, seconds=hold, seconds_from="text")
        b.steps[position] = with_breath(timed, unit)
    return True


def nostril_round(b: Draft, unit: Unit, previous: int | None) -> list[int]:
    """ "Repeat for 10 rounds." after a breath told one nostril and then the other: the round is
    all of its steps, not the last one."""
    start = b.round_from
    if start is None or previous is None or previous < start or not unit.repeat or unit.durations:
        return []
    steps = [p for p in range(start, len(b.steps)) if b.steps[p].is_instruction and b.steps[p].copy_of is None]
    if any(b.steps[p].kind not in ("breath", "hold", "position") for p in steps):
        return []  # the round is over: "Now press the point… Repeat 3 times." counts the press
    return steps if unit.instruction and is_modifier(unit) else []


def breath_run(units: list[Unit], at: int, lead: Step) -> tuple[list[int], bool]:
    """The units after `at` that tell the rest of the breath it starts: "Inhale for 4." "Hold
    for 7." "Exhale for 8.", or a breathing step ("Take a few slow breaths.") and the phases
    listed under it. What is said between two phases is part of it. Empty unless together they
    make a whole breath through the nose or mouth.

    Alternate-nostril breathing breathes through one side and then the other: each phase stays a
    step of its own, said as it comes, since the side is what each one teaches. The second value
    says the units start such a breath (see nostril_round)."""
    phases = list(units[at].phases)
    if not phases and not (lead.kind == "breath" and lead.breath_from != "text" and lead.seconds_from != "text"):
        return [], False
    run: list[int] = []
    for position in range(at + 1, len(units)):
        unit, before = units[position], units[run[-1] if run else at]
        if unit.section != before.section or unit.block - before.block > 1 or unit.repeat or unit.step_range:
            break
        if unit.phases and _only_phases(unit):
            if pattern_of(phases) is not None and unit.phases[0].kind == "in" and phases[-1].kind != "in":
                break  # a whole breath told, then the steps of another
            run.append(position)
            phases += unit.phases
            continue
        if phases and bare_dosage(unit) and [d.value for d in unit.durations] == [phases[-1].seconds]:
            run.append(position)  # "Hold for 4 seconds" then a badge, "4 seconds": the same phase said again
            continue
        ahead = _phase_ahead(units, position)
        if ahead is None:
            break
        first = ahead.phases[0]
        if pattern_of(phases) is not None and (first.kind, first.seconds) != (phases[-1].kind, phases[-1].seconds):
            break  # the breath is whole: what follows is not told inside it, unless the last phase is said again
        run.append(position)
    while run and not units[run[-1]].phases and not bare_dosage(units[run[-1]]):
        run.pop()  # what only said how, after the last phase
    last = run[-1] if run else at
    for position in range(last + 1, min(last + 3, len(units))):
        unit = units[position]  # "Your stomach should fall as you exhale.": what the last phase feels like
        said = unit.block - units[last].block <= int(_SPOKEN_COUNT.match(unit.text) is not None)
        remark = not unit.instruction or leading_verb(unit.text) in _SENSING  # not "Then massage your temples…"
        said = said and remark and not (unit.durations or unit.repeat or unit.phases)
        felt = mentions_breathing(unit.text) and not FREE_BREATHING.search(unit.text)
        if not said or not (felt or _SPOKEN_COUNT.match(unit.text)):
            break
        run.append(position)
    named = {side for p in [at, *run] for side in _breathed_through(units[p].text)}
    whole = pattern_of(phases) is not None
    return (run if whole and len(named) < 2 else []), whole and len(named) >= 2


_SENSING = frozenset(["feel", "notice", "sense", "observe", "imagine", "visualize", "visualise"])
_SPOKEN_COUNT = re.compile(r"^[\W\d]*$")  # "1… 2… 3… 4… 5…", the count a page spells out under its phase


def _phase_ahead(units: list[Unit], at: int) -> Unit | None:
    """What is said between two phases of a breath ("Keep your shoulders relaxed.", "The hand on
    your chest should not move.", "1… 2… 3…"): a few sentences with no time of their own, then the
    next phase, in the same or the next paragraph. Returns the unit that tells it."""
    for position in range(at, min(at + 5, len(units))):
        unit, before = units[position], units[position - 1]
        if unit.section != before.section or unit.block - before.block > 1 or unit.repeat or unit.step_range:
            return None
        if unit.phases:
            return unit if position > at else None
        if unit.durations or (unit.instruction and kind_of(unit.text) in ("massage", "press")):
            return None  # a step of its own ("Then massage your temples…"), not how to breathe
    return None


_CLOSED = re.compile(r"\b(?:clos|block|cover|press|pinch|shut|seal)\w*\s+(?:off\s+)?(?:your|the)\s+$", re.IGNORECASE)


def _breathed_through(text: str) -> set[str]:
    """The sides a sentence names other than the one it closes ("Close your left nostril and
    breathe in through the right" breathes through the right)."""
    return {
        m.group(1).lower()
        for m in lexicon.worked_sides(text)
        if not _CLOSED.search(text[max(0, m.start() - 24) : m.start()])
    }


def _only_phases(unit: Unit) -> bool:
    """Its times are all among its breath phases ("Inhale for 4 seconds.", "…out for a count of
    eight, taking a count of eight to empty the lungs")."""
    first, last = unit.phases[0].start, unit.phases[-1].end
    return all(first <= d.start and d.end <= last for d in unit.durations)


def add_phases(step: Step, unit: Unit, phases: list[Phase]) -> Step:
    """ "Inhale for 4." "Hold for 7." "Exhale for 8.": one breathing step paced 4-7-8, as long as
    the phases told."""
    phases.extend(unit.phases)
    merged = replace(step, text=joined(step.text, unit.text), kind="breath")
    pattern = pattern_of(phases)
    if pattern is None:
        return merged
    told = sum(p.seconds for p in said_once(phases))
    return replace(merged, breath=pattern, breath_from="text", seconds=max(told, sum(pattern)), seconds_from="text")


def times_previous(unit: Unit, previous: Step, same_block: bool, next_block: bool) -> bool:
    """Whether a sentence only times, repeats or accompanies the instruction just before it:
    in the same paragraph or list item, or the one right after it with nothing between."""
    if not (same_block or next_block):
        return False
    label = LABEL.match(unit.text)
    named = label and not _TIMING_LABEL.search(label.group(0)) and leading_verb(label.group(0)) not in IMPERATIVE
    if not same_block and unit.from_list and named:
        return False  # "6. Legs up the wall – rest here for 3 minutes.": an exercise of its own
    if unit.instruction:
        if not is_modifier(unit) or (previous.repeat > 1 and _names_movement(unit)):
            return False  # "Do 8 push-ups. Do 15 calf raises.": two exercises, each counted
        counted_only = bool(unit.repeat) and not unit.durations and previous.repeat == 1
        return untimed(previous) or counted_only or (accompanies(unit) and same_block)
    if accompanies(unit):
        return True  # "Nice slow breaths.": with the hold before
    # "Covering the whole palm takes about a minute." right after the instruction it times
    return (
        same_block
        and bool(unit.durations)
        and bool(TAKES.search(unit.text))
        and not unit.side_cue
        and untimed(previous)
        and previous.kind != "breath"
    )


_GENERIC_COUNT = re.compile(r"(?:times|reps?|repetitions|cycles|rounds|sets|more|[x×]\s*\d*|\d+|twice|thrice)$", re.I)


def _names_movement(unit: Unit) -> bool:
    """ "15 calf raises", "2 sets of 8 lunges" count a movement of their own; "3 times" counts
    what came before."""
    if unit.repeat is None:
        return False
    named = re.match(rf"\s+(?:[a-z]+\s+)?(?:{lexicon.MOVES})\b", unit.text[unit.repeat.end :], re.IGNORECASE)
    return bool(named) or not _GENERIC_COUNT.search(unit.repeat.phrase.strip())


def merge(step: Step, unit: Unit) -> Step:
    """The instruction before, timed, repeated or given breathing by a modifier sentence."""
    merged = replace(step, text=joined(step.text, unit.text))
    hold, release = hold_and_release(unit, alone=False)
    one_cycle = step.kind == "breath" and step.breath is not None and step.seconds == sum(step.breath)
    if hold is not None and one_cycle and not unit.repeat and step.repeat == 1:
        # "…out for 6. Keep doing this for 5 minutes.": cycles, unless their count was said
        merged = replace(merged, repeat=max(1, round(hold / step.seconds)))
    elif hold is not None and step.seconds_from != "text":
        kind = step.kind if step.kind not in ("position", "rest") else kind_of(unit.text)
        kind = kind if kind not in ("position", "rest") else "rest" if kind == "rest" else "hold"  # "Relax there…"
        merged = replace(merged, kind=kind, seconds=hold, seconds_from="text")
    if release:
        merged = replace(merged, release=release)
    if unit.repeat:
        merged = replace(merged, repeat=unit.times())
        if merged.seconds_from != "text" and merged.kind != "breath":
            merged = replace(merged, seconds=counted_seconds(merged.repeat))
        elif merged.seconds_from != "text" and merged.breath_from != "text":
            merged = replace(merged, seconds=lexicon.BREATH_SECONDS)
    if unit.breath or mentions_breathing(unit.text) or merged.kind in HOLD_BREATH_KINDS:
        merged = with_breath(merged, unit)
    return merged
