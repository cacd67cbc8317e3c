"""From a pulse and a style to full-body motion: figures per phrase, eased between hits, legs by IK.

Between two counts every keyed value eases with ``u - sin(2πu) / 2π``: its speed is zero on
each count and greatest halfway, so the body's speed minima (its kinematic beats) fall on the
music's counts. A foot whose position differs between two counts swings (lifted by a smooth
arc); any other foot is planted and stays exactly where it is: the legs are solved by IK to
reach it, so a weight-bearing foot cannot slide. The pelvis sits over the feet, lowered by a
slight knee bend and by the bounce, which bottoms out on each count.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .body import ANKLE_HEIGHT_CM, FULL_BODY, solve_leg
from .moves import FIGURES, STYLES, FigureKeys
from .rhythm import Pulse
from .skeleton import SKELETON, MotionClip, xyz_to_matrix

__all__ = ["Choreography", "choreograph"]

#: Pelvis height with straight legs, and the knee bend it keeps while dancing, in cm.
_STAND_CM, _SOFT_KNEES_CM = 100.0, 4.0
_NO_BEAT_FIGURE = "sway swing"
_N_UPPER = SKELETON.n_joints


@dataclass
class Choreography:
    """A dance: the motion, which feet bear weight when, and the figures danced.

    Attributes:
        clip: motion of :data:`~tools.gesture.body.FULL_BODY`.
        planted: ``(T, 2)`` whether the left and right foot is planted (bearing weight) per frame.
        figures: ``[(start_s, name), ...]`` the figure danced from each phrase's start.
        clipped: how many (frame, joint, axis) angles had to be clipped into their limits.
    """

    clip: MotionClip
    planted: np.ndarray
    figures: list[tuple[float, str]]
    clipped: int


def _ease(u: np.ndarray) -> np.ndarray:
    return u - np.sin(2 * np.pi * u) / (2 * np.pi)


def _phrase_keys(pulse: Pulse, style: str, seed: int) -> tuple[FigureKeys, list[tuple[float, str]]]:
    """Every count's hits in world coordinates, figure after figure."""
    names = STYLES[style] if pulse.has_beat else (_NO_BEAT_FIGURE,)
    bounds = [*pulse.phrase_starts.tolist(), len(pulse.counts_s)]
    full = max(b - a for a, b in itertools.pairwise(bounds))
    parts, figures, heading = [], [], 0.0
    has_lead_in = bounds[1] - bounds[0] < full and len(bounds) > 2  # counts before the first downbeat
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        lead_in = has_lead_in and i == 0
        name = _NO_BEAT_FIGURE if lead_in else names[(i - has_lead_in + seed) % len(names)]
        keys = FIGURES[name].keys(full, float(pulse.energy[a]))
        keys = _slice(keys, slice(full - (b - a), full) if lead_in else slice(0, b - a))
        h = np.deg2rad(heading)
        x, z = keys.feet[..., 0].copy(), keys.feet[..., 1].copy()
        keys.feet[..., 0] = np.cos(h) * x + np.sin(h) * z
        keys.feet[..., 1] = -np.sin(h) * x + np.cos(h) * z
        keys.feet[..., 2] += heading
        if b - a == full:
            heading += keys.turn_deg
        parts.append(keys)
        figures.append((round(float(pulse.counts_s[a]), 3), name))
    joined = FigureKeys(*(np.concatenate([getattr(k, f) for k in parts]) for f in _FIELDS))
    joined.bounce = joined.bounce * pulse.accent  # stronger onsets, deeper bounce
    return joined, figures


_FIELDS = ("feet", "pelvis", "twist", "upper", "bounce")


def _slice(keys: FigureKeys, s: slice) -> FigureKeys:
    return FigureKeys(*(getattr(keys, f)[s] for f in _FIELDS), turn_deg=keys.turn_deg)


def choreograph(
    pulse: Pulse, duration_s: float, style: str, seed: int = 0, fps: float = 30.0
) -> Choreography:
    """Dance ``style`` to ``pulse`` for ``duration_s`` seconds at ``fps`` frames a second.

    Args:
        pulse: counts, phrases, accents and energy (see :func:`~tools.gesture.rhythm.find_pulse`).
        duration_s: length of the motion in seconds, > 0.
        style: a key of :data:`~tools.gesture.moves.STYLES`.
        seed: which figure of the style's cycle the first phrase dances.
        fps: frames per second.
    """
    keys, figures = _phrase_keys(pulse, style, seed)
    counts = pulse.counts_s
    t = np.arange(max(1, round(duration_s * fps))) / fps
    k = np.clip(np.searchsorted(counts, t, side="right") - 1, 0, len(counts) - 2)
    u = np.clip((t - counts[k]) / (counts[k + 1] - counts[k]), 0.0, 1.0)
    e = _ease(u)

    def lerp(values: np.ndarray) -> np.ndarray:
        w = e.reshape((-1,) + (1,) * (values.ndim - 1))
        return values[k] + (values[k + 1] - values[k]) * w

    # Feet: a foot moves only between counts whose positions differ; then it lifts in an arc.
    feet = lerp(keys.feet)  # (T, 2, 3)
    step = keys.feet[k + 1] - keys.feet[k]
    moving = np.any(np.abs(step) > 1e-9, axis=-1)  # (T, 2)
    arc = np.clip(3.0 + 0.25 * np.linalg.norm(step[..., :2], axis=-1), 3.0, 8.0)
    lift = moving * arc * ((1 - np.cos(2 * np.pi * u)) / 2)[:, None]

    # Pelvis over the feet, facing between them.
    yaw = feet[:, :, 2].mean(axis=1)
    pelvis = lerp(keys.pelvis)
    cos_y, sin_y = np.cos(np.deg2rad(yaw)), np.sin(np.deg2rad(yaw))
    # Deepest on the count; flat at the top, where the arms move fastest, so the body does not
    # also stop on the off-beat (cos² stops there: BeatAlign 0.66 for the bounce style, cos⁴ 0.75).
    bounce = lerp(keys.bounce) * np.cos(np.pi * u) ** 4
    root = np.stack(
        [
            feet[:, :, 0].mean(axis=1) + cos_y * pelvis[:, 0] + sin_y * pelvis[:, 1],
            _STAND_CM - _SOFT_KNEES_CM - pelvis[:, 2] - bounce,
            feet[:, :, 1].mean(axis=1) - sin_y * pelvis[:, 0] + cos_y * pelvis[:, 1],
        ],
        axis=-1,
    )
    hips = np.stack([pelvis[:, 3] + 0.6 * bounce, yaw + lerp(keys.twist), pelvis[:, 4]], axis=-1)
    hips_rot = xyz_to_matrix(hips)

    rotations = np.zeros((len(t), FULL_BODY.n_joints, 3))
    rotations[:, :_N_UPPER] = lerp(keys.upper)
    rotations[:, 0] = hips
    rotations[:, 0, 1] = (hips[:, 1] + 180.0) % 360.0 - 180.0  # heading as BVH shows it
    rotations[:, SKELETON.index("Spine"), 0] -= 0.6 * bounce  # the chest stays upright over the bounce
    rotations[:, SKELETON.index("Head"), 0] += 1.2 * bounce  # and the head nods with it
    for i, side in enumerate(("Left", "Right")):
        j = FULL_BODY.index(f"{side}UpLeg")
        hip = root + hips_rot @ FULL_BODY.offsets[j]
        ankle = np.stack([feet[:, i, 0], ANKLE_HEIGHT_CM + lift[:, i], feet[:, i, 1]], axis=-1)
        foot_rot = xyz_to_matrix(np.stack([np.zeros(len(t)), feet[:, i, 2], np.zeros(len(t))], axis=-1))
        up_leg, knee, foot, _ = solve_leg(hips_rot, hip, ankle, foot_rot)
        rotations[:, j], rotations[:, j + 1], rotations[:, j + 2] = up_leg, knee, foot

    low, high = FULL_BODY.limits[..., 0], FULL_BODY.limits[..., 1]
    clipped = int(np.count_nonzero((rotations < low - 1e-6) | (rotations > high + 1e-6)))
    rotations = np.clip(rotations, low, high)
    clip = MotionClip(fps=fps, root_pos=root, rotations=rotations, skeleton=FULL_BODY)
    return Choreography(clip=clip, planted=~moving, figures=figures, clipped=clipped)
