"""The `voiceguide` command: parses options, calls one pipeline function, reports the result.

Results go to stdout, progress and errors to stderr. The project's own errors become a
one-line message and an exit code (2 for usage, 1 for the rest); --debug shows tracebacks.
"""

from __future__ import annotations

import json
import math
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from voiceguide.errors import UsageError, VoiceguideError
from voiceguide.model import BREATH_CUES, CHIMES, Options

if TYPE_CHECKING:
    from voiceguide import pipeline

# Commands import the pipeline when they run, so that `voiceguide --help` starts fast.

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,  # plain help: Rich's Markdown renderer alone costs 0.15 s of start-up
    no_args_is_help=True,
    help="Turn a self-massage, acupressure or breathing routine written as text into a "
    "voice-guided MP3: every step spoken, every hold exactly timed, breath prompts, chimes.",
)
cache_app = typer.Typer(help="Look at or empty the cache of spoken phrases.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

T = TypeVar("T")
DEFAULTS = Options()

Source = Annotated[
    Path | None,
    typer.Argument(
        help="Routine text (.txt, .md) or routine file (.yaml). Omit for the built-in routine.", show_default=False
    ),
]
Voice = Annotated[
    str, typer.Option(help="eSpeak NG voice and variant, or piper:PATH.onnx; `voiceguide voices` lists them.")
]
Rate = Annotated[int, typer.Option(help="Speaking rate in words per minute.", min=60, max=300)]
Hold = Annotated[float | None, typer.Option(help="Make every hold this many seconds.", show_default=False)]
SetHold = Annotated[
    list[str] | None,
    typer.Option("--set", help="STEP=SECONDS: one step's hold (repeat the option for more).", show_default=False),
]
Scale = Annotated[float, typer.Option(help="Multiply every duration, e.g. 0.5 for a quick run.")]
Breath = Annotated[str, typer.Option(help="Breath pace in seconds: IN:OUT, or IN:HOLD:OUT[:HOLD].")]
NoBreath = Annotated[bool, typer.Option("--no-breath", help="No breath prompts inside holds.")]
NoIntro = Annotated[bool, typer.Option("--no-intro", help="Leave out the explanatory text; speak only steps.")]
LeadIn = Annotated[float, typer.Option(help="Seconds of silence before the first word.")]
Prep = Annotated[float, typer.Option(help="Seconds to get into place between an instruction and its hold.")]
MaxHold = Annotated[float, typer.Option(help="Refuse any hold longer than this many seconds.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]
BreathCue = Annotated[str, typer.Option(help="How breath phases are cued: voice, tone, both or none.")]
Halfway = Annotated[
    bool | None,
    typer.Option(
        "--halfway/--no-halfway",
        help="Say 'Halfway' in holds of 20 s or more (default: only in holds of a minute or more).",
        show_default=False,
    ),
]
Countdown = Annotated[
    bool | None,
    typer.Option(
        "--countdown/--no-countdown",
        help="Say 'Ten seconds left' in holds of 20 s or more (default: only from 45 s).",
        show_default=False,
    ),
]
ChimeStyle = Annotated[
    str, typer.Option("--chime", help="The bell that ends a hold: soft, bowl or none (a spoken 'Release').")
]
ChimeFile = Annotated[
    str | None, typer.Option(help="A sound file to use as the bell that ends a hold.", show_default=False)
]
Only = Annotated[
    int | None, typer.Option(help="Render only this step (numbers as `voiceguide plan` shows).", show_default=False)
]
Preview = Annotated[bool, typer.Option("--preview", help="Render only the first minute, for a quick listen.")]


def _options(given: dict[str, Any]) -> Options:
    """Options from a command's parameters (named as the fields of Options), checked."""
    values = {name: given[name] for name in OPTION_FIELDS if name in given}
    if values.get("hold") is not None and not _positive(values["hold"]):
        raise UsageError(f"--hold must be a positive number of seconds, got {values['hold']:g}")
    if not _positive(values.get("scale", 1.0)):
        raise UsageError(f"--scale must be positive, got {values['scale']:g}")
    if not _positive(values.get("max_hold", 1.0)):
        raise UsageError(f"--max-hold must be a positive number of seconds, got {values['max_hold']:g}")
    for name in ("lead_in", "prep"):
        if name in values and not (_positive(values[name]) or values[name] == 0):
            raise UsageError(f"--{name.replace('_', '-')} must be 0 or more seconds, got {values[name]:g}")
    for name, allowed in (("breath_cue", BREATH_CUES), ("chime", CHIMES)):
        if name in values and values[name] not in allowed:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} must be one of {', '.join(allowed)}, got {values[name]!r}")
    for name in ("chime_file", "ambience"):
        path = values.get(name)
        if path and not (name == "ambience" and path in ("brown", "pink")) and not Path(path).is_file():
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} {path}: no such file" + ("; or say brown or pink" if name == "ambience" else ""))
    values["breath"] = parse_breath(values.get("breath", "4:6"))
    values["set_holds"] = tuple(_parse_set(item) for item in values.get("set_holds") or ())
    return Options(**values)


OPTION_FIELDS = tuple(Options.__dataclass_fields__)


def parse_breath(text: str) -> tuple[float, ...]:
    parts = text.replace("-", ":").split(":")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) not in (2, 3, 4) or not all(_positive(v) for v in values):
        raise UsageError(f"--breath takes 2 to 4 positive seconds like 4:6 or 4:7:8, got {text!r}")
    return values


def _parse_set(item: str) -> tuple[int, float]:
    step, _, seconds = item.partition("=")
    try:
        index, value = int(step), float(seconds)
    except ValueError:
        raise UsageError(f"--set takes STEP=SECONDS like 5=45, got {item!r}") from None
    if not _positive(value):
        raise UsageError(f"--set {item}: seconds must be positive")
    return index, value


def _positive(value: float) -> bool:
    """A usable number of seconds or a factor: above zero and finite (not nan, not inf)."""
    return math.isfinite(value) and value > 0


@contextmanager
def _reported(debug: bool) -> Iterator[None]:
    # A SIGTERM (a closed terminal, a killed job) unwinds like Ctrl-C, so temporary files go.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    warnings.showwarning = _show_warning
    try:
        yield
    except VoiceguideError as error:
        if debug:
            raise
        typer.echo(f"voiceguide: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("voiceguide: interrupted; nothing was written", err=True)
        raise typer.Exit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    typer.echo(f"voiceguide: warning: {message}", err=True)


def _run(debug: bool, work: Callable[[], T]) -> T:
    with _reported(debug):
        return work()
    raise AssertionError("unreachable")  # pragma: no cover


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@app.command()
def build(
    source: Source = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Where to write the MP3 (default: output/<name>.mp3).", show_default=False),
    ] = None,
    voice: Voice = DEFAULTS.voice,
    rate: Rate = DEFAULTS.rate,
    hold: Hold = None,
    set_holds: SetHold = None,
    scale: Scale = 1.0,
    breath: Breath = "4:6",
    no_breath: NoBreath = False,
    breath_cue: BreathCue = DEFAULTS.breath_cue,
    halfway: Halfway = None,
    countdown: Countdown = None,
    chime: ChimeStyle = DEFAULTS.chime,
    chime_file: ChimeFile = None,
    no_intro: NoIntro = False,
    lead_in: LeadIn = DEFAULTS.lead_in,
    prep: Prep = DEFAULTS.prep,
    max_hold: MaxHold = DEFAULTS.max_hold,
    only: Only = None,
    preview: Preview = False,
    ambience: Annotated[
        str | None,
        typer.Option(help="Sound under the voice: brown or pink noise, or a sound file looped.", show_default=False),
    ] = None,
    pan_sides: Annotated[
        bool, typer.Option("--pan-sides", help="Stereo: voice and bells lean toward the side being worked.")
    ] = False,
    bitrate: Annotated[
        int, typer.Option(help="MP3 bitrate in kbps: 56, 64, 80, 96, 112, 128, 144 or 160.")
    ] = DEFAULTS.bitrate,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Synthesize every phrase afresh.")] = False,
    debug: Debug = False,
) -> None:
    """Render a routine to a voice-guided MP3, with a cue sheet (.json) and transcripts (.vtt, .lrc).

    Examples:  voiceguide build  ·  voiceguide build my_routine.txt --hold 45  ·
    voiceguide build routine.yaml -o ~/Music/feet.mp3  ·  voiceguide build my_routine.txt --preview
    """
    given = dict(locals())

    def work() -> pipeline.BuildResult:
        from voiceguide import pipeline

        options = _options(given)
        with _progress() as progress:
            return pipeline.build(source, options, output, use_cache=not no_cache, progress=progress)

    result = _run(debug, work)
    seconds = result.timeline.length / result.timeline.sample_rate
    count = len(result.routine.instructions)
    typer.echo(f"Wrote {result.mp3} ({_clock(seconds)}, {count} steps, {len(result.timeline.holds)} holds)")


@contextmanager
def _progress() -> Iterator[pipeline.Progress | None]:
    """A progress bar on stderr while a build runs, when stderr is a terminal; shown from the
    first stage on, so a build that stops at once prints only its message."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    from voiceguide import pipeline

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    task: list[Any] = []

    def start(label: str, total: int) -> None:
        if not task:
            bar.start()
        else:
            bar.remove_task(task.pop())
        task.append(bar.add_task(label, total=total))

    def advance(amount: int) -> None:
        bar.advance(task[0], amount)

    try:
        yield pipeline.Progress(start, advance)
    finally:
        bar.stop()


@app.command()
def plan(
    source: Source = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    save: Annotated[
        Path | None, typer.Option(help="Write the editable routine file (.yaml) here.", show_default=False)
    ] = None,
    voice: Voice = DEFAULTS.voice,
    rate: Rate = DEFAULTS.rate,
    hold: Hold = None,
    set_holds: SetHold = None,
    scale: Scale = 1.0,
    breath: Breath = "4:6",
    no_breath: NoBreath = False,
    breath_cue: BreathCue = DEFAULTS.breath_cue,
    halfway: Halfway = None,
    countdown: Countdown = None,
    chime: ChimeStyle = DEFAULTS.chime,
    chime_file: ChimeFile = None,
    no_intro: NoIntro = False,
    lead_in: LeadIn = DEFAULTS.lead_in,
    prep: Prep = DEFAULTS.prep,
    max_hold: MaxHold = DEFAULTS.max_hold,
    only: Only = None,
    preview: Preview = False,
    debug: Debug = False,
) -> None:
    """Show how a routine was understood, step by step, without making audio.

    Check the holds, then change them with --hold/--set, or save the routine file, edit it and
    build that.  Examples:  voiceguide plan my_routine.txt  ·  voiceguide plan --save feet.yaml
    """
    given = dict(locals())
    from voiceguide import pipeline, sidecars

    def work() -> tuple[Any, Any]:
        options = _options(given)
        routine, timeline = pipeline.plan(source, options)
        if save is not None:
            pipeline.save(source, options, save)
        return routine, timeline

    routine, timeline = _run(debug, work)
    if as_json:
        typer.echo(json.dumps(sidecars.plan_json(routine, timeline), indent=1, ensure_ascii=False))
        return
    seconds = timeline.length / timeline.sample_rate
    typer.echo(f"{routine.title} — about {_clock(seconds)}, {len(routine.instructions)} steps")
    section = None
    for step in routine.steps:
        if step.section != section:
            section = step.section
            typer.echo(f"\n  {section}" if section else "")
        time = f"{step.seconds:g} s" if step.is_instruction else ""
        repeat = f"×{step.repeat}" if step.repeat > 1 else ""
        side = step.side or ""
        text = step.announce if step.kind in ("switch", "repeat") and step.announce else step.text
        text = text if len(text) <= 70 else text[:69] + "…"
        typer.echo(f"{step.index:>4}  {step.kind:<8} {time:>7} {repeat:<3} {side:<5}  {text}")
    if save is not None:
        typer.echo(f"\nSaved the routine file to {save}")


@app.command()
def voices(debug: Debug = False) -> None:
    """List the voices of the offline speech engine, by language, and the variants, and say
    where natural (Piper) voices come from.

    Pass one to --voice as ID or ID+VARIANT, e.g.  voiceguide build --voice gmw/en+f3, or a Piper
    voice file as  voiceguide build --voice piper:voices/en_US-lessac-medium.onnx
    """
    from voiceguide import speech

    found, variants = _run(debug, lambda: (speech.voices(), speech.variants()))
    for voice in found:
        typer.echo(f"{voice.language:<12} {voice.id:<28} {voice.name}")
    if variants:
        typer.echo("\nVariants (add as +NAME): " + ", ".join(variants))
    from voiceguide import neural

    typer.echo("\n" + neural.where_voices_are())


@cache_app.command("info")
def cache_info() -> None:
    """Show where spoken phrases are cached and how much space they take."""
    from voiceguide import cache

    folder = cache.folder()
    files = cache.entries(folder)
    phrases = sum(1 for f in files if f.suffix == ".wav")
    size = sum(f.stat().st_size for f in files)
    typer.echo(f"{folder}: {phrases} phrases, {size / 1e6:.1f} MB with their loudness analyses")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached phrase and analysis; the next build speaks them afresh."""
    from voiceguide import cache

    folder = cache.folder()
    removed = 0
    for entry in cache.entries(folder):
        entry.unlink(missing_ok=True)
        removed += entry.suffix == ".wav"
    typer.echo(f"Removed {removed} cached phrases from {folder}")
