"""face_animation on a user's own head: the curves as a morph-weight animation added to their .glb.

A head made in Blender, Maya, Character Creator or a MetaHuman export carries its
blendshapes as glTF morph targets, named in ``mesh.extras.targetNames``. Each name is matched
to an ARKit name regardless of case, underscores and an exporter's prefix
(``blendShape1.jawOpen``, ``Face_JawOpen``); every mesh with a match gets one animation
channel per node that shows it. The head itself is kept as it is: nothing else is changed.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._files import atomic_write_bytes
from ..errors import BadInput
from ._arkit import ARKIT_NAMES, FaceCurves
from ._gltf import pack_glb

__all__ = ["MAX_HEAD_BYTES", "Retargeted", "animate_head"]

#: The largest head file read (a detailed character with textures is tens of MB).
MAX_HEAD_BYTES = 512 * 1024 * 1024
_FLOAT = 5126
_ARKIT_BY_KEY = {name.lower(): i for i, name in enumerate(ARKIT_NAMES)}


@dataclass
class Retargeted:
    """What the retargeting matched: ARKit names found on the head, ARKit curves the head has
    no target for, and the head's targets that are not ARKit blendshapes."""

    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def animate_head(head: Path, out: Path, curves: FaceCurves) -> Retargeted:
    """Write ``head`` with the curves added as an animation to ``out`` (atomically).

    Raises:
        BadInput: ``head`` is not a self-contained .glb, or none of its morph targets has an
            ARKit name (the message lists the names it found).
    """
    document, binary = _read_glb(head)
    named = _morph_names(document)
    if not named:
        raise BadInput(
            f"{head.name} has no named morph targets (mesh.extras.targetNames) — export the head with "
            "its ARKit blendshapes as shape keys / morph targets"
        )
    found = Retargeted()
    columns = {mesh: [_arkit_index(name) for name in names] for mesh, names in named.items()}
    hits = {ARKIT_NAMES[i] for cols in columns.values() for i in cols if i is not None}
    if not hits:
        shown = ", ".join(sorted({n for names in named.values() for n in names})[:12])
        raise BadInput(
            f"none of {head.name}'s morph targets has an ARKit name (found: {shown}) — name them as ARKit's "
            "52 blendshapes (jawOpen, eyeBlinkLeft, mouthSmileLeft…)"
        )
    found.matched = [n for n in ARKIT_NAMES if n in hits]
    found.missing = [n for n in ARKIT_NAMES if n not in hits]
    found.unknown = sorted({n for mesh, names in named.items() for n in names if _arkit_index(n) is None})

    blobs = [binary + b"\x00" * (-len(binary) % 4)]
    views, accessors = document.setdefault("bufferViews", []), document.setdefault("accessors", [])

    def add(data: np.ndarray, kind: str, bounds: bool = False) -> int:
        raw = np.ascontiguousarray(data, dtype=np.float32).tobytes()
        views.append({"buffer": 0, "byteOffset": sum(len(b) for b in blobs), "byteLength": len(raw)})
        blobs.append(raw + b"\x00" * (-len(raw) % 4))
        count = data.shape[0] if kind != "SCALAR" else data.size
        accessor = {"bufferView": len(views) - 1, "componentType": _FLOAT, "count": int(count), "type": kind}
        if bounds:
            accessor["min"], accessor["max"] = [float(data.min())], [float(data.max())]
        accessors.append(accessor)
        return len(accessors) - 1

    n = max(len(curves), 2)  # one keyframe cannot say how long the animation lasts
    shapes = curves.shapes if len(curves) > 1 else np.repeat(curves.shapes, 2, axis=0)
    time_acc = add(np.arange(n) / curves.fps, "SCALAR", bounds=True)
    samplers, channels = [], []
    for mesh, cols in columns.items():
        weights = np.zeros((n, len(cols)), dtype=np.float32)
        for j, i in enumerate(cols):
            if i is not None:
                weights[:, j] = shapes[:, i]
        samplers.append(
            {"input": time_acc, "output": add(weights.ravel(), "SCALAR"), "interpolation": "LINEAR"}
        )
        for node, spec in enumerate(document.get("nodes", [])):
            if spec.get("mesh") == mesh:
                channels.append({"sampler": len(samplers) - 1, "target": {"node": node, "path": "weights"}})
    document.setdefault("animations", []).append(
        {"name": "Speech", "samplers": samplers, "channels": channels}
    )
    packed = b"".join(blobs)
    document["buffers"][0]["byteLength"] = len(packed)
    atomic_write_bytes(out, pack_glb(document, packed))
    return found


def _read_glb(path: Path) -> tuple[dict, bytes]:
    """The JSON document and the binary chunk of a self-contained .glb."""
    not_glb = BadInput(f"{path.name} is not a binary glTF (.glb) file — export the head as .glb")
    try:
        size = path.stat().st_size
        if size > MAX_HEAD_BYTES:
            raise BadInput(
                f"{path.name} is {size / 2**20:.0f} MiB, over the {MAX_HEAD_BYTES // 2**20} MiB read"
            )
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot read the head {path}: {e.strerror or e} — check the path") from None
    if len(data) < 20 or data[:4] != b"glTF":
        raise not_glb
    offset, document, binary = 12, None, b""
    while offset + 8 <= len(data):
        length, kind = struct.unpack_from("<I4s", data, offset)
        chunk = data[offset + 8 : offset + 8 + length]
        if kind == b"JSON" and document is None:
            try:
                document = json.loads(chunk)
            except (ValueError, RecursionError):  # RecursionError: arrays nested past Python's stack
                raise not_glb from None
        elif kind == b"BIN\x00":
            binary = chunk
        offset += 8 + length
    if not isinstance(document, dict) or not isinstance(document.get("meshes"), list):
        raise not_glb
    _check_types(document, path.name)
    buffers = document.get("buffers") or [{"byteLength": 0}]
    if len(buffers) != 1 or "uri" in buffers[0]:
        raise BadInput(f"{path.name} keeps its data in other files — export a self-contained .glb")
    document["buffers"] = buffers
    return document, binary


def _check_types(document: dict, name: str) -> None:
    """Refuse a document in which a part this module reads or extends has the wrong JSON type,
    so that a hand-edited or hostile file is refused in one line instead of failing mid-way.

    Raises:
        BadInput: naming the first part that is wrong.
    """

    def wrong(where: str, kind: str) -> BadInput:
        return BadInput(f"{name} is not a valid glTF: {where} is not {kind} — re-export the head as .glb")

    def objects(value: object, where: str) -> list[dict]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise wrong(where, "a list of objects")
        return value

    for key in ("meshes", "nodes", "buffers", "bufferViews", "accessors", "animations"):
        objects(document.get(key, []), f"'{key}'")
    for i, mesh in enumerate(document["meshes"]):
        for j, primitive in enumerate(objects(mesh.get("primitives") or [], f"mesh {i}'s 'primitives'")):
            objects(primitive.get("targets") or [], f"mesh {i} primitive {j}'s 'targets'")
            if not isinstance(primitive.get("extras") or {}, dict):
                raise wrong(f"mesh {i} primitive {j}'s 'extras'", "an object")
        if not isinstance(mesh.get("extras") or {}, dict):
            raise wrong(f"mesh {i}'s 'extras'", "an object")


def _morph_names(document: dict) -> dict[int, list[str]]:
    """Mesh index → its morph targets' names, for meshes that have named targets."""
    named = {}
    for i, mesh in enumerate(document["meshes"]):
        primitives = mesh.get("primitives") or [{}]
        n_targets = len(primitives[0].get("targets") or [])
        names = (mesh.get("extras") or {}).get("targetNames") or (primitives[0].get("extras") or {}).get(
            "targetNames"
        )
        if n_targets and isinstance(names, list) and len(names) == n_targets:
            named[i] = [str(n) for n in names]
    return named


def _arkit_index(name: str) -> int | None:
    """The ARKit blendshape a target name stands for: ``jawOpen``, ``JawOpen``, ``jaw_open``,
    ``blendShape1.jawOpen`` or ``Face_JawOpen`` all name jawOpen."""
    key = name.rsplit(".", 1)[-1].lower()
    for candidate in (key, key.replace("_", ""), re.sub(r"^[a-z0-9]+_", "", key).replace("_", "")):
        if candidate in _ARKIT_BY_KEY:
            return _ARKIT_BY_KEY[candidate]
    return None
