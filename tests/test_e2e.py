"""Real voice, real encoder, real decoders: the MP3 plays exactly what the cue sheet says.

Tolerances, in the decoded track: a sound starts within 25 ms of its event's start; a silence
longer than 0.3 s stays below −50 dBFS 50 ms away from its edges; a hold's span equals its
seconds within 5 ms; the decoded length equals the cue sheet's duration within 30 ms.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import miniaudio
import numpy as np
import pytest
import soundfile
from mutagen.id3 import ID3

from voiceguide import pipeline
from voiceguide.model import Options

ONSET_MS = 25
SILENT_DBFS = -50.0
SOUND_DBFS = -40.0


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from tests.conftest import SHORT_ROUTINE

    folder = tmp_path_factory.mktemp("e2e")
    source = folder / "hand_warm_up.txt"
    source.write_text(SHORT_ROUTINE, encoding="utf-8")
    result = pipeline.build(source, Options(), folder / "hand.mp3")
    cue = json.loads((folder / "hand.json").read_text(encoding="utf-8"))
    audio, rate = soundfile.read(str(result.mp3), dtype="float64")
    return {"result": result, "cue": cue, "audio": audio, "rate": rate, "folder": folder}


def _dbfs(samples: np.ndarray) -> float:
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return 20 * np.log10(peak) if peak > 0 else -200.0


def test_decoded_length_matches_the_cue_sheet(built: dict[str, Any]) -> None:
    cue, rate = built["cue"], built["rate"]
    assert rate == cue["sample_rate"] == 22050
    assert abs(len(built["audio"]) / rate - cue["duration"]) <= 0.030
    other = miniaudio.mp3_read_file_s16(str(built["result"].mp3))
    assert abs(len(other.samples) / other.sample_rate - cue["duration"]) <= 0.030


def test_every_sound_starts_on_its_event(built: dict[str, Any]) -> None:
    cue, audio, rate = built["cue"], built["audio"], built["rate"]
    window = round(ONSET_MS / 1000 * rate)
    events = cue["events"]
    checked = 0
    for number, event in enumerate(events):
        if event["kind"] == "silence":
            continue
        start = round(event["start"] * rate)
        assert _dbfs(audio[start : start + window]) > SOUND_DBFS, f"no sound within {ONSET_MS} ms of {event}"
        if number and events[number - 1]["kind"] == "silence":
            quiet_from = max(round(events[number - 1]["start"] * rate), start - 4 * window)
            assert _dbfs(audio[quiet_from : start - window]) < SOUND_DBFS, f"sound early before {event}"
        checked += 1
    kinds = {e["kind"] for e in events}
    assert {"speech", "breath", "chime", "silence"} <= kinds
    assert checked > 10


def test_silences_are_silent(built: dict[str, Any]) -> None:
    cue, audio, rate = built["cue"], built["audio"], built["rate"]
    edge = round(0.05 * rate)
    for event in cue["events"]:
        if event["kind"] == "silence" and event["end"] - event["start"] > 0.3:
            start, end = round(event["start"] * rate), round(event["end"] * rate)
            assert _dbfs(audio[start + edge : end - edge]) < SILENT_DBFS, event


def test_holds_last_exactly_their_seconds(built: dict[str, Any]) -> None:
    cue = built["cue"]
    assert len(cue["holds"]) == 4
    for hold in cue["holds"]:
        assert abs(hold["end"] - hold["start"] - hold["seconds"]) <= 0.005
    steps = {s["index"]: s for s in cue["steps"]}
    assert sorted(steps[h["step"]]["seconds"] for h in cue["holds"]) == [3, 3, 12, 12]


def test_events_tile_the_file(built: dict[str, Any]) -> None:
    events = built["cue"]["events"]
    assert events[0]["start"] == 0
    for before, after in itertools.pairwise(events):
        assert after["start"] == pytest.approx(before["end"], abs=1e-4)
    assert events[-1]["end"] == pytest.approx(built["cue"]["duration"], abs=1e-4)
    assert events[-1]["kind"] == "chime"


def test_side_switch_is_spoken(built: dict[str, Any]) -> None:
    spoken = [e["text"] for e in built["cue"]["events"] if e["kind"] == "speech"]
    assert "Now the left hand." in spoken
    assert any("left palm" in text for text in spoken)


def test_sidecars_and_chapters(built: dict[str, Any]) -> None:
    folder = built["folder"]
    vtt = (folder / "hand.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n")
    assert "Now the left hand." in vtt
    assert (folder / "hand.lrc").read_text(encoding="utf-8").startswith("[ti:Hand warm-up]")
    tags = ID3(str(built["result"].mp3))
    assert str(tags.getall("TIT2")[0]) == "Hand warm-up"
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    (toc,) = tags.getall("CTOC")
    assert list(toc.child_element_ids) == [c.element_id for c in chapters]
    firsts: dict[int, float] = {}
    for event in built["cue"]["events"]:
        if event["step"] is not None:
            firsts.setdefault(event["step"], event["start"])
    assert len(chapters) == len(firsts), "one chapter per step that is heard"
    for chapter, (step, start) in zip(chapters[1:], sorted(firsts.items(), key=lambda kv: kv[1])[1:], strict=True):
        assert abs(chapter.start_time / 1000 - start) <= 0.025
        assert str(chapter.sub_frames["TIT2"]).startswith(f"{step}. ")
    assert chapters[0].start_time == 0
    assert abs(chapters[-1].end_time / 1000 - built["cue"]["duration"]) <= 0.025


def test_hold_override_reaches_the_audio(tmp_path: Path, short_routine: Path) -> None:
    result = pipeline.build(short_routine, Options(hold=7, no_breath=True), tmp_path / "seven.mp3")
    cue = json.loads((tmp_path / "seven.json").read_text(encoding="utf-8"))
    assert [h["seconds"] for h in cue["holds"]] == [7, 7, 7, 7]
    audio, rate = soundfile.read(str(result.mp3), dtype="float64")
    for hold in cue["holds"]:
        start, end = round(hold["start"] * rate), round(hold["end"] * rate)
        assert abs((end - start) / rate - 7) <= 0.005
        assert _dbfs(audio[start + 2205 : end - 2205]) < SILENT_DBFS  # a hold without prompts is silent
        assert _dbfs(audio[end : end + 551]) > SOUND_DBFS  # and the chime follows at once
