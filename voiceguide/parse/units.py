"""Pass 3, annotations: one unit per sentence or list item, with what the lexicon finds in it
(durations, a count, a side cue, a breath pattern, a step range), whether it is an instruction,
and any rule it states for many steps ("Hold each stretch for 30 seconds").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voiceguide import lexicon
from voiceguide.parse.breath import BreathFound, Phase, find_pattern, phases_of
from voiceguide.parse.grammar import (
    ADVICE_LABEL,
    CONDITION,
    CONDITION_CLAUSE,
    FILLER,
    FREQUENCY,
    GENERAL_RULE,
    HABIT,
    IMPERATIVE,
    OPTIONAL,
    TAKES,
    WHEN_FELT,
    is_instruction,
    kind_of,
    lasts_the_session,
    leading_verb,
    words_of,
)
from voiceguide.parse.sentences import sentences
from voiceguide.parse.structure import Block
from voiceguide.parse.words import mend, verb_lemma

REPEAT_ONLY_WORDS = re.compile(
    r"\b(?:repeat|repeating|do|perform|this|it|that|the|same|whole|entire|exercise|cycle|sequence|movement|"
    r"motion|process|pattern|round|stretch|again|more|in total|total|all|steps?|technique|breathing|"
    r"for|about|approximately|up to|to|times?|sets?|rounds?|and|then|now|you|can|should|go|through|"
    # said of it rather than to the listener: "This process should be repeated 2 to 3 times."
    r"repeated|be|will|we|ll|want|ideally|done|action|complete|completed|"
    r"perhaps|maybe|roughly|around|at least|at most)\b|,\s*say\s*,",  # "Repeat, say, twelve times."
    re.IGNORECASE,
)


@dataclass
class Unit:
    """One list item or sentence, on its way to becoming a step."""

    text: str
    line: int
    section: str | None
    from_list: bool
    number: int | None = None
    instruction: bool = False
    durations: list[lexicon.Found] = field(default_factory=list)
    repeat: lexicon.Found | None = None
    sets: lexicon.Found | None = None  # sets of those repetitions ("3 sets of 10")
    breath: BreathFound | None = None
    session: list[lexicon.Found] = field(default_factory=list)  # times that say how long the session lasts
    phases: list[Phase] = field(default_factory=list)  # breath phases with their counts
    side_cue: lexicon.SideCue | None = None
    step_range: tuple[int, int] | None = None
    block: int = 0  # which paragraph or list item it came from
    split_tail: bool = False  # split off the end of a sentence ("…, then repeat on the other hand")
    row: bool = False  # from a table's row or cell
    kind: str | None = None  # what a verbless tail does: the kind of the clause it was split from
    sentence: int = 0  # which sentence of the text it came from
    rule: Rule | None = None  # a time, count or sides stated once for several steps
    guesses: list[str] = field(default_factory=list)  # what its reading was unsure of

    def times(self) -> int:
        """How many performances it asks for: at least one."""
        return max(1, int(self.repeat.value)) if self.repeat else 1


_BARE_COUNT = re.compile(rf"\bfor (?:another )?(?P<n>{lexicon.NUM})\s*[.!]?\s*$", re.IGNORECASE)


def split_then(text: str) -> list[str]:
    """'Tense for 5 seconds, then release for 10 seconds' is two timed actions."""
    # split before "then" or before "and then", never between the two
    # never between a subject and its verb: "you then press the point"
    joint = r"(?:,\s*|;\s*|(?<!\b[Aa]nd)(?<!\b[Yy]ou)(?<!\b[Ww]e)\s+)(?=(?:[Aa]nd\s+)?[Tt]hen\b)"
    parts = [p.strip() for p in re.split(joint, text)]
    if len(parts) < 2 or find_pattern(text) or ADVICE_LABEL.match(text):
        return [text]
    stated = lexicon.find_durations(parts[0])
    bare = _BARE_COUNT.search(parts[-1])
    if stated and bare and not lexicon.find_durations(parts[-1]):
        # "Hold for 5 seconds, then relax for 10.": the second time in the first one's unit
        unit = re.search(r"(?:seconds?|secs?|minutes?|mins?)\b", stated[-1].phrase)
        if unit:
            word = "seconds" if unit.group(0).startswith("s") else "minutes"
            parts[-1] = parts[-1][: bare.end("n")] + f" {word}" + parts[-1][bare.end("n") :]
    # "Tense for 5 seconds, then release for 10", "Blink 10 times, then rest for 20 seconds"
    timed = all(lexicon.find_durations(p) or lexicon.find_repeat(p) for p in parts)
    counted = all(lexicon.find_repeat(p) for p in parts)
    cue = side_cue_of(parts[-1]) if not in_turn(text) else None
    directive = cue is not None and cue.kind in ("mirror", "switch") and not lexicon.find_side_cue(parts[0])
    if directive and WHOLE.search(parts[-1]) and re.search(r"\bfirst\b", parts[0], re.IGNORECASE):
        return [text]  # "Do the right foot first, then repeat the whole chart on the left": one directive
    return parts if timed or counted or directive else [text]


_SAME_AGAIN = re.compile(
    r"^\s*,?\s*(?:and|then)\s+(?:do|repeat|perform)"
    r"(?:\s+(?:it|this|that|them|the same|both|all|these|those|everything)\b|\s*[.!]?\s*$)",
    re.I,
)


def _split_directive(text: str, cue: lexicon.SideCue) -> list[str]:
    """'Repeat on the other foot and relax by lying down.' carries a second instruction."""
    at = text.find(cue.phrase)
    rest = text[at + len(cue.phrase) :] if at >= 0 else ""
    if lexicon.find_side_cue(rest) or _SAME_AGAIN.match(rest):
        return [text]  # "Switch hands and do the same on the other side": one switch
    match = re.match(r"^\s*(?:,\s*)?(?:and|then)\s+(?P<rest>.{6,})$", rest)
    if match and leading_verb(match.group("rest")) in IMPERATIVE:
        return [text[: at + len(cue.phrase)].rstrip(" ,") + ".", match.group(0).strip()]
    # "…you press the point for two minutes, and the same is then done on the other hand": a timed
    # step, then the switch
    joints = list(re.finditer(r"(?:,|;)\s*(?:and\s+|then\s+)*", text[:at])) if at > 0 else []
    if joints and lexicon.find_durations(text[: joints[-1].start()]):
        return [text[: joints[-1].start()].rstrip(" ,;") + ".", text[joints[-1].end() :].strip()]
    return [text]


_GENERIC_HEADING = re.compile(
    r"^(?:how to(?: do it| do this| use it)?|steps?|the steps|instructions|method|directions|what to do|"
    r"technique|the routine|the practice|procedure|set-?up|set up|(?:the )?movement|starting position|action)$",
    re.IGNORECASE,
)


def units_of(blocks: list[Block]) -> tuple[str | None, list[Unit]]:
    title: str | None = None
    section: str | None = None
    units: list[Unit] = []
    for position, block in enumerate(blocks):
        if block.kind == "heading":
            if title is None and not units and (block.level == 1 or position == 0):
                title = block.text
            elif not (_GENERIC_HEADING.match(block.text) and section and not ASIDE_SECTION.search(section)):
                section = block.text  # "How to do it" under "Spirit Gate (HT7)" keeps the point's name
            continue
        pieces = [(_line_at(block, offset), mend(s)) for offset, s in sentences(block.text)]
        for line, text in pieces:
            sentence = units[-1].sentence + 1 if units else 0
            lead: Unit | None = None
            for part in split_then(text):
                cue = lexicon.find_side_cue(part)
                chunks = [part]
                if cue is not None and cue.kind != "each" and not lexicon.find_step_range(part):
                    chunks = _split_directive(part, cue)
                for piece in chunks:
                    unit = _unit(piece, line, section, block, position)
                    unit.sentence = sentence
                    if lead is not None:
                        unit.split_tail = True
                        unit.instruction = unit.instruction or lead.instruction  # "…, then forward ten times"
                        if leading_verb(piece) not in IMPERATIVE:
                            unit.kind = kind_of(lead.text)
                    lead = lead or unit
                    units.append(unit)
    return title, units


def pattern_told(units: list[Unit]) -> list[Unit]:
    """A breath pattern stated in passing ("It's called four-square breathing because you inhale
    for four counts, hold for four, exhale for four") is the exercise when no instruction states one."""
    stated = any(u.instruction and u.breath and u.phases for u in units)
    told = next((u for u in units if u.breath and u.phases and not u.instruction and not _asks(u)), None)
    if not stated and told is not None:
        told.instruction = True
    return units


def described(units: list[Unit]) -> list[Unit]:
    """A text that describes what to do rather than telling it, read again: what has a time or a
    count and a verb of the routine is a step ("…by resting them for a few minutes, then looking
    at the card for a second")."""
    for unit in units:
        timed = unit.durations or unit.repeat or unit.breath
        if timed and not _asks(unit) and any(verb_lemma(w) in lexicon.ALL_VERBS for w in words_of(unit.text)):
            unit.instruction = True
    return units


def _asks(unit: Unit) -> bool:
    """A question, or a condition that says when, not what."""
    return unit.text.rstrip().endswith("?") or bool(CONDITION_CLAUSE.match(unit.text))


def _line_at(block: Block, offset: int) -> int:
    line = block.line
    for start, number in block.lines:
        if start <= offset:
            line = number
    return line


def _unit(text: str, line: int, section: str | None, block: Block, block_id: int) -> Unit:
    return read(Unit(text, line, section, block.kind == "item", number=block.number, block=block_id, row=block.row))


def read(unit: Unit, rules: bool = True) -> Unit:
    """Fill in what the lexicon finds in a unit's text, and whether it is an instruction."""
    text, from_list = unit.text, unit.from_list
    unit.breath = find_pattern(text)
    unit.phases = phases_of(text)
    blanked = CONDITION_CLAUSE.sub(lambda m: " " * len(m.group(0)), text)  # "If you only have a moment, …"
    if unit.breath:
        blanked = (
            blanked[: unit.breath.start] + " " * (unit.breath.end - unit.breath.start) + blanked[unit.breath.end :]
        )
    unit.session = [found for found in lexicon.find_durations(blanked) if lasts_the_session(blanked, found)]
    for found in unit.session:  # "Allow yourself about 10 minutes": not a hold
        blanked = blanked[: found.start] + " " * (found.end - found.start) + blanked[found.end :]
    unit.durations = lexicon.find_durations(blanked)
    unit.repeat = lexicon.find_repeat(blanked)
    unit.sets = lexicon.find_sets(blanked)
    unit.side_cue = side_cue_of(text)
    unit.step_range = lexicon.find_step_range(text)
    unit.instruction = is_instruction(blanked if unit.session else text, from_list) or bool(unit.step_range)
    if unit.side_cue and unit.side_cue.kind in ("mirror", "switch"):
        unit.instruction = True
    sided = text.replace(unit.side_cue.phrase, " ") if unit.side_cue and unit.side_cue.kind == "each" else text
    if lexicon.PRESCRIPTION.match(text) or (unit.repeat and only_count(sided, unit.repeat)):
        unit.instruction = True  # "Hold: 30 sec  Reps: 3", "5 reps.": the exercise above, timed
    unit.rule = rule_of(unit) if rules else None
    if unit.rule or GENERAL_RULE.search(text):
        unit.instruction = False  # "…for each stretch unless noted otherwise": how to read the rest
    stage = lexicon.STAGE_DIRECTION.search(text)
    if stage and not unit.instruction and unit.durations and lexicon.find_durations(stage.group(0)):
        unit.instruction, unit.kind = True, "rest"  # "Notice the stillness. (pause 1 min)": said, then silence
    optional = OPTIONAL.search(text) and not (unit.durations or unit.repeat)  # "…, or longer if you like" times it
    if ((FREQUENCY.search(text) or HABIT.search(text)) and not (unit.durations or unit.repeat)) or optional:
        unit.instruction = False  # "twice a day", "every hour or two": advice for later, not now
    directive = unit.side_cue is not None and unit.side_cue.kind in ("mirror", "switch") and not _STARTS_IF.match(text)
    if CONDITION.search(text) and not (unit.durations or unit.repeat or unit.step_range or unit.breath or directive):
        unit.instruction = False  # "Stop if anything hurts": advice, nothing to time
    if WHEN_FELT.match(text):
        unit.instruction, unit.rule = False, None  # "If your back feels stiff, hold a little longer.": advice
    unit.guesses = [f"“{found.phrase}” read as how long the session lasts, not as a hold" for found in unit.session]
    unit.guesses += [
        f"“{found.phrase}” is vague: read as {said_seconds(found.value)}"
        for found in unit.durations
        if _VAGUE.search(found.phrase)
    ]
    if unit.session and not (unit.durations or unit.repeat or unit.breath):
        unit.instruction = False  # "Find a place where you can rest undisturbed for 20 minutes.": the setting
    return unit


def side_cue_of(text: str) -> lexicon.SideCue | None:
    """The sentence's word on sides; none for a movement made one way and then the other."""
    return None if in_turn(text) else lexicon.find_side_cue(text)


def in_turn(text: str) -> bool:
    """ "Drop your knees to one side, then the other." is one movement, both ways; "Stand on one
    leg for 30 seconds, then on the other." holds each side in turn."""
    tail = re.search(lexicon.OTHER_TAIL, text, re.IGNORECASE)
    before = text[: tail.start()] if tail else ""
    return bool(words_of(before)) and not (lexicon.find_durations(before) or lexicon.find_repeat(before))


_STARTS_IF = re.compile(r"^\W*(?:if|unless|should|when)\b", re.IGNORECASE)
_VAGUE = re.compile(r"\b(?:few|several|couple|moments?|some)\b", re.IGNORECASE)


def said_seconds(seconds: float) -> str:
    """ "1 minute", "90 seconds", "5 seconds": a time as a warning says it."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute" + ("s" if minutes > 1 else "")
    return f"{seconds:g} seconds"


def only_count(text: str, repeat: lexicon.Found) -> bool:
    return not words_of(REPEAT_ONLY_WORDS.sub(" ", text.replace(repeat.phrase, " ")))


_RULE_SCOPE = re.compile(
    r"\bunless (?:noted|otherwise|stated|told|indicated|shown)\b"
    r"|\b(?:each|every|all)\s+(?:of\s+)?(?:the\s+|these\s+|those\s+|your\s+)?(?:following\s+|other\s+)?"
    r"(?:stretch|exercise|point|pose|position|posture|movement|move|spot|technique|hold|contraction|squeeze|zone|"
    r"area|region|muscle(?: group)?|one)(?:es|s)?\b"
    r"|\b(?:each|all) of (?:these|them|those)\b|\bof each\s*(?:[.;,]|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    """A time, a count or both sides stated once for the steps it governs."""

    seconds: float | None
    release: float
    repeat: int | None
    each_side: bool
    kind: str | None  # press, massage or hold when the rule names the act
    every_side: bool = False  # "each stretch … on each side": every exercise has two sides
    sets: int | None = None  # "Do 2 sets of 10 reps of each"


_SHOULD_TAKE = re.compile(r"\b(?:should|must|needs? to|ought to)\s+(?:\w+\s+)?(?:last|take)\b", re.IGNORECASE)


def rule_of(unit: Unit) -> Rule | None:
    """ "Hold each stretch for 30 seconds and repeat 3 times on each side.", "For each point
    below, press for one minute.": said of a kind of step, near the sentence's start, with a
    time, a count or both sides in it."""
    scope = _RULE_SCOPE.search(unit.text)
    each_side = bool(unit.side_cue and unit.side_cue.kind == "each")
    if not scope or unit.step_range or unit.breath or not (unit.durations or unit.repeat or each_side):
        return None
    if TAKES.search(unit.text) and not _SHOULD_TAKE.search(unit.text):
        return None  # "Each of the techniques below takes a minute or two": how long, not how to
    opening = CONDITION_CLAUSE.match(unit.text)  # "Unless your therapist says otherwise, hold each…"
    start = opening.end() if opening and opening.end() <= scope.start() else 0
    lead = unit.text[start : scope.start()]
    for found in [*unit.durations, *([unit.repeat] if unit.repeat else [])]:
        lead = lead.replace(found.phrase, " ")  # "Do 2 sets of 10 reps of each exercise."
    before = [w for w in words_of(lead) if w not in FILLER and w not in ("of", "for", "on", "with")]
    if len(before) > 3 and not scope.group(0).lower().startswith("unless"):
        return None  # "Find three points along the arch and press each one for 5 seconds": one step
    hold, release = hold_and_release(unit)
    kind = kind_of(unit.text)
    return Rule(
        seconds=hold,
        release=release,
        repeat=unit.times() if unit.repeat else None,
        sets=int(unit.sets.value) if unit.sets else None,
        each_side=each_side,
        kind=kind if kind in ("press", "massage", "hold") else None,
        every_side=each_side and not scope.group(0).lower().startswith(("unless", "each of", "all of")),
    )


def join_rules(first: Rule | None, second: Rule) -> Rule:
    """ "Hold every stretch for 20 seconds. Do each one twice.": one rule told in two sentences."""
    if first is None:
        return second
    return Rule(
        seconds=second.seconds if second.seconds is not None else first.seconds,
        release=second.release or first.release,
        repeat=second.repeat or first.repeat,
        each_side=first.each_side or second.each_side,
        kind=second.kind or first.kind,
        every_side=first.every_side or second.every_side,
        sets=second.sets or first.sets,
    )


WHOLE = re.compile(
    r"\b(?:whole|everything|entire|all (?:of )?(?:it|this|these|the steps))\b|\bthe (?:routine|sequence)\b",
    re.IGNORECASE,
)


# Sections whose lists are not exercises: "Do not press on:", "What you need", "Safety tips"
ASIDE_SECTION = re.compile(
    r"\b(?:not|never|avoid|don't|do not|caution|warning|need|needed|equipment|tips?|notes?|safety|precautions?|"
    r"contraindications?|when to|who should|benefits?|faq|questions)\b",
    re.IGNORECASE,
)


_RELEASE_WORD = re.compile(r"\b(?:release|relax|rest|let go|pause|ease off|break)\w*\W+(?:\w+\W+){0,2}$", re.IGNORECASE)


def hold_and_release(unit: Unit, alone: bool = True) -> tuple[float | None, float]:
    """'Press for 30 seconds, release for 5 seconds': the hold, and the rest between repetitions;
    "2 sets of 15, rest 45 seconds between sets" has a rest and no hold. "Rest 60 seconds between
    sets." is a rest timed when it stands alone, and the rest between when it follows a step."""
    holds: list[float] = []
    rests: list[float] = []
    for found in unit.durations:
        resting = _RELEASE_WORD.search(unit.text[: found.start]) or _REST_AFTER.match(unit.text, found.end)
        (rests if resting and (holds or _BETWEEN_AFTER.match(unit.text, found.end)) else holds).append(found.value)
    if alone and not holds and rests and leading_verb(unit.text) in ("rest", "relax", "pause"):
        return rests[0], 0.0  # "Rest 60 seconds between sets.": a rest, timed
    return (holds[0] if holds else None), (rests[0] if rests else 0.0)


_BETWEEN_AFTER = re.compile(r"\s*(?:of\s+rest\s+|rest\s+)?between\b", re.IGNORECASE)


_REST_AFTER = re.compile(r"\s*(?:of\s+)?(?:rest|break|pause|recovery)\b", re.IGNORECASE)
