"""Measures of face_animation's curves, shared by its tests and benchmarks/face_animation.py.

The glb reader here is deliberately separate from :mod:`._gltf` (it re-derives everything
from the file's bytes with json and struct), so it checks the writer rather than echoing it.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from ._visemes import viseme_for

__all__ = ["frames_of", "jaw_envelope_r", "lips_closed_share", "read_glb", "rounding", "speech_envelope"]

#: Phonemes the issue names, in both alphabets (espeak IPA as Piper writes it, ARPAbet).
ROUNDED = {"uː", "u", "oʊ", "o", "w", "UW", "OW", "W"}
SPREAD = {"iː", "i", "æ", "IY", "AE"}


def frames_of(phonemes: list[dict[str, Any]], n_frames: int, fps: float, keep) -> np.ndarray:
    """Boolean mask of the frames whose time falls inside a phoneme for which ``keep(phoneme)``."""
    times = np.arange(n_frames) / fps
    mask = np.zeros(n_frames, dtype=bool)
    for p in phonemes:
        if keep(p["phoneme"]):
            mask |= (times >= p["start_s"]) & (times < p["end_s"])
    return mask


def speech_envelope(path: Path, fps: float, range_db: float = 40.0) -> np.ndarray:
    """The speech's level per frame: RMS in dB over ``range_db`` below the peak, mapped to 0–1.

    Computed here from the decoded samples (not from talking_face's loudness), 50 % longer
    windows than a frame so that syllable nuclei, not single glottal pulses, set the level.
    """
    from .._media import load_audio

    y = load_audio(path, sr=16000)
    hop = 16000 / fps
    n = int(np.ceil(y.size / hop))
    centres = (np.arange(n) + 0.5) * hop
    half = 0.75 * hop
    squares = np.concatenate([[0.0], np.cumsum(y.astype(np.float64) ** 2)])
    lo = np.clip(np.round(centres - half).astype(int), 0, y.size)
    hi = np.clip(np.round(centres + half).astype(int), 0, y.size)
    db = 10 * np.log10((squares[hi] - squares[lo]) / np.maximum(hi - lo, 1) + 1e-12)
    return np.clip((db - (db.max() - range_db)) / range_db, 0.0, 1.0)


def jaw_envelope_r(jaw_open: np.ndarray, envelope: np.ndarray) -> float:
    """Pearson correlation of jawOpen with the speech envelope, frame by frame."""
    return float(np.corrcoef(jaw_open, envelope[: jaw_open.size])[0, 1])


def lips_closed_share(blendshapes: dict[str, np.ndarray], phonemes: list[dict], fps: float) -> float:
    """Share of /p b m/ frames with the lips together: jawOpen − mouthClose ≤ 0.1.

    mouthClose closes the lips against an open jaw, so their difference is the lip gap as
    a fraction of the widest speaking opening; 0.1 is a gap no viewer reads as open.
    """
    jaw, close = blendshapes["jawOpen"], blendshapes["mouthClose"]
    mask = frames_of(phonemes, jaw.size, fps, lambda p: viseme_for(p).name == "PP")
    return float(np.mean((jaw - close)[mask] <= 0.1)) if mask.any() else float("nan")


def rounding(blendshapes: dict[str, np.ndarray], phonemes: list[dict], fps: float) -> tuple[float, float]:
    """Mean mouthFunnel + mouthPucker over /uw ow w/ frames and over /iy ae/ frames."""
    rounded = blendshapes["mouthFunnel"] + blendshapes["mouthPucker"]
    strip = "ˈˌː"

    def mean_over(symbols: set[str]) -> float:
        def keep(p: str) -> bool:
            return p in symbols or p.strip(strip) in symbols

        mask = frames_of(phonemes, rounded.size, fps, keep)
        return float(rounded[mask].mean()) if mask.any() else float("nan")

    return mean_over(ROUNDED), mean_over(SPREAD)


def read_glb(path: Path) -> dict[str, Any]:
    """The glTF document of a .glb, with each accessor's data decoded as ``accessor["data"]``.

    Raises:
        ValueError: the file is not a valid glb (magic, version, lengths or chunk types).
    """
    data = Path(path).read_bytes()
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2 or length != len(data):
        raise ValueError(
            f"{path} is not a glTF 2.0 binary (magic {magic!r}, version {version}, length {length})"
        )
    json_len, json_type = struct.unpack_from("<I4s", data, 12)
    if json_type != b"JSON":
        raise ValueError("the first chunk is not JSON")
    document = json.loads(data[20 : 20 + json_len])
    bin_at = 20 + json_len
    bin_len, bin_type = struct.unpack_from("<I4s", data, bin_at)
    if bin_type != b"BIN\x00" or bin_at + 8 + bin_len != len(data):
        raise ValueError("the second chunk is not the binary buffer, or lengths disagree")
    binary = data[bin_at + 8 :]
    widths = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}
    dtypes = {5126: "<f4", 5125: "<u4", 5123: "<u2"}
    for accessor in document["accessors"]:
        view = document["bufferViews"][accessor["bufferView"]]
        count, width = accessor["count"], widths[accessor["type"]]
        dtype = np.dtype(dtypes[accessor["componentType"]])
        if count * width * dtype.itemsize > view["byteLength"]:
            raise ValueError(f"accessor {accessor} overruns its buffer view")
        start = view.get("byteOffset", 0) + accessor.get("byteOffset", 0)
        values = np.frombuffer(binary, dtype, count * width, start)
        accessor["data"] = values.reshape(count, width) if width > 1 else values
    return document
