"""talking_face: a lip-synced, expressive portrait video from one photo and speech."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from .._artifacts import Audio, Image, Video
from .._context import ToolContext
from .._devices import device
from .._limits import Limits
from .._media import write_video
from .._spec import tool
from ._backends import BACKEND_ENV, get_backend
from ._cues import mouth_meta, speech_cues
from ._portrait import MAX_SIDE_PX, load_portrait
from ._track import EMOTIONS, build_track

__all__ = ["FPS", "talking_face"]

FPS = 25
_PROGRESS_EVERY = 25  # frames between progress reports (and cancellation checks)
#: Longest speech animated in one call (45 000 frames).
MAX_AUDIO_S = 30 * 60
#: Largest photo read: its pixels are decoded before it is scaled down.
MAX_PIXELS = 50_000_000

Emotion = Literal["neutral", "happy", "sad", "angry", "surprised", "calm", "excited"]


@tool(
    tags=("face", "video"),
    env=(BACKEND_ENV,),
    examples=(
        "make my portrait say this",
        "animate this photo so it speaks the audio",
        "lip-sync this face to the speech, looking happy",
        "make a talking head video from a picture and a voice recording",
        "have the person in this picture read the poem aloud",
        "lip sync my selfie to this voice note",
        "turn this headshot into a talking avatar",
        "make the mascot's face speak the line",
        "a talking-head clip of me saying the intro",
    ),
    resources={"cpu": 2},
    timeout_s=120,
    timeout_per_input_s=3.0,
)
def talking_face(
    image: Annotated[Image, Limits(max_pixels=MAX_PIXELS)],
    audio: Annotated[Audio, Limits(max_s=MAX_AUDIO_S)],
    emotion: Emotion = "neutral",
    head_motion: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5,
    face_index: Annotated[int, Field(ge=0)] = 0,
    *,
    ctx: ToolContext,
) -> Video:
    """Animate a portrait photo so it speaks the given audio, lip-synced, with blinks and head motion.

    The mouth follows the speech's phoneme timings (from text_to_speech or forced
    alignment) or, for a recording without them, recognised phones mixed with a learned
    audio-to-mouth model, and the speech's loudness; the rest of the photo stays as it is. Output:
    an MP4 (H.264 + AAC) at 25 fps, the photo's size up to 1024 px on the long side.

    Args:
        image: a photo with a clear, roughly frontal face at least 60 px wide.
        audio: the speech to lip-sync (silence gives a still, blinking face).
        emotion: facial expression: neutral, happy, sad, angry or surprised; the speech
            styles calm (a relaxed neutral) and excited (a lively happy) are accepted too.
        head_motion: idle head movement, 0 (still) to 1 (lively).
        face_index: which face to animate when the photo holds several: 0 = the largest,
            1 = the next largest, and so on.

    Returns:
        The video, with metadata: what drove the mouth (``mouth_source``: "audio metadata",
        "forced alignment", "phone recognition + speech model" (the two mixed),
        "phone recognition", "speech model", "energy envelope" or "silence";
        ``mouth_sources`` lists them, ``mouth_model_share`` gives the mix, and
        ``phoneme_source`` is the older name of ``mouth_source``), the face box, the number
        of faces found, and the original size when the photo was scaled down.

    Raises:
        BadInput: the image is not a photo, has no face (or fewer than face_index + 1),
            the face is too small, or the audio cannot be decoded.
    """
    ctx.report(0.0, "finding the face")
    portrait = load_portrait(image.path, face_index)
    renderer = get_backend()
    cues = speech_cues(audio, FPS, progress=lambda done, step: ctx.report(0.03 + 0.02 * done, step))
    track = build_track(cues, EMOTIONS[emotion], head_motion, renderer.rest_open(portrait))

    height, width = portrait.rgb.shape[:2]
    meta = {
        "emotion": emotion,
        "head_motion": head_motion,
        "backend": renderer.name,
        **mouth_meta(cues),
        "face_box": list(portrait.box),
        "n_faces": portrait.n_faces,
        "face_index": face_index,
    }
    if portrait.scale < 1.0:
        meta["downscaled_from"] = list(portrait.original_size)
        meta["note"] = f"the photo was scaled down to {width}×{height} (longest side {MAX_SIDE_PX} px)"
    frames = renderer.frames(portrait, track, audio.path, device=device(ctx.device))
    path = ctx.output_path("talking_face.mp4")
    try:
        return write_video(path, _reporting(frames, len(track), ctx), FPS, audio.path, **meta)
    except BaseException:
        path.unlink(missing_ok=True)  # never leave a half-written video behind
        raise


def _reporting(frames: Iterator[np.ndarray], n_frames: int, ctx: ToolContext) -> Iterator[np.ndarray]:
    """Pass frames through, reporting progress (and honouring cancellation) as they go."""
    for i, frame in enumerate(frames):
        if i % _PROGRESS_EVERY == 0:
            ctx.report(0.05 + 0.95 * i / max(n_frames, 1), f"rendering frame {i + 1} of {n_frames}")
        yield frame
