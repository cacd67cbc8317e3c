"""What runs on a Ray worker: one attempt of one step, streamed back as messages.

An attempt is a generator of plain tuples, which Ray streams to the driver as they are
yielded: ``("progress", fraction, message)`` any number of times, then exactly one of
``("done", output, files)`` or ``("failed", error)``. The tool runs on a thread of its own
so that its progress reports can be yielded while it works.
"""

from __future__ import annotations

import queue
import tempfile
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
import ray.cloudpickle

from tools import Cancelled, ToolContext, ToolError, ToolSpec

from ._files import download_inputs, pack_outputs

__all__ = ["Attempt", "ToolHost", "run_attempt", "run_attempt_whole"]

POLL_S = 0.05  # how often a waiting loop looks at a cancel flag


@dataclass(frozen=True)
class Attempt:
    """Everything a worker needs for one attempt.

    Attributes:
        args: resolved arguments; artifacts carry the driver's paths.
        output_dir: the driver's attempt directory when files are shared, or None to write
            into a scratch directory and send the files back.
        inputs: driver path → object-store reference of that file's bytes, when files are
            copied.
    """

    spec: ToolSpec
    args: dict[str, Any]
    step_id: str
    device: str
    output_dir: str | None = None
    inputs: dict[str, ray.ObjectRef] | None = None


def run_attempt(attempt: Attempt, cancel: threading.Event | None = None) -> Iterator[tuple]:
    """Run ``attempt`` here and yield its messages.

    Args:
        attempt: what to run.
        cancel: set by whoever stops the attempt; as a Ray task it is set for us when
            ``ray.cancel`` interrupts this generator.
    """
    cancel = cancel or threading.Event()
    with tempfile.TemporaryDirectory(prefix="troupe-ray-") as scratch:
        args, originals = attempt.args, {}
        if attempt.inputs is not None:
            args, originals = download_inputs(attempt.args, attempt.inputs, Path(scratch) / "in")
        output_dir = Path(attempt.output_dir) if attempt.output_dir else Path(scratch) / "out"
        messages: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        ctx = ToolContext(
            output_dir=output_dir,
            device=worker_device(attempt.device),
            step_id=attempt.step_id,
            on_progress=lambda fraction, message=None: messages.put(("progress", fraction, message)),
            cancel_event=cancel,
        )

        def work() -> None:
            try:
                messages.put(("done", attempt.spec.invoke(args, ctx)))
            except BaseException as e:  # everything goes back; the executor decides what it means
                messages.put(("failed", e))

        threading.Thread(target=work, name=f"troupe-{attempt.step_id}", daemon=True).start()
        try:
            while not cancel.is_set():
                try:
                    kind, *payload = messages.get(timeout=POLL_S)  # a timeout lets ray.cancel in
                except queue.Empty:
                    continue
                if kind == "progress":
                    yield (kind, *payload)
                elif kind == "done":
                    yield _done(payload[0], attempt, output_dir, originals)
                    return
                else:
                    yield ("failed", portable(payload[0]))
                    return
            # Cancelled: like the local runner, leave a tool that ignores its flag to finish alone.
            yield ("failed", Cancelled(f"step {attempt.step_id!r} was cancelled"))
        except KeyboardInterrupt:  # ray.cancel on a task
            cancel.set()
            raise


def run_attempt_whole(attempt: Attempt) -> list[tuple]:
    """Every message of ``attempt`` at once, for Ray Client, which cannot stream them."""
    return list(run_attempt(attempt))


def _done(output: Any, attempt: Attempt, output_dir: Path, originals: dict[Path, Path]) -> tuple:
    if attempt.output_dir:
        return ("done", output, None)  # written in place
    try:
        return ("done", *pack_outputs(output, output_dir, originals))
    except (ToolError, OSError) as e:
        return ("failed", portable(e))


def worker_device(requested: str) -> str:
    """The device a tool gets: a GPU only where Ray gave this step one (Ray leaves every GPU
    visible to a step that reserved none, which must not take one from the steps that did)."""
    if ray.get_gpu_ids() and requested.strip().lower() != "cpu":
        return "cuda"  # Ray made the step's GPU the only visible one
    return "cpu"


def portable(error: BaseException) -> BaseException:
    """``error`` with the worker's traceback as a note, or a stand-in if it cannot be pickled."""
    note = "raised on a Ray worker:\n" + "".join(traceback.format_exception(error))
    try:
        error.add_note(note)
        ray.cloudpickle.dumps(error)
        return error
    except Exception:
        stand_in = ToolError(f"{type(error).__name__}: {error}")
        stand_in.add_note(note)
        return stand_in


class ToolHost:
    """A long-lived worker process for one tool, so its model loads once and stays loaded.

    Attempts run on the actor's threads (as many at once as the runner allows); a separate
    concurrency group keeps :meth:`cancel` answerable while they all run.
    """

    def __init__(self) -> None:
        self._cancels: dict[str, threading.Event] = {}

    def run(self, key: str, attempt: Attempt) -> Iterator[tuple]:
        """Run ``attempt``; ``key`` names it for :meth:`cancel`."""
        cancel = self._cancels.setdefault(key, threading.Event())
        try:
            yield from run_attempt(attempt, cancel)
        finally:
            self._cancels.pop(key, None)

    def run_whole(self, key: str, attempt: Attempt) -> list[tuple]:
        """:meth:`run`, returning every message at the end (for Ray Client)."""
        return list(self.run(key, attempt))

    @ray.method(concurrency_group="control")
    def cancel(self, key: str) -> None:
        """Stop the attempt ``key`` (also before it started)."""
        self._cancels.setdefault(key, threading.Event()).set()
