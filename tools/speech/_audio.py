"""Audio helpers for the recognisers: probing length, PCM conversion, silence checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._probe import probe_audio
from ..errors import BadInput

__all__ = ["SILENCE_DBFS", "check_audio_file", "peak_dbfs", "probe_duration_s", "to_pcm16"]

#: A recording whose peak stays below this level holds no usable sound.
SILENCE_DBFS = -60.0


def check_audio_file(path: str | Path) -> Path:
    """The path, if it names a non-empty file.

    Raises:
        BadInput: the file is missing or empty.
    """
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path} does not exist or is not a file — check the path")
    if path.stat().st_size == 0:
        raise BadInput(f"{path.name} is empty (0 bytes) — give a wav, mp3, flac or ogg recording")
    return path


def probe_duration_s(path: Path) -> float | None:
    """Duration the file's header states, or None when it does not say (or cannot be read)."""
    try:
        return probe_audio(path).duration_s
    except BadInput:
        return None  # decoding will say what is wrong with it


def peak_dbfs(y: np.ndarray) -> float:
    """Peak level in dB relative to full scale (-inf for digital silence)."""
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def to_pcm16(y: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as 16-bit little-endian PCM bytes."""
    return (np.clip(y, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
