"""The data that flows between the stages: Routine → Timeline, and the Options that shape both.

Every class here is frozen. Times inside a Timeline are integer samples at its sample rate;
seconds appear only in what a person reads or writes (a Step's hold, JSON, YAML).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

EventKind = Literal["speech", "breath", "chime", "silence"]

# What a step asks the listener to do. Instruction kinds get time to do it; intro and note
# are narrative, spoken where they sit.
STEP_KINDS = (
    "intro",
    "note",
    "position",
    "press",
    "massage",
    "hold",
    "breath",
    "rest",
    "switch",
    "repeat",
)
# Kinds that get no time of their own: narrative, and directives (a side switch, a repeat of
# earlier steps) that are announced and then expanded into the steps they name.
NARRATIVE_KINDS = frozenset({"intro", "note", "switch", "repeat"})
# Kinds whose time is a hold (timed silence, breath prompts, a chime at the end) even when the
# text names no duration. A position or rest step gets a plain pause unless the text times it.
HOLD_KINDS = frozenset({"press", "massage", "hold", "breath"})

BREATH_CUES = ("voice", "tone", "both", "none")
CHIMES = ("soft", "bowl", "none")
SAMPLE_RATE = 22_050  # what pyttsx3's eSpeak driver delivers; the whole track uses it


@dataclass(frozen=True)
class Step:
    """One thing the listener is told, and how long they get to do it."""

    text: str
    kind: str = "position"
    seconds: float = 0.0
    seconds_from: str | None = None  # "text", "rule" (said once for many), "default", "override"; None: narrative
    repeat: int = 1
    release: float = 0.0  # seconds of rest between repetitions ("press 30 s, release 5 s, 3 times")
    side: str | None = None  # "left", "right" or None
    section: str | None = None
    breath: tuple[float, ...] | None = None  # seconds per phase: in, [hold], out, [hold]
    breath_from: str | None = None  # "text" when the routine states the pattern, else "default"
    announce: str | None = None  # spoken before the step, e.g. "Now the left foot."
    source_line: int = 0
    index: int = 0  # 1-based, assigned once the routine is complete
    copy_of: int | None = None  # index of the step this one mirrors or repeats

    @property
    def is_instruction(self) -> bool:
        return self.kind not in NARRATIVE_KINDS

    @property
    def is_hold(self) -> bool:
        """A timed hold ends with a chime; a plain pause (getting into position) does not."""
        if not self.is_instruction or self.seconds <= 0:
            return False
        return self.kind in HOLD_KINDS or self.seconds_from in ("text", "rule", "override") or self.repeat > 1

    @property
    def continuous(self) -> bool:
        """Repetitions that run on without a bell or a count between them: breathing cycles,
        and quick untimed movements ("open and close your hand 10 times")."""
        return self.kind == "breath" or (self.repeat > 3 and self.seconds_from == "default")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["breath"] = list(self.breath) if self.breath else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        values = dict(data)
        if values.get("breath") is not None:
            values["breath"] = tuple(float(x) for x in values["breath"])
        return cls(**values)


@dataclass(frozen=True)
class Guess:
    """Something the parser was unsure of, for the listener to check before a session."""

    line: int  # in the routine's text; 0 when it is not one line's
    text: str
    step: int | None = None  # the step it concerns, when there is one

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "step": self.step, "text": self.text}


@dataclass(frozen=True)
class Routine:
    """A parsed routine: a title and its steps in the order they are spoken."""

    title: str
    steps: tuple[Step, ...]
    source: str = ""
    guesses: tuple[Guess, ...] = ()  # what the reading of the text was unsure of

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "steps": [s.to_dict() for s in self.steps]}

    @property
    def instructions(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.is_instruction)


@dataclass(frozen=True)
class Options:
    """Every setting that shapes a plan or a render, passed down whole."""

    # The clearest calm voice measured by scripts/listen.py (README, "Choosing a voice")
    voice: str = "gmw/en-us"
    rate: int = 135  # words per minute; eSpeak's own default of 175 sounds hurried
    pitch: int = 45  # eSpeak 0-100, default 50: a little lower is calmer
    word_gap: int = 4  # eSpeak's pause between words, in its 10 ms at 175 wpm: about 70 ms here
    hold: float | None = None  # overrides every hold, seconds
    set_holds: tuple[tuple[int, float], ...] = ()  # (step index, seconds) overrides
    set_repeats: tuple[tuple[int, int], ...] = ()  # (step index, times done) overrides
    scale: float = 1.0
    breath: tuple[float, ...] = (4.0, 6.0)
    no_breath: bool = False
    breath_cue: str = "voice"  # how breath phases are cued: voice, tone, both or none
    halfway: bool | None = None  # "Halfway." in a hold; None: automatic, on holds of 60 s or more
    countdown: bool | None = None  # "Ten seconds left."; None: automatic, on holds of 45 s or more
    chime: str = "soft"  # the bell that ends a hold: soft, bowl or none (then a spoken "Release.")
    chime_file: str | None = None  # a sound file to use as the bell that ends a hold
    ambience: str | None = None  # brown, pink, or a sound file looped under the voice
    pan_sides: bool = False  # stereo: the voice leans toward the side being worked
    preview: bool = False  # only the first minute
    only: int | None = None  # only this step
    no_intro: bool = False
    lead_in: float = 1.5
    prep: float = 2.0  # seconds between an instruction and the start of its hold
    rest: float = 1.5  # seconds after a step before the next one is spoken
    bitrate: int = 64  # kbps
    max_hold: float = 30 * 60.0
    max_total: float = 12 * 3600.0  # a longer routine is refused as a likely mistake
    sample_rate: int = SAMPLE_RATE

    def with_changes(self, **changes: Any) -> Options:
        return replace(self, **changes)

    def describe(self) -> str:
        """The settings a listener might want to know, for the MP3's comment tag."""
        breath = "off" if self.no_breath else ":".join(f"{x:g}" for x in self.breath)
        return (
            f"voice={self.voice} rate={self.rate} breath={breath} cue={self.breath_cue} "
            f"chime={self.chime_file or self.chime} prep={self.prep:g}s"
        )


@dataclass(frozen=True)
class Event:
    """A stretch of the track: a spoken clip, a breath prompt, a chime or silence."""

    start: int  # samples
    end: int  # samples, exclusive
    kind: EventKind
    text: str = ""
    step: int | None = None
    sound: str = ""  # what plays: "voice:<phrase>", "tone:in", "chime:end"; empty for silence

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Hold:
    """The exact span a listener presses or holds, from after the prep pause to the chime."""

    step: int
    start: int
    end: int
    seconds: float


@dataclass(frozen=True)
class Timeline:
    """The whole track: events that tile it from 0 to `length`, and the holds inside it."""

    title: str
    sample_rate: int
    events: tuple[Event, ...]
    holds: tuple[Hold, ...]
    steps: tuple[Step, ...] = field(default=())

    @property
    def length(self) -> int:
        return self.events[-1].end if self.events else 0

    def seconds(self, samples: int) -> float:
        return round(samples / self.sample_rate, 4)
