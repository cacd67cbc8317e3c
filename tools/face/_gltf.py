"""Binary glTF 2.0 (.glb) of the head with its ARKit morph targets and the animation.

Written with numpy, json and struct alone (the format is a JSON chunk and a binary chunk).
The mesh carries one morph target per ARKit blendshape, named in ``mesh.extras.targetNames``
(the convention Blender, three.js and Babylon.js read); one animation drives the morph
weights (LINEAR) and the head node's rotation (quaternions from yaw, pitch and roll).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from .._files import atomic_write_bytes
from ._arkit import ARKIT_NAMES, FaceCurves
from ._head import HeadMesh

__all__ = ["head_rotation", "pack_glb", "write_glb"]

_FLOAT, _UINT = 5126, 5125
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963


def head_rotation(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """Unit quaternions (x, y, z, w), ``n × 4``: yaw about +Y, then pitch about +X, then roll about +Z.

    Yaw is positive toward the character's left (+X), pitch positive nodding down,
    roll positive tilting toward the left shoulder.
    """

    def about(axis: int, angle: np.ndarray) -> np.ndarray:
        q = np.zeros((angle.size, 4))
        q[:, axis] = np.sin(angle / 2)
        q[:, 3] = np.cos(angle / 2)
        return q

    q = _multiply(_multiply(about(1, yaw), about(0, pitch)), about(2, -roll))
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def _multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ax, ay, az, aw = a.T
    bx, by, bz, bw = b.T
    return np.stack(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ],
        axis=1,
    )


def write_glb(path: Path, head: HeadMesh, curves: FaceCurves) -> Path:
    """Write the animated head to ``path`` atomically (never a half-written file)."""
    blobs: list[bytes] = []
    views: list[dict] = []
    accessors: list[dict] = []

    def add(
        data: np.ndarray, kind: str, component: int, target: int | None = None, bounds: bool = False
    ) -> int:
        offset = sum(len(b) for b in blobs)
        raw = np.ascontiguousarray(data).tobytes()
        blobs.append(raw + b"\x00" * (-len(raw) % 4))
        view = {"buffer": 0, "byteOffset": offset, "byteLength": len(raw)}
        if target is not None:
            view["target"] = target
        views.append(view)
        count = data.shape[0] if kind != "SCALAR" or data.ndim == 1 else data.size
        accessor = {
            "bufferView": len(views) - 1,
            "componentType": component,
            "count": int(count),
            "type": kind,
        }
        if bounds:
            flat = data.reshape(int(count), -1)
            accessor["min"] = [float(v) for v in flat.min(axis=0)]
            accessor["max"] = [float(v) for v in flat.max(axis=0)]
        accessors.append(accessor)
        return len(accessors) - 1

    position = add(head.positions, "VEC3", _FLOAT, _ARRAY_BUFFER, bounds=True)
    colour = add(head.colours, "VEC3", _FLOAT, _ARRAY_BUFFER)
    indices = add(head.triangles.ravel(), "SCALAR", _UINT, _ELEMENT_ARRAY_BUFFER)
    targets = [{"POSITION": add(t, "VEC3", _FLOAT, _ARRAY_BUFFER, bounds=True)} for t in head.targets]
    n = len(curves)
    times = (np.arange(n) / curves.fps).astype(np.float32)
    if n == 1:  # one keyframe cannot say how long the animation lasts; hold it a frame
        times = np.array([0.0, 1.0 / curves.fps], dtype=np.float32)
    shapes = curves.shapes if n > 1 else np.repeat(curves.shapes, 2, axis=0)
    rotations = curves.rotations if n > 1 else np.repeat(curves.rotations, 2, axis=0)
    time_acc = add(times, "SCALAR", _FLOAT, bounds=True)
    weight_acc = add(shapes.astype(np.float32).ravel(), "SCALAR", _FLOAT)
    quats = head_rotation(*(rotations[:, i].astype(np.float64) for i in range(3))).astype(np.float32)
    rotation_acc = add(quats, "VEC4", _FLOAT)

    document = {
        "asset": {"version": "2.0", "generator": "Troupe face_animation"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "Head", "mesh": 0}],
        "meshes": [
            {
                "name": "HeadMesh",
                "primitives": [
                    {
                        "attributes": {"POSITION": position, "COLOR_0": colour},
                        "indices": indices,
                        "material": 0,
                        "targets": targets,
                    }
                ],
                "weights": [0.0] * len(ARKIT_NAMES),
                "extras": {"targetNames": list(ARKIT_NAMES)},
            }
        ],
        "materials": [
            {"name": "Skin", "pbrMetallicRoughness": {"metallicFactor": 0.0, "roughnessFactor": 0.7}}
        ],
        "animations": [
            {
                "name": "Speech",
                "samplers": [
                    {"input": time_acc, "output": weight_acc, "interpolation": "LINEAR"},
                    {"input": time_acc, "output": rotation_acc, "interpolation": "LINEAR"},
                ],
                "channels": [
                    {"sampler": 0, "target": {"node": 0, "path": "weights"}},
                    {"sampler": 1, "target": {"node": 0, "path": "rotation"}},
                ],
            }
        ],
        "bufferViews": views,
        "accessors": accessors,
    }
    binary = b"".join(blobs)
    document["buffers"] = [{"byteLength": len(binary)}]
    return atomic_write_bytes(path, pack_glb(document, binary))


def pack_glb(document: dict, binary: bytes) -> bytes:
    """A .glb file's bytes: the header, the JSON chunk and the binary chunk (both padded to 4)."""
    text = json.dumps(document, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\x00" * (-len(binary) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return b"".join(
        [
            struct.pack("<4sII", b"glTF", 2, total),
            struct.pack("<I4s", len(text), b"JSON"),
            text,
            struct.pack("<I4s", len(binary), b"BIN\x00"),
            binary,
        ]
    )
