"""Measure the dance tool on generated music: beat alignment, foot sliding, joint limits, speed.

Music: music_generate pieces at several tempos (rendered offline with the default backend)
and a click track. For each piece and style:

* BeatAlign (σ = 0.1 s, AIST++'s definition, averaged over the motion's kinematic beats:
  local minima of whole-body speed) against the beats the tracker found, next to a
  random-phase baseline: the same dance on the same tempo grid shifted by a random fraction
  of a beat (mean of 10 phases). Also BeatAlign averaged over the music's counts.
* Foot sliding: horizontal movement in cm per frame of the ball of each foot (a) while the
  generator says it bears weight and (b) whenever it is within 1 cm of the floor.
* Joint-limit violations (frames × joints × axes outside the limits; must be 0).
* Speed: decoding + beat tracking + choreography + BVH writing (no preview), as × real time,
  in a process that has danced once before (librosa's first call compiles with numba; that
  one-time cost is printed separately). Run it under ``taskset -c 0,1`` to hold it to two cores.

Run: taskset -c 0,1 .venv/bin/python benchmarks/dance.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import ToolContext
from tools._media import write_wav
from tools.gesture.bvh import write_bvh
from tools.gesture.choreo import choreograph
from tools.gesture.metrics import beat_align, foot_sliding, motion_beats
from tools.gesture.moves import STYLES
from tools.gesture.rhythm import find_pulse, pulse_from_beats

PIECES = (
    ("upbeat pop with drums", 100.0),
    ("energetic dance track with drums", 124.0),
    ("fast rock with drums", 168.0),
)
DURATION_S = 45.0
N_PHASES = 10


def click_track(path: Path, bpm: float, duration_s: float, sr: int = 22050) -> Path:
    y = np.zeros(int(sr * duration_s))
    tt = np.arange(int(0.05 * sr)) / sr
    burst = np.exp(-tt / 0.01) * np.sin(2 * np.pi * 1000 * tt)
    for i, t in enumerate(np.arange(0.5, duration_s - 0.2, 60 / bpm)):
        k = int(t * sr)
        y[k : k + len(tt)] += (0.6 if i % 4 == 0 else 0.3) * burst[: len(y) - k]
    return write_wav(path, y, sr)


def measure(path: Path, label: str, rng: np.random.Generator) -> list[str]:
    started = time.perf_counter()
    pulse, duration_s = find_pulse(path, max_s=3600)
    moves = choreograph(pulse, duration_s, "groove")
    write_bvh(moves.clip, path.with_suffix(".bvh"))
    speed = duration_s / (time.perf_counter() - started)
    rows = []
    beats = pulse.beats_s
    for style in STYLES:
        moves = choreograph(pulse, duration_s, style)
        kin = motion_beats(moves.clip, joints=None)
        aligned = beat_align(kin, beats, per="motion")
        per_count = beat_align(kin, pulse.counts_s[pulse.counts_s < duration_s])
        period = float(np.median(np.diff(beats)))
        baseline = []
        for _ in range(N_PHASES):
            shifted = pulse_from_beats(beats + rng.uniform(0.1, 0.9) * period, duration_s)
            kin_random = motion_beats(choreograph(shifted, duration_s, style).clip, joints=None)
            baseline.append(beat_align(kin_random, beats, per="motion"))
        planted = foot_sliding(moves.clip, planted=moves.planted)
        near_floor = foot_sliding(moves.clip, contact_cm=1.0)
        rows.append(
            f"| {label} | {pulse.tempo_bpm:.0f}{' (half time)' if pulse.half_time else ''} | {style} "
            f"| {aligned:.2f} | {np.mean(baseline):.2f} | {per_count:.2f} "
            f"| {planted.max():.1e} | {near_floor.mean():.3f} / {near_floor.max():.2f} "
            f"| {moves.clip.limit_violations()} | {speed:.0f}× |"
        )
    return rows


def main() -> None:
    from tools.music import music_generate

    work = Path(tempfile.mkdtemp(prefix="dance-bench-"))
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    find_pulse(click_track(work / "warm.wav", 120.0, 4.0), max_s=60)
    print(f"first call in this process (imports, numba compilation): {time.perf_counter() - started:.1f} s\n")
    print(
        "| music | BPM found | style | BeatAlign | random phase | BeatAlign per count "
        "| slide planted max (cm/frame) | slide < 1 cm from floor mean / max | limit violations | speed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for description, bpm in PIECES:
        made = music_generate(
            description, duration=DURATION_S, tempo=bpm, ctx=ToolContext(output_dir=work / f"{bpm:.0f}")
        )
        for row in measure(Path(made.audio.path), f"generated, {bpm:.0f} BPM asked", rng):
            print(row, flush=True)
    for row in measure(click_track(work / "clicks.wav", 120.0, DURATION_S), "click track 120 BPM", rng):
        print(row, flush=True)


if __name__ == "__main__":
    main()
