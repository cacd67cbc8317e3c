"""music_generate's ``musicgen`` backend: transformers' MusicGen from an installed model folder.

The folder comes from :mod:`tools._models` (``troupe models pull musicgen-small`` or
``troupe models import``); it is loaded with ``local_files_only=True`` — nothing is
downloaded here — on the step's device (:mod:`tools._devices`: a GPU when there is one, in
float16) into the process-wide model cache, shared by every call (a lock serialises
generation, which also keeps the seed meaningful). MusicGen writes mono audio at its codec's rate
(32 kHz for the published models), 50 codec frames a second; it was trained on 30-second
clips, so a call asks for at most :data:`MAX_DURATION_S`.

``musicgen-melody`` (transformers' ``MusicgenMelodyForConditionalGeneration``) also follows a
melody: its chroma (:mod:`._melody_chroma`) is put before the description's encoding. Without
a melody it makes music from the description alone, like the other models.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import threading
from typing import Any

import numpy as np

from tools import BadInput, ToolContext
from tools._devices import MODELS, half_precision, on_device, torch_size
from tools._models import Installed, best_installed, installed
from tools._torch_env import without_broken_torchaudio

__all__ = [
    "MAX_DURATION_S",
    "BACKEND",
    "MELODY_MODEL",
    "available",
    "best_model",
    "follows_melody",
    "generate",
]

BACKEND = "musicgen"
#: The catalog's model that follows a melody.
MELODY_MODEL = "musicgen-melody"
_MELODY_TYPE = "musicgen_melody"
#: Longest piece MusicGen makes in one call (its training clips are 30 s long).
MAX_DURATION_S = 30.0
_LOCK = threading.Lock()


def available() -> bool:
    """Whether the libraries the backend needs are installed (nothing is imported)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers"))


def best_model(melody: bool = False) -> Installed | None:
    """The highest-ranked installed MusicGen model (one that follows a melody when ``melody``), or None."""
    if not melody:
        return best_installed(BACKEND)
    found = installed(MELODY_MODEL)
    return found if found is not None and follows_melody(found) else None


def follows_melody(model: Installed) -> bool:
    """Whether ``model`` can be conditioned on a melody."""
    return model.entry.model_type == _MELODY_TYPE


def generate(
    model: Installed,
    description: str,
    duration_s: float,
    seed: int,
    ctx: ToolContext,
    melody: np.ndarray | None = None,
) -> tuple[np.ndarray, int, str, str | None]:
    """Mono float32 samples of exactly ``duration_s`` seconds, their sample rate, the device
    it ran on and a note when CUDA ran out of memory and the CPU took over.

    Args:
        melody: one-hot chroma frames ``(n_frames, 12)`` to follow (a melody model only).

    Raises:
        BadInput: ``duration_s`` is longer than the model makes in one call; a melody for a
            model that cannot follow one.
    """
    if melody is not None and not follows_melody(model):
        raise BadInput(f"{model.entry.name} cannot follow a melody: run `troupe models pull {MELODY_MODEL}`")
    if duration_s > MAX_DURATION_S:
        raise BadInput(
            f"duration {duration_s:g} s is longer than MusicGen makes in one call ({MAX_DURATION_S:g} s); "
            "ask for less and join parts with audio_mix, or use backend='compose'"
        )
    ctx.report(0.02, f"loading {model.entry.name}")

    def run(dev: str) -> tuple[np.ndarray, int]:
        return _generate_on(dev, model, description, duration_s, seed, ctx, melody)

    (y, sr), dev, note = on_device(ctx.device, run)
    return y, sr, dev, note


def _generate_on(
    dev: str,
    model: Installed,
    description: str,
    duration_s: float,
    seed: int,
    ctx: ToolContext,
    melody: np.ndarray | None,
) -> tuple[np.ndarray, int]:
    net, tokenizer = _load(model, dev)
    torch = sys.modules["torch"]
    audio_cfg = net.config.audio_encoder
    sr = int(audio_cfg.sampling_rate)
    frame_rate = float(audio_cfg.frame_rate)
    # The codebooks are delayed one frame each, so the last frames arrive num_codebooks later.
    n_tokens = math.ceil(duration_s * frame_rate) + int(net.decoder.config.num_codebooks)
    limit = int(net.decoder.config.max_position_embeddings) - 1
    if n_tokens > limit:
        raise BadInput(
            f"duration {duration_s:g} s needs {n_tokens} MusicGen steps; this model makes at most {limit}"
        )
    inputs = tokenizer([description], return_tensors="pt", padding=True).to(dev)
    if melody is not None:  # (1, frames, chroma): projected, then put before the text's encoding
        inputs["input_features"] = torch.from_numpy(melody[None]).to(dev, net.dtype)
    progress = _Progress(ctx, n_tokens)
    with _LOCK, torch.inference_mode():
        torch.manual_seed(seed)
        ctx.report(0.05, f"generating {duration_s:g} s with {model.entry.name} on {dev}")
        out = net.generate(**inputs, max_new_tokens=n_tokens, do_sample=True, logits_processor=[progress])
    y = out[0].float().mean(dim=0).cpu().numpy()  # (channels, samples) -> mono
    n = round(duration_s * sr)
    return np.pad(y, (0, max(0, n - len(y))))[:n].astype(np.float32), sr


class _Progress:
    """A logits processor that only reports progress (and lets a cancelled step stop)."""

    def __init__(self, ctx: ToolContext, total: int) -> None:
        self.ctx, self.total, self.done = ctx, total, 0

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        self.done += 1
        if self.done % 10 == 0:
            self.ctx.check_cancelled()
            self.ctx.report(0.05 + 0.8 * min(1.0, self.done / self.total))
        return scores


def _load(model: Installed, dev: str) -> tuple[Any, Any]:
    """The model and tokenizer of ``model`` on ``dev``, from the shared cache; the revision is
    part of the key, so a new install loads afresh."""
    key = (BACKEND, str(model.path), model.revision, dev)
    return MODELS.get(
        key, lambda: _read(str(model.path), dev, follows_melody(model)), lambda loaded: torch_size(loaded[0])
    )


def _read(folder: str, dev: str, melody: bool) -> tuple[Any, Any]:
    with without_broken_torchaudio():
        import torch
        from transformers import (
            AutoTokenizer,
            MusicgenForConditionalGeneration,
            MusicgenMelodyForConditionalGeneration,
        )

        dtype = torch.float16 if half_precision(dev) else torch.float32
        kind = MusicgenMelodyForConditionalGeneration if melody else MusicgenForConditionalGeneration
        net = kind.from_pretrained(folder, local_files_only=True, dtype=dtype)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    net.to(dev).eval()
    return net, tokenizer
