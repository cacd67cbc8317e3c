"""Run the README's sing and dance showcase requests and write a still of each to docs/.

Each request goes through the offline planner and executor exactly as a user types it; the
stills are frames cut from the resulting videos with ffmpeg (a strip of four, kept small).

Run: PYTHONPATH=. .venv/bin/python benchmarks/showcase_stills.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools._media import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[1]
SING = "sing 'the sun is shining on the sea' with piano accompaniment and make the portrait lip-sync it"
DANCE = "generate 20 seconds of upbeat pop with drums and make a figure dance to it in the party style"
# (request, input files, the video it makes, first frame s, frames per second, crop+scale, output)
SHOWCASE = (
    (SING, ["examples/portrait.png"], "talking_face/talking_face.mp4", 7.0, 2.5,
     "crop=288:288:112:0,scale=160:160", "showcase_sing.png"),
    (DANCE, [], "dance/dance_preview.mp4", 3.0, 1 / 3, "scale=240:160", "showcase_dance.png"),
)  # fmt: skip


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="showcase-"))
    for k, (request, files, video, start_s, fps, view, name) in enumerate(SHOWCASE):
        out = work / str(k)
        inputs = [arg for f in files for arg in ("-f", f)]
        command = [sys.executable, "-m", "agent.cli", "run", request, *inputs, "--out", str(out)]
        subprocess.run(
            [*command, "--yes", "--no-cache"],
            cwd=ROOT,
            check=True,
        )
        still = ROOT / "docs" / name
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-y", "-ss", str(start_s), "-i", str(out / video),
             "-vf", f"fps={fps},{view},tile=4x1", "-frames:v", "1", str(still)],
            check=True,
        )  # fmt: skip
        print(f"wrote {still} ({still.stat().st_size // 1024} kB) from {out / video}")


if __name__ == "__main__":
    main()
