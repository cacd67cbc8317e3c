"""Run a validated plan as a DAG: concurrently, with timeouts, retries, caching and events.

One coordinator (this module, in the caller's thread) follows
:class:`graphlib.TopologicalSorter`: it takes the steps that are ready, hands them to a
:class:`~agent._runner.StepRunner`, and reacts to the messages the attempts send back
through a queue. All bookkeeping happens in this one thread, so it needs no locks; the
tools run elsewhere and only ever talk to it through the queue.
"""

from __future__ import annotations

import graphlib
import heapq
import os
import queue
import shutil
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools import Artifact, Cancelled, ToolRetry, TroupeError, file_sha256, map_artifacts, to_plain
from tools._text import one_line

from ._binding import ValidatedPlan, resolve_args
from ._cache import Cache
from ._result import RunResult, StepOutcome
from ._runner import Done, Failed, Job, Progress, StepRunner, ThreadRunner
from ._store import RunRecord
from .events import Event

__all__ = ["Executor"]

_POLL_S = 0.05  # how often a blocked coordinator looks at the cancel flag
_MISS = object()  # no usable cache entry


class Executor:
    """Runs validated plans.

    Args:
        runner: where attempts run; a :class:`ThreadRunner` with ``max_workers`` by default.
        max_workers: how many steps may run at once (for the default runner), >= 1.
        cache: a :class:`Cache`, or None to always run the tools.
        device: passed to tools through their context (``"auto"``, ``"cpu"``, ``"cuda"``…).
        retry_backoff_s: wait before the first retry; doubles with each further one.
    """

    def __init__(
        self,
        runner: StepRunner | None = None,
        *,
        max_workers: int = 4,
        cache: Cache | None = None,
        device: str = "auto",
        retry_backoff_s: float = 0.1,
    ):
        self.runner = runner or ThreadRunner(max_workers)
        self.cache = cache
        self.device = device
        self.retry_backoff_s = retry_backoff_s

    def stream(
        self, plan: ValidatedPlan, run: RunRecord, cancel: threading.Event | None = None
    ) -> Iterator[Event]:
        """Run ``plan``, yielding events as they happen; the last is ``run_finished``.

        Closing the generator early cancels the run.

        Raises:
            RunStoreError: the run's manifest cannot be written; the run stopped and is
                recorded as failed where that can still be written.
        """
        yield from _Coordinator(self, plan, run, cancel or threading.Event()).events()

    def close(self) -> None:
        """Release the runner (a Ray runner's actors, say); the executor is done after this."""
        self.runner.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, plan: ValidatedPlan, run: RunRecord, cancel: threading.Event | None = None) -> RunResult:
        """Run ``plan`` to the end and return its result."""
        result = None
        for event in self.stream(plan, run, cancel):
            if event.kind == "run_finished":
                result = event.result
        return result


class _Coordinator:
    """The state of one run; lives in the thread that iterates :meth:`events`."""

    def __init__(self, executor: Executor, plan: ValidatedPlan, run: RunRecord, cancel: threading.Event):
        self.ex, self.plan, self.run, self.cancel = executor, plan, run, cancel
        self.sorter = graphlib.TopologicalSorter(plan.graph())
        self.sorter.prepare()
        self.outcomes = {sid: StepOutcome(sid, step.spec.name) for sid, step in plan.steps.items()}
        self.outputs: dict[str, Any] = {}
        self.args: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str | None] = {}  # cache keys, once computed
        self.inbox: queue.Queue[Progress | Done | Failed] = queue.Queue()
        self.waiting: deque[str] = deque()
        self.running: dict[str, Job] = {}
        self.deadlines: dict[str, float] = {}
        self.limits: dict[str, float] = {}  # each running step's time limit, in seconds
        self.retries: list[tuple[float, str]] = []  # heap of (not before, step id)
        self.out: list[Event] = []

    # -- the loop --------------------------------------------------------------------
    def events(self) -> Iterator[Event]:
        try:
            self.run.update(plan=self.plan.plan.to_dict(), save=True)
            yield Event("run_started", message=str(self.run.dir))
            for sid, outcome in self.outcomes.items():
                self.run.update_step(sid, tool=outcome.tool, status="queued")
                yield Event("queued", sid, outcome.tool)
            while True:
                self.schedule()
                yield from self.flush()
                if self.cancel.is_set():
                    self.cancel_all("the run was cancelled")
                    yield from self.flush()
                    break
                if not (self.running or self.retries or self.waiting or self.sorter.is_active()):
                    break
                self.wait()
                yield from self.flush()
        except BaseException as e:  # stop what still runs, and say so in the manifest
            if isinstance(e, (GeneratorExit, KeyboardInterrupt)):  # the stream was closed, or Ctrl-C
                self.cancel_all("the run was cancelled")
                self.close()
            else:  # the manifest cannot be written (RunStoreError), or a bug
                self.cancel_all(f"the run stopped: {describe(e)}")
                self.close(error=describe(e))
            raise
        yield Event("run_finished", result=self.close())

    def flush(self) -> Iterator[Event]:
        self.run.flush()
        events, self.out = self.out, []
        yield from events

    def emit(self, kind: str, sid: str, **fields: Any) -> None:
        self.out.append(Event(kind, sid, self.outcomes[sid].tool, **fields))

    def wait(self) -> None:
        """Block for the next message, a deadline, a due retry or a look at the cancel flag."""
        now = time.monotonic()
        due = [*self.deadlines.values(), *(t for t, _ in self.retries[:1])]
        timeout = max(0.0, min([*due, now + _POLL_S]) - now)
        try:
            message = self.inbox.get(timeout=timeout)
        except queue.Empty:
            pass
        else:
            self.handle(message)
            while not self.inbox.empty():
                self.handle(self.inbox.get_nowait())
        self.expire(time.monotonic())

    # -- scheduling --------------------------------------------------------------------
    def schedule(self) -> None:
        """Start what can start; repeat while settling steps frees more."""
        progressed = True
        while progressed and not self.cancel.is_set():
            progressed = False
            for sid in self.sorter.get_ready():
                failed = [d for d in sorted(self.plan.steps[sid].deps) if not self.outcomes[d].ok]
                if failed:
                    self.settle(sid, "skipped", error=f"skipped because step {failed[0]!r} did not finish")
                    progressed = True
                else:
                    self.waiting.append(sid)
            now = time.monotonic()
            while self.retries and self.retries[0][0] <= now:
                self.waiting.appendleft(heapq.heappop(self.retries)[1])
            while self.waiting and len(self.running) < self.ex.runner.capacity:
                progressed |= self.start(self.waiting.popleft())

    def start(self, sid: str) -> bool:
        """Start an attempt of ``sid``; True when the step settled at once (cache, bad args)."""
        step, outcome = self.plan.steps[sid], self.outcomes[sid]
        if sid not in self.args:
            try:
                self.args[sid] = resolve_args(step, self.outputs)
            except TroupeError as e:
                self.settle(sid, "failed", error=str(e))
                return True
            output = self.from_cache(sid)
            if output is not _MISS:
                outcome.started_at = time.time()
                self.settle(sid, "cached", output=output)
                return True
        outcome.attempts += 1
        outcome.started_at = outcome.started_at or time.time()
        job = Job(
            step_id=sid,
            attempt=outcome.attempts,
            spec=step.spec,
            args=self.args[sid],
            output_dir=self.run.partial_dir(sid, outcome.attempts),
            device=self.ex.device,
            cancel_event=threading.Event(),
            report=self.inbox.put,
        )
        self.running[sid] = job
        # The plan's limit wins; else the tool's own, which grows with the size of its input.
        limit = step.timeout_s if step.timeout_s is not None else step.spec.time_limit(self.args[sid])
        if limit is not None:
            self.limits[sid] = limit
            self.deadlines[sid] = time.monotonic() + limit
        outcome.status = "running"
        self.run.update_step(sid, status="running", attempts=outcome.attempts, started_at=outcome.started_at)
        self.emit("started", sid, attempt=job.attempt)
        self.ex.runner.submit(job)
        return False

    def cache_key(self, sid: str) -> str | None:
        """The step's cache key; None when it has none (no cache, or unreadable inputs)."""
        spec = self.plan.steps[sid].spec
        if self.ex.cache is None or not spec.cache:
            return None
        if sid not in self.keys:
            try:
                self.keys[sid] = self.ex.cache.key(spec, self.args[sid])
            except OSError:  # an input went missing: the tool will say so when it runs
                self.keys[sid] = None
        return self.keys[sid]

    def from_cache(self, sid: str) -> Any:
        """The step's verified cached output, moved into place; ``_MISS`` when there is none."""
        key = self.cache_key(sid)
        if key is None:
            return _MISS
        staged = self.run.partial_dir(sid, 0)  # attempt 0: the cache
        hit, output = self.ex.cache.get(key, self.plan.steps[sid].spec, staged)
        if not hit:
            return _MISS
        try:
            return self.place(sid, staged, output, hashed=True)
        except OSError:
            shutil.rmtree(staged, ignore_errors=True)
            return _MISS

    # -- messages from attempts ------------------------------------------------------
    def handle(self, message: Progress | Done | Failed) -> None:
        job = message.job
        if self.running.get(job.step_id) is not job:
            return  # an attempt that timed out or was cancelled: its news no longer counts
        if isinstance(message, Progress):
            self.emit(
                "progress",
                job.step_id,
                attempt=job.attempt,
                progress=message.fraction,
                message=message.message,
            )
        elif isinstance(message, Done):
            self.stop_tracking(job.step_id)
            try:
                output = self.commit(job, message.output)
            except OSError as e:
                self.fail(job, TroupeError(f"{job.spec.name} returned files that cannot be kept: {e}"))
            else:
                self.settle(job.step_id, "finished", output=output)
        else:
            self.stop_tracking(job.step_id)
            self.fail(job, message.error)

    def expire(self, now: float) -> None:
        for sid, deadline in list(self.deadlines.items()):
            if deadline <= now:
                job = self.running[sid]
                job.cancel_event.set()  # a cooperative tool stops at its next report()
                self.stop_tracking(sid)
                limit = self.limits[sid]
                self.fail(
                    job, TimeoutError(f"{job.spec.name} took longer than its {round(limit, 1):g} s limit")
                )

    def stop_tracking(self, sid: str) -> None:
        self.running.pop(sid, None)
        self.deadlines.pop(sid, None)

    def fail(self, job: Job, error: BaseException) -> None:
        sid = job.step_id
        retryable = isinstance(error, (ToolRetry, TimeoutError))
        if retryable and job.attempt <= self.plan.steps[sid].retries and not self.cancel.is_set():
            delay = self.ex.retry_backoff_s * 2 ** (job.attempt - 1)
            heapq.heappush(self.retries, (time.monotonic() + delay, sid))
            self.emit("retrying", sid, attempt=job.attempt, message=describe(error))
            return
        detail = None if isinstance(error, (TroupeError, TimeoutError)) else traceback.format_exception(error)
        self.outcomes[sid].error_type = type(error).__name__
        self.settle(sid, "failed", error=describe(error), traceback=detail)

    def commit(self, job: Job, output: Any) -> Any:
        """Move the attempt's files to the step's final directory, hash them, cache them."""
        output = self.place(job.step_id, job.output_dir, output)
        key = self.cache_key(job.step_id)
        if key is not None:
            self.ex.cache.put(key, job.spec, output, self.run.dir)  # never raises: a miss next time
        return output

    def place(self, sid: str, staged: Path, output: Any, hashed: bool = False) -> Any:
        """Move ``staged`` to the step's final directory; artifacts follow (and are hashed)."""
        final = self.run.final_dir(sid)
        if staged.exists():
            os.replace(staged, final)  # one rename: all the files appear at once

        def move(artifact: Artifact) -> Artifact:
            path = artifact.path
            if path.is_relative_to(staged):
                path = final / path.relative_to(staged)
            sha256 = artifact.sha256 if hashed and artifact.sha256 else file_sha256(path)
            return artifact.model_copy(update={"path": path, "sha256": sha256})

        return map_artifacts(output, move)

    # -- settling ----------------------------------------------------------------------
    def settle(
        self, sid: str, status: str, output: Any = None, error: str | None = None, traceback=None
    ) -> None:
        """Give ``sid`` its final status, record it and tell the sorter."""
        outcome = self.outcomes[sid]
        outcome.status, outcome.output, outcome.error = status, output, error
        outcome.finished_at = time.time()
        if status in ("finished", "cached"):
            self.outputs[sid] = output
        self.run.update_step(
            sid,
            status=status,
            finished_at=outcome.finished_at,
            output=to_plain(output),
            error=error,
            **({"traceback": "".join(traceback)} if traceback else {}),
        )
        duration = outcome.duration_s
        self.emit(status, sid, attempt=outcome.attempts, output=output, message=error, duration_s=duration)
        if status != "cancelled":
            self.sorter.done(sid)

    def cancel_all(self, reason: str) -> None:
        for job in self.running.values():
            job.cancel_event.set()
        for sid, outcome in self.outcomes.items():
            if outcome.status in ("queued", "running"):
                self.settle(sid, "cancelled", error=reason)
        self.running.clear()
        self.deadlines.clear()
        self.retries.clear()
        self.waiting.clear()

    def close(self, error: str | None = None) -> RunResult:
        """Record how the run ended; ``error`` says why a run that broke down stopped."""
        cancelled = self.cancel.is_set() or any(o.status == "cancelled" for o in self.outcomes.values())
        ok = all(o.ok for o in self.outcomes.values())
        status = "failed" if error else "cancelled" if cancelled else "finished" if ok else "failed"
        self.run.close(status, error)
        return RunResult(
            run_dir=self.run.dir,
            plan=self.plan.plan,
            steps=list(self.outcomes.values()),
            request=self.run.manifest.get("request"),
            cancelled=cancelled,
        )


def describe(error: BaseException) -> str:
    """One line for a person: our own errors as they are, others with their type."""
    if isinstance(error, (TroupeError, TimeoutError)) and not isinstance(error, Cancelled):
        return one_line(str(error))
    return one_line(f"{type(error).__name__}: {error}")
