"""The run store: one directory per run with a ``run.json`` manifest.

Layout of a run directory::

    run.json            request, plan, per-step status, timings and artifacts
    <step_id>/          the finished outputs of that step
    .partial/           outputs being written; never mistaken for finished ones

The manifest is rewritten atomically (temp file + rename), so a reader always sees a
whole, consistent file; a step is recorded as "finished" only once its files are in place.
While a run is busy the manifest is saved at most every ``SAVE_INTERVAL_S`` (a rewrite
costs milliseconds on a slow disk, and a plan may have hundreds of steps), and always when
the run closes.

A run is never left looking alive: the manifest names the process writing it (pid, host,
start time), and :func:`read_run` reports a "running" run whose process is gone as
"interrupted". A manifest that cannot be written stops the run with a
:class:`RunStoreError`; a run directory is never left without its manifest.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from tools import TroupeError, atomic_write_text, clean_text

from ._process import this_process, writer_gone
from .events import FINAL_STATUSES

__all__ = ["RunRecord", "RunStore", "RunStoreError", "read_run", "troupe_home"]

SAVE_INTERVAL_S = 0.25

# Runs this process has open: for its own runs a reader need not guess from the process id.
_OPEN_RUNS: set[Path] = set()
_OPEN_LOCK = threading.Lock()


def troupe_home() -> Path:
    """Troupe's data directory: ``$TROUPE_HOME`` or ``~/.troupe``."""
    return Path(os.environ.get("TROUPE_HOME") or Path.home() / ".troupe").expanduser()


class RunStoreError(TroupeError):
    """A run directory or its manifest cannot be written; the run cannot start, or stopped."""


class RunStore:
    """Creates and lists run directories under ``root`` (default ``~/.troupe/runs``)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root).expanduser() if root else troupe_home() / "runs"

    def new_run(
        self, request: str | None, run_dir: str | Path | None = None, plan: dict[str, Any] | None = None
    ) -> RunRecord:
        """Create a fresh run directory (or use ``run_dir``, which must be empty or absent).

        Raises:
            RunStoreError: the directory cannot be made or written, or is not empty.
        """
        if run_dir is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            slug = re.sub(r"[^a-z0-9]+", "-", (request or "plan").lower()).strip("-")[:32] or "run"
            run_dir = self.root / f"{stamp}-{slug}-{uuid.uuid4().hex[:6]}"
        run_dir = Path(run_dir).expanduser()
        if clean_text(str(run_dir)) != str(run_dir):
            raise RunStoreError(
                f"the run folder name {str(run_dir)!r} is not valid UTF-8 — choose another folder"
            )
        try:
            run_dir = run_dir.resolve()
            if run_dir.exists() and not run_dir.is_dir():
                raise RunStoreError(f"{run_dir} is a file, not a folder — choose a folder for the run")
            if run_dir.exists() and any(run_dir.iterdir()):
                raise RunStoreError(f"output directory {run_dir} is not empty — choose a new one")
            made = not run_dir.exists()
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RunStoreError(
                f"cannot create the run folder {run_dir}: {e.strerror or e} — choose a writable folder"
                " (--out DIR, or set TROUPE_HOME)"
            ) from None
        try:
            return RunRecord(run_dir, request, plan)
        except RunStoreError:
            if made:  # no run directory is left without its manifest
                shutil.rmtree(run_dir, ignore_errors=True)
            raise

    def list_runs(self) -> list[dict[str, Any]]:
        """Past runs as :func:`read_run` sees them, newest first (unreadable ones are skipped)."""
        runs = []
        for manifest in sorted(self.root.glob("*/run.json"), reverse=True):
            try:
                runs.append(read_run(manifest.parent))
            except (OSError, ValueError):
                continue
        return runs


def read_run(run_dir: str | Path) -> dict[str, Any]:
    """A run's manifest as it stands, with ``run_dir`` added.

    A run marked "running" whose process is gone (or whose process id now belongs to
    another program), or one of this process's own runs that is no longer open (its
    manifest could not be written to the end), reads "interrupted", and so do its
    unfinished steps.

    Raises:
        OSError: there is no readable ``run.json``.
        ValueError: the manifest is not a JSON object.
    """
    run_dir = Path(run_dir)
    manifest = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError(f"{run_dir / 'run.json'} is not a run manifest")
    manifest["run_dir"] = str(run_dir)
    if manifest.get("status") == "running" and _writer_stopped(run_dir, manifest.get("process")):
        manifest["status"] = "interrupted"
        for step in (manifest.get("steps") or {}).values():
            if isinstance(step, dict) and step.get("status") not in FINAL_STATUSES:
                step["status"] = "interrupted"
    return manifest


def _writer_stopped(run_dir: Path, process: Any) -> bool:
    if process == this_process():  # this process wrote it: it knows which runs it has open
        with _OPEN_LOCK:
            return run_dir.resolve() not in _OPEN_RUNS
    return writer_gone(process)


class RunRecord:
    """One run's directory and its manifest, safe to update from several threads.

    Raises:
        RunStoreError: the first manifest cannot be written.
    """

    def __init__(self, run_dir: Path, request: str | None, plan: dict[str, Any] | None = None):
        self.dir = run_dir
        self._lock = threading.Lock()
        self._saved_at = 0.0
        self._dirty = False
        self.error: RunStoreError | None = None  # set once a save failed; later saves are skipped
        self.manifest: dict[str, Any] = {
            "request": request,
            "status": "running",
            "created_at": time.time(),
            "process": this_process(),
            "plan": plan,
            "steps": {},
        }
        with _OPEN_LOCK:
            _OPEN_RUNS.add(run_dir.resolve())
        try:
            self.save()
        except RunStoreError:
            self._forget()
            raise

    def _forget(self) -> None:
        with _OPEN_LOCK:
            _OPEN_RUNS.discard(self.dir.resolve())

    @property
    def partial_root(self) -> Path:
        return self.dir / ".partial"

    def partial_dir(self, step_id: str, attempt: int) -> Path:
        """The directory for one attempt's outputs; created by the tool's first output."""
        return self.partial_root / f"{step_id}.{attempt}"

    def final_dir(self, step_id: str) -> Path:
        """Where a step's finished outputs live."""
        return self.dir / step_id

    def update(self, *, save: bool = False, **fields: Any) -> None:
        """Set top-level manifest fields; saved now with ``save``, else soon.

        Raises:
            RunStoreError: the manifest cannot be written (raised once; later saves are skipped).
        """
        with self._lock:
            self.manifest.update(fields)
            self._save_locked(force=save)

    def update_step(self, step_id: str, **fields: Any) -> None:
        """Merge ``fields`` into a step's manifest entry; saved within ``SAVE_INTERVAL_S``."""
        with self._lock:
            self.manifest["steps"].setdefault(step_id, {}).update(fields)
            self._save_locked(force=False)

    def save(self) -> None:
        """Write the manifest now."""
        with self._lock:
            self._save_locked(force=True)

    def _save_locked(self, force: bool) -> None:
        now = time.monotonic()
        if self.error is not None:
            return  # the run is being stopped; only close() tries again
        if not force and now - self._saved_at < SAVE_INTERVAL_S:
            self._dirty = True
            return
        self._saved_at, self._dirty = now, False
        self._write_locked()

    def _write_locked(self) -> None:
        # Text that entered without passing a boundary (a tool's output) must not stop the run.
        text = clean_text(json.dumps(self.manifest, indent=2, ensure_ascii=False, default=str))
        path = self.dir / "run.json"
        try:
            # No fsync: the rename keeps readers safe, and a manifest is rewritten many times a run.
            atomic_write_text(path, text, durable=False)
        except OSError as e:
            self.error = RunStoreError(
                f"cannot write the run manifest {path}: {e.strerror or e}"
                " — make the folder writable (or choose another) and run again"
            )
            raise self.error from None

    def close(self, status: str, error: str | None = None) -> None:
        """Record the final status (and why the run ended, when not by itself) and tidy up.

        Raises:
            RunStoreError: the final manifest cannot be written either.
        """
        shutil.rmtree(self.partial_root, ignore_errors=True)
        with self._lock:
            self.manifest.update(status=status, finished_at=time.time())
            if error:
                self.manifest["error"] = error
            earlier, self.error = self.error, None
            try:
                self._write_locked()
            except RunStoreError:
                if earlier is not None:
                    raise earlier from None
                raise
            finally:
                self._forget()

    def flush(self) -> None:
        """Save the manifest if changes wait and the save interval has passed."""
        with self._lock:
            if self._dirty:
                self._save_locked(force=False)
