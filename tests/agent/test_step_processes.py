"""A cancelled or timed-out step leaves nothing running: its subprocesses are killed, and a
tool's default time limit grows with the size of its input (a plan's own limit wins).

Waiting for a process to die polls with a generous bound; nothing asserts how fast it died.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from agent import Plan, RunStore, make_executor, validate_plan
from tools import Audio, Registry, Text, ToolContext, get_spec, tool
from tools._proc import popen


@tool(cache=False)
def hold(pid_file: str, *, ctx: ToolContext) -> Text:
    """Start a long subprocess, note its pid, and wait for it without ever checking for cancellation.

    Args:
        pid_file: where to write the subprocess's pid.
    """
    process = popen(["sleep", "600"])
    Path(pid_file).write_text(str(process.pid))
    process.wait()  # only killing the process ends this
    return Text.write(ctx, "done.txt", "the process ended by itself")


@tool(cache=False)
def leave_behind(pid_file: str) -> str:
    """Start a long subprocess and return at once, leaving it running.

    Args:
        pid_file: where to write the subprocess's pid.
    """
    process = popen(["sleep", "600"])
    Path(pid_file).write_text(str(process.pid))
    return "returned"


@tool(cache=False, timeout_s=0.2, timeout_per_input_s=0.1)
def slow_reader(text: str, *, ctx: ToolContext) -> Text:
    """Read text very slowly, stopping when cancelled.

    Args:
        text: what to read.
    """
    while True:
        time.sleep(0.02)
        ctx.report(0.0)


REGISTRY = Registry([hold, leave_behind, slow_reader])


def _run(tmp_path: Path, steps: list[dict], cancel: threading.Event | None = None, on_event=None):
    plan = validate_plan(Plan.from_data({"steps": steps}), REGISTRY)
    run = RunStore(tmp_path / "runs").new_run("test")
    result = None
    for event in make_executor("local").stream(plan, run, cancel):
        if on_event:
            on_event(event)
        result = event.result if event.kind == "run_finished" else result
    return result


def _wait_for_pid(pid_file: Path) -> int:
    for _ in range(500):
        if pid_file.exists() and pid_file.read_text():
            return int(pid_file.read_text())
        time.sleep(0.01)
    raise AssertionError("the tool never started its process")


def _gone(pid: int, wait_s: float = 20.0) -> bool:
    """Whether process ``pid`` no longer exists (polling up to ``wait_s``)."""
    end = time.monotonic() + wait_s
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.05)


def test_timed_out_step_has_its_subprocess_killed(tmp_path):
    pid_file = tmp_path / "pid"
    result = _run(
        tmp_path, [{"id": "h", "tool": "hold", "timeout_s": 0.5, "args": {"pid_file": str(pid_file)}}]
    )
    assert result.step("h").status == "failed" and "0.5 s limit" in result.step("h").error
    assert _gone(_wait_for_pid(pid_file))


def test_cancelled_step_has_its_subprocess_killed(tmp_path):
    pid_file, cancel = tmp_path / "pid", threading.Event()

    def on_event(event):
        if event.kind == "started":
            _wait_for_pid(pid_file)
            cancel.set()

    result = _run(
        tmp_path, [{"id": "h", "tool": "hold", "args": {"pid_file": str(pid_file)}}], cancel, on_event
    )
    assert result.cancelled and result.step("h").status == "cancelled"
    assert _gone(_wait_for_pid(pid_file))


def test_a_tool_that_returns_leaves_no_process_behind(tmp_path):
    pid_file = tmp_path / "pid"
    assert get_spec(leave_behind).invoke({"pid_file": str(pid_file)}) == "returned"
    assert _gone(_wait_for_pid(pid_file), wait_s=0.0)  # killed and reaped before invoke returned


def test_default_time_limit_grows_with_the_input(tmp_path):
    spec = get_spec(slow_reader)
    assert spec.time_limit({"text": "x" * 15}) == pytest.approx(0.3)  # 0.2 s + 0.1 s per second read
    assert spec.time_limit({"text": "x" * 150}) == pytest.approx(1.2)
    result = _run(tmp_path, [{"id": "r", "tool": "slow_reader", "args": {"text": "x" * 15}}])
    assert "0.3 s limit" in result.step("r").error


def test_plan_timeout_wins_over_the_tools(tmp_path):
    steps = [{"id": "r", "tool": "slow_reader", "timeout_s": 0.5, "args": {"text": "x" * 15000}}]
    result = _run(tmp_path, steps)
    assert "0.5 s limit" in result.step("r").error


def test_audio_counts_by_its_length(tmp_path):
    wav = tmp_path / "tone.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.zeros(8000 * 3, "<i2").tobytes())
    spec = get_spec(slow_reader)
    assert spec.time_limit({"text": Audio(path=wav)}) == pytest.approx(0.2 + 0.1 * 3)
    assert spec.time_limit({"text": Audio(path=wav, duration_s=10.0)}) == pytest.approx(1.2)


def test_an_adopted_process_of_any_kind_is_killed_on_cancel(tmp_path):
    ctx = ToolContext(output_dir=tmp_path)
    plain = subprocess.Popen(["sleep", "600"])  # not in a session of its own
    ctx.adopt(plain)
    ctx.cancel_event.set()
    assert _gone(plain.pid)
