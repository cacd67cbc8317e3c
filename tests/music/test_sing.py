"""sing: a composed or given melody sung by the Piper voice through the WORLD vocoder.

Pitch is checked with an independent tracker (librosa's pYIN) against the notes the tool
says it sang, in cents; timings are checked against the MIDI it wrote.
"""

from __future__ import annotations

import numpy as np
import pretty_midi
import pytest

from tools import BadInput, Midi
from tools.music import sing

pytest.importorskip("pyworld")
pytest.importorskip("piper")
pytestmark = pytest.mark.slow

LINE = "twinkle twinkle little star"  # 7 syllables, one phrase: no melisma


#: First characters of the phonemes a singer voices: vowels and sonorants ("l" in "-kle").
_VOICED = set("aeiouæɑɒɔəɚɛɜɪʊʌʏyøœɐɨʉɯɤlmnŋɹrɾwj")


def _pitch_errors(path, notes, phonemes=None) -> tuple[list[float], list[float]]:
    """Per note: median |error| in cents over its pYIN-voiced frames, and its voiced fraction.

    The first 100 ms (consonants, portamento, overshoot) and last 50 ms (glide to the next
    note) of each note are left out: they are meant to be off the note's pitch. With the
    sung ``phonemes``, only the frames of vowels and sonorants count: the next syllable's
    onset consonants ("t" of "twin-") are sung at the end of a note and are meant unvoiced.
    """
    import librosa

    y, sr = librosa.load(path, sr=22050, mono=True)
    hop = 110  # 5 ms
    f0, voiced, _ = librosa.pyin(y, fmin=60, fmax=500, sr=sr, frame_length=1024, hop_length=hop)
    t = np.arange(len(f0)) * hop / sr
    sung = np.ones(len(t), bool)
    if phonemes:
        sung[:] = False
        for p in phonemes:
            if p["phoneme"][:1] in _VOICED:
                sung |= (t >= p["start_s"]) & (t < p["end_s"])
    errors, voiced_share = [], []
    for start, end, pitch in notes:
        frames = (t >= start + 0.1) & (t < end - 0.05) & sung
        if frames.sum() < 3:
            continue
        ok = voiced[frames] & np.isfinite(f0[frames])
        voiced_share.append(float(ok.mean()))
        if ok.any():
            target = librosa.midi_to_hz(pitch)
            errors.append(float(np.median(np.abs(1200 * np.log2(f0[frames][ok] / target)))))
    return errors, voiced_share


def _voice_notes(midi: Midi) -> list[tuple[float, float, int]]:
    pm = pretty_midi.PrettyMIDI(str(midi.path))
    voice = next(i for i in pm.instruments if i.name == "voice")
    return [(n.start, n.end, n.pitch) for n in voice.notes]


def _melody_file(tmp_path, notes, name="tune.mid", chords=False, drums_only=False) -> Midi:
    pm = pretty_midi.PrettyMIDI(initial_tempo=120)
    inst = pretty_midi.Instrument(0, is_drum=drums_only)
    inst.notes = [pretty_midi.Note(90, p, a, b) for a, b, p in notes]
    pm.instruments.append(inst)
    if chords:
        pad = pretty_midi.Instrument(48, name="strings")
        pad.notes = [pretty_midi.Note(60, p, 0.0, notes[-1][1]) for p in (48, 52, 55)]
        pm.instruments.append(pad)
    path = tmp_path / name
    pm.write(str(path))
    return Midi(path=path)


def test_a_composed_line_is_sung_on_pitch_one_note_per_syllable(ctx) -> None:
    sung = sing(LINE, key="C major", tempo=96, ctx=ctx)
    notes = _voice_notes(sung.midi)
    assert len(sung.audio.meta["syllables"]) == 7
    assert len(notes) == 7  # one phrase: its held end gets no melisma
    errors, voiced = _pitch_errors(sung.audio.path, notes, sung.audio.meta["phonemes"])
    # 50 cents is half a semitone: a wrong note is off by 100 cents or more, while the
    # vibrato (25 cents peak, median |deviation| about 18) stays well inside.
    assert np.median(errors) <= 50, errors
    assert max(errors) <= 80, errors
    assert np.mean(np.array(voiced) >= 0.5) >= 0.9, voiced
    # Stressed syllables ("TWIN-", "LIT-", "STAR") start on beats.
    beat_s = 60 / 96
    for syllable in sung.audio.meta["syllables"]:
        onset = syllable["notes"][0][0]
        if syllable["stressed"]:
            offset = (onset - notes[0][0]) / beat_s
            assert abs(offset - round(offset)) < 1e-3, syllable
    # The phrase ends on the tonic, held longer than any other note.
    assert notes[-1][2] % 12 == 0
    assert notes[-1][1] - notes[-1][0] == max(b - a for a, b, _ in notes)


def test_phoneme_and_word_timings_follow_the_notes(ctx) -> None:
    sung = sing("happy birthday dear Sam", key="G", tempo=100, ctx=ctx)
    meta = sung.audio.meta
    assert [w["word"] for w in meta["words"]] == ["happy", "birthday", "dear", "Sam"]
    assert meta["phoneme_set"] == "espeak-ipa"
    starts = [p["start_s"] for p in meta["phonemes"]]
    assert starts == sorted(starts)
    assert meta["phonemes"][-1]["end_s"] <= sung.audio.duration_s + 1e-3
    # Each syllable's vowel begins on its note's onset (the consonants lead into it).
    vowels = [p for p in meta["phonemes"] if p["phoneme"][0] in "æɜɪeaiɑ"]
    onsets = [s["notes"][0][0] for s in meta["syllables"]]
    for onset in onsets:
        assert min(abs(v["start_s"] - onset) for v in vowels) < 0.011


def test_a_given_melody_is_followed_and_moved_into_the_voice_range(ctx, tmp_path) -> None:
    high = [(0.5 + 0.5 * i, 1.0 + 0.5 * i, p) for i, p in enumerate((84, 86, 88, 84, 91, 89, 88))]
    sung = sing(LINE, melody=_melody_file(tmp_path, high, chords=True), ctx=ctx)
    assert any("down 3 octaves" in n for n in sung.notes), sung.notes
    notes = _voice_notes(sung.midi)
    assert [p for _, _, p in notes] == [p - 36 for _, _, p in high]
    errors, voiced = _pitch_errors(sung.audio.path, notes, sung.audio.meta["phonemes"])
    assert np.median(errors) <= 50, errors
    assert np.mean(np.array(voiced) >= 0.5) >= 0.9, voiced


def test_a_melody_with_more_notes_gets_melismas_and_one_with_fewer_repeats_notes(ctx, tmp_path) -> None:
    many = [(0.5 + 0.25 * i, 0.75 + 0.25 * i, 55 + (i % 5)) for i in range(11)]
    sung = sing(LINE, melody=_melody_file(tmp_path, many), ctx=ctx)
    syllables = sung.audio.meta["syllables"]
    assert sum(len(s["notes"]) for s in syllables) == 11
    assert all(s["notes"] for s in syllables)
    assert any("several notes" in n for n in sung.notes)

    few = [(0.5, 1.5, 55), (1.5, 2.5, 57), (2.5, 4.0, 59)]
    sung = sing(LINE, melody=_melody_file(tmp_path, few, name="few.mid"), ctx=ctx)
    assert [len(s["notes"]) for s in sung.audio.meta["syllables"]] == [1] * 7
    assert any("repeated" in n or "sung 3 times" in n for n in sung.notes), sung.notes


def test_accompaniment_is_mixed_under_the_voice(ctx) -> None:
    sung = sing("sing a song of joy", mood="happy", accompaniment=True, ctx=ctx)
    assert sung.vocals is not None and sung.audio.channels == 2
    pm = pretty_midi.PrettyMIDI(str(sung.midi.path))
    assert {"voice", "chords"} <= {i.name for i in pm.instruments}
    assert sung.audio.meta["words"]  # talking_face can still lip-sync the mix


@pytest.mark.parametrize(
    ("lyrics", "message"),
    [
        ("   ", "empty"),
        ("!!! ???", "empty"),
        ("🎵🎵", "nothing to speak"),
        ("Привет, как дела", "English only"),
        ("qué pasó mañana, señorita, dónde está", "English lyrics only"),
        ("la " * 1100, "at most 2,000"),
    ],
)
def test_bad_lyrics_are_refused_clearly(ctx, lyrics, message) -> None:
    with pytest.raises(BadInput, match=message):
        sing(lyrics, ctx=ctx)


def test_a_melody_without_notes_is_refused(ctx, tmp_path) -> None:
    empty = pretty_midi.PrettyMIDI()
    empty.instruments.append(pretty_midi.Instrument(0))
    empty.write(str(tmp_path / "empty.mid"))
    with pytest.raises(BadInput, match="no notes"):
        sing(LINE, melody=Midi(path=tmp_path / "empty.mid"), ctx=ctx)
    drums = _melody_file(tmp_path, [(0, 0.5, 36), (0.5, 1, 38)], name="drums.mid", drums_only=True)
    with pytest.raises(BadInput, match="no pitched notes"):
        sing(LINE, melody=drums, ctx=ctx)
