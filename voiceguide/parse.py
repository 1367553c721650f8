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
    "breath": 20.0,
}
PASS_SECONDS = 10.0  # one pass of a counted, untimed movement ("thumb walk a few times")
QUICK_REPS_FROM = 3  # more repetitions than this are quick ones ("open and close your hand 10 times")
QUICK_REP_SECONDS = 3.0
DEFAULT_BREATH = (4.0, 6.0)
HOLD_BREATH_KINDS = frozenset({"press", "hold"})  # get breath prompts even when unmentioned

_BULLET = re.compile(r"^\s*(?:[•·◦▪‣●○■□➤►✓✔*+\-–—])\s+(?P<text>.+)$")
_NUMBERED = re.compile(
    r"^\s*(?:(?:step|stage|exercise)\s+(?P<n1>\d+)\s*[:.)\-–]|(?P<n2>\d+)\s*[.)](?!\d)|\((?P<n3>\d+)\)"
    r"|\(?(?P<letter>[a-h]|i{1,3}|iv|vi{0,3})\)|(?P<letter2>[a-h]|i{1,3}|iv|vi{0,3})\.(?=\s))"
    r"\s*(?P<text>.*)$",  # "a)", "(a)", "a." and "ii." sub-steps too
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^\s*(?:={3,}|-{3,})\s*$")
_RULE = re.compile(r"^\s*(?:[-*_=~]\s*){3,}$")
_NAMED_ITEM = re.compile(r"^(?P<name>[A-Z][\w'&-]*(?: [\w'&-]+){0,3})[.:]\s+(?P<rest>[A-Z].{8,})$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_TIME_COLUMN = re.compile(r"^(?:time|duration|hold|how long|length|seconds|minutes|for)$", re.IGNORECASE)
_FORM_FIELDS = re.compile(  # "Patient: _______  Date: ____", a page footer
    r"^(?:(?:\s*[\w .'/-]{1,30}:\s*_{3,})+\s*|\s*(?:page\s+)?\d+\s+(?:of|/)\s+\d+\s*|\s*page\s+\d+\s*)$", re.IGNORECASE
)
# A bold line names a part; a bold sentence ("**Repeat on the left hand.**") is emphasis.
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_]*?[^*_.!?])(?:\*\*|__)\s*:?\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")  # Markdown block quotes ("> Tip: …"): read as plain text
# Emoji and pictographs: nothing a voice can say ("🖐️", "✅", "⏱"); list markers are handled first.
_PICTOGRAPH = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]?\s+(?=[\"“(]?[A-Z0-9])")
_AFTER_STAGE = re.compile(r"\s+(?=[\"“(]?[A-Z])")
# Abbreviations after which a capital letter does not start a sentence. "min." and "sec." are
# not among them: in routines they end sentences far more often than they abbreviate mid-way.
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|approx|dr|st|vs|no|fig|cf)\.|(?-i:\b[A-Z]\.))$", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    kind: str  # "heading", "item", "para"
    text: str
    line: int
    number: int | None = None  # a numbered list item's own number
    level: int = 0  # heading level, 1 for a title
    lettered: bool = False  # an "a)" sub-step
    indent: int = 0  # a list item's indentation, in characters
    lines: tuple[tuple[int, int], ...] = ()  # (offset in text, line number) for paragraphs


def clean_inline(text: str) -> str:
    """Drop Markdown emphasis, links and stray markup; fold white space."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    text = re.sub(r"(?<!\w)_(?=\w)|(?<=\w)_(?!\w)", "", text)
    text = re.sub(r"<[^>]{1,40}>", "", text)
    text = _PICTOGRAPH.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\t", "    ").replace("\u00a0", " ").replace("\u2019", "'")
    return "\n".join(_QUOTE.sub("", line) for line in text.split("\n"))


def _title_case(text: str) -> bool:
    """'Evening Foot Care' or 'Benefits:' rather than 'Sit down and relax'."""
    long_words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) >= 4]
    capitals = sum(w[0].isupper() for w in long_words)
    return text.endswith(":") or (bool(long_words) and capitals >= max(1, round(0.6 * len(long_words) + 0.01)))


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
    lettered = False
    indent = 0
    header: list[str] = []  # the column names of a Markdown table
    stepped = False  # the item is numbered "Step 3 –": a short first sentence names it

    def flush() -> None:
        nonlocal para, item, item_number, lettered, stepped
        if item:
            first = clean_inline(item[0][1])
            name = _NAMED_ITEM.match(first)
            if item_number is not None and name and _names_a_step(name.group("name")):
                # "Step 1 – Palming. Rub your hands…": the item's name, then what to do
                blocks.append(Block("heading", name.group("name").strip(), item[0][0], level=4))
                item = [(item[0][0], name.group("rest")), *item[1:]]
                first = name.group("rest")
            if len(item) > 1 and _is_title_line(first) and len(first.split()) <= 8:
                # "1. Chin tuck" over an indented description: the first line names the step.
                blocks.append(Block("heading", first.rstrip(":"), item[0][0], level=4))
                item = item[1:]
            joined, offsets = _join(item)
            if joined:
                blocks.append(
                    Block("item", joined, item[0][0], item_number, lines=offsets, lettered=lettered, indent=indent)
                )
        if para:
            joined, offsets = _join(para)
            first = clean_inline(para[0][1])
            # "Relaxing the Body, Muscle by Muscle" alone on the first line is the title
            opening_title = (
                not blocks and _title_case(joined) and not re.search(r"[.!?;:|]", joined) and len(joined.split()) <= 12
            )
            if len(para) == 1 and (_is_title_line(joined) or opening_title) and (not blocks or _title_case(joined)):
                blocks.append(Block("heading", joined.rstrip(":"), para[0][0], level=1 if not blocks else 3))
                joined = ""
            elif (
                not blocks
                and len(para) == 2
                and all(_is_title_line(t) and _title_case(t) for t in map(clean_inline, [first, para[1][1]]))
            ):
                # a title over a subtitle ("Physiotherapy Department") on the first two lines
                blocks.append(Block("heading", first.rstrip(":"), para[0][0], level=1))
                joined, offsets = _join(para[1:])
            elif len(para) > 1 and _is_title_line(first) and len(first.split()) <= 6 and para[1][1][:1].isupper():
                # "Finishing stretch" on its own line, the text under it starting on the next
                blocks.append(Block("heading", first.rstrip(":"), para[0][0], level=3))
                joined, offsets = _join(para[1:])
            if joined:
                blocks.append(Block("para", joined, para[0][0], lines=offsets))
        para, item, item_number, lettered, stepped = [], None, None, False, False

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
        if _TABLE_ROW.match(line) or (_TABLE_RULE.match(line) and "|" in line):
            # "| Solar plexus | centre of the sole | 1 min |": each row a step, read as a sentence
            flush()
            cells = [clean_inline(c) for c in stripped.strip("|").split("|")]
            if _TABLE_RULE.match(line):
                continue
            if _TABLE_RULE.match(next_line) and "|" in next_line:
                header = cells
                continue
            blocks.append(Block("item", _table_sentence(cells, header), number))
            continue
        header = [] if not _TABLE_ROW.match(next_line) else header
        if _UNDERLINE.match(stripped) or _RULE.match(stripped) or _FORM_FIELDS.match(stripped):
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
            if len(para) == 1 and _is_title_line(clean_inline(para[0][1])) and len(para[0][1].split()) <= 6:
                # "How to do it" right above a list names it
                blocks.append(Block("heading", clean_inline(para[0][1]).rstrip(":"), para[0][0], level=3))
                para = []
            flush()
            indent = len(line) - len(line.lstrip())
            if bullet:
                item = [(number, bullet.group("text"))]
            else:
                assert numbered is not None
                item = [(number, numbered.group("text"))]
                item_number = _item_number(numbered)
                lettered = numbered.group("letter") is not None or numbered.group("letter2") is not None
                stepped = numbered.group("n1") is not None
            continue
        if numbered and not numbered.group("text"):
            flush()  # a bare "Step 3:" line: its text follows on the next line
            item, item_number = [], _item_number(numbered)
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
    return _headings_over_sub_steps(blocks)


def _names_a_step(text: str) -> bool:
    """ "Palming", "Sustained pressure": a name, not an instruction, a side or a time."""
    return not (
        is_instruction(text, False)
        or lexicon.find_side_cue(text)
        or lexicon.first_side(text)
        or lexicon.find_durations(text)
        or lexicon.find_repeat(text)
        or _words(text)[:1] in (["now"], ["then"], ["next"])
    )


def _table_sentence(cells: list[str], header: list[str]) -> str:
    """A table row as a sentence: "Solar plexus: centre of the sole, for 1 min." """
    filled = [position for position, cell in enumerate(cells) if cell]
    if not filled:
        return ""
    said = []
    for position, cell in list(enumerate(cells))[filled[0] + 1 :]:
        name = header[position] if position < len(header) else ""
        if cell:
            said.append(f"for {cell}" if _TIME_COLUMN.match(name) and lexicon.find_durations(cell) else cell)
    first = cells[filled[0]].rstrip(".:")
    return f"{first}: {', '.join(said)}." if said else f"{first}."


def _headings_over_sub_steps(blocks: list[Block]) -> list[Block]:
    """ "2. Achilles" over "a) Pinch the tendon…", or "* Warm up" over indented bullets: a short
    item that names the items under it."""
    result = list(blocks)
    for position, block in enumerate(blocks[:-1]):
        following = blocks[position + 1]
        under = following.kind == "item" and (
            (following.lettered and not block.lettered) or following.indent > block.indent
        )
        # "1. Spirit Gate (HT7)" alone, with the paragraph about it below
        previous = blocks[position - 1] if position else None
        in_a_list = previous is not None and previous.kind == "item" and previous.number is not None
        named = (
            block.number is not None
            and following.kind == "para"
            and not in_a_list  # "3. Wrist circles" ending a list, then a closing paragraph
            and not is_instruction(block.text, False)
        )
        if block.kind == "item" and (under or named) and _is_title_line(block.text):
            result[position] = Block("heading", block.text.rstrip(":"), block.line, level=3)
    return result


def _item_number(match: re.Match[str]) -> int | None:
    number = match.group("n1") or match.group("n2") or match.group("n3")
    return int(number) if number else None  # lettered sub-steps have none


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
    """Split prose into sentences, each with its offset in the text. A stage direction ("(pause
    10 seconds)") ends the sentence it follows."""
    result: list[tuple[int, str]] = []
    start = 0
    stages = list(lexicon.STAGE_DIRECTION.finditer(text))
    ends = [
        m
        for m in _SENTENCE_END.finditer(text)
        if not lexicon.STAGE_DIRECTION.match(text, m.end()) and not any(s.start() < m.start() < s.end() for s in stages)
    ]
    for stage in stages:
        after = _AFTER_STAGE.match(text, stage.end())
        if after:
            ends.append(after)
    for match in sorted(ends, key=lambda m: m.start()):
        if match.start() < start:
            continue
        before = text[start : match.start()].rstrip()
        if _ABBREVIATION.search(before):
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
    "position": "sit stand lie lay kneel place put take find locate position cross uncross support grasp grip "
    "cup bring lift raise lower turn rotate point set close open move wash dry interlace clasp link bend "
    "straighten draw pull reach spread curl flex extend tuck drop sink shift return come get make form allow "
    "let use keep stay remain lean tilt slide gather elevate direct decrease reduce increase ease lighten "
    "loosen adjust go clench do complete perform spend count hug grab tug cover swing sway nod shrug rock "
    "bounce hang fold look gaze blink swallow hum step march choose pick try aim start begin finish end add "
    "give warm cool check lengthen widen reverse alternate wrap interlock cradle hook anchor loop hinge apply",
    "press": "press push pinch squeeze compress",
    "massage": "thumb massage rub knead stroke roll circle walk thumb-walk tap glide work brush sweep trace "
    "shake pat wiggle smooth milk twist drum pummel scratch comb flick slap knuckle",
    "hold": "tense tighten contract hold stretch",
    "breath": "breathe inhale exhale",
    "rest": "relax release rest notice feel focus observe soften scan imagine visualize picture continue "
    "repeat switch change pause wait sense enjoy smile sigh yawn settle melt listen",
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
    "once",
    "so",
    # First-person accounts ("Then I press the knot for thirty seconds") describe the same
    # actions: the pronoun and its habitual adverbs stand in front of the verb like fillers.
    "i",
    "usually",
    "always",
    "normally",
    "often",
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
    block: int = 0  # which paragraph or list item it came from
    split_tail: bool = False  # split off the end of a sentence ("…, then repeat on the other hand")
    kind: str | None = None  # what a verbless tail does: the kind of the clause it was split from
    sentence: int = 0  # which sentence of the text it came from
    rule: Rule | None = None  # a time, count or sides stated once for several steps


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


# Words that follow an imperative verb: its object's determiner, a particle or an adverb.
_VERB_OBJECT = frozenset(
    [
        "your",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "them",
        "both",
        "each",
        "one",
        "two",
        "three",
        "some",
        "all",
        "up",
        "down",
        "in",
        "on",
        "out",
        "off",
        "back",
        "into",
        "onto",
        "over",
        "through",
        "gently",
        "slowly",
        "firmly",
        "softly",
        "to",
        "with",
        "for",
        "yourself",
        "around",
        "along",
        "across",
        "away",
        "together",
        "apart",
        "forward",
        "backward",
    ]
)
# "Hands: make a fist." A short label before a colon names the part, not the action.
_LABEL = re.compile(r"^\s*(?:(?:[A-Za-z][\w'-]*\s*){1,4}:|(?:[A-Za-z][\w'+-]*\s+){1,6}[-–—])\s+(?=\S)")


_SPOKEN_LEAD = re.compile(
    r"^(?:(?:okay|ok|alright|all right|so|and|now|well|next up|then|from there|from here|after that)[,\s]+)*"
    r"(?:(?:what\s+)?(?:we're|we are|you're|you are|i'm|i am|we'll|you'll)\s+(?:gonna|going to|want to|wanna)\s+"
    r"(?:do\s+(?:first|next|now\s+)?\s*is\s+)?|what i (?:like|want|love) to do (?:here |next |now )?is\s+|"
    r"i (?:want|would like|'d like) you to\s+|go ahead and\s+|let's\s+|let us\s+)(?:just\s+)?",
    re.IGNORECASE,
)
_ADVICE_LABEL = re.compile(
    r"^\s*(?:(?:pro|top|quick|bonus)\s+)?(?:tips?|notes?|nb|caution|warning|important|disclaimer|remember|"
    r"safety(?: first)?|precautions?|contraindications?|reminder|fyi|how (?:it|this) works|why (?:it|this) works|"
    r"benefits?|background|what you(?:'ll)? need|you(?:'ll| will)? need|equipment|the idea|the science|"
    r"good to know|did you know|total time|time needed|time required|duration)\s*[:–—-]\s",
    re.IGNORECASE,
)


def is_instruction(text: str, from_list: bool) -> bool:
    """Imperative sentences and list items ask for action; questions and explanations do not."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return False
    if stripped.endswith("!") and not lexicon.find_durations(stripped):
        return False  # "Enjoy your day!": encouragement, nothing to time
    words = _words(stripped)
    if not words:
        return False
    if _ADVICE_LABEL.match(stripped):
        return False  # "Tip: keep your nails short": advice, spoken where it stands, not timed
    stripped = _SPOKEN_LEAD.sub("", stripped) or stripped  # "Okay so what we're gonna do first is just sit up"
    words = _words(stripped) or words
    label = _LABEL.match(stripped)
    if label and [w for w in _words(label.group(0)) if w not in _FILLER][:1] in ([v] for v in _IMPERATIVE):
        return True  # "Now begin coherent breathing: 5.5 seconds in, 5.5 seconds out"
    stripped = _LABEL.sub("", stripped)
    words = _words(stripped) or words
    lead = [w for w in words if w not in _FILLER] or words
    first = lead[0]
    if first in _IMPERATIVE or words[0] in _IMPERATIVE:
        return True
    if _ADVISORY.match(stripped):
        return bool(lexicon.find_durations(stripped) or lexicon.find_repeat(stripped))
    # "Starting at your toe, press…", "When you are ready, open your eyes": an opening phrase, then the verb
    opening = re.match(_OPENING, stripped, re.IGNORECASE)
    if opening or not _NOT_INSTRUCTION_START.match(stripped):
        for clause in re.split(r"[,;:]\s*", stripped)[1:4]:
            later = [w for w in _words(clause) if w not in _FILLER]
            if later and later[0] in _IMPERATIVE:
                return True
    if from_list and lexicon.find_durations(stripped) and not _TAKES.search(stripped):
        return True  # "Scalp scrub with your fingertips (30 seconds)", a chart's row: a list item with a time
    if _NOT_INSTRUCTION_START.match(stripped):
        return False
    # An unlisted verb ("Decrease the pressure…", "Direct your attention…"): the sentence speaks to
    # the reader and opens with a word that is not a noun, gerund or adverb followed by a verb.
    second = lead[1] if len(lead) > 1 else ""
    looks_verb = not re.search(r"(?:ing|ly|ed|[^s]s)$", first) and second in _VERB_OBJECT
    addressed = bool(re.search(r"\b(?:your|yourself|you)\b", stripped, re.IGNORECASE))
    if from_list and lexicon.find_durations(stripped) and not _TAKES.search(stripped):
        return True  # "Scalp scrub with your fingertips (30 seconds)": a list item with a time
    return looks_verb and (addressed or from_list)


_OPENING = (
    r"^(?:if|when|once|after|before|while|as|starting|beginning|using|with|keeping|sitting|standing|lying|"
    r"holding|placing|at|from|on|in|for|without|still|to|finally|then|next|now|gently|slowly)\b"
)


def _stems(word: str) -> set[str]:
    """A word and the verbs it may be a form of: tapping → tap, shaking → shake, presses → press."""
    stems = {word}
    for suffix in ("ing", "es", "s", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            base = word[: -len(suffix)]
            stems |= {base, base + "e"}
            if len(base) > 2 and base[-1] == base[-2]:
                stems.add(base[:-1])
    return stems


_TOOL_NOUN = re.compile(
    r"\b(?:massage|tennis|lacrosse|foam|spiky|trigger[- ]point)\s+(?:balls?|rollers?|sticks?|guns?|tools?|oil|"
    r"cream|lotion|mats?|tables?|chairs?|therapists?|cushions?)\b"
)


def kind_of(text: str) -> str:
    """What an instruction asks for: breathing, pressing, massaging or holding wherever it is
    named; otherwise what its leading verb asks (resting, or getting into position)."""
    lowered = _EASE_PRESSURE.sub(" ", text.lower())
    lowered = re.sub(r"\bpress(?:ing)? (?:yourself|up|down|back)\b", " ", lowered)  # getting up, not a press
    lowered = _TOOL_NOUN.sub(" ", lowered)  # "place a massage ball under you": the ball, not the act
    words = {stem for word in _words(lowered) for stem in _stems(word)}
    if (
        lexicon.find_breath_pattern(text)
        or _leading_verb(lowered) in ("breathe", "inhale", "exhale")
        or re.search(
            r"\b(?:take|with|for)\s+(?:[\w,]+\s+){0,3}(?:deep|slow|full|long|calm)\s+(?:\w+\s+)?breaths?\b", lowered
        )
    ):
        return "breath"
    if words & _KIND_WORDS["press"] or re.search(
        r"\b(?:put|apply|add|use) (?:[\w,]+ ){0,3}pressure\b|\bpressure (?:on|to)\b", lowered
    ):
        return "press"
    strokes = re.search(r"\bthumb[- ]walk|\bcircular\b|\bslid(?:e|ing)\b[^.]*\b(?:along|over|up|down)\b", lowered)
    if words & _KIND_WORDS["massage"] or strokes:
        return "massage"
    if _HOLD_VERB.search(lowered) or words & {"tense", "tighten", "clench", "contract", "stretch"}:
        return "hold"
    if words & {"inhale", "exhale", "breathe"}:
        return "breath"  # "Close your right nostril and inhale slowly through the left one"
    lead = _leading_verb(lowered)
    if lead in _KIND_WORDS["rest"] and not re.search(r"\brest (?:your|the|it|them|one|both|each)\b", lowered):
        return "rest"
    return "position"


_KIND_WORDS = {kind: frozenset(words.split()) for kind, words in _VERBS.items()}
_KIND_WORDS["rest"] -= {"continue", "repeat", "switch", "change"}
_KIND_WORDS["massage"] -= {"thumb"}  # "thumb walk" is a massage; "with your thumb" is not


_BARE_COUNT = re.compile(rf"\bfor (?:another )?(?P<n>{lexicon.NUM})\s*[.!]?\s*$", re.IGNORECASE)


def _split_then(text: str) -> list[str]:
    """'Tense for 5 seconds, then release for 10 seconds' is two timed actions."""
    # split before "then" or before "and then", never between the two
    parts = [p.strip() for p in re.split(r"(?:,\s*|;\s*|(?<!\band)\s+)(?=(?:and\s+)?then\b)", text)]
    if len(parts) < 2 or lexicon.find_breath_pattern(text) or _ADVICE_LABEL.match(text):
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
    cue = lexicon.find_side_cue(parts[-1])
    directive = cue is not None and cue.kind in ("mirror", "switch") and not lexicon.find_side_cue(parts[0])
    if directive and _WHOLE.search(parts[-1]) and re.search(r"\bfirst\b", parts[0], re.IGNORECASE):
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
    if match and _leading_verb(match.group("rest")) in _IMPERATIVE:
        return [text[: at + len(cue.phrase)].rstrip(" ,") + ".", match.group(0).strip()]
    return [text]


_GENERIC_HEADING = re.compile(
    r"^(?:how to(?: do it| do this| use it)?|steps?|the steps|instructions|method|directions|what to do|"
    r"technique|the routine|the practice|procedure)$",
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
            elif not (_GENERIC_HEADING.match(block.text) and section and not _ASIDE_SECTION.search(section)):
                section = block.text  # "How to do it" under "Spirit Gate (HT7)" keeps the point's name
            continue
        pieces = [(_line_at(block, offset), s) for offset, s in sentences(block.text)]
        for line, text in pieces:
            sentence = units[-1].sentence + 1 if units else 0
            lead: Unit | None = None
            for part in _split_then(text):
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
                        if _leading_verb(piece) not in _IMPERATIVE:
                            unit.kind = kind_of(lead.text)
                    lead = lead or unit
                    units.append(unit)
    return title, units


def _line_at(block: Block, offset: int) -> int:
    line = block.line
    for start, number in block.lines:
        if start <= offset:
            line = number
    return line


def _unit(text: str, line: int, section: str | None, block: Block, block_id: int) -> Unit:
    return _read(Unit(text, line, section, block.kind == "item", number=block.number, block=block_id))


def _read(unit: Unit, rules: bool = True) -> Unit:
    """Fill in what the lexicon finds in a unit's text, and whether it is an instruction."""
    text, from_list = unit.text, unit.from_list
    unit.breath = lexicon.find_breath_pattern(text)
    blanked = _CONDITION_CLAUSE.sub(lambda m: " " * len(m.group(0)), text)  # "If you only have a moment, …"
    if unit.breath:
        blanked = (
            blanked[: unit.breath.start] + " " * (unit.breath.end - unit.breath.start) + blanked[unit.breath.end :]
        )
    unit.durations = lexicon.find_durations(blanked)
    unit.repeat = lexicon.find_repeat(blanked)
    unit.side_cue = lexicon.find_side_cue(text)
    unit.step_range = lexicon.find_step_range(text)
    unit.instruction = is_instruction(text, from_list) or bool(unit.step_range)
    if unit.side_cue and unit.side_cue.kind in ("mirror", "switch"):
        unit.instruction = True
    if lexicon.PRESCRIPTION.match(text) or (unit.repeat and _only_count(text, unit.repeat)):
        unit.instruction = True  # "Hold: 30 sec  Reps: 3", "5 reps.": the exercise above, timed
    unit.rule = _rule_of(unit) if rules else None
    if unit.rule or _GENERAL_RULE.search(text):
        unit.instruction = False  # "…for each stretch unless noted otherwise": how to read the rest
    stage = lexicon.STAGE_DIRECTION.search(text)
    if stage and not unit.instruction and unit.durations and lexicon.find_durations(stage.group(0)):
        unit.instruction, unit.kind = True, "rest"  # "Notice the stillness. (pause 1 min)": said, then silence
    optional = _OPTIONAL.search(text) and not (unit.durations or unit.repeat)  # "…, or longer if you like" times it
    if (_FREQUENCY.search(text) and not unit.durations) or _HABIT.search(text) or optional:
        unit.instruction = False  # "twice a day", "every hour or two": advice for later, not now
    if _CONDITION.search(text) and not (unit.durations or unit.repeat or unit.step_range or unit.breath):
        unit.instruction = False  # "Stop if anything hurts": advice, nothing to time
    return unit


def _only_count(text: str, repeat: lexicon.Found) -> bool:
    return not _words(_REPEAT_ONLY_WORDS.sub(" ", text.replace(repeat.phrase, " ")))


_HABIT = re.compile(
    r"\bevery\s+(?:few\s+|couple of\s+|\d+\s+|[a-z]+\s+)?(?:minutes|hours|days|weeks)\b"
    r"|\bwithin\s+(?:\d+|[a-z]+)\s*(?:min|mins|minutes|hours?)\s+(?:of|after)\b",
    re.I,
)
_GENERAL_RULE = re.compile(
    r"\bunless (?:noted|otherwise|stated|told)\b|\b(?:for|in) (?:each|every|all) (?:of )?(?:the |these )?"
    r"(?:stretches|exercises|points|poses|movements)\b",
    re.IGNORECASE,
)
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


def _rule_of(unit: Unit) -> Rule | None:
    """ "Hold each stretch for 30 seconds and repeat 3 times on each side.", "For each point
    below, press for one minute.": said of a kind of step, near the sentence's start, with a
    time, a count or both sides in it."""
    scope = _RULE_SCOPE.search(unit.text)
    each_side = bool(unit.side_cue and unit.side_cue.kind == "each")
    if not scope or unit.step_range or unit.breath or not (unit.durations or unit.repeat or each_side):
        return None
    if _TAKES.search(unit.text):
        return None  # "Each of the techniques below takes a minute or two": how long, not how to
    opening = _CONDITION_CLAUSE.match(unit.text)  # "Unless your therapist says otherwise, hold each…"
    start = opening.end() if opening and opening.end() <= scope.start() else 0
    lead = unit.text[start : scope.start()]
    for found in [*unit.durations, *([unit.repeat] if unit.repeat else [])]:
        lead = lead.replace(found.phrase, " ")  # "Do 2 sets of 10 reps of each exercise."
    before = [w for w in _words(lead) if w not in _FILLER and w not in ("of", "for", "on", "with")]
    if len(before) > 3 and not scope.group(0).lower().startswith("unless"):
        return None  # "Find three points along the arch and press each one for 5 seconds": one step
    hold, release = _hold_and_release(unit)
    kind = kind_of(unit.text)
    return Rule(
        seconds=hold,
        release=release,
        repeat=max(1, int(unit.repeat.value)) if unit.repeat else None,
        each_side=each_side,
        kind=kind if kind in ("press", "massage", "hold") else None,
        every_side=each_side and not scope.group(0).lower().startswith(("unless", "each of", "all of")),
    )


def _joined(first: Rule | None, second: Rule) -> Rule:
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
    )


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
_ONE_SIDED = re.compile(
    r"\b(?:one|a) (?:leg|arm|foot|hand|knee|hip|shoulder|ankle|wrist|elbow|heel|side)\b", re.IGNORECASE
)
_PLACE_START = re.compile(  # "the hollow behind the knee", "three finger widths above the wrist"
    r"^(?:the|a|an|on|in|at|between|below|above|under|beneath|just|where|along|behind|beside|inside|outside|"
    r"over|near|halfway|midway|top|bottom|centre|center|middle|base|tip|edge|back|front|side|web|hollow|one|two|three|four|five|about)\b",
    re.IGNORECASE,
)


def _governs(rule: Rule, step: Step) -> bool:
    """A rule times the exercises after it, not the getting ready ("Sit tall in a chair."),
    breathing, rests or directives."""
    if step.kind not in ("position", "press", "massage", "hold") or _NEGATIVE.search(step.text):
        return False  # "Do not hold these.", "Never press on a bruise."
    if _LABEL.match(step.text):
        return True  # "Chin tuck: draw your chin back.": a named exercise
    lead = [w for w in _words(step.text) if w not in _FILLER][:1]
    if lead == ["find"] and rule.kind in ("press", "massage"):
        return True  # "Find the web between thumb and finger." under "Press each point…": the point
    return not (lead and lead[0] in _SETUP)


def _under_rule(step: Step, rule: Rule) -> Step:
    """A step given the rule's time and count where its own text gives none, and breathing. A
    movement counted quickly ("Do this 10 times.") keeps its own pace."""
    if rule.seconds is not None and step.seconds_from == "default" and step.repeat <= QUICK_REPS_FROM:
        kind = (rule.kind or "hold") if step.kind == "position" else step.kind
        step = replace(step, kind=kind, seconds=rule.seconds, seconds_from="rule", release=step.release or rule.release)
    if rule.repeat and step.repeat == 1:
        step = replace(step, repeat=rule.repeat)
        if step.seconds_from == "default":
            step = replace(step, seconds=_counted_seconds(rule.repeat))
    if step.kind in HOLD_BREATH_KINDS and step.breath is None:
        step = replace(step, breath=DEFAULT_BREATH, breath_from="default")
    return step


def _names_an_exercise(unit: Unit) -> bool:
    """ "- Arm circles – big circles forwards." under "Repeat each movement 10 times"."""
    return (
        unit.from_list
        and bool(_LABEL.match(unit.text))
        and not _ADVICE_LABEL.match(unit.text)
        and not _CONDITION.search(unit.text)
    )


_NAME_BEFORE = re.compile(r"^\s*[^:.!?]{1,40}[:–—]\s+")  # "LI4 (Hegu): in the web…"


def _names_a_place(unit: Unit) -> bool:
    """ "- The inner corner of the eyebrow." under "Press each point for a minute": a point."""
    text = _NAME_BEFORE.sub("", _LABEL.sub("", unit.text))
    words = _words(text)
    return (
        unit.from_list and 0 < len(words) <= 20 and bool(_PLACE_START.match(words[0])) and not _CONDITION.search(text)
    )


_OPTIONAL = re.compile(
    r"\bif (?:you(?:'ve| have)? (?:got |have )?(?:the )?time|you (?:like|want|wish|prefer)|time allows)\b", re.I
)
_CONDITION_CLAUSE = re.compile(r"^\s*(?:if|unless)\b[^,:;]*[,:;]", re.IGNORECASE)
_CONDITION = re.compile(
    r"^(?:if|unless|should)\b|\b(?:if|unless) (?:you|it|there|any|anything|the|your)\b", re.IGNORECASE
)
_FREQUENCY = re.compile(
    r"\b(?:every|each|once|twice|\w+ times|\d+\s*x)\s+(?:a\s+|per\s+)?(?:hour|day|morning|evening|night|week)s?\b"
    r"|\b(?:daily|weekly|nightly)\b|\bevery (?:few |couple of )?(?:hours?|days?)\b|\bhour or two\b"
    r"|\bin the (?:morning|evening)\b|\bbefore (?:bed|bedtime|sleep)\b|\bat night\b"
    r"|\bafter (?:meals|eating|dinner|lunch|breakfast)\b"
    r"|\b(?:after|before) (?:a|your|each) (?:walk|run|workout|shower|bath|ride|swim|game|training|shift)\b",
    re.IGNORECASE,
)


# Steps ----------------------------------------------------------------------------------------


def _accompanies(unit: Unit) -> bool:
    """ "Breathe out as you let the head sink." goes with the step before it, untimed."""
    words = _words(unit.text)
    if words[:1] in (["keep"], ["continue"]) and len(words) > 1:
        words = words[1:]  # "Keep breathing slowly the whole time."
    return (
        bool(words)
        and words[0] in ("breathe", "breathing", "inhale", "inhaling", "exhale", "exhaling", "count", "counting")
        and not (unit.durations or unit.breath or unit.repeat or unit.side_cue)
    )


def _is_each_directive(unit: Unit) -> bool:
    """ "Do both stretches on each side." asks for what came before, on both sides."""
    cue = unit.side_cue
    if cue is None or cue.kind != "each" or unit.durations:
        return False
    rest = _REPEAT_ONLY_WORDS.sub(" ", unit.text.replace(cue.phrase, " "))
    return all(w in _GROUP_WORDS for w in _words(rest))


_GROUP_WORDS = frozenset(
    ["both", "these", "those", "stretches", "exercises", "movements", "steps", "points", "moves", "poses", "of"]
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
    ]
)


def _is_modifier(unit: Unit) -> bool:
    """A sentence that only times or repeats the instruction before it.

    "Hold for 30 seconds.", "Tense for 5 seconds", "Keep pressing for a minute, breathing slowly."
    or "Repeat 3 times." A verb with an object of its own ("Press the point for 30 seconds")
    is an instruction of its own.
    """
    if unit.step_range or (unit.side_cue and unit.side_cue.kind != "each"):
        return False
    if _accompanies(unit) or lexicon.PRESCRIPTION.match(unit.text):
        return True
    if unit.durations:
        head = _words(_LABEL.sub("", unit.text[: unit.durations[0].start]))
        rest = [w for w in head if w not in _FILLER and w not in _BARE_OBJECT]
        return (
            len(rest) <= 2
            and bool(rest)
            and rest[0] in _IMPERATIVE
            and all(w in _IMPERATIVE or w.endswith("ing") for w in rest)
        )
    if unit.repeat:
        # "Repeat 3 times." or "Do this five times, moving a little along the arch each time."
        if _REPEAT_HEAD.match(unit.text[: unit.repeat.start]):
            return True
        return _only_count(unit.text, unit.repeat)
    return False


# A label that times or places the step before ("Each side: hold 30 s", "Then – 5 reps")
_TIMING_LABEL = re.compile(
    r"\b(?:time|duration|reps|sets|repetitions|rounds|sides?|each|per|both|left|right|leg|arm|foot|hand|then|now|"
    r"next|hold|rest|relax|repeat|tip|note|option)\b",
    re.IGNORECASE,
)
_REPEAT_HEAD = re.compile(
    r"^\s*(?:(?:then|now|and|i)\s+)*(?:(?:inhale|breathe in|breathe) again,?\s+and\s+)?"
    r"(?:repeat|do|perform|complete|aim for|try|continue)\b"
    r"(?:\s+(?:this|it|that|the same|the whole|the|this whole)"
    r"(?:\s+(?:cycle|sequence|pattern|round|exercise|breath|breathing|thing|steps?|movement|stretch))?)?"
    r"\s*(?:for\s*)?$",
    re.IGNORECASE,
)


@dataclass
class _Builder:
    steps: list[Step] = field(default_factory=list)
    run: list[int] = field(default_factory=list)  # positions of instructions since the last side change
    run_section: str | None = None
    side: str | None = None
    part: str | None = None
    numbered: dict[int, list[int]] = field(default_factory=dict)  # list number → step positions
    block_of: dict[int, int] = field(default_factory=dict)  # step position → its source block
    sentence_of: dict[int, int] = field(default_factory=dict)  # step position → its source sentence
    saved_run: list[int] = field(default_factory=list)  # the run before a plain switch
    phases: list[tuple[str, float]] = field(default_factory=list)  # a breath being told phase by phase
    phases_at: int | None = None  # the step those phases make up
    whole_run: list[int] = field(default_factory=list)  # instructions since the last side change, all sections
    seen_instruction: bool = False
    rule: Rule | None = None  # the rule in force
    rule_block: int = -1  # the paragraph it was stated in
    rule_listed: bool = False  # it has timed a list, which a paragraph after ends
    ruled: list[tuple[int, Rule]] = field(default_factory=list)  # steps the rule will time
    pending: list[tuple[list[int], str | None]] = field(default_factory=list)  # to mirror, with the part

    def flush(self, block: int | None = None) -> None:
        """Finish the steps before the next one (of paragraph or item `block`): now that no later
        sentence can time them, those that asked for both sides are mirrored, and the rule in
        force times each finished paragraph or item."""
        if self.pending:
            block = None  # what is copied is finished first
        finished, self.ruled = (
            [e for e in self.ruled if block is None or self.block_of.get(e[0]) != block],
            [e for e in self.ruled if block is not None and self.block_of.get(e[0]) == block],
        )
        items: list[tuple[list[int], Rule]] = []
        for position, rule in finished:  # a named exercise ("Heel lifts - rise…") starts an item of its own
            named = _LABEL.match(self.steps[position].text)
            if items and self.block_of.get(items[-1][0][-1]) == self.block_of.get(position) and not named:
                items[-1][0].append(position)
            else:
                items.append(([position], rule))
        for item, rule in items:
            self._rule(item, rule)
        for scope, part in self.pending:
            _add_mirrored(self, scope, part)
        if self.pending:
            self.side = None  # both sides are done: what follows is on neither unless it says so
        self.pending = []

    def _rule(self, item: list[int], rule: Rule) -> None:
        """A rule times the exercise a paragraph or list item describes: its last step, the ones
        before it getting ready for it ("Sit on the edge of a chair. Lean forward…"). Both sides:
        the whole item again, on the other side."""
        governed = [p for p in item if _governs(rule, self.steps[p])]
        if not governed:
            return
        self.steps[governed[-1]] = _under_rule(self.steps[governed[-1]], rule)
        texts = [self.steps[p].text for p in item]
        named = bool(_LABEL.match(texts[0]) or _NAME_BEFORE.match(texts[0]))  # not "Then walk for 2 minutes"
        one_sided = any(map(_one_sided, texts)) or (
            rule.every_side and named and not any(map(_SYMMETRIC.search, texts))
        )
        copied = {s.copy_of for s in self.steps} | {p for scope, _ in self.pending for p in scope}
        if rule.each_side and one_sided and not copied & set(item):
            self.pending.append((item, "side"))

    def add(self, step: Step, unit: Unit | None = None) -> None:
        self.steps.append(step)
        if unit is not None:
            self.block_of[len(self.steps) - 1] = unit.block
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


def parse_text(text: str, source: str = "") -> Routine:
    """Read a routine written for people into steps a voice can guide."""
    title, units = units_of(blocks_of(text))
    b = _Builder()
    for at, unit in enumerate(units):
        if unit.section != b.run_section:
            b.flush()
            b.run, b.run_section, b.side, b.part = [], unit.section, None, None
        previous = _last_instruction(b)
        same_block = previous is not None and b.block_of.get(previous) == unit.block
        # the paragraph or list item right after, with nothing between but what it says itself
        next_block = (
            previous is not None
            and b.block_of.get(previous) == unit.block - 1
            and all(b.block_of.get(p) == unit.block for p in range(previous + 1, len(b.steps)))
        )
        rounds = _rounds_of_list(b, unit, previous)
        if rounds:
            b.flush()
            _repeat_rounds(b, unit, rounds, "Round {}.")
            continue
        phase = lexicon.breath_phase(unit.text) if unit.instruction else None
        if phase and previous is not None and previous == b.phases_at and (same_block or next_block):
            b.steps[previous] = _add_phase(b.steps[previous], unit, b.phases, phase)
            b.block_of[previous] = unit.block  # the breath now reaches to here
            continue
        if unit.number is not None and not same_block and _accompanies(unit):
            previous = None  # "1. Breathe out slowly.": a numbered step of its own, not said with the one before
        group = _movement_of(b, unit, previous)
        if group:
            b.flush()
            _repeat_rounds(b, unit, group, "{} time.")
            continue
        if previous is not None and _times_previous(unit, b.steps[previous], same_block, next_block):
            b.steps[previous] = _merge(b.steps[previous], unit)
            if unit.side_cue and unit.side_cue.kind == "each":
                scope = [p for p in b.run if b.block_of.get(p) == unit.block] or [previous]
                b.pending = [entry for entry in b.pending if not set(entry[0]) & set(scope)]
                b.pending.append((scope, unit.side_cue.part))
            continue
        if _bare_time(unit) and _time_the_last(b, unit):
            continue
        copies = unit.step_range or (unit.side_cue and unit.side_cue.kind != "each")
        b.flush(None if copies else unit.block)  # what follows is a step of its own; copies of finished ones
        general = _said_of_all(b, unit, units[at + 1 :])
        if general is None:
            continue
        unit = general
        if not unit.instruction:
            kind = "note" if b.seen_instruction else "intro"
            b.add(Step(text=unit.text, kind=kind, section=unit.section, source_line=unit.line), unit)
            continue
        cue = unit.side_cue
        if unit.step_range:
            _repeat_range(b, unit)
        elif cue and (cue.kind == "mirror" or _is_each_directive(unit)):
            same = [p for p in b.run if b.block_of.get(p) == unit.block]
            if _WHOLE.search(unit.text) and b.whole_run:
                # "do the whole thing again on the left leg" reaches back across sections, all of
                # it but the sentence that asks ("Do the right foot first, then repeat the whole chart…")
                whole = [p for p in b.whole_run if b.sentence_of.get(p) != unit.sentence]
                _mirror(b, unit, cue, whole or list(b.whole_run), keep_unsided=True)
            elif unit.split_tail and same and not _ends_a_side(b, same):
                _mirror(b, unit, cue, same)
            else:
                _mirror(b, unit, cue)
        elif cue and cue.kind == "switch" and _does_again(unit, cue, units[at + 1 :]):
            _mirror(b, unit, cue)
        elif cue and cue.kind == "switch":
            b.saved_run = b.run
            b.side = cue.side
            b.part = cue.part or b.part
            # "Now the right wrist: find the point and press it for 2 minutes." is a switch and a step
            rest = unit.text[unit.text.find(cue.phrase) + len(cue.phrase) :].lstrip(" :,;-–")
            own = bool(unit.durations) and len(_words(rest)) >= 2
            said = cue.phrase.strip(" :,;") if own else unit.text
            announce = _sentence(said)
            b.add(Step(said, "switch", section=unit.section, source_line=unit.line, announce=announce, side=b.side))
            b.run, b.whole_run = [], []
            if own:
                b.add(_instruction(_read(replace(unit, text=rest)), b), unit)
        else:
            step = _instruction(unit, b)
            b.add(step, unit)
            # a breath told phase by phase may follow; its first phase may come after an action
            opening = phase or (lexicon.breath_phase(unit.text, after_action=True) if unit.instruction else None)
            if opening and (opening[0] == "in" or (opening == phase and opening[0] == "out")):
                b.phases, b.phases_at = [opening], len(b.steps) - 1
            if cue and cue.kind == "each":
                b.pending.append(([len(b.steps) - 1], cue.part))
            aside = _ASIDE_SECTION.search(unit.section or "")
            if b.rule is not None and unit.block != b.rule_block and not aside:  # not the advice told with it
                b.ruled.append((len(b.steps) - 1, b.rule))
                b.rule_listed = b.rule_listed or unit.from_list
    b.flush()
    steps = _number(b.steps)
    title = re.sub(r"^(?:subject|re|fwd?|title)\s*:\s*", "", title or "", flags=re.IGNORECASE)  # an e-mail's
    return Routine(title=title or _title_from(source), steps=steps, source=source)


_TIME_ONLY_WORDS = frozenset(["hold", "each", "per", "side", "leg", "arm", "for", "about", "approx", "around", "or"])


def _bare_time(unit: Unit) -> bool:
    """ "30-45 s." or "Hold: 30 sec" standing alone: the time of what was just said."""
    if not unit.durations or unit.repeat or unit.side_cue or unit.breath:
        return False
    rest = unit.text
    for found in unit.durations:
        rest = rest.replace(found.phrase, " ")
    return all(w in _TIME_ONLY_WORDS for w in _words(rest))


def _time_the_last(b: _Builder, unit: Unit) -> bool:
    """Give the step just before, in the same paragraph, the time; a description without a
    verb ("Standing calf stretch - hands on a wall, left leg back.") becomes the step it names."""
    if not b.steps or b.block_of.get(len(b.steps) - 1) != unit.block:
        return False
    last = len(b.steps) - 1
    step = b.steps[last]
    if step.copy_of is not None or step.kind in ("switch", "repeat") or (step.is_instruction and not _untimed(step)):
        return False
    kind = step.kind if step.is_instruction else kind_of(step.text)
    kind = "hold" if kind in ("position", "rest", "intro", "note") else kind
    seconds = unit.durations[0].value
    timed = replace(step, text=f"{step.text} {unit.text}", kind=kind, seconds=seconds, seconds_from="text")
    if not step.is_instruction:
        named = lexicon.first_side(step.text)
        timed = replace(timed, side=named[0] if named else b.side)
        b.steps.pop()
        b.add(timed, unit)
    else:
        b.steps[last] = timed
    if kind in HOLD_BREATH_KINDS:
        b.steps[last] = _with_breath(b.steps[last], unit)
    return True


def _ends_a_side(b: _Builder, same: list[int]) -> bool:
    """ "Wrap the right foot in a towel, then do the same on the left foot": the sentence names
    the side its earlier steps were on, so "the same" is all of them, not its own first half."""
    named = [lexicon.first_side(b.steps[p].text) for p in same]
    sides = {n[0] for n in named if n}
    earlier = [p for p in b.run if p not in same and b.steps[p].side]
    return len(sides) == 1 and bool(earlier) and all(b.steps[p].side in sides for p in earlier)


def _does_again(unit: Unit, cue: lexicon.SideCue, after: list[Unit]) -> bool:
    """ "Now do the left side." with no step after it that names the left side: the steps so
    far, done again on that side."""
    if unit.durations or not re.search(r"\b(?:do|repeat|perform)\b", cue.phrase, re.IGNORECASE):
        return False
    following = next((u for u in after if u.instruction and u.section == unit.section), None)
    named = lexicon.first_side(following.text) if following else None
    return named is None or named[0] != cue.side


_WHOLE = re.compile(
    r"\b(?:whole|everything|entire|all (?:of )?(?:it|this|these|the steps))\b|\bthe (?:routine|sequence)\b",
    re.IGNORECASE,
)


def _add_phase(step: Step, unit: Unit, phases: list[tuple[str, float]], phase: tuple[str, float]) -> Step:
    """ "Inhale for 4." "Hold for 7." "Exhale for 8.": one breathing step paced 4-7-8."""
    phases.append(phase)
    merged = replace(step, text=f"{step.text} {unit.text}", kind="breath")
    kinds = tuple(kind for kind, _ in phases)
    seconds = tuple(value for _, value in phases)
    if kinds in lexicon.PHASE_ORDERS:
        return replace(merged, breath=seconds, breath_from="text", seconds=sum(seconds), seconds_from="text")
    return replace(merged, breath=None, breath_from=None, seconds=sum(seconds), seconds_from="text")


def _times_previous(unit: Unit, previous: Step, same_block: bool, next_block: bool) -> bool:
    """Whether a sentence only times, repeats or accompanies the instruction just before it:
    in the same paragraph or list item, or the one right after it with nothing between."""
    if not (same_block or next_block):
        return False
    label = _LABEL.match(unit.text)
    if not same_block and unit.from_list and label and not _TIMING_LABEL.search(label.group(0)):
        return False  # "6. Legs up the wall – rest here for 3 minutes.": an exercise of its own
    if unit.instruction:
        if not _is_modifier(unit):
            return False
        counted_only = bool(unit.repeat) and not unit.durations and previous.repeat == 1
        return _untimed(previous) or counted_only or (_accompanies(unit) and same_block)
    # "Covering the whole palm takes about a minute." right after the instruction it times
    return (
        same_block
        and bool(unit.durations)
        and bool(_TAKES.search(unit.text))
        and not unit.side_cue
        and _untimed(previous)
        and previous.kind != "breath"
    )


_TAKES = re.compile(r"\b(?:takes?|lasts?|should take|will take)\b", re.IGNORECASE)


def _last_instruction(b: _Builder) -> int | None:
    """The instruction a modifier sentence may time or repeat: not a copy, not across a switch."""
    for position in range(len(b.steps) - 1, -1, -1):
        step = b.steps[position]
        if step.kind in ("switch", "repeat") or step.copy_of is not None or step.section != b.run_section:
            return None
        if step.is_instruction:
            return position
    return None


def _untimed(step: Step) -> bool:
    return step.seconds_from != "text" or step.kind == "breath"


def _merge(step: Step, unit: Unit) -> Step:
    """The instruction before, timed, repeated or given breathing by a modifier sentence."""
    merged = replace(step, text=f"{step.text} {unit.text}")
    hold, release = _hold_and_release(unit)
    one_cycle = step.kind == "breath" and step.breath is not None and step.seconds == sum(step.breath)
    if hold is not None and (step.seconds_from != "text" or one_cycle):  # "…out for 6. Repeat for 5 minutes."
        kind = step.kind if step.kind not in ("position", "rest") else kind_of(unit.text)
        kind = "hold" if kind in ("position", "rest") else kind
        merged = replace(merged, kind=kind, seconds=hold, seconds_from="text")
    if release:
        merged = replace(merged, release=release)
    if unit.repeat:
        merged = replace(merged, repeat=max(1, int(unit.repeat.value)))
        if merged.seconds_from != "text" and merged.kind != "breath":
            merged = replace(merged, seconds=_counted_seconds(merged.repeat))
        elif merged.seconds_from != "text" and merged.breath_from != "text":
            merged = replace(merged, seconds=lexicon.BREATH_SECONDS)
    if unit.breath or lexicon.mentions_breathing(unit.text) or merged.kind in HOLD_BREATH_KINDS:
        merged = _with_breath(merged, unit)
    return merged


def _counted_seconds(repeat: int) -> float:
    """Untimed, counted movements: a pass of 10 s, or 3 s each when there are more than three."""
    return QUICK_REP_SECONDS if repeat > QUICK_REPS_FROM else PASS_SECONDS


_RELEASE_WORD = re.compile(r"\b(?:release|relax|rest|let go|pause|ease off|break)\w*\W+(?:\w+\W+){0,2}$", re.IGNORECASE)


def _hold_and_release(unit: Unit) -> tuple[float | None, float]:
    """'Press for 30 seconds, release for 5 seconds': the hold, and the rest between repetitions."""
    if not unit.durations:
        return None, 0.0
    hold = unit.durations[0].value
    for found in unit.durations[1:]:
        if _RELEASE_WORD.search(unit.text[: found.start]):
            return hold, found.value
    return hold, 0.0


def _with_breath(step: Step, unit: Unit) -> Step:
    if unit.breath:
        return replace(step, breath=unit.breath.pattern, breath_from="text")
    if step.breath is None:
        return replace(step, breath=DEFAULT_BREATH, breath_from="default")
    return step


_HOLDING_BREATH = re.compile(r"\bhold (?:your|the|this) breath\b", re.IGNORECASE)


def _said_of_all(b: _Builder, unit: Unit, after: list[Unit]) -> Unit | None:
    """Take in what a sentence says of all the steps: a rule (None when it is said of the steps
    before, and nothing is left to say), or the unit as it is to be read from here on."""
    if b.rule_listed and not unit.from_list:
        b.rule, b.rule_listed = None, False  # "Drink some water when you are finished." after the list
    last = _last_instruction(b)
    if unit.rule is not None and (unit.number is not None or (last is not None and b.block_of[last] == unit.block)):
        # "2. Press each one for 5 seconds.", "Find the points… Press each point for 30 s.": a step
        return _read(replace(unit, rule=None), rules=False)
    if unit.rule is not None and _rule_looks_back(b, unit, after):
        _rule_back(b, unit, unit.rule)
        return None
    if unit.rule is not None:
        b.rule = _joined(b.rule, unit.rule) if b.rule_block == unit.block else unit.rule
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
        and not _ASIDE_SECTION.search(unit.section or "")
        and (_names_a_place(unit) or _names_an_exercise(unit))
    ):
        return replace(unit, instruction=True, kind=b.rule.kind)  # a point or an exercise in a list the rule times
    elif not b.seen_instruction and _accompanies(unit) and _THROUGHOUT.search(unit.text):
        return replace(unit, instruction=False)  # "Breathe slowly throughout.": for all that follows
    elif _both_sides_from_now(b, unit):
        # "Do both sides." among the guidelines, with nothing one-sided before it: the exercises after
        b.rule = _joined(b.rule, Rule(None, 0.0, None, each_side=True, kind=None))
        return replace(unit, instruction=False)
    return unit


def _both_sides_from_now(b: _Builder, unit: Unit) -> bool:
    """ "Do both sides." among guidelines, with nothing one-sided before it to repeat and no
    word reaching back ("Do both stretches on each side", "Repeat on both legs"): a rule."""
    if not _is_each_directive(unit) or _AGAIN.search(unit.text):
        return False
    assert unit.side_cue is not None
    rest = _REPEAT_ONLY_WORDS.sub(" ", unit.text.replace(unit.side_cue.phrase, " "))
    return not _words(rest) and not any(b.steps[p].side or _one_sided(b.steps[p].text) for p in b.run)


# Sections whose lists are not exercises: "Do not press on:", "What you need", "Safety tips"
_ASIDE_SECTION = re.compile(
    r"\b(?:not|never|avoid|don't|do not|caution|warning|need|needed|equipment|tips?|notes?|safety|precautions?|"
    r"contraindications?|when to|who should|benefits?|faq|questions)\b",
    re.IGNORECASE,
)
_BOTH_SIDES = re.compile(r"\b(?:on )?(?:both|each) sides?\b|\b(?:left|right) and (?:left|right)\b", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween (?:each |the )?(?:sets|reps|rounds|repetitions|each)\b", re.IGNORECASE)
_AGAIN = re.compile(r"\b(?:repeat\w*|again|same)\b", re.IGNORECASE)


def _one_sided(text: str) -> bool:
    """ "Bend your right knee", "Cross one leg over the other": a step done on one side at a time
    (not "drop your knees to one side, then the other", which does both)."""
    if _BOTH_IN_TURN.search(text):
        return False
    return lexicon.first_side(text) is not None or bool(_ONE_SIDED.search(text))


_SYMMETRIC = re.compile(
    r"\bboth (?:legs|arms|knees|feet|hands|sides|shoulders|hips|heels|elbows)\b|\bcent(?:re|er)\b|\bmidline\b"
    r"|\bno sides?\b|\b(?:lie|lying) (?:flat )?on your (?:back|front|stomach)\b|\beither side of\b"
    r"|\b(?:between the eyebrows|navel|breastbone|sternum|chin|upper lip|top of (?:the|your) head|crown)\b",
    re.IGNORECASE,
)
_BOTH_IN_TURN = re.compile(
    r"\b(?:then|and) (?:to |on |over )?the other(?! (?:knee|ankle|hand|foot|leg|arm|thigh|shoulder))\b"
    r"|\bside to side\b|\balternat\w*",
    re.IGNORECASE,
)


def _rule_looks_back(b: _Builder, unit: Unit, after: list[Unit]) -> bool:
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


def _rule_back(b: _Builder, unit: Unit, rule: Rule) -> None:
    """The rule given to the section's steps before it (all steps before, said in a section of
    its own); both sides: the one-sided ones again, on the other side ("…, and do both sides
    where it applies"), unless they were done on both sides already."""
    b.flush()
    own = any(s.is_instruction and s.section == unit.section for s in b.steps)
    for position, step in enumerate(b.steps):
        if (step.section == unit.section or not own) and _governs(rule, step):
            b.steps[position] = _under_rule(step, rule)
    copied = {s.copy_of for s in b.steps}
    one_sided = [p for p in b.run if _one_sided(b.steps[p].text) and p not in copied]
    if rule.each_side and unit.side_cue and one_sided:
        _mirror(b, unit, unit.side_cue, one_sided)


def _instruction(unit: Unit, b: _Builder) -> Step:
    kind = unit.kind or kind_of(unit.text)
    named = lexicon.first_side(unit.text)
    if named:
        b.side, part = named
        b.part = part if part and part != "side" else b.part
    step = Step(text=unit.text, kind=kind, side=b.side, section=unit.section, source_line=unit.line)
    if _HOLDING_BREATH.search(unit.text) and not unit.breath:
        pass  # nothing is said while the breath is held
    elif unit.breath or lexicon.mentions_breathing(unit.text) or kind in HOLD_BREATH_KINDS:
        step = _with_breath(step, unit)
    repeat = max(1, int(unit.repeat.value)) if unit.repeat else 1
    hold, release = _hold_and_release(unit)
    step = replace(step, repeat=repeat, release=release)
    if kind == "breath" and unit.breath and not unit.durations:
        return replace(step, seconds=sum(unit.breath.pattern), seconds_from="text")
    if hold is not None:
        return replace(step, seconds=hold, seconds_from="text")
    held = lexicon.breath_phase(unit.text, after_action=True)
    if held and held[0] == "hold" and kind in ("hold", "breath", "press", "position"):
        # "Close both nostrils and hold for 4.": a breath held for a count
        return replace(step, kind="hold", seconds=held[1], seconds_from="text", breath=None, breath_from=None)
    seconds = _counted_seconds(repeat) if repeat > 1 else DEFAULT_SECONDS[kind]
    if kind == "breath" and repeat > 1:
        seconds = lexicon.BREATH_SECONDS  # "breathe in, then sigh out. Do this three times.": one breath each
    return replace(step, seconds=seconds, seconds_from="default")


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:] if text else text
    return text if text[-1:] in ".!?" else text + "."


def _mirror(
    b: _Builder, unit: Unit, cue: lexicon.SideCue, scope: list[int] | None = None, keep_unsided: bool = False
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
        old_side = b.side or (first_sided.side if first_sided else None)
        new_side = cue.side or (lexicon.other_side(old_side) if old_side else None)
        announce = f"Now the {new_side} {part}." if new_side else f"Now the other {part}."
    sided = [p for p in scope if b.steps[p].side]
    if sided and not keep_unsided:
        scope = scope[scope.index(sided[0]) :]
    b.add(Step(unit.text, "switch", section=unit.section, source_line=unit.line, announce=announce, side=new_side))
    for position in scope:
        b.steps.append(_mirrored(b.steps[position], position))
    b.side = None  # both sides are done: what follows is on neither unless it says so
    b.run, b.whole_run = [], []


def _mirrored(step: Step, position: int) -> Step:
    side = lexicon.other_side(step.side) if step.side else None
    return replace(step, text=lexicon.mirror_text(step.text), side=side, copy_of=position, announce=None)


def _add_mirrored(b: _Builder, scope: list[int], part: str | None) -> None:
    """'… on each side': the steps again on the other side, the first announcing it."""
    first = b.steps[scope[0]]
    new_side = lexicon.other_side(first.side) if first.side else None
    part = part if part and part != "side" else "side"
    announce = f"Now the {new_side} {part}." if new_side else f"Now the other {part}."
    for number, position in enumerate(scope):
        copy = _mirrored(b.steps[position], position)
        b.steps.append(replace(copy, announce=announce) if number == 0 else copy)


def _repeat_range(b: _Builder, unit: Unit) -> None:
    assert unit.step_range is not None
    first, last = unit.step_range
    positions = [p for n in range(first, last + 1) for p in b.numbered.get(n, [])]
    if not positions:  # no numbered steps to go back to: read the sentence as it stands
        b.add(Step(text=unit.text, kind="note", section=unit.section, source_line=unit.line), unit)
        return
    if unit.side_cue and unit.side_cue.kind == "mirror":
        _mirror(b, unit, unit.side_cue, positions)  # "Switch sides and repeat steps 1-6"
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


def _rounds_of_list(b: _Builder, unit: Unit, previous: int | None) -> list[int]:
    """ "Continue for 5 rounds." after a numbered list: the whole list is one round."""
    if previous is None or not unit.repeat or not _ROUNDS.search(unit.text) or unit.step_range:
        return []
    listed = sorted(b.numbered)
    positions = [p for n in listed for p in b.numbered[n]]
    if len(listed) < 2 or previous not in positions or b.block_of.get(previous) == unit.block:
        return []
    if not (unit.instruction and _is_modifier(unit)):
        return []
    return [p for p in positions if b.steps[p].section == unit.section]


def _movement_of(b: _Builder, unit: Unit, previous: int | None) -> list[int]:
    """ "Turn to the right, hold 3 s, then turn to the left, hold 3 s. 6 reps.": the count is of
    the whole movement, the steps its sentence was cut into."""
    if previous is None or not unit.repeat or not unit.instruction or unit.durations:
        return []
    if not _only_count(unit.text, unit.repeat) or b.block_of.get(previous) != unit.block:
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


def _repeat_rounds(b: _Builder, unit: Unit, positions: list[int], wording: str) -> None:
    """The steps at `positions` done `unit.repeat` times in all, each time announced."""
    assert unit.repeat is not None
    count = max(1, int(unit.repeat.value))
    said = [wording.format(n) if "Round" in wording else lexicon.ordinal_time(n) for n in range(count + 1)]
    if count < 2:
        b.add(Step(text=unit.text, kind="note", section=unit.section, source_line=unit.line), unit)
        return
    b.add(Step(unit.text, "repeat", section=unit.section, source_line=unit.line, announce=said[2]))
    for performance in range(2, count + 1):
        for number, position in enumerate(positions):
            announce = said[performance] if number == 0 and performance > 2 else None
            b.steps.append(replace(b.steps[position], copy_of=position, announce=announce))


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
