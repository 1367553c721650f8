"""Render the built-in routine three ways into output/, to hear what the options do.

    python scripts/demo.py

Writes output/demo-default.mp3 (the defaults), output/demo-tones.mp3 (breath tones, singing
bowl, stereo sides) and output/demo-quiet.mp3 (no breath cues, spoken "Release." instead of a
bell), each rendering only the routine's first press of a minute or more.
"""

from __future__ import annotations

import sys
from pathlib import Path

from voiceguide import pipeline
from voiceguide.model import Options

VARIANTS = {
    "default": Options(),
    "tones": Options(breath_cue="tone", chime="bowl", pan_sides=True),
    "quiet": Options(breath_cue="none", chime="none", halfway=False, countdown=False),
}


def main() -> int:
    folder = Path("output")
    folder.mkdir(exist_ok=True)
    routine = pipeline.load_routine(None)
    press = next(s for s in routine.steps if s.kind == "press" and s.seconds >= 60)
    for name, options in VARIANTS.items():
        result = pipeline.build(None, options.with_changes(only=press.index), folder / f"demo-{name}.mp3")
        seconds = result.timeline.length / result.timeline.sample_rate
        print(f"{result.mp3}: step {press.index}, {seconds:.0f} s, {len(result.timeline.events)} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
