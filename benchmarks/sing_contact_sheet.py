"""Write docs/sing_contact_sheet.png: what sing sang, tracked by an independent pitch tracker.

Two sung phrases, one per row: a tune sing composes for the words, and the same kind of line
fitted to a music_generate melody. Each row draws the melody sing reports as a piano roll
(one bar per note, its syllable above it) and, over it, librosa's pYIN pitch track of the
sung audio (5 ms hop, voiced frames only) — the same tracker and settings as
benchmarks/sing.py, so the picture shows what that benchmark's figures measure.

Run: PYTHONPATH=. .venv/bin/python benchmarks/sing_contact_sheet.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import ToolContext
from tools.music import music_generate, sing

OUT = Path(__file__).resolve().parents[1] / "docs" / "sing_contact_sheet.png"
ROWS = (
    ("happy birthday to you, happy birthday dear Sam", {"mood": "happy"}, None),
    ("the sun comes up over the hill, and the birds begin to sing", {}, "happy tune on the flute"),
)
HOP = 110  # samples at 22.05 kHz: 5 ms, as in benchmarks/sing.py
NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def pitch_track(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and pitches (fractional MIDI numbers, NaN where unvoiced) of the sung audio."""
    import librosa

    y, sr = librosa.load(path, sr=22050, mono=True)
    f0, voiced, _ = librosa.pyin(y, fmin=60, fmax=600, sr=sr, frame_length=1024, hop_length=HOP)
    midi = 69 + 12 * np.log2(np.where(voiced & np.isfinite(f0), f0, np.nan) / 440.0)
    return np.arange(len(f0)) * HOP / sr, midi


def draw_row(ax, title: str, syllables: list[dict], t: np.ndarray, track: np.ndarray) -> None:
    from matplotlib.patches import Rectangle

    notes = [(a, b, p) for s in syllables for a, b, p in s["notes"]]
    for s in syllables:
        for k, (a, b, p) in enumerate(s["notes"]):
            label = "melody (the notes sing reports)" if (a, b, p) == notes[0] else None
            ax.add_patch(
                Rectangle(
                    (a, p - 0.4), b - a, 0.8, facecolor="#f2c14e", edgecolor="#b5892a", lw=0.6, label=label
                )
            )
            if k == 0:
                ax.text(a, p + 0.75, s["syllable"], fontsize=7, color="#444444", va="bottom")
    ax.plot(t, track, color="#2c5d8f", lw=1.2, label="pYIN on the sung audio")
    low = min(p for *_, p in notes) - 3
    high = max(p for *_, p in notes) + 4
    ticks = range(low, high + 1)
    ax.set_yticks(list(ticks), [f"{NOTE_NAMES[m % 12]}{m // 12 - 1}" for m in ticks], fontsize=6)
    ax.set_ylim(low, high)
    ax.set_xlim(max(0.0, notes[0][0] - 0.3), notes[-1][1] + 0.3)
    ax.grid(axis="y", color="#e6e6e6", lw=0.5)
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_xlabel("time (s)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    work = Path(tempfile.mkdtemp(prefix="sing-sheet-"))
    fig, axes = plt.subplots(len(ROWS), 1, figsize=(10, 3.2 * len(ROWS)))
    for k, (ax, (lyrics, kwargs, tune)) in enumerate(zip(axes, ROWS, strict=True)):
        ctx = ToolContext(output_dir=work / f"row{k}")
        melody = None
        if tune is not None:
            melody = music_generate(tune, duration=12, seed=3, ctx=ToolContext(output_dir=work / "tune")).midi
        sung = sing(lyrics, melody=melody, ctx=ctx, **kwargs)
        t, track = pitch_track(sung.audio.path)
        meta = sung.audio.meta
        source = f"fitted to music_generate's '{tune}'" if tune else "composed by sing"
        title = f"'{lyrics}' — {source}, {meta['key']}, {meta['tempo_bpm']:.0f} BPM"
        draw_row(ax, title, meta["syllables"], t, track)
        print(f"row {k}: {sung.audio.duration_s:.1f} s, notes: {sung.notes}")
    axes[0].legend(loc="upper right", fontsize=7, frameon=False)
    fig.tight_layout()
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
