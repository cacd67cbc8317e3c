"""Motion quality measures used by gesture and dance papers: kinematic beats, BeatAlign, jerk, foot skate."""

from __future__ import annotations

import numpy as np

from .skeleton import MotionClip

__all__ = ["beat_align", "foot_sliding", "mean_jerk", "motion_beats"]

_ARMS = ("LeftForeArm", "LeftHand", "RightForeArm", "RightHand", "Head")


def _speed(clip: MotionClip, joints: tuple[str, ...] | None = _ARMS) -> np.ndarray:
    """Summed speed in cm/s of ``joints`` (None: every joint), per frame."""
    idx = [clip.skeleton.index(n) for n in (clip.skeleton.names if joints is None else joints)]
    pos = clip.positions()[:, idx]
    velocity = np.gradient(pos, axis=0) * clip.fps
    return np.linalg.norm(velocity, axis=-1).sum(axis=1)


def motion_beats(
    clip: MotionClip, order: int = 3, min_drop: float = 0.3, joints: tuple[str, ...] | None = _ARMS
) -> np.ndarray:
    """Times in seconds of kinematic beats: local minima of upper-body speed.

    ``joints`` are the joints whose speeds are summed: the forearms, hands and head by
    default (gesture); None takes every joint (dance, where the whole body hits the beat).

    A minimum counts when it is the lowest within ``order`` frames either side and the
    speed around it (the larger of the two maxima within ``order`` frames) is at least
    ``1 + min_drop`` times the minimum and above 3 cm/s, so idle drift is not counted.
    """
    speed = _speed(clip, joints)
    if len(speed) < 2 * order + 1:
        return np.zeros(0)
    win = np.lib.stride_tricks.sliding_window_view(np.pad(speed, order, mode="edge"), 2 * order + 1)
    is_min = (speed <= win.min(axis=1)) & (np.diff(speed, prepend=np.inf) < 0)
    peak = np.maximum(win[:, :order].max(axis=1), win[:, order + 1 :].max(axis=1))
    keep = is_min & (peak >= (1 + min_drop) * speed) & (peak > 3.0)
    return np.flatnonzero(keep) / clip.fps


def beat_align(
    motion_beats_s: np.ndarray, audio_beats_s: np.ndarray, sigma_s: float = 0.1, per: str = "audio"
) -> float:
    """BeatAlign: the mean of ``exp(-d² / 2σ²)``, d = distance from a beat to the nearest beat of the other kind.

    Args:
        motion_beats_s: kinematic beat times in seconds (see :func:`motion_beats`).
        audio_beats_s: audio onset times in seconds.
        sigma_s: tolerance σ in seconds.
        per: ``"audio"`` averages over audio onsets (does the motion mark every onset?
            rewards dense motion); ``"motion"`` averages over kinematic beats, as AIST++
            first defined it (does every stop of the motion fall on an onset? rewards sparse
            motion). Report both.

    Returns:
        A score in [0, 1]; 1 is perfect, 0 is no match within a few σ.
    """
    audio_beats_s = np.asarray(audio_beats_s, dtype=float)
    motion_beats_s = np.asarray(motion_beats_s, dtype=float)
    if len(audio_beats_s) == 0 or len(motion_beats_s) == 0:
        return 0.0
    distance = np.abs(audio_beats_s[:, None] - motion_beats_s[None, :])
    nearest = distance.min(axis=1) if per == "audio" else distance.min(axis=0)
    return float(np.mean(np.exp(-(nearest**2) / (2 * sigma_s**2))))


def mean_jerk(clip: MotionClip) -> float:
    """Mean magnitude of jerk (third derivative of position) over all joints, in m/s³."""
    pos = clip.positions() / 100.0
    if len(pos) < 4:
        return 0.0
    jerk = np.diff(pos, n=3, axis=0) * clip.fps**3
    return float(np.linalg.norm(jerk, axis=-1).mean())


def foot_sliding(
    clip: MotionClip,
    planted: np.ndarray | None = None,
    contact_cm: float = 1.0,
    feet: tuple[str, ...] = ("LeftToeBase", "RightToeBase"),
) -> np.ndarray:
    """Horizontal movement in cm of each foot from frame to frame while it is on the floor.

    A foot is on the floor in a pair of frames when ``planted[t, i]`` holds in both (the
    generator's own weight-bearing labels), or, without labels, when the ball of the foot is
    within ``contact_cm`` of the floor (y = 0) in both: the usual foot-skate measure.

    Returns:
        The movements, one per (frame pair, foot) on the floor, as a flat array.
    """
    pos = clip.positions()[:, [clip.skeleton.index(n) for n in feet]]  # (T, F, 3)
    step = np.linalg.norm(np.diff(pos[..., [0, 2]], axis=0), axis=-1)  # (T - 1, F)
    down = planted if planted is not None else pos[..., 1] < contact_cm
    both = down[1:] & down[:-1]
    return step[both]
