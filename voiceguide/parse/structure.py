"""Pass 1, structure: the text's blocks (headings, list items, paragraphs, table rows), each with
the line it starts on. Markdown and the habits of handouts (bold lines, underlined titles, "Step 1 –
Name." items, form fields, page footers) are read here; what a block says is read later.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, replace

from voiceguide import lexicon
from voiceguide.parse.grammar import is_instruction, words_of

_BULLET = re.compile(r"^\s*(?:[•·◦▪‣●○■□➤►✓✔*+\-–—])\s+(?P<text>.+)$")


_NUMBERED = re.compile(
    r"^\s*(?:(?:step|stage|exercise)\s+(?P<n1>\d+)\s*[:.)\-–]|(?P<n2>\d+)\s*(?:[.)](?!\d)|[–—](?=\s*[A-Z]))"
    r"|\((?P<n3>\d+)\)"
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


_COUNT_COLUMN = re.compile(r"^(sets|reps|repetitions|rounds|times)$", re.IGNORECASE)
_SIDES_COLUMN = re.compile(r"^(?:sides?|each side)$", re.IGNORECASE)


_FORM_FIELDS = re.compile(  # "Patient: _______  Date: ____", a page footer
    r"^(?:(?:\s*[\w .'/-]{1,30}:\s*_{3,})+\s*|\s*(?:page\s+)?\d+\s+(?:of|/)\s+\d+\s*|\s*page\s+\d+\s*)$", re.IGNORECASE
)


# A bold line names a part; a bold sentence ("**Repeat on the left hand.**") is emphasis.
_BOLD_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<text>[^*_]*?[^*_.!?])(?:\*\*|__)\s*:?\s*$")


_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")  # Markdown block quotes ("> Tip: …"): read as plain text


# Emoji and pictographs: nothing a voice can say ("🖐️", "✅", "⏱"); list markers are handled first.
_PICTOGRAPH = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]")


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
    row: bool = False  # a row or cell of a table that lost its markup


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
    text = _GLUED.sub(r"\1. ", text)  # a page's "4 secondsHold for 4 seconds": a badge, then a title
    text = _GLUED_FIELD.sub(" | ", text)  # an exported sheet's "REPS: 10SETS: 3HOLD: 2"
    text = _SIDE_LETTER.sub(_side_in_full, text)  # "Quad stretch R 30 seconds"
    return "\n".join(_QUOTE.sub("", line) for line in text.split("\n"))


# "Quad stretch R 30 seconds": a side as one letter, between an exercise's name and its dose
_SIDE_LETTER = re.compile(
    r"\b(?P<before>[a-z]+) (?P<letter>(?-i:[RL]))"
    r"(?=[ \t]+\d+(?:\s*[-–]\s*\d+)?\s*(?:seconds?|secs?|s|minutes?|mins?|reps?|x|times|breaths)\b)",
    re.IGNORECASE,
)
_NOT_A_NAME = frozenset(["a", "an", "size", "point", "type", "grade", "plan", "vitamin"])


def _side_in_full(match: re.Match[str]) -> str:
    if match.group("before").lower() in _NOT_A_NAME:
        return match.group(0)
    return f"{match.group('before')} {'right' if match.group('letter') == 'R' else 'left'}"


_GLUED_FIELD = re.compile(r"(?<=\d)(?=(?:reps|sets|hold|daily|weekly|rest|sides?|duration|frequency)\s*:)", re.I)
_UNFINISHED = re.compile(  # "…then hold this stretch for:" goes on in the next line
    r"\b(?:for|to|with|of|the|a|an|your|and|in|on|at|by|from|about|into|is|are|be)\s*:$", re.IGNORECASE
)
_GLUED = re.compile(r"\b(seconds|secs|minutes|mins|times|reps|breaths)(?=[A-Z][a-z])")


def _title_case(text: str) -> bool:
    """'Evening Foot Care' or 'Benefits:' rather than 'Sit down and relax'."""
    words = re.findall(r"[A-Za-z]+", text)
    long_words = [w for w in words if len(w) >= 4] or [w for w in words if w.lower() in _SHORT_TITLES]  # "Tip"
    capitals = sum(w[0].isupper() for w in long_words)
    return text.endswith(":") or (bool(long_words) and capitals >= max(1, round(0.6 * len(long_words) + 0.01)))


_SHORT_TITLES = frozenset(["tip", "tips", "aim", "why", "how"])


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
            if len(item) > 1 and _is_title_line(first) and len(first.split()) <= 8 and not is_instruction(first, False):
                # "1. Chin tuck" over an indented description: the first line names the step.
                blocks.append(Block("heading", first.rstrip(":"), item[0][0], level=4))
                item = item[1:]
            joined, offsets = _join(item)
            if joined:
                blocks.append(
                    Block("item", joined, item[0][0], item_number, lines=offsets, lettered=lettered, indent=indent)
                )
        if para and _captions(para):
            para = _phrases(para)  # a video's captions: a phrase a line, no stops
        if para and _line_by_line(para):
            # a table or list flattened to lines ("Soft tissue massage * 5 mins"): each row an item
            for row in _rows(para, lines):
                joined, offsets = _join(row)
                if joined:
                    blocks.append(Block("item", joined, row[0][0], lines=offsets, row=True))
            para = []
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
        if not re.search(r"\w", stripped):
            flush()  # a blank line, or one with nothing to say ("-", "* * *")
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
        if numbered and re.fullmatch(r"\d+\.?", (numbered.group("text") or "").strip()):
            flush()  # "3. 3": a list's number drawn twice, its text in the paragraph below
            continue
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
        if item and _after_the_list(item, line):
            flush()  # "- Circle your wrists 10 times" then "Now sit down…" under it: the list has ended
            item = None
        if item is not None and not (cleaned.endswith(":") and _is_title_line(cleaned)):
            item.append((number, stripped))  # a list item goes on until a blank line
            continue
        if cleaned.endswith(":") and _is_title_line(cleaned) and (not para or _title_case(cleaned)):
            # "Body Scan Relaxation (5 minutes):" names what follows, also right under a line of its own
            flush()
            blocks.append(Block("heading", cleaned.rstrip(":"), number, level=3))
            continue
        para.append((number, stripped))
    flush()
    return _cells_as_items(_headings_over_sub_steps(blocks))


def _after_the_list(item: list[tuple[int, str]], line: str) -> bool:
    """A line flush with the margin, starting a sentence, under an item that asked for something
    whole: not the item's own words running on."""
    last, text = clean_inline(item[-1][1]), clean_inline(line)
    timed = lexicon.find_durations(text) or lexicon.find_repeat(text)
    dose = lexicon.PRESCRIPTION.match(text) or (timed and not is_instruction(text, False))  # "Sets: 2 | Reps: 8"
    flush_left = not line[:1].isspace() and line[:1].isupper() and text[-1:] in ".!?"
    return flush_left and not dose and not _RUNS_ON.search(last) and is_instruction(clean_inline(item[0][1]), True)


# A line that runs on into the next: it ends mid-phrase.
_RUNS_ON = re.compile(
    r"(?:[,;:(/&+\-–—]|\b(?:and|or|the|a|an|of|to|with|for|in|on|at|by|from|into|your|my|their|his|her|its|that|"
    r"which|who|as|than|but|while|when|if|is|are|be))\s*$",
    re.IGNORECASE,
)
_STARTS_ITEM = re.compile(r"^[\s\"“'(]*[A-Z0-9]")


def _line_by_line(para: list[tuple[int, str]]) -> bool:
    """Lines that mostly stand alone, most without a full stop: a table or a list that lost its
    markup, not prose wrapped at the page's edge."""
    texts = [clean_inline(text) for _, text in para]
    if len(texts) < 3 or sum(not t.endswith((".", "!", "?", ":")) for t in texts) * 2 < len(texts):
        return False
    starts = sum(not _RUNS_ON.search(a) and bool(_STARTS_ITEM.match(b)) for a, b in itertools.pairwise(texts))
    return starts * 3 >= (len(texts) - 1) * 2


def _captions(para: list[tuple[int, str]]) -> bool:
    """Many short lines, almost no punctuation, most starting in lower case: captions, not prose
    wrapped at the page's edge."""
    texts = [clean_inline(text) for _, text in para]
    marked = sum(bool(re.search(r"[,.;:!?]", t)) for t in texts)
    lower = sum(t[:1].islower() for t in texts)
    short = sum(len(t) for t in texts) <= CAPTION_CHARS * len(texts)
    return len(texts) >= 6 and short and marked * 5 < len(texts) and lower * 2 >= len(texts)


CAPTION_CHARS = 45  # a caption line's length, on average, at the most


_CONTINUES = re.compile(
    r"^(?:toward|towards|into|onto|over|under|to|with|from|in|on|at|up|down|for|of|deep|behind|through|across|"
    r"seconds?|minutes?|times)\b",
    re.IGNORECASE,
)


def _phrases(para: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Caption lines as phrases, each a sentence: a line that runs on, or one that only goes on
    with the last ("into the floor"), joins it."""
    phrases: list[tuple[int, str]] = []
    for number, text in para:
        cleaned = clean_inline(text)
        if phrases and (_RUNS_ON.search(phrases[-1][1]) or _CONTINUES.match(cleaned)):
            phrases[-1] = (phrases[-1][0], f"{phrases[-1][1]} {cleaned}")
        elif cleaned:
            phrases.append((number, cleaned))
    return [(n, t[:1].upper() + t[1:] + ("" if t.endswith((".", "!", "?", ":")) else ".")) for n, t in phrases]


def _rows(para: list[tuple[int, str]], lines: list[str]) -> list[list[tuple[int, str]]]:
    """The lines in rows: a line that starts as an item does starts a row; one that does not (it
    starts in lower case, is indented under the row, or the line before runs on) continues it."""
    rows: list[list[tuple[int, str]]] = []

    def indent(number: int) -> int:
        return len(lines[number - 1]) - len(lines[number - 1].lstrip())

    for number, text in para:
        cleaned = clean_inline(text)
        under = rows and indent(number) > indent(rows[-1][0][0])
        if rows and (under or _RUNS_ON.search(clean_inline(rows[-1][-1][1])) or not _STARTS_ITEM.match(cleaned)):
            rows[-1].append((number, text))
        else:
            rows.append([(number, text)])
    return rows


def _names_a_step(text: str) -> bool:
    """ "Palming", "Sustained pressure": a name, not an instruction, a side or a time."""
    return not (
        is_instruction(text, False)
        or lexicon.find_side_cue(text)
        or lexicon.first_side(text)
        or lexicon.find_durations(text)
        or lexicon.find_repeat(text)
        or words_of(text)[:1] in (["now"], ["then"], ["next"])
    )


def _table_sentence(cells: list[str], header: list[str]) -> str:
    """A table row as a sentence: "Solar plexus: centre of the sole, for 1 min." """
    filled = [position for position, cell in enumerate(cells) if cell]
    if not filled:
        return ""
    said = []
    for position, cell in list(enumerate(cells))[filled[0] + 1 :]:
        name = header[position] if position < len(header) else ""
        counted = _COUNT_COLUMN.match(name)
        if cell and counted and re.fullmatch(r"\d+(?:\s*[-–]\s*\d+)?", cell):
            name = counted.group(1).lower()
            said.append(f"{cell} {name[:-1] if cell == '1' else name}")  # "3" under "Sets": "3 sets"
        elif cell and _SIDES_COLUMN.match(name) and re.fullmatch(r"both|each|l\s*(?:&|and|/)\s*r|2", cell, re.I):
            said.append("on each side")
        elif cell:
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


CELL_RUN = 6  # one-line paragraphs in a row, many of a few words: a table flattened a cell at a time


def _cells_as_items(blocks: list[Block]) -> list[Block]:
    """ "Exercise", "Position", "Description", "1", "Supine", "Chin tuck… for 10 s, 10 times":
    a table that lost its markup, a cell per paragraph. Its paragraphs are items, as a table's
    rows are; its short cells stay the headings they are read as."""
    result = list(blocks)
    run: list[int] = []
    for position, block in enumerate([*blocks, Block("para", "", 0)]):
        cell = (block.kind == "para" and len(block.lines) == 1 and block.text) or (
            block.kind == "heading" and block.level >= 3
        )
        if cell:
            run.append(position)
            continue
        short = sum(len(blocks[p].text.split()) <= 4 for p in run)
        if len(run) >= CELL_RUN and short * 5 >= len(run) * 2:
            for p in run:
                if blocks[p].kind == "para":
                    result[p] = replace(blocks[p], kind="item", row=True)
        run = []
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
            # "…some are even simpler:" over "Inhale for a count of 5.": the lines under it are sentences
            ends_intro = (
                parts[-1].endswith(":")
                and len(parts[-1].split()) >= 4
                and cleaned[:1].isupper()
                and not _UNFINISHED.search(parts[-1])
            )
            parts[-1] += "\n" if ends_intro else " "
        offsets.append((length, number))
        parts.append(cleaned)
        length += len(cleaned)
    return "".join(parts), tuple(offsets)
