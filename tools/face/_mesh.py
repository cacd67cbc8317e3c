"""The control mesh over a face, and how one frame's parameters move its points.

Vertices: dlib's 68 landmarks, a row of forehead points above the brows, a ring around the
head (hair) that moves with it, and a fixed outer ring where the warp fades into the
untouched photo. The triangulation is computed once per portrait (Delaunay over the source
points); each frame only moves vertices.

Directions are taken in the face's own frame (``up`` from chin to brow, ``right`` across
the eyes), so a tilted head in the photo opens its mouth along its own axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._portrait import Portrait
from ._track import Expression, FaceTrack
from ._warp import signed_areas

__all__ = ["FaceMesh", "mouth_size"]

# dlib iBUG-68 index groups.
JAW = np.arange(0, 17)
# Two points added on the inner lower lip, between each corner and the nearest landmark:
# dlib places none there, and without them an open mouth is a V, not an oval.
LOWER_LIP_EXTRA = (68, 69)  # on 60–67 (left) and 64–65 (right), 45 % of the way from the corner
N_LIP_POINTS = 70  # the 68 landmarks and the two extra points: what the mouth painter reads
INNER_LIP = np.array([*range(60, 68), *LOWER_LIP_EXTRA])
_INNER_PAIRS = ((61, 67), (62, 66), (63, 65))  # upper, lower inner-lip points facing each other
_UPPER_LIP = (49, 50, 51, 52, 53, 61, 62, 63)
_LOWER_LIP = (55, 56, 57, 58, 59, 65, 66, 67, *LOWER_LIP_EXTRA)
# How much of the jaw drop each point follows: the chin fully, the jaw angle barely.
_JAW_DROP = {3: 0.05, 4: 0.2, 5: 0.45, 6: 0.7, 7: 0.9, 8: 1.0, 9: 0.9, 10: 0.7, 11: 0.45, 12: 0.2, 13: 0.05}
_EYES = (((37, 41), (38, 40)), ((43, 47), (44, 46)))  # (upper lid, lower lid) pairs
_BROWS_INNER, _BROWS_MID, _BROWS_OUTER = (20, 21, 22, 23), (19, 24), (17, 18, 25, 26)
_NOSE = np.arange(27, 36)
_EYE_POINTS = np.arange(36, 48)
_MOUTH = np.array([*range(48, 68), *LOWER_LIP_EXTRA])

# Hand-made triangles inside the lips and eyes, so that no triangle ever spans a lip line
# or an eyelid (Delaunay alone may join the lower lip to the upper one, which folds the
# mesh as the mouth closes). The remaining area is Delaunay-triangulated around them.
_LIP_TRIANGLES = (
    (48, 49, 60), (49, 61, 60), (49, 50, 61), (50, 62, 61), (50, 51, 62), (51, 52, 62),
    (52, 63, 62), (52, 53, 63), (53, 64, 63), (53, 54, 64),  # upper lip
    (54, 55, 64), (55, 56, 65), (56, 66, 65), (56, 57, 66), (57, 67, 66),
    (57, 58, 67), (58, 59, 67), (59, 68, 67), (59, 60, 68), (59, 48, 60),  # lower lip
    (55, 69, 64), (55, 65, 69),
    (60, 61, 68), (61, 67, 68), (61, 66, 67), (61, 62, 66), (62, 63, 66), (63, 65, 66),  # opening
    (63, 69, 65), (63, 64, 69),
)  # fmt: skip
_EYE_TRIANGLES = tuple(
    (a + k, b + k, c + k)
    for k in (0, 6)
    for a, b, c in ((36, 37, 41), (37, 40, 41), (37, 38, 40), (38, 39, 40))
)
_HOLES = (np.arange(48, 60), np.arange(36, 42), np.arange(42, 48))  # outer lip, eyes

_N_HEAD_RING = 11
_N_OUTER_RING = 20

#: Lip-corner distance over outer eye-corner distance (landmarks 48–54 over 36–45) of an
#: average adult face: lip corners about 50–54 mm apart, outer eye corners about 87–91 mm
#: (Farkas, Anthropometry of the Head and Face, 1994).
_MOUTH_PER_EYES = 0.58
#: Measured ratios outside this band are a grin, a pout or a misplaced landmark rather than
#: the mouth's size, and are clipped to it.
_MOUTH_PER_EYES_RANGE = (0.45, 0.75)
#: The largest inner-lip gap while speaking, as a fraction of the mouth's size.
_MAX_GAP_PER_MOUTH = 0.4


@dataclass(frozen=True)
class FaceMesh:
    """Source vertices, triangles and the measures that scale every movement.

    Attributes:
        vertices: V×2 float32 source positions; the first 68 are the landmarks.
        triangles: T×3 int32 vertex indices.
        n_head: vertices ``[0, n_head)`` move with the head; the rest are fixed.
        up, right: unit vectors of the face's frame in image coordinates.
        face_w, face_h: jaw width and brow-to-chin height, pixels.
        max_gap: largest inner-lip gap while speaking, pixels.
        rest_gap: inner-lip gap in the photo, pixels.
        pivot: the point the head turns about (below the chin, on the neck).
    """

    vertices: np.ndarray
    triangles: np.ndarray
    n_head: int
    up: np.ndarray
    right: np.ndarray
    face_w: float
    face_h: float
    max_gap: float
    rest_gap: float
    pivot: np.ndarray

    @classmethod
    def from_portrait(cls, portrait: Portrait) -> FaceMesh:
        """Build the mesh of ``portrait``'s face."""
        lm = portrait.landmarks.astype(np.float64)
        h, w = portrait.rgb.shape[:2]
        right = lm[45] - lm[36]
        right /= np.linalg.norm(right)
        up = np.array([right[1], -right[0]])  # image y grows downward
        brow_mid = lm[17:27].mean(axis=0)
        face_w = float(np.linalg.norm(lm[16] - lm[0]))
        face_h = float(np.dot(brow_mid - lm[8], up))
        rest_gap = float(np.mean([np.dot(lm[u] - lm[lo], up) for u, lo in _INNER_PAIRS]))

        forehead = lm[[17, 19, 21, 22, 24, 26]] + up * 0.45 * face_h
        center = (lm[JAW].mean(axis=0) + brow_mid) / 2
        head_ring = _ellipse(center, right, up, 0.95 * face_w, 1.25 * face_h, _N_HEAD_RING, lower=False)
        outer_ring = _ellipse(center, right, up, 1.9 * face_w, 2.1 * face_h, _N_OUTER_RING, lower=True)
        outer_ring = np.clip(outer_ring, 0, [w - 1, h - 1])
        extra = [lm[60] + 0.45 * (lm[67] - lm[60]), lm[64] + 0.45 * (lm[65] - lm[64])]
        head = np.vstack([lm, extra, forehead, head_ring])
        # Clipping can stack outer points on one another at the border; keep one of each.
        _, keep = np.unique(np.round(outer_ring, 1), axis=0, return_index=True)
        vertices = np.vstack([head, outer_ring[np.sort(keep)]]).astype(np.float32)
        triangles = _triangulate(vertices)
        return cls(
            vertices, triangles, len(head), up, right, face_w, face_h,
            max_gap=_MAX_GAP_PER_MOUTH * mouth_size(lm), rest_gap=max(rest_gap, 0.0), pivot=lm[8] - up * 0.35 * face_h,
        )  # fmt: skip

    @property
    def rest_open(self) -> float:
        """The photo's mouth opening as a fraction of :attr:`max_gap`."""
        return self.rest_gap / self.max_gap

    def deform(self, track: FaceTrack, i: int) -> np.ndarray:
        """Vertex positions (V×2 float32) for frame ``i`` of ``track``."""
        v = self.vertices.astype(np.float64)  # a copy
        expr = track.expression
        self._move_mouth(v, float(track.open[i]) * self.max_gap, float(track.width[i]), expr.corner)
        self._move_brows(v, expr)
        self._move_eyes(v, float(track.blink[i]), expr.eye_open)
        yaw = float(track.yaw[i]) * self.face_w  # the nose and mouth shift more than the outline
        v[_NOSE] += self.right * yaw
        v[_MOUTH] += self.right * yaw * 0.6
        v[_EYE_POINTS] += self.right * yaw * 0.4
        c, s = np.cos(float(track.roll[i])), np.sin(float(track.roll[i]))
        shift = np.array([float(track.shift_x[i]), float(track.shift_y[i])]) * self.face_w
        head = slice(0, self.n_head)
        v[head] = (v[head] - self.pivot) @ np.array([[c, s], [-s, c]]) + self.pivot + shift
        return v.astype(np.float32)

    def _move_mouth(self, v: np.ndarray, gap: float, width: float, corner: float) -> None:
        """Open the mouth to an inner gap of ``gap`` px, spread or round it, lift its corners.

        Every displacement is a smooth function of the position across the mouth, so lip
        points never pass one another (no fold), and the corners follow the lips.
        """
        up, right, src = self.up, self.right, self.vertices
        mouth = _MOUTH
        centre = (src[48] + src[54]) / 2
        half_w = float(np.linalg.norm(src[54] - src[48])) / 2
        x = np.clip((src[mouth] - centre) @ right / half_w, -1.0, 1.0)  # -1 left corner, +1 right
        bulge = 1.0 - 0.7 * x**2  # the opening is widest at the middle
        delta = gap - self.rest_gap
        lower, upper = np.isin(mouth, _LOWER_LIP), np.isin(mouth, _UPPER_LIP)
        corners = ~(lower | upper)
        drop = np.where(lower, 0.8 * delta * bulge, 0.0) - np.where(upper, 0.2 * delta * bulge, 0.0)
        drop[corners] = 0.18 * delta
        for j, weight in _JAW_DROP.items():
            v[j] -= up * 0.8 * delta * weight
        pout = max(-width, 0.0) * 0.08 * half_w * bulge * np.where(lower, 1.0, np.where(upper, -1.0, 0.0))
        v[mouth] -= np.outer(drop + pout, up)
        # Spread (+) or round (-) by scaling across the mouth; a smile also widens it.
        stretch = width * 0.22 * half_w + max(corner, 0.0) * 0.02 * self.face_w
        v[mouth] += np.outer(x * stretch, right) + np.outer(np.abs(x) * corner * 0.05 * self.face_h, up)
        # Lips meet but never cross: a pair pressed past closure meets at its midpoint. (The
        # landmarks of a closed mouth may overlap by a pixel; the photo's overlap is allowed.)
        for u, lo in _INNER_PAIRS:
            floor = min(0.0, float(np.dot(src[u] - src[lo], up)))
            if np.dot(v[u] - v[lo], up) < floor:
                middle = (v[u] + v[lo]) / 2
                v[u], v[lo] = middle + up * floor / 2, middle - up * floor / 2
        # The extra lower-lip points stay below the upper lip's line from corner to 61 / 63.
        for extra, corner, upper in ((68, 60, 61), (69, 64, 63)):
            excess = _height_above(v, extra, corner, upper, right, up) - max(
                0.0, _height_above(src, extra, corner, upper, right, up)
            )
            if excess > 0:
                v[extra] -= up * excess

    def _move_brows(self, v: np.ndarray, expr: Expression) -> None:
        unit = 0.06 * self.face_h
        for j in _BROWS_INNER:
            toward_centre = self.right if j < 22 else -self.right
            v[j] += self.up * expr.brow_inner * unit + toward_centre * expr.brow_squeeze * 0.02 * self.face_w
        for j in _BROWS_MID:
            v[j] += self.up * (expr.brow_inner + expr.brow_outer) / 2 * unit
        for j in _BROWS_OUTER:
            v[j] += self.up * expr.brow_outer * unit

    def _move_eyes(self, v: np.ndarray, blink: float, eye_open: float) -> None:
        """Slide each upper lid toward its lower lid; the lower lid rises a little to meet it."""
        aperture = (1.0 + eye_open) * (1.0 - blink)
        lower_rise = 0.1 * blink
        for eye in _EYES:
            for upper, lower in eye:
                lid = v[upper] - v[lower]
                v[upper] = v[lower] + lid * (lower_rise + aperture * (1 - lower_rise))
                v[lower] += lid * lower_rise


def mouth_size(landmarks: np.ndarray) -> float:
    """The size the mouth's speaking range scales with, pixels, from its 68 landmarks.

    The lips' own width (corner to corner), clipped to the band of normal faces relative to
    the eyes, and taken as the geometric mean with the width an average face of these eyes
    has: the lips set how wide the mouth is, but the vertical opening comes mostly from the
    jaw, which scales with the face; and a smiling photo's stretched lips do not enlarge the
    jaw. A small or large mouth still opens in proportion (the square root of its width).
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    eyes = float(np.linalg.norm(lm[45] - lm[36]))
    low, high = _MOUTH_PER_EYES_RANGE
    width = float(np.clip(np.linalg.norm(lm[54] - lm[48]), low * eyes, high * eyes))
    return float(np.sqrt(width * _MOUTH_PER_EYES * eyes))


def _height_above(
    v: np.ndarray, point: int, start: int, end: int, right: np.ndarray, up: np.ndarray
) -> float:
    """How far ``point`` lies above the segment ``start``–``end``, along ``up`` (px)."""
    span = float(np.dot(v[end] - v[start], right)) or 1.0
    t = np.clip(np.dot(v[point] - v[start], right) / span, 0.0, 1.0)
    return float(np.dot(v[point] - (v[start] + t * (v[end] - v[start])), up))


def _triangulate(vertices: np.ndarray) -> np.ndarray:
    """Delaunay around the lips and eyes, hand-made triangles inside them (T×3 int32)."""
    import cv2
    from scipy.spatial import ConvexHull, Delaunay

    outside = np.setdiff1d(np.arange(len(vertices)), INNER_LIP)
    triangles = outside[Delaunay(vertices[outside]).simplices]
    centroids = vertices[triangles].mean(axis=1)
    in_hole = np.zeros(len(triangles), dtype=bool)
    for hole in _HOLES:
        contour = vertices[hole].astype(np.float32)
        in_hole |= [cv2.pointPolygonTest(contour, (float(x), float(y)), False) > 0 for x, y in centroids]
    triangles = np.vstack([triangles[~in_hole], _LIP_TRIANGLES, _EYE_TRIANGLES]).astype(np.int32)
    # The pieces must tile the hull exactly; if a lip or eye edge was not a Delaunay edge
    # they overlap, and plain Delaunay (which may fold when the mouth closes) is the fallback.
    area = np.abs(signed_areas(vertices, triangles)).sum()
    if not np.isclose(area, ConvexHull(vertices).volume, rtol=1e-4):
        return Delaunay(vertices).simplices.astype(np.int32)
    return triangles


def _ellipse(
    center: np.ndarray, right: np.ndarray, up: np.ndarray, rx: float, ry: float, n: int, lower: bool
) -> np.ndarray:
    """``n`` points on an ellipse in the face frame; the upper half only unless ``lower``."""
    if lower:
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    else:  # from the right ear over the top to the left ear, ends level with the eyes
        angles = np.linspace(-0.15 * np.pi, 1.15 * np.pi, n)
    return center + np.outer(np.cos(angles) * rx, right) + np.outer(np.sin(angles) * ry, up)
