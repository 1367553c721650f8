"""The `voiceguide` command: parses options, calls one pipeline function, reports the result.

Results go to stdout, progress and errors to stderr. The project's own errors become a
one-line message and an exit code (2 for usage, 1 for the rest); --debug shows tracebacks.
"""

from __future__ import annotations

import json
import signal
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from voiceguide.errors import VoiceguideError
from voiceguide.model import Options
from voiceguide.options import from_given as _options

if TYPE_CHECKING:
    from voiceguide import pipeline

# Commands import the pipeline when they run, so that `voiceguide --help` starts fast.


class OneLineErrors(TyperGroup):
    """Click reports a bad option in three lines (usage, a hint, the error); this says it in the
    project's one line, `voiceguide: --rate must be …`, with exit code 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except Exception as error:
            # Click's usage errors (whichever copy of Click typer brings) carry these three.
            if not all(hasattr(error, name) for name in ("format_message", "exit_code", "ctx")):
                raise
            if type(error).__name__ == "NoArgsIsHelpError":
                error.show()  # type: ignore[attr-defined]
            else:
                typer.echo(f"voiceguide: {_usage_message(error)}", err=True)
            sys.exit(error.exit_code)  # type: ignore[attr-defined]
        sys.exit(result if isinstance(result, int) else 0)


def _usage_message(error: Any) -> str:
    message = str(getattr(error, "message", "") or error.format_message()).strip().rstrip(".")
    param = getattr(error, "param", None)
    if param is not None and getattr(param, "opts", None):
        flag = max(param.opts, key=len)
        return f"{flag} {message}" if message.startswith("must ") else f"{flag}: {message[:1].lower()}{message[1:]}"
    command = error.ctx.command_path.split()[1:] if error.ctx is not None else []
    return f"{message[:1].lower()}{message[1:]}; see `{' '.join(['voiceguide', *command])} --help`"


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise typer.BadParameter(f"must be a number, got {text!r}") from None


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise typer.BadParameter(f"must be a whole number, got {text!r}") from None


def _rate(text: str) -> int:
    rate = _whole(text)
    if not 60 <= rate <= 300:
        raise typer.BadParameter(f"must be from 60 to 300 words a minute, got {rate}")
    return rate


app = typer.Typer(
    cls=OneLineErrors,
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
        help="Routine text (.txt, .md) or routine file (.yaml); - reads the text from standard input. "
        "Omit for the built-in routine.",
        show_default=False,
    ),
]
Voice = Annotated[
    str,
    typer.Option(
        metavar="ID[+VARIANT]", help="eSpeak NG voice and variant, or piper:PATH.onnx; `voiceguide voices` lists them."
    ),
]
Rate = Annotated[int, typer.Option(parser=_rate, metavar="WPM", help="Speaking rate in words per minute, 60 to 300.")]
Hold = Annotated[
    float | None,
    typer.Option(parser=_number, metavar="SECONDS", help="Make every hold this many seconds.", show_default=False),
]
SetHold = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="STEP=SECONDS",
        help="One step's hold, e.g. --set 11=90 (repeat the option for more).",
        show_default=False,
    ),
]
SetRepeat = Annotated[
    list[str] | None,
    typer.Option(
        "--repeat",
        metavar="STEP=COUNT",
        help="How many times one step is done, e.g. --repeat 11=3 (repeat the option for more).",
        show_default=False,
    ),
]
Scale = Annotated[
    float, typer.Option(parser=_number, metavar="FACTOR", help="Multiply every duration, e.g. 0.5 for a quick run.")
]
Breath = Annotated[str, typer.Option(metavar="IN:OUT", help="Breath pace in seconds: IN:OUT, or IN:HOLD:OUT[:HOLD].")]
NoBreath = Annotated[bool, typer.Option("--no-breath", help="No breath prompts inside holds.")]
NoIntro = Annotated[bool, typer.Option("--no-intro", help="Leave out the explanatory text; speak only steps.")]
LeadIn = Annotated[
    float, typer.Option(parser=_number, metavar="SECONDS", help="Seconds of silence before the first word.")
]
Prep = Annotated[
    float,
    typer.Option(
        parser=_number, metavar="SECONDS", help="Seconds to get into place between an instruction and its hold."
    ),
]
MaxHold = Annotated[
    float, typer.Option(parser=_number, metavar="SECONDS", help="Refuse any hold longer than this many seconds.")
]
MaxTotal = Annotated[
    float,
    typer.Option(parser=_number, metavar="SECONDS", help="Refuse a routine longer than this many seconds (12 hours)."),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]
BreathCue = Annotated[str, typer.Option(metavar="HOW", help="How breath phases are cued: voice, tone, both or none.")]
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
    str,
    typer.Option("--chime", metavar="BELL", help="The bell that ends a hold: soft, bowl or none (a spoken 'Release')."),
]
ChimeFile = Annotated[
    str | None,
    typer.Option(metavar="FILE", help="A sound file to use as the bell that ends a hold.", show_default=False),
]
Only = Annotated[
    int | None,
    typer.Option(
        parser=_whole,
        metavar="STEP",
        help="Render only this step (numbers as `voiceguide plan` shows).",
        show_default=False,
    ),
]
Preview = Annotated[bool, typer.Option("--preview", help="Render only the first minute, for a quick listen.")]


@contextmanager
def _reported(debug: bool) -> Iterator[None]:
    # A SIGTERM (a closed terminal, a killed job) unwinds like Ctrl-C, so temporary files go.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    warnings.showwarning = _show_warning
    if debug:
        _show_debug_log()
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


def _show_debug_log() -> None:
    """With --debug, the library's own notes (such as why the MP3 was encoded whole) on stderr."""
    import logging

    class Echo(logging.Handler):  # to whatever stderr is now, as the messages are
        def emit(self, record: logging.LogRecord) -> None:
            typer.echo(f"voiceguide: debug: {record.getMessage()}", err=True)

    logger = logging.getLogger("voiceguide")
    if not any(type(handler).__name__ == "Echo" for handler in logger.handlers):
        logger.addHandler(Echo())
    logger.setLevel(logging.DEBUG)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    typer.echo(f"voiceguide: warning: {message}", err=True)


def _run(debug: bool, work: Callable[[], T]) -> T:
    with _reported(debug):
        return work()
    raise AssertionError("unreachable")  # pragma: no cover


def _clock(seconds: float) -> str:
    """m:ss, or h:mm:ss from an hour on."""
    hours, rest = divmod(round(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@app.command()
def build(
    source: Source = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE.mp3",
            help="Where to write the MP3 (default: output/<name>.mp3).",
            show_default=False,
        ),
    ] = None,
    voice: Voice = DEFAULTS.voice,
    rate: Rate = DEFAULTS.rate,
    hold: Hold = None,
    set_holds: SetHold = None,
    set_repeats: SetRepeat = None,
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
    max_total: MaxTotal = DEFAULTS.max_total,
    only: Only = None,
    preview: Preview = False,
    ambience: Annotated[
        str | None,
        typer.Option(
            metavar="SOUND",
            help="Sound under the voice: brown or pink noise, or a sound file looped.",
            show_default=False,
        ),
    ] = None,
    pan_sides: Annotated[
        bool, typer.Option("--pan-sides", help="Stereo: voice and bells lean toward the side being worked.")
    ] = False,
    bitrate: Annotated[
        int,
        typer.Option(parser=_whole, metavar="KBPS", help="MP3 bitrate in kbps: 56, 64, 80, 96, 112, 128, 144 or 160."),
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
    timeline = result.timeline
    steps = _count(len(result.heard), "step")
    holds = _count(len(timeline.holds), "hold")
    typer.echo(f"Wrote {result.mp3} ({_clock(timeline.length / timeline.sample_rate)}, {steps}, {holds})")


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
        Path | None,
        typer.Option(metavar="FILE.yaml", help="Write the editable routine file (.yaml) here.", show_default=False),
    ] = None,
    voice: Voice = DEFAULTS.voice,
    rate: Rate = DEFAULTS.rate,
    hold: Hold = None,
    set_holds: SetHold = None,
    set_repeats: SetRepeat = None,
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
    max_total: MaxTotal = DEFAULTS.max_total,
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

    def work() -> pipeline.PlanResult:
        with _progress() as progress:
            return pipeline.plan(source, _options(given), save, progress)

    result = _run(debug, work)
    routine, timeline = result.routine, result.timeline
    if as_json:
        typer.echo(json.dumps(sidecars.plan_json(routine, timeline), indent=1, ensure_ascii=False))
        return
    typer.echo(
        f"{routine.title} — {_clock(timeline.length / timeline.sample_rate)}, {_count(len(result.heard), 'step')}"
    )
    section = None
    for step in result.heard:
        if step.section != section:
            section = step.section
            typer.echo(f"\n  {section}" if section else "")
        time = f"{step.seconds:g} s" if step.is_instruction else ""
        repeat = f"×{step.repeat}" if step.repeat > 1 else ""
        side = step.side or ""
        text = step.announce if step.kind in ("switch", "repeat") and step.announce else step.text
        text = text if len(text) <= 70 else text[:69] + "…"
        typer.echo(f"{step.index:>4}  {step.kind:<8} {time:>7} {repeat:<3} {side:<5}  {text}")
    if routine.guesses:
        typer.echo("\nWorth checking before a session:")
        for guess in routine.guesses:
            where = f"step {guess.step}" if guess.step else f"line {guess.line}"
            typer.echo(f"  {where:>8}: {guess.text}")
    if save is not None:
        typer.echo(f"\nSaved the routine file to {save}")


@app.command()
def serve(
    source: Source = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port on 127.0.0.1 (default 8765, or a free one if taken).", min=0, max=65535),
    ] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Only print the page's address.")] = False,
    debug: Debug = False,
) -> None:
    """Open a page in your browser to paste a routine, change its holds, listen and download.

    The page is served on this computer only (127.0.0.1) and works offline; Ctrl-C stops it and
    removes its files.  Examples:  voiceguide serve  ·  voiceguide serve my_routine.txt --port 8800
    """
    from voiceguide.web import server

    _run(debug, lambda: server.serve(source, port, open_browser=not no_browser, announce=typer.echo))
    typer.echo("Stopped; the page's files are removed.")


@app.command()
def voices(debug: Debug = False) -> None:
    """List the voices of the offline speech engine, by language, and the variants, and say
    where natural (Piper) voices come from.

    Pass one to --voice as ID or ID+VARIANT, e.g.  voiceguide build --voice gmw/en+f3, or a Piper
    voice file as  voiceguide build --voice piper:voices/en_US-lessac-medium.onnx
    """
    from voiceguide import speech

    found, variants = _run(debug, lambda: (speech.voices(), speech.variants()))
    rows = [("LANGUAGE", "VOICE", "NAME"), *((v.language, v.id, v.name) for v in found)]
    language, voice = (max(len(row[column]) for row in rows) for column in (0, 1))
    for row in rows:
        typer.echo(f"{row[0]:<{language}}  {row[1]:<{voice}}  {row[2]}".rstrip())
    if variants:
        import textwrap

        typer.echo("\n" + textwrap.fill("Variants (add as +NAME): " + ", ".join(variants), 100, subsequent_indent="  "))
    from voiceguide import neural

    typer.echo("\n" + neural.where_voices_are())


@cache_app.command("info")
def cache_info() -> None:
    """Show where spoken phrases are cached and how much space they take.

    The cache is the folder `voiceguide` inside VOICEGUIDE_CACHE_DIR when that is set, else
    the user cache folder.  Example:  voiceguide cache info
    """
    from voiceguide import cache

    folder = cache.folder()
    phrases, size = cache.usage(folder)
    typer.echo(f"{folder}: {phrases} phrases, {size / 1e6:.1f} MB with their loudness analyses")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached phrase and analysis; the next build speaks them afresh.

    Only the cache's own entries are deleted, and only in a folder voiceguide made (it carries
    a CACHEDIR.TAG).  Example:  voiceguide cache clear
    """
    from voiceguide import cache

    folder = cache.folder()
    removed = _run(False, lambda: cache.clear(folder))
    typer.echo(f"Removed {removed} cached phrases from {folder}")
