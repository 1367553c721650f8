"""scripts/listen.py: its phrase routine says every fixed cue, and its scoring is fair."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from voiceguide import lexicon, plan
from voiceguide.model import Options
from voiceguide.parse import parse_text


def _listen() -> ModuleType:
    path = Path(__file__).parent.parent / "scripts" / "listen.py"
    spec = importlib.util.spec_from_file_location("listen", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


listen = _listen()


def test_the_phrase_routine_says_every_fixed_cue() -> None:
    routine = plan.apply_options(parse_text(listen.PHRASES, "clarity-check.md"), listen.OPTIONS)
    said = set(plan.phrases(routine, listen.OPTIONS))
    every_cue = {*plan.PHASE_WORDS.values(), plan.RELEASE, plan.HALFWAY, plan.TEN_LEFT, plan.SHORT_HOLD_PROMPT}
    assert every_cue | {plan.CLOSING, lexicon.ordinal_time(2), "Round 2.", "Next, your left foot."} <= said
    assert every_cue <= listen.fixed_cues(routine)
    instructions = [s for s in routine.steps if s.is_instruction and s.copy_of is None]
    assert len(instructions) >= 25


@pytest.mark.parametrize(
    ("said", "heard"),
    [
        ("Press for 20 seconds.", "press for twenty seconds"),
        ("Count to four, then rest.", "count to 4 then rest"),
        ("Rub the centre of the sole.", "rub the center of the sole"),
        ("Hold it gently.", "hold it gently"),
        ("Fourth time.", "4th time."),
    ],
)
def test_a_phrase_heard_right_counts_as_right(said: str, heard: str) -> None:
    assert listen.words(said) == listen.words(heard)


def test_a_phrase_heard_wrong_counts_as_wrong() -> None:
    assert listen.words("Breathe in.") != listen.words("Three minutes.")
    assert listen.words("Press for 45 seconds.") == "press for forty five seconds"
    assert listen.words("Count to 4.") != listen.words("Count to far.")


def test_the_options_say_every_cue_aloud() -> None:
    assert listen.OPTIONS.chime == "none" and listen.OPTIONS.halfway and listen.OPTIONS.countdown
    assert listen.OPTIONS.voice == Options().voice
