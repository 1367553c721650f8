"""Timeline + clips → MP3 and sidecars, streamed and written atomically.

The MP3 encoder is libsndfile's LAME, through soundfile: it writes the LAME/Xing gapless tag,
so players and decoders trim the encoder delay and padding and the decoded track has exactly
the samples written (lameenc is faster but writes no tag: every onset lands ~50 ms late).
Constant bitrate below 56 kbps at 22,050 Hz has no room for that tag, hence the lower limit.

Audio is written event by event into the encoder, so memory does not grow with the length
of the routine: a silence costs one reused block of zeros.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import sidecars
from voiceguide.chime import chime
from voiceguide.errors import RenderError
from voiceguide.model import Options, Timeline

if TYPE_CHECKING:
    import numpy as np
    from pydub import AudioSegment

BITRATES = (56, 64, 80, 96, 112, 128, 144, 160)  # constant bitrates that keep the gapless tag
SPEECH_LUFS = -19.0  # spoken-word norm for mono; the file's integrated loudness follows it
BREATH_LUFS = -23.0  # breath prompts sit a little under the instructions
CHIME_LUFS = -24.0
TRUE_PEAK = 10 ** (-1.5 / 20)  # keep a margin under −1 dBTP for the encoder's overshoot
BLOCK = 22_050  # samples of silence written at a time


@dataclass(frozen=True)
class Outputs:
    mp3: Path
    cue_sheet: Path
    vtt: Path
    lrc: Path

    @classmethod
    def beside(cls, mp3: Path) -> Outputs:
        return cls(mp3, mp3.with_suffix(".json"), mp3.with_suffix(".vtt"), mp3.with_suffix(".lrc"))

    def all(self) -> tuple[Path, ...]:
        return (self.mp3, self.cue_sheet, self.vtt, self.lrc)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def compression_level(kbps: int) -> float:
    """libsndfile maps its compression level c to kbps = 160 − 152·c at 16–32 kHz."""
    return min(max((159.5 - kbps) / 152.0, 0.0), 1.0)


def loudness_gain(samples: np.ndarray, rate: int, target: float) -> float:
    """Linear gain that brings a clip to `target` LUFS (ITU-R BS.1770), capped by true peak."""
    import numpy as np
    import pyloudnorm
    from scipy.signal import resample_poly

    padded = samples
    minimum = round(0.4 * rate) + 1  # the meter needs one 400 ms gating block
    if len(samples) < minimum:
        padded = np.concatenate([samples, np.zeros(minimum - len(samples), dtype=samples.dtype)])
    measured = pyloudnorm.Meter(rate).integrated_loudness(padded)
    gain = 1.0 if not np.isfinite(measured) else 10 ** ((target - measured) / 20)
    true_peak = float(np.max(np.abs(resample_poly(samples, 4, 1)))) if len(samples) else 0.0
    if true_peak * gain > TRUE_PEAK:
        gain = TRUE_PEAK / true_peak
    return gain


def _levelled(clip: np.ndarray, rate: int, target: float) -> np.ndarray:
    import numpy as np

    gain = loudness_gain(clip, rate, target)
    return np.clip(np.round(clip * gain * 32767), -32767, 32767).astype(np.int16)


def _as_float(segment: AudioSegment) -> np.ndarray:
    import numpy as np

    return np.frombuffer(segment.raw_data, dtype=np.int16).astype(np.float64) / 32768


def render(
    timeline: Timeline,
    clips: dict[str, AudioSegment],
    options: Options,
    outputs: Outputs,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the MP3 and its sidecars to temporary files, then move all into place at once."""
    folder = outputs.mp3.parent
    if not folder.is_dir():
        raise RenderError(f"{folder}: output folder does not exist; create it or choose another -o")
    temps: list[Path] = []
    try:
        for final in outputs.all():
            handle, name = tempfile.mkstemp(dir=folder, prefix=f".{final.name}.", suffix=".part")
            os.close(handle)
            temps.append(Path(name))
            os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        _encode(timeline, clips, options, temps[0], progress)
        _tag(temps[0], timeline, options)
        cue = json.dumps(sidecars.cue_sheet(timeline), indent=1, ensure_ascii=False)
        temps[1].write_text(cue + "\n", encoding="utf-8")
        temps[2].write_text(sidecars.webvtt(timeline), encoding="utf-8")
        temps[3].write_text(sidecars.lrc(timeline), encoding="utf-8")
        for temp, final in zip(temps, outputs.all(), strict=True):
            os.replace(temp, final)
    except OSError as error:
        raise RenderError(f"{outputs.mp3}: could not write ({error.strerror or error})") from error
    finally:
        for temp in temps:
            with contextlib.suppress(OSError):
                temp.unlink()


def _encode(
    timeline: Timeline,
    clips: dict[str, AudioSegment],
    options: Options,
    path: Path,
    progress: Callable[[int], None] | None,
) -> None:
    import numpy as np
    import soundfile

    rate = timeline.sample_rate
    targets = {"speech": SPEECH_LUFS, "breath": BREATH_LUFS, "chime": CHIME_LUFS}
    ready: dict[tuple[str, str], np.ndarray] = {}
    zeros = np.zeros(BLOCK, dtype=np.int16)
    with soundfile.SoundFile(
        str(path),
        "w",
        samplerate=rate,
        channels=1,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=compression_level(options.bitrate),
        bitrate_mode="CONSTANT",
    ) as mp3:
        for event in timeline.events:
            if event.kind == "silence":
                left = event.length
                while left > 0:
                    mp3.write(zeros[: min(left, BLOCK)])
                    left -= BLOCK
            else:
                key = (event.kind, event.text)
                if key not in ready:
                    raw = chime(event.text, rate) if event.kind == "chime" else _as_float(clips[event.text])
                    ready[key] = _levelled(np.asarray(raw, dtype=np.float64), rate, targets[event.kind])
                audio = ready[key]
                if len(audio) != event.length:
                    raise RenderError(
                        f"internal: clip for {event.text!r} is {len(audio)} samples, planned {event.length}"
                    )
                mp3.write(audio)
            if progress:
                progress(event.length)


def _tag(path: Path, timeline: Timeline, options: Options) -> None:
    """ID3v2 title, artist, album, settings comment and one chapter per step (CHAP + CTOC)."""
    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TIT2, TPE1, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=timeline.title))
    tags.add(TPE1(encoding=3, text="voiceguide"))
    tags.add(TALB(encoding=3, text="Guided routines"))
    tags.add(COMM(encoding=3, lang="eng", desc="settings", text=options.describe()))
    ids = []
    rate = timeline.sample_rate
    for number, (start, end, title) in enumerate(sidecars.chapters(timeline), 1):
        element = f"chp{number}"
        ids.append(element)
        tags.add(
            CHAP(
                element_id=element,
                start_time=round(start * 1000 / rate),
                end_time=round(end * 1000 / rate),
                sub_frames=[TIT2(encoding=3, text=title)],
            )
        )
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text=timeline.title)],
        )
    )
    tags.save(str(path), v2_version=4)
