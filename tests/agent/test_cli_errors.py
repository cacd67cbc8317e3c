"""Inputs that used to end in a traceback get one line and exit 2; odd text is stored cleanly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
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


def test_a_yaml_alias_bomb_in_the_arguments_is_refused_at_once(tmp_path):
    aliases = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )  # 'i' is 9⁹ strings, written in 10 lines
    path = tmp_path / "bomb.yaml"
    path.write_text(aliases + "steps: [{id: s, tool: tone, args: {freq_hz: *i}}]\n")
    line = one_line_error(troupe("exec", str(path), *TOOLS))
    assert line == (
        f"troupe: error: {path} holds more than 100,000 values (a YAML alias counts each time it is "
        "used); a plan needs far fewer — write it out"
    )
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


@pytest.mark.parametrize("command", ["run", "exec"])
def test_a_symlink_loop_given_with_f_is_refused(tmp_path, command):
    (tmp_path / "a.wav").symlink_to(tmp_path / "b.wav")
    (tmp_path / "b.wav").symlink_to(tmp_path / "a.wav")
    plan = tmp_path / "p.yaml"
    plan.write_text("steps: [{id: a, tool: measure, args: {audio: '@a.wav'}}]")
    first = "how loud is this recording" if command == "run" else str(plan)
    line = one_line_error(troupe(command, first, "-f", str(tmp_path / "a.wav"), *TOOLS))
    assert "a.wav is a symbolic link loop" in line
    assert no_run_left()


@pytest.mark.parametrize("command", ["run", "plan"])
def test_a_file_name_that_is_not_utf8_is_refused(tmp_path, voice, command):
    name = os.fsdecode(b"caf\xe9.wav")  # the byte 0xE9 alone is not UTF-8
    shutil.copy(voice, tmp_path / name)
    line = one_line_error(troupe(command, "how loud is this recording", "-f", str(tmp_path / name), *TOOLS))
    assert "caf\ufffd.wav' is not valid UTF-8 — rename the file" in line
    assert no_run_left()


def test_an_unreadable_file_given_with_run_is_refused(voice):
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root reads anything: drop to an unprivileged user namespace
        if not shutil.which("unshare") or subprocess.run(["unshare", "--user", "true"]).returncode:
            pytest.skip("running as root without user namespaces: no file is unreadable")
        prefix = ("unshare", "--user")
    # Everything the child needs must be reachable by an unprivileged user.
    work = Path(tempfile.mkdtemp(prefix="troupe-unreadable-"))
    try:
        work.chmod(0o777)
        secret = work / "voice.wav"
        shutil.copy(voice, secret)
        secret.chmod(0)
        env = troupe_env(TROUPE_HOME=str(work / "home"))
        out = troupe("run", "how loud is this recording", "-f", str(secret), *TOOLS, env=env, prefix=prefix)
        line = one_line_error(out)
        assert "voice.wav cannot be read (Permission denied) — check its permissions" in line
        assert not (work / "home" / "runs").exists()
    finally:
        shutil.rmtree(work, ignore_errors=True)
