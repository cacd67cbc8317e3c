"""The co_speech_gesture tool: speech audio in, upper-body motion (BVH) and a preview video out."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field

from tools import Audio, BadInput, Json, Motion, ToolContext, Video, tool
from tools._devices import device as torch_device
from tools._limits import Limits, LocalPath
from tools._media import write_video

from .bvh import write_bvh
from .emotion import Emotion, check_emotion
from .features import FPS, extract_features
from .prosody import prosody_motion
from .render import render_frames

__all__ = ["CHECKPOINT_ENV", "GestureResult", "co_speech_gesture"]

#: Environment variable naming a default diffusion checkpoint (a path or ``hf:owner/name``).
CHECKPOINT_ENV = "TROUPE_GESTURE_CHECKPOINT"
#: Longest speech gestured in one call (54 000 motion frames).
MAX_AUDIO_S = 30 * 60


class GestureResult(BaseModel):
    """What co_speech_gesture returns.

    Attributes:
        motion: the motion as BVH (30 fps, cm and degrees); ``meta["backend"]`` says which
            backend made it.
        preview: an MP4 of a stick figure (front and side views) with the speech as sound.
        motion_json: the same motion as JSON: joints, offsets, root positions and angles.
    """

    motion: Motion
    preview: Video
    motion_json: Json


def _runs_diffusion(args: dict) -> bool:
    """For schedulers (``gpu_when``): whether the call samples the diffusion model, which uses
    the step's GPU (the same choice the tool makes below)."""
    backend = args.get("backend", "auto")
    return backend == "diffusion" or (
        backend == "auto" and bool(args.get("checkpoint") or os.environ.get(CHECKPOINT_ENV))
    )


@tool(
    tags=("gesture", "motion", "body", "animation"),
    env=(CHECKPOINT_ENV,),
    gpu_when=_runs_diffusion,
    examples=(
        "make a body gesture animation for this speech",
        "animate an avatar's arms and head to match my voice",
        "generate co-speech gestures as BVH motion capture",
        "make the character gesture excitedly while it talks",
        "upper-body mocap for my NPC's voice line",
        "body language for the presenter while she speaks",
        "hand and arm movements for the avatar's dialogue",
        "animate the rig's torso and hands to this VO",
    ),
    timeout_s=120,
    timeout_per_input_s=2.0,
)
def co_speech_gesture(
    audio: Annotated[Audio, Limits(min_s=0.1, max_s=MAX_AUDIO_S)],
    emotion: Emotion = "neutral",
    text: Annotated[str, Field(max_length=100_000)] | None = None,
    backend: Literal["auto", "prosody", "diffusion"] = "auto",
    checkpoint: Annotated[str, Field(max_length=4096), LocalPath()] | None = None,
    seed: Annotated[int, Field(ge=0)] = 0,
    steps: Annotated[int, Field(ge=1, le=1000)] = 20,
    guidance: Annotated[float, Field(ge=0.0, le=20.0)] = 2.0,
    *,
    ctx: ToolContext,
) -> GestureResult:
    """Generate upper-body gestures (head, torso, arms, hands) that follow speech, as BVH plus a preview video.

    The offline default ('prosody') places beat gestures on stressed syllables with amplitude
    from loudness and emotion, adds breathing and sway, and keeps every joint in its limits;
    silence gives calm idle motion. The 'diffusion' backend samples a trained transformer
    denoiser and needs a checkpoint (see docs/gesture.md to train one).

    Args:
        audio: speech recording; word timings in its meta (from text_to_speech) sharpen the beats.
        emotion: speaking style, one of neutral, happy, sad, angry, calm, excited.
        text: optional words spoken, up to 100 000 characters; exclamation marks and capitals add emphasis.
        backend: 'prosody' (offline default, no weights), 'diffusion' (needs a checkpoint), or 'auto': diffusion when a checkpoint is given or set in TROUPE_GESTURE_CHECKPOINT, else prosody.
        checkpoint: diffusion checkpoint: a .pt file, a folder holding gesture_diffusion.pt, or 'hf:owner/name' for a model already in the local Hugging Face cache.
        seed: random seed, >= 0; the same seed and input give the same motion.
        steps: DDIM sampling steps for the diffusion backend, 1 to 1000 (more is slower and smoother).
        guidance: classifier-free guidance scale for the diffusion backend, 0 to 20 (1 = plain conditional).
    """
    emotion = check_emotion(emotion)
    checkpoint = checkpoint or os.environ.get(CHECKPOINT_ENV) or None
    chosen = backend if backend != "auto" else ("diffusion" if checkpoint else "prosody")
    if chosen == "diffusion" and not checkpoint:
        raise BadInput(
            "the diffusion backend needs a checkpoint — pass checkpoint=<file.pt or hf:owner/name>, "
            f"set {CHECKPOINT_ENV}, train one with `python -m tools.gesture.train`, or use backend='prosody'"
        )
    ctx.report(0.0, "reading speech")
    total_s = audio.duration_s or 0.0  # filled in from the header when the tool is invoked

    def on_block(done_s: float) -> None:
        ctx.report(0.1 * min(done_s / total_s, 1.0) if total_s else 0.0, "reading speech")

    features = extract_features(audio.path, on_block=on_block)
    ctx.report(0.1, f"generating motion ({chosen})")
    words = audio.meta.get("words") if isinstance(audio.meta.get("words"), list) else None
    if chosen == "diffusion":
        from .diffusion.checkpoint import load_checkpoint
        from .diffusion.sampler import sample_motion

        model = load_checkpoint(checkpoint, device=torch_device(ctx.device))
        clip = sample_motion(model, features, emotion, seed=seed, steps=steps, guidance=guidance, ctx=ctx)
    else:
        clip = prosody_motion(features, emotion, seed=seed, words=words, emphasis=_emphasis(text))

    ctx.report(0.5, "writing BVH")
    meta = {
        "backend": chosen,
        "emotion": emotion,
        "seed": seed,
        "joints": list(clip.skeleton.names),
        "silent": features.is_silent,
        "limit_violations": clip.limit_violations(),
    }
    if chosen == "diffusion":
        meta.update(checkpoint=str(checkpoint), steps=steps, guidance=guidance)
    motion = Motion(
        path=write_bvh(clip, ctx.output_path("gesture.bvh")),
        fps=float(FPS),
        n_frames=clip.n_frames,
        meta=meta,
    )
    motion_json = Json(path=clip.save_json(ctx.output_path("gesture.json")), meta={"backend": chosen})
    ctx.report(0.55, "rendering preview")
    frames = _reporting(render_frames(clip, caption=f"{chosen} - {emotion}"), clip.n_frames, ctx)
    preview = write_video(
        ctx.output_path("gesture_preview.mp4"), frames, fps=FPS, audio_path=audio.path, backend=chosen
    )
    ctx.report(1.0, "done")
    return GestureResult(motion=motion, preview=preview, motion_json=motion_json)


def _emphasis(text: str | None) -> float:
    """Scale of beat strokes implied by the text: exclamations and shouted words raise it."""
    if not text:
        return 1.0
    exclamations = text.count("!")
    shouted = len(re.findall(r"\b[A-Z]{2,}\b", text))
    words = max(1, len(text.split()))
    return float(1.0 + min(0.3, 0.08 * exclamations + 0.5 * shouted / words))


def _reporting(frames: Iterator[np.ndarray], total: int, ctx: ToolContext) -> Iterator[np.ndarray]:
    """Pass frames through, reporting progress (and honouring cancellation) as they go."""
    for i, frame in enumerate(frames):
        if i % 150 == 0:
            ctx.report(0.55 + 0.45 * i / max(total, 1), "rendering preview")
        yield frame
