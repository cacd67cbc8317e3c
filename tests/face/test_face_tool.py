"""talking_face end to end: real video out, lip sync on a known schedule, and every bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from face_helpers import PORTRAIT, SR, espeak, inner_lip_gap, read_frames, redetect, speech_like

from tools import Audio, BadInput, Image, Registry, ToolContext, ToolError, file_sha256, get_spec
from tools._media import ffmpeg_exe, write_wav
from tools.face import _backends, register_backend, talking_face
from tools.face._track import EMOTIONS

SPEC = get_spec(talking_face)


def run(image: Path, audio: Audio | Path, tmp_path: Path, **args):
    audio = audio if isinstance(audio, Audio) else Audio(path=audio)
    ctx = ToolContext(output_dir=tmp_path / "out")
    return SPEC.invoke({"image": Image(path=image), "audio": audio, **args}, ctx)


def streams(video: Path) -> str:
    probe = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(video)], capture_output=True, text=True)
    return probe.stderr


# -- the contract ---------------------------------------------------------------------------


def test_the_tool_is_registered_with_its_documented_choices() -> None:
    registry = Registry()
    registry.register_module("tools.face")
    spec = registry.get("talking_face")
    schema = spec.json_schema()["properties"]
    assert set(schema["emotion"]["enum"]) == {
        "neutral",
        "happy",
        "sad",
        "angry",
        "surprised",
        "calm",
        "excited",
    }
    assert set(schema["emotion"]["enum"]) == set(EMOTIONS)  # every label has an expression
    assert schema["head_motion"]["minimum"] == 0 and schema["head_motion"]["maximum"] == 1
    assert spec.returns.__name__ == "Video"


def test_an_unknown_emotion_is_refused_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="emotion") as err:
        SPEC.invoke({"image": Image(path=PORTRAIT), "audio": Audio(path=PORTRAIT), "emotion": "bored"})
    assert "neutral" in str(err.value)


# -- real runs ------------------------------------------------------------------------------


@pytest.mark.slow
def test_lips_follow_a_known_phoneme_schedule(tmp_path: Path, portrait_copy: Path) -> None:
    # "ma ... ma": vowels 0.4-0.8 s and 1.2-1.6 s, a closed "m" in between, silence around.
    schedule = [("AA", 0.4, 0.8), ("M", 0.8, 1.2), ("AA", 1.2, 1.6)]
    audio = speech_like(tmp_path, schedule, 2.0)
    before = file_sha256(portrait_copy), file_sha256(audio.path)
    video = run(portrait_copy, audio, tmp_path, head_motion=0.0)

    assert (video.width, video.height, video.fps) == (512, 512, 25)
    assert video.duration_s == pytest.approx(2.0, abs=0.04)  # one frame
    info = streams(video.path)
    assert "Video: h264" in info and "Audio: aac" in info
    assert video.meta["phoneme_source"] == "audio metadata"
    assert (file_sha256(portrait_copy), file_sha256(audio.path)) == before  # inputs untouched

    frames = list(read_frames(video.path))
    gaps = {t: inner_lip_gap(redetect(frames[round(t * 25)])) for t in (0.6, 1.0, 1.4)}
    # The vowel frames open by about 0.85 × 18 px; the "m" frame is shut (dlib: ± 2 px).
    assert gaps[0.6] > gaps[1.0] + 6 and gaps[1.4] > gaps[1.0] + 6
    assert gaps[1.0] < 4


@pytest.mark.slow
def test_real_speech_without_timings_is_lip_synced(tmp_path: Path) -> None:
    wav = espeak(tmp_path, "Hello! Maybe we should meet at noon, by the big blue boat. Bye for now.")
    video = run(PORTRAIT, wav, tmp_path, emotion="happy")
    assert video.meta["mouth_source"] == video.meta["phoneme_source"] == "phone recognition + speech model"
    assert video.meta["mouth_sources"] == ["phone recognition", "speech model"]
    assert video.meta["mouth_model_share"] == 0.5
    from tools._media import load_audio

    y = load_audio(wav, SR)
    hop = SR // 25
    gaps, envelope = [], []
    for i, frame in enumerate(read_frames(video.path)):
        landmarks = redetect(frame)
        if landmarks is not None and (i + 1) * hop <= y.size:
            gaps.append(inner_lip_gap(landmarks))
            envelope.append(np.sqrt(np.mean(y[i * hop : (i + 1) * hop] ** 2)))
    assert len(gaps) > 0.95 * video.duration_s * 25  # the face stays detectable throughout
    # Lip-sync benchmark target is r ≥ 0.5 over 10 s; on this 4 s clip allow some slack.
    assert np.corrcoef(gaps, envelope)[0, 1] > 0.4


@pytest.mark.slow
def test_silent_audio_gives_a_still_blinking_face(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "silence.wav", np.zeros(4 * SR, np.float32), SR)
    video = run(PORTRAIT, wav, tmp_path, head_motion=0.0)
    assert video.meta["phoneme_source"] == "silence"
    frames = np.stack(list(read_frames(video.path))).astype(np.float32)
    mouth = frames[:, 125:160, 195:250]
    assert np.abs(mouth - mouth[0]).max(axis=(1, 2, 3)).max() < 20  # mouth still (codec noise only)
    eyes = frames[:, 90:115, 185:270]
    eye_change = np.abs(eyes - frames[0, 90:115, 185:270]).mean(axis=(1, 2, 3))
    assert eye_change.max() > 5  # at least one blink in 4 s (the first comes within 0.8-2 s)


@pytest.mark.slow
def test_several_faces_largest_by_default_or_by_index(tmp_path: Path) -> None:
    import cv2
    from PIL import Image as PILImage

    photo = np.asarray(PILImage.open(PORTRAIT).convert("RGB"))
    small = cv2.resize(photo, (384, 384), interpolation=cv2.INTER_AREA)
    canvas = np.full((512, 896, 3), 200, np.uint8)
    canvas[:, :512] = photo
    canvas[64:448, 512:] = small
    path = tmp_path / "two.png"
    PILImage.fromarray(canvas).save(path)
    wav = write_wav(tmp_path / "s.wav", np.zeros(SR // 2, np.float32), SR)

    largest = run(path, wav, tmp_path / "a")
    assert largest.meta["n_faces"] == 2 and largest.meta["face_box"][0] < 512
    second = run(path, wav, tmp_path / "b", face_index=1)
    assert second.meta["face_box"][0] > 512
    with pytest.raises(BadInput, match=r"holds 2 face\(s\) — choose 0 \(largest\) to 1"):
        run(path, wav, tmp_path / "c", face_index=2)


@pytest.mark.slow
def test_a_huge_photo_is_scaled_down_and_says_so(tmp_path: Path) -> None:
    from PIL import Image as PILImage

    path = tmp_path / "huge.png"
    PILImage.open(PORTRAIT).resize((2048, 1536)).save(path)
    wav = write_wav(tmp_path / "s.wav", np.zeros(SR // 5, np.float32), SR)
    video = run(path, wav, tmp_path)
    assert (video.width, video.height) == (1024, 768)
    assert video.meta["downscaled_from"] == [2048, 1536]


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_photo_without_a_face_is_refused_clearly(tmp_path: Path) -> None:
    from PIL import Image as PILImage
    from skimage.data import coffee

    path = tmp_path / "photo.png"
    PILImage.fromarray(coffee()).save(path)
    wav = write_wav(tmp_path / "s.wav", np.zeros(SR, np.float32), SR)
    with pytest.raises(BadInput, match=r"no face found in photo\.png — use a clear, frontal portrait"):
        run(path, wav, tmp_path)
    assert not (tmp_path / "out" / "talking_face.mp4").exists()


@pytest.mark.slow
def test_a_face_too_small_to_animate_is_refused(tmp_path: Path) -> None:
    from PIL import Image as PILImage

    path = tmp_path / "small.png"
    PILImage.open(PORTRAIT).resize((256, 256)).save(path)
    wav = write_wav(tmp_path / "s.wav", np.zeros(SR, np.float32), SR)
    with pytest.raises(BadInput, match=r"too small to animate — .* at least 60 px wide"):
        run(path, wav, tmp_path)


@pytest.mark.parametrize(
    ("size", "said"), [((1, 3000), "is only 1×3000 px"), ((130, 3000), "too long and narrow")]
)
def test_a_sliver_of_a_picture_is_refused_before_it_is_scaled(tmp_path: Path, size, said) -> None:
    from PIL import Image as PILImage

    path = tmp_path / "sliver.png"
    PILImage.new("RGB", size, "gray").save(path)
    wav = write_wav(tmp_path / "s.wav", np.zeros(SR, np.float32), SR)
    with pytest.raises(BadInput, match=rf"sliver\.png .*{said}.* — give a portrait"):
        run(path, wav, tmp_path)


def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_text("definitely not a picture")
    wav = write_wav(tmp_path / "s.wav", np.zeros(SR, np.float32), SR)
    with pytest.raises(BadInput, match=r"photo\.png could not be read as an image .* give a photo"):
        run(path, wav, tmp_path)
    assert path.read_text() == "definitely not a picture"


@pytest.mark.slow
def test_audio_that_cannot_be_decoded_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "voice.wav"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(BadInput, match=r"voice\.wav could not be read as audio"):
        run(PORTRAIT, bad, tmp_path)


# -- the backend seam -----------------------------------------------------------------------


class _GreyRenderer:
    """A stand-in for a neural backend: grey frames, one per track frame."""

    name = "grey"

    def rest_open(self, portrait) -> float:
        return 0.0

    def frames(self, portrait, track, audio_path, device="cpu"):
        for _ in range(len(track)):
            yield np.full_like(portrait.rgb, 128)


@pytest.mark.slow
def test_a_registered_backend_is_selected_by_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_backends, "_BACKENDS", dict(_backends._BACKENDS))  # undone after the test
    register_backend("grey", _GreyRenderer)
    monkeypatch.setenv("TROUPE_FACE_BACKEND", "grey")
    wav = write_wav(tmp_path / "s.wav", np.zeros(SR // 2, np.float32), SR)
    video = run(PORTRAIT, wav, tmp_path)
    assert video.meta["backend"] == "grey"
    assert abs(next(read_frames(video.path)).mean() - 128) < 2

    monkeypatch.setenv("TROUPE_FACE_BACKEND", "wav2lip")
    with pytest.raises(ToolError, match=r"unknown talking_face backend .wav2lip.*known backends: grey, mesh"):
        run(PORTRAIT, wav, tmp_path / "again")


def test_importing_the_face_tools_loads_no_heavy_library() -> None:
    import sys

    code = "import sys, tools.face; print(sorted({'cv2', 'dlib', 'scipy', 'torch', 'pocketsphinx'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PORTRAIT.parents[1]
    )
    assert out.stdout.strip() == "[]"
