"""face_animation: speech to ARKit-52 blendshape curves and head pose, for 3D characters."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field

from .._artifacts import Artifact, Audio, Json, Text, Video
from .._context import ToolContext
from .._limits import Limits, LocalPath
from .._media import write_video
from .._spec import tool
from ._arkit import ARKIT_NAMES, ROTATION_NAMES, FaceCurves, face_curves
from ._cues import mouth_meta, speech_cues
from ._gltf import write_glb
from ._head import head_mesh
from ._preview import PREVIEW_FPS, render_frames
from ._retarget import animate_head
from ._track import EMOTIONS, build_track
from .talking_face import Emotion

__all__ = ["FaceAnimation", "face_animation", "write_csv"]

#: Longest speech animated in one call (108 000 frames at 60 fps).
MAX_AUDIO_S = 30 * 60
_ROWS_PER_CHUNK = 2000  # CSV rows formatted at a time, so memory stays bounded


class FaceAnimation(BaseModel):
    """What face_animation returns.

    Attributes:
        curves: JSON of every curve: ``{"fps", "n_frames", "duration_s", "blendshapes":
            {arkitName: [values 0–1]}, "rotations": {HeadYaw…: [radians]}}``.
        csv: the same curves in Live Link Face's CSV layout (Timecode, BlendShapeCount, the
            52 blendshapes in ARKit order, then head and eye yaw, pitch and roll).
        gltf: a binary glTF (.glb) head with 52 ARKit-named morph targets and the animation.
        preview: an MP4 of that head, animated, with the speech as sound.
    """

    curves: Json
    csv: Text
    gltf: Artifact
    preview: Video


@tool(
    tags=("face", "animation", "3d", "blendshapes"),
    examples=(
        "make ARKit blendshape curves for this voice line",
        "lip sync my 3D character to this audio",
        "export Live Link Face CSV facial animation from the speech",
        "facial animation for a MetaHuman from this recording",
        "animate a VTuber avatar's face to my voice",
        "give me a glTF with morph target animation for this dialogue",
        "blendshape lip sync for Unity from the narration",
        "speech to 52 ARKit face shapes, looking happy",
    ),
    resources={"cpu": 1},
    timeout_s=60,
    timeout_per_input_s=1.0,
)
def face_animation(
    audio: Annotated[Audio, Limits(max_s=MAX_AUDIO_S)],
    emotion: Emotion = "neutral",
    head_motion: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5,
    fps: Literal[30, 60] = 60,
    text: Annotated[str, Field(max_length=100_000)] | None = None,
    head: Annotated[str, Field(max_length=4096), LocalPath()] | None = None,
    *,
    ctx: ToolContext,
) -> FaceAnimation:
    """Turn speech into facial animation for 3D characters: the 52 ARKit blendshapes, head and eye rotations.

    The mouth follows the speech's phoneme timings (from text_to_speech, or forced alignment
    of the text when given) or, without them, recognised phones mixed with a learned
    audio-to-mouth model, with co-articulation and loudness; the emotion sets smile, brows
    and eyes; blinks, eye saccades and head motion are added, and silence breathes and
    blinks. Outputs: a JSON of the curves, a Live Link Face CSV (for Unreal MetaHumans), a
    .glb head with ARKit-named morph targets and the animation (for Blender, Unity,
    three.js), and a preview MP4.

    Args:
        audio: the speech to animate (up to 30 minutes; silence gives an idle, breathing face).
        emotion: facial expression: neutral, happy, sad, angry or surprised; the speech
            styles calm and excited are accepted too.
        head_motion: idle head movement, 0 (still) to 1 (lively).
        fps: frames per second of the curves, 30 or 60 (Live Link Face records at 60).
        text: the words spoken, when known and the audio carries no phoneme timings:
            they are aligned to the speech, which times the mouth more exactly.
        head: your own head as a .glb whose morph targets have ARKit names (case, "_" and
            an exporter's prefix such as "blendShape1." do not matter): the .glb given back
            is that head with the animation added; the preview still shows the stand-in head.

    Returns:
        The curves (JSON), the CSV, the .glb and the preview video; the JSON's metadata says
        what drove the mouth (``mouth_source``, ``mouth_sources`` and, for recognised phones
        mixed with the speech model, ``mouth_model_share``; ``phoneme_source`` is the older
        name of ``mouth_source``).

    Raises:
        BadInput: the audio cannot be decoded, an argument is out of its range, or the head
            is not a .glb with ARKit-named morph targets (the message lists the names found).
    """
    ctx.report(0.0, "reading speech")
    if text and text.strip() and not audio.meta.get("phonemes"):
        audio = audio.model_copy(update={"meta": {**audio.meta, "text": text}})
    cues = speech_cues(audio, fps, progress=lambda done, step: ctx.report(0.1 * done, step))
    track = build_track(cues, EMOTIONS[emotion], head_motion, rest_open=0.0)
    curves = face_curves(cues, track)
    meta = {
        "emotion": emotion,
        "head_motion": head_motion,
        "fps": fps,
        "n_frames": len(curves),
        "duration_s": cues.duration_s,
        **mouth_meta(cues),
    }
    ctx.report(0.15, "writing curves")
    written: list[Path] = []
    try:
        csv = Text(
            path=_track_file(written, write_csv(ctx.output_path("face_animation.csv"), curves)), meta=meta
        )
        json_path = _write_json(ctx.output_path("face_animation.json"), curves, meta)
        curves_json = Json(path=_track_file(written, json_path), meta=meta)
        stand_in = head_mesh()
        glb_path = ctx.output_path("face_animation.glb")
        if head:  # the user's head, animated by the names of its morph targets
            found = animate_head(Path(head), glb_path, curves)
            gltf_meta = {"head": Path(head).name, "matched": found.matched, "missing": found.missing,
                         "not_arkit": found.unknown}  # fmt: skip
        else:
            write_glb(glb_path, stand_in, curves)
            gltf_meta = {"morph_targets": len(ARKIT_NAMES)}
        gltf = Artifact(path=_track_file(written, glb_path), meta={**meta, **gltf_meta, "format": "glb"})
        ctx.report(0.2, "rendering preview")
        n_preview = -(-len(curves) // max(1, round(fps / PREVIEW_FPS)))
        frames = _reporting(render_frames(stand_in, curves), n_preview, ctx)
        preview_path = ctx.output_path("face_animation.mp4")
        written.append(preview_path)
        preview_meta = {k: v for k, v in meta.items() if k != "fps"}
        preview = write_video(preview_path, frames, PREVIEW_FPS, audio.path, curves_fps=fps, **preview_meta)
    except BaseException:
        for path in written:  # never leave part of the result behind
            path.unlink(missing_ok=True)
        raise
    ctx.report(1.0, "done")
    return FaceAnimation(curves=curves_json, csv=csv, gltf=gltf, preview=preview)


def _track_file(written: list[Path], path: Path) -> Path:
    written.append(path)
    return path


def write_csv(path: Path, curves: FaceCurves) -> Path:
    """Write ``curves`` in Live Link Face's CSV layout, atomically and a chunk of rows at a time.

    Columns: ``Timecode`` (``HH:MM:SS:FF.fff``, frames counted at the curves' fps),
    ``BlendShapeCount`` (61: 52 blendshapes and 9 rotations), the 52 blendshapes in ARKit
    order with Live Link Face's capitalised names (``EyeBlinkLeft``…), then ``HeadYaw``,
    ``HeadPitch``, ``HeadRoll`` and each eye's yaw, pitch and roll (radians).
    """
    names = [name[0].upper() + name[1:] for name in ARKIT_NAMES] + list(ROTATION_NAMES)
    header = ",".join(["Timecode", "BlendShapeCount", *names]) + "\n"

    def rows() -> Iterator[str]:
        yield header
        fps = round(curves.fps)
        for lo in range(0, len(curves), _ROWS_PER_CHUNK):
            hi = min(lo + _ROWS_PER_CHUNK, len(curves))
            values = np.concatenate([curves.shapes[lo:hi], curves.rotations[lo:hi]], axis=1)
            lines = []
            for i, row in zip(range(lo, hi), values, strict=True):
                seconds, frame = divmod(i, fps)
                minutes, s = divmod(seconds, 60)
                h, m = divmod(minutes, 60)
                cells = ",".join(f"{v:.6f}" for v in row.tolist())
                lines.append(f"{h:02d}:{m:02d}:{s:02d}:{frame:02d}.000,{len(names)},{cells}\n")
            yield "".join(lines)

    return _write_atomically(path, rows())


def _write_json(path: Path, curves: FaceCurves, meta: dict) -> Path:
    def rounded(column: np.ndarray) -> list[float]:
        return np.round(column.astype(np.float64), 4).tolist()

    data = {
        **meta,
        "blendshapes": {name: rounded(curves.shapes[:, i]) for i, name in enumerate(ARKIT_NAMES)},
        "rotations": {name: rounded(curves.rotations[:, i]) for i, name in enumerate(ROTATION_NAMES)},
        "units": {"blendshapes": "0-1", "rotations": "radians"},
    }

    def chunks() -> Iterator[str]:
        yield from json.JSONEncoder(separators=(",", ":")).iterencode(data)

    return _write_atomically(path, chunks())


def _write_atomically(path: Path, chunks: Iterable[str]) -> Path:
    """Write text chunks to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _reporting(frames: Iterator[np.ndarray], n_frames: int, ctx: ToolContext) -> Iterator[np.ndarray]:
    """Pass frames through, reporting progress (and honouring cancellation) as they go."""
    for i, frame in enumerate(frames):
        if i % 30 == 0:
            ctx.report(0.2 + 0.8 * i / max(n_frames, 1), f"rendering preview frame {i + 1} of {n_frames}")
        yield frame
