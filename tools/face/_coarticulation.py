"""Co-articulation: how strongly each viseme pulls the mouth at each instant.

Cohen & Massaro (1993): each speech segment pulls the mouth toward its viseme with a
*dominance* that is highest over its own interval and falls off exponentially outside it,
with separate time constants before (anticipation) and after (carry-over) the interval; a
frame's shape is the dominance-weighted mean of all pulls.

Anticipation is asymmetric, as speech science measures it:

* **Closures coincide with the sound.** In running speech the lips seal for p/b/m, and the
  lower lip meets the teeth for f/v, at the acoustic closure, within a few tens of ms
  (Schwartz & Savariaux 2014, PLoS Comput Biol 10:e1003743: chained plosive–vowel syllables
  are in sync from 20 ms audio lead to 70 ms visual lead). Their pull is symmetric, with
  the carry-over constant on both sides, so a closure is neither early nor late.
* **Opening gestures start early.** Before a vowel the jaw and lips start to open well
  before it is heard: 100–300 ms at an utterance's start (Chandrasekaran et al. 2009, PLoS
  Comput Biol 5:e1000436; the "preparatory gestures" of Schwartz & Savariaux, about
  150 ms). A vowel's pull is 10 % of its dominance ``2.3 τ`` before its interval; with the
  20 ms lead below, τ = 55 ms starts the opening about 150 ms before the vowel.
* **Rounding starts earliest.** Lip rounding for a rounded vowel begins at the start of the
  consonants before it, up to four or more of them (Daniloff & Moll 1968, J Speech Hear
  Res 11:707; Benguerel & Cowan 1974, Phonetica 30:41): about 250 ms before the vowel,
  τ = 100 ms, for O, U and the protruded consonants (sh/ch, r).
* Tongue consonants (t, d, k, n, l, s, th) barely shape the lips and keep the symmetric
  constant; so does silence.

The constants come from that literature, not from measured video: no real talking-head
clip was used to choose them (docs/face.md).

Timed phonemes (:func:`viseme_weights`) and the speech model's per-frame probabilities
(:func:`frame_weights`) pull the same way: a frame's probability of a class acts as a 10 ms
segment of that class, so a likely p/b/m closes the lips against open neighbours as a timed
"m" does. When phone recognition and the model both read a recording, their readings are
mixed frame by frame (:data:`MODEL_SHARE`); exact timings (text_to_speech, forced
alignment) drive the mouth alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._visemes import VISEMES, viseme_for

if TYPE_CHECKING:
    from ._cues import SpeechCues

__all__ = [
    "CARRYOVER_S",
    "LEAD_S",
    "MODEL_SHARE",
    "VISEME_NAMES",
    "anticipation_s",
    "cue_weights",
    "frame_weights",
    "phone_frames",
    "viseme_weights",
]

#: How long a segment's pull lingers after its interval (decay constant, seconds).
CARRYOVER_S = 0.035
#: How early a segment's pull rises before its interval (decay constant, seconds), by class.
_ANTICIPATION_S = {
    **{name: CARRYOVER_S for name in ("sil", "PP", "FF", "TH", "DD", "kk", "SS", "nn")},
    **{name: 0.055 for name in ("aa", "E", "I", "schwa")},
    **{name: 0.10 for name in ("O", "U", "CH", "RR")},
}
#: The whole mouth leads the sound slightly (the acoustic onset of a sound lags the
#: articulators that make it): every pull is read this much later than the frame's time.
LEAD_S = 0.02
#: The viseme classes in the column order of the weights (silence excluded).
VISEME_NAMES = tuple(name for name in VISEMES if name != "sil")
#: The speech model's share when its probabilities are mixed with recognised phones.
MODEL_SHARE = 0.5
#: The speech model's viseme probabilities are smoothed this much (Gaussian sigma, s) before use.
_MODEL_SMOOTH_S = 0.02
#: Pulls are computed this many decay constants away from a segment, no further.
_REACH = 6


def anticipation_s(name: str) -> float:
    """The anticipation time constant of a viseme class, seconds."""
    return _ANTICIPATION_S[name]


def viseme_weights(phonemes: list[dict], times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Co-articulation weights of timed phonemes: how strongly each viseme pulls at each time.

    Each phoneme pulls with its viseme's dominance over its own interval, rising
    exponentially before it (its class's anticipation constant) and decaying after it
    (:data:`CARRYOVER_S`).

    Args:
        phonemes: ``{"phoneme", "start_s", "end_s"}`` entries.
        times: the instants to weigh, seconds (frame times plus any lead).

    Returns:
        ``(speech, silence)``: an ``len(times) × len(VISEME_NAMES)`` array of the speech
        visemes' pulls, and the pull toward rest (silences, plus a small floor so that
        frames no phoneme reaches return to rest).
    """
    column = {name: i for i, name in enumerate(VISEME_NAMES)}
    speech = np.zeros((times.size, len(VISEME_NAMES)))
    silence = np.full(times.size, 1e-3)
    for p in phonemes:
        start, end = p["start_s"], p["end_s"]
        v = viseme_for(p["phoneme"])
        before = anticipation_s(v.name)
        lo = max(0, int(np.searchsorted(times, start - _REACH * before)))
        hi = int(np.searchsorted(times, end + _REACH * CARRYOVER_S))
        if hi <= lo:
            continue
        t = times[lo:hi]
        distance = np.maximum(0.0, start - t) / before + np.maximum(0.0, t - end) / CARRYOVER_S
        w = v.dominance * np.exp(-distance)
        if v.open is None:
            silence[lo:hi] += w
        else:
            speech[lo:hi, column[v.name]] += w
    return speech, silence


def frame_weights(probs: np.ndarray, rate: float, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Co-articulation weights of per-frame viseme probabilities (silence first, as the model's).

    The probabilities are smoothed over :data:`_MODEL_SMOOTH_S`; each frame then acts as a
    segment ``1 / rate`` long pulling with its probability times its class's dominance, with
    the same asymmetric rise and decay as timed phonemes (the strongest pull of each class
    reaching a time counts), read at ``times``.
    """
    from scipy.ndimage import gaussian_filter1d

    from ._mouth_model import CLASSES

    p = gaussian_filter1d(probs.astype(np.float64), _MODEL_SMOOTH_S * rate, axis=0, mode="nearest")
    dominance = np.array([VISEMES[name].dominance for name in CLASSES])
    before = np.array([anticipation_s(name) for name in CLASSES])
    pulls = _spread(p * dominance, rate, before, CARRYOVER_S)
    at = np.clip(times * rate, 0, pulls.shape[0] - 1)
    lo = np.floor(at).astype(int)
    hi = np.minimum(lo + 1, pulls.shape[0] - 1)
    frac = (at - lo)[:, None]
    pulls = pulls[lo] * (1 - frac) + pulls[hi] * frac
    speech = pulls[:, [CLASSES.index(name) for name in VISEME_NAMES]]
    return speech, pulls[:, CLASSES.index("sil")] + 1e-3


def _spread(pulls: np.ndarray, rate: float, before_s: np.ndarray, after_s: float) -> np.ndarray:
    """Each column's strongest pull reaching each frame: ``max_s pulls[s] · exp(-|t - s| / τ)``,
    with τ ``before_s`` (per column) for frames before ``s`` and ``after_s`` for frames after.

    Computed in the log domain with running maxima (two passes, no loop over frames).
    """
    t = (np.arange(pulls.shape[0]) / rate)[:, None]
    log_p = np.log(np.maximum(pulls, 1e-30))
    carried = np.maximum.accumulate(log_p + t / after_s, axis=0) - t / after_s
    ahead = np.maximum.accumulate((log_p - t / before_s)[::-1], axis=0)[::-1] + t / before_s
    return np.exp(np.maximum(carried, ahead))


def phone_frames(phonemes: list[dict], n_frames: int, rate: float) -> np.ndarray:
    """Timed phonemes as per-frame class probabilities (one-hot, silence where none is)."""
    from ._mouth_model import CLASSES

    frames = np.zeros((n_frames, len(CLASSES)))
    frames[:, 0] = 1.0
    for p in phonemes:
        lo, hi = round(p["start_s"] * rate), round(p["end_s"] * rate)
        lo, hi = max(lo, 0), min(max(hi, lo + 1), n_frames)
        if hi > lo:
            frames[lo:hi] = 0.0
            frames[lo:hi, CLASSES.index(viseme_for(p["phoneme"]).name)] = 1.0
    return frames


def cue_weights(cues: SpeechCues, times: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The pulls at ``times`` from whatever drives the mouth; None when nothing does.

    Timed phonemes alone pull as segments; the speech model's probabilities alone, frame by
    frame; recognised phones together with the model, as their frame-by-frame mix
    (:data:`MODEL_SHARE` of the model).
    """
    from ._mouth_model import FRAME_RATE

    if cues.phonemes and cues.visemes is not None:
        heard = phone_frames(cues.phonemes, cues.visemes.shape[0], FRAME_RATE)
        mixed = (1.0 - MODEL_SHARE) * heard + MODEL_SHARE * cues.visemes
        return frame_weights(mixed, FRAME_RATE, times)
    if cues.phonemes:
        return viseme_weights(cues.phonemes, times)
    if cues.visemes is not None:
        return frame_weights(cues.visemes, FRAME_RATE, times)
    return None
