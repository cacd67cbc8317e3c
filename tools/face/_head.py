"""A stylised head made in code, with one morph target per ARKit blendshape.

The head is a sphere-like surface over a grid of azimuth θ (0 at the face's front, + to the
character's left) and elevation φ (+ up), dense over the face. Features are painted in
vertex colours (skin, lips, a dark mouth slit, eye whites, irises, brows), and a morph
target moves grid points across the surface (δθ, δφ) and along the radius (δr): opening
the jaw pulls the rows under the mouth line down, so the dark slit between the lips
widens into an open mouth; a blink collapses the eye white under the upper lid; a gaze
shifts the iris. Units: metres, glTF axes (+Y up, +Z out of the face, +X the character's left).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._arkit import ARKIT_NAMES

__all__ = ["HeadMesh", "head_mesh"]

_RADIUS = 0.1  # m
_MOUTH_PHI, _MOUTH_HALF_W = -0.42, 0.3  # mouth line elevation and half width (rad)
_EYE_THETA, _EYE_PHI, _EYE_W, _EYE_H = 0.36, 0.12, 0.15, 0.075
_BROW_PHI = 0.27
_COLOURS = {
    "skin": (0.93, 0.76, 0.64), "lip": (0.78, 0.36, 0.38), "mouth": (0.22, 0.05, 0.07),
    "white": (0.97, 0.97, 0.95), "iris": (0.16, 0.22, 0.32), "brow": (0.35, 0.22, 0.14),
    "hair": (0.30, 0.19, 0.12),
}  # fmt: skip


@dataclass(frozen=True)
class HeadMesh:
    """Vertices, triangles, colours and morph targets of the head.

    Attributes:
        positions: ``V × 3`` float32 rest positions (m).
        colours: ``V × 3`` float32 linear RGB in 0–1.
        triangles: ``T × 3`` uint32 vertex indices, counter-clockwise seen from outside.
        targets: ``52 × V × 3`` float32 displacements, in :data:`ARKIT_NAMES` order.
    """

    positions: np.ndarray
    colours: np.ndarray
    triangles: np.ndarray
    targets: np.ndarray


def _axis(front: np.ndarray, n_back: int, lo: float, hi: float) -> np.ndarray:
    back = np.linspace(lo, hi, n_back)
    return np.unique(np.round(np.concatenate([front, back[(back < front[0]) | (back > front[-1])]]), 5))


@functools.cache
def head_mesh() -> HeadMesh:
    """The head (built once per process; about 4 000 vertices)."""
    theta = _axis(np.linspace(-1.0, 1.0, 51), 24, -np.pi, np.pi)[:-1]  # the seam wraps round
    mouth_rows = _MOUTH_PHI + np.array([-0.004, 0.004])  # the two lips meet between these
    phi = _axis(np.concatenate([np.linspace(-1.0, 0.75, 45), mouth_rows]), 12, -1.45, 1.45)
    phi = np.unique(np.concatenate([phi, mouth_rows]))
    th, ph = (a.ravel() for a in np.meshgrid(theta, phi))
    n_t, n_p = theta.size, phi.size
    rows = np.arange(n_p - 1)[:, None] * n_t
    cols = np.arange(n_t)[None, :]
    a, b = rows + cols, rows + (cols + 1) % n_t
    c, d = a + n_t, b + n_t
    triangles = np.concatenate(
        [np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)]
    )
    rest = _surface(th, ph, _rest_radius(th, ph))
    targets = np.zeros((len(ARKIT_NAMES), th.size, 3), dtype=np.float32)
    for i, name in enumerate(ARKIT_NAMES):
        d_th, d_ph, d_r = _displacement(name, th, ph)
        moved = _surface(th + d_th, ph + d_ph, _rest_radius(th + d_th, ph + d_ph) + d_r)
        targets[i] = moved - rest
    return HeadMesh(rest.astype(np.float32), _paint(th, ph), triangles.astype(np.uint32), targets)


def _surface(th: np.ndarray, ph: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Points of the head: an egg taller than wide, a little flatter at the sides."""
    x = 0.82 * r * np.cos(ph) * np.sin(th)
    y = 1.12 * r * np.sin(ph)
    z = 0.92 * r * np.cos(ph) * np.cos(th)
    return np.stack([x, y, z], axis=-1)


def _bump(th, ph, c_th, c_ph, s_th, s_ph) -> np.ndarray:
    return np.exp(-(((th - c_th) / s_th) ** 2) - ((ph - c_ph) / s_ph) ** 2)


def _rest_radius(th: np.ndarray, ph: np.ndarray) -> np.ndarray:
    nose = 0.22 * _bump(th, ph, 0.0, -0.12, 0.09, 0.18)
    chin = 0.05 * _bump(th, ph, 0.0, -0.8, 0.3, 0.15)
    sockets = -0.04 * (
        _bump(th, ph, _EYE_THETA, _EYE_PHI, 0.16, 0.1) + _bump(th, ph, -_EYE_THETA, _EYE_PHI, 0.16, 0.1)
    )
    return _RADIUS * (1.0 + nose + chin + sockets)


def _ellipse(th, ph, c_th, c_ph, w, h) -> np.ndarray:
    return ((th - c_th) / w) ** 2 + ((ph - c_ph) / h) ** 2


def _paint(th: np.ndarray, ph: np.ndarray) -> np.ndarray:
    colour = np.tile(np.array(_COLOURS["skin"]), (th.size, 1))
    colour[(ph > 0.55) | ((np.abs(th) > 1.3) & (ph > -0.2))] = _COLOURS["hair"]
    across = np.clip(1 - (th / _MOUTH_HALF_W) ** 2, 0, 1)
    lips = (np.abs(ph - _MOUTH_PHI) < 0.07 * np.sqrt(across) + 0.005) & (across > 0)
    colour[lips] = _COLOURS["lip"]
    colour[(np.abs(ph - _MOUTH_PHI) < 0.005) & (across > 0.05)] = _COLOURS["mouth"]
    for side in (1, -1):
        eye = _ellipse(th, ph, side * _EYE_THETA, _EYE_PHI, _EYE_W, _EYE_H)
        colour[eye < 1] = _COLOURS["white"]
        colour[_ellipse(th, ph, side * _EYE_THETA, _EYE_PHI, 0.06, 0.06) < 1] = _COLOURS["iris"]
        brow = _ellipse(th, ph, side * (_EYE_THETA + 0.02), _BROW_PHI, 0.17, 0.035)
        colour[brow < 1] = _COLOURS["brow"]
    return colour.astype(np.float32)


def _displacement(name: str, th: np.ndarray, ph: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(δθ, δφ, δr) of every grid point at full strength of one blendshape."""
    z = np.zeros_like(th)
    d_th, d_ph, d_r = z.copy(), z.copy(), z.copy()
    unpaired = name in ("jawLeft", "jawRight", "mouthLeft", "mouthRight")  # whole-mouth moves, not sides
    side = 0.0 if unpaired else 1.0 if name.endswith("Left") else -1.0 if name.endswith("Right") else 0.0
    base = name if unpaired else name.removesuffix("Left").removesuffix("Right")
    across = np.clip(1 - (th / (_MOUTH_HALF_W + 0.05)) ** 2, 0, 1)
    below = 0.5 - 0.5 * np.tanh((ph - _MOUTH_PHI) / 0.004)  # 1 under the mouth line
    jaw_zone = below * np.clip((ph + 1.45) / 0.3, 0, 1) * np.clip(1.3 - np.abs(th), 0, 1)
    lower_lip = below * _bump(th, ph, 0, _MOUTH_PHI - 0.05, _MOUTH_HALF_W, 0.07)
    upper_lip = (1 - below) * _bump(th, ph, 0, _MOUTH_PHI + 0.05, _MOUTH_HALF_W, 0.07)
    lips = lower_lip + upper_lip
    corner = _bump(th, ph, side * _MOUTH_HALF_W, _MOUTH_PHI, 0.12, 0.1) if side else z
    half = (np.sign(th) == side) * lips if side else z
    eye = _bump(th, ph, side * _EYE_THETA, _EYE_PHI, 0.22, 0.14) if side else z
    iris = (_ellipse(th, ph, side * _EYE_THETA, _EYE_PHI, 0.07, 0.07) < 1) * 1.0 if side else z
    brow = _bump(th, ph, side * (_EYE_THETA + 0.02), _BROW_PHI, 0.22, 0.08) if side else z
    match base:
        case "jawOpen":
            d_ph = -0.22 * jaw_zone * np.sqrt(across + 0.05 * (1 - across))
        case "mouthClose":
            d_ph = 0.22 * lower_lip * np.sqrt(across)
        case "jawForward":
            d_r = 0.06 * _RADIUS * jaw_zone
        case "jawLeft" | "jawRight" | "mouthLeft" | "mouthRight":
            zone = jaw_zone if base.startswith("jaw") else lips
            d_th = (0.08 if base.endswith("Left") else -0.08) * zone
        case "mouthFunnel" | "mouthPucker":
            d_th = -0.45 * th * lips
            d_r = (0.08 if base == "mouthPucker" else 0.05) * _RADIUS * lips
            if base == "mouthFunnel":
                d_ph = 0.04 * lower_lip * -1 + 0.03 * upper_lip
        case "mouthSmile" | "mouthFrown" | "mouthStretch" | "mouthDimple":
            up = {"mouthSmile": 0.06, "mouthFrown": -0.06, "mouthStretch": -0.02, "mouthDimple": 0.0}[base]
            out = {"mouthSmile": 0.05, "mouthFrown": 0.0, "mouthStretch": 0.07, "mouthDimple": 0.03}[base]
            d_th, d_ph = side * out * corner, up * corner
        case "mouthRollLower" | "mouthRollUpper" | "mouthShrugLower" | "mouthShrugUpper":
            zone = lower_lip if base.endswith("Lower") else upper_lip
            d_r = (-0.03 * _RADIUS if "Roll" in base else 0.0) * zone
            d_ph = (0.03 if "Shrug" in base else (0.03 if base.endswith("Lower") else -0.03)) * zone
        case "mouthPress":
            d_ph = 0.02 * half * np.where(below > 0.5, 1, -1)
        case "mouthLowerDown" | "mouthUpperUp":
            d_ph = (
                (-0.06 if base == "mouthLowerDown" else 0.06)
                * half
                * (below if "Lower" in base else 1 - below)
            )
        case "eyeBlink" | "eyeSquint" | "eyeWide":
            lid = eye * (ph > _EYE_PHI - 0.07)
            amount = {"eyeBlink": 1.0, "eyeSquint": 0.4, "eyeWide": -0.3}[base]
            d_ph = -amount * lid * np.clip(ph - (_EYE_PHI - _EYE_H), 0, None)
        case "eyeLookIn" | "eyeLookOut":
            d_th = (0.06 if (base == "eyeLookOut") == (side > 0) else -0.06) * iris
        case "eyeLookUp" | "eyeLookDown":
            d_ph = (0.04 if base == "eyeLookUp" else -0.04) * iris
        case "browDown" | "browOuterUp":
            d_ph = (-0.05 if base == "browDown" else 0.06) * brow
            if base == "browDown":
                d_th = -side * 0.03 * brow
        case "browInnerUp":
            d_ph = 0.07 * (
                _bump(th, ph, 0.2, _BROW_PHI, 0.12, 0.08) + _bump(th, ph, -0.2, _BROW_PHI, 0.12, 0.08)
            )
        case "cheekPuff":
            d_r = (
                0.1 * _RADIUS * (_bump(th, ph, 0.45, -0.35, 0.2, 0.2) + _bump(th, ph, -0.45, -0.35, 0.2, 0.2))
            )
        case "cheekSquint":
            d_ph = 0.04 * _bump(th, ph, side * 0.4, -0.05, 0.15, 0.1)
        case "noseSneer":
            d_ph = 0.03 * _bump(th, ph, side * 0.08, -0.15, 0.08, 0.1)
        case "tongueOut":
            d_ph = -0.05 * jaw_zone * np.sqrt(across)  # a little jaw drop; the mesh has no tongue
        case _:
            raise ValueError(f"no morph target for {name!r}")
    return d_th, d_ph, d_r
