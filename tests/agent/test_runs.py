"""A run is never left looking alive: process records, ``interrupted``, and ``troupe runs``."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

import agent._store
from agent import Plan, RunStore, make_executor, validate_plan
from agent._process import this_process
from agent._store import RunStoreError, read_run
from tests.agent import runtools
from tests.agent.clirun import RUN_TOOLS, one_line_error, troupe, troupe_cmd, troupe_env
from tests.agent.readonly import make_read_only, make_writable
from tools import Registry

SLOW_PLAN = "steps: [{id: wait, tool: linger, args: {seconds: 60}}]"


def store() -> RunStore:
    return RunStore(Path(os.environ["TROUPE_HOME"]) / "runs")


def rewrite(run_dir: Path, **fields) -> None:
    path = run_dir / "run.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))


def a_dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def wait_for(predicate, what: str, limit_s: float = 60.0):
    """Poll ``predicate`` until it returns something true (the limit only guards a hang)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def step_running(run_dir: Path) -> bool:
    try:
        manifest = json.loads((run_dir / "run.json").read_text())
    except (OSError, ValueError):  # not written yet
        return False
    return manifest["steps"].get("wait", {}).get("status") == "running"


def can_make_read_only(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    probe.mkdir()
    make_read_only(probe)  # skips the test where no folder can be made read-only
    make_writable(probe)


# -- the manifest names its process --------------------------------------------------------------
def test_a_new_run_records_its_process_and_plan():
    run = store().new_run("hello", plan={"steps": []})
    manifest = json.loads((run.dir / "run.json").read_text())
    assert manifest["process"] == this_process() and manifest["process"]["pid"] == os.getpid()
    assert manifest["plan"] == {"steps": []}
    assert read_run(run.dir)["status"] == "running"  # open in this process
    run.close("finished")
    assert read_run(run.dir)["status"] == "finished"


@pytest.mark.parametrize(
    ("process", "status"),
    [
        (lambda me: {**me, "pid": os.getppid(), "started_at": None}, "running"),  # alive, age unknown
        (lambda me: {**me, "pid": a_dead_pid()}, "interrupted"),
        (lambda me: {**me, "pid": os.getppid(), "started_at": 12345.0}, "interrupted"),  # pid reused
        (lambda me: None, "interrupted"),  # written before process records existed
        (lambda me: {**me, "host": "another-machine", "pid": a_dead_pid()}, "running"),  # cannot tell
    ],
    ids=["alive", "gone", "pid-reused", "no-record", "other-host"],
)
def test_a_reader_sees_whether_the_writer_lives(process, status):
    if this_process()["started_at"] is None:
        pytest.skip("this system does not say when a process started")
    run = store().new_run("hello")
    run.update_step("wait", tool="linger", status="running")
    run.update_step("done", tool="linger", status="finished")
    run.save()
    rewrite(run.dir, process=process(this_process()))
    seen = read_run(run.dir)
    assert seen["status"] == status
    assert seen["steps"]["wait"]["status"] == ("interrupted" if status == "interrupted" else "running")
    assert seen["steps"]["done"]["status"] == "finished"
    assert [r["status"] for r in store().list_runs()] == [status]


# -- kill -9 -------------------------------------------------------------------------------------
def test_a_killed_run_is_reported_interrupted_and_can_be_cleaned(tmp_path):
    quick = tmp_path / "quick.yaml"
    quick.write_text("steps: [{id: now, tool: linger, args: {seconds: 0}}]")
    assert troupe("exec", str(quick), "--tools", RUN_TOOLS).returncode == 0
    [finished] = store().root.iterdir()
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW_PLAN)
    child = subprocess.Popen(
        troupe_cmd("exec", str(slow), "--tools", RUN_TOOLS),
        env=troupe_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        run_dir = wait_for(
            lambda: next((d for d in store().root.iterdir() if d != finished and step_running(d)), None),
            "the slow step to start",
        )
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"  # what kill -9 leaves
    out = troupe("runs", "--json")
    assert out.returncode == 0, out.stderr
    listed = {run["run"]: run["status"] for run in json.loads(out.stdout)}
    assert listed == {run_dir.name: "interrupted", finished.name: "finished"}
    shown = troupe("runs", "show", run_dir.name)
    assert shown.returncode == 0, shown.stderr
    assert f"interrupted (process {child.pid} on" in shown.stdout
    assert "wait [linger] interrupted" in shown.stdout
    cleaned = troupe("runs", "clean", "--interrupted", "--json")
    assert json.loads(cleaned.stdout) == {"removed": [run_dir.name], "not_removed": []}
    assert not run_dir.exists() and finished.exists()


# -- troupe runs ---------------------------------------------------------------------------------
def test_runs_lists_shows_and_cleans_by_age():
    old, new = store().new_run("make an old tone"), store().new_run("make a new tone")
    old.close("finished")
    new.close("failed", error="the tone tool failed")
    rewrite(old.dir, created_at=time.time() - 3 * 86400)
    rows = troupe("runs").stdout.splitlines()
    assert rows[0].split() == ["RUN", "STATUS", "STARTED", "STEPS", "REQUEST"]
    assert any(old.dir.name in row and "finished" in row and "make an old tone" in row for row in rows)
    shown = json.loads(troupe("runs", "show", str(new.dir), "--json").stdout)
    assert shown["status"] == "failed" and shown["request"] == "make a new tone"
    assert "error:    the tone tool failed" in troupe("runs", "show", new.dir.name[:-2]).stdout
    line = one_line_error(troupe("runs", "clean"))
    assert "--older-than AGE, --interrupted" in line
    out = troupe("runs", "clean", "--older-than", "2d")
    assert out.returncode == 0 and old.dir.name in out.stdout
    assert not old.dir.exists() and new.dir.exists()


def test_an_unknown_run_is_one_line():
    line = one_line_error(troupe("runs", "show", "no-such-run"))
    assert "no run 'no-such-run'" in line and "`troupe runs` lists them" in line


def test_clean_never_removes_a_live_run():
    live = store().new_run("still going")  # open in this test's process, which lives
    rewrite(live.dir, created_at=time.time() - 30 * 86400)
    out = troupe("runs", "clean", "--older-than", "1d")
    assert out.returncode == 0 and live.dir.exists()


# -- the manifest cannot be written -------------------------------------------------------------
def test_a_run_folder_turning_read_only_mid_run_ends_in_one_line(tmp_path):
    can_make_read_only(tmp_path)
    plan = tmp_path / "lock.yaml"
    plan.write_text(
        "steps: [{id: lock, tool: lock_run_folder}, {id: wait, tool: linger, args: {seconds: 60}}]"
    )
    run_dir = tmp_path / "run"
    try:
        out = troupe("exec", str(plan), "--out", str(run_dir), "--json", "--tools", RUN_TOOLS)
    finally:
        make_writable(run_dir)
    line = one_line_error(out)  # no traceback, and no hang: the lingering step was stopped
    assert f"cannot write the run manifest {run_dir / 'run.json'}" in line
    shown = json.loads(troupe("runs", "show", str(run_dir), "--json").stdout)
    assert shown["status"] == "interrupted"  # the file still says "running"; its process is gone


def test_a_manifest_write_failure_fails_the_run_and_stops_its_steps(tmp_path):
    can_make_read_only(tmp_path)
    go = tmp_path / "go"
    steps = [
        {"id": "wait", "tool": "linger", "args": {"seconds": 60}},
        {"id": "gate", "tool": "await_file", "args": {"path": str(go)}},
    ]
    plan = validate_plan(Plan.from_data({"steps": steps}), Registry([runtools.linger, runtools.await_file]))
    run = store().new_run("test")
    started = set()
    try:
        with pytest.raises(RunStoreError, match="cannot write the run manifest"):
            for event in make_executor("local").stream(plan, run):
                if event.kind == "started":
                    started.add(event.step_id)
                    if started == {"wait", "gate"}:
                        make_read_only(run.dir)
                        go.touch()  # the gate finishes; recording that fails
    finally:
        make_writable(run.dir)
    assert run.manifest["status"] == "failed" and "cannot write the run manifest" in run.manifest["error"]
    assert run.manifest["steps"]["wait"]["status"] == "cancelled"
    assert read_run(run.dir)["status"] == "interrupted"  # not open any more, though this process lives


def test_a_run_folder_is_not_left_without_its_manifest(tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(agent._store, "atomic_write_text", disk_full)
    with pytest.raises(RunStoreError, match="No space left on device"):
        store().new_run("x", tmp_path / "run")
    assert not (tmp_path / "run").exists()
    given = tmp_path / "given"
    given.mkdir()
    with pytest.raises(RunStoreError):
        store().new_run("x", given)
    assert given.is_dir()  # a folder the user gave is never removed
