"""How well sing sings: pitch, voicing, timing, speed and intelligibility.

    PYTHONPATH=. OMP_NUM_THREADS=2 python benchmarks/sing.py [--verbose]

For each song (composed melodies in several moods, and syllables fitted to a music_generate
tune), an independent pitch tracker (librosa's pYIN, 5 ms hop) is run on the sung audio and
compared with the notes sing says it sang:

- pitch error: per note, the median |error| in cents over its voiced frames, leaving out the
  first 100 ms (consonants, portamento, overshoot) and the last 50 ms (glide to the next note);
  the figure is the median over notes (target <= 50 cents);
- voiced notes: share of notes with at least half of those frames voiced (target >= 90 %);
- onsets: for each note that changes pitch, when the tracked pitch first comes within 50 cents
  of the note, against the note's onset (target within 60 ms);
- real-time factor: sing's wall time / the audio's length (on this machine's 2 cores);
- intelligibility: word error rate of transcribe (pocketsphinx) on the sung audio, and on the
  same words spoken by text_to_speech.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.speech_wer import normalise, word_errors
from tools import ToolContext
from tools.music import music_generate, sing
from tools.speech import text_to_speech, transcribe

SONGS = [
    ("happy birthday to you, happy birthday dear Sam", {"mood": "happy"}),
    ("twinkle twinkle little star, how I wonder what you are", {"mood": "calm"}),
    ("the river runs into the sea, and I will follow it home", {"mood": "sad"}),
    ("we are young and the night is ours, so dance until the morning light", {"mood": "energetic"}),
    ("hold me close and never let me go", {"mood": "romantic", "key": "Eb major"}),
]
GIVEN = ("the sun comes up over the hill, and the birds begin to sing", "happy tune on the flute")


def measure(audio_path: Path, notes: list[tuple[float, float, int]]) -> dict:
    import librosa

    y, sr = librosa.load(audio_path, sr=22050, mono=True)
    hop = 110
    f0, voiced, _ = librosa.pyin(y, fmin=60, fmax=600, sr=sr, frame_length=1024, hop_length=hop)
    t = np.arange(len(f0)) * hop / sr
    cents = 1200 * np.log2(np.where(voiced & np.isfinite(f0), f0, np.nan) / 440.0) + 6900
    errors, voiced_notes, onset_errors = [], [], []
    previous = None
    for start, end, pitch in notes:
        frames = (t >= start + 0.1) & (t < end - 0.05)
        if frames.sum() >= 3:
            ok = np.isfinite(cents[frames])
            voiced_notes.append(ok.mean() >= 0.5)
            if ok.any():
                errors.append(float(np.median(np.abs(cents[frames][ok] - 100 * pitch))))
        if previous is None or pitch != previous:
            window = np.flatnonzero((t >= start - 0.15) & (t < min(end, start + 0.3)))
            near = window[np.abs(cents[window] - 100 * pitch) < 50]
            onset_errors.append(t[near[0]] - start if near.size else np.inf)
        previous = pitch
    onset_errors = np.array(onset_errors)
    return {
        "pitch_error_cents": float(np.median(errors)),
        "voiced_notes": float(np.mean(voiced_notes)),
        "onset_median_ms": float(np.median(np.abs(onset_errors[np.isfinite(onset_errors)])) * 1000),
        "onsets_within_60ms": float(np.mean(np.abs(onset_errors) <= 0.06)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    rows = []
    sung_errors = spoken_errors = n_words = 0
    wall = length = 0.0
    work = Path(tempfile.mkdtemp(prefix="sing-bench-"))
    runs = [(lyrics, kwargs, None) for lyrics, kwargs in SONGS]
    tune = music_generate(GIVEN[1], duration=12, seed=3, ctx=ToolContext(output_dir=work / "tune"))
    runs.append((GIVEN[0], {}, tune.midi))
    sing(SONGS[0][0], ctx=ToolContext(output_dir=work / "warm"))  # load the voice once
    for k, (lyrics, kwargs, melody) in enumerate(runs):
        ctx = ToolContext(output_dir=work / f"song{k}")
        start = time.perf_counter()
        sung = sing(lyrics, melody=melody, ctx=ctx, **kwargs)
        elapsed = time.perf_counter() - start
        wall, length = wall + elapsed, length + sung.audio.duration_s
        notes = [tuple(n) for s in sung.audio.meta["syllables"] for n in s["notes"]]
        row = measure(sung.audio.path, notes)
        ref = normalise(lyrics)
        heard = normalise(transcribe(sung.audio, ctx=ctx).read())
        spoken = text_to_speech(lyrics, ctx=ToolContext(output_dir=work / f"spoken{k}"))
        said = normalise(transcribe(spoken, ctx=ctx).read())
        sung_errors += word_errors(ref, heard)
        spoken_errors += word_errors(ref, said)
        n_words += len(ref)
        row.update(
            song=kwargs.get("mood", "given melody"), rtf=elapsed / sung.audio.duration_s, notes=len(notes)
        )
        rows.append(row)
        if args.verbose:
            print(f"  heard: {' '.join(heard)}\n  said:  {' '.join(said)}\n  notes: {sung.notes}")
    print(f"{'song':<14}{'notes':>6}{'pitch err':>11}{'voiced':>8}{'onset med':>11}{'<=60ms':>8}{'RTF':>7}")
    for r in rows:
        print(
            f"{r['song']:<14}{r['notes']:>6}{r['pitch_error_cents']:>9.1f} c{r['voiced_notes']:>8.0%}"
            f"{r['onset_median_ms']:>8.0f} ms{r['onsets_within_60ms']:>8.0%}{r['rtf']:>7.2f}"
        )
    print(
        f"\nall: pitch error {np.median([r['pitch_error_cents'] for r in rows]):.1f} cents (median of songs), "
        f"voiced notes {np.mean([r['voiced_notes'] for r in rows]):.0%}, "
        f"onsets within 60 ms {np.mean([r['onsets_within_60ms'] for r in rows]):.0%}, "
        f"real-time factor {wall / length:.2f}"
    )
    print(
        f"WER of transcribe: sung {sung_errors / n_words:.1%}, spoken {spoken_errors / n_words:.1%} ({n_words} words)"
    )


if __name__ == "__main__":
    main()
