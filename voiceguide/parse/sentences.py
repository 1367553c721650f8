"""Pass 2, sentences: a block's text cut into sentences, each with its offset. A script's stage
direction ("(pause 10 seconds)") ends the sentence it follows.
"""

from __future__ import annotations

import re

from voiceguide import lexicon

# A spoken count runs on through its dots ("Inhale… 1… 2… 3… 4… hold…"): a number after "…" goes on.
# A bullet glyph a PDF left as a letter (". v Close the left nostril", ". ü Sit") or a numeral in
# small roman (". iv Breathe deeply") goes with the end.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"”’)\]]?\s+(?:(?:[vqoüØ§•▪■►❖➢✓]|[ivx]{1,5}[.)]?)\s+)?(?=[\"“(]?[A-Z0-9])|(?<=…)[\"”’)\]]?\s+(?=[\"“(]?[A-Z])"
    r"|(?<=:)\n(?=[A-Z])"  # a line that introduces the lines under it
)


_AFTER_STAGE = re.compile(r"\s+(?=[\"“(]?[A-Z])")


# Abbreviations after which a capital letter does not start a sentence. "min." and "sec." are
# not among them: in routines they end sentences far more often than they abbreviate mid-way.
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|approx|dr|st|vs|no|fig|cf)\.|(?-i:\b[A-Z]\.))$", re.IGNORECASE)


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
