"""Inputs that used to end in a traceback get one line and exit 2; odd text is stored cleanly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.agent.clirun import RUN_TOOLS, TEST_TOOLS, one_line_error, troupe, troupe_env
from tests.agent.readonly import make_read_only, make_writable
from tools._media import write_wav

TOOLS = ("--tools", TEST_TOOLS, "--no-builtins")


def runs_dir() -> Path:
    return Path(os.environ["TROUPE_HOME"]) / "runs"


def no_run_left() -> bool:
    return not runs_dir().exists() or not any(runs_dir().iterdir())


@pytest.fixture
def voice(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "voice.wav", 0.1 * np.ones(1600), 16000)


def test_a_json_plan_with_escaped_emoji_runs_and_keeps_the_emoji(tmp_path):
    plan = {"steps": [{"id": "beep", "tool": "tone", "args": {"duration_s": 0.1}}], "reply": "done 😀"}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))  # Python's default: "\ud83d\ude00"
    assert "\\ud83d\\ude00" in path.read_text()
    out = troupe("exec", str(path), "--out", str(tmp_path / "run"), *TOOLS)
    assert out.returncode == 0, out.stderr
    manifest = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "finished" and manifest["plan"]["reply"] == "done 😀"


def test_set_values_that_are_not_utf8_are_stored_as_replacement_characters(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("steps: [{id: say, tool: linger, args: {seconds: 0, label: '{{line}}'}}]")
    line = b"bad \xff bytes".decode("utf-8", "surrogateescape")  # what Python makes of argv
    run = tmp_path / "run"
    out = troupe("exec", str(plan), "--set", f"line={line}", "--out", str(run), "--tools", RUN_TOOLS)
    assert out.returncode == 0, out.stderr
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "finished"
    assert manifest["plan"]["steps"][0]["args"]["label"] == "bad \ufffd bytes"
    assert (run / "say" / "label.txt").read_text(encoding="utf-8") == "bad \ufffd bytes"


@pytest.mark.parametrize("depth", [40, 900])
def test_a_plan_nested_too_deeply_is_refused(tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text(json.dumps({"steps": [{"id": "a", "tool": "tone", "args": {"freq_hz": 1}}]}).replace(
        "1}", "[" * depth + "]" * depth + "}"))  # fmt: skip
    line = one_line_error(troupe("exec", str(path), *TOOLS))
    assert "nest" in line and "32 levels" in line
    assert no_run_left()


def test_out_that_is_a_file_is_refused_and_left_alone(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    plan = tmp_path / "p.yaml"
    plan.write_text("steps: [{id: a, tool: tone}]")
    line = one_line_error(troupe("exec", str(plan), "--out", str(target), *TOOLS))
    assert f"{target} is a file, not a folder" in line
    assert target.read_text() == "keep me"


def test_out_where_nothing_can_be_made_is_refused(tmp_path):
    plan = tmp_path / "p.yaml"
    plan.write_text("steps: [{id: a, tool: tone}]")
    line = one_line_error(troupe("exec", str(plan), "--out", "/proc/troupe-run", *TOOLS))
    assert "cannot create the run folder /proc/troupe-run" in line


def test_a_read_only_troupe_home_is_one_line_and_a_read_only_cache_costs_nothing(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    plan = tmp_path / "p.yaml"
    plan.write_text("steps: [{id: a, tool: tone, args: {duration_s: 0.1}}]")
    env = troupe_env(TROUPE_HOME=str(home))
    make_read_only(home)
    try:
        line = one_line_error(troupe("exec", str(plan), *TOOLS, env=env))
        assert f"cannot create the run folder {home / 'runs'}" in line and "TROUPE_HOME" in line
        # With a writable --out the run works; only the cache cannot keep the result.
        out = troupe("exec", str(plan), "--out", str(tmp_path / "run"), *TOOLS, env=env)
    finally:
        make_writable(home)
    assert out.returncode == 0, out.stderr
    assert "could not store a tone result in the cache" in out.stderr and "Traceback" not in out.stderr
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "finished"
    assert not any(home.iterdir())
