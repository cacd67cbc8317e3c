"""audio_mix: mix tracks with gains, voice-over ducking, loudness normalisation and a limiter."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from tools import Audio, BadInput, ToolContext, tool
from tools._limits import Limits
from tools._media import audio_info, write_wav

from ._signal import db_to_gain, gain_to_db, integrated_lufs, load_music, peak_dbfs

__all__ = ["audio_mix", "duck_gain", "limit"]

_MAX_S = 60 * 60  # per track
_MAX_TRACKS = 16
_CEILING_DBFS = -1.2  # a little under -1 dBFS so 16-bit rounding cannot cross it
_SPEECH_META = ("words", "phonemes", "phoneme_set", "text")
_TAIL_S = 2.0  # music left after the last word of a voice-over, fading out
_CUT_FADE_S = 0.5  # any other cut track fades out over this, instead of clicking


@tool(
    tags=("music", "audio", "mixing"),
    examples=(
        "put soft piano under my voice",
        "mix the speech with the music and duck the music",
        "combine these audio tracks",
        "normalise the loudness of this mix to -16 LUFS",
        "lay the music bed under the VO and duck it",
        "put my vocal on top of the instrumental",
        "make this recording louder, streaming level",
        "blend the two takes together",
    ),
    timeout_s=60,
    timeout_per_input_s=0.5,
)
def audio_mix(
    tracks: Annotated[
        list[Annotated[Audio, Limits(min_s=0.01, max_s=_MAX_S)]], Field(min_length=1, max_length=_MAX_TRACKS)
    ],
    gains_db: Annotated[
        list[Annotated[float, Field(ge=-60.0, le=24.0, allow_inf_nan=False)]], Field(max_length=_MAX_TRACKS)
    ]
    | None = None,
    duck: bool | None = None,
    duck_db: Annotated[float, Field(ge=0.0, le=40.0)] = 12.0,
    target_lufs: Annotated[float, Field(ge=-40.0, le=-6.0)] = -16.0,
    length: Literal["auto", "longest", "first", "shortest"] = "auto",
    *,
    ctx: ToolContext,
) -> Audio:
    """Mix audio tracks into one, with voice-over ducking, loudness normalisation and a limiter.

    Tracks may have any sample rate and channel count; the mix is stereo at the highest
    input rate (at least 44.1 kHz). The result's loudness is ``target_lufs`` and its peak
    stays at or below -1 dBFS. Speech timing meta (words, phonemes) of the first track that
    has it is kept, since mixing does not move anything in time.

    Args:
        tracks: 1 to 16 audio tracks; with ``duck`` the first one is the voice.
        gains_db: one gain in dB per track, -60 to 24, applied before mixing (default 0 dB each).
        duck: lower the other tracks while the first track (the voice) is sounding, and
            bring them back smoothly in its pauses. Unset: duck when the first track is
            speech with word timings (from text_to_speech or transcribe).
        duck_db: how far the other tracks drop under the voice, in dB, 0 to 40.
        target_lufs: integrated loudness of the result in LUFS, -40 to -6 (-16 suits speech
            and podcasts, -14 streaming music).
        length: "longest" keeps every track whole; "first" cuts or pads to the first
            track's length (with a short fade), "shortest" to the shortest track; "auto"
            (default) is the voice plus a 2 s fade-out when ducking under a voice, else "longest".

    Returns:
        A stereo WAV; meta holds the measured loudness_lufs, peak_dbfs and duck_depth_db.
    """
    if gains_db is not None and len(gains_db) != len(tracks):
        raise BadInput(
            f"gains_db has {len(gains_db)} values for {len(tracks)} tracks — give one gain per track"
        )
    sr = max(44100, *(t.sample_rate or 0 for t in tracks))
    ctx.report(0.0, "decoding")
    signals = [load_music(t, sr=sr, mono=False, max_s=_MAX_S) for t in tracks]
    gains = [db_to_gain(g) for g in (gains_db or [0.0] * len(tracks))]
    if duck is None:
        duck = bool(tracks[0].meta.get("words"))
    lens = [len(s) for s in signals]
    if length == "auto" and duck and len(signals) > 1:  # a voice-over ends soon after the voice
        n, fade_s = min(max(lens), lens[0] + int(_TAIL_S * sr)), _TAIL_S
    else:
        n, fade_s = {"shortest": min, "first": lambda lens: lens[0]}.get(length, max)(lens), _CUT_FADE_S
    signals = [_fit_length(s * g, n, sr, fade_s) for s, g in zip(signals, gains, strict=True)]
    ctx.report(0.4, "mixing")

    duck_depth = 0.0
    if duck and len(signals) > 1:
        gain = duck_gain(signals[0], sr, depth_db=duck_db)
        duck_depth = -gain_to_db(float(np.min(gain)))
        mix = signals[0] + sum(s * gain[:, None] for s in signals[1:])
    else:
        mix = sum(signals[1:], signals[0].copy())
    ctx.report(0.7, "loudness")
    mix, loudness = normalise(mix, sr, target_lufs)
    path = write_wav(ctx.output_path("mix.wav"), mix, sr)
    meta: dict[str, Any] = _speech_meta(tracks)
    meta.update(
        loudness_lufs=round(loudness, 2),
        peak_dbfs=round(peak_dbfs(mix), 2),
        duck_depth_db=round(duck_depth, 2),
        target_lufs=target_lufs,
    )
    return audio_info(path, **meta)


def _fit_length(y: np.ndarray, n: int, sr: int, fade_s: float) -> np.ndarray:
    """Pad with silence or cut to ``n`` samples; a cut ends with a ``fade_s`` fade, not a click."""
    if len(y) <= n:
        return np.pad(y, ((0, n - len(y)), (0, 0)))
    y = y[:n].copy()
    fade = min(n, int(fade_s * sr))
    y[n - fade :] *= np.linspace(1.0, 0.0, fade)[:, None]
    return y


def _speech_meta(tracks: list[Audio]) -> dict[str, Any]:
    for t in tracks:
        if t.meta.get("words") or t.meta.get("phonemes"):
            return {k: t.meta[k] for k in _SPEECH_META if k in t.meta}
    return {}


def duck_gain(
    voice: np.ndarray,
    sr: int,
    *,
    depth_db: float = 12.0,
    threshold_db: float = -35.0,
    attack_s: float = 0.08,
    release_s: float = 0.5,
    hold_s: float = 0.3,
) -> np.ndarray:
    """Per-sample gain for the music under a voice: ``-depth_db`` while the voice speaks, 1 elsewhere.

    Voice activity is the voice's 20 ms RMS above ``threshold_db`` relative to its loudest
    frame, held ``hold_s`` over short pauses between words; the gain then moves in dB with
    an ``attack_s`` fall and a ``release_s`` rise, so the music dips and recovers smoothly.
    """
    from scipy.ndimage import maximum_filter1d

    hop = int(0.02 * sr)
    mono = voice.mean(axis=1) if voice.ndim == 2 else voice
    n_frames = int(np.ceil(len(mono) / hop))
    frames = np.pad(mono, (0, n_frames * hop - len(mono))).reshape(n_frames, hop)
    rms_db = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-9)
    active = rms_db > rms_db.max() + threshold_db
    active = maximum_filter1d(active.astype(np.uint8), size=2 * int(hold_s / 0.02) + 1) > 0
    target = np.where(active, -depth_db, 0.0)
    # Slew-limit the gain in dB: a linear ramp sounds even to the ear.
    fall, rise = depth_db * 0.02 / attack_s, depth_db * 0.02 / release_s
    smooth = np.empty(n_frames)
    level = 0.0
    for i, want in enumerate(target):
        level = max(want, level - fall) if want < level else min(want, level + rise)
        smooth[i] = level
    # Start falling before the voice does (look-ahead) so the first syllable is not masked.
    shift = int(attack_s / 0.02)
    smooth = np.concatenate([smooth[shift:], np.full(shift, smooth[-1])]) if shift < n_frames else smooth
    per_sample = np.interp(np.arange(len(mono)), np.arange(n_frames) * hop + hop / 2, smooth)
    return (10.0 ** (per_sample / 20.0)).astype(np.float32)


def normalise(y: np.ndarray, sr: int, target_lufs: float) -> tuple[np.ndarray, float]:
    """Bring ``y`` to ``target_lufs`` integrated loudness under a -1 dBFS peak ceiling.

    Limiting lowers loudness a little, so gain and limiter alternate until the loudness is
    within 0.2 LU of the target (three rounds at most). Returns the samples and the loudness.

    Raises:
        BadInput: the mix is silent, so it has no loudness to normalise.
    """
    loudness = integrated_lufs(y, sr)
    if not np.isfinite(loudness):
        raise BadInput("the mix is silent — give tracks with sound in them")
    out = y
    for _ in range(3):
        out = limit(y * db_to_gain(target_lufs - loudness), sr)
        measured = integrated_lufs(out, sr)
        if abs(measured - target_lufs) < 0.2:
            break
        loudness -= target_lufs - measured  # ask for more gain next round
    return out.astype(np.float32), integrated_lufs(out, sr)


def limit(
    y: np.ndarray, sr: int, ceiling_dbfs: float = _CEILING_DBFS, lookahead_s: float = 0.005
) -> np.ndarray:
    """A look-ahead peak limiter: no sample exceeds ``ceiling_dbfs``, gain changes are smoothed.

    The needed gain is min-filtered over twice the smoothing window, then averaged, so the
    smoothed gain never exceeds what any sample needs; a 150 ms hold keeps it from pumping.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = db_to_gain(ceiling_dbfs)
    peak = np.max(np.abs(y), axis=1) if y.ndim == 2 else np.abs(y)
    if peak.max() <= ceiling:
        return y
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    window = max(1, int(lookahead_s * sr))
    gain = minimum_filter1d(need, size=2 * window + 1)
    gain = minimum_filter1d(gain, size=int(0.15 * sr))  # hold: no pumping between close peaks
    gain = uniform_filter1d(gain, size=window)
    out = y * (gain[:, None] if y.ndim == 2 else gain)
    return np.clip(out, -ceiling, ceiling)  # guards the last float ulp
