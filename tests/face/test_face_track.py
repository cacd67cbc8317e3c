"""Visemes, co-articulation, blinks and head motion: known phoneme schedules, known answers."""

from __future__ import annotations

import numpy as np
import pytest

from tools.face._cues import SpeechCues
from tools.face._track import EMOTIONS, build_track
from tools.face._visemes import VISEMES, viseme_for

FPS = 25
REST = 0.3  # the photo's own mouth opening, as a fraction of the largest speaking gap
NEUTRAL = EMOTIONS["neutral"]


@pytest.mark.parametrize(
    ("phoneme", "viseme"),
    [
        ("M", "PP"), ("b", "PP"), ("F", "FF"), ("v", "FF"), ("AA1", "aa"), ("ɑ", "aa"), ("ˈa", "aa"),
        ("UW0", "U"), ("uː", "U"), ("S", "SS"), ("tʃ", "CH"), ("sh", "CH"), ("ə", "schwa"),
        ("SIL", "sil"), (" ", "sil"), ("", "sil"), ("aɪ", "aa"), ("oʊ", "O"),
    ],
)  # fmt: skip
def test_phonemes_of_both_alphabets_map_to_their_viseme(phoneme: str, viseme: str) -> None:
    assert viseme_for(phoneme).name == viseme


def test_unknown_symbols_get_a_neutral_schwa() -> None:
    assert viseme_for("Q").name == "schwa"
    assert viseme_for("§").name == "schwa"


def test_lips_close_for_bilabials_and_hold_them_against_vowels() -> None:
    assert VISEMES["PP"].open == 0.0
    assert VISEMES["PP"].dominance > max(v.dominance for n, v in VISEMES.items() if n != "PP")


def _cues(phonemes: list[tuple[str, float, float]], duration_s: float, loudness: float = 0.6) -> SpeechCues:
    n = int(duration_s * FPS)
    loud = np.zeros(n, dtype=np.float32)
    for _, start, end in phonemes:
        loud[int(start * FPS) : int(end * FPS)] = loudness
    timed = [{"phoneme": p, "start_s": s, "end_s": e} for p, s, e in phonemes]
    return SpeechCues(FPS, duration_s, loud, timed, "audio metadata")


# "ma ma": open vowel, lips shut, open vowel; silence around.
MAMA = [("AA", 0.5, 0.9), ("M", 0.9, 1.1), ("AA", 1.1, 1.5)]


def test_mouth_opens_on_vowels_closes_on_m_and_rests_in_silence() -> None:
    track = build_track(_cues(MAMA, 2.5), EMOTIONS["neutral"], 0.0, REST)
    at = lambda t: float(track.open[round(t * FPS)])  # noqa: E731
    assert at(0.7) > 0.6  # "aa" opens to ~0.85 of the largest gap at typical loudness
    assert at(1.3) > 0.6
    assert at(1.0) < 0.15  # the lips (nearly) meet in the middle of a 200 ms "m"
    assert at(0.1) == pytest.approx(REST, abs=0.02)  # before speech: the photo's own mouth
    assert at(2.3) == pytest.approx(REST, abs=0.02)


def test_coarticulation_moves_the_mouth_without_snapping() -> None:
    track = build_track(_cues(MAMA, 2.5), EMOTIONS["neutral"], 0.0, REST)
    steps = np.abs(np.diff(track.open))
    # From wide open (0.85) to shut takes at least two frames: no single 40 ms jump
    # covers more than 70 % of the way.
    assert steps.max() < 0.7 * 0.85


def test_louder_syllables_open_wider_than_quieter_ones_of_the_same_recording() -> None:
    cues = _cues(MAMA, 2.5)
    loud = cues.loudness.copy()
    loud[round(1.1 * FPS) :] *= 0.4  # the second "ma" 8 dB quieter than the first
    track = build_track(SpeechCues(FPS, 2.5, loud, cues.phonemes, "audio metadata"), NEUTRAL, 0.0, REST)
    assert track.open[round(0.7 * FPS)] > track.open[round(1.3 * FPS)] + 0.2


def test_a_quiet_or_compressed_recording_opens_as_wide_as_a_loud_dynamic_one() -> None:
    # The same "ma ma" with a loud and a quiet syllable, as a dynamic recording, a quiet one
    # (every level a third) and a compressed one (levels squeezed toward the top).
    cues = _cues(MAMA, 2.5)
    loud = cues.loudness.copy()
    loud[round(1.1 * FPS) :] *= 0.4
    speech = loud > 0
    quiet, squeezed = loud / 3, np.where(speech, 0.8 + 0.2 * loud, 0.0)

    def opening(level: np.ndarray) -> np.ndarray:
        timed = SpeechCues(FPS, 2.5, level.astype(np.float32), cues.phonemes, "audio metadata")
        return build_track(timed, NEUTRAL, 0.0, REST).open

    reference = opening(loud)
    for other in (quiet, squeezed):
        # Equal but for a frame or two where smoothing blurs the edge of the sound.
        assert np.percentile(np.abs(opening(other) - reference), 95) < 0.05


def test_a_vowel_opens_well_before_it_is_heard_and_closes_when_it_ends() -> None:
    # Anticipation: a vowel's pull rises earlier before it than it decays after it.
    schedule = [("SIL", 0.0, 0.5), ("AA", 0.5, 0.9), ("SIL", 0.9, 1.5)]
    track = build_track(_cues(schedule, 1.5), NEUTRAL, 0.0, 0.0)
    at = lambda t: float(track.open[round(t * FPS)])  # noqa: E731
    peak = at(0.7)
    assert at(0.4) > 0.12 * peak  # 100 ms before the sound the mouth is already opening
    assert at(1.0) < 0.1 * peak  # 100 ms after it, it is (nearly) back at rest


def test_lips_meet_for_m_at_its_acoustic_closure_not_before() -> None:
    # "a-ma": the lips seal within the "m" and open on the vowels either side; the vowel
    # after the "m" does not open the lips before the "m" ends.
    schedule = [("AA", 0.4, 0.8), ("M", 0.8, 0.92), ("AA", 0.92, 1.3)]
    track = build_track(_cues(schedule, 2.0), NEUTRAL, 0.0, 0.0)
    at = lambda t: float(track.open[round(t * FPS)])  # noqa: E731
    assert at(0.72) > 0.5  # 80 ms before the closure the mouth is still open
    assert at(0.84) < 0.12  # shut inside the "m"
    assert at(0.88) < 0.2  # 40 ms before the release, barely parted (the pull of the vowel)
    assert at(1.0) > 0.5


def test_lip_rounding_starts_earlier_before_oo_than_it_lasts_after() -> None:
    schedule = [("SIL", 0.0, 0.3), ("HH", 0.3, 0.5), ("UW", 0.5, 0.7), ("HH", 0.7, 0.9), ("SIL", 0.9, 1.5)]
    track = build_track(_cues(schedule, 1.5), NEUTRAL, 0.0, 0.0)
    before, after = float(track.width[round(0.4 * FPS)]), float(track.width[round(0.8 * FPS)])
    assert before < -0.3  # rounded 100 ms ahead of the vowel, across the "h"
    assert before < after - 0.2


def test_per_frame_readings_pull_like_timed_phonemes() -> None:
    from tools.face._coarticulation import frame_weights, phone_frames, viseme_weights
    from tools.face._mouth_model import FRAME_RATE

    spoken = [("SIL", 0.0, 0.5), *MAMA, ("SIL", 1.5, 1.6), ("UW", 1.6, 1.9), ("SIL", 1.9, 2.5)]
    schedule = [{"phoneme": p, "start_s": s, "end_s": e} for p, s, e in spoken]
    times = np.arange(0, 2.5, 1 / FPS)
    timed = viseme_weights(schedule, times)
    framed = frame_weights(phone_frames(schedule, 250, FRAME_RATE), FRAME_RATE, times)
    share = lambda w: w[0].sum(axis=1) / (w[0].sum(axis=1) + w[1])  # noqa: E731
    assert np.abs(share(framed) - share(timed)).max() < 0.2  # the 20 ms smoothing of frames
    speaking = share(timed) > 0.5
    agree = framed[0].argmax(axis=1)[speaking] == timed[0].argmax(axis=1)[speaking]
    assert np.mean(agree) > 0.9


def test_recognised_phones_and_the_model_are_mixed_frame_by_frame() -> None:
    from tools.face._mouth_model import CLASSES, FRAME_RATE

    # Recognition hears "aa" for 0.4 s; the model reads the same stretch as "m".
    phones = [("AA", 0.5, 0.9)]
    cues = _cues(phones, 1.5)
    model = np.zeros((150, len(CLASSES)), np.float32)
    model[:, 0] = 1.0
    model[50:90] = 0.0
    model[50:90, CLASSES.index("PP")] = 1.0
    frame = round(0.7 * FPS)

    def opening(phonemes, visemes) -> float:
        mixed = SpeechCues(FPS, 1.5, cues.loudness, phonemes, "x", visemes=visemes)
        return float(build_track(mixed, NEUTRAL, 0.0, 0.0).open[frame])

    heard, read, both = opening(cues.phonemes, None), opening(None, model), opening(cues.phonemes, model)
    assert FRAME_RATE == 100 and read < 0.1 < heard - 0.3
    assert read + 0.05 < both < heard - 0.05


def test_envelope_alone_drives_the_mouth_when_no_phonemes_are_known() -> None:
    cues = _cues(MAMA, 2.5)
    cues = SpeechCues(FPS, cues.duration_s, cues.loudness, None, "energy envelope")
    track = build_track(cues, EMOTIONS["neutral"], 0.0, REST)
    assert np.corrcoef(track.open, cues.loudness)[0, 1] > 0.9
    assert track.open[round(0.1 * FPS)] == pytest.approx(REST, abs=0.02)


def test_blinks_are_irregular_complete_and_about_every_four_seconds() -> None:
    silence = SpeechCues(FPS, 60.0, np.zeros(60 * FPS, dtype=np.float32), None, "silence")
    track = build_track(silence, EMOTIONS["neutral"], 0.0, REST)
    starts = np.flatnonzero((track.blink[1:] > 0) & (track.blink[:-1] == 0))
    # People blink 10-20 times a minute at rest; the model's mean gap is 3.6 s (~17/min).
    assert 8 <= starts.size <= 25
    gaps = np.diff(starts) / FPS
    assert gaps.min() >= 1.0 and gaps.std() > 0.3  # never machine-gun, never metronomic
    closed = track.blink[starts[0] : starts[0] + 8]
    assert closed.max() == 1.0  # one frame of each blink shows the eye fully shut


def test_head_motion_zero_is_still_and_more_motion_moves_more() -> None:
    cues = _cues(MAMA, 10.0)
    still = build_track(cues, EMOTIONS["neutral"], 0.0, REST)
    calm = build_track(cues, EMOTIONS["neutral"], 0.3, REST)
    lively = build_track(cues, EMOTIONS["neutral"], 1.0, REST)
    for name in ("roll", "shift_x", "shift_y", "yaw"):
        assert not getattr(still, name).any()
        assert np.ptp(getattr(lively, name)) > np.ptp(getattr(calm, name)) > 0
    assert np.degrees(np.abs(lively.roll).max()) <= 3.0  # idle sway, not a head shake


def test_a_track_is_deterministic() -> None:
    a = build_track(_cues(MAMA, 5.0), EMOTIONS["happy"], 0.5, REST)
    b = build_track(_cues(MAMA, 5.0), EMOTIONS["happy"], 0.5, REST)
    np.testing.assert_array_equal(a.roll, b.roll)
    np.testing.assert_array_equal(a.blink, b.blink)


def test_speech_style_labels_map_onto_expressions() -> None:
    for label in ("neutral", "happy", "sad", "angry", "calm", "excited", "surprised"):
        assert label in EMOTIONS
    assert EMOTIONS["happy"].corner > 0 > EMOTIONS["sad"].corner
    assert EMOTIONS["surprised"].brow_inner > 0 > EMOTIONS["angry"].brow_inner
    assert EMOTIONS["excited"].motion > EMOTIONS["neutral"].motion > EMOTIONS["calm"].motion
