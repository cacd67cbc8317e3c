"""Run steps on a Ray cluster: a :class:`~agent._runner.StepRunner` for ``make_executor("ray")``.

The executor keeps every decision (order, timeouts, retries, cache, failure isolation); this
runner only carries one attempt to a Ray worker and its news back, so a plan behaves the
same on Ray as on local threads.

Where an attempt runs (``placement=``)
    ``"tasks"`` (default): each attempt is a Ray task with the step's resources (the tool's
    hints, plus a GPU when the call runs a model that uses one: :mod:`._resources`), so steps
    spread over the cluster as resources allow. Ray reuses worker processes between tasks,
    so a model a tool caches per process usually stays loaded, but nothing pins it.
    ``"actors"``: each tool gets one long-lived actor holding the tool's resources (its GPU,
    say); every step of that tool runs on it, on threads, so the model loads exactly once.
    Steps of one tool then share that actor's node and process. A tool whose steps differ
    (MusicGen on a GPU for some, composing on the CPU for others) gets one actor for each.

Either way an attempt is a *streaming generator* (:mod:`._worker`): progress reports flow
back as they are yielded, then one final outcome. A driver thread per attempt relays them to
``job.report``; when ``job.cancel_event`` is set (a timeout, a cancelled run) it stops the
attempt (``ray.cancel`` for a task, the actor's ``cancel`` for an actor), which sets the
tool's own cancel flag, so ``ctx.report`` raises :class:`~tools.Cancelled` as it does
locally. Ray's own task retries are off: retrying is the executor's call. Ray Client
(``ray://``) cannot stream, so there an attempt returns all its messages when it ends.

Where files go (``files=``)
    ``"auto"`` (default): ``"shared"`` while the cluster is this machine alone, else ``"copy"``
    (and always ``"copy"`` through Ray Client).
    ``"copy"``: inputs travel through Ray's object store, outputs come back as bytes with the
    result and are written into the attempt's directory before Done (:mod:`._files`).
    ``"shared"``: every node sees the driver's paths (NFS mounted at the same place), so
    nothing is copied.
"""

from __future__ import annotations

import functools
import importlib.metadata
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Literal

import ray
import ray.cloudpickle
import ray.exceptions

from tools import Cancelled, ToolError, ToolRetry, ToolSpec, TroupeError

from .._runner import Done, Failed, Job, Progress
from ._files import place_outputs, upload_inputs
from ._resources import step_resources
from ._worker import POLL_S, Attempt, ToolHost, run_attempt, run_attempt_whole

__all__ = ["RayRunner"]

FileMode = Literal["auto", "copy", "shared"]
Placement = Literal["tasks", "actors"]
_CONNECT_TIMEOUT_S = 5.0
_NODES_TTL_S = 10.0  # how long "is the cluster only this machine?" stays answered

_run_task = ray.remote(num_returns="streaming", max_retries=0)(run_attempt)
_run_task_whole = ray.remote(max_retries=0)(run_attempt_whole)  # Ray Client cannot stream
_ToolHostActor = ray.remote(max_restarts=0, concurrency_groups={"control": 1})(ToolHost)


class RayRunner:
    """Runs attempts on a Ray cluster.

    Args:
        address: the cluster: ``None`` joins ``$RAY_ADDRESS`` or the one ``ray start`` runs
            on this machine, else starts a private local one; ``"auto"`` insists on joining;
            ``"local"`` always starts a private one; ``"ray://HOST:10001"`` joins a remote
            head through Ray Client. Ignored when Ray is already initialised in this process
            (call ``ray.init`` yourself for any other option).
        max_workers: how many attempts may be in flight at once, >= 1; Ray may queue some
            of them further until the cluster has the resources they ask for.
        placement: ``"tasks"`` or ``"actors"`` (see the module docs).
        files: how artifacts reach workers and come back: ``"auto"``, ``"copy"`` or
            ``"shared"`` (see the module docs).

    Raises:
        ValueError: ``max_workers`` < 1, or an unknown ``placement`` or ``files``.
        TroupeError: the cluster cannot be reached.
    """

    def __init__(
        self,
        address: str | None = None,
        max_workers: int = 4,
        *,
        placement: Placement = "tasks",
        files: FileMode = "auto",
    ):
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers}")
        if placement not in ("tasks", "actors"):
            raise ValueError(f"placement must be 'tasks' or 'actors', got {placement!r}")
        if files not in ("auto", "copy", "shared"):
            raise ValueError(f"files must be 'auto', 'copy' or 'shared', got {files!r}")
        self.capacity = max_workers
        self.placement = placement
        self.files = files
        _connect(address)
        self._hosts: dict[tuple, Any] = {}  # (tool, version, GPUs) → ToolHost actor
        self._lock = threading.Lock()

    # -- StepRunner ------------------------------------------------------------------
    def submit(self, job: Job) -> None:
        name = f"troupe-ray-{job.step_id}-{job.attempt}"
        threading.Thread(target=self._follow, args=(job,), name=name, daemon=True).start()

    def close(self) -> None:
        """Stop the tools' actors; Ray itself stays connected (``ray.shutdown()`` ends it)."""
        with self._lock:
            hosts, self._hosts = list(self._hosts.values()), {}
        for host in hosts:
            ray.kill(host)

    # -- one attempt, seen from the driver -------------------------------------------
    def _follow(self, job: Job) -> None:
        """Start ``job`` on the cluster and relay what it sends until it ends or is stopped."""
        try:
            stream, stop, host_key = self._start(job)
        except Exception as e:  # an unpicklable argument, a resource Ray cannot parse…
            job.report(Failed(job, ToolError(f"{job.spec.name} could not be sent to Ray: {e}")))
            return
        try:
            for kind, *payload in _messages(stream, job.cancel_event, stop):
                if kind == "progress":
                    job.report(Progress(job, *payload))
                    continue
                if kind == "done":
                    output, files = payload
                    if files is not None and not job.cancel_event.is_set():  # else nobody wants them
                        output = place_outputs(output, files, job.output_dir)
                    job.report(Done(job, output))
                else:
                    job.report(Failed(job, payload[0]))
                return
            if not job.cancel_event.is_set():
                raise ToolError(f"the Ray worker running {job.spec.name} ended without a result")
            job.report(Failed(job, Cancelled(f"step {job.step_id!r} was cancelled")))
        except ray.exceptions.TaskCancelledError:
            job.report(Failed(job, Cancelled(f"step {job.step_id!r} was cancelled")))
        except ray.exceptions.RayError as e:
            if isinstance(e, ray.exceptions.RayActorError):
                self._forget_host(host_key)
            job.report(Failed(job, _explain(job.spec, e)))
        except Exception as e:  # writing the returned files failed, for one
            job.report(Failed(job, e))

    def _start(self, job: Job) -> tuple[Any, Callable[[], None], tuple | None]:
        """Launch the attempt; returns its message stream, how to stop it and which actor runs it."""
        copy = self._copies_files()
        attempt = Attempt(
            spec=_shippable(job.spec),
            args=job.args,
            step_id=job.step_id,
            device=job.device,
            output_dir=None if copy else str(job.output_dir),
            inputs=upload_inputs(job.args) if copy else None,
        )
        resources = step_resources(job.spec, job.args, job.device, _cluster_gpus(_period()))
        if resources and (shortfall := _shortfall(ray_options(resources))):
            job.report(Progress(job, 0.0, shortfall))  # it waits; a timeout or an autoscaler ends that
        streaming = not ray.util.client.ray.is_connected()
        if self.placement == "tasks":
            task = _run_task if streaming else _run_task_whole
            stream = task.options(**ray_options(resources)).remote(attempt)
            return stream, lambda: ray.cancel(stream), None
        host_key = (job.spec.name, job.spec.version, resources.get("gpu", 0))
        host, key = self._host(host_key, resources), uuid.uuid4().hex
        if streaming:
            stream = host.run.options(num_returns="streaming").remote(key, attempt)
        else:
            stream = host.run_whole.remote(key, attempt)
        return stream, lambda: host.cancel.remote(key), host_key

    def _host(self, key: tuple, resources: dict[str, float]) -> Any:
        """The actor under ``key`` (tool, version, GPUs) for steps that need ``resources``,
        started on first use."""
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                # An actor holds its resources for life, so it holds only what its steps ask for:
                # one CPU held per idle tool would soon leave none for the others.
                options = ray_options({"cpu": 0, **resources})
                host = _ToolHostActor.options(
                    **options,
                    max_concurrency=self.capacity,
                ).remote()
                self._hosts[key] = host
            return host

    def _forget_host(self, key: tuple | None) -> None:
        with self._lock:
            self._hosts.pop(key, None)  # a new one starts on next use

    def _copies_files(self) -> bool:
        if self.files != "auto":
            return self.files == "copy"
        if ray.util.client.ray.is_connected():  # Ray Client: the cluster is another machine
            return True
        return _has_other_nodes(_period())


def _period() -> int:
    """The current stretch of ``_NODES_TTL_S`` seconds, for answers about the cluster that may age."""
    return int(time.monotonic() // _NODES_TTL_S)


@functools.lru_cache(maxsize=1)
def _has_other_nodes(period: int) -> bool:
    """Whether the cluster has a machine besides this one (asked once per ``period``)."""
    here = ray.get_runtime_context().get_node_id()
    return any(node["Alive"] and node["NodeID"] != here for node in ray.nodes())


@functools.lru_cache(maxsize=1)
def _cluster_gpus(period: int) -> float:
    """How many GPUs the cluster has in all (asked once per ``period``)."""
    return float(ray.cluster_resources().get("GPU", 0))


def ray_options(hints: dict[str, float]) -> dict[str, Any]:
    """Ray scheduling options from a tool's resource hints.

    ``cpu`` → ``num_cpus`` (1 by default), ``gpu`` → ``num_gpus``, ``memory_mb`` →
    ``memory`` in bytes; any other key is a Ray custom resource.
    """
    hints = dict(hints)
    options: dict[str, Any] = {"num_cpus": hints.pop("cpu", 1), "num_gpus": hints.pop("gpu", 0)}
    if "memory_mb" in hints:
        options["memory"] = int(hints.pop("memory_mb") * 2**20)
    if hints:
        options["resources"] = hints
    return options


def _shortfall(options: dict[str, Any]) -> str | None:
    """What the whole cluster lacks to ever run a step with ``options``, in words, or None."""
    total = ray.cluster_resources()
    need = {"CPU": options["num_cpus"], "GPU": options["num_gpus"], **options.get("resources", {})}
    if "memory" in options:
        need["memory"] = options["memory"]
    missing = []
    for name, amount in need.items():
        have = total.get(name, 0)
        if amount and have < amount:
            unit, scale = (" MB", 2**20) if name == "memory" else ("", 1)
            what = f"{amount / scale:g}{unit} {name}"
            missing.append(f"{what} (the cluster has {f'{have / scale:g}{unit}' if have else 'none'})")
    return f"waiting for Ray resources: {', '.join(missing)}" if missing else None


def _connect(address: str | None) -> None:
    if ray.is_initialized():
        return
    where = f"at {address!r}" if address else "on this machine"
    advice = "start one with `ray start --head` and pass --address auto, or give the head as ray://HOST:10001"
    host, _, port = (address or "").removeprefix("ray://").rpartition(":")
    if host and port.isdigit():  # fail in seconds, where Ray would keep retrying for a minute
        try:
            socket.create_connection((host, int(port)), timeout=_CONNECT_TIMEOUT_S).close()
        except OSError as e:
            raise TroupeError(f"cannot reach a Ray cluster {where}: {e} — {advice}") from None
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=True)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise TroupeError(f"cannot reach a Ray cluster {where}: {e} — {advice}") from e


def _messages(stream: Any, cancel_event: threading.Event, stop: Callable[[], None]) -> Iterator[tuple]:
    """The messages an attempt yields, until it ends or ``cancel_event`` is set."""
    while not cancel_event.is_set():
        ready, _ = ray.wait([stream], timeout=POLL_S)
        if not ready:
            continue
        if isinstance(stream, ray.ObjectRef):  # through Ray Client: every message at the end
            yield from ray.get(stream)
            return
        try:
            ref = next(stream)
        except StopIteration:
            return
        yield ray.get(ref)
    stop()


def _explain(spec: ToolSpec, error: ray.exceptions.RayError) -> TroupeError:
    """A person's message for Ray's own failures; a lost worker or node is worth a retry."""
    lines = str(error).strip().splitlines()
    detail = f"{type(error).__name__}: {lines[-1] if lines else ''}"
    if isinstance(error, ray.exceptions.OutOfMemoryError):
        return ToolError(
            f"{spec.name} ran out of memory on its Ray node — give the tool a larger 'memory_mb' "
            f"resource hint or add memory to the cluster ({detail})"
        )
    lost = (
        ray.exceptions.WorkerCrashedError,
        ray.exceptions.RayActorError,
        ray.exceptions.NodeDiedError,
        ray.exceptions.ObjectLostError,
        ray.exceptions.OwnerDiedError,
        ray.exceptions.LocalRayletDiedError,
    )
    if isinstance(error, lost):
        return ToolRetry(f"the Ray worker running {spec.name} was lost ({detail})")
    return ToolError(f"Ray could not run {spec.name} ({detail})")


_by_value: set[str] = set()
_by_value_lock = threading.Lock()


def _shippable(spec: ToolSpec) -> ToolSpec:
    """``spec``, once a worker can unpickle its function.

    Code of installed distributions (Troupe itself, tool plugins) travels by reference, so
    a worker imports it (it must be installed there, as for any Ray job) and its per-process
    model caches are shared by every step; any other module (a script, a test file, a tool
    file loaded by path) cannot be imported by a worker, so its code travels by value.
    """
    module = sys.modules.get(getattr(spec.fn, "__module__", None) or "")
    if module is None or module.__name__ == "__main__":
        return spec  # Ray already pickles __main__ by value
    with _by_value_lock:
        if module.__name__ not in _by_value and module.__name__.partition(".")[0] not in _installed():
            ray.cloudpickle.register_pickle_by_value(module)
            _by_value.add(module.__name__)
    return spec


@functools.cache
def _installed() -> frozenset[str]:
    """Top-level module names that installed distributions provide."""
    return frozenset(importlib.metadata.packages_distributions())
