"""The voice engine: every clip at the rate, pitch and voice asked, whole, and cached by them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from voiceguide import speech
from voiceguide.errors import SynthesisError

PHRASE = "Rest your thumb on the point and press it gently for a while."

# Run in a fresh process: eSpeak NG starts once per process, and the fault was in how it starts.
# eSpeak is made slow to hand its sound over, and is still speaking another phrase when the
# phrase is asked for, as when a rebuild starts the engine for its first new phrase.
BUSY_ENGINE = """
import json, sys, time, wave
from pathlib import Path
from voiceguide import speech

speech._load_espeak()
from pyttsx3.drivers import _espeak

register = _espeak.SetSynthCallback

def slowed(callback):
    def slowly(wav, samples, events):
        time.sleep(0.05)
        return callback(wav, samples, events)
    register(slowly)

_espeak.SetSynthCallback = slowed
synthesizer = speech.Pyttsx3Synthesizer("gmw/en-us", 135, 50)
folder = Path(sys.argv[2])
synthesizer.synthesize("Getting ready.", folder / "first.wav")  # the engine starts
time.sleep(0.5)
lengths = []
for name in ("busy", "calm") * 3:
    if name == "busy":  # pyttsx3's engine sets 200 words a minute as it starts, then speaks
        _espeak.SetParameter(_espeak.RATE, 200, 0)
        _espeak.Synth(b"Something else, said first and at length.", flags=_espeak.CHARS_UTF8)
    synthesizer.synthesize(sys.argv[1], folder / f"{name}.wav")
    with wave.open(str(folder / f"{name}.wav")) as clip:
        lengths.append(clip.getnframes())
print(json.dumps(lengths))
"""


def test_a_clip_asked_for_while_the_engine_is_busy_is_the_phrase_at_its_rate(tmp_path: Path) -> None:
    """pyttsx3's own engine queued settings and phrases for eSpeak's thread and cancelled what
    was queued when its loop ended: a rebuild that started the engine for a new phrase got
    pyttsx3's default 200 words a minute, or the tail of another phrase, about once in ten."""
    done = subprocess.run(
        [sys.executable, "-c", BUSY_ENGINE, PHRASE, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lengths = json.loads(done.stdout.splitlines()[-1])
    assert max(lengths) - min(lengths) < 0.01 * min(lengths), lengths  # the same phrase each time, to 1 %
    assert min(lengths) > 3.5 * 22_050  # at 135 words a minute, not 200


class Hurried:
    """eSpeak at these rates in turn, then at 135, while saying that 135 was asked."""

    def __init__(self, *rates: int) -> None:
        self.rates = list(rates)
        self.rate = 135

    def cache_key(self) -> str:
        return "hurried"

    def synthesize(self, text: str, wav_path: Path) -> None:
        rate = self.rates.pop(0) if self.rates else 135
        speech.Pyttsx3Synthesizer("gmw/en-us", rate, 50).synthesize(text, wav_path)

    def phonemes(self, text: str) -> str:
        return speech.engine().phonemes(text, "gmw/en-us")


def test_a_hurried_clip_is_made_again_and_never_cached(tmp_path: Path) -> None:
    once = Hurried(200)
    bank = speech.ClipBank(once, tmp_path)
    bank.prepare([PHRASE])
    calm = speech.ClipBank(speech.Pyttsx3Synthesizer("gmw/en-us", 135, 50), None)
    calm.prepare([PHRASE])
    assert bank.synthesized == 2
    assert abs(len(bank.clips[PHRASE]) - len(calm.clips[PHRASE])) <= 5  # ms
    assert len(list(tmp_path.glob("*.wav"))) == 1
    again = speech.ClipBank(once, tmp_path)
    again.prepare([PHRASE])
    assert again.synthesized == 0 and len(again.clips[PHRASE]) == len(bank.clips[PHRASE])


def test_a_voice_that_stays_hurried_fails_the_build_naming_the_phrase(tmp_path: Path) -> None:
    bank = speech.ClipBank(Hurried(200, 260), tmp_path)
    with pytest.raises(SynthesisError, match=r"spoke 'Rest your thumb.*' at about 2\d\d words a minute, not the 135"):
        bank.prepare([PHRASE])
    assert not list(tmp_path.glob("*.wav"))


def test_a_pace_the_voice_repeats_on_a_fresh_engine_is_its_own(tmp_path: Path) -> None:
    """The pace check is an estimate: what the voice says the same way twice is its own."""
    bank = speech.ClipBank(Hurried(200, 200), tmp_path)
    bank.prepare([PHRASE])
    assert bank.synthesized == 2 and len(list(tmp_path.glob("*.wav"))) == 1


@pytest.mark.parametrize("rate", [90, 135, 175, 220])
def test_clips_at_the_rate_asked_pass_the_pace_check(rate: int) -> None:
    synthesizer = speech.Pyttsx3Synthesizer("gmw/en-us+f2", rate, 40)
    bank = speech.ClipBank(synthesizer, None)
    texts = [
        PHRASE,
        "Ten seconds left.",
        "That is the end of the routine. Take a moment before you get up.",
        "Press the point between the first and second metatarsal, 2 to 3 centimetres below the toes.",
        "Inhale for 4, hold for 7, exhale for 8.",
    ]
    bank.prepare(texts)
    assert bank.synthesized == len(texts)  # each made once: none was judged hurried
    for text in texts:
        assert speech.pace_fault(text, len(bank.clips[text]), synthesizer) is None
        expected = speech.expected_ms(text, synthesizer.phonemes(text), rate)
        faster = speech.expected_ms(text, synthesizer.phonemes(text), round(rate * 1.48))
        if expected and faster:  # a clip 200/135 times too fast would not pass
            assert speech.pace_fault(text, round(faster * 0.95), synthesizer) is not None


def test_the_clip_cache_names_voice_rate_and_pitch(tmp_path: Path) -> None:
    for voice, rate, pitch in (
        ("gmw/en-us", 135, 50),
        ("gmw/en-us", 140, 50),
        ("gmw/en-us", 135, 45),
        ("gmw/en", 135, 50),
    ):
        synthesizer = speech.Pyttsx3Synthesizer(voice, rate, pitch)
        key = synthesizer.cache_key()
        assert f"voice={voice}" in key and f"rate={rate}" in key and f"pitch={pitch}" in key
        bank = speech.ClipBank(synthesizer, tmp_path)
        bank.prepare(["Release."])
    assert len(list(tmp_path.glob("*.wav"))) == 4


def test_the_pause_between_words_lengthens_each_gap_and_names_its_clips(tmp_path: Path) -> None:
    plain, spaced = (speech.Pyttsx3Synthesizer("gmw/en-us", 135, 45, gap) for gap in (0, 4))
    assert "word_gap=4" in spaced.cache_key() and plain.cache_key() != spaced.cache_key()
    banks = [speech.ClipBank(synthesizer, tmp_path) for synthesizer in (plain, spaced)]
    for bank in banks:
        bank.prepare([PHRASE])
    gaps = len(PHRASE.split()) - 1
    added = len(banks[1].clips[PHRASE]) - len(banks[0].clips[PHRASE])
    assert 40 * gaps < added < 120 * gaps, added  # ms: about 70 ms a gap at 135 words a minute
    assert len(list(tmp_path.glob("*.wav"))) == 2


def test_a_rebuild_after_an_edit_speaks_the_new_sentence_as_a_fresh_build_does(tmp_path: Path) -> None:
    """The user's loop: build, edit one sentence, build again from the cache (which starts the
    voice for the new sentence alone), each in a process of its own."""
    from tests.conftest import SHORT_ROUTINE

    source, edited = tmp_path / "hand.txt", "Rub the palm in slow, wide circles for 3 seconds."
    env = {**__import__("os").environ, "VOICEGUIDE_CACHE_DIR": str(tmp_path / "cache")}

    def build(name: str, *extra: str) -> list[float]:
        out = tmp_path / f"{name}.mp3"
        command = [sys.executable, "-m", "voiceguide", "build", str(source), "-o", str(out), *extra]
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
        events = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["events"]
        return [e["end"] - e["start"] for e in events if e["text"] == edited]

    source.write_text(SHORT_ROUTINE, encoding="utf-8")
    assert build("first") == []
    source.write_text(SHORT_ROUTINE.replace("Rub the palm in slow circles for 3 seconds.", edited), encoding="utf-8")
    rebuilt, fresh = build("rebuilt"), build("fresh", "--no-cache")
    assert rebuilt and len(rebuilt) == len(fresh)
    # eSpeak's voice carries a little from one phrase to the next (a few ms); hurried is a third shorter
    assert all(abs(a - b) < 0.02 * b for a, b in zip(rebuilt, fresh, strict=True)), (rebuilt, fresh)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Inhale for 4, hold for 7, exhale for 8.", "Inhale for, 4, hold for, 7, exhale for, 8."),
        ("Breathe out for a count of eight.", "Breathe out for a count of, eight."),
        ("Press for 30 seconds, then count to ten.", "Press for, 30 seconds, then count to, ten."),
        ("Hold for 2 to 3 minutes.", "Hold for 2 to 3 minutes."),
        ("Do this for 2-3 minutes, then turn to one side.", "Do this for 2-3 minutes, then turn to one side."),
        ("Repeat four times.", "Repeat four times."),
    ],
)
def test_a_count_is_said_after_a_short_pause(text: str, said: str) -> None:
    assert speech.paused_counts(text) == said


def test_the_pause_before_a_count_is_heard_and_the_words_are_the_same(tmp_path: Path) -> None:
    import wave

    text = "Inhale for 4, hold for 7."
    speech.Pyttsx3Synthesizer("gmw/en-us", 135, 45, 4).synthesize(text, tmp_path / "paused.wav")
    speech.engine().speak(text, tmp_path / "as-written.wav", "gmw/en-us", 135, 45, 4)
    lengths = []
    for name in ("paused", "as-written"):
        with wave.open(str(tmp_path / f"{name}.wav")) as clip:
            lengths.append(clip.getnframes())
    assert lengths[0] - lengths[1] > 0.3 * 22_050  # two short pauses more
    assert speech.engine().phonemes(speech.paused_counts(text), "gmw/en-us").split() == (
        speech.engine().phonemes(text, "gmw/en-us").split()
    )
