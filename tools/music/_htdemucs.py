"""music_separate's ``htdemucs`` backend: Hybrid Transformer Demucs from an installed checkpoint.

The architecture comes from ``demucs-infer`` (MIT), a maintained inference-only copy of Meta's
``demucs`` 4 that needs neither torchaudio (the registry's build is CUDA-only) nor demucs'
training stack (dora, hydra, omegaconf); ``demucs`` itself imports both. The checkpoint is the
published ``.th`` file (``955717e8-8726e21a.th`` for ``htdemucs``): a pickled dict of the model
class, its arguments and its weights. It is read with ``torch.load(weights_only=True)`` and only
the HTDemucs class and ``Fraction`` allowed as globals, so a file that pickles anything else is
refused instead of run.

The mix is cut into segments of the model's own length (7.8 s for the published models) that
overlap by a quarter and are blended with triangular weights (``demucs_infer.apply``), so the
model's memory does not grow with the recording. Input is normalised as demucs' own CLI does.
HTDemucs does not promise that its stems add up to the mix; what they miss (the residual, whose
level is reported as ``residual_db``) is added to ``other``, so the stems sum back exactly.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import re
import sys
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from tools import ToolContext
from tools._devices import MODELS, on_device, torch_size
from tools._models import Installed, best_installed, weights_file
from tools._torch_env import without_broken_torchaudio
from tools.errors import BadInput

__all__ = ["BACKEND", "OVERLAP", "Separation", "available", "best_model", "separate"]

BACKEND = "htdemucs"
#: Fraction of a segment shared with the next one (demucs' default).
OVERLAP = 0.25
# The name the published checkpoints pickle the class under.
_UPSTREAM_CLASS = "demucs.htdemucs.HTDemucs"
_SOURCES = ("drums", "bass", "other", "vocals", "guitar", "piano")
_LOCK = threading.Lock()


@dataclass
class Separation:
    """The stems by source name, each shaped like the input, and how they were made."""

    stems: dict[str, np.ndarray]
    sources: list[str]
    samplerate: int
    segment_s: float
    residual_db: float
    device: str
    device_note: str | None


def available() -> bool:
    """Whether the libraries the backend needs are installed (nothing is imported)."""
    return all(importlib.util.find_spec(m) is not None for m in ("torch", "demucs_infer"))


def best_model() -> Installed | None:
    """The highest-ranked installed HTDemucs model (the 6-stem one when present), or None."""
    return best_installed(BACKEND)


def separate(model: Installed, channels: np.ndarray, sr: int, ctx: ToolContext) -> Separation:
    """Split ``channels`` (shape ``(c, n)``, c = 1 or 2, at ``sr`` Hz) into the model's sources.

    Raises:
        BadInput: the checkpoint is not an HTDemucs one, or runs at another rate than ``sr``.
    """
    ctx.report(0.05, f"loading {model.entry.name}")

    def run(dev: str) -> tuple[dict[str, np.ndarray], Any]:
        return _separate_on(dev, model, channels, sr, ctx)

    (stems, net), dev, note = on_device(ctx.device, run)
    # In place, in float32: a long recording's stems are the largest arrays here.
    residual = np.array(channels, dtype=np.float32)
    for stem in stems.values():
        residual -= stem
    residual_db = 10 * math.log10(max(_energy(residual), 1e-20) / max(_energy(channels), 1e-20))
    stems["other"] += residual
    return Separation(
        stems, list(net.sources), int(net.samplerate), float(net.segment), round(residual_db, 1), dev, note
    )


def _separate_on(
    dev: str, model: Installed, channels: np.ndarray, sr: int, ctx: ToolContext
) -> tuple[dict[str, np.ndarray], Any]:
    net = _load(model, dev)
    if int(net.samplerate) != sr:
        raise BadInput(f"{model.entry.name} runs at {net.samplerate} Hz; Troupe separates at {sr} Hz")
    if not {"vocals", "drums", "other"} <= set(net.sources) <= set(_SOURCES):
        raise BadInput(
            f"{model.entry.name} separates {', '.join(net.sources)}; Troupe reads HTDemucs models "
            f"whose sources are among {', '.join(_SOURCES)} and include vocals, drums and other"
        )
    torch = sys.modules["torch"]
    from demucs_infer.apply import apply_model

    n = channels.shape[1]
    # The published models are stereo; a mono mix goes in as two equal channels.
    wav = torch.from_numpy(np.ascontiguousarray(channels, dtype=np.float32))
    if wav.shape[0] != net.audio_channels:
        wav = wav.mean(dim=0, keepdim=True).expand(net.audio_channels, n)
    ref = wav.mean(dim=0)
    mean, std = float(ref.mean()), float(ref.std()) or 1.0
    segment_n = int(net.samplerate * net.segment)
    total = len(range(0, n, int((1 - OVERLAP) * segment_n)))
    done = [0]

    def on_segment(info: dict) -> None:  # runs between segments: report, and stop if cancelled
        if info.get("state") == "end":
            done[0] += 1
            ctx.report(0.1 + 0.8 * done[0] / total, f"separating on {dev}: segment {done[0]}/{total}")
        else:
            ctx.check_cancelled()

    ctx.report(0.1, f"separating {n / sr:.1f} s with {model.entry.name} on {dev}")
    with _LOCK, torch.inference_mode():
        out = apply_model(
            net, ((wav - mean) / std)[None], shifts=0, split=True, overlap=OVERLAP, device=dev,
            callback=on_segment,
        )[0]  # fmt: skip
        out = out.mul_(std).add_(mean).cpu().numpy()  # (sources, model channels, n), float32
    if channels.shape[0] != out.shape[1]:
        out = out.mean(axis=1, keepdims=True)
    return {name: out[i] for i, name in enumerate(net.sources)}, net


def _energy(y: np.ndarray) -> float:
    flat = y.reshape(-1)
    return float(np.einsum("i,i->", flat, flat, dtype=np.float64))


def _load(model: Installed, dev: str) -> Any:
    """The network of ``model`` on ``dev``, from the shared cache (the revision is in the key)."""
    key = (BACKEND, str(model.path), model.revision, dev)
    return MODELS.get(key, lambda: _read(model, dev), torch_size)


def _read(model: Installed, dev: str) -> Any:
    with without_broken_torchaudio():
        import torch
        from demucs_infer.htdemucs import HTDemucs

    path = model.path / (weights_file(model.entry, model.path) or model.entry.weights[0])
    allowed = [(HTDemucs, _UPSTREAM_CLASS), HTDemucs, Fraction]
    try:
        with torch.serialization.safe_globals(allowed):
            package = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(package, dict) or package.get("klass") is not HTDemucs:
            raise ValueError(f"it holds {type(package.get('klass', package)).__name__}, not an HTDemucs")
        if package["state"].get("__quantized"):
            raise ValueError("its weights are diffq-quantized, which Troupe does not read")
        known = inspect.signature(HTDemucs).parameters
        kwargs = {k: v for k, v in package["kwargs"].items() if k in known}
        net = HTDemucs(*package["args"], **kwargs)
        net.load_state_dict(package["state"])
    except Exception as e:  # unpickling, shapes, keys: all say the file is not this model
        reason = _reason(e)
        raise BadInput(
            f"{path} is not an HTDemucs checkpoint Troupe can load ({reason}); "
            f"import the published file again with `troupe models import {model.entry.name} FOLDER`"
        ) from None
    return net.to(dev).eval()


def _reason(e: Exception) -> str:
    """One short line for why a checkpoint did not load (torch's unpickling errors run to pages)."""
    text = str(e).strip()
    if forbidden := re.search(r"Unsupported global: GLOBAL (\S+)", text):
        return f"it pickles {forbidden.group(1)}, which is not allowed"
    return text.splitlines()[0][:200] if text else type(e).__name__
