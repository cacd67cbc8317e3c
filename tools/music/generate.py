"""music_generate: new music from a description, as MIDI and rendered audio."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field

from tools import Audio, BadInput, Midi, ToolContext, tool
from tools._limits import Limits
from tools._media import audio_info, write_wav
from tools._models import Installed

from . import _musicgen
from ._compose import Settings, compose
from ._describe import read_description
from ._gm import gm_name, gm_program
from ._melody_chroma import ChromaConfig, melody_chroma, read_melody
from ._styles import STYLES
from ._theory import Key, parse_key
from .render import render_midi

__all__ = [
    "Backend",
    "GeneratedMusic",
    "MAX_DURATION_S",
    "MAX_MELODY_FILE_S",
    "music_generate",
    "resolve_settings",
]

#: Longest piece generated in one call (10 minutes).
MAX_DURATION_S = 600.0
#: Longest melody recording accepted; only its first 30 s are decoded and used.
MAX_MELODY_FILE_S = 2 * 3600.0
_DEFAULT_DURATION_S = 30.0
_SR = 44100
Mood = Literal["calm", "happy", "sad", "energetic", "dark", "romantic", "epic", "dreamy"]
# Keys that sit well on most instruments, drawn from when none is asked for.
_MAJOR_TONICS = (0, 7, 2, 5, 10, 3, 9)  # C G D F Bb Eb A
_MINOR_TONICS = (9, 4, 2, 7, 0, 5, 11)  # A E D G C F B


Backend = Literal["auto", "compose", "musicgen"]


class GeneratedMusic(BaseModel):
    """A generated piece: the audio and its MIDI (the score it was rendered from with
    ``compose``; a transcription of the audio with ``musicgen``)."""

    audio: Audio
    midi: Midi


def _models_behind(args: dict) -> dict[str, str | None]:
    """For the cache key: the MusicGen model (and its revision) the call's backend could load."""
    if args.get("backend", "auto") == "compose":
        return {}
    model = (args.get("melody") is not None and _musicgen.best_model(melody=True)) or _musicgen.best_model()
    return {"musicgen": f"{model.entry.name}@{model.revision}" if model else None}


def _runs_musicgen(args: dict) -> bool:
    """For schedulers (``gpu_when``): whether the call runs MusicGen, which uses the step's GPU."""
    description = args.get("description", "soft piano")
    duration_s = args.get("duration") or read_description(description).duration_s or _DEFAULT_DURATION_S
    model, _ = _choose(args.get("backend", "auto"), duration_s, args.get("melody") is not None)
    return model is not None


@tool(
    tags=("music", "generation", "midi"),
    examples=(
        "compose soft piano music",
        "make a happy upbeat tune, 30 seconds",
        "generate sad cello music in D minor",
        "background music for a video, calm, 1 minute",
        "write an epic orchestral theme at 100 bpm",
        "a lofi bed for my podcast intro",
        "a dreamy synth pad to sit under a voice-over",
        "make a short jingle on ukulele",
        "new backing track in E minor around 90 bpm",
        "some chill instrumental music for studying",
    ),
    timeout_s=300,
    cache_extra=_models_behind,
    gpu_when=_runs_musicgen,
)
def music_generate(
    description: Annotated[str, Field(max_length=2000)] = "soft piano",
    duration: Annotated[float, Field(gt=0)] | None = None,
    tempo: Annotated[float, Field(ge=40, le=220)] | None = None,
    key: Annotated[str, Field(max_length=40)] | None = None,
    mood: Mood | None = None,
    instrument: Annotated[str, Field(max_length=100)] | None = None,
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0,
    melody: Annotated[Audio, Limits(min_s=0.5, max_s=MAX_MELODY_FILE_S)] | None = None,
    backend: Backend = "auto",
    *,
    ctx: ToolContext,
) -> GeneratedMusic:
    """Compose new instrumental music from a description and render it to audio.

    Harmony, melody, bass and (for lively moods) drums follow style rules for the mood.
    The description is read for mood, tempo ("slow", "120 bpm"), key ("in D minor"),
    instrument ("violin"), meter ("waltz") and length ("45 seconds"); explicit arguments win.

    Args:
        description: free text such as "soft piano", "a happy tune on the flute", "epic
            orchestral theme in D minor, 1 minute"; at most 2000 characters.
        duration: length in seconds, more than 0 and at most 600 (default 30, or what the
            description says).
        tempo: beats per minute, 40 to 220 (default from the mood).
        key: key such as "C major", "F# minor", "Bb", "Am" (default from the mood and seed).
        mood: one of calm, happy, sad, energetic, dark, romantic, epic, dreamy (default from
            the description, else calm).
        instrument: General MIDI instrument for the tune, e.g. "piano", "violin", "flute",
            "string ensemble" (default from the description, else the mood's).
        seed: 0 to 4294967295; the same seed and arguments give the same piece; change it for
            another take.
        melody: a tune for the piece to follow, as audio (the first 30 s, looped if
            shorter; at least 0.5 s); only MusicGen's melody model follows one (`troupe
            models pull musicgen-melody`).
        backend: 'compose' (style rules, a MIDI score rendered with a SoundFont; always
            there), 'musicgen' (Meta's MusicGen neural model, up to 30 s; needs `troupe models
            pull musicgen-small`, or musicgen-melody for a melody; tempo, key and instrument
            are only suggested to it through the description) or 'auto': musicgen when
            installed and the piece fits, else compose (which leaves a melody out, and the
            meta's ``backend_note`` says so).

    Returns:
        ``audio`` (stereo WAV, exactly ``duration`` seconds) and ``midi`` (the score; with
        musicgen, a transcription of the audio); their meta holds the resolved tempo_bpm,
        key, mood and instrument, and ``backend`` and ``model`` say what made them
        (``melody_conditioning`` whether a given melody was followed).

    Raises:
        BadInput: a melody with backend='compose', or with backend='musicgen' when
            musicgen-melody is not installed; a silent melody.
    """
    settings = resolve_settings(description, duration, tempo, key, mood, instrument, seed)
    model, note = _choose(backend, settings.duration_s, melody is not None)
    if model is not None:
        return _generate_musicgen(description, settings, seed, model, melody, note, ctx)
    ctx.report(0.05, f"composing {settings.key.name}, {settings.tempo_bpm:.0f} BPM")
    pm = compose(settings)
    midi_path = ctx.output_path("generated.mid")
    tmp = midi_path.with_name("generated.mid.part")
    pm.write(str(tmp))
    tmp.replace(midi_path)
    ctx.report(0.2, "rendering")
    y = render_midi(pm, _SR, tail_s=0.0, ctx=ctx)
    y = _exact_length(y, settings.duration_s, _SR)
    audio_path = write_wav(ctx.output_path("generated.wav"), y, _SR)
    meta = {
        "tempo_bpm": settings.tempo_bpm,
        "key": settings.key.name,
        "mood": _mood_of(settings),
        "instrument": gm_name(settings.lead),
        "meter": f"{settings.meter}/4",
        "seed": seed,
        "description": description,
        "backend": "compose",
        "model": None,
    }
    if note:
        meta["backend_note"] = note
    if melody is not None:
        meta["melody_conditioning"] = False
    ctx.report(1.0, "done")
    return GeneratedMusic(
        audio=audio_info(audio_path, **meta),
        midi=Midi(path=midi_path, duration_s=settings.duration_s, meta=meta),
    )


def resolve_settings(
    description: str,
    duration: float | None = None,
    tempo: float | None = None,
    key: str | None = None,
    mood: str | None = None,
    instrument: str | None = None,
    seed: int = 0,
) -> Settings:
    """Merge the description with explicit arguments and mood defaults into composition settings.

    Raises:
        BadInput: a duration outside (0, 600] s, an unknown key, mood or instrument.
    """
    brief = read_description(description)
    duration_s = duration if duration is not None else brief.duration_s or _DEFAULT_DURATION_S
    if not 0 < duration_s <= MAX_DURATION_S:
        raise BadInput(
            f"duration {duration_s:g} s is out of range — ask for more than 0 and at most "
            f"{MAX_DURATION_S:.0f} s (10 minutes); make longer pieces in parts and join them with audio_mix"
        )
    mood_name = mood or brief.mood or "calm"
    if mood_name not in STYLES:
        raise BadInput(f"unknown mood {mood_name!r} — choose one of {', '.join(STYLES)}")
    style = STYLES[mood_name]
    # The description joins the seed, so different requests get different default keys.
    rng = np.random.default_rng([seed, zlib.crc32(description.encode())])
    resolved_key = parse_key(key) if key else brief.key or _default_key(style.mode, rng)
    bpm = tempo or brief.tempo_bpm or style.tempo_bpm * brief.tempo_factor
    if not 40 <= bpm <= 220:
        raise BadInput(f"tempo {bpm:g} BPM is out of range — give 40 to 220 beats per minute")
    if instrument:
        lead, chosen = gm_program(instrument), True
    elif brief.program is not None:
        lead, chosen = brief.program, True
    else:
        lead, chosen = style.lead, False
    plays_chords = lead < 32 or lead == 46 or 104 <= lead <= 108  # keys, guitars, harp, plucked
    bed = lead if (chosen and plays_chords) or (plays_chords and style.bed == 0) else style.bed
    drums = style.drums if brief.drums is None else (style.drums or "light") if brief.drums else None
    return Settings(
        key=resolved_key, tempo_bpm=float(bpm), meter=brief.meter, duration_s=float(duration_s),
        style=style, lead=lead, bed=bed, bass=style.bass, drums=drums,
        soft=brief.soft or mood_name == "calm", seed=seed,
    )  # fmt: skip


def _choose(backend: str, duration_s: float, melody: bool = False) -> tuple[Installed | None, str | None]:
    """The MusicGen model to run (None: compose) and, when ``auto`` fell back, why.

    Raises:
        BadInput: backend='musicgen' without the libraries or an installed model (one that
            follows a melody, when ``melody``); backend='compose' with a melody.
    """
    if backend == "compose":
        if melody:
            raise BadInput(
                "backend='compose' cannot follow a melody; use backend='musicgen' with "
                f"{_musicgen.MELODY_MODEL} (`troupe models pull {_musicgen.MELODY_MODEL}`), or leave the melody out"
            )
        return None, None
    if not melody:
        return _choose_plain(backend, duration_s)
    follower = _musicgen.best_model(melody=True)
    if backend == "musicgen" and follower is None:
        raise BadInput(
            f"following a melody needs MusicGen's melody model: run `troupe models pull {_musicgen.MELODY_MODEL}` "
            f"(or `troupe models import {_musicgen.MELODY_MODEL} FOLDER`), or leave the melody out"
        )
    model, note = _choose_plain(backend, duration_s)  # the libraries and the length, as without one
    if model is not None and follower is not None:
        return follower, None
    # auto, and the melody cannot be followed: the piece is made without it, and the meta says so
    why = "" if follower else f": that needs `troupe models pull {_musicgen.MELODY_MODEL}`"
    return model, "; ".join(filter(None, (note, f"the melody was not followed{why}")))


def _choose_plain(backend: str, duration_s: float) -> tuple[Installed | None, str | None]:
    """:func:`_choose` for 'musicgen' or 'auto' without a melody."""
    model = _musicgen.best_model()
    if backend == "musicgen":
        if not _musicgen.available():
            raise BadInput(
                "backend='musicgen' needs torch and transformers: pip install -c constraints.txt "
                "'troupe[musicgen]' (or use backend='compose')"
            )
        if model is None:
            raise BadInput(
                "backend='musicgen' needs a MusicGen model: run `troupe models pull musicgen-small` "
                "(or `troupe models import musicgen-small FOLDER`), or use backend='compose'"
            )
        return model, None
    if model is None or not _musicgen.available():
        return None, None  # nothing better installed: today's backend, as always
    if duration_s > _musicgen.MAX_DURATION_S:
        return None, f"musicgen makes at most {_musicgen.MAX_DURATION_S:g} s; composed instead"
    return model, None


def _generate_musicgen(
    description: str,
    settings: Settings,
    seed: int,
    model: Installed,
    melody: Audio | None,
    note: str | None,
    ctx: ToolContext,
) -> GeneratedMusic:
    """The ``musicgen`` path: neural audio (following ``melody`` when the model can), then its
    notes transcribed into the MIDI output."""
    from .transcribe import transcribe_polyphonic, write_midi

    chroma, melody_meta = None, {}
    if melody is not None:
        melody_meta = {"melody_conditioning": False}
        if _musicgen.follows_melody(model):
            ctx.report(0.01, "reading the melody")
            config = ChromaConfig.of_folder(model.path)
            tune, total_s = read_melody(melody, config)
            chroma = melody_chroma(tune, config)
            melody_meta = {
                "melody_conditioning": True, "melody": Path(melody.path).name,
                "melody_used_s": round(len(tune) / config.sampling_rate, 3), "melody_s": round(total_s, 3),
            }  # fmt: skip
    mono, sr, device, device_note = _musicgen.generate(
        model, description, settings.duration_s, seed, ctx, melody=chroma
    )
    y = np.repeat(mono[:, None], 2, axis=1)  # stereo, like compose's output
    audio_path = write_wav(ctx.output_path("generated.wav"), y, sr)
    meta = {
        "tempo_bpm": None, "key": None, "mood": _mood_of(settings), "instrument": None,
        "seed": seed, "description": description, "backend": _musicgen.BACKEND,
        "model": model.entry.name, "model_revision": model.revision,
        "licence": model.entry.licence, "non_commercial": model.entry.non_commercial,
        "device": device, **({"device_note": device_note} if device_note else {}),
        **({"backend_note": note} if note else {}), **melody_meta,
    }  # fmt: skip
    audio = audio_info(audio_path, **meta)
    ctx.report(0.9, "transcribing the notes")
    import librosa

    notes = transcribe_polyphonic(librosa.resample(mono, orig_sr=sr, target_sr=22050), ctx=None)
    midi_path = write_midi(notes, ctx.output_path("generated.mid"))
    ctx.report(1.0, "done")
    return GeneratedMusic(
        audio=audio,
        midi=Midi(
            path=midi_path, duration_s=settings.duration_s, meta={**meta, "midi_source": "transcription"}
        ),
    )


def _default_key(mode: str, rng: np.random.Generator) -> Key:
    tonics = _MAJOR_TONICS if mode == "major" else _MINOR_TONICS
    return Key(int(rng.choice(tonics)), mode)  # type: ignore[arg-type]


def _mood_of(settings: Settings) -> str:
    return next(name for name, style in STYLES.items() if style is settings.style)


def _exact_length(y: np.ndarray, duration_s: float, sr: int) -> np.ndarray:
    """Cut or pad to ``duration_s``, fading the last 0.3 s so the cut is not heard as a click."""
    n = round(duration_s * sr)
    y = np.pad(y, ((0, max(0, n - len(y))), (0, 0)))[:n].copy()
    fade = min(n, int(0.3 * sr))
    y[n - fade :] *= np.linspace(1.0, 0.0, fade)[:, None] ** 2
    return y
