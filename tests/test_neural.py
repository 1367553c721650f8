"""The optional Piper voice, on a tiny voice model made here: a tone as long as its phonemes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.audio import assert_matches_cue_sheet, decode
from tests.conftest import SHORT_ROUTINE
from voiceguide import neural, pipeline, speech
from voiceguide.errors import UsageError
from voiceguide.model import SAMPLE_RATE, Options

HOP = 256  # samples per phoneme id, as a Piper voice's decoder makes them


def tiny_voice(folder: Path) -> Path:
    """A Piper voice file with Piper's inputs and output, whose sound is a 220 Hz tone lasting
    HOP samples per phoneme id, times the length scale."""
    import onnx
    from onnx import TensorProto, helper
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    def const(name: str, value: float | int, kind: int) -> onnx.NodeProto:
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(name, kind, [], [value]))

    step = 2 * np.pi * 220 / SAMPLE_RATE
    nodes = [
        const("one_i", 1, TensorProto.INT64),
        const("zero_i", 0, TensorProto.INT64),
        const("hop", float(HOP), TensorProto.FLOAT),
        const("step", float(step), TensorProto.FLOAT),
        const("half", 0.5, TensorProto.FLOAT),
        helper.make_node("Constant", [], ["axes"], value=helper.make_tensor("axes", TensorProto.INT64, [2], [0, 1])),
        helper.make_node("Shape", ["input"], ["shape"]),
        helper.make_node("Gather", ["shape", "one_i"], ["ids"]),
        helper.make_node("Cast", ["ids"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["scales", "one_i"], ["length_scale"]),
        helper.make_node("Mul", ["ids_f", "length_scale"], ["scaled"]),
        helper.make_node("Mul", ["scaled", "hop"], ["samples_f"]),
        helper.make_node("Cast", ["samples_f"], ["samples"], to=TensorProto.INT64),
        helper.make_node("Range", ["zero_i", "samples", "one_i"], ["count"]),
        helper.make_node("Cast", ["count"], ["count_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["count_f", "step"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["sine"]),
        helper.make_node("Mul", ["sine", "half"], ["tone"]),
        helper.make_node("Unsqueeze", ["tone", "axes"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tone",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, None]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, None])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path = folder / "tone.onnx"
    onnx.save(model, str(path))
    config = {
        "audio": {"sample_rate": SAMPLE_RATE},
        "espeak": {"voice": "en-us"},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "num_symbols": 256,
        "num_speakers": 1,
    }
    path.with_name("tone.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_voice(tmp_path_factory.mktemp("piper"))


def test_a_routine_builds_with_a_piper_voice(tmp_path: Path, voice: Path, short_routine: Path) -> None:
    result = pipeline.build(short_routine, Options(voice=f"piper:{voice}"), tmp_path / "piper.mp3")
    audio, rate, cue = decode(result.mp3)
    assert assert_matches_cue_sheet(audio, rate, cue) > 10
    spoken = [e for e in cue["events"] if e["kind"] == "speech"]
    assert any("right palm" in e["text"] for e in spoken) and any("left" in e["text"] for e in spoken)


def test_the_pace_follows_the_rate_and_no_clip_is_at_full_scale(voice: Path) -> None:
    text = "Press the centre of your palm with your thumb."
    calm, brisk = (neural.PiperSynthesizer(f"piper:{voice}", rate, None) for rate in (120, 180))
    slow, fast = (synth.audio(text, synth.length_scale) for synth in (calm, brisk))
    assert abs(len(slow) / len(fast) - 1.5) < 0.01
    assert np.max(np.abs(slow)) <= neural.PEAK + 1e-6
    ids = len(calm.voice.phonemes_to_ids(calm.voice.phonemize(text)[0]))
    assert abs(len(slow) - ids * HOP * calm.length_scale) <= 1  # the model's own length, scaled
    again = neural.PiperSynthesizer(f"piper:{voice}", 120, None)
    assert np.array_equal(again.audio(text, 1.0), calm.audio(text, 1.0))  # no noise: the cache is exact


def test_its_clips_are_cached_by_the_voice_files_content(tmp_path: Path, voice: Path) -> None:
    copy = tmp_path / "renamed.onnx"
    shutil.copy(voice, copy)
    shutil.copy(voice.with_name("tone.onnx.json"), tmp_path / "renamed.onnx.json")
    keys = {neural.PiperSynthesizer(f"piper:{path}", 135, tmp_path).cache_key() for path in (voice, copy)}
    assert len(keys) == 1
    settings = tmp_path / "renamed.onnx.json"
    settings.write_text(settings.read_text(encoding="utf-8").replace('"noise_w": 0.8', '"noise_w": 0.7'), "utf-8")
    changed = neural.PiperSynthesizer(f"piper:{copy}", 135, tmp_path).cache_key()
    assert changed not in keys and "rate=135" in changed
    bank = speech.ClipBank(neural.PiperSynthesizer(f"piper:{voice}", 135, tmp_path), tmp_path)
    bank.prepare(["Release the pressure slowly."])
    again = speech.ClipBank(neural.PiperSynthesizer(f"piper:{voice}", 135, tmp_path), tmp_path)
    again.prepare(["Release the pressure slowly."])
    assert again.synthesized == 0 and len(list(tmp_path.glob("*.wav"))) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.onnx", "no Piper voice file there"), ("tone.onnx", "tone.onnx.json is missing; download it beside")],
)
def test_a_voice_file_that_cannot_work_is_named(tmp_path: Path, voice: Path, name: str, message: str) -> None:
    if name == "tone.onnx":
        shutil.copy(voice, tmp_path / name)
    with pytest.raises(UsageError, match=message):
        speech.synthesizer(Options(voice=f"piper:{tmp_path / name}"), None)


def test_a_voice_file_without_its_prefix_is_pointed_to_it(voice: Path) -> None:
    with pytest.raises(UsageError, match=f"is given as --voice piper:{voice}"):
        speech.synthesizer(Options(voice=str(voice)), None)


BOTH_ENGINES = """
import sys
from pathlib import Path
from voiceguide import pipeline
from voiceguide.model import Options

source, folder, voice = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
for number, name in enumerate(["gmw/en-us", "piper:" + voice, "gmw/en-us"]):
    pipeline.build(source, Options(voice=name), folder / f"{number}.mp3", use_cache=False)
print("built")
"""


def test_both_engines_build_in_one_process(tmp_path: Path, voice: Path) -> None:
    """piper-tts carries its own eSpeak NG under the same names as the one the default voice
    loads; loaded globally, the first crashed the second (exit 139)."""
    source = tmp_path / "hand.txt"
    source.write_text(SHORT_ROUTINE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", BOTH_ENGINES, str(source), str(tmp_path), str(voice)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip() == "built", (done.returncode, done.stderr[-2000:])
    for number in range(3):
        assert_matches_cue_sheet(*decode(tmp_path / f"{number}.mp3"))


@pytest.mark.skipif(not os.environ.get("VOICEGUIDE_TEST_PIPER_VOICE"), reason="set VOICEGUIDE_TEST_PIPER_VOICE")
def test_a_real_piper_voice_speaks_at_the_pace_asked(tmp_path: Path, short_routine: Path) -> None:
    voice = f"piper:{os.environ['VOICEGUIDE_TEST_PIPER_VOICE']}"
    result = pipeline.build(short_routine, Options(voice=voice), tmp_path / "real.mp3")
    audio, rate, cue = decode(result.mp3)
    assert_matches_cue_sheet(audio, rate, cue)
    synthesizer = neural.PiperSynthesizer(voice, 135, None)
    texts = [e["text"] for e in cue["events"] if e["kind"] == "speech" and len(e["text"]) > 30]
    ratios = []
    for text in texts:
        expected = speech.expected_ms(text, synthesizer.phonemes(text), 135)
        spoken = speech.trimmed_ms(synthesizer.audio(text, synthesizer.length_scale), SAMPLE_RATE)
        ratios.append(spoken / expected if expected else 1.0)
    assert 0.85 < float(np.median(ratios)) < 1.15, ratios  # eSpeak's pace at 135 words a minute
