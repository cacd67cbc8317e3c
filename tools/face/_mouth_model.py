"""The learned audio-to-mouth model: log-mel frames in, per-frame viseme probabilities out.

Speech that comes without phoneme timings (a user's own recording) used to be timed by
pocketsphinx's phone recogniser, which the mouth barely followed on real speech. This
small 1-D convolution net reads 40 log-mel bands every 10 ms and gives, for each 10 ms
frame, the probability of each viseme class of :mod:`._visemes` (silence first). Each
layer sees a little of the future (:attr:`MouthModel.lookahead_frames` in all), so a
frame's shape can anticipate the sound that follows.

It is trained here on TTS speech with exact phoneme timings, augmented toward real
voices and rooms (``python -m tools.face.train_mouth``; see docs/face.md), and ships as
``mouth_model.npz`` (a few hundred kB) with its provenance. Inference is NumPy only:
no training library loads.
"""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import numpy as np

from ._visemes import VISEMES

__all__ = [
    "CLASSES",
    "FRAME_RATE",
    "MODEL_FILE",
    "SR",
    "MouthModel",
    "log_mel",
    "mouth_model",
]

MODEL_FILE = Path(__file__).with_name("mouth_model.npz")
#: Sample rate of the features (Hz) and their frame rate (frames per second: 10 ms hop).
SR = 16000
FRAME_RATE = 100
#: The viseme classes in the model's output order (silence first).
CLASSES = tuple(VISEMES)
_N_FFT, _WIN, _HOP, _N_MELS = 512, 400, 160, 40
_FMIN, _FMAX = 60.0, 7600.0
#: Features are dB relative to the recording's loud frames, floored this far below them.
_FLOOR_DB = 80.0
_LOCK = threading.Lock()


@functools.cache
def _mel_filters() -> np.ndarray:
    """A ``(n_fft // 2 + 1, 40)`` triangular mel filterbank (HTK mel scale)."""

    def mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    edges_mel = np.linspace(mel(np.array(_FMIN)), mel(np.array(_FMAX)), _N_MELS + 2)
    edges_hz = 700.0 * (10.0 ** (edges_mel / 2595.0) - 1.0)
    freqs = np.arange(_N_FFT // 2 + 1) * SR / _N_FFT
    lo, mid, hi = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    up = (freqs[None, :] - lo) / (mid - lo)
    down = (hi - freqs[None, :]) / (hi - mid)
    return np.maximum(0.0, np.minimum(up, down)).T.astype(np.float32)


def log_mel(samples: np.ndarray) -> np.ndarray:
    """Log-mel features of 16 kHz mono ``samples``: ``(n_frames, 40)`` float32, 100 frames/s.

    Frame ``i`` is centred on sample ``160 i``. Levels are dB relative to the recording's
    loud frames (95th percentile of frame level), floored at -80 dB and scaled by 1/20,
    so the same speech gives the same features at any recording level.
    """
    y = np.asarray(samples, dtype=np.float32)
    n_frames = max(1, int(np.ceil(y.size / _HOP)))
    padded = np.pad(y, (_WIN // 2, _WIN // 2 + n_frames * _HOP - y.size + _HOP))
    idx = np.arange(_WIN)[None, :] + _HOP * np.arange(n_frames)[:, None]
    frames = padded[idx] * np.hanning(_WIN).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, n=_N_FFT, axis=1)) ** 2
    db = 10.0 * np.log10(power @ _mel_filters() + 1e-10)
    level = db.max(axis=1)
    ref = float(np.percentile(level, 95))
    return (np.clip(db - ref, -_FLOOR_DB, 10.0) / 20.0).astype(np.float32)


class MouthModel:
    """Viseme probabilities from log-mel frames.

    Args:
        path: an ``.npz`` written by ``tools.face.train_mouth``: per layer ``w{i}`` (out, in,
            kernel), ``b{i}``, ``dil{i}`` and ``right{i}`` (frames of look-ahead), the output
            layer ``w_out``/``b_out``, the feature mean/scale, and ``meta`` (JSON provenance).
    """

    def __init__(self, path: Path = MODEL_FILE):
        with np.load(path) as data:
            self.mean, self.scale = data["mean"], data["scale"]
            self.layers = []
            i = 0
            while f"w{i}" in data:
                self.layers.append(
                    (data[f"w{i}"], data[f"b{i}"], int(data[f"dil{i}"]), int(data[f"right{i}"]))
                )
                i += 1
            self.w_out, self.b_out = data["w_out"], data["b_out"]
            self.meta = json.loads(str(data["meta"]))
        if self.w_out.shape[0] != len(CLASSES):
            raise ValueError(f"{path}: {self.w_out.shape[0]} output classes, expected {len(CLASSES)}")

    @property
    def lookahead_frames(self) -> int:
        """How many 10 ms frames of the future each output frame sees."""
        return sum(right for *_, right in self.layers)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """``(n_frames, len(CLASSES))`` viseme probabilities for ``(n_frames, 40)`` log-mel."""
        x = (features - self.mean) / self.scale
        for w, b, dilation, right in self.layers:
            x = np.maximum(_conv(x, w, b, dilation, right), 0.0)
        logits = x @ self.w_out.T + self.b_out
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


def _conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, dilation: int, right: int) -> np.ndarray:
    """A 1-D convolution over time of ``x`` (frames, in) padded to keep its length, with
    ``right`` frames of future context and the rest of the kernel's reach in the past."""
    n_out, _, k = w.shape
    left = (k - 1) * dilation - right
    padded = np.pad(x, ((left, right), (0, 0)))
    out = np.broadcast_to(b, (x.shape[0], n_out)).astype(np.float32)
    for j in range(k):
        out = out + padded[j * dilation : j * dilation + x.shape[0]] @ w[:, :, j].T
    return out


@functools.cache
def _load() -> MouthModel | None:
    return MouthModel() if MODEL_FILE.is_file() else None


def mouth_model() -> MouthModel | None:
    """The shipped model, loaded once (thread-safe); None when its file is missing."""
    with _LOCK:
        return _load()
