"""music_generate's ``musicgen`` backend: transformers' MusicGen from an installed model folder.

The folder comes from :mod:`tools._models` (``troupe models pull musicgen-small`` or
``troupe models import``); it is loaded with ``local_files_only=True`` — nothing is
downloaded here — once per process and shared by every call (a lock serialises generation,
which also keeps the seed meaningful). MusicGen writes mono audio at its codec's rate
(32 kHz for the published models), 50 codec frames a second; it was trained on 30-second
clips, so a call asks for at most :data:`MAX_DURATION_S`.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import sys
import threading
from typing import Any

import numpy as np

from tools import BadInput, ToolContext
from tools._models import CATALOG, Installed, installed

__all__ = ["MAX_DURATION_S", "BACKEND", "available", "best_model", "generate"]

BACKEND = "musicgen"
#: Longest piece MusicGen makes in one call (its training clips are 30 s long).
MAX_DURATION_S = 30.0
_LOCK = threading.Lock()


def available() -> bool:
    """Whether the libraries the backend needs are installed (nothing is imported)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers"))


def best_model() -> Installed | None:
    """The highest-ranked installed MusicGen model, or None."""
    found = [installed(e.name) for e in CATALOG.values() if e.backend == BACKEND]
    ranked = sorted((m for m in found if m is not None), key=lambda m: -m.entry.rank)
    return ranked[0] if ranked else None


def generate(
    model: Installed, description: str, duration_s: float, seed: int, ctx: ToolContext
) -> tuple[np.ndarray, int]:
    """Mono float32 samples of exactly ``duration_s`` seconds and their sample rate.

    Raises:
        BadInput: ``duration_s`` is longer than the model makes in one call.
    """
    if duration_s > MAX_DURATION_S:
        raise BadInput(
            f"duration {duration_s:g} s is longer than MusicGen makes in one call ({MAX_DURATION_S:g} s); "
            "ask for less and join parts with audio_mix, or use backend='compose'"
        )
    ctx.report(0.02, f"loading {model.entry.name}")
    net, tokenizer = _load(str(model.path), model.revision)
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
    inputs = tokenizer([description], return_tensors="pt", padding=True)
    progress = _Progress(ctx, n_tokens)
    with _LOCK, torch.inference_mode():
        torch.manual_seed(seed)
        ctx.report(0.05, f"generating {duration_s:g} s with {model.entry.name}")
        out = net.generate(**inputs, max_new_tokens=n_tokens, do_sample=True, logits_processor=[progress])
    y = out[0].float().mean(dim=0).cpu().numpy()  # (channels, samples) -> mono
    n = round(duration_s * sr)
    y = np.pad(y, (0, max(0, n - len(y))))[:n].astype(np.float32)
    return y, sr


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


@functools.lru_cache(maxsize=2)
def _load(folder: str, revision: str) -> tuple[Any, Any]:
    """The model and tokenizer in ``folder``; ``revision`` keys the cache so a new install reloads."""
    with _without_broken_torchaudio():
        from transformers import AutoTokenizer, MusicgenForConditionalGeneration

        net = MusicgenForConditionalGeneration.from_pretrained(folder, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    net.eval()
    return net, tokenizer


class _without_broken_torchaudio:
    """Hide a torchaudio that cannot load while transformers is imported.

    transformers imports torchaudio whenever it is installed; the registry's torchaudio is
    a CUDA build that fails to load on a CPU-only machine (and tools/music/_crepe.py may have
    put a stand-in module in its place). MusicGen never needs it, so transformers is told it
    is absent and whatever was there before is put back.
    """

    _MISSING = object()

    def __enter__(self) -> None:
        self.saved = sys.modules.get("torchaudio", self._MISSING)
        if not self._loads():
            sys.modules["torchaudio"] = None  # type: ignore[assignment]  # find_spec → None

    def __exit__(self, *exc: object) -> None:
        if self.saved is self._MISSING:
            sys.modules.pop("torchaudio", None)
        else:
            sys.modules["torchaudio"] = self.saved  # type: ignore[assignment]

    def _loads(self) -> bool:
        if self.saved is not self._MISSING:
            return getattr(self.saved, "__file__", None) is not None
        try:
            importlib.import_module("torchaudio")
        except Exception:
            return False
        self.saved = sys.modules["torchaudio"]
        return True
