"""The executor's contract: DAG order, concurrency, failure isolation, retry, timeout,
cache, cancellation and events. Backends rerun this module with another ``executor_kind``.

Timing assertions compare event timestamps with each other (did two steps overlap?),
never against wall-clock budgets, so a slow machine cannot make them fail.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from agent import Cache, Plan, RunStore, make_executor, validate_plan
from tools import Registry, Text, ToolContext, ToolError, ToolRetry, tool


@tool
def nap(seconds: float = 0.0, label: str = "", *, ctx: ToolContext) -> Text:
    """Sleep, reporting progress, then write the label to a file.

    Args:
        seconds: how long to sleep.
        label: text written to the output file.
    """
    steps = 4
    for i in range(steps):
        time.sleep(seconds / steps)
        ctx.report((i + 1) / steps, f"slept {i + 1}/{steps}")
    return Text.write(ctx, "label.txt", label)


@tool
def boom(message: str = "boom") -> Text:
    """Always fail with a ToolError.

    Args:
        message: the error message.
    """
    raise ToolError(message)


@tool(cache=False)
def flaky(counter: str, failures: int, *, ctx: ToolContext) -> Text:
    """Fail with ToolRetry until called ``failures`` times (the count lives in a file).

    Args:
        counter: path of the file that counts calls across processes.
        failures: how many calls fail before one succeeds.
    """
    path = Path(counter)
    calls = int(path.read_text()) if path.exists() else 0
    path.write_text(str(calls + 1))
    if calls < failures:
        raise ToolRetry(f"transient failure {calls + 1}")
    return Text.write(ctx, "ok.txt", f"succeeded after {calls} failures")


@tool(cache=False)
def stuck(seconds: float, *, ctx: ToolContext) -> Text:
    """Sleep in small slices, stopping when cancelled.

    Args:
        seconds: how long to sleep if nobody stops it.
    """
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.02)
        ctx.report(0.0)  # raises Cancelled once the step is cancelled or timed out
    return Text.write(ctx, "late.txt", "should not be kept")


@tool
def join(parts: list[str], sep: str = "+") -> str:
    """Join texts.

    Args:
        parts: the texts, in order.
        sep: what goes between them.
    """
    return sep.join(parts)


REGISTRY = Registry([nap, boom, flaky, stuck, join])


def execute(
    kind: str,
    tmp_path: Path,
    steps: list[dict[str, Any]],
    *,
    max_workers: int = 4,
    cache: Cache | None = None,
    cancel: threading.Event | None = None,
    on_event=None,
):
    """Run a literal plan; returns (result, events)."""
    plan = validate_plan(Plan.from_data({"steps": steps}), REGISTRY)
    executor = make_executor(kind, max_workers=max_workers, cache=cache, retry_backoff_s=0.01)
    run = RunStore(tmp_path / "runs").new_run("test")
    events = []
    for event in executor.stream(plan, run, cancel):
        events.append(event)
        if on_event:
            on_event(event)
    return events[-1].result, events


def times(events, kind: str) -> dict[str, float]:
    return {e.step_id: e.time for e in events if e.kind == kind}


def statuses(result) -> dict[str, str]:
    return {s.id: s.status for s in result.steps}


def test_diamond_runs_in_ready_groups(executor_kind, tmp_path):
    # a → (b, c) → d: the ready groups are {a}, {b, c}, {d}.
    steps = [
        {"id": "a", "tool": "nap", "args": {"seconds": 0.2, "label": "A"}},
        {"id": "b", "tool": "nap", "args": {"seconds": 0.4, "label": "$a"}},
        {"id": "c", "tool": "nap", "args": {"seconds": 0.4, "label": "$a"}},
        {"id": "d", "tool": "join", "args": {"parts": ["$b", "$c"]}},
    ]
    result, events = execute(executor_kind, tmp_path, steps)
    assert result.ok, statuses(result)
    started, finished = times(events, "started"), times(events, "finished")
    assert started["b"] >= finished["a"] and started["c"] >= finished["a"]
    assert started["d"] >= max(finished["b"], finished["c"])
    assert started["c"] < finished["b"] and started["b"] < finished["c"]  # b and c overlap
    assert result.step("d").output == "A+A"


def test_two_independent_steps_run_together(executor_kind, tmp_path):
    steps = [{"id": s, "tool": "nap", "args": {"seconds": 0.5, "label": s}} for s in ("a", "b")]
    result, events = execute(executor_kind, tmp_path, steps)
    assert result.ok
    started, finished = times(events, "started"), times(events, "finished")
    assert started["b"] < finished["a"] and started["a"] < finished["b"]


def test_a_step_placed_after_another_waits_for_it_and_is_skipped_if_it_fails(executor_kind, tmp_path):
    steps = [
        {"id": "a", "tool": "nap", "args": {"seconds": 0.3, "label": "A"}},
        {"id": "b", "tool": "nap", "args": {"label": "B"}, "after": ["a"]},
        {"id": "bad", "tool": "boom", "args": {"message": "no room free"}},
        {"id": "c", "tool": "nap", "args": {"label": "C"}, "after": ["bad"]},
    ]
    result, events = execute(executor_kind, tmp_path, steps)
    assert statuses(result) == {"a": "finished", "b": "finished", "bad": "failed", "c": "skipped"}
    assert times(events, "started")["b"] >= times(events, "finished")["a"]
    assert "'bad'" in result.step("c").error


def test_worker_bound_is_respected(executor_kind, tmp_path):
    steps = [{"id": f"s{i}", "tool": "nap", "args": {"seconds": 0.2, "label": str(i)}} for i in range(5)]
    result, events = execute(executor_kind, tmp_path, steps, max_workers=2)
    assert result.ok
    running, peak = 0, 0
    for e in events:
        running += {"started": 1, "finished": -1}.get(e.kind, 0)
        peak = max(peak, running)
    assert peak == 2


def test_failure_fails_only_its_dependents(executor_kind, tmp_path):
    steps = [
        {"id": "bad", "tool": "boom", "args": {"message": "the microphone caught fire"}},
        {"id": "after", "tool": "join", "args": {"parts": ["$bad"]}},
        {"id": "later", "tool": "join", "args": {"parts": ["$after"]}},
        {"id": "fine", "tool": "nap", "args": {"label": "ok"}},
    ]
    result, _ = execute(executor_kind, tmp_path, steps)
    assert statuses(result) == {"bad": "failed", "after": "skipped", "later": "skipped", "fine": "finished"}
    assert result.step("bad").error == "the microphone caught fire"
    assert "'bad'" in result.step("after").error
    manifest = json.loads((result.run_dir / "run.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["steps"]["bad"]["status"] == "failed"
    assert not (result.run_dir / "bad").exists()  # nothing of a failed step looks finished
    assert (result.run_dir / "fine" / "label.txt").read_text() == "ok"


def test_retryable_failure_is_retried(executor_kind, tmp_path):
    counter = tmp_path / "calls"
    steps = [{"id": "f", "tool": "flaky", "retries": 2, "args": {"counter": str(counter), "failures": 2}}]
    result, events = execute(executor_kind, tmp_path, steps)
    assert result.ok
    assert result.step("f").attempts == 3
    assert [e.attempt for e in events if e.kind == "retrying"] == [1, 2]


def test_retries_run_out(executor_kind, tmp_path):
    steps = [
        {"id": "f", "tool": "flaky", "retries": 1, "args": {"counter": str(tmp_path / "n"), "failures": 5}}
    ]
    result, _ = execute(executor_kind, tmp_path, steps)
    assert statuses(result) == {"f": "failed"}
    assert result.step("f").attempts == 2
    assert result.step("f").error == "transient failure 2"


def test_final_errors_are_not_retried(executor_kind, tmp_path):
    result, events = execute(executor_kind, tmp_path, [{"id": "b", "tool": "boom", "retries": 3}])
    assert result.step("b").attempts == 1
    assert not [e for e in events if e.kind == "retrying"]


def test_timeout_fails_the_step_and_others_finish(executor_kind, tmp_path):
    steps = [
        {"id": "slow", "tool": "stuck", "timeout_s": 0.3, "retries": 1, "args": {"seconds": 30}},
        {"id": "quick", "tool": "nap", "args": {"seconds": 0.1, "label": "q"}},
    ]
    result, _ = execute(executor_kind, tmp_path, steps)
    assert statuses(result) == {"slow": "failed", "quick": "finished"}
    assert "0.3 s limit" in result.step("slow").error
    assert result.step("slow").attempts == 2  # a timeout counts as retryable
    assert not (result.run_dir / "slow").exists()


def test_cache_hit_reuses_outputs(executor_kind, tmp_path):
    cache = Cache(tmp_path / "cache")
    steps = [
        {"id": "a", "tool": "nap", "args": {"seconds": 0.2, "label": "hello"}},
        {"id": "b", "tool": "join", "args": {"parts": ["$a", "world"], "sep": " "}},
    ]
    first, _ = execute(executor_kind, tmp_path, steps, cache=cache)
    second, events = execute(executor_kind, tmp_path, steps, cache=cache)
    assert statuses(first) == {"a": "finished", "b": "finished"}
    assert statuses(second) == {"a": "cached", "b": "cached"}
    assert not [e for e in events if e.kind == "started"]
    copy = second.step("a").output
    assert copy.path.is_relative_to(second.run_dir) and copy.path.read_text() == "hello"
    assert copy.sha256 == first.step("a").output.sha256
    assert second.step("b").output == "hello world"
    changed, _ = execute(executor_kind, tmp_path, [{**steps[0], "args": {"label": "other"}}], cache=cache)
    assert statuses(changed) == {"a": "finished"}


def test_cancel_stops_the_run(executor_kind, tmp_path):
    cancel = threading.Event()
    steps = [
        {"id": "long", "tool": "stuck", "args": {"seconds": 30}},
        {"id": "next", "tool": "join", "args": {"parts": ["$long"]}},
    ]

    def on_event(event):
        if event.kind == "started":
            cancel.set()

    result, _ = execute(executor_kind, tmp_path, steps, cancel=cancel, on_event=on_event)
    assert result.cancelled and not result.ok
    assert statuses(result) == {"long": "cancelled", "next": "cancelled"}
    assert json.loads((result.run_dir / "run.json").read_text())["status"] == "cancelled"
    assert not (result.run_dir / "long").exists() and not (result.run_dir / ".partial").exists()


def test_closing_the_stream_cancels(executor_kind, tmp_path):
    plan = validate_plan(
        Plan.from_data({"steps": [{"id": "s", "tool": "stuck", "args": {"seconds": 30}}]}), REGISTRY
    )
    run = RunStore(tmp_path / "runs").new_run("test")
    stream = make_executor(executor_kind).stream(plan, run)
    for event in stream:
        if event.kind == "started":
            break
    stream.close()
    assert json.loads((run.dir / "run.json").read_text())["status"] == "cancelled"


def test_event_stream_shape(executor_kind, tmp_path):
    result, events = execute(executor_kind, tmp_path, [{"id": "a", "tool": "nap", "args": {"seconds": 0.2}}])
    kinds = [e.kind for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.index("queued") < kinds.index("started") < kinds.index("progress") < kinds.index("finished")
    progress = [e.progress for e in events if e.kind == "progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0
    finished = next(e for e in events if e.kind == "finished")
    assert finished.duration_s > 0 and finished.tool == "nap"
    assert events[-1].result is result


def test_manifest_records_plan_and_artifacts(executor_kind, tmp_path):
    result, _ = execute(executor_kind, tmp_path, [{"id": "a", "tool": "nap", "args": {"label": "x"}}])
    manifest = json.loads((result.run_dir / "run.json").read_text())
    assert manifest["plan"]["steps"][0]["id"] == "a"
    entry = manifest["steps"]["a"]
    assert entry["status"] == "finished" and entry["attempts"] == 1
    assert Path(entry["output"]).read_text() == "x"
    assert entry["finished_at"] >= entry["started_at"]


@pytest.mark.parametrize("max_workers", [0, -1])
def test_bad_worker_count_is_refused(executor_kind, max_workers):
    if executor_kind != "local":
        pytest.skip("worker bound is checked by the local runner")
    with pytest.raises(ValueError, match="max_workers"):
        make_executor(executor_kind, max_workers=max_workers)


def test_closing_before_any_step_starts_still_records_the_cancel(executor_kind, tmp_path):
    plan = validate_plan(Plan.from_data({"steps": [{"id": "s", "tool": "nap"}]}), REGISTRY)
    run = RunStore(tmp_path / "runs").new_run("test")
    stream = make_executor(executor_kind).stream(plan, run)
    assert next(stream).kind == "run_started"
    stream.close()
    manifest = json.loads((run.dir / "run.json").read_text())
    assert manifest["status"] == "cancelled" and manifest["steps"]["s"]["status"] == "cancelled"


def damage(path: Path, how: str) -> None:
    if how == "truncated":
        path.write_bytes(path.read_bytes()[:2])
    elif how == "changed":  # same size, other bytes: only the hash can tell
        path.write_bytes(path.read_bytes().upper())
    else:
        path.unlink()


@pytest.mark.parametrize("how", ["truncated", "changed", "deleted"])
def test_a_damaged_cache_entry_is_dropped_and_the_step_runs_again(executor_kind, tmp_path, how):
    cache = Cache(tmp_path / "cache")
    steps = [
        {"id": "a", "tool": "nap", "args": {"label": "hello"}},
        {"id": "b", "tool": "join", "args": {"parts": ["$a", "world"], "sep": " "}},
    ]
    first, _ = execute(executor_kind, tmp_path, steps, cache=cache)
    [stored] = cache.root.rglob("label.txt")
    damage(stored, how)
    again, events = execute(executor_kind, tmp_path, steps, cache=cache)
    assert statuses(again) == {"a": "finished", "b": "cached"}  # b's input is the same text
    assert [e.step_id for e in events if e.kind == "started"] == ["a"]
    assert again.step("a").output.path.read_text() == "hello"
    assert again.step("a").output.sha256 == first.step("a").output.sha256
    assert not (again.run_dir / ".partial").exists()
    third, _ = execute(executor_kind, tmp_path, steps, cache=cache)  # the entry was stored anew
    assert statuses(third) == {"a": "cached", "b": "cached"}
    assert third.step("a").output.path.read_text() == "hello"


def test_a_cache_that_cannot_be_written_costs_only_time(executor_kind, tmp_path, caplog):
    (tmp_path / "not-a-folder").write_text("a file where the cache folder should be")
    cache = Cache(tmp_path / "not-a-folder" / "cache")
    steps = [{"id": "a", "tool": "nap", "args": {"label": "kept"}}]
    first, _ = execute(executor_kind, tmp_path, steps, cache=cache)
    again, _ = execute(executor_kind, tmp_path, steps, cache=cache)
    assert statuses(first) == statuses(again) == {"a": "finished"}
    assert again.step("a").output.path.read_text() == "kept"
    assert "could not store a nap result in the cache" in caplog.text
