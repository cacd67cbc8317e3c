"""Dance primitives and the figures and styles built from them.

A figure is a phrase of ``n`` counts (8, or 4 at half time). It says, for each count, the pose
the dancer *hits* on that count: where each foot stands, how the pelvis sits over them, and
the angles of the upper body. :mod:`.choreo` eases from hit to hit, so every joint stops on
the count, and lifts a foot only when its position changes.

Primitives (each a function below, all amplitudes scaled by the phrase's energy ``e``):

* feet: **step-touch** (step out, close, step back, close: one foot moves per count),
  **turn** (paired steps of 45° around the spot, a half turn in 8 counts), or planted;
* pelvis: **sway** (weight side to side on alternate counts), **bounce** (knees give on each
  count), twist against the shoulders;
* arms: **swing** (opposite to the steps), **pump** (fists up on alternate counts),
  **clap** (hands meet in front of the chest on alternate counts), **wave** (arms raised,
  one high one low, alternating), **overhead** (both arms up, swaying).

Every figure starts its phrase with both feet in the home stance of its phrase's frame
(:data:`STANCE_CM` apart) and ends there, possibly turned, so figures chain without sliding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .skeleton import SKELETON

__all__ = ["FIGURES", "STANCE_CM", "STYLES", "Figure", "FigureKeys"]

_J = SKELETON.index
#: Half the distance between the ankles in the home stance, in cm.
STANCE_CM = 11.0
#: Heading change of a pair of turning steps.
_TURN_PAIR_DEG = 45.0


@dataclass
class FigureKeys:
    """The hits of one phrase, in the phrase's own frame (origin between the home feet, facing +Z).

    Attributes:
        feet: ``(n, 2, 3)`` left and right ankle ``x``, ``z`` in cm and yaw in degrees on each count.
        pelvis: ``(n, 5)`` pelvis offset ``x``, ``z`` in cm (in the dancer's heading), drop in cm
            below the standing height, pitch and roll in degrees.
        twist: ``(n,)`` pelvis yaw relative to the feet in degrees.
        upper: ``(n, 14, 3)`` local angles of the upper-body joints.
        bounce: ``(n,)`` depth in cm of the knee bounce on each count (0 for none).
        turn_deg: heading change from this phrase's frame to the next one's.
    """

    feet: np.ndarray
    pelvis: np.ndarray
    twist: np.ndarray
    upper: np.ndarray
    bounce: np.ndarray
    turn_deg: float = 0.0


def _home(n: int) -> FigureKeys:
    feet = np.zeros((n, 2, 3))
    feet[:, 0, 0], feet[:, 1, 0] = STANCE_CM, -STANCE_CM
    upper = np.zeros((n, SKELETON.n_joints, 3))
    keys = FigureKeys(feet, np.zeros((n, 5)), np.zeros(n), upper, np.zeros(n))
    for side in ("left", "right"):  # arms hang, elbows a little bent, until a primitive moves them
        _set_side(keys, "LeftArm", 0.0, -10.0, -75.0, side)
        _set_side(keys, "LeftForeArm", 0.0, -25.0, 0.0, side)
    return keys


def _alt(n: int, first: float = 1.0) -> np.ndarray:
    """+first, -first, +first… one value per count, starting on count 0."""
    return first * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)


def _set_side(keys: FigureKeys, joint: str, x, y, z, side: str) -> None:
    """Set a left-convention angle triple on one side; the right side mirrors (x, -y, -z)."""
    if side == "left":
        keys.upper[:, _J(joint)] = np.stack(np.broadcast_arrays(x, y, z), axis=-1)
    else:
        right = _J(joint.replace("Left", "Right"))
        keys.upper[:, right] = np.stack(np.broadcast_arrays(x, -np.asarray(y), -np.asarray(z)), axis=-1)


# -- feet and pelvis ----------------------------------------------------------------------
def step_touch(keys: FigureKeys, e: float) -> None:
    """Right steps out, left closes, left steps back, right closes: a 4-count cycle, one foot a count.

    The weight goes onto the foot that just landed (the pelvis shifts over it).
    """
    stride = 8.0 + 12.0 * e
    n = len(keys.feet)
    left, right = STANCE_CM, -STANCE_CM
    cycle = [(left, right), (left, right - stride), (left - stride, right - stride), (left, right - stride)]
    shift = [0.0, -1.0, 0.0, 1.0]  # over the right foot after it lands, over the left after it does
    for c in range(n):
        keys.feet[c, 0, 0], keys.feet[c, 1, 0] = cycle[c % 4]
        keys.pelvis[c, 0] = shift[c % 4] * (2.0 + 3.0 * e)
        keys.pelvis[c, 4] = -shift[c % 4] * 3.0 * e  # the free hip drops
    keys.twist[:] = _alt(n, 4.0 * e)


def turn(keys: FigureKeys, e: float) -> None:
    """A turn to the left in paired steps of 45°: left foot leads, right foot follows.

    The feet stay :data:`STANCE_CM` either side of the spot; the pelvis faces between them, so
    a hip never turns more than 22.5° against its foot. 8 counts make a half turn.
    """
    n = len(keys.feet)
    for c in range(n):
        left_deg = _TURN_PAIR_DEG * ((c + 1) // 2)
        right_deg = _TURN_PAIR_DEG * (c // 2)
        for i, (deg, side) in enumerate(((left_deg, 1.0), (right_deg, -1.0))):
            a = np.deg2rad(deg)
            keys.feet[c, i] = (side * STANCE_CM * np.cos(a), -side * STANCE_CM * np.sin(a), deg)
    keys.turn_deg = _TURN_PAIR_DEG * n / 2
    keys.bounce[:] = 1.0 + 1.0 * e


def sway(keys: FigureKeys, e: float) -> None:
    """Weight side to side on alternate counts, the feet planted; the hip on the weighted side rises."""
    n = len(keys.feet)
    keys.pelvis[:, 0] += _alt(n, 2.0 + 4.0 * e)
    keys.pelvis[:, 4] += _alt(n, 2.0 + 3.0 * e)
    keys.upper[:, _J("Spine1"), 2] += _alt(n, -(2.0 + 4.0 * e))  # the chest leans back over the feet
    keys.upper[:, _J("Head"), 2] += _alt(n, 3.0 * e)


def bounce(keys: FigureKeys, e: float) -> None:
    """Knees give on every count; the pelvis twists a little on alternate counts."""
    keys.bounce[:] = 2.0 + 4.0 * e
    keys.pelvis[:, 2] += 1.0 * e
    keys.twist[:] += _alt(len(keys.twist), 6.0 * e)


# -- arms ---------------------------------------------------------------------------------
def arm_swing(keys: FigureKeys, e: float) -> None:
    """Arms hang and swing forward and back, opposite to each other."""
    s = _alt(len(keys.upper), 10.0 + 20.0 * e)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        _set_side(keys, "LeftArm", 0.0, -12.0 - sign * s, -72.0, side)
        _set_side(keys, "LeftForeArm", 0.0, -35.0 - 20.0 * e, 0.0, side)
    keys.upper[:, _J("Spine2"), 1] += 0.2 * s  # shoulders turn with the arms


def pump(keys: FigureKeys, e: float) -> None:
    """Fists up on even counts, down on odd ones; elbows bent."""
    up = np.where(np.arange(len(keys.upper)) % 2 == 0, 1.0, 0.0)
    for side in ("left", "right"):
        _set_side(keys, "LeftArm", 0.0, -35.0, -60.0 + up * (30.0 + 40.0 * e), side)
        _set_side(keys, "LeftForeArm", 0.0, -70.0 - up * (30.0 + 20.0 * e), 0.0, side)
        _set_side(keys, "LeftHand", 0.0, 0.0, -20.0 * up, side)
    keys.upper[:, _J("Head"), 0] += -4.0 * e * up  # chin up with the fists


def clap(keys: FigureKeys, e: float) -> None:
    """Hands meet in front of the chest on odd counts and open out on even ones."""
    closed = np.where(np.arange(len(keys.upper)) % 2 == 1, 1.0, 0.0)
    for side in ("left", "right"):
        _set_side(
            keys, "LeftArm", 0.0, -40.0 - 40.0 * closed, -55.0 + 35.0 * closed - 10 * e * (1 - closed), side
        )
        _set_side(keys, "LeftForeArm", 0.0, -60.0 - 25.0 * closed * (1 - 0.3 * e), 0.0, side)
        _set_side(keys, "LeftHand", 0.0, 0.0, 20.0 * closed, side)
    keys.upper[:, _J("Spine2"), 0] += 3.0 * closed  # lean into the clap


def wave(keys: FigureKeys, e: float) -> None:
    """Arms raised to the sides, one high and one low, changing over on every count."""
    s = _alt(len(keys.upper), 1.0)
    lift = 20.0 + 25.0 * e
    for side, sign in (("left", 1.0), ("right", -1.0)):
        high = 0.5 + 0.5 * sign * s
        _set_side(keys, "LeftArm", 0.0, -15.0, 10.0 + lift * high - 25.0 * (1 - high), side)
        _set_side(keys, "LeftForeArm", 0.0, -25.0 - 35.0 * (1 - high), 0.0, side)
        _set_side(keys, "LeftHand", 0.0, 0.0, 30.0 - 60.0 * high, side)
    keys.upper[:, _J("Spine1"), 2] += -s * 4.0 * e


def overhead(keys: FigureKeys, e: float) -> None:
    """Both arms up in a V, swaying with the body."""
    s = _alt(len(keys.upper), 1.0)
    for side, sign in (("left", 1.0), ("right", -1.0)):
        _set_side(keys, "LeftArm", 0.0, -20.0, 45.0 + 15.0 * e + sign * s * 8.0, side)
        _set_side(keys, "LeftForeArm", 0.0, -15.0, 0.0, side)
    keys.upper[:, _J("Spine2"), 2] += -s * 3.0 * e


Primitive = Callable[[FigureKeys, float], None]


@dataclass(frozen=True)
class Figure:
    """A named combination of primitives, applied in order to a phrase's home keys."""

    name: str
    primitives: tuple[Primitive, ...]

    def keys(self, n_counts: int, energy: float) -> FigureKeys:
        """The hits of this figure over ``n_counts`` counts at energy 0 to 1."""
        keys = _home(n_counts)
        for primitive in self.primitives:
            primitive(keys, energy)
        return keys


FIGURES = {
    f.name: f
    for f in (
        Figure("step-touch swing", (step_touch, arm_swing, bounce)),
        Figure("step-touch clap", (step_touch, clap)),
        Figure("sway pump", (sway, pump, bounce)),
        Figure("turn", (turn, arm_swing)),
        Figure("sway wave", (sway, wave)),
        Figure("sway overhead", (sway, overhead)),
        Figure("sway swing", (sway, arm_swing)),
        Figure("bounce pump", (bounce, pump)),
        Figure("bounce clap", (bounce, clap)),
        Figure("step-touch bounce", (step_touch, arm_swing, bounce)),
        Figure("wave bounce", (bounce, wave)),
        Figure("clap", (sway, clap)),
        Figure("turn clap", (turn, clap)),
    )
}

#: Style → the figures it cycles through, a new one each phrase.
STYLES: dict[str, tuple[str, ...]] = {
    "groove": ("step-touch swing", "sway pump", "step-touch clap", "turn"),
    "sway": ("sway swing", "sway wave", "sway overhead"),
    "bounce": ("bounce pump", "step-touch bounce", "bounce clap", "wave bounce"),
    "arms": ("sway wave", "clap", "sway pump", "sway overhead"),
    "party": ("step-touch clap", "turn clap", "wave bounce", "bounce pump"),
}
