"""Words by lemma, and the domain's misspellings mended (parse.words)."""

from __future__ import annotations

import pytest

from voiceguide.parse import words


@pytest.mark.parametrize(
    ("word", "verb"),
    [("pressing", "press"), ("inhaled", "inhale"), ("lies", "lie"), ("kneads", "knead"), ("breath", None)],
)
def test_a_verb_is_known_by_its_lemma(word: str, verb: str | None) -> None:
    assert words.verb_lemma(word) == verb


@pytest.mark.parametrize(("word", "base"), [("press", True), ("lie", True), ("pressing", False), ("slowly", False)])
def test_an_imperative_is_a_verb_in_its_plain_form(word: str, base: bool) -> None:
    assert words.is_base_verb(word) is base


@pytest.mark.parametrize(
    ("text", "mended"),
    [
        ("Breath through your nose, then reapeat 3 times.", "Breathe through your nose, then repeat 3 times."),
        ("Gently massge the arch.", "Gently massage the arch."),
        ("Ten repctitions, ten complete movcments.", "Ten repetitions, ten complete movements."),
        ("Breath-in to fill the chest.", "Breathe in to fill the chest."),
        # left alone: real words, nouns, possessives, short unknown words
        ("Take a deep breath in, a thumb's width away.", "Take a deep breath in, a thumb's width away."),
        ("Hold your breath; fuli rest.", "Hold your breath; fuli rest."),
    ],
)
def test_misspelt_domain_words_are_mended(text: str, mended: str) -> None:
    assert words.mend(text) == mended
