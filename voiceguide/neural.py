"""An optional natural voice: Piper, from a voice file the user has downloaded.

`pip install 'voiceguide[neural]'` adds piper-tts (GPL-3.0, like eSpeak NG). `--voice
piper:PATH/voice.onnx` uses that voice, with its `voice.onnx.json` beside it. Nothing is
bundled and nothing is downloaded; each voice carries its own licence.

Piper speaks about 225 words a minute and normalizes every sentence to full scale. Here it is
slowed to the pace asked with --rate (measured once per voice against eSpeak NG's pace and kept
in the cache), made deterministic (no noise), and given eSpeak's headroom, so its clips are
levelled like any other. Nothing here touches piper-tts at import time.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from voiceguide.errors import UsageError
from voiceguide.model import SAMPLE_RATE

PREFIX = "piper:"
PEAK = 10 ** (-1 / 20)  # a clip's loudest sample, at most: eSpeak's clips leave this much too
SENTENCE_GAP_S = 0.35  # between the sentences of one phrase, at Piper's own pace
# Phrases like the ones a routine says, spoken once per voice to learn its own pace.
CALIBRATION = (
    "Rest your thumb on the point between the first and second toes.",
    "Press firmly and hold for thirty seconds, breathing slowly.",
    "Now slide your thumb along the inner edge of the foot, toward the heel.",
    "Let your shoulders drop, and feel the weight of your head sink into the pillow.",
)
PACE_FORMAT = 1  # bump when the pace measurement changes


def is_piper(voice: str) -> bool:
    return voice.startswith(PREFIX)


def where_voices_are() -> str:
    """What `voiceguide voices` says about Piper voices."""
    return (
        "Natural voices (Piper): pip install 'voiceguide[neural]', download a voice (a .onnx file and "
        "its .onnx.json) from the rhasspy/piper-voices collection on Hugging Face, and pass "
        "--voice piper:PATH/voice.onnx. "
        "Each voice carries its own licence (its MODEL_CARD); some are for non-commercial use only."
    )


class PiperSynthesizer:
    """A Piper voice, at the pace asked, deterministic and cached by the voice file's content."""

    def __init__(self, voice: str, rate: int, folder: Path | None) -> None:
        model = Path(voice[len(PREFIX) :]).expanduser()
        config = model.with_name(model.name + ".json")
        if model.suffix != ".onnx" or not model.is_file():
            raise UsageError(f"--voice {voice}: no Piper voice file there; give the path of a .onnx voice")
        if not config.is_file():
            raise UsageError(f"--voice {voice}: {config.name} is missing; download it beside the voice")
        try:
            from piper import PiperVoice
        except ImportError:
            raise UsageError(f"--voice {voice}: Piper is not installed; pip install 'voiceguide[neural]'") from None
        try:
            self.voice = PiperVoice.load(model, config)
        except Exception as error:  # onnxruntime and json raise their own kinds
            raise UsageError(f"--voice {voice}: not a usable Piper voice ({error})") from None
        self.rate = rate
        self.language = str(self.voice.config.espeak_voice)
        self.digest = _digest(model, config)
        self.length_scale = natural_rate(self, folder) / rate

    def cache_key(self) -> str:
        return f"piper|{_version()}|voice={self.digest}|rate={self.rate}|length_scale={self.length_scale:.4f}"

    def phonemes(self, text: str) -> str:
        return " ".join("".join(sentence) for sentence in self.voice.phonemize(text))

    def synthesize(self, text: str, wav_path: Path) -> None:
        import soundfile

        soundfile.write(str(wav_path), self.audio(text, self.length_scale), SAMPLE_RATE, subtype="PCM_16")

    def audio(self, text: str, length_scale: float) -> Any:
        """The phrase as float samples at SAMPLE_RATE: sentences joined by a short pause, no
        noise (so the cache is exact), and the peak brought under PEAK only where it is over."""
        import numpy as np
        from piper import SynthesisConfig
        from scipy.signal import resample_poly

        config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
        rate = self.voice.config.sample_rate
        gap = np.zeros(round(SENTENCE_GAP_S * length_scale * rate), dtype=np.float32)
        parts: list[Any] = []
        for sentence in self.voice.phonemize(text):
            if sentence:
                ids = self.voice.phonemes_to_ids(sentence)
                parts += [gap] if parts else []
                parts.append(np.asarray(self.voice.phoneme_ids_to_audio(ids, config), dtype=np.float32).ravel())
        audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        if rate != SAMPLE_RATE:
            import math

            common = math.gcd(rate, SAMPLE_RATE)
            audio = resample_poly(audio, SAMPLE_RATE // common, rate // common).astype(np.float32)
        peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
        return audio * (PEAK / peak) if peak > PEAK else audio


def natural_rate(synthesizer: PiperSynthesizer, folder: Path | None) -> float:
    """The voice's own pace in eSpeak's words a minute: the rate at which eSpeak NG would take
    as long over the calibration phrases. Measured once per voice file, kept in the cache."""
    from voiceguide import cache, speech

    entry = cache.entry(folder, ["piper-pace", PACE_FORMAT, synthesizer.digest], ".json") if folder else None
    if entry is not None:
        try:
            return float(json.loads(entry.read_text(encoding="utf-8"))["words_a_minute"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not measured yet, or damaged: measured again
    spoken = expected = 0.0
    for text in CALIBRATION:
        samples = synthesizer.audio(text, 1.0)
        spoken += speech.trimmed_ms(samples, SAMPLE_RATE)
        expected += speech.expected_ms(text, synthesizer.phonemes(text), 1) or 0.0
    words_a_minute = expected / max(spoken, 1.0)
    if entry is not None:
        text = json.dumps({"words_a_minute": words_a_minute})
        cache.write_atomic(entry, lambda out: out.write(text.encode()))
    return words_a_minute


def _digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as data:
            for block in iter(lambda: data.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@functools.cache
def _version() -> str:
    from voiceguide.speech import installed_version

    return f"piper-tts={installed_version('piper-tts')}"
