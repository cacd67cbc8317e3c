"""The music's pulse as a dancer counts it: beats, downbeats, phrases, accents and energy.

Beats come from music_analyze's tracker (:func:`tools.music.analyze.estimate_tempo`); this
module adds what a dancer needs on top:

* **downbeats**: of the four ways to group beats in fours, the one whose first beats carry the
  most onset strength (a kick or an accented click) starts the bar;
* **counts**: the times moves land on, every beat, or every other beat above
  :data:`HALF_TIME_BPM` (nobody steps at 170 BPM; they dance half-time);
* **phrases** of 8 beats, starting on a downbeat: each gets a new figure;
* **accent** per count from onset strength, and **energy** per phrase from loudness and onset
  strength, which scale the moves;
* music with no beat (or silence) gets a slow, even grid (:data:`NO_BEAT_PERIOD_S`) so the
  dancer sways instead of failing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["HALF_TIME_BPM", "NO_BEAT_PERIOD_S", "PHRASE_BEATS", "Pulse", "find_pulse", "pulse_from_beats"]

SR = 22050
HOP = 256  # the hop music_analyze's tracker uses
#: Above this tempo the moves land on every other beat.
HALF_TIME_BPM = 140.0
#: Beats in a phrase; each phrase gets a new figure.
PHRASE_BEATS = 8
#: Count period of the slow sway for music without a beat.
NO_BEAT_PERIOD_S = 2.0
#: Onsets at the tracked beats must stand this far above the average onset for a real pulse.
_MIN_PULSE_CLARITY = 1.5


@dataclass(frozen=True)
class Pulse:
    """Where and how hard to move.

    Attributes:
        counts_s: ``(K,)`` times in seconds the moves land on, covering the whole clip.
        phrase_starts: indices into ``counts_s`` where a phrase (a new figure) begins, 0 first.
        accent: ``(K,)`` strength of each count, about 1 (0.6 to 1.4), from onset strength.
        energy: ``(K,)`` energy of the phrase each count is in, 0 to 1.
        tempo_bpm: the music's tempo (0 without a beat).
        beats_s: the tracked beats in seconds (empty without a beat).
        downbeats_s: the tracked downbeats in seconds.
        half_time: whether counts fall on every other beat.
        has_beat: False for silence or music without a clear beat.
    """

    counts_s: np.ndarray
    phrase_starts: np.ndarray
    accent: np.ndarray
    energy: np.ndarray
    tempo_bpm: float
    beats_s: np.ndarray
    downbeats_s: np.ndarray
    half_time: bool
    has_beat: bool


def find_pulse(path: str | Path, max_s: float, energy: float | None = None) -> tuple[Pulse, float]:
    """Decode the music at ``path`` and find its pulse; returns it and the duration in seconds.

    Args:
        path: the music file.
        max_s: longest recording accepted, in seconds.
        energy: fixed energy 0 to 1 for every phrase; None takes it from the music.

    Raises:
        BadInput: the file cannot be decoded as audio.
    """
    import librosa

    from tools._media import load_audio
    from tools.music._signal import SILENCE_DBFS, integrated_lufs, peak_dbfs
    from tools.music.analyze import estimate_tempo

    y = load_audio(path, sr=SR, mono=True, max_s=max_s)
    duration_s = len(y) / SR
    if peak_dbfs(y) < SILENCE_DBFS or duration_s < 1.0:
        return _no_beat(duration_s, 0.0 if energy is None else energy), duration_s
    tempo, beats = estimate_tempo(y, SR)
    onset = librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP, aggregate=np.median)
    at_beats = _strength_at(onset, beats)
    if len(beats) < 4 or tempo <= 0 or at_beats.mean() < _MIN_PULSE_CLARITY * max(onset.mean(), 1e-9):
        level = _loudness_level(integrated_lufs(y, SR))
        return _no_beat(duration_s, 0.5 * level if energy is None else energy), duration_s
    rms_db = librosa.amplitude_to_db(librosa.feature.rms(y=y, hop_length=HOP)[0], ref=1.0)
    pulse = pulse_from_beats(
        beats,
        duration_s,
        strength=at_beats,
        loudness_db=_strength_at(rms_db, beats, reduce=np.mean),
        level=_loudness_level(integrated_lufs(y, SR)),
        tempo_bpm=tempo,
        energy=energy,
    )
    return pulse, duration_s


def pulse_from_beats(
    beats_s: np.ndarray,
    duration_s: float,
    strength: np.ndarray | None = None,
    loudness_db: np.ndarray | None = None,
    level: float = 0.7,
    tempo_bpm: float | None = None,
    energy: float | None = None,
) -> Pulse:
    """The pulse of a clip of ``duration_s`` seconds whose beats fall at ``beats_s``.

    Args:
        beats_s: beat times in seconds, at least 4, increasing.
        duration_s: length of the clip in seconds.
        strength: onset strength at each beat (downbeats and accents); None treats all alike.
        loudness_db: RMS level in dB around each beat (phrase energy); None treats all alike.
        level: overall loudness 0 to 1 (see :func:`_loudness_level`).
        tempo_bpm: the tempo; None derives it from the median beat interval.
        energy: fixed phrase energy 0 to 1; None takes it from ``level``, loudness and strength.
    """
    beats_s = np.asarray(beats_s, dtype=float)
    period = float(np.median(np.diff(beats_s)))
    tempo_bpm = 60.0 / period if tempo_bpm is None else tempo_bpm
    strength = np.ones(len(beats_s)) if strength is None else np.asarray(strength, dtype=float)
    loudness_db = np.zeros(len(beats_s)) if loudness_db is None else np.asarray(loudness_db, dtype=float)
    downbeat = int(np.argmax([strength[p::4].mean() - strength.mean() for p in range(4)]))
    half = tempo_bpm > HALF_TIME_BPM
    step = 2 if half else 1
    # Counts: the tracked beats from the first downbeat (every other one at half time), then
    # the same grid continued at the beat period back to 0 s and on to the end of the clip.
    tracked = np.arange(downbeat % step, len(beats_s), step)
    count_period = period * step
    before = beats_s[tracked[0]] - count_period * np.arange(int(beats_s[tracked[0]] / count_period), 0, -1)
    after = beats_s[tracked[-1]] + count_period * np.arange(
        1, int((duration_s - beats_s[tracked[-1]]) / count_period) + 2
    )
    counts_s = np.concatenate([before, beats_s[tracked], after])
    first = len(before) + (downbeat - tracked[0]) // step  # the count on the first downbeat
    per_phrase = PHRASE_BEATS // step
    starts = np.unique(np.concatenate([[0], np.arange(first % per_phrase, len(counts_s), per_phrase)]))
    # Accent per count from onset strength relative to the median beat.
    rel = strength / max(float(np.median(strength)), 1e-9)
    accent = np.ones(len(counts_s))
    accent[len(before) : len(before) + len(tracked)] = np.clip(0.6 + 0.4 * rel[tracked], 0.6, 1.4)
    # Energy per phrase: overall level, lowered in quieter and sparser phrases.
    loud = np.interp(counts_s, beats_s, loudness_db)
    onsets = np.interp(counts_s, beats_s, rel)
    phrase_energy = np.empty(len(counts_s))
    bounds = [*starts.tolist(), len(counts_s)]
    for a, b in itertools.pairwise(bounds):
        if energy is not None:
            phrase_energy[a:b] = energy
            continue
        quieter_db = float(loudness_db.max() - loud[a:b].mean())
        drive = float(np.clip(onsets[a:b].mean(), 0.5, 1.2))
        phrase_energy[a:b] = np.clip(level * (1 - quieter_db / 30) * (0.6 + 0.4 * drive), 0.1, 1.0)
    return Pulse(
        counts_s=counts_s,
        phrase_starts=starts,
        accent=accent,
        energy=phrase_energy,
        tempo_bpm=float(tempo_bpm),
        beats_s=beats_s,
        downbeats_s=beats_s[downbeat::4],
        half_time=half,
        has_beat=True,
    )


def _no_beat(duration_s: float, energy: float) -> Pulse:
    """A slow even grid: the dancer sways every :data:`NO_BEAT_PERIOD_S` seconds."""
    counts_s = np.arange(0.0, duration_s + 2 * NO_BEAT_PERIOD_S, NO_BEAT_PERIOD_S)
    return Pulse(
        counts_s=counts_s,
        phrase_starts=np.arange(0, len(counts_s), PHRASE_BEATS),
        accent=np.ones(len(counts_s)),
        energy=np.full(len(counts_s), float(np.clip(energy, 0.0, 1.0))),
        tempo_bpm=0.0,
        beats_s=np.zeros(0),
        downbeats_s=np.zeros(0),
        half_time=False,
        has_beat=False,
    )


def _loudness_level(lufs: float) -> float:
    """Overall loudness as 0.2 (-35 LUFS or quieter) to 1 (-10 LUFS, a loud master, or louder)."""
    return float(np.clip((lufs + 35.0) / 25.0 * 0.8 + 0.2, 0.2, 1.0)) if np.isfinite(lufs) else 0.2


def _strength_at(envelope: np.ndarray, times_s: np.ndarray, reduce=np.max) -> np.ndarray:
    """``envelope`` (one value per hop) reduced over ±2 frames around each time."""
    frames = np.round(np.asarray(times_s) * SR / HOP).astype(int)
    frames = np.clip(frames, 0, len(envelope) - 1)
    return np.array([reduce(envelope[max(0, f - 2) : f + 3]) for f in frames]) if len(frames) else np.zeros(0)
