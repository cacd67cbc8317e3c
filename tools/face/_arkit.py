"""ARKit's 52 blendshapes and head and eye rotations, from the same cues and track as talking_face.

The mouth comes from two sources that talking_face also uses: the track's co-articulated,
loudness-scaled opening drives ``jawOpen``, and the per-viseme co-articulation weights
(:func:`._track.viseme_weights`) blend each viseme's lip pose (pucker for "oo", stretch for
"ee", lips sealed for p/b/m…). The emotion adds constant offsets (smile, frown, brows,
squint), the track gives blinks and head motion, and the eyes make small saccades. During
silence the face breathes: the jaw, nostrils and head follow a slow breathing cycle.

Rotations are in radians: yaw positive to the character's left, pitch positive nodding
down, roll positive tilting toward the character's left shoulder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._coarticulation import LEAD_S, VISEME_NAMES, cue_weights
from ._cues import SpeechCues
from ._track import Expression, FaceTrack, smooth

__all__ = ["ARKIT_NAMES", "ROTATION_NAMES", "FaceCurves", "face_curves"]

#: The 52 blendshapes in the order Live Link Face writes them (ARKit's names, camelCase).
ARKIT_NAMES: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft",
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawRight", "jawLeft", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthRight", "mouthLeft",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)  # fmt: skip
#: Head and eye rotations, radians, in Live Link Face's column order.
ROTATION_NAMES: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll",
    "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)  # fmt: skip

#: Lip poses of the speech visemes, at full strength; "close" is mouthClose as a share of
#: jawOpen (1 = lips sealed however far the jaw drops). Paired names mean both sides.
_POSES: dict[str, dict[str, float]] = {
    "PP": {"close": 1.0, "mouthPress": 0.35, "mouthRollLower": 0.1},
    "FF": {"close": 0.6, "mouthRollLower": 0.55, "mouthUpperUp": 0.2},
    "TH": {"tongueOut": 0.45},
    "DD": {"mouthShrugUpper": 0.1},
    "kk": {},
    "CH": {"mouthFunnel": 0.6, "mouthPucker": 0.3, "mouthShrugUpper": 0.2},
    "SS": {"mouthStretch": 0.3, "mouthSmile": 0.1, "close": 0.3},
    "nn": {"mouthShrugUpper": 0.05},
    "RR": {"mouthFunnel": 0.35, "mouthPucker": 0.4},
    "aa": {"mouthLowerDown": 0.3, "mouthUpperUp": 0.1},
    "E": {"mouthStretch": 0.3, "mouthSmile": 0.15, "mouthLowerDown": 0.15},
    "I": {"mouthStretch": 0.45, "mouthSmile": 0.25},
    "O": {"mouthFunnel": 0.6, "mouthPucker": 0.35},
    "U": {"mouthPucker": 0.8, "mouthFunnel": 0.35},
    "schwa": {},
}
#: Depth of the nose tip in front of the head's turning axis, in face widths: converts the
#: track's nose shift (its head turn) into a yaw angle, and its nod shift into pitch.
_NOSE_DEPTH = 0.35
#: Breathing: period (s) and how far the jaw and nostrils move at the top of a breath.
_BREATH_S, _BREATH_JAW, _BREATH_NOSE = 4.0, 0.04, 0.08
#: Saccades: mean gap (s), largest gaze angle (rad), and the eyeLook value of 1 (rad).
_SACCADE_GAP_S, _GAZE_MAX, _LOOK_FULL = 1.6, np.radians(6.0), np.radians(30.0)


@dataclass(frozen=True)
class FaceCurves:
    """One value per frame for every blendshape and rotation.

    Attributes:
        fps: frames per second.
        shapes: ``n_frames × 52`` float32 in 0–1, columns in :data:`ARKIT_NAMES` order.
        rotations: ``n_frames × 9`` float32 radians, columns in :data:`ROTATION_NAMES` order.
    """

    fps: float
    shapes: np.ndarray
    rotations: np.ndarray

    def __len__(self) -> int:
        return int(self.shapes.shape[0])

    def shape(self, name: str) -> np.ndarray:
        """The curve of one blendshape by its ARKit name."""
        return self.shapes[:, ARKIT_NAMES.index(name)]


def face_curves(cues: SpeechCues, track: FaceTrack, seed: int = 0) -> FaceCurves:
    """ARKit curves for every frame of ``track`` (built from ``cues`` by ``build_track``)."""
    n, fps = len(track), track.fps
    times = np.arange(n) / fps
    out: dict[str, np.ndarray] = {name: np.zeros(n) for name in ARKIT_NAMES}

    def add(name: str, value: np.ndarray | float) -> None:
        if name in out:
            out[name] = out[name] + value
        else:  # a paired name: both sides
            out[name + "Left"] = out[name + "Left"] + value
            out[name + "Right"] = out[name + "Right"] + value

    jaw = track.open.astype(np.float64)
    speaking = np.zeros(n)
    weighed = cue_weights(cues, times + LEAD_S)
    if weighed is not None:
        weights, silence_w = weighed
        total = weights.sum(axis=1) + silence_w
        speaking = weights.sum(axis=1) / total
        close = np.zeros(n)
        for i, name in enumerate(VISEME_NAMES):
            share = weights[:, i] / total
            for shape, amount in _POSES[name].items():
                if shape == "close":
                    close += share * amount
                else:
                    add(shape, share * amount * track.expression.articulation)
        out["mouthClose"] = np.minimum(close, 1.0) * jaw
    elif not cues.is_silent:
        speaking = smooth(cues.loudness, fps, 0.1).clip(0, 1)

    _emotion(add, track.expression)
    breath = (0.5 - 0.5 * np.cos(2 * np.pi * times / _BREATH_S)) * (1.0 - speaking)
    out["jawOpen"] = jaw + _BREATH_JAW * breath
    add("noseSneer", _BREATH_NOSE * breath)
    add("eyeBlink", track.blink)

    rng = np.random.default_rng(seed + 1)
    gaze_yaw, gaze_pitch = _saccades(times, rng)
    _look(add, gaze_yaw, gaze_pitch)
    yaw = np.arcsin(np.clip(track.yaw / _NOSE_DEPTH, -1, 1))
    pitch = np.arcsin(np.clip(track.shift_y / _NOSE_DEPTH, -1, 1)) - 0.02 * breath
    rotations = np.stack(
        [yaw, pitch, track.roll, gaze_yaw, gaze_pitch, np.zeros(n), gaze_yaw, gaze_pitch, np.zeros(n)], axis=1
    )
    shapes = np.clip(np.stack([out[name] for name in ARKIT_NAMES], axis=1), 0.0, 1.0)
    return FaceCurves(fps, shapes.astype(np.float32), rotations.astype(np.float32))


def _emotion(add, expr: Expression) -> None:
    """Constant offsets of an emotion (the track's expression in ARKit terms)."""
    if expr.corner > 0:
        add("mouthSmile", 0.55 * expr.corner)
        add("cheekSquint", 0.35 * expr.corner)
    else:
        add("mouthFrown", -0.6 * expr.corner)
    if expr.brow_inner > 0:
        add("browInnerUp", 0.7 * expr.brow_inner)
    else:
        add("browDown", -0.6 * expr.brow_inner)
    if expr.brow_outer > 0:
        add("browOuterUp", 0.6 * expr.brow_outer)
    else:
        add("browDown", -0.3 * expr.brow_outer)
    add("browDown", 0.3 * expr.brow_squeeze)
    add("noseSneer", 0.2 * expr.brow_squeeze)
    if expr.eye_open > 0:
        add("eyeWide", 2.0 * expr.eye_open)
    else:
        add("eyeSquint", -2.0 * expr.eye_open)


def _saccades(times: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Gaze yaw and pitch (rad): held fixations joined by quick (~40 ms) jumps."""
    yaw, pitch = np.zeros(times.size), np.zeros(times.size)
    t, end = 0.0, (times[-1] if times.size else 0.0)
    while t <= end:
        target = rng.uniform(-1, 1, 2) * _GAZE_MAX * np.array([1.0, 0.6])
        if rng.random() < 0.4:
            target[:] = 0.0  # back to the viewer
        lo = int(np.searchsorted(times, t))
        yaw[lo:], pitch[lo:] = target
        t += 0.3 + rng.exponential(_SACCADE_GAP_S - 0.3)
    if times.size > 1:
        fps = 1.0 / (times[1] - times[0])
        yaw, pitch = smooth(yaw, fps, 0.015), smooth(pitch, fps, 0.015)
    return yaw, pitch


def _look(add, yaw: np.ndarray, pitch: np.ndarray) -> None:
    """eyeLook shapes of a gaze: to the character's left is out for the left eye, in for the right."""
    left, right = np.clip(yaw, 0, None) / _LOOK_FULL, np.clip(-yaw, 0, None) / _LOOK_FULL
    add("eyeLookOutLeft", left)
    add("eyeLookInRight", left)
    add("eyeLookInLeft", right)
    add("eyeLookOutRight", right)
    add("eyeLookDown", np.clip(pitch, 0, None) / _LOOK_FULL)
    add("eyeLookUp", np.clip(-pitch, 0, None) / _LOOK_FULL)
