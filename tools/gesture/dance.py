"""The dance tool: music in, full-body dance motion (BVH) and a preview video out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal, get_args

import numpy as np
from pydantic import BaseModel, Field

from tools import Audio, BadInput, Json, Motion, ToolContext, Video, tool
from tools._limits import Limits
from tools._media import write_video

from .bvh import write_bvh
from .choreo import choreograph
from .moves import STYLES
from .render import render_frames
from .rhythm import find_pulse

__all__ = ["DanceMotion", "DanceStyle", "dance"]

FPS = 30
#: Longest music danced to in one call (54 000 frames).
MAX_AUDIO_S = 30 * 60
#: Heights shown in the preview: from just below the floor to above the raised hands.
_PREVIEW_EXTENT_CM = (205.0, -8.0)

DanceStyle = Literal["groove", "sway", "bounce", "arms", "party"]


class DanceMotion(BaseModel):
    """What dance returns.

    Attributes:
        motion: full-body motion as BVH (30 fps, cm and degrees); ``meta`` holds the tempo, the
            figures danced per phrase and quality counts.
        preview: an MP4 of a stick figure (front and side views) dancing, with the music as sound.
        motion_json: the same motion as JSON: joints, offsets, root positions and angles.
    """

    motion: Motion
    preview: Video
    motion_json: Json


@tool(
    tags=("dance", "motion", "body", "animation", "music"),
    examples=(
        "make a dancer move to this song",
        "dance to the music I made",
        "make a figure dance to this track",
        "full-body dance animation for this beat as BVH",
        "choreograph a dance to the generated music",
        "animate a character dancing to my song",
    ),
    timeout_s=120,
    timeout_per_input_s=1.0,
)
def dance(
    music: Annotated[Audio, Limits(min_s=0.1, max_s=MAX_AUDIO_S)],
    style: DanceStyle = "groove",
    energy: Annotated[float, Field(ge=0.0, le=1.0)] | None = None,
    seed: Annotated[int, Field(ge=0)] = 0,
    *,
    ctx: ToolContext,
) -> DanceMotion:
    """Make a full-body figure dance to music, as BVH motion plus a preview video.

    Moves land on the beats: a new figure every phrase of 8 beats starting on a downbeat,
    half time above 140 BPM, bigger moves in louder and busier phrases. Figures are built from
    step-touch, sway, bounce, turns, arm swings, pumps, waves and claps; weight-bearing feet
    stay planted and every joint stays in its limits. Music without a beat, or silence, gives
    a slow sway.

    Args:
        music: the music to dance to (wav, mp3, flac, ogg…).
        style: groove (steps, sways, claps and turns), sway (feet planted, gentle), bounce (knees and fists), arms (feet planted, arm waves and claps) or party (steps, turns, claps, waves).
        energy: how big the moves are, 0 (small) to 1 (full); by default taken from the music's loudness and onsets.
        seed: which figure of the style's cycle the first phrase dances, >= 0.
    """
    if style not in STYLES:
        raise BadInput(f"unknown dance style {style!r}; choose one of {', '.join(get_args(DanceStyle))}")
    ctx.report(0.0, "finding the beat")
    pulse, duration_s = find_pulse(music.path, max_s=MAX_AUDIO_S, energy=energy)
    ctx.report(0.3, "choreographing")
    dance_ = choreograph(pulse, duration_s, style, seed=seed, fps=FPS)
    clip = dance_.clip
    meta = {
        "style": style,
        "tempo_bpm": round(pulse.tempo_bpm, 2),
        "has_beat": pulse.has_beat,
        "half_time": pulse.half_time,
        "energy": round(float(pulse.energy.mean()), 3),
        "figures": [{"start_s": s, "figure": name} for s, name in dance_.figures],
        "joints": list(clip.skeleton.names),
        "limit_violations": clip.limit_violations(),
    }
    ctx.report(0.35, "writing BVH")
    motion = Motion(
        path=write_bvh(clip, ctx.output_path("dance.bvh")), fps=float(FPS), n_frames=clip.n_frames, meta=meta
    )
    motion_json = Json(path=clip.save_json(ctx.output_path("dance.json")), meta={"style": style})
    ctx.report(0.4, "rendering preview")
    caption = f"{style} - {pulse.tempo_bpm:.0f} BPM" if pulse.has_beat else f"{style} - no beat: slow sway"
    frames = render_frames(clip, caption=caption, extent_cm=_PREVIEW_EXTENT_CM)
    preview = write_video(
        ctx.output_path("dance_preview.mp4"),
        _reporting(frames, clip.n_frames, ctx),
        fps=FPS,
        audio_path=music.path,
        style=style,
    )
    ctx.report(1.0, "done")
    return DanceMotion(motion=motion, preview=preview, motion_json=motion_json)


def _reporting(frames: Iterator[np.ndarray], total: int, ctx: ToolContext) -> Iterator[np.ndarray]:
    """Pass frames through, reporting progress (and honouring cancellation) as they go."""
    for i, frame in enumerate(frames):
        if i % 150 == 0:
            ctx.report(0.4 + 0.6 * i / max(total, 1), "rendering preview")
        yield frame
