"""A content-addressed cache of step results, verified on every hit.

The key is a hash of the tool's name and version, of the environment variables it
declares (``@tool(env=...)``), of what its ``cache_extra`` hook reports (the model a backend
would load) and of its arguments, where every artifact counts by the
SHA-256 of its content, not its path: the same audio under another name is the same
input. An entry is a directory holding ``entry.json`` (the output and, for each file, its
SHA-256 and size) and the output files; it is built under a temporary name and renamed
into place, so a reader never sees half an entry.

The cache is never trusted: a hit is copied out and every file checked against what was
recorded; an entry that does not match (a file truncated, changed or deleted on disk, an
entry written by another version) is dropped and the step runs again. Storing is best
effort: whatever goes wrong while writing an entry is logged and the step's result stands.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from tools import Artifact, ToolSpec, file_sha256, map_artifacts

from ._store import troupe_home

__all__ = ["Cache", "fingerprint"]

log = logging.getLogger(__name__)

_ENTRY = "entry.json"
_CHUNK = 1 << 20


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
        """The cache key of calling ``spec`` with ``args``.

        Raises:
            OSError: an artifact among the arguments cannot be read (nothing can be cached).
        """
        payload: dict[str, Any] = {"tool": spec.name, "version": spec.version, "args": fingerprint(args)}
        if spec.env:  # the backend a variable selects changes the result
            payload["env"] = {name: os.environ.get(name) for name in spec.env}
        if spec.cache_extra is not None:  # e.g. which model a backend would load, and its revision
            payload["extra"] = spec.cache_extra(args)
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str, spec: ToolSpec, dest: Path) -> tuple[bool, Any]:
        """Copy a cached result's files into ``dest`` (made here) and verify them.

        Returns:
            ``(True, output)`` with artifacts in ``dest`` carrying their SHA-256, or
            ``(False, None)`` when there is no usable entry (``dest`` is then left absent).
        """
        entry = self._entry(key)
        if not entry.is_dir():
            return False, None
        try:
            return True, self._restore(entry, spec, dest)
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("cache entry %s is unusable (%s); dropped, the step runs again", entry, e)
            shutil.rmtree(dest, ignore_errors=True)
            self._drop(entry)
            return False, None

    def _restore(self, entry: Path, spec: ToolSpec, dest: Path) -> Any:
        data = json.loads((entry / _ENTRY).read_text(encoding="utf-8"))
        output = TypeAdapter(spec.returns).validate_python(data["output"])
        recorded: dict[str, dict[str, Any]] = data["files"]
        dest.mkdir(parents=True)

        def restore(artifact: Artifact) -> Artifact:
            want = recorded[str(artifact.path)]
            if artifact.path.is_absolute():  # a file outside the run (a user input), kept by reference
                path = artifact.path
                found = _hash_copy(path, None)
            else:
                path = dest / artifact.path.name
                found = _hash_copy(entry / artifact.path, path)
            if found != (want["sha256"], want["size"]):
                raise ValueError(f"{artifact.path} no longer matches what was stored")
            return artifact.model_copy(update={"path": path, "sha256": want["sha256"]})

        return map_artifacts(output, restore)

    def put(self, key: str, spec: ToolSpec, output: Any, run_dir: Path) -> bool:
        """Store ``output``; files inside ``run_dir`` are copied, others kept by reference.

        Returns:
            Whether the result is in the cache now. A failure to store is logged, never raised:
            the step's result stands and the next identical call runs again.
        """
        entry = self._entry(key)
        if entry.is_dir():
            return True
        try:
            self._store(entry, spec, output, run_dir)
        except Exception as e:  # a full disk, a read-only folder, an odd output: the result stands
            if entry.is_dir():
                return True  # a concurrent put of the same result won the rename
            log.warning("could not store a %s result in the cache %s (%s); it runs again next time",
                        spec.name, self.root, e)  # fmt: skip
            return False
        return True

    def _store(self, entry: Path, spec: ToolSpec, output: Any, run_dir: Path) -> None:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name[:8]}.", dir=entry.parent))
        try:
            files: dict[str, dict[str, Any]] = {}

            def store(artifact: Artifact) -> Artifact:
                if artifact.path.is_relative_to(run_dir):
                    name = artifact.path.name
                    while name in files:
                        name = "_" + name
                    sha256, size = _hash_copy(artifact.path, tmp / name)
                    stored = artifact.model_copy(update={"path": Path(name)})
                else:
                    sha256, size = _hash_copy(artifact.path, None)
                    stored = artifact
                if artifact.sha256 and artifact.sha256 != sha256:
                    raise ValueError(f"{artifact.path} changed after the step finished")
                files[str(stored.path)] = {"sha256": sha256, "size": size}
                return stored

            stored = map_artifacts(output, store)
            data = {"output": TypeAdapter(spec.returns).dump_python(stored, mode="json"), "files": files}
            (tmp / _ENTRY).write_text(json.dumps(data), encoding="utf-8")
            tmp.rename(entry)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _drop(self, entry: Path) -> None:
        """Remove a bad entry: renamed away first, so no reader finds it half deleted."""
        try:
            doomed = Path(tempfile.mkdtemp(prefix=".drop.", dir=entry.parent))
            entry.rename(doomed / entry.name)
        except OSError:
            doomed = entry  # a read-only cache: the entry stays, and is refused on every hit
        shutil.rmtree(doomed, ignore_errors=True)


def _hash_copy(src: Path, dst: Path | None) -> tuple[str, int]:
    """SHA-256 and size of ``src``, read once; with ``dst`` the bytes are also copied there."""
    digest, size = hashlib.sha256(), 0
    with open(src, "rb") as f, open(dst, "xb") if dst else contextlib.nullcontext() as out:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out:
                out.write(chunk)
    return digest.hexdigest(), size
