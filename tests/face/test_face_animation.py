"""face_animation end to end on real synthesized speech: curves, CSV, JSON, glb, preview, bad input."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tools import Audio, BadInput, Registry, ToolContext, get_spec
from tools._media import ffmpeg_exe, write_wav
from tools.face import face_animation
from tools.face._anim_metrics import jaw_envelope_r, lips_closed_share, read_glb, rounding, speech_envelope
from tools.face._arkit import ARKIT_NAMES, ROTATION_NAMES
from tools.speech import text_to_speech

SPEC = get_spec(face_animation)
# Rich in p/b/m, in rounded (blue, boat, moved, we) and spread (keep, green, apple) vowels.
SENTENCE = "Peter bought a blue umbrella for me. We moved to a small boat, and Bob kept the green apple."
# Live Link Face's header (checked against public importers of its CSV: PascalCase ARKit
# names in ARKit's order, 61 values = 52 blendshapes + head and eye yaw/pitch/roll).
LIVE_LINK_HEADER = (
    "Timecode,BlendShapeCount,EyeBlinkLeft,EyeLookDownLeft,EyeLookInLeft,EyeLookOutLeft,EyeLookUpLeft,"
    "EyeSquintLeft,EyeWideLeft,EyeBlinkRight,EyeLookDownRight,EyeLookInRight,EyeLookOutRight,"
    "EyeLookUpRight,EyeSquintRight,EyeWideRight,JawForward,JawRight,JawLeft,JawOpen,MouthClose,"
    "MouthFunnel,MouthPucker,MouthRight,MouthLeft,MouthSmileLeft,MouthSmileRight,MouthFrownLeft,"
    "MouthFrownRight,MouthDimpleLeft,MouthDimpleRight,MouthStretchLeft,MouthStretchRight,"
    "MouthRollLower,MouthRollUpper,MouthShrugLower,MouthShrugUpper,MouthPressLeft,MouthPressRight,"
    "MouthLowerDownLeft,MouthLowerDownRight,MouthUpperUpLeft,MouthUpperUpRight,BrowDownLeft,"
    "BrowDownRight,BrowInnerUp,BrowOuterUpLeft,BrowOuterUpRight,CheekPuff,CheekSquintLeft,"
    "CheekSquintRight,NoseSneerLeft,NoseSneerRight,TongueOut,HeadYaw,HeadPitch,HeadRoll,"
    "LeftEyeYaw,LeftEyePitch,LeftEyeRoll,RightEyeYaw,RightEyePitch,RightEyeRoll"
)


def run(audio: Audio, out: Path, **args):
    return SPEC.invoke({"audio": audio, **args}, ToolContext(output_dir=out))


def blendshapes(result) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in result.curves.load()["blendshapes"].items()}


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Audio:
    """Piper speech with its own phoneme timings (the known answer), the same every session:
    a freshly loaded voice, as Piper's noise depends on what the process spoke before."""
    from tools.speech import _piper

    _piper._VOICES.clear()
    out = tmp_path_factory.mktemp("tts")
    return get_spec(text_to_speech).invoke({"text": SENTENCE}, ToolContext(output_dir=out))


@pytest.fixture(scope="module")
def result(speech: Audio, tmp_path_factory):
    return run(speech, tmp_path_factory.mktemp("anim"))


# -- the contract ---------------------------------------------------------------------------


def test_the_tool_is_registered_with_its_choices() -> None:
    registry = Registry()
    registry.register_module("tools.face")
    schema = registry.get("face_animation").json_schema()["properties"]
    assert schema["fps"]["enum"] == [30, 60]
    assert {"neutral", "happy", "sad", "angry", "surprised"} <= set(schema["emotion"]["enum"])
    assert set(registry.get("face_animation").outputs) == {"curves", "csv", "gltf", "preview"}


def test_all_52_arkit_curves_and_rotations_are_given_in_range(result, speech: Audio) -> None:
    data = result.curves.load()
    assert list(data["blendshapes"]) == list(ARKIT_NAMES) and len(ARKIT_NAMES) == 52
    assert list(data["rotations"]) == list(ROTATION_NAMES)
    n = data["n_frames"]
    assert n == int(np.ceil(speech.duration_s * 60 - 1e-6))
    values = np.array(list(data["blendshapes"].values()))
    assert values.shape == (52, n) and values.min() >= 0.0 and values.max() <= 1.0
    assert data["phoneme_source"] == "audio metadata"


# -- the measures the issue sets ------------------------------------------------------------


def test_jaw_follows_the_speech_envelope(result, speech: Audio) -> None:
    # Target from the issue: r >= 0.6 against the level of the decoded speech. Measured
    # 0.68 here: the jaw follows visemes, not only loudness (an /m/ is loud but closed).
    r = jaw_envelope_r(blendshapes(result)["jawOpen"], speech_envelope(speech.path, 60))
    assert r >= 0.6


def test_lips_close_on_p_b_m(result, speech: Audio) -> None:
    # Issue target: >= 90 % of /p b m/ frames with the lips together (measured 100 %).
    assert lips_closed_share(blendshapes(result), speech.meta["phonemes"], 60) >= 0.9


def test_lips_round_on_oo_and_spread_on_ee(result, speech: Audio) -> None:
    rounded, spread = rounding(blendshapes(result), speech.meta["phonemes"], 60)
    # Measured about 0.8 against 0.04: demand a clear factor, not a hair's difference.
    assert rounded > 3 * spread and rounded > 0.3


@pytest.mark.slow
def test_speech_without_timings_is_animated_by_the_speech_model(
    speech: Audio, tmp_path: Path, monkeypatch
) -> None:
    # The same Piper speech with its timings taken away and no phone recogniser (as with
    # the face extra alone): the audio-to-mouth model drives the mouth, and is measured
    # against the timings it never saw.
    from tools.face import _cues

    monkeypatch.setattr(_cues, "_from_recognition", lambda audio: None)
    bare = run(Audio(path=speech.path), tmp_path / "bare")
    assert bare.curves.load()["mouth_source"] == "speech model"
    shapes = blendshapes(bare)
    phonemes = speech.meta["phonemes"]
    assert jaw_envelope_r(shapes["jawOpen"], speech_envelope(speech.path, 60)) >= 0.5
    assert lips_closed_share(shapes, phonemes, 60) >= 0.6
    rounded, spread = rounding(shapes, phonemes, 60)
    assert rounded > 2 * spread


def test_emotion_shows_in_the_curves(speech: Audio, tmp_path: Path) -> None:
    happy = blendshapes(run(speech, tmp_path / "happy", emotion="happy", fps=30))
    sad = blendshapes(run(speech, tmp_path / "sad", emotion="sad", fps=30))
    assert happy["mouthSmileLeft"].mean() > sad["mouthSmileLeft"].mean() + 0.2
    assert sad["mouthFrownLeft"].mean() > happy["mouthFrownLeft"].mean() + 0.2
    assert sad["browInnerUp"].mean() > happy["browInnerUp"].mean()


# -- the exports ----------------------------------------------------------------------------


def test_csv_is_live_link_face_layout_read_back_by_the_csv_module(result) -> None:
    with open(result.csv.path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert ",".join(rows[0]) == LIVE_LINK_HEADER
    body = rows[1:]
    data = result.curves.load()
    assert len(body) == data["n_frames"]
    assert all(len(row) == 63 and row[1] == "61" for row in body)
    assert body[0][0] == "00:00:00:00.000" and body[61][0] == "00:00:01:01.000"
    jaw = np.array([float(row[rows[0].index("JawOpen")]) for row in body])
    np.testing.assert_allclose(jaw, data["blendshapes"]["jawOpen"], atol=1e-4)  # JSON keeps 4 decimals


def test_glb_holds_52_named_morph_targets_and_an_animation_as_long_as_the_audio(
    result, speech: Audio
) -> None:
    doc = read_glb(result.gltf.path)
    (mesh,) = doc["meshes"]
    (primitive,) = mesh["primitives"]
    assert mesh["extras"]["targetNames"] == list(ARKIT_NAMES)
    assert len(primitive["targets"]) == 52
    accessors = doc["accessors"]
    n_vertices = accessors[primitive["attributes"]["POSITION"]]["count"]
    indices = accessors[primitive["indices"]]["data"]
    assert indices.max() < n_vertices and indices.size % 3 == 0
    jaw = accessors[primitive["targets"][ARKIT_NAMES.index("jawOpen")]["POSITION"]]["data"]
    assert np.abs(jaw).max() > 0.005  # the jaw target moves vertices by millimetres or more
    (animation,) = doc["animations"]
    paths = {c["target"]["path"]: animation["samplers"][c["sampler"]] for c in animation["channels"]}
    times = accessors[paths["weights"]["input"]]["data"]
    # The last key sits one frame before the audio's end (frames start at 0).
    assert abs(times[-1] + 1 / 60 - speech.duration_s) < 1 / 60
    weights = accessors[paths["weights"]["output"]]["data"]
    assert weights.size == times.size * 52
    np.testing.assert_allclose(weights.reshape(-1, 52)[:, ARKIT_NAMES.index("eyeBlinkLeft")],
                               result.curves.load()["blendshapes"]["eyeBlinkLeft"], atol=1e-4)  # fmt: skip
    quats = accessors[paths["rotation"]["output"]]["data"]
    np.testing.assert_allclose(np.linalg.norm(quats, axis=1), 1.0, atol=1e-5)


def test_preview_is_a_video_with_the_speech(result, speech: Audio) -> None:
    assert result.preview.width == result.preview.height == 360
    assert abs(result.preview.duration_s - speech.duration_s) < 0.1
    probe = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(result.preview.path)], capture_output=True, text=True
    )
    assert "Video: h264" in probe.stderr and "Audio: aac" in probe.stderr


# -- silence and bad input ------------------------------------------------------------------


def test_silence_blinks_and_breathes(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "silence.wav", np.zeros(16000 * 10, np.float32), 16000)
    shapes = blendshapes(run(Audio(path=path), tmp_path / "out", fps=30))
    blinks = np.sum((shapes["eyeBlinkLeft"][1:] >= 0.99) & (shapes["eyeBlinkLeft"][:-1] < 0.99))
    assert blinks >= 2  # a blink every 1.2–6 s: two or more in 10 s
    jaw = shapes["jawOpen"]
    assert 0.02 < jaw.max() - jaw.min() < 0.1  # breathing: a small, visible jaw movement
    spectrum = np.abs(np.fft.rfft(jaw - jaw.mean()))
    period_s = 10.0 / np.argmax(spectrum)
    assert 3.0 <= period_s <= 5.5  # breaths every ~4 s (FFT bins are 0.1 Hz apart)


def test_an_fps_outside_the_choices_is_refused_clearly(speech: Audio, tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        run(speech, tmp_path / "out", fps=25)
    message = str(caught.value)
    assert "fps" in message and "30" in message and "60" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_undecodable_audio_is_refused_and_left_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "speech.wav"
    bad.write_text("this is not audio")
    with pytest.raises(BadInput):
        run(Audio(path=bad), tmp_path / "out")
    assert bad.read_text() == "this is not audio"
    assert not list((tmp_path / "out").glob("face_animation.*"))


def _user_head(path: Path, rename: dict[int, str], drop_names: bool = False) -> Path:
    """A head as a user's exporter might write it: the stand-in head, its targets renamed."""
    import json
    import struct

    from tools.face._arkit import FaceCurves
    from tools.face._gltf import pack_glb, write_glb
    from tools.face._head import head_mesh

    still = FaceCurves(
        fps=30, shapes=np.zeros((1, len(ARKIT_NAMES))), rotations=np.zeros((1, len(ROTATION_NAMES)))
    )
    write_glb(path, head_mesh(), still)
    data = path.read_bytes()
    json_len = struct.unpack_from("<I", data, 12)[0]
    document = json.loads(data[20 : 20 + json_len])
    binary = data[20 + json_len + 8 :]
    mesh = document["meshes"][0]
    names = [rename.get(i, f"blendShape1.{n}") for i, n in enumerate(mesh["extras"]["targetNames"])]
    if drop_names:
        del mesh["extras"]
    else:
        mesh["extras"]["targetNames"] = names
    del document["animations"]
    path.write_bytes(pack_glb(document, binary))
    return path


def test_a_users_head_gets_the_animation_by_its_target_names(speech: Audio, tmp_path) -> None:
    head = _user_head(tmp_path / "hero.glb", rename={0: "customWrinkle", 1: "Face_EyeLookDownLeft"})
    before = head.read_bytes()
    result = run(speech, tmp_path / "out", head=str(head), fps=30)
    assert head.read_bytes() == before  # the user's file is only read
    glb = read_glb(result.gltf.path)
    (animation,) = glb["animations"]
    (channel,) = animation["channels"]
    assert channel["target"] == {"node": 0, "path": "weights"}
    weights = np.asarray(glb["accessors"][animation["samplers"][0]["output"]]["data"]).reshape(
        -1, len(ARKIT_NAMES)
    )
    curves = blendshapes(result)
    assert weights.shape[0] == len(curves["jawOpen"])
    jaw = ARKIT_NAMES.index("jawOpen")
    assert np.allclose(weights[:, jaw], curves["jawOpen"], atol=1e-3)  # by name, through the prefix
    assert np.allclose(weights[:, 1], curves["eyeLookDownLeft"], atol=1e-3)  # "Face_" prefix, other case
    assert not weights[:, 0].any()  # not an ARKit name: left still
    meta = result.gltf.meta
    assert meta["missing"] == [ARKIT_NAMES[0]] and meta["not_arkit"] == ["customWrinkle"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("not a glb"), r"is not a binary glTF \(\.glb\) file"),
        (lambda p: _user_head(p, {}, drop_names=True), "has no named morph targets"),
        (
            lambda p: _user_head(p, {i: f"shape{i}" for i in range(len(ARKIT_NAMES))}),
            "none of bad.glb's morph",
        ),
    ],
)
def test_a_head_without_arkit_targets_is_refused_with_what_was_found(speech: Audio, tmp_path, make, message):
    head = tmp_path / "bad.glb"
    make(head)
    with pytest.raises(BadInput, match=message) as refused:
        run(speech, tmp_path / "out", head=str(head))
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing half-made


def _glb_of(document: object) -> bytes:
    from tools.face._gltf import pack_glb

    return pack_glb(document, b"")  # type: ignore[arg-type]  # any JSON value, as a hostile file has


_NAMED = {"primitives": [{"targets": [{}]}], "extras": {"targetNames": ["jawOpen"]}}


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (
            b"glTF"
            + (2).to_bytes(4, "little") * 2
            + (200_000).to_bytes(4, "little")
            + b"JSON"
            + b"[" * 200_000,
            "",
        ),
        (_glb_of({"meshes": [1, "two", None]}), "'meshes'"),
        (_glb_of({"meshes": [{"primitives": ["x"]}]}), "mesh 0's 'primitives'"),
        (_glb_of({"meshes": [{"primitives": [{"targets": 3}]}]}), "mesh 0 primitive 0's 'targets'"),
        (_glb_of({"meshes": [{**_NAMED, "extras": "jawOpen"}]}), "mesh 0's 'extras'"),
        (_glb_of({"meshes": [_NAMED], "nodes": "all"}), "'nodes'"),
        (_glb_of({"meshes": [_NAMED], "bufferViews": {}}), "'bufferViews'"),
        (_glb_of({"meshes": [_NAMED], "animations": "none"}), "'animations'"),
        (_glb_of({"meshes": [_NAMED], "buffers": [5]}), "'buffers'"),
    ],
)
def test_a_head_with_parts_of_the_wrong_type_is_refused_in_one_line(tmp_path, data, where):
    """Found by the fuzz suite: these crashed with RecursionError, AttributeError or TypeError."""
    from tools.face._arkit import FaceCurves
    from tools.face._retarget import animate_head

    head = tmp_path / "hostile.glb"
    head.write_bytes(data)
    still = FaceCurves(
        fps=30, shapes=np.zeros((2, len(ARKIT_NAMES))), rotations=np.zeros((2, len(ROTATION_NAMES)))
    )
    with pytest.raises(BadInput, match=r"hostile\.glb is not a (binary|valid) glTF") as refused:
        animate_head(head, tmp_path / "out.glb", still)
    assert where in str(refused.value) and "\n" not in str(refused.value)
    assert not (tmp_path / "out.glb").exists()
