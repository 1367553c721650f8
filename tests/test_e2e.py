"""Real voice, real encoder, real decoders: the MP3 plays exactly what the cue sheet says."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import miniaudio
import pytest
from mutagen.id3 import ID3, CTOCFlags

from tests.audio import (
    SILENT_DBFS,
    SOUND_DBFS,
    assert_matches_cue_sheet,
    dbfs,
    decode,
    decoded_by,
    zero_away_from_sounds,
)
from tests.conftest import SHORT_ROUTINE
from voiceguide import pipeline
from voiceguide.model import Options


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("e2e")
    source = folder / "hand_warm_up.txt"
    source.write_text(SHORT_ROUTINE, encoding="utf-8")
    result = pipeline.build(source, Options(), folder / "hand.mp3")
    audio, rate, cue = decode(result.mp3)
    return {"result": result, "cue": cue, "audio": audio, "rate": rate, "folder": folder}


def test_decoded_length_matches_the_cue_sheet(built: dict[str, Any]) -> None:
    cue, rate = built["cue"], built["rate"]
    assert rate == cue["sample_rate"] == 22050
    assert abs(len(built["audio"]) / rate - cue["duration"]) <= 0.030
    other = miniaudio.mp3_read_file_s16(str(built["result"].mp3))
    assert abs(len(other.samples) / other.sample_rate - cue["duration"]) <= 0.030


def test_ffmpeg_and_mpg123_play_it_exactly_too(built: dict[str, Any]) -> None:
    """Exact length, every onset within 25 ms, and digital silence between the sounds, in each decoder."""
    cue, rate = built["cue"], built["rate"]
    sounds = [(round(e["start"] * rate), round(e["end"] * rate)) for e in cue["events"] if e["kind"] != "silence"]
    for name, decoded in decoded_by(built["result"].mp3).items():
        assert len(decoded) == built["result"].timeline.length, name
        assert_matches_cue_sheet(decoded / 32768, rate, cue)
        zero_away_from_sounds(decoded, sounds)


def test_every_sound_starts_on_its_event_and_silences_are_silent(built: dict[str, Any]) -> None:
    checked = assert_matches_cue_sheet(built["audio"], built["rate"], built["cue"])
    assert {"speech", "breath", "chime", "silence"} <= {e["kind"] for e in built["cue"]["events"]}
    assert checked > 10


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
    assert "Next, your left hand." in spoken
    assert any("left palm" in text for text in spoken)


def test_sidecars_and_chapters(built: dict[str, Any]) -> None:
    folder = built["folder"]
    vtt = (folder / "hand.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n")
    assert "Next, your left hand." in vtt
    assert (folder / "hand.lrc").read_text(encoding="utf-8").startswith("[ti:Hand warm-up]")
    tags = ID3(str(built["result"].mp3))
    assert str(tags.getall("TIT2")[0]) == "Hand warm-up"
    chapters = tags.getall("CHAP")
    assert [c.start_time for c in chapters] == sorted(c.start_time for c in chapters), "stored in time order"
    tables = {t.element_id: t for t in tags.getall("CTOC")}
    (top,) = [t for t in tables.values() if t.flags & CTOCFlags.TOP_LEVEL]
    sections = [tables[child] for child in top.child_element_ids]  # a table per section
    assert [str(s.sub_frames["TIT2"]) for s in sections] == ["Hand warm-up", "Palm press"]
    assert [c for s in sections for c in s.child_element_ids] == [c.element_id for c in chapters]
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
    audio, rate, cue = decode(result.mp3)
    assert [h["seconds"] for h in cue["holds"]] == [7, 7, 7, 7]
    for hold in cue["holds"]:
        start, end = round(hold["start"] * rate), round(hold["end"] * rate)
        assert abs((end - start) / rate - 7) <= 0.005
        assert dbfs(audio[start + 2205 : end - 2205]) < SILENT_DBFS  # a hold without prompts is silent
        assert dbfs(audio[end : end + 551]) > SOUND_DBFS  # and the chime follows at once
