"""pyfluidsynth announces on stdout where it found libfluidsynth whenever ``CI`` is set; its
import (by pretty_midi, by the renderer) is made silent here, wherever it first happens.

A message printed by a library is not Troupe's to show: on stdout it corrupts ``--json``
output and the MCP stdio stream, on stderr it breaks the one-line error a refused command
prints. The finder below wraps only that module's loader and imports nothing itself.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import io
import sys
from types import ModuleType
from typing import Any

__all__ = ["silence_fluidsynth_import"]

_NAME = "fluidsynth"


class _Silenced(importlib.abc.Loader):
    def __init__(self, loader: Any):
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            self.loader.exec_module(module)


class _QuietFluidsynth(importlib.abc.MetaPathFinder):
    def find_spec(
        self, name: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name != _NAME:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _Silenced(spec.loader)
        return spec


def silence_fluidsynth_import() -> None:
    """Make the first import of pyfluidsynth print nothing (idempotent; imports nothing)."""
    if _NAME not in sys.modules and not any(isinstance(f, _QuietFluidsynth) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietFluidsynth())
