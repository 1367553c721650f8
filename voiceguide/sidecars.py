"""Timeline → the files that travel with the MP3: cue sheet (JSON), WebVTT and LRC transcripts.

Also the `plan --json` document. Seconds appear here, and only here, as the edge format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from voiceguide.model import Routine, Step, Timeline

TABLE_ENTRIES = 255  # an ID3 table of contents counts its entries in one byte


def step_json(step: Step, with_source: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "index": step.index,
        "text": step.text,
        "kind": step.kind,
        "seconds": step.seconds,
        "seconds_from": step.seconds_from,
        "repeat": step.repeat,
        "release": step.release,
        "side": step.side,
        "section": step.section,
        "breath": list(step.breath) if step.breath else None,
    }
    if step.announce:
        data["announce"] = step.announce
    if step.copy_of is not None:
        data["copy_of"] = step.copy_of
    if with_source:
        data["source_line"] = step.source_line
    return data


def cue_sheet(timeline: Timeline) -> dict[str, Any]:
    sec = timeline.seconds
    return {
        "title": timeline.title,
        "duration": sec(timeline.length),
        "sample_rate": timeline.sample_rate,
        "events": [
            {"start": sec(e.start), "end": sec(e.end), "kind": e.kind, "text": e.text, "step": e.step}
            for e in timeline.events
        ],
        "holds": [
            {"step": h.step, "start": sec(h.start), "end": sec(h.end), "seconds": h.seconds} for h in timeline.holds
        ],
        "steps": [step_json(s, with_source=True) for s in timeline.steps],
    }


def plan_json(routine: Routine, timeline: Timeline) -> dict[str, Any]:
    return {
        "title": routine.title,
        "steps": [step_json(s, with_source=True) for s in routine.steps],
        "duration_estimate": timeline.seconds(timeline.length),
        "warnings": [guess.to_dict() for guess in routine.guesses],
    }


def _spoken(timeline: Timeline) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.text) for e in timeline.events if e.kind in ("speech", "breath")]


def _vtt_time(samples: int, rate: int) -> str:
    ms = round(samples * 1000 / rate)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def webvtt(timeline: Timeline) -> str:
    lines = ["WEBVTT", ""]
    rate = timeline.sample_rate
    for number, (start, end, text) in enumerate(_spoken(timeline), 1):
        lines += [str(number), f"{_vtt_time(start, rate)} --> {_vtt_time(end, rate)}", text, ""]
    return "\n".join(lines)


def lrc(timeline: Timeline) -> str:
    lines = [f"[ti:{timeline.title}]"]
    for start, _, text in _spoken(timeline):
        centis = round(start * 100 / timeline.sample_rate)
        minutes, rest = divmod(centis, 6000)
        lines.append(f"[{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}]{text}")
    return "\n".join(lines) + "\n"


def chapters(timeline: Timeline) -> list[tuple[int, int, str]]:
    """One chapter per step that has its own audio: (start, end, short title) in samples.

    A chapter runs from its step's first event to the next chapter's start, so chapters
    tile the track from the first step on (the title and lead-in belong to the first).
    """
    firsts: dict[int, int] = {}
    for event in timeline.events:
        if event.step is not None and event.step not in firsts:
            firsts[event.step] = event.start
    steps = {s.index: s for s in timeline.steps}
    starts = sorted((start, index) for index, start in firsts.items())
    result = []
    for position, (start, index) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else timeline.length
        begin = 0 if position == 0 else start
        result.append((begin, end, short_title(steps[index])))
    return result


@dataclass(frozen=True)
class Contents:
    """A table of contents: its element id, its title, and the chapters or tables it lists."""

    element: str
    title: str
    children: tuple[str, ...]
    top: bool = False


def tables_of_contents(timeline: Timeline, chapter_ids: Sequence[str]) -> list[Contents]:
    """Tables of contents for the chapters (one id per chapter, in time order): the top level
    lists one table per section, each listing its chapters. A table never lists more than
    TABLE_ENTRIES: a longer list is split into parts, each a table of its own."""
    firsts: dict[int, int] = {}
    for event in timeline.events:
        if event.step is not None and event.step not in firsts:
            firsts[event.step] = event.start
    sections = {s.index: s.section for s in timeline.steps}
    groups: list[tuple[str, list[str]]] = []
    previous: object = object()
    for (_, index), element in zip(sorted((start, index) for index, start in firsts.items()), chapter_ids, strict=True):
        section = sections.get(index)
        if section != previous or not groups:
            groups.append((section or timeline.title, []))
            previous = section
        groups[-1][1].append(element)
    tables: list[Contents] = []
    if len(groups) == 1:
        children = groups[0][1]
    else:
        children = [_table(f"toc{n}", title, members, tables) for n, (title, members) in enumerate(groups, 1)]
    top = _split("toc", timeline.title, children, tables)
    return [Contents("toc", timeline.title, tuple(top), top=True), *tables]


def _table(element: str, title: str, children: list[str], tables: list[Contents]) -> str:
    """Add a table listing `children` (split if need be); return its element id."""
    tables.append(Contents(element, title, tuple(_split(element, title, children, tables))))
    return element


def _split(element: str, title: str, children: list[str], tables: list[Contents]) -> list[str]:
    """`children` as at most TABLE_ENTRIES entries: in parts, each a table, as often as needed."""
    level = 0
    while len(children) > TABLE_ENTRIES:
        level += 1
        parts = [children[at : at + TABLE_ENTRIES] for at in range(0, len(children), TABLE_ENTRIES)]
        children = [
            _table(f"{element}.{level}.{n}", f"{title} ({n}/{len(parts)})", part, tables)
            for n, part in enumerate(parts, 1)
        ]
    return children


def short_title(step: Step) -> str:
    text = step.announce if step.kind in ("switch", "repeat") and step.announce else step.text
    words = text.split()
    title = " ".join(words[:7]) + ("…" if len(words) > 7 else "")
    return f"{step.index}. {title}"
