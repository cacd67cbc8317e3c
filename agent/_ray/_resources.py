"""What a step asks Ray for: its tool's resource hints, plus one GPU when the call runs a model
that uses one.

A tool's ``resources`` are static (``@tool(resources={"cpu": 2})``); whether a call needs a GPU
depends on its arguments: ``music_generate`` runs MusicGen on the step's GPU only when its
backend (or ``auto``) picks an installed MusicGen model, and composes on the CPU otherwise. A
tool says which calls those are with ``@tool(gpu_when=...)``; here that answer meets the run's
device:

- ``cpu`` (also ``auto`` while ``$TROUPE_DEVICE`` is ``cpu``): never a GPU;
- ``cuda`` / ``cuda:N``: a GPU for every call that would use one; Ray queues the step until a
  GPU is free, and the runner says so when the cluster has none;
- ``auto``: a GPU for such a call when the cluster has any, else the CPU.

A ``gpu`` in the tool's own hints wins either way. The question is answered on the driver,
with the models installed there: the workers of a cluster are expected to hold the same
models, as they hold the same code. On the worker, a step runs on CUDA only when Ray gave it
a GPU (``_worker.worker_device``), so a step that did not reserve one never takes one.
"""

from __future__ import annotations

import os
from typing import Any

from tools import BadInput, ToolSpec
from tools._devices import device_name

__all__ = ["step_resources"]


def step_resources(
    spec: ToolSpec, args: dict[str, Any], device: str, cluster_gpus: float
) -> dict[str, float]:
    """The resource hints of one step of ``spec`` called with ``args``.

    Args:
        spec: the step's tool.
        args: the step's resolved arguments (defaults left out are the tool's defaults).
        device: the run's device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
        cluster_gpus: how many GPUs the cluster has in all.
    """
    hints = dict(spec.resources)
    if spec.gpu_when is None or "gpu" in hints or not _may_use_gpu(device, cluster_gpus):
        return hints
    try:
        wanted = bool(spec.gpu_when(args))
    except Exception:  # a bad argument fails the step itself, on the worker, in its own words
        wanted = False
    return {**hints, "gpu": 1} if wanted else hints


def _may_use_gpu(device: str, cluster_gpus: float) -> bool:
    try:
        choice = device_name(device or "auto")
        if choice == "auto":
            choice = device_name(os.environ.get("TROUPE_DEVICE") or "auto")
    except BadInput:  # the step reports a bad device itself
        return False
    if choice == "cpu":
        return False
    return choice.startswith("cuda") or cluster_gpus > 0
