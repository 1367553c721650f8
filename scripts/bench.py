"""Build speed and memory against the floor set by the voice engine and the MP3 encoder.

For routines whose audio lasts about 60 minutes (12 presses of 5 minutes, breath prompts, default
options) and, with --sizes, about 5, 30 and 120 minutes, in one run on one machine:
  cold   a build with an empty cache: wall time inside the build, × real time, peak RSS
  hold   a rebuild with the same cache after one hold grows by 1 s in the routine file
  word   a rebuild with the same cache after one word of one step changes in the routine file
  floor  (a) each distinct phrase synthesized once with the same engine and voice,
         (b) one lameenc encode, same settings, of the whole finished track, and
         (c) one lameenc encode of the sound alone: every placed sound, one after another
         (all gathered in memory from the cold build's cache before the clock starts)
Every measurement runs in its own fresh Python process, so peak RSS is that build's own and the
engine starts up (as it does in a real build) inside the timed span. They are measured one
after another in rounds; a ratio is the median over the rounds of a build against the floor of
its own round, because this machine's speed drifts over minutes.

    python scripts/bench.py [--sizes 60 | --sizes 5,30,120] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

POINTS = (
    "Press the point between your eyebrows",
    "Press the hollow at the base of your skull",
    "Massage the web between your thumb and index finger",
    "Press the point four finger widths below your kneecap",
    "Hold the point in the centre of your palm",
    "Press the point at the top of your head",
    "Massage the soft spot just below your collarbone",
    "Press the point three finger widths above your wrist crease",
    "Rub the outer corner of your eye in small circles",
    "Press the point between the big toe and the second toe",
    "Hold the point at the bottom of your breastbone",
    "Press the point in the dip beside your nostril",
    "Massage the top of your shoulder muscle",
    "Press the point two finger widths below your navel",
    "Hold the point four finger widths above your inner ankle bone",
    "Press the point in the middle of your upper lip",
    "Massage the point at the end of the elbow crease",
    "Press the point behind your earlobe",
    "Hold the point in the hollow of your temple",
    "Press the point just under your cheekbone",
    "Massage the arch of your foot with slow circles",
    "Press the point in the centre of your chin",
    "Hold the point between the tendons of your inner wrist",
    "Press the hollow behind your knee",
)
DURATIONS = (60, 45, 90, 30)  # by point, so a point always sounds the same (repeated phrases)
RELAX = "Relax your hands and breathe slowly."  # a repeated rest step
REPEATS = 3


def presses(minutes: float) -> str:
    """Presses of 5 minutes each, one point after another, as many as fill `minutes`."""
    count = max(1, round(minutes / 5))
    lines = ["# Acupressure routine", ""]
    lines += [f"{POINTS[n % len(POINTS)]} for 5 minutes." for n in range(count)]
    return "\n".join(lines) + "\n"


def routine_text(steps: int) -> str:
    """`steps` acupressure holds in rounds over a pool of points that grows with √steps."""
    pool = min(len(POINTS), 6 + round(1.5 * steps**0.5))
    lines = ["# Acupressure routine", "", "This routine works through acupressure points, one at a time.", ""]
    for i in range(steps):
        if i % pool == 0:
            lines += ["", f"## Round {i // pool + 1}", ""]
        point = i % pool
        lines.append(f"{POINTS[point]} for {DURATIONS[point % len(DURATIONS)]} seconds.")
        if i % 4 == 3:
            lines.append(RELAX)
    return "\n".join(lines) + "\n"


def sized_routine(minutes: float, path: Path) -> float:
    """Write a routine whose planned audio is near `minutes`; return the planned minutes."""
    from voiceguide import pipeline
    from voiceguide.model import Options

    if minutes % 5 == 0 and minutes >= 10:
        path.write_text(presses(minutes), encoding="utf-8")
        timeline = pipeline.plan(path, Options()).timeline
        return timeline.length / timeline.sample_rate / 60

    def planned(steps: int) -> float:
        path.write_text(routine_text(steps), encoding="utf-8")
        timeline = pipeline.plan(path, Options()).timeline
        return timeline.length / timeline.sample_rate / 60

    steps = max(1, round(minutes / 1.2))
    best: tuple[int, float] | None = None
    for _ in range(4):
        got = planned(steps)
        if best is None or abs(got - minutes) < abs(best[1] - minutes):
            best = (steps, got)
        steps = max(1, round(steps * minutes / got))
    assert best is not None
    return planned(best[0])


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux, bytes on macOS
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def child_build(job: dict) -> dict:
    import numpy  # noqa: F401  # the floor's process has these loaded before its clock starts too
    import soundfile  # noqa: F401

    from voiceguide import pipeline, plan, render, speech  # noqa: F401
    from voiceguide.model import Options

    start, cpu = time.perf_counter(), time.process_time()
    result = pipeline.build(Path(job["src"]), Options(), Path(job["out"]))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    timeline = result.timeline
    return {
        "seconds": seconds,
        "cpu": cpu,
        "synthesized": result.synthesized,
        "rss_mb": peak_rss_mb(),
        "audio_s": timeline.length / timeline.sample_rate,
    }


def child_floor(job: dict) -> dict:
    import contextlib
    import io

    import lameenc  # noqa: F401

    from voiceguide import pipeline, plan, speech
    from voiceguide.model import Options

    options = Options()
    texts = plan.phrases(pipeline.prepare(Path(job["src"]), options), options)
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), time.process_time()
        synth = speech.Pyttsx3Synthesizer(speech.resolve_voice(options.voice), options.rate, options.pitch)
        with contextlib.redirect_stdout(io.StringIO()):
            for number, text in enumerate(texts):
                synth.synthesize(text, Path(tmp) / f"{number}.wav")
        synth_s, synth_cpu = time.perf_counter() - start, time.process_time() - cpu
        track, sound = finished_track(Path(job["src"]), options, Path(tmp))
    encode_s, encode_cpu = timed_encode(track, options)
    sound_s, sound_cpu = timed_encode(sound, options)
    return {
        "synth_s": synth_s,
        "encode_s": encode_s,
        "sound_s": sound_s,
        "synth_cpu": synth_cpu,
        "encode_cpu": encode_cpu,
        "sound_cpu": sound_cpu,
        "phrases": len(texts),
    }


def timed_encode(pcm, options) -> tuple[float, float]:
    """One lameenc run over `pcm` (int16), a second at a time, with the builds' settings."""
    import lameenc

    from voiceguide import assemble

    start, cpu = time.perf_counter(), time.process_time()
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(options.bitrate)
    encoder.set_in_sample_rate(options.sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(assemble.QUALITY)
    encoder.silence()
    for at in range(0, len(pcm), options.sample_rate):
        encoder.encode(pcm[at : at + options.sample_rate].tobytes())
    encoder.flush()
    return time.perf_counter() - start, time.process_time() - cpu


def finished_track(src: Path, options, tmp: Path) -> tuple:
    """The finished track (int16) and its sounds alone, one after another, gathered in memory
    from the cold build's cache."""
    import numpy as np

    from voiceguide import pipeline, render

    mixers: list = []
    write = render._write_mp3
    render._write_mp3 = lambda mixer, *rest: mixers.append(mixer)
    try:
        built = pipeline.build(src, options, tmp / "gathered.mp3")
    finally:
        render._write_mp3 = write
    (mixer,) = mixers
    track = np.zeros(built.timeline.length, dtype=np.int16)
    sounds = []
    for event in built.timeline.events:
        if event.sound:
            track[event.start : event.end] = mixer.sounds[event.sound]
            sounds.append(mixer.sounds[event.sound])
    if built.synthesized:
        sys.exit("the floor could not gather the build's own track")
    return track, np.concatenate(sounds)


def run_child(kind: str, job: dict, cache: Path) -> dict:
    env = dict(os.environ, VOICEGUIDE_CACHE_DIR=str(cache))
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps(job)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(minutes: float, folder: Path) -> dict:
    """A person's edits: save the routine file, change one hold in it (or one word), build again."""
    from voiceguide import pipeline, routine_file

    text_src = folder / "routine.txt"
    src, hold, word = folder / "routine.yaml", folder / "routine-hold.yaml", folder / "routine-word.yaml"
    planned = sized_routine(minutes, text_src)
    routine_file.save(pipeline.load_routine(text_src), src)
    saved = src.read_text(encoding="utf-8")
    seconds = re.search(r"^( *seconds: )([1-9][0-9.]*)$", saved, re.MULTILINE)  # the first hold
    assert seconds is not None
    longer = f"{seconds[1]}{float(seconds[2]) + 1}"
    hold.write_text(saved[: seconds.start()] + longer + saved[seconds.end() :], encoding="utf-8")
    word.write_text(saved.replace("Press the point", "Press the spot", 1), encoding="utf-8")
    assert hold.read_text(encoding="utf-8") != saved != word.read_text(encoding="utf-8")
    rounds = []
    for number in range(REPEATS):
        cache = folder / f"cache-{number}"
        out = str(folder / "out.mp3")
        cold = run_child("build", {"src": str(src), "out": out}, cache)
        held = run_child("build", {"src": str(hold), "out": out}, cache)
        worded = run_child("build", {"src": str(word), "out": out}, cache)
        rounds.append((cold, held, worded, run_child("floor", {"src": str(src)}, cache)))
    best = [min((r[n] for r in rounds), key=lambda r: r.get("seconds", 0)) for n in range(3)]
    floor = {key: min(r[3][key] for r in rounds) for key in rounds[0][3]}
    best[0]["rss_mb"] = max(r[0]["rss_mb"] for r in rounds)
    ratios = {
        "cold/old": median(c["seconds"] / (f["synth_s"] + f["encode_s"]) for c, _, _, f in rounds),
        "cold/new": median(c["seconds"] / (f["synth_s"] + f["sound_s"]) for c, _, _, f in rounds),
        "hold/enc": median(h["seconds"] / f["encode_s"] for _, h, _, f in rounds),
        "word/enc": median(w["seconds"] / f["encode_s"] for _, _, w, f in rounds),
    }
    return {"planned_min": planned, "cold": best[0], "hold": best[1], "word": best[2], "floor": floor, "ratios": ratios}


def help_seconds() -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "voiceguide", "--help"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    global REPEATS
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps((child_build if sys.argv[2] == "build" else child_floor)(json.loads(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="60", help="audio minutes, comma-separated (default 60)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"runs of each measurement (default {REPEATS})")
    args = parser.parse_args()
    REPEATS = args.repeats
    rows = []
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as tmp:
        for minutes in [float(x) for x in args.sizes.split(",")]:
            folder = Path(tmp) / f"{minutes:g}min"
            folder.mkdir()
            rows.append(bench(minutes, folder))
            print(f"… {minutes:g} min done", file=sys.stderr)
    head: tuple[str, ...] = ("audio min", "phrases", "cold s", "×RT", "RSS MB", "hold s", "word s", "synth s")
    head += ("encode s", "sound s", "cold/(synth+encode)", "cold/(synth+sound)", "hold/encode", "word/encode")
    print(" | ".join(head))
    for r in rows:
        cold, floor, ratios = r["cold"], r["floor"], r["ratios"]
        cells: tuple[object, ...] = (f"{cold['audio_s'] / 60:.1f}", floor["phrases"], f"{cold['seconds']:.2f}")
        cells += (f"{cold['audio_s'] / cold['seconds']:.0f}", f"{cold['rss_mb']:.0f}")
        cells += (f"{r['hold']['seconds']:.2f}", f"{r['word']['seconds']:.2f}")
        cells += tuple(f"{floor[k]:.2f}" for k in ("synth_s", "encode_s", "sound_s"))
        cells += tuple(f"{ratios[k]:.2f}" for k in ("cold/old", "cold/new", "hold/enc", "word/enc"))
        print(" | ".join(str(c).rjust(len(h)) for c, h in zip(cells, head, strict=True)))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"`python -m voiceguide --help`: {help_seconds():.2f} s (best of 3)")
    print("times are wall seconds around the build call inside a fresh process (interpreter start-up excluded),")
    print(f"each the best of {REPEATS} rounds; a ratio is the median over the rounds of a build against the floor")
    print("measured in the same round")


if __name__ == "__main__":
    main()
