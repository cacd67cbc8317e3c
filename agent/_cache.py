"""A content-addressed cache of step results.

The key is a hash of the tool's name and version, of the environment variables it
declares (``@tool(env=...)``) and of its arguments, where every artifact counts by the
SHA-256 of its content, not its path: the same audio under another name is the same
input. An entry is a directory holding ``output.json`` and the output files; it is built
under a temporary name and renamed into place, so a reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from tools import Artifact, ToolSpec, file_sha256, map_artifacts

from ._store import troupe_home

__all__ = ["Cache", "fingerprint"]


def fingerprint(value: Any) -> Any:
    """JSON-ready form of an argument value in which artifacts count by content."""
    if isinstance(value, Artifact):
        return {"kind": value.kind, "sha256": value.sha256 or file_sha256(value.path)}
    if isinstance(value, BaseModel):
        return {k: fingerprint(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {str(k): fingerprint(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class Cache:
    """Step results by key, under ``root`` (default ``~/.troupe/cache``)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).expanduser() if root else troupe_home() / "cache"

    def key(self, spec: ToolSpec, args: dict[str, Any]) -> str:
        """The cache key of calling ``spec`` with ``args``."""
        payload: dict[str, Any] = {"tool": spec.name, "version": spec.version, "args": fingerprint(args)}
        if spec.env:  # the backend a variable selects changes the result
            payload["env"] = {name: os.environ.get(name) for name in spec.env}
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str, spec: ToolSpec, dest: Path) -> tuple[bool, Any]:
        """Copy a cached result's files into ``dest``; returns ``(hit, output)``."""
        entry = self._entry(key)
        try:
            data = json.loads((entry / "output.json").read_text(encoding="utf-8"))
            output = TypeAdapter(spec.returns).validate_python(data)
        except (OSError, ValueError):
            return False, None  # absent, or written by an incompatible version
        dest.mkdir(parents=True, exist_ok=True)

        def restore(artifact: Artifact) -> Artifact:
            if artifact.path.is_absolute():
                return artifact  # a file outside the run (a user input), kept by reference
            target = dest / artifact.path.name
            shutil.copy2(entry / artifact.path, target)
            return artifact.model_copy(update={"path": target})

        return True, map_artifacts(output, restore)

    def put(self, key: str, spec: ToolSpec, output: Any, run_dir: Path) -> None:
        """Store ``output``; files inside ``run_dir`` are copied, others kept by reference."""
        entry = self._entry(key)
        if entry.exists():
            return
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:8]}.", dir=entry.parent))
        try:
            names: set[str] = set()

            def store(artifact: Artifact) -> Artifact:
                if not artifact.path.is_relative_to(run_dir):
                    return artifact
                name = artifact.path.name
                while name in names:
                    name = "_" + name
                names.add(name)
                shutil.copy2(artifact.path, tmp / name)
                return artifact.model_copy(update={"path": Path(name)})

            stored = map_artifacts(output, store)
            data = TypeAdapter(spec.returns).dump_python(stored, mode="json")
            (tmp / "output.json").write_text(json.dumps(data), encoding="utf-8")
            tmp.rename(entry)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # a concurrent put won, or the disk is full
