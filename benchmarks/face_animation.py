"""face_animation figures on Troupe's own Piper speech (known phoneme timings).

    python benchmarks/face_animation.py [--fps 60]

Targets (issue 19): jawOpen vs speech envelope Pearson r >= 0.6; lips closed in >= 90 % of
/p b m/ frames; funnel + pucker higher on /uw ow w/ than on /iy ae/; the CSV read back by
pandas with Live Link Face's columns; the glb read back (json + struct) with 52 named morph
targets and an animation as long as the audio; 10 s of speech to every output but the
preview in < 1 s, and with the preview faster than real time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import ToolContext, get_spec
from tools.face import face_animation
from tools.face._anim_metrics import jaw_envelope_r, lips_closed_share, read_glb, rounding, speech_envelope
from tools.face._arkit import ARKIT_NAMES, face_curves
from tools.face._cues import speech_cues
from tools.face._gltf import write_glb
from tools.face._head import head_mesh
from tools.face._track import EMOTIONS, build_track
from tools.face.animation import _write_json, write_csv
from tools.speech import text_to_speech

TEXTS = (
    "Peter bought a blue umbrella for me. We moved to a small boat on the ocean, and Bob hummed a tune.",
    "Please keep the green apple by the window. My mother made a warm soup, and we ate it slowly.",
    "The museum opens at nine in the morning. Bring your map, your boots and a bottle of water.",
    "Who would have thought that a blue balloon could float above the moon? Maybe you knew.",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=int, choices=(30, 60), default=60)
    fps = parser.parse_args().fps
    work = Path(tempfile.mkdtemp(prefix="face_animation_bench_"))
    tts = get_spec(text_to_speech)
    speeches = [
        tts.invoke({"text": t}, ToolContext(output_dir=work / f"tts{i}")) for i, t in enumerate(TEXTS)
    ]

    rs, closed, rounded, spread = [], [], [], []
    for i, audio in enumerate(speeches):
        result = get_spec(face_animation).invoke(
            {"audio": audio, "fps": fps}, ToolContext(output_dir=work / f"anim{i}")
        )
        shapes = {k: np.array(v) for k, v in result.curves.load()["blendshapes"].items()}
        rs.append(jaw_envelope_r(shapes["jawOpen"], speech_envelope(audio.path, fps)))
        closed.append(lips_closed_share(shapes, audio.meta["phonemes"], fps))
        r, s = rounding(shapes, audio.meta["phonemes"], fps)
        rounded.append(r)
        spread.append(s)
        print(
            f"speech {i + 1} ({audio.duration_s:.1f} s): jaw/envelope r = {rs[-1]:.3f}, "
            f"p/b/m frames closed = {100 * closed[-1]:.0f} %, funnel+pucker /uw ow w/ = {r:.3f} vs /iy ae/ = {s:.3f}"
        )
        if i == 0:
            check_exports(result, audio.duration_s, fps)
    print(f"\nmean jaw/envelope r = {np.mean(rs):.3f} (target >= 0.6), min {np.min(rs):.3f}")
    print(f"p/b/m frames with lips closed = {100 * np.nanmean(closed):.1f} % (target >= 90 %)")
    print(
        f"funnel+pucker: rounded {np.nanmean(rounded):.3f} vs spread {np.nanmean(spread):.3f} (target: rounded > spread)"
    )
    speed(work, speeches, fps)


def check_exports(result, duration_s: float, fps: int) -> None:
    import pandas as pd

    table = pd.read_csv(result.csv.path)
    names = [n[0].upper() + n[1:] for n in ARKIT_NAMES]
    ok = list(table.columns[:2]) == ["Timecode", "BlendShapeCount"] and list(table.columns[2:54]) == names
    print(f"CSV read by pandas {pd.__version__}: {table.shape[0]} rows × {table.shape[1]} columns, "
          f"Live Link Face columns in order: {ok}, last: {', '.join(table.columns[-3:])}")  # fmt: skip
    doc = read_glb(result.gltf.path)
    mesh = doc["meshes"][0]
    animation = doc["animations"][0]
    times = doc["accessors"][animation["samplers"][0]["input"]]["data"]
    print(
        f"glb read back: {len(mesh['primitives'][0]['targets'])} morph targets, "
        f"{len(set(mesh['extras']['targetNames']) & set(ARKIT_NAMES))} with ARKit names; "
        f"animation {times[-1] + 1 / fps:.3f} s for {duration_s:.3f} s of audio"
    )


def speed(work: Path, speeches, fps: int) -> None:
    """10 s of speech: every output but the preview, then the whole tool with the preview."""
    from tools import Audio
    from tools._media import load_audio, write_wav

    y = np.concatenate([load_audio(a.path, sr=22050) for a in speeches])[: 22050 * 10]
    phonemes, offset = [], 0.0
    for a in speeches:
        phonemes += [
            {**p, "start_s": p["start_s"] + offset, "end_s": p["end_s"] + offset} for p in a.meta["phonemes"]
        ]
        offset += a.duration_s
    audio = Audio(
        path=write_wav(work / "ten.wav", y, 22050),
        meta={"phonemes": [p for p in phonemes if p["end_s"] <= 10]},
    )
    head_mesh()  # built once per process; timed apart
    t0 = time.perf_counter()
    cues = speech_cues(audio, fps)
    curves = face_curves(cues, build_track(cues, EMOTIONS["neutral"], 0.5, 0.0))
    write_csv(work / "ten.csv", curves)
    _write_json(work / "ten.json", curves, {})
    write_glb(work / "ten.glb", head_mesh(), curves)
    data_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    get_spec(face_animation).invoke({"audio": audio, "fps": fps}, ToolContext(output_dir=work / "ten"))
    total_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    head_mesh.cache_clear()
    head_mesh()
    mesh_s = time.perf_counter() - t0
    print(f"\nspeed, 10 s of speech at {fps} fps: curves + CSV + JSON + glb {data_s:.2f} s (target < 1 s); "
          f"with the preview {total_s:.2f} s ({10 / total_s:.1f}× real time); head mesh built once {mesh_s:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
