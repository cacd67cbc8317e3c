"""The run context a tool receives: where to write, which device, how to report progress.

A tool asks for it by annotating one parameter with :class:`ToolContext`; that parameter
never appears in the tool's schema and is filled by whoever runs the tool.

While a tool runs (inside :meth:`ToolSpec.invoke <tools.ToolSpec.invoke>`) its context is
also the *current* one, so helpers deep in a tool (decoding audio, encoding video) can check
for cancellation and hand the subprocesses they start to the step, without a parameter:
the context kills those processes as soon as the step is cancelled or times out, and when
the tool returns.
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Cancelled

__all__ = ["ProgressCallback", "ToolContext", "check_cancelled"]

#: Called with a fraction in [0, 1] and an optional short message.
ProgressCallback = Callable[[float, "str | None"], None]

#: How often a step's process watcher looks at the cancel flag, in seconds.
_WATCH_S = 0.05

_CURRENT: contextvars.ContextVar[ToolContext | None] = contextvars.ContextVar("troupe_tool_context")

#: Every process a tool started that may still run, whichever context owns it: the steps'
#: threads are daemons, so an interpreter that exits (after Ctrl-C, say) would leave them.
_ADOPTED: set[subprocess.Popen] = set()
_ADOPTED_LOCK = threading.Lock()
_EXITING = threading.Event()


def _ignore_progress(fraction: float, message: str | None = None) -> None:
    return None


@dataclass
class ToolContext:
    """What a running tool may use besides its arguments.

    Attributes:
        output_dir: directory for this call's output files; the executor moves them to
            their final place only after the tool returns, so a file here is never
            mistaken for a finished one.
        device: torch-style device string (``"cpu"``, ``"cuda"``, ``"cuda:1"``) or ``"auto"``:
            ``$TROUPE_DEVICE`` when set, else a GPU when torch sees one (see :mod:`tools._devices`).
        step_id: the plan step being run, for messages and logs.
        on_progress: receives progress reports; see :meth:`report`.
        cancel_event: set when the run is cancelled or the step timed out.
    """

    output_dir: Path
    device: str = "auto"
    step_id: str = "step"
    on_progress: ProgressCallback = _ignore_progress
    cancel_event: threading.Event = field(default_factory=threading.Event)
    _processes: set[subprocess.Popen] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _watcher: threading.Thread | None = field(default=None, init=False, repr=False)

    @classmethod
    def temporary(cls, **kwargs) -> ToolContext:
        """A context writing into a fresh temporary directory (for scripts and tests)."""
        return cls(output_dir=Path(tempfile.mkdtemp(prefix="troupe-")), **kwargs)

    @staticmethod
    def current() -> ToolContext | None:
        """The context of the tool running in this thread, or None outside a tool."""
        return _CURRENT.get(None)

    @contextlib.contextmanager
    def active(self) -> Iterator[ToolContext]:
        """Make this the current context for the duration; kill what it started on the way out."""
        token = _CURRENT.set(self)
        try:
            yield self
        finally:
            _CURRENT.reset(token)
            self.kill_processes()

    def output_path(self, name: str) -> Path:
        """Path for an output file called ``name`` (a plain file name, no directories)."""
        if not name or Path(name).name != name or name in (".", ".."):
            raise ValueError(f"output name must be a plain file name, got {name!r}")
        self.output_dir.mkdir(parents=True, exist_ok=True)
        return self.output_dir / name

    def report(self, fraction: float, message: str | None = None) -> None:
        """Report progress (``fraction`` clamped to [0, 1]) and stop if cancelled.

        Raises:
            Cancelled: the run was cancelled or the step's time is up.
        """
        self.check_cancelled()
        self.on_progress(min(1.0, max(0.0, float(fraction))), message)

    def check_cancelled(self) -> None:
        """Raise :class:`Cancelled` when the run was cancelled; long loops call this."""
        if self.cancel_event.is_set():
            raise Cancelled(f"step {self.step_id!r} was cancelled")

    @property
    def cancelled(self) -> bool:
        """Whether the run was cancelled or the step timed out."""
        return self.cancel_event.is_set()

    # -- subprocesses ------------------------------------------------------------------
    def adopt(self, process: subprocess.Popen) -> None:
        """Own ``process``: it is killed as soon as the step is cancelled or times out, and when
        the tool returns — with its children too when it was started in a session of its own
        (``start_new_session=True``)."""
        with _ADOPTED_LOCK:
            _ADOPTED.add(process)
        with self._lock:
            self._processes.add(process)
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._watch, name=f"troupe-{self.step_id}-processes", daemon=True
                )
                self._watcher.start()
        if self.cancel_event.is_set() or _EXITING.is_set():
            self.kill_processes()

    def kill_processes(self) -> None:
        """Kill every process this context owns that still runs, and reap them."""
        with self._lock:
            processes, self._processes = self._processes, set()
        _kill(processes)

    def _watch(self) -> None:
        """Wait for cancellation while owned processes run; then kill them at once."""
        while True:
            if self.cancel_event.wait(_WATCH_S):
                self.kill_processes()
            with self._lock:
                self._processes = {p for p in self._processes if p.poll() is None}
                if not self._processes:
                    self._watcher = None
                    return


def check_cancelled() -> None:
    """Raise :class:`Cancelled` when the tool running in this thread was cancelled (else nothing)."""
    ctx = _CURRENT.get(None)
    if ctx is not None:
        ctx.check_cancelled()


def _kill(processes: set[subprocess.Popen]) -> None:
    """Kill each process that still runs (its whole group when it leads one), and reap it."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if os.getpgid(process.pid) == process.pid:  # a group of its own: children too
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
    with _ADOPTED_LOCK:
        _ADOPTED.difference_update(processes)


@atexit.register
def _kill_all_at_exit() -> None:
    """Leaving the interpreter (after Ctrl-C, say) kills what tools started and still runs:
    their threads are daemons and die without cleaning up; a process started after this is
    killed as it is adopted."""
    _EXITING.set()
    with _ADOPTED_LOCK:
        left = set(_ADOPTED)
    _kill(left)
