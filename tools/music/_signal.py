"""Audio helpers shared by the music tools: decoding with clear errors, loudness, peaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tools._artifacts import Audio
from tools._media import load_audio
from tools.errors import BadInput

__all__ = ["SILENCE_DBFS", "db_to_gain", "gain_to_db", "integrated_lufs", "load_music", "peak_dbfs"]

#: Audio whose peak stays below this level is treated as silence (16-bit dither sits near -90 dBFS).
SILENCE_DBFS = -60.0


def load_music(
    audio: Audio | str | Path, sr: int, mono: bool = True, max_s: float | None = None
) -> np.ndarray:
    """Decode ``audio`` at ``sr`` Hz and refuse silence; ``mono=False`` gives shape ``(n, 2)``.

    Raises:
        BadInput: the file is not audio, is empty, too long, or silent.
    """
    path = Path(audio.path if isinstance(audio, Audio) else audio)
    y = load_audio(path, sr=sr, mono=mono, max_s=max_s)
    if peak_dbfs(y) < SILENCE_DBFS:
        raise BadInput(
            f"{path.name} is silent (peak below {SILENCE_DBFS:.0f} dBFS) — give a recording with sound in it"
        )
    return y


def peak_dbfs(y: np.ndarray) -> float:
    """Sample peak in dB relative to full scale (-inf for digital silence)."""
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    return gain_to_db(peak)


def gain_to_db(gain: float) -> float:
    """Linear amplitude ratio → dB (-inf for 0)."""
    return 20.0 * float(np.log10(gain)) if gain > 0 else float("-inf")


def db_to_gain(db: float) -> float:
    """dB → linear amplitude ratio."""
    return float(10.0 ** (db / 20.0))


def integrated_lufs(y: np.ndarray, sr: int) -> float:
    """ITU-R BS.1770 integrated loudness in LUFS (-inf when too short or too quiet to gate).

    Args:
        y: samples, shape ``(n,)`` or ``(n, channels)``.
        sr: sample rate in Hz.
    """
    import pyloudnorm

    if y.shape[0] < int(0.4 * sr):  # shorter than one gating block: pad with silence
        pad = [(0, int(0.4 * sr) - y.shape[0])] + [(0, 0)] * (y.ndim - 1)
        y = np.pad(y, pad)
    with np.errstate(divide="ignore"):
        return float(pyloudnorm.Meter(sr).integrated_loudness(np.asarray(y, dtype=np.float64)))
