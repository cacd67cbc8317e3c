"""Speech cues: loudness per frame from real signals, and the choice of phoneme source."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from face_helpers import SR, espeak, speech_like, voiced

from tools import Audio
from tools._media import write_wav
from tools.face._cues import loudness_envelope, speech_cues

FPS = 25


def test_loudness_follows_a_tone_burst_frame_by_frame(tmp_path: Path) -> None:
    # 1 s of buzz, 1 s of silence, 0.5 s of buzz 20 dB quieter.
    y = np.concatenate([voiced(1.0, level=0.5), np.zeros(SR, np.float32), voiced(0.5, level=0.05)])
    loud, duration_s, peak_db = loudness_envelope(write_wav(tmp_path / "b.wav", y, SR), FPS)
    assert duration_s == pytest.approx(2.5, abs=1e-3)
    assert loud.size == 63  # ceil(2.5 s × 25 fps)
    assert loud[1:24].min() == pytest.approx(1.0, abs=0.05)  # the loud burst is full scale
    assert loud[26:49].max() == 0.0  # true silence is zero
    # 20 dB quieter on a 30 dB scale → 1 - 20/30 ≈ 0.33 (± a frame-edge effect).
    assert np.median(loud[51:62]) == pytest.approx(1 - 20 / 30, abs=0.05)
    assert peak_db > -20


def test_silent_audio_is_recognised_as_silence(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "quiet.wav", np.zeros(SR, np.float32), SR)
    cues = speech_cues(Audio(path=path), FPS)
    assert cues.is_silent and cues.phonemes is None
    assert cues.loudness.size == FPS and not cues.loudness.any()


def test_phonemes_in_the_metadata_are_used_as_given(tmp_path: Path) -> None:
    audio = speech_like(tmp_path, [("AA", 0.2, 0.6), ("M", 0.6, 0.8)], 1.0)
    cues = speech_cues(audio, FPS)
    assert cues.source == "audio metadata"
    assert [p["phoneme"] for p in cues.phonemes] == ["AA", "M"]


def test_malformed_phoneme_metadata_falls_back_to_recognition(tmp_path: Path) -> None:
    audio = speech_like(tmp_path, [("AA", 0.2, 0.6)], 1.0)
    broken = Audio(path=audio.path, meta={"phonemes": [{"phoneme": "AA", "start_s": "soon"}, "x", None]})
    assert speech_cues(broken, FPS).source != "audio metadata"


@pytest.mark.slow
def test_phone_recognition_times_real_speech(tmp_path: Path) -> None:
    path = espeak(tmp_path, "Maybe we should meet at noon, by the big blue boat.")
    cues = speech_cues(Audio(path=path), FPS)
    assert cues.source in ("phone recognition + speech model", "forced alignment")
    spoken = [p for p in cues.phonemes if p["phoneme"] != "SIL"]
    # About 35 phones in the sentence; recognition of synthetic speech merges or splits a few.
    assert 20 <= len(spoken) <= 60
    loud_frames = np.flatnonzero(cues.loudness > 0.3) / FPS
    # Recognised phones sit where the sound is: their midpoints lie within 0.25 s of loud frames.
    mids = np.array([(p["start_s"] + p["end_s"]) / 2 for p in spoken])
    distance = np.abs(mids[:, None] - loud_frames[None, :]).min(axis=1)
    assert np.mean(distance < 0.25) > 0.9


def test_long_audio_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    # Ten minutes at 16 kHz: 38 MB as float32 if decoded at once.
    minute = np.tile(voiced(1.0, level=0.2), 60)
    path = tmp_path / "long.wav"
    write_wav(path, np.tile(minute, 10), SR)
    tracemalloc.start()
    loud, duration_s, _ = loudness_envelope(path, FPS)
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert duration_s == pytest.approx(600.0, abs=0.01)
    assert loud.size == 600 * FPS
    assert peak_bytes < 8e6  # 10 s blocks (0.6 MB as float32, 1.3 MB as float64) plus the envelope


def test_known_text_is_force_aligned_when_the_audio_has_no_phonemes(tmp_path: Path, monkeypatch) -> None:
    import tools.speech

    calls = []

    def fake_align(audio_path, text):
        calls.append(text)
        return {"words": [], "phonemes": [{"phoneme": "AA", "start_s": 0.2, "end_s": 0.6}]}

    monkeypatch.setattr(tools.speech, "align", fake_align)
    audio = speech_like(tmp_path, [("AA", 0.2, 0.6)], 1.0)
    words = [{"word": "ah", "start_s": 0.2, "end_s": 0.6}]
    cues = speech_cues(Audio(path=audio.path, meta={"words": words}), FPS)
    assert cues.source == "forced alignment" and calls == ["ah"]
