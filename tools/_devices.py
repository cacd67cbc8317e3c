"""Which device a neural backend runs on, and the loaded models every backend shares.

``device(requested)`` turns a tool context's device (``"auto"``, ``"cpu"``, ``"cuda"``,
``"cuda:1"``) into a torch device: ``auto`` means ``$TROUPE_DEVICE`` when set, else ``cuda``
when torch sees a GPU, else ``cpu``. :data:`MODELS` holds the loaded models of the whole
process under one memory budget (``$TROUPE_MODEL_MEMORY_GB``, default 8): loading one more
releases the least recently used first. ``on_device`` runs a step and, when CUDA runs out
of memory, runs it again on the CPU and says so.

Nothing here imports torch until a backend asks for a device or a model.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import BadInput

__all__ = [
    "MODELS", "ModelCache", "device", "device_name", "half_precision", "memory_budget_bytes", "on_device",
    "torch_size",
]  # fmt: skip

T = TypeVar("T")
_CHOICES = ("auto", "cpu", "cuda")
_DEFAULT_BUDGET_GB = 8.0


def device(requested: str | None = "auto") -> str:
    """The torch device to run on.

    Args:
        requested: ``auto`` (or None), ``cpu``, ``cuda`` or ``cuda:N``.

    Raises:
        BadInput: an unknown device name, or CUDA asked for where torch sees no GPU.
    """
    choice = device_name(requested or "auto")
    if choice == "auto":
        variable = os.environ.get("TROUPE_DEVICE") or "auto"
        try:
            choice = device_name(variable)
        except BadInput:
            raise BadInput(
                f"TROUPE_DEVICE={variable!r} is not a device; set it to one of {', '.join(_CHOICES)}"
            ) from None
    if choice == "cpu":
        return "cpu"
    cuda = _cuda_available()
    if choice == "auto":
        return "cuda" if cuda else "cpu"
    if not cuda:
        raise BadInput(f"device {choice!r} was asked for but torch sees no CUDA GPU; use 'cpu' or 'auto'")
    return choice


def device_name(name: str) -> str:
    """``name`` checked and lower-cased, without looking for a GPU (no torch import).

    Raises:
        BadInput: not auto, cpu, cuda or cuda:N.
    """
    choice = name.strip().lower()
    if choice in _CHOICES or re.fullmatch(r"cuda:\d+", choice):
        return choice
    raise BadInput(f"unknown device {name!r}; choose one of {', '.join(_CHOICES)} (or cuda:N)")


def half_precision(dev: str) -> bool:
    """Whether models run in float16 on ``dev`` (CUDA only: the CPU has no fast fp16 kernels)."""
    return dev.startswith("cuda")


def _cuda_available() -> bool:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def memory_budget_bytes() -> int:
    """The loaded models' budget: ``$TROUPE_MODEL_MEMORY_GB`` gigabytes (default 8).

    Raises:
        BadInput: the variable is not a number above 0.
    """
    raw = os.environ.get("TROUPE_MODEL_MEMORY_GB")
    if raw is None or not raw.strip():
        return int(_DEFAULT_BUDGET_GB * 2**30)
    try:
        gb = float(raw)
    except ValueError:
        gb = -1.0
    if not gb > 0:
        raise BadInput(f"TROUPE_MODEL_MEMORY_GB={raw!r} is not a size; give gigabytes above 0, e.g. 8")
    return int(gb * 2**30)


def torch_size(*modules: Any) -> int:
    """Bytes held by the parameters and buffers of torch modules."""
    total = 0
    for module in modules:
        for t in (*module.parameters(), *module.buffers()):
            total += t.numel() * t.element_size()
    return total


@dataclass
class _Entry:
    value: Any
    size_bytes: int


class ModelCache:
    """Loaded models by key, least recently used released first when over the budget.

    One model larger than the whole budget is still kept (alone): a step that needs it must
    run. Loading happens under the cache's lock, so two threads never load the same model
    twice; loads are rare and slow, calls that find their model are not blocked for long.
    """

    def __init__(self, budget_bytes: Callable[[], int] = memory_budget_bytes) -> None:
        self._budget = budget_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, key: Hashable, load: Callable[[], T], size_of: Callable[[T], int]) -> T:
        """The model under ``key``, loaded with ``load()`` (and sized by ``size_of``) if absent."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key].value
            value = load()
            size = int(size_of(value))
            self._make_room(size)
            self._entries[key] = _Entry(value, size)
            return value

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._entries)

    def used_bytes(self) -> int:
        with self._lock:
            return sum(e.size_bytes for e in self._entries.values())

    def release(self, match: Callable[[Hashable], bool] = lambda key: True) -> None:
        """Drop the models whose key ``match``es (all by default) and free CUDA's cache."""
        with self._lock:
            for key in [k for k in self._entries if match(k)]:
                del self._entries[key]
        _empty_cuda_cache()

    def _make_room(self, size: int) -> None:
        budget = self._budget()
        dropped = False
        while self._entries and self.used_bytes() + size > budget:
            self._entries.popitem(last=False)
            dropped = True
        if dropped:
            _empty_cuda_cache()


def _empty_cuda_cache() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


#: The process-wide cache every neural backend loads through.
MODELS = ModelCache()


def on_device(requested: str, work: Callable[[str], T]) -> tuple[T, str, str | None]:
    """Run ``work(device)``; when CUDA runs out of memory, free the cache and run it on the CPU.

    Returns:
        what ``work`` returned, the device it ran on, and a note when it fell back (else None).
    """
    dev = device(requested)
    if not dev.startswith("cuda"):
        return work(dev), dev, None
    import torch

    try:
        return work(dev), dev, None
    except torch.cuda.OutOfMemoryError:
        MODELS.release(lambda key: dev in (key if isinstance(key, tuple) else (key,)))
        note = f"{dev} ran out of memory; this step ran on the CPU"
    return work("cpu"), "cpu", note
