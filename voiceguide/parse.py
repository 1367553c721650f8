"""Routine text (plain or Markdown prose) → Routine. Pure: no audio, no files.

The parser reads in three passes:
1. blocks: headings, list items and paragraphs, each with its 1-based line;
2. units: one per list item or paragraph sentence, classified as instruction or narrative,
   with the durations, repeats, sides and breathing the lexicon finds in it;
3. steps: modifier sentences ("Hold for 30 seconds.", "Repeat 3 times.") join the instruction
   before them, side directives mirror the steps they refer to, and defaults fill what the
   text leaves out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from voiceguide import lexicon
from voiceguide.model import Routine, Step

# Seconds a step gets when its text names none, by what it asks for (see README).
DEFAULT_SECONDS = {
    "position": 5.0,
    "press": 30.0,
    "massage": 30.0,
    "hold": 20.0,
    "rest": 10.0,
    "breath": 30.0,
}
PASS_SECONDS = 10.0  # one pass of a counted, untimed movement ("thumb walk a few times")
DEFAULT_BREATH = (4.0, 6.0)
HOLD_BREATH_KINDS = frozenset({"press", "hold"})  # get breath prompts even when unmentioned

_BULLET = re.compile(r"^\s*(?:[•·◦▪‣●○■□➤►✓✔*+\-–—])\s+(?P<text>.+)$")
_NUMBERED = re.compile(
    r"^\s*(?:(?:step|stage|exercise)\s+(?P<n1>\d+)\s*[:.)\-–]|(?P<n2>\d+)\s*[.)]|\((?P<n3>\d+)\))\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")
_RULE = re.compile(r"^\s*(?:[-*_=~]\s*){3,}$")
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_]+?)(?:\*\*|__)\s*:?\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“(]?[A-Z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "approx.", "min.", "sec.", "secs.", "mins.", "dr.", "st.", "vs.", "no.")


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "item", "para"
    text: str
    line: int
    number: int | None = None  # a numbered list item's own number
    level: int = 0  # heading level, 1 for a title
    lines: tuple[tuple[int, int], ...] = ()  # (offset in text, line number) for paragraphs


def clean_inline(text: str) -> str:
    """Drop Markdown emphasis, links and stray markup; fold white space."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    text = re.sub(r"(?<!\w)_(?=\w)|(?<=\w)_(?!\w)", "", text)
    text = re.sub(r"<[^>]{1,40}>", "", text)
    return re.sub(r"\s+", " ", text).strip()


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\t", "    ").replace("\u00a0", " ").replace("\u2019", "'")


def _is_title_line(text: str) -> bool:
    """A short line standing alone that names a part rather than telling what to do."""
    words = text.rstrip(":").split()
    return 0 < len(words) <= 10 and not re.search(r"[.!?,;]\s*\S", text.rstrip(":")) and text[-1:] not in ".!?,;"


def blocks_of(text: str) -> list[Block]:
    lines = normalize(text).split("\n")
    blocks: list[Block] = []
    para: list[tuple[int, str]] = []
    item: list[tuple[int, str]] | None = None
    item_number: int | None = None

    def flush() -> None:
        nonlocal para, item, item_number
        if item:
            joined, offsets = _join(item)
            if joined:
                blocks.append(Block("item", joined, item[0][0], item_number, lines=offsets))
        if para:
            joined, offsets = _join(para)
            if joined:
                blocks.append(Block("para", joined, para[0][0], lines=offsets))
        para, item, item_number = [], None, None

    for i, raw in enumerate(lines):
        number = i + 1
        line = raw.rstrip()
        stripped = line.strip()
        next_line = lines[i + 1] if i + 1 < len(lines) else ""
        if not stripped:
            flush()
            continue
        if _UNDERLINE.match(next_line) and not item and not para and _is_title_line(clean_inline(stripped)):
            blocks.append(
                Block("heading", clean_inline(stripped).rstrip(":"), number, level=1 if "=" in next_line else 2)
            )
            continue
        if _UNDERLINE.match(stripped) or _RULE.match(stripped):
            flush()
            continue
        heading = _MD_HEADING.match(line) or _BOLD_LINE.match(line)
        if heading:
            flush()
            level = len(line) - len(line.lstrip().lstrip("#")) if line.lstrip().startswith("#") else 3
            text_ = clean_inline(heading.group("text")).rstrip(":")
            if text_:
                blocks.append(
                    Block("heading", text_, number, level=max(1, level - line.index("#") if "#" in line[:4] else level))
                )
            continue
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        if bullet or (numbered and numbered.group("text")):
            flush()
            if bullet:
                item = [(number, bullet.group("text"))]
            else:
                assert numbered is not None
                item = [(number, numbered.group("text"))]
                item_number = int(numbered.group("n1") or numbered.group("n2") or numbered.group("n3"))
            continue
        if numbered and not numbered.group("text"):
            flush()  # a bare "Step 3:" line: its text follows on the next line
            item, item_number = [], int(numbered.group("n1") or numbered.group("n2") or numbered.group("n3"))
            continue
        cleaned = clean_inline(stripped)
        if item is not None and not (cleaned.endswith(":") and _is_title_line(cleaned)):
            item.append((number, stripped))  # a list item goes on until a blank line
            continue
        if cleaned.endswith(":") and _is_title_line(cleaned) and not para:
            flush()
            blocks.append(Block("heading", cleaned.rstrip(":"), number, level=3))
            continue
        para.append((number, stripped))
    flush()
    return blocks


def _join(lines: list[tuple[int, str]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    length = 0
    for number, text in lines:
        cleaned = clean_inline(text)
        if not cleaned:
            continue
        if parts:
            length += 1
        offsets.append((length, number))
        parts.append(cleaned)
        length += len(cleaned)
    return " ".join(parts), tuple(offsets)


def sentences(text: str) -> list[tuple[int, str]]:
    """Split prose into sentences, each with its offset in the text."""
    result: list[tuple[int, str]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rstrip()
        if before.lower().endswith(_ABBREVIATIONS) or re.search(r"\b[A-Z]\.$", before):
            continue
        chunk = text[start : match.start()].strip()
        if chunk:
            result.append((start, chunk))
        start = match.end()
    tail = text[start:].strip()
    if tail:
        result.append((start, tail))
    return result


# Units ---------------------------------------------------------------------------------------

_VERBS = {
    "position": "sit stand lie lay place put take find locate position cross support hold grasp grip "
    "cup bring lift raise lower turn rotate point rest set start begin close open move uncross wash dry "
    "interlace clasp bend straighten draw pull reach spread curl flex extend tuck drop sink shift "
    "return come get make allow let use keep stay remain stretch lean tilt slide gather elevate "
    "direct decrease reduce increase ease lighten loosen adjust",
    "press": "press push pinch apply squeeze compress",
    "massage": "thumb massage rub knead stroke roll circle walk thumb-walk tap glide work brush sweep trace "
    "shake pat wiggle stroke smooth pinch-roll milk twist drum pummel",
    "hold": "tense tighten clench contract hold",
    "breath": "breathe inhale exhale",
    "rest": "relax release notice feel focus observe soften scan imagine visualize picture let rest "
    "continue repeat switch change pause wait count sense enjoy smile sigh yawn",
}
_IMPERATIVE = {verb for words in _VERBS.values() for verb in words.split()}
_FILLER = {
    "now",
    "then",
    "next",
    "first",
    "firstly",
    "second",
    "secondly",
    "third",
    "finally",
    "lastly",
    "also",
    "and",
    "gently",
    "slowly",
    "firmly",
    "carefully",
    "softly",
    "lightly",
    "again",
    "afterwards",
    "after",
    "that",
    "simply",
    "just",
    "please",
    "to",
    "finish",
    "begin",
    "start",
    "once",
    "so",
}
_NOT_INSTRUCTION_START = re.compile(
    r"^(?:did|do you|does|is|are|was|were|it|this|these|those|that|there|here|all|hence|many|most|some|"
    r"studies|research|according|because|although|though|while|when you|if you|you will|you'll|you may|"
    r"you might|your|the|a|an|our|we|i|he|she|they|people|practitioners|reflexology|acupressure|"
    r"massage is|massaging|by)\b",
    re.IGNORECASE,
)
_ADVISORY = re.compile(
    r"^(?:you (?:should|can|could|need to|want to|have to|must)|try to|be sure to|make sure)\b", re.IGNORECASE
)
_EASE_PRESSURE = re.compile(
    r"\b(?:decrease|reduce|ease|release|lighten|relax|let go of)\s+(?:the\s+|your\s+)?pressure\b", re.IGNORECASE
)
_HOLD_VERB = re.compile(
    r"\bhold\b(?=\s*(?:$|[,.;]|for\b|it\b|this\b|that\b|there\b|here\b|still\b|steady\b"
    r"|the (?:stretch|pose|position|tension|pressure|point)\b|your breath\b))",
    re.IGNORECASE,
)
_MODIFIER = re.compile(
    r"^(?:(?:now|then|and|gently|just)\s+)?(?:hold|press|stay|remain|keep|maintain|continue|sustain|rest|"
    r"do (?:this|it|so)|keep (?:going|pressing|holding|it up)|continue (?:pressing|holding|for))\b"
    r"(?:\s+(?:it|this|that|here|there|the (?:pose|position|pressure|stretch|point|tension)|"
    r"this (?:pose|position|pressure|stretch|point)|gently|firmly|steadily|still|steady|pressing|holding|on))*"
    r"\s*(?:for\b|,|\s)",
    re.IGNORECASE,
)
_REPEAT_ONLY_WORDS = re.compile(
    r"\b(?:repeat|repeating|do|perform|this|it|that|the|same|whole|entire|exercise|cycle|sequence|movement|"
    r"motion|process|pattern|round|stretch|again|more|in total|total|all|steps?|technique|breathing|"
    r"for|about|approximately|up to|to|times?|sets?|rounds?|and|then|now|you|can|should|go|through)\b",
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
    breath: lexicon.BreathFound | None = None
    side_cue: lexicon.SideCue | None = None
    step_range: tuple[int, int] | None = None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z'\-]*", text.lower())


def _leading_verb(text: str) -> str | None:
    """The first word after fillers and an opening clause ("Starting at your toe, press…")."""
    candidates = [text]
    if "," in text[:60]:
        candidates.append(text.split(",", 1)[1])
    for candidate in candidates:
        for word in _words(candidate)[:4]:
            if word in _FILLER:
                continue
            return word
    return None


_NOT_VERB_SECOND = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "can",
        "will",
        "may",
        "might",
        "could",
        "would",
        "should",
        "has",
        "have",
        "had",
        "helps",
        "help",
        "and",
        "or",
        "of",
        "to",
        "in",
        "'s",
        "s",
        "points",
        "point",
        "reflexology",
        "massage",
        "therapy",
    ]
)


def is_instruction(text: str, from_list: bool) -> bool:
    """Imperative sentences and list items ask for action; questions and explanations do not."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return False
    words = _words(stripped)
    if not words:
        return False
    lead = [w for w in words if w not in _FILLER] or words
    first = lead[0]
    if first in _IMPERATIVE:
        return True
    opening, _, after = stripped.partition(",")
    if after and len(opening) <= 60 and re.match(_OPENING_CLAUSE, opening.strip(), re.IGNORECASE):
        later = [w for w in _words(after) if w not in _FILLER]
        if later and later[0] in _IMPERATIVE:
            return True
    if _ADVISORY.match(stripped):
        return bool(lexicon.find_durations(stripped) or lexicon.find_repeat(stripped))
    if _NOT_INSTRUCTION_START.match(stripped):
        return False
    # An unlisted verb ("Decrease the pressure…", "Direct your attention…"): the sentence speaks to
    # the reader and opens with a word that is not a noun, gerund or adverb followed by a verb.
    second = lead[1] if len(lead) > 1 else ""
    looks_verb = not re.search(r"(?:ing|ly|ed|[^s]s)$", first) and second not in _NOT_VERB_SECOND
    addressed = bool(re.search(r"\b(?:your|yourself|you)\b", stripped, re.IGNORECASE))
    return looks_verb and (addressed or from_list)


_OPENING_CLAUSE = (
    r"^(?:starting|beginning|using|with|once|when|while|after|before|if|keeping|at|from|on|in|for|"
    r"without|placing|holding|still|gently|slowly|now|then|next|finally|to)\b"
)


def kind_of(text: str) -> str:
    """What an instruction asks for, by the strongest action it names."""
    lowered = _EASE_PRESSURE.sub(" ", text.lower())
    words = set(_words(lowered))
    if (
        lexicon.find_breath_pattern(text)
        or _leading_verb(lowered) in ("breathe", "inhale", "exhale")
        or re.search(r"\b(?:take|with|for)\s+(?:[\w,]+\s+){0,3}(?:deep|slow|full|long|calm)\s+breaths?\b", lowered)
    ):
        return "breath"
    if words & set(_VERBS["press"].split()) or re.search(
        r"\b(?:put|apply|add|use) (?:\w+ )?pressure\b|\bpressure (?:on|to)\b", lowered
    ):
        return "press"
    if words & set(_VERBS["massage"].split()) or "thumb walk" in lowered or "circular" in lowered:
        return "massage"
    if _HOLD_VERB.search(lowered) or words & {"tense", "tighten", "clench", "contract", "stretch"}:
        return "hold"
    if re.search(r"\brest (?:your|the|it|them|one|both|each)\b", lowered):
        return "position"
    if words & {
        "relax",
        "release",
        "rest",
        "notice",
        "feel",
        "focus",
        "observe",
        "soften",
        "scan",
        "imagine",
        "visualize",
        "pause",
        "wait",
        "enjoy",
    }:
        return "rest"
    return "position"


def _split_then(text: str) -> list[str]:
    """'Tense for 5 seconds, then release for 10 seconds' is two timed actions."""
    parts = re.split(r"(?:,\s*|;\s*|\s+)(?=(?:and\s+)?then\b)", text)
    if len(parts) > 1 and all(lexicon.find_durations(p) for p in parts) and not lexicon.find_breath_pattern(text):
        return [p.strip() for p in parts]
    return [text]


def _split_directive(text: str, cue: lexicon.SideCue) -> list[str]:
    """'Repeat on the other foot and relax by lying down.' carries a second instruction."""
    at = text.find(cue.phrase)
    rest = text[at + len(cue.phrase) :] if at >= 0 else ""
    match = re.match(r"^\s*(?:,\s*)?(?:and|then)\s+(?P<rest>.{6,})$", rest)
    if match and _leading_verb(match.group("rest")) in _IMPERATIVE:
        return [text[: at + len(cue.phrase)].rstrip(" ,") + ".", match.group(0).strip()]
    return [text]


def units_of(blocks: list[Block]) -> tuple[str | None, list[Unit]]:
    title: str | None = None
    section: str | None = None
    units: list[Unit] = []
    for position, block in enumerate(blocks):
        if block.kind == "heading":
            if title is None and not units and (block.level == 1 or position == 0):
                title = block.text
            else:
                section = block.text
            continue
        if block.kind == "item":
            pieces = [(block.line, block.text)]
        else:
            pieces = [(_line_at(block, offset), s) for offset, s in sentences(block.text)]
        for line, text in pieces:
            for part in _split_then(text):
                cue = lexicon.find_side_cue(part)
                for piece in _split_directive(part, cue) if cue and cue.kind != "each" else [part]:
                    units.append(_unit(piece, line, section, block))
    return title, units


def _line_at(block: Block, offset: int) -> int:
    line = block.line
    for start, number in block.lines:
        if start <= offset:
            line = number
    return line


def _unit(text: str, line: int, section: str | None, block: Block) -> Unit:
    from_list = block.kind == "item"
    unit = Unit(text, line, section, from_list, number=block.number)
    unit.breath = lexicon.find_breath_pattern(text)
    blanked = text
    if unit.breath:
        blanked = text[: unit.breath.start] + " " * (unit.breath.end - unit.breath.start) + text[unit.breath.end :]
    unit.durations = lexicon.find_durations(blanked)
    unit.repeat = lexicon.find_repeat(blanked)
    unit.side_cue = lexicon.find_side_cue(text)
    unit.step_range = lexicon.find_step_range(text)
    unit.instruction = is_instruction(text, from_list) or bool(unit.step_range)
    if unit.side_cue and unit.side_cue.kind in ("mirror", "switch"):
        unit.instruction = True
    return unit


# Steps ----------------------------------------------------------------------------------------


def _is_modifier(unit: Unit) -> bool:
    """A sentence that only times or repeats the instruction before it."""
    if unit.side_cue or unit.step_range:
        return False
    if unit.durations and _MODIFIER.match(unit.text):
        rest = unit.text[_MODIFIER.match(unit.text).end() :]  # type: ignore[union-attr]
        first = unit.durations[0]
        head = unit.text[: first.start]
        return (
            len(_words(head)) <= 6
            and not re.search(r"\b(?:your|the)\s+(?!pose|position|pressure|stretch|point|tension)\w+", head.lower())
        ) or not rest
    if unit.repeat:
        leftover = _REPEAT_ONLY_WORDS.sub(" ", unit.text.replace(unit.repeat.phrase, " "))
        return not _words(leftover)
    return False


@dataclass
class _Builder:
    steps: list[Step] = field(default_factory=list)
    run: list[int] = field(default_factory=list)  # positions of instructions since the last side change
    run_section: str | None = None
    side: str | None = None
    part: str | None = None
    numbered: dict[int, list[int]] = field(default_factory=dict)  # list number → step positions
    seen_instruction: bool = False

    def add(self, step: Step, unit: Unit | None = None) -> None:
        self.steps.append(step)
        if step.is_instruction:
            self.seen_instruction = True
            self.run.append(len(self.steps) - 1)
            if unit is not None and unit.number is not None:
                self.numbered.setdefault(unit.number, []).append(len(self.steps) - 1)


def parse_text(text: str, source: str = "") -> Routine:
    """Read a routine written for people into steps a voice can guide."""
    title, units = units_of(blocks_of(text))
    b = _Builder()
    for unit in units:
        if unit.section != b.run_section:
            b.run, b.run_section, b.side, b.part = [], unit.section, None, None
        previous = _last_instruction(b)
        if unit.instruction and previous is not None and _is_modifier(unit) and _untimed(b.steps[previous]):
            b.steps[previous] = _merge(b.steps[previous], unit)
            continue
        if not unit.instruction:
            kind = "note" if b.seen_instruction else "intro"
            b.add(Step(text=unit.text, kind=kind, section=unit.section, source_line=unit.line))
            continue
        cue = unit.side_cue
        if unit.step_range:
            _repeat_range(b, unit)
        elif cue and cue.kind == "mirror":
            _mirror(b, unit, cue)
        elif cue and cue.kind == "switch" and not unit.durations:
            b.side = cue.side
            b.part = cue.part or b.part
            b.add(
                Step(
                    text=unit.text,
                    kind="switch",
                    section=unit.section,
                    source_line=unit.line,
                    announce=_sentence(unit.text),
                    side=b.side,
                )
            )
            b.run = []
        else:
            step = _instruction(unit, b)
            b.add(step, unit)
            if cue and cue.kind == "each":
                _each_side(b, unit, cue)
    steps = _number(b.steps)
    return Routine(title=title or _title_from(source), steps=steps, source=source)


def _last_instruction(b: _Builder) -> int | None:
    for position in range(len(b.steps) - 1, -1, -1):
        step = b.steps[position]
        if step.kind in ("switch", "repeat"):
            return None
        if step.is_instruction:
            return position
    return None


def _untimed(step: Step) -> bool:
    return step.seconds_from != "text" or step.kind == "breath"


def _merge(step: Step, unit: Unit) -> Step:
    text = f"{step.text} {unit.text}"
    merged = replace(step, text=text)
    if unit.durations and step.seconds_from != "text":
        kind = step.kind if step.kind not in ("position", "rest") else kind_of(unit.text)
        if kind in ("position", "rest"):
            kind = "hold"
        merged = replace(merged, kind=kind, seconds=unit.durations[0].value, seconds_from="text")
    if unit.repeat:
        merged = replace(merged, repeat=max(1, int(unit.repeat.value)))
        if merged.seconds_from != "text" and merged.kind != "breath":
            merged = replace(merged, seconds=PASS_SECONDS)
    if unit.breath or lexicon.mentions_breathing(unit.text):
        merged = _with_breath(merged, unit)
    return merged


def _with_breath(step: Step, unit: Unit) -> Step:
    if unit.breath:
        return replace(step, breath=unit.breath.pattern, breath_from="text")
    if step.breath is None:
        return replace(step, breath=DEFAULT_BREATH, breath_from="default")
    return step


def _instruction(unit: Unit, b: _Builder) -> Step:
    kind = kind_of(unit.text)
    named = lexicon.first_side(unit.text)
    if named:
        b.side, part = named
        b.part = part if part and part != "side" else b.part
    step = Step(text=unit.text, kind=kind, side=b.side, section=unit.section, source_line=unit.line)
    if unit.breath or lexicon.mentions_breathing(unit.text) or kind in HOLD_BREATH_KINDS:
        step = _with_breath(step, unit)
    repeat = max(1, int(unit.repeat.value)) if unit.repeat else 1
    if kind == "breath" and unit.breath and not unit.durations:
        return replace(step, seconds=sum(unit.breath.pattern), seconds_from="text", repeat=repeat)
    if unit.durations:
        return replace(step, seconds=unit.durations[0].value, seconds_from="text", repeat=repeat)
    seconds = PASS_SECONDS if repeat > 1 and kind in ("press", "massage") else DEFAULT_SECONDS[kind]
    return replace(step, seconds=seconds, seconds_from="default", repeat=repeat)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text[-1:] in ".!?" else text + "."


def _mirror(b: _Builder, unit: Unit, cue: lexicon.SideCue) -> None:
    """Do the steps since the last side change again on the other side, announced."""
    scope = list(b.run)
    sided = [p for p in scope if b.steps[p].side]
    if sided:
        scope = scope[scope.index(sided[0]) :]
    part = cue.part if cue.part and cue.part != "side" else (b.part or cue.part or "side")
    new_side = cue.side or (lexicon.other_side(b.side) if b.side else None)
    announce = f"Now the {new_side} {part}." if new_side else f"Now the other {part}."
    b.add(
        Step(
            text=unit.text, kind="switch", section=unit.section, source_line=unit.line, announce=announce, side=new_side
        )
    )
    for position in scope:
        original = b.steps[position]
        b.steps.append(_mirrored(original, position))
    b.side = new_side
    b.run = []


def _mirrored(step: Step, position: int) -> Step:
    side = lexicon.other_side(step.side) if step.side else None
    return replace(step, text=lexicon.mirror_text(step.text), side=side, copy_of=position, announce=None)


def _each_side(b: _Builder, unit: Unit, cue: lexicon.SideCue) -> None:
    position = len(b.steps) - 1
    step = b.steps[position]
    part = cue.part
    new_side = lexicon.other_side(step.side) if step.side else None
    announce = f"Now the {new_side} {part or 'side'}." if new_side else f"Now the other {part or 'side'}."
    b.steps.append(replace(_mirrored(step, position), announce=announce, side=new_side))


def _repeat_range(b: _Builder, unit: Unit) -> None:
    assert unit.step_range is not None
    first, last = unit.step_range
    positions = [p for n in range(first, last + 1) for p in b.numbered.get(n, [])[:1]]
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


def _number(steps: list[Step]) -> tuple[Step, ...]:
    """Give steps their 1-based index; copies point at their original's index."""
    numbered = [replace(s, index=i + 1) for i, s in enumerate(steps)]
    return tuple(replace(s, copy_of=numbered[s.copy_of].index) if s.copy_of is not None else s for s in numbered)


def _title_from(source: str) -> str:
    stem = re.sub(r"\.[a-z0-9]+$", "", source.replace("\\", "/").rsplit("/", 1)[-1])
    words = [w for w in re.split(r"[_\-\s]+", stem) if w]
    if words and sum(c.isalpha() for c in stem) >= 4 and not re.fullmatch(r"[0-9a-f_\-]+", stem):
        return " ".join(words).capitalize()
    return "Guided routine"
