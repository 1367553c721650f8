"""Render on its own, from made-up timelines and clips: chapters and their tables, outputs
replaced as a set, the assembled MP3 and the whole-file encode it falls back to."""

from __future__ import annotations

import logging
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import miniaudio
import numpy as np
import pytest
from mutagen.id3 import ID3, CTOCFlags
from typer.testing import CliRunner

if TYPE_CHECKING:
    from pydub import AudioSegment

from tests.conftest import SHORT_ROUTINE
from voiceguide import assemble, pipeline, plan, render, sidecars, speech
from voiceguide.chime import sound_length
from voiceguide.cli import app
from voiceguide.errors import RenderError, UsageError
from voiceguide.model import SAMPLE_RATE, Event, Options, Step, Timeline
from voiceguide.parse import parse_text

runner = CliRunner()


def clip(seconds: float, pitch: float) -> AudioSegment:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave = 0.3 * np.sin(2 * np.pi * pitch * t) * np.minimum(1, np.minimum(t, t[::-1]) * 50)
    return speech.pydub().AudioSegment(
        np.rint(wave * 32767).astype(np.int16).tobytes(), frame_rate=SAMPLE_RATE, sample_width=2, channels=1
    )


def timeline(sections: list[tuple[str, int]], gap: float = 0.5) -> tuple[Timeline, dict[str, AudioSegment]]:
    """One spoken step after another (a 0.2 s clip, then `gap` seconds of silence), in sections."""
    clips = {"Press.": clip(0.2, 330), "Breathe.": clip(0.25, 440)}
    events, steps, at = [], [], 0
    for section, count in sections:
        for _ in range(count):
            index = len(steps) + 1
            steps.append(Step(f"Press point {index}.", "press", 1.0, "text", section=section, index=index))
            text = "Press." if index % 2 else "Breathe."
            length = len(clips[text].raw_data) // 2
            events.append(Event(at, at + length, "speech", text, index, f"voice:{text}"))
            events.append(Event(at + length, at + length + round(gap * SAMPLE_RATE), "silence", "", index))
            at = events[-1].end
    return Timeline("Many points", SAMPLE_RATE, tuple(events), (), tuple(steps)), clips


def tables(path: Path) -> tuple[list[str], list[str]]:
    """The chapters as stored, and as the tables of contents list them from the top, in order."""
    tags = ID3(str(path))
    chapters = tags.getall("CHAP")
    toc = {t.element_id: t for t in tags.getall("CTOC")}
    assert all(len(t.child_element_ids) <= 255 for t in toc.values())
    (top,) = [t for t in toc.values() if t.flags & CTOCFlags.TOP_LEVEL]

    def walk(element: str) -> list[str]:
        return [leaf for child in toc[element].child_element_ids for leaf in (walk(child) if child in toc else [child])]

    assert [c.start_time for c in chapters] == sorted(c.start_time for c in chapters), "chapters in time order"
    return [c.element_id for c in chapters], walk(top.element_id)


def test_more_than_255_steps_get_nested_tables_of_contents(tmp_path: Path) -> None:
    track, clips = timeline([("Feet", 300), ("Hands", 20)], gap=0.05)
    outputs = render.Outputs.beside(tmp_path / "many.mp3")
    render.render(track, clips, Options(), outputs)
    stored, listed = tables(outputs.mp3)
    assert len(stored) == 320 and listed == stored
    tags = ID3(str(outputs.mp3))
    toc = {t.element_id: t for t in tags.getall("CTOC")}
    top = toc["toc"]
    assert [str(toc[c].sub_frames["TIT2"]) for c in top.child_element_ids] == ["Feet", "Hands"]
    feet = toc[top.child_element_ids[0]]
    assert [len(toc[part].child_element_ids) for part in feet.child_element_ids] == [255, 45]
    assert miniaudio.mp3_get_file_info(str(outputs.mp3)).num_frames == track.length


def test_a_table_of_contents_never_counts_past_255() -> None:
    track, _ = timeline([(f"Section {n}", 1) for n in range(600)])
    made = sidecars.tables_of_contents(track, [f"chp{n}" for n in range(1, 601)])
    by_id = {t.element: t for t in made}
    assert all(len(t.children) <= 255 for t in made) and len(by_id) == len(made)
    assert len(by_id["toc"].children) == 3  # 600 sections: three parts of at most 255

    def walk(element: str) -> list[str]:
        return [leaf for child in by_id[element].children for leaf in (walk(child) if child in by_id else [child])]

    assert walk("toc") == [f"chp{n}" for n in range(1, 601)]


def test_chapters_are_checked_before_the_encode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    track, clips = timeline([("Feet", 3)])
    encoded: list[Path] = []
    monkeypatch.setattr(render, "_write_mp3", lambda *args: encoded.append(args[3]))
    monkeypatch.setattr(sidecars, "tables_of_contents", lambda *args: [sidecars.Contents("toc", "t", ("x",) * 256)])
    with pytest.raises(RenderError, match=r"internal error .* run again with --debug and report it"):
        render.render(track, clips, Options(), render.Outputs.beside(tmp_path / "x.mp3"))
    assert encoded == [] and list(tmp_path.iterdir()) == []


def test_any_exception_in_render_is_one_line_and_debug_shows_it(
    short_routine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(assemble, "segments", broken)
    out = tmp_path / "hand.mp3"
    result = runner.invoke(app, ["build", str(short_routine), "-o", str(out)])
    assert result.exit_code == 1
    assert (
        result.stderr == f"voiceguide: {out}: internal error (KeyError: 'boom'); run again with --debug and report it\n"
    )
    assert not list(tmp_path.glob("hand.*")) and not list(tmp_path.glob(".*part"))
    result = runner.invoke(app, ["build", str(short_routine), "-o", str(out), "--debug"])
    assert isinstance(result.exception, RenderError) and isinstance(result.exception.__cause__, KeyError)


def test_outputs_are_replaced_all_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = render.Outputs.beside(tmp_path / "box.mp3")
    first, clips = timeline([("Feet", 3)])
    render.render(first, clips, Options(), outputs)
    before = {path: path.read_bytes() for path in outputs.all()}
    replace = os.replace

    def failing(source: str | Path, target: str | Path) -> None:
        if str(target).endswith(".vtt"):
            raise PermissionError(13, "Permission denied")
        replace(source, target)

    monkeypatch.setattr(os, "replace", failing)
    second, clips = timeline([("Feet", 5)])
    with pytest.raises(RenderError) as error:
        render.render(second, clips, Options(), outputs)
    assert str(error.value) == f"{outputs.vtt}: could not write (Permission denied)"
    assert {path: path.read_bytes() for path in outputs.all()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box.json", "box.lrc", "box.mp3", "box.vtt"]


def test_an_output_that_is_a_folder_is_named_before_anything_is_made(tmp_path: Path) -> None:
    outputs = render.Outputs.beside(tmp_path / "box.mp3")
    outputs.vtt.mkdir()
    track, clips = timeline([("Feet", 3)])
    with pytest.raises(RenderError, match=f"^{outputs.vtt}: is a folder"):
        render.render(track, clips, Options(), outputs)
    assert [p.name for p in tmp_path.iterdir()] == ["box.vtt"]


@pytest.mark.parametrize("suffix", [".json", ".vtt", ".lrc"])
def test_a_routine_named_like_a_sidecar_is_never_overwritten(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / f"x{suffix}"
    source.write_text(SHORT_ROUTINE, encoding="utf-8")
    with pytest.raises(UsageError, match=r"would write its .* file over this routine"):
        pipeline.build(source, Options(), tmp_path / "x.mp3")
    assert source.read_text(encoding="utf-8") == SHORT_ROUTINE
    result = runner.invoke(app, ["build", str(source), "-o", str(tmp_path / "x.mp3")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert source.read_text(encoding="utf-8") == SHORT_ROUTINE and not (tmp_path / "x.mp3").exists()


def test_segments_are_cached_and_a_rebuild_encodes_only_what_moved(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "voiceguide")
    track, clips = timeline([("Feet", 6)], gap=1.0)
    outputs = render.Outputs.beside(tmp_path / "a.mp3")
    render.render(track, clips, Options(), outputs, cache_folder=tmp_path / "cache")
    render.render(track, clips, Options(), outputs, cache_folder=tmp_path / "cache")
    notes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("assembled")]
    assert notes == [
        "assembled 6 sounds in 6 segments, 6 encoded afresh",
        "assembled 6 sounds in 6 segments, 0 encoded afresh",
    ]


def test_a_failed_check_falls_back_to_the_whole_file_encode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "voiceguide")
    made = assemble.assemble

    def frames_lost(*args: Any) -> assemble.Assembled:
        assembled = made(*args)
        out = args[3]
        out.truncate(out.seek(-1000, os.SEEK_END))
        return assembled

    monkeypatch.setattr(assemble, "assemble", frames_lost)
    track, clips = timeline([("Feet", 4)])
    outputs = render.Outputs.beside(tmp_path / "a.mp3")
    render.render(track, clips, Options(), outputs)
    assert miniaudio.mp3_read_file_s16(str(outputs.mp3)).num_frames == track.length
    (note,) = [r.getMessage() for r in caplog.records if "whole track" in r.getMessage()]
    assert note.startswith("encoding the whole track in one run: the assembled file")
    assert tables(outputs.mp3)[0] == [f"chp{n}" for n in range(1, 5)]  # tags as on the assembled path


def test_ambience_is_encoded_whole_and_debug_says_why(short_routine: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["build", str(short_routine), "-o", str(tmp_path / "a.mp3"), "--ambience", "pink", "--debug"]
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "voiceguide: debug: encoding the whole track in one run: --ambience plays under the silences" in result.stderr
    )


def test_a_rebuild_after_a_longer_hold_encodes_only_the_sounds_it_moved(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """On the frame grid, with the track's level in whole steps, a hold one second longer
    leaves every other sound where it was in its frame and as loud as it was."""
    caplog.set_level(logging.DEBUG, "voiceguide")
    text = "".join(f"Press point {n} for 50 seconds.\n" for n in range(1, 6))
    routine = parse_text(text, "points.txt")
    for options in (Options(), Options(set_holds=((routine.instructions[2].index, 51.0),))):
        prepared = plan.apply_options(routine, options)
        clips = {
            said: clip(0.2 + 0.15 * len(said.split()), 150 + zlib.crc32(said.encode()) % 400)
            for said in plan.phrases(prepared, options)
        }

        def measure(sound: str, clips: dict[str, AudioSegment] = clips, options: Options = options) -> int:
            source, _, name = sound.partition(":")
            return int(clips[name].frame_count()) if source == "voice" else sound_length(sound, options)

        track = plan.build_timeline(prepared, options, measure)
        render.render(track, clips, options, render.Outputs.beside(tmp_path / "points.mp3"), cache_folder=tmp_path)
    notes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("assembled")]
    assert len(notes) == 2 and notes[0].endswith(" 12 encoded afresh"), notes  # each distinct sound once
    assert notes[1].endswith(" 3 encoded afresh"), notes  # the changed step's words and bell, the closing bell
