"""How well the parser reads the corpus: stated durations, repeats, side switches and breathing.

Compares `voiceguide`'s parse of each tests/data/routines/NAME.txt with NAME.expect.yaml, the
expectations a person wrote down by reading the text. Prints a line per miss and a summary.

    python scripts/parse_report.py [NAME ...]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path

import yaml

from voiceguide.model import Routine, Step
from voiceguide.parse import clean_inline, parse_text

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "routines"
ASPECTS = ("durations", "repeats", "sides", "breath")


@dataclass(frozen=True)
class Miss:
    routine: str
    aspect: str
    line: int
    phrase: str
    expected: object
    found: object


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", clean_inline(text)).lower()


def _holder(routine: Routine, phrase: str, line: int) -> Step | None:
    """The step (not a copy) whose text holds the phrase, nearest at or before its line."""
    wanted = _norm(phrase)
    candidates = [s for s in routine.steps if s.copy_of is None and wanted in _norm(s.text)]
    before = [s for s in candidates if s.source_line <= line]
    if before:
        return max(before, key=lambda s: s.source_line)
    return candidates[0] if candidates else None


def _followed_by_copy(routine: Routine, step: Step) -> bool:
    return any(s.copy_of == step.index for s in routine.steps)


def check(name: str) -> tuple[int, list[Miss]]:
    text = (CORPUS / f"{name}.txt").read_text(encoding="utf-8")
    expected = yaml.safe_load((CORPUS / f"{name}.expect.yaml").read_text(encoding="utf-8")) or {}
    routine = parse_text(text, f"{name}.txt")
    misses: list[Miss] = []
    total = 0
    for aspect in ASPECTS:
        for item in expected.get(aspect) or []:
            total += 1
            step = _holder(routine, item["phrase"], item["line"])
            found: object = None
            if aspect == "durations":
                want: object = float(item["seconds"])
                found = step.seconds if step and step.seconds_from in ("text", "rule") else None
                if step and step.release == want:
                    found = want  # the rest between repetitions: "press 30 s, release 5 s"
                if step and step.kind == "breath" and step.breath and found is not None:
                    found = want if want in (step.seconds, sum(step.breath)) else found
            elif aspect == "repeats":
                want = int(item["count"])
                found = step.repeat if step else None
                if step and step.kind == "repeat":
                    found = _performances(routine, step)
            elif aspect == "sides":
                # "mirror" and "each" both mean the steps are done again on the other side;
                # a mirror is also a switch: the listener hears the change of side either way.
                want = "both sides" if item["kind"] in ("mirror", "each") else "switch"
                if step and step.kind == "switch":
                    mirrored = _followed_by_copy_after(routine, step)
                    found = "both sides" if mirrored and want != "switch" else "switch"
                elif step and _followed_by_copy(routine, step):
                    found = "both sides"
            else:
                pattern = item["pattern"]
                want = tuple(float(x) for x in pattern) if pattern else "any"
                if step and step.breath:
                    found = step.breath if step.breath_from == "text" else "any"
                    if want == "any":
                        found = "any"
                elif step and step.kind == "breath" and want == "any":
                    found = "any"  # "breathe normally for a minute": breathing, left to itself, unprompted
            if found != want:
                misses.append(Miss(name, aspect, item["line"], item["phrase"], want, found))
    return total, misses


def _performances(routine: Routine, repeat: Step) -> int:
    """How often the steps a "repeat" step copies are done: the copies of earlier steps right after it."""
    run = list(takewhile(lambda s: s.copy_of is not None and s.copy_of < repeat.index, routine.steps[repeat.index :]))
    return 1 + len(run) // max(1, len({s.copy_of for s in run}))


def _followed_by_copy_after(routine: Routine, switch: Step) -> bool:
    following = [s for s in routine.steps if s.index > switch.index]
    return bool(following) and following[0].copy_of is not None


def names() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.txt") if (CORPUS / f"{p.stem}.expect.yaml").exists())


def main(argv: list[str]) -> int:
    selected = argv or names()
    grand_total, grand_misses = 0, 0
    by_aspect = {aspect: [0, 0] for aspect in ASPECTS}
    for name in selected:
        total, misses = check(name)
        grand_total += total
        grand_misses += len(misses)
        for miss in misses:
            print(
                f"{miss.routine}:{miss.line}: {miss.aspect} {miss.phrase!r}: want {miss.expected}, found {miss.found}"
            )
            by_aspect[miss.aspect][1] += 1
        expected = yaml.safe_load((CORPUS / f"{name}.expect.yaml").read_text(encoding="utf-8")) or {}
        for aspect in ASPECTS:
            by_aspect[aspect][0] += len(expected.get(aspect) or [])
    print()
    for aspect, (total, missed) in by_aspect.items():
        print(f"{aspect:<10} {total - missed:>4}/{total:<4} correct")
    print(f"{'all':<10} {grand_total - grand_misses:>4}/{grand_total:<4} correct over {len(selected)} routines")
    return 0 if grand_misses == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
