"""The audio-to-mouth model: the shipped weights, their agreement with real phoneme timings,
and the cues it gives for recordings without timings, awkward formats included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from face_helpers import SR, espeak, voiced

from tools import Audio
from tools._media import ffmpeg_exe, load_audio, write_wav
from tools.face._cues import speech_cues
from tools.face._mouth_data import frame_targets
from tools.face._mouth_model import CLASSES, FRAME_RATE, MODEL_FILE, MouthModel, log_mel, mouth_model
from tools.face._track import EMOTIONS, build_track

FPS = 25
SENTENCE = "Maybe we should meet at noon, by the big blue boat. Bye for now."


def convert(src: Path, dst: Path, *args: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(src), *args, str(dst)], check=True)
    return dst


def test_the_shipped_model_loads_with_its_provenance_and_predicts_per_frame() -> None:
    assert MODEL_FILE.stat().st_size < 10e6
    model = mouth_model()
    assert model is not None and model is mouth_model()  # loaded once
    assert {"data", "command", "commit", "piper_clean", "piper_augmented"} <= set(model.meta)
    assert 0 < model.lookahead_frames <= 20  # a short look-ahead: at most 200 ms
    y = voiced(1.0)
    probs = model.probabilities(log_mel(y))
    assert probs.shape == (FRAME_RATE, len(CLASSES))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4) and (probs >= 0).all()


def test_predictions_do_not_depend_on_the_length_of_what_follows() -> None:
    # A conv net with a bounded look-ahead: frames well before the end of a clip are the
    # same whether or not more audio follows (up to the per-recording level reference).
    model = MouthModel()
    y = np.tile(voiced(0.3), 4)
    x = log_mel(np.concatenate([y, y]))
    short, long = model.probabilities(x[:100]), model.probabilities(x)
    assert np.abs(short[:80] - long[:80]).max() < 1e-4


@pytest.mark.slow
def test_a_piper_sentence_is_read_as_its_phoneme_timings_say(tmp_path: Path) -> None:
    pytest.importorskip("piper")
    from scipy.signal import resample_poly

    from tools.speech._piper import piper_synthesize

    result = piper_synthesize(SENTENCE)
    y = resample_poly(result.audio, 320, 441).astype(np.float32)  # 22 050 -> 16 000 Hz
    probs = MouthModel().probabilities(log_mel(y))
    truth = frame_targets(result.phonemes, probs.shape[0])
    predicted = probs.argmax(axis=1)
    # Held-out Piper sentences score ~0.7 per frame (docs/face.md); 16 classes, chance ~0.1.
    assert np.mean(predicted == truth) > 0.55
    # Lips shut for p/b/m: the bilabial frames are mostly read as bilabials.
    bilabial = truth == CLASSES.index("PP")
    assert bilabial.sum() > 5 and np.mean(predicted[bilabial] == CLASSES.index("PP")) > 0.5


# -- cues from recordings without timings ----------------------------------------------


@pytest.fixture
def no_recogniser(monkeypatch) -> None:
    """No pocketsphinx (the face extra alone): the model is what reads untimed speech."""
    from tools.face import _cues

    monkeypatch.setattr(_cues, "_from_recognition", lambda audio: None)


def test_speech_without_timings_is_read_by_the_model(tmp_path: Path, no_recogniser) -> None:
    wav = espeak(tmp_path, SENTENCE)
    cues = speech_cues(Audio(path=wav), FPS)
    assert cues.source == "speech model" and cues.phonemes is None
    assert cues.visemes.shape == (pytest.approx(cues.duration_s * FRAME_RATE, abs=2), len(CLASSES))
    track = build_track(cues, EMOTIONS["neutral"], 0.0, rest_open=0.0)
    # The mouth opens and closes with the syllables: a wide range, and shut lips on "m"/"b".
    assert track.open.max() > 0.5 and np.percentile(track.open, 10) < 0.15


def test_untimed_speech_is_read_by_recognition_and_the_model_mixed(tmp_path: Path, monkeypatch) -> None:
    from tools.face import _cues

    wav = espeak(tmp_path, "Hello there.")
    cues = speech_cues(Audio(path=wav), FPS)
    assert cues.source == "phone recognition + speech model"
    assert cues.phonemes and cues.visemes is not None
    assert _cues.mouth_meta(cues) == {
        "mouth_source": "phone recognition + speech model",
        "phoneme_source": "phone recognition + speech model",
        "mouth_sources": ["phone recognition", "speech model"],
        "mouth_model_share": 0.5,
    }
    monkeypatch.setattr(_cues, "_from_model", lambda audio: None)  # no weights file
    assert speech_cues(Audio(path=wav), FPS).source == "phone recognition"
    monkeypatch.setattr(_cues, "_from_recognition", lambda audio: None)
    assert speech_cues(Audio(path=wav), FPS).source == "energy envelope"


def test_exact_timings_drive_the_mouth_alone(tmp_path: Path, monkeypatch) -> None:
    from face_helpers import speech_like

    from tools.face import _cues

    def must_not_run(audio):
        raise AssertionError("a reader ran although the audio has exact timings")

    monkeypatch.setattr(_cues, "_from_model", must_not_run)
    monkeypatch.setattr(_cues, "_from_recognition", must_not_run)
    cues = speech_cues(speech_like(tmp_path, [("AA", 0.2, 0.6)], 1.0), FPS)
    assert cues.source == "audio metadata" and cues.visemes is None
    assert _cues.mouth_meta(cues)["mouth_sources"] == ["audio metadata"]


def test_long_silences_inside_speech_close_the_mouth(tmp_path: Path, no_recogniser) -> None:
    y = load_audio(espeak(tmp_path, "Hello there."), SR)
    gap = np.zeros(3 * SR, np.float32)
    cues = speech_cues(Audio(path=write_wav(tmp_path / "gap.wav", np.concatenate([y, gap, y]), SR)), FPS)
    middle = cues.visemes[(y.size // 160) + 50 : (y.size // 160) + 250]  # inside the 3 s pause
    assert np.mean(middle.argmax(axis=1) == CLASSES.index("sil")) > 0.95


@pytest.mark.parametrize("rate", [8000, 96000])
def test_any_sample_rate_reads_like_16_khz(tmp_path: Path, rate: int, no_recogniser) -> None:
    wav = espeak(tmp_path, SENTENCE)
    reference = speech_cues(Audio(path=wav), FPS).visemes.argmax(axis=1)
    other = speech_cues(Audio(path=convert(wav, tmp_path / f"{rate}.wav", "-ar", str(rate))), FPS)
    assert other.source == "speech model"
    n = min(reference.size, other.visemes.shape[0])
    # 96 kHz holds the same 0–8 kHz band: nearly the same reading. 8 kHz loses 4–8 kHz
    # (s, f, th): still most frames agree (the model is trained with an 8 kHz channel).
    agreement = np.mean(other.visemes[:n].argmax(axis=1) == reference[:n])
    assert agreement > (0.9 if rate > SR else 0.6)


def test_stereo_with_the_voice_on_one_channel_is_read_like_mono(tmp_path: Path, no_recogniser) -> None:
    y = load_audio(espeak(tmp_path, SENTENCE), SR)
    mono = speech_cues(Audio(path=write_wav(tmp_path / "mono.wav", y, SR)), FPS).visemes
    stereo_path = tmp_path / "stereo.wav"
    import soundfile

    soundfile.write(stereo_path, np.stack([y, np.zeros_like(y)], axis=1), SR)
    stereo = speech_cues(Audio(path=stereo_path), FPS)
    assert stereo.source == "speech model"
    # The downmix halves the level (-6 dB); features are relative to the recording's level.
    assert np.mean(stereo.visemes.argmax(axis=1) == mono.argmax(axis=1)) > 0.9


def test_a_fifth_of_a_second_and_a_tone_give_sensible_cues(tmp_path: Path, no_recogniser) -> None:
    short = speech_cues(Audio(path=write_wav(tmp_path / "short.wav", voiced(0.2), SR)), FPS)
    assert short.loudness.size == 5 and short.visemes.shape == (20, len(CLASSES))
    t = np.arange(3 * SR) / SR
    chord = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0)) * 0.2
    music = speech_cues(Audio(path=write_wav(tmp_path / "chord.wav", chord.astype(np.float32), SR)), FPS)
    assert music.source == "speech model" and np.isfinite(music.visemes).all()


@pytest.mark.slow
def test_talking_face_says_the_model_drove_the_mouth(tmp_path: Path, no_recogniser) -> None:
    from face_helpers import PORTRAIT, read_frames

    from tools import Image, ToolContext, get_spec
    from tools.face import talking_face

    wav = convert(espeak(tmp_path, "Bye."), tmp_path / "short.wav", "-t", "0.2", "-ar", "8000")
    video = get_spec(talking_face).invoke(
        {"image": Image(path=PORTRAIT), "audio": Audio(path=wav), "head_motion": 0.0},
        ToolContext(output_dir=tmp_path / "out"),
    )
    assert video.meta["mouth_source"] == "speech model"
    assert len(list(read_frames(video.path))) == 5  # 0.2 s at 25 fps


@pytest.mark.parametrize("manner", ["whispered", "shouted"])
def test_whispered_and_shouted_speech_still_moves_the_mouth(
    tmp_path: Path, no_recogniser, manner: str
) -> None:
    import pyworld

    y = load_audio(espeak(tmp_path, SENTENCE), SR).astype(np.float64)
    if manner == "whispered":  # WORLD resynthesis with no voicing: all breath noise
        f0, t = pyworld.dio(y, SR)
        envelope = pyworld.cheaptrick(y, f0, t, SR)
        y = pyworld.synthesize(np.zeros_like(f0), envelope, np.ones_like(envelope), SR) * 0.3
    else:  # 20 dB of gain into a hard clipper
        y = np.clip(y * 10, -0.9, 0.9)
    cues = speech_cues(Audio(path=write_wav(tmp_path / f"{manner}.wav", y.astype(np.float32), SR)), FPS)
    assert cues.source == "speech model"
    track = build_track(cues, EMOTIONS["neutral"], 0.0, rest_open=0.0)
    # Syllables still open the mouth and pauses and closures shut it.
    assert track.open.max() > 0.4 and np.percentile(track.open, 10) < 0.15


def test_long_audio_is_read_by_the_model_in_bounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    from tools.face._cues import _from_model

    # Ten minutes: 38 MB of samples; analysed at once, ~0.9 GB (2 minutes peak at 178 MB).
    path = write_wav(tmp_path / "long.wav", np.tile(voiced(1.0, level=0.2), 600), SR)
    tracemalloc.start()
    visemes = _from_model(Audio(path=path))
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert visemes.shape == (600 * FRAME_RATE, len(CLASSES))
    assert peak_bytes < 80e6  # measured 60 MB: one 32 s block's analysis plus the 3.8 MB result
