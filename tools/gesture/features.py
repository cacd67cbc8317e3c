"""Speech features at the motion frame rate: log-mel, energy, onset strength, pitch, onsets.

Audio streams through in 30 s blocks (with a window of context either side), so memory
depends on the length of the feature track (36 floats a frame), not of the recording.
Everything here is numpy: no librosa, so the offline default stays fast to import and run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["FPS", "SR", "AudioFeatures", "extract_features"]

#: Motion frame rate of every backend, frames per second.
FPS = 30
#: Analysis sample rate in Hz: chosen so that one motion frame is exactly ``HOP`` samples.
SR = 15360
HOP = SR // FPS  # 512
N_FFT = 1024
N_MELS = 32
F0_MIN_HZ, F0_MAX_HZ = 70.0, 400.0
_BLOCK_FRAMES = 900  # 30 s per decoded block
SILENCE_DB = -50.0  # frames quieter than this (dBFS RMS) count as silence


@dataclass
class AudioFeatures:
    """Per-frame speech features at :data:`FPS`.

    Attributes:
        log_mel: ``(T, 32)`` log10 mel power.
        energy_db: ``(T,)`` RMS level in dBFS.
        onset_env: ``(T,)`` onset strength (positive spectral flux of the log-mel), >= 0.
        f0_hz: ``(T,)`` pitch in Hz, 0 where unvoiced.
    """

    log_mel: np.ndarray
    energy_db: np.ndarray
    onset_env: np.ndarray
    f0_hz: np.ndarray

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return len(self.energy_db)

    @property
    def is_silent(self) -> bool:
        """True when no frame rises above the silence threshold."""
        return self.n_frames == 0 or float(self.energy_db.max()) < SILENCE_DB

    def onsets(self, min_gap_s: float = 0.12) -> np.ndarray:
        """Frame indices of syllable onsets: peaks of the onset strength in voiced speech.

        A peak counts when it is the largest within ``min_gap_s`` either side, stands
        above the local mean of the envelope, and the sound around it is not silence.
        """
        env = self.onset_env
        if self.is_silent or env.max() <= 0:
            return np.zeros(0, dtype=int)
        gap = max(1, round(min_gap_s * FPS))
        padded = np.pad(env, gap, mode="constant")
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * gap + 1)
        local_max = windows.max(axis=1)
        local_mean = _centred(env, np.ones(3 * gap + 1) / (3 * gap + 1))
        loud = _centred(self.energy_db > max(SILENCE_DB, self.energy_db.max() - 35), np.ones(5)) > 0
        keep = (env >= local_max) & (env > local_mean + 0.1 * env.max()) & loud
        return np.flatnonzero(keep)

    def model_input(self) -> np.ndarray:
        """The ``(T, 36)`` conditioning matrix of the diffusion model (before normalising)."""
        voiced = self.f0_hz > 0
        log_f0 = np.where(voiced, np.log2(np.maximum(self.f0_hz, 1.0) / 150.0), 0.0)
        prosody = np.stack([self.energy_db / 60.0, self.onset_env, log_f0, voiced.astype(float)], axis=1)
        return np.concatenate([self.log_mel, prosody], axis=1).astype(np.float32)


def _centred(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``x`` convolved with ``kernel``, as long as ``x`` and centred on it, whatever their lengths
    (``np.convolve(mode="same")`` gives the longer of the two: a clip shorter than the kernel broke)."""
    start = (len(kernel) - 1) // 2
    return np.convolve(x, kernel, mode="full")[start : start + len(x)]


@cache
def _mel_filterbank() -> np.ndarray:
    """``(N_MELS, N_FFT // 2 + 1)`` triangular filters on the HTK mel scale, 60 Hz to SR/2."""
    hz_to_mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)  # noqa: E731
    mel_to_hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)  # noqa: E731
    edges = mel_to_hz(np.linspace(hz_to_mel(60.0), hz_to_mel(SR / 2), N_MELS + 2))
    freqs = np.linspace(0, SR / 2, N_FFT // 2 + 1)
    low, mid, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - low) / (mid - low)
    falling = (high - freqs) / (high - mid)
    return np.maximum(0.0, np.minimum(rising, falling))


def _frames_with_context(path: Path) -> Iterator[np.ndarray]:
    """Yield ``(n, N_FFT)`` analysis windows, one per motion frame, block by block.

    Frame ``i`` of the recording is centred on sample ``i * HOP``; each block is analysed
    once the next one has arrived, so its last windows see their right-hand context.
    """
    from tools._media import iter_audio_blocks

    half = N_FFT // 2
    left = np.zeros(half, dtype=np.float32)
    pending: np.ndarray | None = None
    for block in iter_audio_blocks(path, sr=SR, block_s=_BLOCK_FRAMES / FPS):
        if pending is not None:
            yield _windows(np.concatenate([left, pending, block[:half]]), len(pending))
            left = np.concatenate([left, pending])[-half:]
        pending = block
    if pending is not None:
        yield _windows(np.concatenate([left, pending]), len(pending))


def _windows(signal: np.ndarray, n_samples: int) -> np.ndarray:
    n_frames = -(-n_samples // HOP)
    need = (n_frames - 1) * HOP + N_FFT
    signal = np.pad(signal, (0, max(0, need - len(signal))))
    return np.lib.stride_tricks.sliding_window_view(signal, N_FFT)[::HOP][:n_frames]


def _pitch(windows: np.ndarray, power: np.ndarray) -> np.ndarray:
    """f0 in Hz per window by normalised autocorrelation; 0 where no clear period."""
    spectrum = np.fft.rfft(windows * np.hanning(N_FFT), n=2 * N_FFT)
    autocorr = np.fft.irfft(np.abs(spectrum) ** 2)[:, :N_FFT]
    autocorr /= np.maximum(autocorr[:, :1], 1e-12)
    lo, hi = int(SR / F0_MAX_HZ), int(SR / F0_MIN_HZ)
    lag = lo + np.argmax(autocorr[:, lo:hi], axis=1)
    strength = autocorr[np.arange(len(lag)), lag]
    # A Hann window shrinks the autocorrelation at lag L by about (1 - L / N); undo that.
    strength /= 1.0 - lag / N_FFT
    voiced = (strength > 0.6) & (power > 10 ** (SILENCE_DB / 10))
    return np.where(voiced, SR / lag, 0.0)


def extract_features(path: str | Path, on_block: Callable[[float], None] | None = None) -> AudioFeatures:
    """Compute :class:`AudioFeatures` for any audio file ffmpeg reads, streaming it.

    Args:
        path: the audio file.
        on_block: told the seconds analysed so far after each block (for progress).

    Raises:
        BadInput: the file cannot be decoded as audio.
        Cancelled: the running tool's step was cancelled (checked at every decoded block).
    """
    window = np.hanning(N_FFT).astype(np.float32)
    mel_fb = _mel_filterbank()
    mels, energies, pitches = [], [], []
    for windows in _frames_with_context(Path(path)):
        power = np.mean(windows.astype(np.float64) ** 2, axis=1)
        spectrum = np.abs(np.fft.rfft(windows * window, axis=1)) ** 2
        mels.append(np.log10(spectrum @ mel_fb.T + 1e-8).astype(np.float32))
        energies.append(10 * np.log10(power + 1e-10))
        pitches.append(_pitch(windows, power))
        if on_block is not None:
            on_block(sum(len(e) for e in energies) / FPS)
    log_mel = np.concatenate(mels) if mels else np.zeros((0, N_MELS), np.float32)
    energy_db = np.concatenate(energies) if energies else np.zeros(0)
    flux = np.maximum(0.0, np.diff(log_mel, axis=0, prepend=log_mel[:1])).mean(axis=1)
    # Flux in quiet frames is noise amplified by the log; weight it by loudness.
    flux *= np.clip((energy_db - SILENCE_DB) / 20.0, 0.0, 1.0)
    return AudioFeatures(log_mel, energy_db, flux, np.concatenate(pitches) if pitches else np.zeros(0))
