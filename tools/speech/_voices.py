"""Which engine and voice text_to_speech speaks with: Piper's joe, espeak-ng or a Kokoro voice."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal

from .._models import Installed
from ..errors import BadInput
from . import _kokoro

__all__ = ["VOICES", "Backend", "Choice", "choose", "models_behind", "runs_on_gpu"]

#: Voices text_to_speech has without a model to install, with what each is.
VOICES: dict[str, str] = {
    "joe": "Piper en_US-joe-medium: neural, US English male (default)",
    "espeak": "espeak-ng en-us: formant synthesis, robotic but instant (fallback)",
}
Backend = Literal["auto", "piper", "kokoro"]


@dataclass(frozen=True)
class Choice:
    """What speaks: the engine ("piper", "espeak-ng" or "kokoro"), its voice, the Kokoro model
    (None for the others) and, when ``auto`` could not give what was asked, why."""

    engine: str
    voice: str
    model: Installed | None = None
    note: str | None = None


def models_behind(args: dict) -> dict[str, str | None]:
    """For the cache key: the Kokoro model (and its revision) the call could use — with
    backend='kokoro', or a Kokoro voice under 'auto' (which speaks with Piper until it is installed)."""
    backend, voice = args.get("backend", "auto"), args.get("voice")
    kokoro_voice = isinstance(voice, str) and _kokoro.is_kokoro_name(voice)
    if not (backend == "kokoro" or (backend == "auto" and kokoro_voice)):
        return {}
    found = _kokoro.model()
    return {"kokoro": f"{found.entry.name}@{found.revision}" if found else None}


def runs_on_gpu(args: dict) -> bool:
    """For schedulers (``gpu_when``): whether the call speaks with Kokoro through an onnxruntime
    that can run it on CUDA (the CPU-only onnxruntime cannot use a GPU it is given)."""
    engine = choose(args.get("backend", "auto"), args.get("voice")).engine
    return engine == "kokoro" and _kokoro.cuda_provider()


def choose(backend: str, voice: str | None) -> Choice:
    """Which engine and voice speak.

    ``auto`` keeps Piper's joe, as before Kokoro existed, unless a Kokoro voice is asked for: a
    voice is part of what a user hears, so installing a model never changes it unasked.

    Raises:
        BadInput: an unknown voice; a Piper voice with backend='kokoro' or a Kokoro voice with
            backend='piper'; backend='kokoro' without onnxruntime or the model.
    """
    if voice in VOICES:
        if backend == "kokoro":
            raise BadInput(
                f"voice {voice!r} is not a Kokoro voice; give one such as {_kokoro.DEFAULT_VOICE!r}, "
                "or leave voice out for Kokoro's default (or use backend='piper')"
            )
        return piper_choice(voice)
    kokoro_voice = voice is not None and _kokoro.is_kokoro_name(voice)
    if voice is not None and not kokoro_voice:
        choices = "; ".join(f"{name!r} ({desc})" for name, desc in VOICES.items())
        raise BadInput(
            f"unknown voice {voice!r} — available voices: {choices}; or, with `troupe models pull "
            f"kokoro-82m`, a Kokoro voice such as {_kokoro.DEFAULT_VOICE!r}"
        )
    if backend == "piper" or (backend == "auto" and not kokoro_voice):
        if kokoro_voice:
            raise BadInput(
                f"voice {voice!r} is a Kokoro voice; use backend='kokoro' or 'auto', or voice='joe'"
            )
        return piper_choice("joe")
    found = _kokoro.model()
    if backend == "kokoro":
        if not _kokoro.available():
            raise BadInput(
                "backend='kokoro' needs onnxruntime: pip install 'troupe[speech]' (or use backend='piper')"
            )
        if found is None:
            raise BadInput(
                f"backend='kokoro' needs the Kokoro model: run `troupe models pull {_kokoro.MODEL}` "
                f"(or `troupe models import {_kokoro.MODEL} FOLDER`), or use backend='piper'"
            )
    elif found is None or not _kokoro.available():  # auto, a Kokoro voice, nothing installed
        fallback = piper_choice("joe")
        note = (
            f"Kokoro voice {voice!r} needs `troupe models pull {_kokoro.MODEL}`; "
            f"spoke with {fallback.engine}'s {fallback.voice!r} instead"
        )
        return Choice(fallback.engine, fallback.voice, None, note)
    return Choice("kokoro", _kokoro.check_voice(found, voice or _kokoro.DEFAULT_VOICE), found)


def piper_choice(voice: str) -> Choice:
    """Piper speaks joe when piper-tts is installed; espeak-ng speaks otherwise (as always)."""
    engine = "piper" if voice == "joe" and importlib.util.find_spec("piper") else "espeak-ng"
    return Choice(engine, voice)
