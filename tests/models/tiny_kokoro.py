"""A tiny random Kokoro in onnx-community's layout, built offline with ``onnx.helper``.

The graph keeps Kokoro's contract — inputs ``input_ids`` [1, T] int64 (pads 0 at both ends),
``style`` [1, 256] float32 and ``speed`` [1] float32; output ``waveform`` [1, N] at 24 kHz, and
with ``durations=True`` also ``durations`` [T] int64, the frames given to each token — and its
mechanism in miniature: a random per-token duration table (a vocabulary-sized initialiser) divided by
``speed`` and rounded (at least one frame), 600 samples a frame, and a tone whose pitch comes from
the style vector. The folder holds ``config.json`` (the model type), ``tokenizer.json`` (Kokoro's
vocabulary as a WordLevel model), ``onnx/model.onnx`` and random voices ``voices/<name>.bin``
(510 × 1 × 256 float32). Its sound is a hum, not speech — the tests check the plumbing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SAMPLES_PER_FRAME = 600
VOICES = ("af_heart", "am_michael", "bf_emma", "jf_alpha")
# Kokoro v1.0's vocabulary (hexgrad/Kokoro-82M config.json), "$" the pad.
_VOCAB = ';:,.!?—…"()“” \u0303ʣʥʦʨᵝ\uab67AIOQSTWYᵊabcdefhijklmnopqrstuvwxyzɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ'


def vocab() -> dict[str, int]:
    return {"$": 0, **{ch: i + 1 for i, ch in enumerate(_VOCAB)}}


def frames_table(seed: int = 0) -> np.ndarray:
    """Frames per token id at speed 1, before rounding (the graph's random "duration predictor")."""
    rng = np.random.default_rng(seed)
    return rng.uniform(1.0, 5.0, size=(max(vocab().values()) + 1,)).astype(np.float32)


def build(folder: Path, *, durations: bool = True, seed: int = 0) -> Path:
    """Write the tiny model's folder and return it."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    table = frames_table(seed)
    rng = np.random.default_rng(seed + 1)
    inits = [
        numpy_helper.from_array(table, "frames_table"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
        numpy_helper.from_array(np.array([SAMPLES_PER_FRAME], np.int64), "frame"),
        numpy_helper.from_array(np.array(0, np.int64), "zero"),
        numpy_helper.from_array(np.array(1, np.int64), "step"),
        numpy_helper.from_array(np.array([-1], np.int64), "flat"),
        numpy_helper.from_array(np.array([0], np.int64), "first"),
        numpy_helper.from_array(np.array(2 * np.pi / 24000, np.float32), "radians"),
        numpy_helper.from_array(np.array(120.0, np.float32), "base_hz"),
        numpy_helper.from_array(np.array(60.0, np.float32), "spread_hz"),
        numpy_helper.from_array(np.array(0.3, np.float32), "level"),
    ]
    nodes = [
        helper.make_node("Reshape", ["input_ids", "flat"], ["ids"]),
        helper.make_node("Gather", ["frames_table", "ids"], ["frames"]),
        helper.make_node("Div", ["frames", "speed"], ["scaled"]),
        helper.make_node("Round", ["scaled"], ["rounded"]),
        helper.make_node("Max", ["rounded", "one"], ["at_least_one"]),
        helper.make_node("Cast", ["at_least_one"], ["durations"], to=TensorProto.INT64),
        helper.make_node("ReduceSum", ["durations"], ["n_frames"], keepdims=0),
        helper.make_node("Mul", ["n_frames", "frame"], ["n_samples_1"]),
        helper.make_node("Squeeze", ["n_samples_1"], ["n_samples"]),
        helper.make_node("Range", ["zero", "n_samples", "step"], ["t_int"]),
        helper.make_node("Cast", ["t_int"], ["t"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["style", "flat"], ["style_flat"]),
        helper.make_node("Gather", ["style_flat", "first"], ["style_0"]),
        helper.make_node("Tanh", ["style_0"], ["bend"]),
        helper.make_node("Mul", ["bend", "spread_hz"], ["shift_hz"]),
        helper.make_node("Add", ["shift_hz", "base_hz"], ["hz"]),
        helper.make_node("Mul", ["hz", "radians"], ["omega"]),
        helper.make_node("Mul", ["t", "omega"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["tone"]),
        helper.make_node("Mul", ["tone", "level"], ["tone_scaled"]),
        helper.make_node("Unsqueeze", ["tone_scaled", "first"], ["waveform"]),
    ]
    outputs = [helper.make_tensor_value_info("waveform", TensorProto.FLOAT, [1, "num_samples"])]
    if durations:
        outputs.append(helper.make_tensor_value_info("durations", TensorProto.INT64, ["input_ids_len"]))
    graph = helper.make_graph(
        nodes,
        "tiny_kokoro",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "input_ids_len"]),
            helper.make_tensor_value_info("style", TensorProto.FLOAT, [1, 256]),
            helper.make_tensor_value_info("speed", TensorProto.FLOAT, [1]),
        ],
        outputs,
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    (folder / "onnx").mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / "onnx" / "model.onnx")
    (folder / "config.json").write_text(
        json.dumps({"model_type": "style_text_to_speech_2"}), encoding="utf-8"
    )
    tokenizer = {"version": "1.0", "model": {"type": "WordLevel", "vocab": vocab(), "unk_token": "$"}}
    (folder / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    (folder / "voices").mkdir(exist_ok=True)
    for name in VOICES:
        rng.standard_normal((510, 1, 256)).astype("<f4").tofile(folder / "voices" / f"{name}.bin")
    return folder
