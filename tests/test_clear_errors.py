"""Inputs that used to surface internals (numpy broadcasting, Pillow, pydantic dumps, ffmpeg
logs) now finish, or are refused with one line that says what was wrong and what to do.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from agent import Plan, PlanError, UserFiles, validate_plan
from tests.badfiles import float_wav, png_claiming, wav_bytes
from tools import Audio, BadInput, ToolContext, default_registry
from tools._media import write_wav
from tools.face._portrait import read_rgb

REGISTRY = default_registry(entry_points=False)


def invoke(tool: str, args: dict, tmp_path):
    return REGISTRY.get(tool).invoke(args, ToolContext(output_dir=tmp_path / "out", step_id="s"))


def one_line_refusal(tool: str, args: dict, tmp_path) -> str:
    with pytest.raises(BadInput) as caught:
        invoke(tool, args, tmp_path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def tone(path, seconds: float, sr: int = 16000):
    t = np.arange(int(seconds * sr)) / sr
    return Audio(path=write_wav(path, 0.5 * np.sin(2 * np.pi * 220 * t), sr))


def test_gesture_on_a_third_of_a_second_finishes(tmp_path):
    result = invoke("co_speech_gesture", {"audio": tone(tmp_path / "short.wav", 0.3)}, tmp_path)
    assert result.motion.n_frames == 9  # 0.3 s at 30 fps
    assert result.preview.path.is_file()


def test_a_one_sample_recording_is_called_too_short_not_silent(tmp_path):
    blip = Audio(path=wav_bytes(tmp_path / "blip.wav", 16000, 1, struct.pack("<h", 16000)))
    for tool in ("speech_emotion", "co_speech_gesture", "music_analyze", "transcribe"):
        message = one_line_refusal(tool, {"audio": blip}, tmp_path)
        assert "blip.wav lasts only 0.062 ms; at least" in message, (tool, message)


def test_a_nul_in_text_to_speak_is_named(tmp_path):
    message = one_line_refusal("text_to_speech", {"text": "hello\x00 world"}, tmp_path)
    assert message == "the text holds a control character (U+0000) at character 6 — give plain text"


def test_emoji_are_judged_by_sentiment_and_unspeakable_for_speech(tmp_path):
    result = invoke("text_sentiment", {"text": "😀😀🎉"}, tmp_path)
    assert result.label == "positive" and result.emotion == "happy"
    sad = invoke("text_sentiment", {"text": "😢💔"}, tmp_path)
    assert sad.label == "negative"
    message = one_line_refusal("text_to_speech", {"text": "😀😀🎉"}, tmp_path)
    assert message.startswith("the text has nothing to speak: it holds only symbols or emoji")


def test_bad_numbers_are_plan_issues(tmp_path):
    voice = tone(tmp_path / "voice.wav", 1.0).path
    plan = Plan.from_data(
        {
            "steps": [
                {"id": "m", "tool": "music_generate", "args": {"seed": -1}},
                {
                    "id": "x",
                    "tool": "audio_mix",
                    "args": {"tracks": ["@voice.wav"], "gains_db": [float("nan")]},
                },
            ]
        }
    )
    with pytest.raises(PlanError) as caught:
        validate_plan(plan, REGISTRY, UserFiles([voice]))
    assert [str(i) for i in caught.value.issues] == [
        "step 'm': argument 'seed' = -1: input should be greater than or equal to 0",
        "step 'x': argument 'gains_db' = [nan]: input should be a finite number",
    ]


def test_a_picture_pillow_will_not_open_is_refused_by_the_face_reader_too(tmp_path):
    with pytest.raises(BadInput, match=r"huge\.png has too many pixels to decode safely — scale it down"):
        read_rgb(png_claiming(tmp_path / "huge.png", 20000, 20000))


def test_ffmpeg_failures_read_as_one_line(tmp_path):
    fake = tmp_path / "song.wav"
    fake.write_text("these are words, not sound\n" * 20)
    message = one_line_refusal("transcribe", {"audio": Audio(path=fake)}, tmp_path)
    assert message == (
        "song.wav could not be read as audio (Invalid data found when processing input) "
        "— give a wav, mp3, flac or ogg file"
    )


def test_samples_that_are_not_numbers_are_refused_before_any_work(tmp_path):
    nan = Audio(path=float_wav(tmp_path / "nan.wav", [float("nan"), float("inf"), 0.5]))
    for tool in ("speech_emotion", "co_speech_gesture", "music_analyze", "transcribe"):
        message = one_line_refusal(tool, {"audio": nan}, tmp_path)
        assert message == (
            "nan.wav holds samples that are not numbers (NaN or infinity) — the file is damaged: "
            "re-export it as 16-bit WAV or FLAC"
        ), tool
