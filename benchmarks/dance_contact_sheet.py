"""Write docs/dance_contact_sheet.png: the dancer's pose on successive downbeats, three styles.

The music is music_generate's "upbeat pop with drums" at 120 BPM (default offline backend).
Each row is one style; each column one downbeat (every other bar, from the 2nd), as the
tool's preview draws it: a front view and a side view.

Run: .venv/bin/python benchmarks/dance_contact_sheet.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import ToolContext
from tools.gesture.choreo import choreograph
from tools.gesture.dance import _PREVIEW_EXTENT_CM, FPS
from tools.gesture.render import render_frames
from tools.gesture.rhythm import find_pulse
from tools.gesture.skeleton import MotionClip

STYLES = ("groove", "arms", "party")
COLUMNS = 6
OUT = Path(__file__).resolve().parents[1] / "docs" / "dance_contact_sheet.png"


def main() -> None:
    from PIL import Image

    from tools.music import music_generate

    work = Path(tempfile.mkdtemp(prefix="dance-sheet-"))
    music = music_generate("upbeat pop with drums", duration=30, tempo=120, ctx=ToolContext(output_dir=work))
    pulse, duration_s = find_pulse(music.audio.path, max_s=60)
    downbeats = pulse.downbeats_s[1::2][:COLUMNS]
    frames = [round(t * FPS) for t in downbeats]
    rows = []
    for style in STYLES:
        clip = choreograph(pulse, duration_s, style).clip
        poses = MotionClip(clip.fps, clip.root_pos[frames], clip.rotations[frames], clip.skeleton)
        images = render_frames(poses, panel_width=150, height=260, extent_cm=_PREVIEW_EXTENT_CM)
        captioned = []
        for t, image in zip(downbeats, images, strict=False):
            import cv2

            cv2.putText(
                image,
                f"{style} {t:.1f} s",
                (6, 16),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.4,
                (60, 60, 60),
                1,
                cv2.LINE_AA,
            )
            captioned.append(image)
        rows.append(np.concatenate(captioned, axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(OUT, optimize=True)
    print(
        f"wrote {OUT} ({pulse.tempo_bpm:.1f} BPM found, downbeats at {', '.join(f'{t:.2f}' for t in downbeats)} s)"
    )


if __name__ == "__main__":
    main()
