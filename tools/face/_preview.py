"""Software rendering of the animated head, for the preview video (CPU, OpenCV polygons).

Each frame: morph the rest mesh by the frame's weights, turn it by the head rotation,
project it orthographically, drop the triangles facing away, shade each by a fixed light
(flat Lambert), and fill them in back-to-front depth layers, one ``cv2.fillPoly`` call per
layer and shade — the head is nearly convex, so within a layer triangles barely overlap.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._arkit import FaceCurves
from ._gltf import head_rotation
from ._head import HeadMesh

__all__ = ["PREVIEW_FPS", "SIZE_PX", "render_frames"]

SIZE_PX = 360
#: The preview's frame rate; 60 fps curves are shown every other frame.
PREVIEW_FPS = 30
_BACKGROUND = np.array([46, 52, 64], dtype=np.uint8)
_LIGHT = np.array([0.35, 0.45, 0.82]) / np.linalg.norm([0.35, 0.45, 0.82])
_SHADES = 16  # brightness levels the shading is rounded to (one fill call each)
_LAYERS = 2  # depth layers drawn back to front
_SHIFT = 3  # sub-pixel bits


def render_frames(head: HeadMesh, curves: FaceCurves) -> Iterator[np.ndarray]:
    """Yield ``SIZE_PX``-square RGB frames at :data:`PREVIEW_FPS`."""
    import cv2

    step = max(1, round(curves.fps / PREVIEW_FPS))
    targets = head.targets.reshape(head.targets.shape[0], -1)
    scale = SIZE_PX * 0.9 / np.ptp(head.positions[:, 1])
    tri = head.triangles.astype(np.int64)
    rest = head.positions[tri]
    facing = np.cross(rest[:, 1] - rest[:, 0], rest[:, 2] - rest[:, 0])[:, 2]
    tri = tri[facing > -0.3 * np.abs(facing).max()]  # the back of the head never turns to the viewer
    # Each triangle takes its first corner's colour: a handful of paint colours, so few fill calls.
    paints, paint_index = np.unique(head.colours[tri[:, 0]], axis=0, return_inverse=True)
    n_paints = len(paints)
    palette = [
        tuple(float(v) for v in np.clip(paints[k % n_paints] * 255.0 * (k // n_paints) / _SHADES, 0, 255))
        for k in range(n_paints * (_SHADES + 1))
    ]
    frame = np.empty((SIZE_PX, SIZE_PX, 3), dtype=np.uint8)
    for i in range(0, len(curves), step):
        points = head.positions + (curves.shapes[i] @ targets).reshape(-1, 3)
        yaw, pitch, roll = (curves.rotations[i : i + 1, k].astype(np.float64) for k in range(3))
        points = points @ _matrix(head_rotation(yaw, pitch, roll)[0]).T
        corners = points[tri]
        normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
        visible = normals[:, 2] > 0
        normals = normals[visible] / (np.linalg.norm(normals[visible], axis=1, keepdims=True) + 1e-12)
        shade = np.round((0.35 + 0.65 * np.clip(normals @ _LIGHT, 0, 1)) * _SHADES).astype(np.int64)
        depth = corners[visible, :, 2].mean(axis=1)
        layer = np.minimum((np.argsort(np.argsort(depth)) * _LAYERS) // max(depth.size, 1), _LAYERS - 1)
        xy = corners[visible, :, :2] * np.array([1.0, -1.0]) * scale  # +X (the left) shows on the right
        xy = xy + np.array([SIZE_PX / 2, SIZE_PX * 0.48])
        polygons = np.round(xy * (1 << _SHIFT)).astype(np.int32)
        colour = shade * n_paints + paint_index[visible]
        key = layer * len(palette) + colour
        frame[:] = _BACKGROUND
        order = np.argsort(key, kind="stable")
        keys, starts = np.unique(key[order], return_index=True)
        for k, lo, hi in zip(keys, starts, [*starts[1:], order.size], strict=True):
            cv2.fillPoly(frame, list(polygons[order[lo:hi]]), palette[k % len(palette)], cv2.LINE_8, _SHIFT)
        yield frame


def _matrix(q: np.ndarray) -> np.ndarray:
    x, y, z, w = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
