"""Build speed and memory against the floor set by the voice engine and the MP3 encoder.

For routines whose audio lasts about 5, 30 and 120 minutes, in one run on one machine:
  cold   a build with an empty clip cache: wall time inside the build, × real time, peak RSS
  warm   a rebuild with the same cache after one hold changes in the routine file (60 → 61 s)
  floor  (a) each distinct phrase synthesized once with the same engine and voice, plus
         (b) one MP3 encode, same settings, of exactly the blocks the build hands its encoder,
         gathered in memory (from the cold build's cache) before the clock starts
Every measurement runs in its own fresh Python process, so peak RSS is that build's own and the
engine starts up (as it does in a real build) inside the timed span. The three are measured one
after another in rounds; a ratio is the median over the rounds of a build against the floor of
its own round, because this machine's speed drifts over minutes.

    python scripts/bench.py [--quick | --sizes 5,30,120] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
REPEATS = 5


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

    def planned(steps: int) -> float:
        path.write_text(routine_text(steps), encoding="utf-8")
        timeline = pipeline.plan(path, Options()).timeline
        return timeline.length / timeline.sample_rate / 60

    steps, best = max(1, round(minutes / 1.2)), None
    for _ in range(4):
        got = planned(steps)
        if best is None or abs(got - minutes) < abs(best[1] - minutes):
            best = (steps, got)
        steps = max(1, round(steps * minutes / got))
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

    import soundfile  # noqa: F401

    from voiceguide import pipeline, plan, render, speech
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

        track = finished_track(Path(job["src"]), options, Path(tmp))
        start, cpu = time.perf_counter(), time.process_time()
        with render.open_mp3(Path(tmp) / "floor.mp3", options.sample_rate, 1, options.bitrate) as mp3:
            for block in track:
                mp3.write(block)
        encode_s, encode_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "synth_s": synth_s,
        "encode_s": encode_s,
        "synth_cpu": synth_cpu,
        "encode_cpu": encode_cpu,
        "phrases": len(texts),
    }


def finished_track(src: Path, options, tmp: Path) -> list:
    """The blocks a build hands its encoder, gathered in memory from the cold build's cache: the
    encoder's cost depends on what it encodes (speech costs LAME about 6 % more than noise, and
    digital silence far less than near-silence), so the floor encodes exactly these."""
    from voiceguide import pipeline, render

    blocks: list = []
    encode = render._encode
    render._encode = lambda mixer, *rest: blocks.extend(mixer.pcm())
    try:
        built = pipeline.build(src, options, tmp / "gathered.mp3")
    finally:
        render._encode = encode
    if built.synthesized or sum(map(len, blocks)) != built.timeline.length:
        sys.exit("the floor could not gather the build's own track")
    return blocks


def run_child(kind: str, job: dict, cache: Path) -> dict:
    env = dict(os.environ, VOICEGUIDE_CACHE_DIR=str(cache))
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps(job)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(minutes: float, folder: Path) -> dict:
    """A person's edit: save the routine file, change one hold in it, build again."""
    from voiceguide import pipeline, routine_file

    text_src = folder / "routine.txt"
    src, edited = folder / "routine.yaml", folder / "routine-edited.yaml"
    planned = sized_routine(minutes, text_src)
    routine_file.save(pipeline.load_routine(text_src), src)
    saved = src.read_text(encoding="utf-8")
    assert "seconds: 60.0" in saved
    edited.write_text(saved.replace("seconds: 60.0", "seconds: 61.0", 1), encoding="utf-8")
    # This machine's speed wanders by a quarter over minutes. Each time shown is the best of
    # REPEATS rounds; each ratio compares a build with the floor measured beside it in the same
    # round, and the median round's ratio is shown.
    colds, warms, floors = [], [], []
    for number in range(REPEATS):
        cache = folder / f"cache-{number}"
        colds.append(run_child("build", {"src": str(src), "out": str(folder / "cold.mp3")}, cache))
        warms.append(run_child("build", {"src": str(edited), "out": str(folder / "warm.mp3")}, cache))
        floors.append(run_child("floor", {"src": str(src)}, cache))
    cold = min(colds, key=lambda r: r["seconds"])
    warm = min(warms, key=lambda r: r["seconds"])
    floor = {key: min(f[key] for f in floors) for key in ("synth_s", "encode_s", "synth_cpu", "encode_cpu")}
    floor["phrases"] = floors[0]["phrases"]
    cold["rss_mb"] = max(r["rss_mb"] for r in colds)
    warm["synthesized"] = max(r["synthesized"] for r in warms)
    rounds = list(zip(colds, warms, floors, strict=True))
    ratios = {
        "cold": median(c["seconds"] / (f["synth_s"] + f["encode_s"]) for c, _, f in rounds),
        "warm": median(w["seconds"] / f["encode_s"] for _, w, f in rounds),
        "cold_cpu": median(c["cpu"] / (f["synth_cpu"] + f["encode_cpu"]) for c, _, f in rounds),
        "warm_cpu": median(w["cpu"] / f["encode_cpu"] for _, w, f in rounds),
    }
    return {"planned_min": planned, "cold": cold, "warm": warm, "floor": floor, "ratios": ratios}


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
    parser.add_argument("--quick", action="store_true", help="only the 5-minute routine")
    parser.add_argument("--sizes", default="5,30,120", help="audio minutes, comma-separated (default 5,30,120)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"runs of each measurement (default {REPEATS})")
    args = parser.parse_args()
    REPEATS = args.repeats
    sizes = [5.0] if args.quick else [float(x) for x in args.sizes.split(",")]

    rows = []
    with tempfile.TemporaryDirectory(prefix="voiceguide-bench-") as tmp:
        for minutes in sizes:
            folder = Path(tmp) / f"{minutes:g}min"
            folder.mkdir()
            rows.append(bench(minutes, folder))
            print(f"… {minutes:g} min done", file=sys.stderr)
    head = (
        "audio min",
        "phrases",
        "cold s",
        "×RT",
        "peak RSS MB",
        "warm s",
        "synth warm",
        "floor synth s",
        "floor enc s",
        "floor s",
        "cold/floor",
        "warm/enc-floor",
        "cpu: cold/floor",
        "warm/enc-floor",
    )
    print(" | ".join(head))
    for r in rows:
        cold, warm, floor, ratios = r["cold"], r["warm"], r["floor"], r["ratios"]
        total = floor["synth_s"] + floor["encode_s"]
        cells = (
            f"{cold['audio_s'] / 60:.1f}",
            floor["phrases"],
            f"{cold['seconds']:.1f}",
            f"{cold['audio_s'] / cold['seconds']:.0f}",
            f"{cold['rss_mb']:.0f}",
            f"{warm['seconds']:.1f}",
            warm["synthesized"],
            f"{floor['synth_s']:.1f}",
            f"{floor['encode_s']:.1f}",
            f"{total:.1f}",
            f"{ratios['cold']:.2f}",
            f"{ratios['warm']:.2f}",
            f"{ratios['cold_cpu']:.2f}",
            f"{ratios['warm_cpu']:.2f}",
        )
        print(" | ".join(str(c).rjust(len(h)) for c, h in zip(cells, head, strict=True)))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    if len(rows) > 1:
        lo, hi = rows[0], rows[-1]
        print(
            f"peak RSS: {lo['cold']['rss_mb']:.0f} MB at {lo['cold']['audio_s'] / 60:.0f} min, "
            f"{hi['cold']['rss_mb']:.0f} MB at {hi['cold']['audio_s'] / 60:.0f} min, "
            f"difference {hi['cold']['rss_mb'] - lo['cold']['rss_mb']:+.0f} MB"
        )
    print(f"`python -m voiceguide --help`: {help_seconds():.2f} s (best of 3)")
    print("times are wall seconds around the build call inside a fresh process (interpreter start-up excluded),")
    print(f"each the best of {REPEATS} rounds; a ratio is the median over the rounds of a build against the floor")
    print("measured in the same round; the cpu ratios use CPU seconds, which a busy machine disturbs less")


if __name__ == "__main__":
    main()
