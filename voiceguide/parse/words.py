"""Words by their lemma, and the domain's own words mended where they are misspelt.

lemminflect's dictionary gives each English word its lemmas by part of speech ("inhaling" is
the verb inhale, "holds" the verb or the noun hold), so the lexicon lists a verb once and every
inflection of it matches. Misspellings of the routine's own words ("reapeat", "massge", a scan's
"repctitions", "Breath in") are mended before a sentence is read and spoken: a word the
dictionary does not know, one letter away from exactly one word of the domain (rapidfuzz's
Damerau-Levenshtein distance: a letter missing, added, changed or two swapped), is that word.
"""

from __future__ import annotations

import functools
import re

from voiceguide import lexicon

_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
# "Breath in", "Breath-out", "breath through your nose": the noun written for the verb; not after
# a word that makes it a noun ("a deep breath in", "your breath out").
_BREATH_AS_VERB = re.compile(
    r"\b(?P<b>[Bb]reath)(?:-(?=(?:in|out)\b)|(?= (?:in|out|through|deeply|slowly|normally|naturally|gently|"
    r"quietly|fully|into|from|with your)\b))",
)
_NOUN_BEFORE = re.compile(
    r"\b(?:a|an|the|your|my|one|each|every|another|this|that|deep|full|slow|long|big|short|next|last|first|"
    r"final|single|calm|whole|held|of|release|releasing|hold|holding|catch|take|taking)\s+$",
    re.IGNORECASE,
)
MEND_FROM = 5  # shorter words are too easily another word ("fuli" is full, fall or fuel)


@functools.cache
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """The dictionary's lemmas of a word by part of speech; empty when it does not know it."""
    import lemminflect

    found: dict[str, tuple[str, ...]] = lemminflect.getAllLemmas(word.lower())
    return found


def verb_lemma(word: str) -> str | None:
    """ "pressing" → "press"; None when the word is no verb."""
    verbs = lemmas(word).get("VERB")
    return verbs[0] if verbs else None


def lemma(word: str) -> str:
    """A word's verb lemma, else its noun lemma, else the word itself (lower case)."""
    found = lemmas(word)
    for part in ("VERB", "NOUN"):
        if found.get(part):
            return found[part][0].lower()
    return word.lower()


def all_lemmas(word: str) -> set[str]:
    """Every lemma a word may have, and the word: "rolls" → {rolls, roll}."""
    return {word.lower(), *(x.lower() for forms in lemmas(word).values() for x in forms)}


@functools.cache
def is_base_verb(word: str) -> bool:
    """The word can be a verb's plain form, as an imperative is ("press", "lie", "breathe")."""
    import lemminflect

    word = word.lower()
    for verb in lemmas(word).get("VERB", ()):
        forms = lemminflect.getAllInflections(verb, upos="VERB")
        if word == verb.lower() or word in forms.get("VB", ()):
            return True
    return False


def is_third_person(word: str) -> bool:
    """ "lies", "presses": a verb's -s form, as a description of what someone does uses."""
    import lemminflect

    word = word.lower()
    verbs = lemmas(word).get("VERB", ())
    return any(word in lemminflect.getAllInflections(verb, upos="VERB").get("VBZ", ()) for verb in verbs)


@functools.cache
def _domain_words() -> tuple[str, ...]:
    import lemminflect

    found = set(lexicon.DOMAIN_WORDS)
    for verb in lexicon.ALL_VERBS:
        found.add(verb)
        for forms in lemminflect.getAllInflections(verb, upos="VERB").values():
            found.update(forms)
    return tuple(sorted(w for w in found if len(w) >= MEND_FROM - 1))


@functools.cache
def _mended(word: str) -> str | None:
    lowered = word.lower()
    if len(lowered) < MEND_FROM or not lowered.isalpha() or lemmas(lowered) or lowered in _domain_words():
        return None
    if _agent_noun(lowered):
        return None  # "giver", "massager": a word made from a known one, not a misspelling of it
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    close = [
        found
        for found, _, _ in process.extract(
            lowered, _domain_words(), scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=3
        )
    ]
    if len(close) == 1 or (len(close) > 1 and len({lemma(word) for word in close}) == 1):
        return close[0]
    return None


_AGENT = re.compile(r"(?P<stem>[a-z]+?)(?:ers?|ors?|ees?)$")


def _agent_noun(word: str) -> bool:
    """ "giver", "massager", "receivers": a known verb with -er or -or, as the dictionary may lack."""
    match = _AGENT.fullmatch(word)
    if match is None:
        return False
    stem = match.group("stem")
    return any(verb_lemma(form) == form for form in (stem, stem + "e") if lemmas(form))


def _same_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word.capitalize() if like[:1].isupper() else word


def mend(text: str) -> str:
    """The text with the domain's misspelt words mended; everything else as it was."""

    def verb(match: re.Match[str]) -> str:
        if _NOUN_BEFORE.search(text[max(0, match.start() - 12) : match.start()]):
            return match.group(0)
        return match.group("b") + "e" + (" " if match.group(0).endswith("-") else "")

    text = _BREATH_AS_VERB.sub(verb, text)

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        mended = _mended(word)
        return _same_case(mended, word) if mended else word

    return _WORD.sub(fix, text)
