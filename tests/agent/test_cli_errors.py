"""Inputs that used to end in a traceback get one line and exit 2; odd text is stored cleanly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.agent.clirun import RUN_TOOLS, TEST_TOOLS, one_line_error, troupe
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
