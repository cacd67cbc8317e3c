"""Per-frame animation parameters: mouth, eyes, brows and head, from speech cues and an emotion.

Everything here is in face-relative units (fractions of the largest speaking gap, of the
face's width…), so the same track can drive any renderer; :mod:`._mesh` turns it into
landmark positions. A track holds seven floats per frame (28 bytes), so it is
computed whole, even for hours of audio.

Co-articulation (:mod:`._coarticulation`) follows Cohen & Massaro (1993): each phoneme
pulls the mouth toward its viseme with a weight that is highest over its own interval,
rises before it (early for vowels and rounding) and decays after it; a frame's shape is the
weighted mean of all pulls. Strong visemes (p/b/m) win against weak neighbours, and the
mouth moves between shapes without snapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._coarticulation import LEAD_S, VISEME_NAMES, cue_weights, viseme_weights
from ._cues import SpeechCues
from ._visemes import VISEMES

__all__ = [
    "EMOTIONS",
    "LEAD_S",
    "VISEME_NAMES",
    "Expression",
    "FaceTrack",
    "build_track",
    "cue_weights",
    "loudness_gain",
    "smooth",
    "viseme_weights",
]

#: Blinks: mean and shortest gap between blinks (s), and the closing and opening times (s).
_BLINK_MEAN_GAP_S, _BLINK_MIN_GAP_S = 3.6, 1.2
_BLINK_CLOSE_S, _BLINK_OPEN_S = 0.07, 0.14
#: While speaking, the opening is the viseme's times a loudness gain, set by where a frame's
#: loudness ranks among this recording's own speech frames: the floor at silence and at the
#: quietest speech, 1 (the viseme's own opening) at the recording's median speech loudness,
#: the ceiling at its loudest. Ranks, not levels: a quiet or loud, compressed or dynamic
#: recording gives the same range of openings (louder syllables still open wider).
_LOUDNESS_FLOOR, _LOUDNESS_CEILING = 0.3, 1.3


@dataclass(frozen=True)
class Expression:
    """How an emotion shapes the face, constant over the video.

    Attributes:
        corner: mouth corners up (+, smile) or down (-), in units of 5 % of face height.
        brow_inner: inner brow ends up (+) or down (-), units of 6 % of face height.
        brow_outer: outer brow ends up or down, same units.
        brow_squeeze: inner brow ends pulled together (frown), units of 2 % of face width.
        eye_open: change of eye aperture, -0.3 (narrowed) to +0.4 (wide).
        jaw: smallest mouth opening, as a fraction of the largest speaking gap.
        articulation: scale of speaking mouth movements.
        motion: scale of idle head motion.
    """

    corner: float = 0.0
    brow_inner: float = 0.0
    brow_outer: float = 0.0
    brow_squeeze: float = 0.0
    eye_open: float = 0.0
    jaw: float = 0.0
    articulation: float = 1.0
    motion: float = 1.0


#: The speech tools' style labels (calm, excited) map onto the nearest face expression.
EMOTIONS: dict[str, Expression] = {
    "neutral": Expression(),
    "happy": Expression(corner=0.6, brow_inner=0.15, brow_outer=0.2, eye_open=-0.05, motion=1.1),
    "sad": Expression(
        corner=-0.8, brow_inner=0.7, brow_outer=-0.3, eye_open=-0.2, articulation=0.8, motion=0.6
    ),
    "angry": Expression(
        corner=-0.4, brow_inner=-0.9, brow_outer=0.2, brow_squeeze=1.0, eye_open=-0.15, articulation=1.1
    ),
    "surprised": Expression(
        brow_inner=1.0, brow_outer=1.0, eye_open=0.35, jaw=0.25, articulation=1.1, motion=0.9
    ),
    "calm": Expression(corner=0.15, eye_open=-0.05, articulation=0.85, motion=0.6),
    "excited": Expression(
        corner=0.7, brow_inner=0.4, brow_outer=0.4, eye_open=0.1, articulation=1.2, motion=1.5
    ),
}


@dataclass(frozen=True)
class FaceTrack:
    """Animation parameters, one value per video frame.

    Attributes:
        fps: frames per second.
        expression: the constant emotional shape.
        open: inner-lip gap, fraction of the largest speaking gap (0 = lips together).
        width: lip spread (+) or rounding (-), -1 to 1.
        blink: eyelid closure, 0 (open) to 1 (closed).
        roll: head tilt in radians.
        shift_x: head shift right, fraction of face width.
        shift_y: head shift down, fraction of face width.
        yaw: head turn, as the nose's shift relative to the face outline (fraction of width).
    """

    fps: float
    expression: Expression
    open: np.ndarray
    width: np.ndarray
    blink: np.ndarray
    roll: np.ndarray
    shift_x: np.ndarray
    shift_y: np.ndarray
    yaw: np.ndarray

    def __len__(self) -> int:
        return int(self.open.size)


def build_track(
    cues: SpeechCues, expression: Expression, head_motion: float, rest_open: float, seed: int = 0
) -> FaceTrack:
    """Animation parameters for every frame of ``cues``.

    Args:
        cues: loudness and phoneme timings of the speech.
        expression: the emotional shape.
        head_motion: idle head motion, 0 (still) to 1 (lively).
        rest_open: the photo's own mouth opening (fraction of the largest speaking gap);
            silence returns to it, so a closed-mouth photo stays closed.
        seed: seed of the blink and head-motion randomness (fixed: same input, same video).
    """
    n = cues.loudness.size
    fps = cues.fps
    times = np.arange(n) / fps
    rest = max(rest_open, expression.jaw)
    weighed = cue_weights(cues, times + LEAD_S)
    if weighed is not None:
        loud = smooth(cues.loudness, fps, 0.03)
        open_, width = _coarticulate(*weighed, loud, rest, expression)
    else:  # envelope only: louder is wider; silence is the photo's own mouth
        loud = smooth(cues.loudness, fps, 0.04)
        open_ = rest * (1.0 - loud) + 0.7 * expression.articulation * loud
        width = np.zeros(n)
    rng = np.random.default_rng(seed)
    blink = _blinks(times, rng)
    roll, shift_x, shift_y, yaw = _head_motion(
        times, cues.loudness, fps, head_motion * expression.motion, rng
    )
    f32 = np.float32
    return FaceTrack(
        fps, expression, np.clip(open_, 0.0, 1.2).astype(f32), np.clip(width, -1, 1).astype(f32),
        blink.astype(f32), roll.astype(f32), shift_x.astype(f32), shift_y.astype(f32), yaw.astype(f32),
    )  # fmt: skip


def _coarticulate(
    weights: np.ndarray,
    silence_w: np.ndarray,
    loudness: np.ndarray,
    rest: float,
    expr: Expression,
) -> tuple[np.ndarray, np.ndarray]:
    """Mouth opening and lip width per frame: the dominance-weighted blend of viseme targets.

    Speech visemes are blended apart from silences, so that loudness can scale the
    speaking mouth (the jaw opens wider on louder syllables, which is also what makes the
    mouth follow speech recorded without phoneme timings) while pauses return to rest.
    """
    opens = np.array([VISEMES[name].open for name in VISEME_NAMES])
    widths = np.array([VISEMES[name].width for name in VISEME_NAMES])
    speech_w = weights.sum(axis=1)
    speaking = speech_w > 0
    shape = np.where(speaking, weights @ opens / np.where(speaking, speech_w, 1.0), 0.0)
    share = speech_w / (speech_w + silence_w)
    gain = loudness_gain(loudness, (share > 0.5) & (loudness > 0))
    open_speech = np.maximum(expr.jaw, shape * expr.articulation * gain)
    return share * open_speech + (1.0 - share) * rest, weights @ widths / (speech_w + silence_w)


def loudness_gain(loudness: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """Per-frame scale of the speaking opening, from the frame's loudness rank among ``speech``.

    The rank ``F`` (0 to 1, ties at their mid-rank) of each frame's loudness among the
    frames marked ``speech`` maps piecewise linearly through (0, floor), (0.5, 1) and
    (1, ceiling); silent frames (loudness 0) get the floor. Without speech frames, 1.
    """
    levels = np.sort(loudness[speech])
    if levels.size == 0:
        return np.ones_like(loudness, dtype=np.float64)
    rank = (np.searchsorted(levels, loudness, "left") + np.searchsorted(levels, loudness, "right")) / (
        2.0 * levels.size
    )
    gain = np.interp(rank, (0.0, 0.5, 1.0), (_LOUDNESS_FLOOR, 1.0, _LOUDNESS_CEILING))
    return np.where(loudness > 0, gain, _LOUDNESS_FLOOR)


def _blinks(times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Eyelid closure per frame: quick close, slower open, at irregular intervals."""
    blink = np.zeros(times.size)
    if times.size == 0:
        return blink
    t = rng.uniform(0.8, 2.0)
    end = times[-1] + 1.0
    while t < end:
        rel = times - t
        closing = np.clip((rel + _BLINK_CLOSE_S) / _BLINK_CLOSE_S, 0, 1)
        opening = np.clip(1 - rel / _BLINK_OPEN_S, 0, 1)
        profile = np.where(rel < 0, closing, opening)
        lo, hi = np.searchsorted(times, [t - _BLINK_CLOSE_S - 0.05, t + _BLINK_OPEN_S + 0.05])
        blink[lo:hi] = np.maximum(blink[lo:hi], profile[lo:hi])
        t += _BLINK_MIN_GAP_S + rng.exponential(_BLINK_MEAN_GAP_S - _BLINK_MIN_GAP_S)
    # A blink lasts about five frames; make sure one of them shows the eye fully shut.
    peaks = (blink > 0.5) & (blink >= np.roll(blink, 1)) & (blink >= np.roll(blink, -1))
    blink[peaks] = 1.0
    return blink


def _head_motion(
    times: np.ndarray, loudness: np.ndarray, fps: float, amount: float, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Slow sway (sums of incommensurate sines) plus small nods on stressed syllables."""
    if amount <= 0:
        zeros = np.zeros(times.size)
        return zeros, zeros, zeros, zeros

    def sway(freqs_hz: tuple[float, ...]) -> np.ndarray:
        phases = rng.uniform(0, 2 * np.pi, len(freqs_hz))
        parts = [
            np.sin(2 * np.pi * f * times + ph) / (i + 1)
            for i, (f, ph) in enumerate(zip(freqs_hz, phases, strict=True))
        ]
        total = np.sum(parts, axis=0)
        return total / (np.abs(total).max() + 1e-9)

    emphasis = smooth(loudness, fps, 0.12) - smooth(loudness, fps, 0.8)
    roll = amount * np.radians(2.5) * sway((0.09, 0.23, 0.41))
    shift_x = amount * 0.02 * sway((0.07, 0.19, 0.37))
    shift_y = amount * (0.012 * sway((0.11, 0.29)) + 0.05 * np.clip(emphasis, 0, None))
    yaw = amount * 0.025 * sway((0.06, 0.17, 0.31))
    return roll, shift_x, shift_y, yaw


def smooth(x: np.ndarray, fps: float, sigma_s: float) -> np.ndarray:
    """Gaussian smoothing with a standard deviation of ``sigma_s`` seconds."""
    from scipy.ndimage import gaussian_filter1d

    return gaussian_filter1d(x.astype(np.float64), max(sigma_s * fps, 1e-3), mode="nearest")
