"""Importing transformers safely on machines whose torchaudio cannot load.

transformers imports torchaudio whenever it is installed; the registry's torchaudio is a
CUDA build that fails to load on a CPU-only machine (and tools/music/_crepe.py may have put
a stand-in module in its place). No Troupe backend needs it (MusicGen, Whisper), so while
transformers is imported it is told torchaudio is absent, and whatever was there before is
put back afterwards.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["without_broken_torchaudio"]


class without_broken_torchaudio:  # a context manager, named like contextlib's
    """Hide a torchaudio that cannot load for the duration of a ``with`` block."""

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
