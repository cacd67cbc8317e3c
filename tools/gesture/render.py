"""Preview rendering: a shaded stick figure, seen from the front and from the side.

Frames are drawn with OpenCV (anti-aliased lines) one at a time, from forward kinematics
computed in chunks, so an hour of motion renders in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .skeleton import MotionClip, forward_kinematics

__all__ = ["render_frames"]

_VIEWS_DEG = (12.0, 75.0)  # a near-front view and a near-side view, where forward motion shows
_CENTRE = (0.5, 0.36)  # where the body stands in each panel: the side view leaves room in front
_TOP_CM, _BOTTOM_CM = 190.0, 72.0  # vertical extent of the upper body shown
_BACKGROUND = np.array([246, 243, 238], dtype=np.uint8)
_LEFT, _RIGHT, _BODY = (52, 120, 214), (214, 96, 52), (70, 70, 80)  # RGB


def _bone_color(name: str) -> tuple[int, int, int]:
    return _LEFT if name.startswith("Left") else _RIGHT if name.startswith("Right") else _BODY


def render_frames(
    clip: MotionClip,
    panel_width: int = 240,
    height: int = 320,
    caption: str = "",
    chunk: int = 600,
    extent_cm: tuple[float, float] = (_TOP_CM, _BOTTOM_CM),
) -> Iterator[np.ndarray]:
    """Yield one RGB frame per motion frame: a front view and a side view, side by side.

    Args:
        clip: the motion.
        panel_width: width of each of the two panels in pixels (the frame is twice as wide).
        height: frame height in pixels.
        caption: text written in the bottom-left corner (ASCII).
        chunk: frames of forward kinematics computed at once (bounds memory).
        extent_cm: the heights in cm shown at the top and bottom of the frame; the default
            frames the upper body. When the bottom is at or below the floor (0 cm), the floor
            band is drawn where the floor is.
    """
    import cv2

    sk = clip.skeleton
    views = [_view_matrix(yaw) for yaw in _VIEWS_DEG]
    top_cm, bottom_cm = extent_cm
    scale = height / (top_cm - bottom_cm)
    # The pelvis-to-spine bone would hang below the frame of an upper body; a full body shows it.
    hide = () if "LeftUpLeg" in sk.names else ("Spine",)
    bones = [(j, p) for j, p in enumerate(sk.parents) if p >= 0 and sk.names[j] not in hide]
    thickness = {
        j: max(2, int(scale * (4.5 if "Spine" in sk.names[p] or sk.parents[p] < 0 else 3.5)))
        for j, p in bones
    }
    head = sk.index("Head")
    background = np.empty((height, panel_width * len(views), 3), np.uint8)
    background[:] = _BACKGROUND
    floor_row = int(height * 0.93) if bottom_cm > 0 else int(top_cm * scale)
    background[floor_row:] = _BACKGROUND - 18  # a floor band for grounding
    background[:, panel_width - 1 : panel_width + 1] = _BACKGROUND - 30

    child = np.array([j for j, _ in bones])
    parent = np.array([p for _, p in bones])
    widths = [thickness[j] for j in child]
    base_colors = np.array([_bone_color(sk.names[j]) for j in child], dtype=float)  # (B, 3)
    offsets_px = [k * panel_width + panel_width * _CENTRE[k] for k in range(len(views))]

    for start in range(0, clip.n_frames, chunk):
        stop = min(clip.n_frames, start + chunk)
        pos, rot = forward_kinematics(sk, clip.root_pos[start:stop], clip.rotations[start:stop])
        head_top = pos[:, head] + rot[:, head] @ np.array([0.0, 11.0, 0.0])
        nose = pos[:, head] + rot[:, head] @ np.array([0.0, 8.0, 10.0])
        points = np.concatenate([pos, head_top[:, None], nose[:, None]], axis=1)  # (F, J + 2, 3)
        # Everything per view and frame at once; the frame loop below only draws.
        panels = []
        for view, x0 in zip(views, offsets_px, strict=True):
            p3 = points @ view.T
            px = (
                np.stack([x0 + p3[..., 0] * scale, (top_cm - p3[..., 1]) * scale], axis=-1)
                .round()
                .astype(int)
            )
            depth = p3[:, child, 2] + p3[:, parent, 2]  # (F, B)
            near = np.clip(0.6 + depth / 60.0, 0.3, 1.0)[..., None]
            colors = (base_colors * near + 240 * (1 - near)).astype(int)  # far bones fade into the background
            panels.append((px.tolist(), np.argsort(depth, axis=1).tolist(), colors.tolist()))
        for f in range(stop - start):
            frame = background.copy()
            for px_all, order_all, colors_all in panels:
                px, colors = px_all[f], colors_all[f]
                for b in order_all[f]:  # far bones first
                    cv2.line(frame, px[parent[b]], px[child[b]], colors[b], widths[b], cv2.LINE_AA)
                    cv2.circle(frame, px[child[b]], widths[b] // 2 + 1, colors[b], -1, cv2.LINE_AA)
                cv2.circle(frame, px[-2], int(10 * scale), _BODY, -1, cv2.LINE_AA)
                cv2.circle(frame, px[-1], max(2, int(2.2 * scale)), (235, 200, 170), -1, cv2.LINE_AA)
            if caption:
                cv2.putText(
                    frame,
                    caption,
                    (8, height - 8),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    0.4,
                    (90, 90, 90),
                    1,
                    cv2.LINE_AA,
                )
            yield frame


def _view_matrix(yaw_deg: float) -> np.ndarray:
    """Rotation that turns the figure by ``yaw_deg`` about the vertical axis."""
    yaw = np.deg2rad(yaw_deg)
    return np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
