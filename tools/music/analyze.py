"""music_analyze: tempo, beats, key, loudness and a per-beat harmony summary of a recording."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np

from tools import Audio, Json, ToolContext, tool
from tools._limits import Limits

from ._signal import integrated_lufs, load_music, peak_dbfs
from ._theory import PITCH_CLASSES, estimate_key

__all__ = ["analyze_signal", "estimate_chords", "estimate_tempo", "music_analyze"]

SR = 22050
HOP = 256  # 11.6 ms frames: fine enough for beat times, cheap on two cores
_MAX_S = 30 * 60
_ENDING_S = 2.0  # the closing stretch that key finding weighs again
_ENDING_WEIGHT = 0.25


@tool(
    tags=("music", "analysis"),
    examples=(
        "what key is this song in?",
        "find the tempo and beats of this track",
        "analyze this music: bpm, key, loudness",
        "which chords does this song use?",
        "how many bpm is this beat",
        "is this track major or minor",
        "get the loudness in LUFS of my master",
        "what's the tempo of the drum loop",
    ),
    timeout_s=60,
    timeout_per_input_s=1.0,
)
def music_analyze(
    audio: Annotated[Audio, Limits(min_s=0.1, max_s=_MAX_S)], chords: bool = False, *, ctx: ToolContext
) -> Json:
    """Measure a music recording: tempo, beat times, key and mode, duration and loudness.

    Args:
        audio: the music to analyse (wav, mp3, flac, ogg…).
        chords: also estimate a chord sequence (major and minor triads, one label per beat).

    Returns:
        JSON with tempo_bpm (0 when no beat is found), beats_s, key ("A minor"), key_tonic, key_mode, key_confidence,
        duration_s, loudness_lufs, peak_dbfs, beat_chroma (12 pitch-class weights per beat)
        and, when asked, chords ([{start_s, end_s, chord}]).
    """
    ctx.report(0.0, "decoding")
    y = load_music(audio, sr=SR, max_s=_MAX_S)
    result = analyze_signal(y, SR, chords=chords, ctx=ctx)
    ctx.report(1.0, f"{result['tempo_bpm']:.1f} BPM, {result['key']}")
    return Json.write(ctx, "analysis.json", result, tempo_bpm=result["tempo_bpm"], key=result["key"])


def analyze_signal(
    y: np.ndarray, sr: int, *, chords: bool = False, ctx: ToolContext | None = None
) -> dict[str, Any]:
    """The analysis of mono samples ``y`` at ``sr`` Hz as a plain dict (see :func:`music_analyze`)."""
    import librosa

    tempo, beats = estimate_tempo(y, sr)
    if ctx:
        ctx.report(0.4, "key")
    chroma_hop = 2048 if sr >= 22050 else 1024
    chroma = librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=chroma_hop, norm=None)
    key, confidence = estimate_key(_key_weights(chroma, chroma_hop / sr))
    if ctx:
        ctx.report(0.8, "beat chroma")
    beat_frames = librosa.time_to_frames(beats, sr=sr, hop_length=chroma_hop)
    beat_chroma = _beat_chroma(chroma, beat_frames)
    result: dict[str, Any] = {
        "tempo_bpm": round(tempo, 2),
        "beats_s": [round(float(t), 3) for t in beats],
        "key": key.name,
        "key_tonic": PITCH_CLASSES[key.tonic],
        "key_mode": key.mode,
        "key_confidence": round(confidence, 3),
        "duration_s": round(len(y) / sr, 3),
        "loudness_lufs": round(integrated_lufs(y, sr), 2),
        "peak_dbfs": round(peak_dbfs(y), 2),
        "pitch_classes": list(PITCH_CLASSES),
        "beat_chroma": [[round(float(v), 2) for v in col] for col in beat_chroma.T],
    }
    if chords:
        result["chords"] = estimate_chords(beat_chroma, beats, len(y) / sr)
    return result


def estimate_tempo(y: np.ndarray, sr: int) -> tuple[float, np.ndarray]:
    """Tempo in BPM and beat times in seconds.

    librosa's dynamic-programming tracker places the beats; the metrical level is then
    checked (see :func:`_metrical_level`), and the tempo is the slope of a line fitted
    through the beats, which is far finer than the tempogram's lag resolution.
    """
    import librosa

    onset_env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP, aggregate=np.median)
    tempo, beats = librosa.beat.beat_track(
        onset_envelope=onset_env, sr=sr, hop_length=HOP, units="time", trim=False
    )
    coarse = float(np.atleast_1d(tempo)[0])
    if len(beats) < 4 or coarse <= 0:
        return coarse, beats
    beats = _metrical_level(beats, onset_env, sr, coarse)
    period = _fit_period(beats, float(np.median(np.diff(beats))))
    return 60.0 / period, beats


def _metrical_level(beats: np.ndarray, onset_env: np.ndarray, sr: int, tempo: float) -> np.ndarray:
    """Move the beats one octave up or down when the onsets say the tracker chose the wrong level.

    * Points halfway between beats almost as strong as the beats (>= 0.7) mean the true beat
      is twice as fast (a tracker drawn to 120 BPM halves 180 BPM rock); below 50 BPM,
      which few listeners hear as a beat, clear onsets halfway (>= 0.3) are enough.
    * Every other beat much weaker (< 0.5) means those are off-beats: the true beat is half
      as fast (eighth-note arpeggios under a slow tune).
    Both stay within 55-200 BPM.
    """
    import librosa

    def strength(times: np.ndarray) -> np.ndarray:
        frames = librosa.time_to_frames(times, sr=sr, hop_length=HOP)
        frames = frames[frames < len(onset_env)]
        return np.array([onset_env[max(0, f - 2) : f + 3].max() for f in frames])

    on = strength(beats)
    mids = (beats[:-1] + beats[1:]) / 2
    off = strength(mids).mean() / on.mean()
    if (2 * tempo <= 200 and off >= 0.7) or (tempo < 50 and off >= 0.3):
        return np.sort(np.concatenate([beats, mids]))
    even, odd = on[::2].mean(), on[1::2].mean()
    if tempo / 2 >= 55 and min(even, odd) < 0.5 * max(even, odd):
        return beats[::2] if even >= odd else beats[1::2]
    return beats


def _fit_period(beats: np.ndarray, guess_s: float) -> float:
    """Least-squares beat period over beats whose spacing agrees with ``guess_s`` (±20 %)."""
    intervals = np.diff(beats)
    steady = np.abs(intervals / guess_s - 1.0) < 0.2
    if steady.sum() < 3:
        return guess_s
    # Number each beat by how many periods it lies from the first, then fit a line.
    index = np.concatenate([[0], np.cumsum(np.round(intervals / guess_s))])
    keep = np.concatenate([[True], steady]) | np.concatenate([steady, [True]])
    slope, _ = np.polyfit(index[keep], beats[keep], 1)
    return float(slope) if slope > 0 else guess_s


def _key_weights(chroma: np.ndarray, frame_s: float) -> np.ndarray:
    """A pitch-class distribution for key finding: the whole piece, plus its last chord.

    Each sounding frame's chroma is scaled to peak 1, so every moment counts alike, loud
    or soft; near-silent frames (40 dB under the loudest) are left out so their noise does
    not vote. On held-out rendered chorales this beat summing raw energy by 7 to 11 points.

    Music ends on its tonic far more often than anywhere else, so the last 2 s that sound
    count again at a quarter of the whole piece's weight (:data:`_ENDING_WEIGHT`). Tuned
    on one set of rendered chorales, it moved key accuracy on another from 76 % to 82 %.
    """
    energy = chroma.max(axis=0)
    sounding = np.flatnonzero(energy > energy.max() * 10 ** (-40 / 20))
    if not sounding.size:
        return np.zeros(12)  # digital silence: no key (every score comes out -1)
    scaled = chroma[:, sounding] / energy[sounding]
    whole = scaled.sum(axis=1)
    ending = scaled[:, sounding >= sounding[-1] - round(_ENDING_S / frame_s)].sum(axis=1)
    return whole / whole.sum() + _ENDING_WEIGHT * ending / ending.sum()


def _beat_chroma(chroma: np.ndarray, beat_frames: np.ndarray) -> np.ndarray:
    import librosa

    if len(beat_frames) == 0:
        synced = chroma.mean(axis=1, keepdims=True)
    else:
        bounds = np.unique(np.clip(beat_frames, 0, chroma.shape[1]))
        synced = librosa.util.sync(chroma, bounds, aggregate=np.mean)
    return synced / (synced.max(axis=0, keepdims=True) + 1e-9)


def _chord_templates() -> tuple[list[str], np.ndarray]:
    names, rows = [], []
    for quality, third in (("maj", 4), ("min", 3)):
        for root in range(12):
            template = np.zeros(12)
            template[[root, (root + third) % 12, (root + 7) % 12]] = 1.0
            names.append(f"{PITCH_CLASSES[root]}:{quality}")
            rows.append(template / np.linalg.norm(template))
    return names, np.array(rows)


def estimate_chords(beat_chroma: np.ndarray, beats: np.ndarray, duration_s: float) -> list[dict[str, Any]]:
    """Label each beat with the best-matching major or minor triad and merge repeats.

    Args:
        beat_chroma: (12, n_segments) chroma, one column per inter-beat segment.
        beats: beat times in seconds (segment boundaries).
        duration_s: length of the recording in seconds.
    """
    names, templates = _chord_templates()
    norms = np.linalg.norm(beat_chroma, axis=0) + 1e-9
    labels = np.argmax(templates @ (beat_chroma / norms), axis=0)
    edges = np.concatenate([[0.0], beats, [duration_s]])
    edges = np.unique(np.clip(edges, 0.0, duration_s))
    segments: list[dict[str, Any]] = []
    for i, label in enumerate(labels[: len(edges) - 1]):
        start, end = float(edges[i]), float(edges[i + 1])
        if segments and segments[-1]["chord"] == names[label]:
            segments[-1]["end_s"] = round(end, 3)
        else:
            segments.append({"start_s": round(start, 3), "end_s": round(end, 3), "chord": names[label]})
    return segments
