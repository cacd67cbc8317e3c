"""The full-body skeleton (the gesture skeleton plus legs and feet) and analytic leg IK.

:data:`FULL_BODY` keeps the 14 joints of :data:`~tools.gesture.skeleton.SKELETON` at the same
indices, with the same offsets and limits, and appends per side a thigh, shin, foot and toe
(22 joints). Code written for the upper body therefore indexes a full-body clip unchanged, and
co_speech_gesture's skeleton is untouched.

Leg geometry (cm): hip joints 9 cm either side of and 6 cm below the pelvis, thigh 45, shin 43,
ankle 6 cm above the sole, ball of the foot 13 cm in front of the ankle. With straight legs and
flat feet the pelvis stands 100 cm above the floor, as the upper skeleton's rest pose has it.

Joint-limit conventions follow :mod:`~tools.gesture.skeleton` (left side; the right mirrors):
hip ``x < 0`` lifts the thigh forward, knee ``x > 0`` bends it (never backwards), ankle
``x > 0`` points the toes down.
"""

from __future__ import annotations

import numpy as np

from .skeleton import SKELETON, Skeleton, matrix_to_euler, xyz_to_matrix

__all__ = ["ANKLE_HEIGHT_CM", "FULL_BODY", "LEG_CM", "solve_leg"]

#: Thigh and shin length in cm.
LEG_CM = (45.0, 43.0)
#: Height of the ankle joint above the floor when the foot is flat.
ANKLE_HEIGHT_CM = 6.0
_HIP_OFFSET = (9.0, -6.0, 0.0)
_BALL_OFFSET = (0.0, -ANKLE_HEIGHT_CM, 13.0)

_LEFT_LEG = [
    # name, parent, offset, limits (x, y, z) in degrees
    ("LeftUpLeg", "Hips", _HIP_OFFSET, ((-90, 30), (-45, 45), (-25, 45))),
    ("LeftLeg", "LeftUpLeg", (0.0, -LEG_CM[0], 0.0), ((0, 150), (0, 0), (0, 0))),
    ("LeftFoot", "LeftLeg", (0.0, -LEG_CM[1], 0.0), ((-35, 50), (-25, 25), (-25, 25))),
    ("LeftToeBase", "LeftFoot", _BALL_OFFSET, ((-40, 20), (0, 0), (0, 0))),
]


def _build_full_body(upper: Skeleton) -> Skeleton:
    joints = list(_LEFT_LEG)
    for name, parent, (x, y, z), (lx, (ly, hy), (lz, hz)) in _LEFT_LEG:
        joints.append(
            (
                name.replace("Left", "Right"),
                parent.replace("Left", "Right"),
                (-x, y, z),
                (lx, (-hy, -ly), (-hz, -lz)),
            )
        )
    names = upper.names + tuple(j[0] for j in joints)
    parents = upper.parents + tuple(names.index(j[1]) for j in joints)
    limits = np.concatenate([upper.limits, np.array([j[3] for j in joints], dtype=np.float64)])
    # The root's yaw is the dancer's heading, free over a full turn; its tilt stays modest.
    limits[0] = ((-20, 20), (-180, 180), (-15, 15))
    end_sites = dict(upper.end_sites)
    for side in ("Left", "Right"):
        end_sites[names.index(f"{side}ToeBase")] = (0.0, 0.0, 7.0)
    return Skeleton(
        names=names,
        parents=parents,
        offsets=np.concatenate([upper.offsets, np.array([j[2] for j in joints], dtype=np.float64)]),
        end_sites=end_sites,
        limits=limits,
    )


#: The dance skeleton: :data:`SKELETON`'s 14 joints, then LeftUpLeg, LeftLeg, LeftFoot,
#: LeftToeBase and their right twins (22 joints).
FULL_BODY = _build_full_body(SKELETON)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _frame(first: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Orthonormal frames ``(..., 3, 3)`` whose columns are ``first``, ``hint`` made orthogonal, and their cross."""
    a = _unit(first)
    b = _unit(hint - np.sum(hint * a, axis=-1, keepdims=True) * a)
    return np.stack([a, b, np.cross(a, b)], axis=-1)


def solve_leg(
    hips_rot: np.ndarray, hip_pos: np.ndarray, ankle_pos: np.ndarray, foot_rot: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local angles that put one leg's ankle at ``ankle_pos`` with the foot turned to ``foot_rot``.

    Two-bone IK in closed form: the knee angle from the law of cosines, the thigh turned so
    that the knee points where the foot points, the ankle taking up the rest. The ankle lands
    exactly on target when it is within reach (the callers keep it so: the pelvis never rises
    beyond a slight knee bend).

    Args:
        hips_rot: ``(T, 3, 3)`` world rotation of the pelvis.
        hip_pos: ``(T, 3)`` world position of the hip joint in cm.
        ankle_pos: ``(T, 3)`` wanted world position of the ankle in cm.
        foot_rot: ``(T, 3, 3)`` wanted world rotation of the foot.

    Returns:
        Local ``(x, y, z)`` angles in degrees of the thigh, knee and foot, each ``(T, 3)``,
        and the distance in cm by which each ankle target was out of reach (0 when reached).
    """
    thigh, shin = LEG_CM
    reach = ankle_pos - hip_pos
    wanted = np.linalg.norm(reach, axis=-1)
    length = np.clip(wanted, abs(thigh - shin) + 1e-3, thigh + shin - 1e-3)
    cos_inner = (thigh**2 + shin**2 - length**2) / (2 * thigh * shin)
    knee = np.pi - np.arccos(np.clip(cos_inner, -1.0, 1.0))  # 0 = straight
    # The ankle in the thigh's own frame once the knee bends (the shin swings back, -Z).
    local = np.stack([np.zeros_like(knee), -thigh - shin * np.cos(knee), -shin * np.sin(knee)], axis=-1)
    forward = foot_rot[..., :, 2]  # where the toes point: the knee points there too
    world_thigh = _frame(reach, forward) @ np.swapaxes(_frame(local, np.array([0.0, 0.0, 1.0])), -1, -2)
    knee_deg = np.stack([np.rad2deg(knee), np.zeros_like(knee), np.zeros_like(knee)], axis=-1)
    world_shin = world_thigh @ xyz_to_matrix(knee_deg)
    up_leg = matrix_to_euler(np.swapaxes(hips_rot, -1, -2) @ world_thigh)
    foot = matrix_to_euler(np.swapaxes(world_shin, -1, -2) @ foot_rot)
    return up_leg, knee_deg, foot, np.abs(wanted - length)
