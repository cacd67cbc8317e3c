"""A melody for MusicGen-melody: the first 30 s of a recording as one-hot chroma frames.

MusicGen-melody is conditioned on which pitch class dominates each 0.128 s of the melody
(Copet et al. 2023, §2.3): the power spectrogram folded onto 12 chroma bins, keeping only
the loudest bin of each frame. transformers computes it in ``MusicgenMelodyFeatureExtractor``,
which needs torchaudio — whose registry build does not load on a CPU-only machine — so the
same computation is done here with librosa's STFT and transformers' own chroma filter bank,
with the parameters the model folder's ``preprocessor_config.json`` gives (32 kHz, a 16384
-sample Hann window, hop 4096, 30 s). The model was trained on 30-second clips and reads at
most ``chroma_length`` frames (235, 30 s), so only the melody's first 30 s are used; a shorter
melody is repeated by the model to fill the piece.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools import Audio, BadInput
from tools._media import iter_audio_blocks
from tools._torch_env import without_broken_torchaudio

from ._signal import SILENCE_DBFS, peak_dbfs

__all__ = ["ChromaConfig", "melody_chroma", "read_melody"]


@dataclass(frozen=True)
class ChromaConfig:
    """The feature extractor's settings (``preprocessor_config.json``; defaults: the published model's)."""

    sampling_rate: int = 32000
    n_fft: int = 16384
    hop_length: int = 4096
    num_chroma: int = 12
    chunk_length: int = 30  # seconds read

    @classmethod
    def of_folder(cls, folder: Path) -> ChromaConfig:
        """The settings a model folder's ``preprocessor_config.json`` states, else the defaults."""
        try:
            data = json.loads((folder / "preprocessor_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        fields = cls.__dataclass_fields__
        return cls(**{k: int(v) for k, v in data.items() if k in fields and isinstance(v, int | float)})


def read_melody(melody: Audio, config: ChromaConfig) -> tuple[np.ndarray, float]:
    """The melody's first ``chunk_length`` seconds, mono at the model's rate, and how long the
    recording lasts (it may be longer: the rest is not decoded).

    Raises:
        BadInput: the file is not audio, is empty, or is silent in the part that is used.
    """
    path = Path(melody.path)
    blocks = iter_audio_blocks(path, sr=config.sampling_rate, block_s=float(config.chunk_length))
    with contextlib.closing(blocks):
        y = next(blocks)  # raises BadInput itself when there is no audio at all
    if peak_dbfs(y) < SILENCE_DBFS:
        raise BadInput(
            f"melody {path.name} is silent in its first {config.chunk_length} s (peak below "
            f"{SILENCE_DBFS:.0f} dBFS) — give a recording of the tune to follow"
        )
    stated = melody.duration_s if melody.duration_s else len(y) / config.sampling_rate
    return y, float(max(stated, len(y) / config.sampling_rate))


def melody_chroma(y: np.ndarray, config: ChromaConfig) -> np.ndarray:
    """One-hot chroma frames ``(n_frames, num_chroma)`` of mono samples at ``config.sampling_rate``,
    as ``MusicgenMelodyFeatureExtractor`` makes them (window-normalised power spectrogram,
    centred reflect-padded frames, the loudest pitch class of each frame set to 1)."""
    import librosa

    with without_broken_torchaudio():
        from transformers.audio_utils import chroma_filter_bank

    y = np.asarray(y, np.float32)[: config.chunk_length * config.sampling_rate]
    if len(y) < config.n_fft:  # centred like the extractor: pad both sides to one window
        pad = config.n_fft - len(y)
        y = np.pad(y, (pad // 2, pad - pad // 2))
    window = librosa.filters.get_window("hann", config.n_fft, fftbins=True)
    spec = librosa.stft(
        y, n_fft=config.n_fft, hop_length=config.hop_length, window=window, center=True, pad_mode="reflect"
    )
    power = np.abs(spec) ** 2 / float(np.sum(window**2))
    filters = chroma_filter_bank(
        num_frequency_bins=config.n_fft,
        num_chroma=config.num_chroma,
        sampling_rate=config.sampling_rate,
        tuning=0,
    )
    raw = filters @ power  # (num_chroma, frames)
    one_hot = np.zeros((raw.shape[1], config.num_chroma), np.float32)
    one_hot[np.arange(raw.shape[1]), raw.argmax(axis=0)] = 1.0
    return one_hot
