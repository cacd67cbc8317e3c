"""talking_face lip sync against real talking-head footage.

Run: ``.venv/bin/python benchmarks/lipsync_real.py CLIP.mp4 [CLIP.mp4 ...]``

For each clip: its first frame is the portrait, its own audio (decoded by ffmpeg) drives
talking_face with head_motion 0, and dlib re-detects the 68 landmarks on every frame of
both the real clip and the rendered video (25 fps). Figures:

* mouth-opening r: Pearson r between the rendered and the real inner-lip gap (points
  61–67, 62–66, 63–65, over the inter-ocular distance 36–45), at the lag within ±3 frames
  where it is highest (target ≥ 0.5); and that lag (target |lag| ≤ 1; positive means the
  rendered mouth moves later than the real one).
* mouth LMD: mean distance between the 20 mouth landmarks (48–67) of the rendered and
  the real frame at lag 0, each mouth centred on its own mean, rotated so the eye line is
  level, in % of the inter-ocular distance (target ≤ 4 %).
* the ratio of the rendered to the real opening's standard deviation (amplitude).

The clips used in docs/face.md are the two ``examples/ref_video`` clips of OpenTalker/SadTalker
(Apache-2.0 repository; the clips are HDTF interview footage): held out, measurement only —
nothing is trained or tuned on them.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np

FPS = 25
MAX_LAG = 3


def read_frames(path: Path):
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path), output_params=["-r", str(FPS)])
    w, h = next(reader)["size"]
    for raw in reader:
        yield np.frombuffer(raw, np.uint8).reshape(h, w, 3)


def landmarks(video: Path) -> np.ndarray:
    """``(frames, 68, 2)`` dlib landmarks of the largest face (NaN where none is found)."""
    import dlib
    import face_recognition_models

    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
    out = []
    for frame in read_frames(video):
        rects = detector(frame, 0)
        if not rects:
            out.append(np.full((68, 2), np.nan))
            continue
        rect = max(rects, key=lambda r: r.width() * r.height())
        out.append(np.array([(p.x, p.y) for p in predictor(frame, rect).parts()], dtype=float))
    return np.array(out)


def opening(lm: np.ndarray) -> np.ndarray:
    gap = np.mean(np.linalg.norm(lm[:, [67, 66, 65]] - lm[:, [61, 62, 63]], axis=2), axis=1)
    return gap / np.linalg.norm(lm[:, 45] - lm[:, 36], axis=1)


def normalised_mouth(lm: np.ndarray) -> np.ndarray:
    """Mouth points 48–67 centred, eye line levelled, in units of the inter-ocular distance."""
    eye = lm[:, 45] - lm[:, 36]
    iod = np.linalg.norm(eye, axis=1)
    angle = np.arctan2(eye[:, 1], eye[:, 0])
    c, s = np.cos(-angle), np.sin(-angle)
    mouth = lm[:, 48:68] - lm[:, 48:68].mean(axis=1, keepdims=True)
    rotated = np.stack([c[:, None] * mouth[..., 0] - s[:, None] * mouth[..., 1],
                        s[:, None] * mouth[..., 0] + c[:, None] * mouth[..., 1]], axis=2)  # fmt: skip
    return rotated / iod[:, None, None]


def best_lag(ours: np.ndarray, real: np.ndarray) -> tuple[float, int]:
    """Highest Pearson r over lags within ±MAX_LAG; lag > 0: ours comes later."""
    best = (-2.0, 0)
    for lag in range(-MAX_LAG, MAX_LAG + 1):
        a = ours[lag:] if lag >= 0 else ours[:lag]
        b = real[: real.size - lag] if lag >= 0 else real[-lag:]
        n = min(a.size, b.size)
        a, b = a[:n], b[:n]
        ok = ~(np.isnan(a) | np.isnan(b))
        r = float(np.corrcoef(a[ok], b[ok])[0, 1])
        best = max(best, (r, lag))
    return best


def measure(clip: Path, work: Path) -> dict:
    import imageio_ffmpeg

    from tools import Audio, Image, ToolContext, get_spec
    from tools.face import talking_face

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    work.mkdir(parents=True, exist_ok=True)
    portrait, wav = work / f"{clip.stem}.png", work / f"{clip.stem}.wav"
    subprocess.run(
        [ffmpeg, "-y", "-v", "error", "-i", str(clip), "-frames:v", "1", str(portrait)], check=True
    )
    subprocess.run([ffmpeg, "-y", "-v", "error", "-i", str(clip), "-vn", "-ac", "1", str(wav)], check=True)
    video = get_spec(talking_face).invoke(
        {"image": Image(path=portrait), "audio": Audio(path=wav), "head_motion": 0.0},
        ToolContext(output_dir=work / clip.stem),
    )
    real_lm, ours_lm = landmarks(clip), landmarks(video.path)
    n = min(len(real_lm), len(ours_lm))
    real_lm, ours_lm = real_lm[:n], ours_lm[:n]
    r, lag = best_lag(opening(ours_lm), opening(real_lm))
    dist = np.linalg.norm(normalised_mouth(ours_lm) - normalised_mouth(real_lm), axis=2).mean(axis=1)
    amplitude = np.nanstd(opening(ours_lm)) / np.nanstd(opening(real_lm))
    return {"clip": clip.name, "frames": n, "r": r, "lag": lag, "lmd_pct": 100 * float(np.nanmean(dist)),
            "amplitude": float(amplitude), "source": video.meta.get("mouth_source", video.meta["phoneme_source"])}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", type=Path, nargs="+", help="talking-head .mp4 clips with sound")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lipsync-real-"))
    for clip in args.clips:
        m = measure(clip, work)
        print(f"{m['clip']}: {m['frames']} frames, mouth-opening r = {m['r']:.2f} at lag {m['lag']:+d}, "
              f"LMD {m['lmd_pct']:.1f} % IOD, amplitude ×{m['amplitude']:.2f} (mouth from {m['source']})",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
