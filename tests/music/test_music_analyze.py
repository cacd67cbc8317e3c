"""music_analyze on signals with known answers: click tracks, rendered cadences, calibrated sines."""

from __future__ import annotations

import numpy as np
import pytest
from music_helpers import cadence_notes, render, save, score, tone

from tools import BadInput, Json, get_spec
from tools.music import music_analyze
from tools.music._theory import estimate_key
from tools.music.analyze import _key_weights

pytestmark = pytest.mark.slow
SR = 22050


def analyze(audio, ctx, **args) -> dict:
    result = get_spec(music_analyze).invoke({"audio": audio, **args}, ctx)
    assert isinstance(result, Json)
    return result.load()


@pytest.mark.parametrize("bpm", [75.0, 128.0, 172.0])
def test_tempo_of_a_drum_and_piano_groove(bpm: float, tmp_path, ctx) -> None:
    beat = 60.0 / bpm
    n = int(16 / beat)
    drums = score([], bpm=bpm)
    drums.instruments[0].is_drum = True
    for b in range(n):
        drum = 36 if b % 2 == 0 else 38
        drums.instruments[0].notes += (
            score([(b * beat, b * beat + 0.1, drum), (b * beat, b * beat + 0.1, 42)]).instruments[0].notes
        )
    chords = score([(b * beat, (b + 0.9) * beat, p) for b in range(n) for p in (60, 64, 67)])
    drums.instruments += chords.instruments
    result = analyze(render(drums, tmp_path / "groove.wav"), ctx)
    # librosa's own tests accept 2 %; the target is the same.
    assert result["tempo_bpm"] == pytest.approx(bpm, rel=0.02)
    intervals = np.diff(result["beats_s"])
    assert np.median(intervals) == pytest.approx(beat, rel=0.02)


@pytest.mark.parametrize(
    ("tonic", "minor", "name"), [(60, False, "C major"), (69, True, "A minor"), (66, False, "F# major")]
)
def test_key_of_a_rendered_cadence(tonic: int, minor: bool, name: str, tmp_path, ctx) -> None:
    audio = render(score(cadence_notes(tonic, minor)), tmp_path / "cadence.wav")
    result = analyze(audio, ctx, chords=True)
    assert result["key"] == name
    assert result["duration_s"] == pytest.approx(audio.duration_s, abs=0.01)
    # The opening chord is the tonic triad.
    assert result["chords"][0]["chord"] == f"{name.split()[0]}:{'min' if minor else 'maj'}"
    assert len(result["beat_chroma"]) >= len(result["beats_s"])
    assert all(len(column) == 12 for column in result["beat_chroma"])


def test_loudness_of_a_calibrated_sine(tmp_path, ctx) -> None:
    # BS.1770: a 997 Hz sine at full scale in one channel reads -3.01 LUFS; at -20 dBFS
    # peak that is -23.01 LUFS. K-weighting adds ~0.1 dB near 1 kHz, hence 0.3 LU.
    audio = save(tmp_path / "sine.wav", tone(997.0, 5.0, 48000, amplitude=0.1), 48000)
    result = analyze(audio, ctx)
    assert result["loudness_lufs"] == pytest.approx(-23.0, abs=0.3)
    assert result["peak_dbfs"] == pytest.approx(-20.0, abs=0.1)


def test_silence_is_refused(tmp_path, ctx) -> None:
    audio = save(tmp_path / "silence.wav", np.zeros(SR * 2), SR)
    before = audio.path.read_bytes()
    with pytest.raises(BadInput, match="silent"):
        analyze(audio, ctx)
    assert audio.path.read_bytes() == before


def test_a_text_file_is_refused(tmp_path, ctx) -> None:
    path = tmp_path / "song.wav"
    path.write_text("this is not audio")
    with pytest.raises(BadInput, match="could not be read as audio"):
        analyze(save(tmp_path / "x.wav", tone(440, 1, SR), SR).model_copy(update={"path": path}), ctx)
    assert path.read_text() == "this is not audio"


@pytest.mark.parametrize(("ending", "name"), [((9, 0, 4), "A minor"), ((0, 4, 7), "C major")])
def test_the_final_chord_settles_a_key_the_body_leaves_open(ending, name) -> None:
    """56 s cycling the six triads that C major and A minor share, then 2 s on one of them."""

    def frames(pitch_classes, n):
        column = np.full((12, 1), 0.05)
        column[list(pitch_classes)] = 1.0
        return np.repeat(column, n, axis=1)

    triads = [(0, 4, 7), (5, 9, 0), (7, 11, 2), (9, 0, 4), (2, 5, 9), (4, 7, 11)]
    chroma = np.hstack([frames(t, 5) for t in triads] * 20 + [frames(ending, 22)])
    key, _ = estimate_key(_key_weights(chroma, frame_s=2048 / 22050))
    assert key.name == name
