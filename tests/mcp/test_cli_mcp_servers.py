"""``troupe … --mcp-server`` and ``$TROUPE_HOME/mcp_servers.toml``, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent._mcp_servers import McpServer, load_mcp_servers, mcp_servers_file
from tests.agent.clirun import one_line_error, troupe
from tools import TroupeError

from .conftest import server_command


def test_tools_lists_a_servers_tools():
    out = troupe("tools", "--json", "--no-builtins", "--mcp-server", server_command("clicks"))
    assert out.returncode == 0, out.stderr
    catalog = {t["name"]: t for t in json.loads(out.stdout)}
    assert catalog["make_click_track"]["returns"] == "Audio"
    assert catalog["make_click_track"]["parameters"]["required"] == ["bpm"]
    assert catalog["recording_length"]["parameters"]["properties"]["recording"]["type"] == "string"


def test_exec_runs_a_plan_with_a_remote_tool(tmp_path):
    plan = tmp_path / "count.yaml"
    plan.write_text("steps:\n  - id: count\n    tool: word_count\n    args: {text: one two three}\n")
    out = troupe("exec", str(plan), "--json", "--no-builtins", "--mcp-server", server_command("clicks"),
                 "--out", str(tmp_path / "run"))  # fmt: skip
    assert out.returncode == 0, out.stderr
    step = json.loads(out.stdout)["steps"][0]
    assert step["status"] == "finished"
    assert json.loads(Path(step["output"]).read_text()) == {"result": 3}


def test_a_server_that_fails_to_start_exits_2_with_one_line():
    out = troupe("tools", "--no-builtins", "--mcp-server", "/nonexistent/mcp-server")
    assert out.returncode == 2
    line = one_line_error(out)
    assert "MCP server '/nonexistent/mcp-server' could not be started" in line and "check the command" in line


def test_configured_servers_join_every_command():
    path = mcp_servers_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[beats]\ncommand = '{server_command('clicks')}'\ntimeout_s = 42\n")
    out = troupe("tools", "--json", "--no-builtins")
    assert out.returncode == 0, out.stderr
    assert "word_count" in {t["name"] for t in json.loads(out.stdout)}


def test_a_configured_server_that_fails_names_the_file():
    path = mcp_servers_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[gone]\ncommand = "/nonexistent/mcp-server"\n')
    out = troupe("tools", "--no-builtins")
    assert out.returncode == 2
    line = one_line_error(out)
    assert "could not be started" in line and f"configured as [gone] in {path}" in line


def test_the_servers_file_is_read_and_checked(tmp_path):
    path = tmp_path / "mcp_servers.toml"
    path.write_text(
        '[local]\ncommand = "python server.py"\nenv = { A = "1" }\n\n[web]\nurl = "http://127.0.0.1:8000/mcp"\n'
    )
    assert load_mcp_servers(path) == [
        McpServer("local", "python server.py", 300.0, {"A": "1"}),
        McpServer("web", "http://127.0.0.1:8000/mcp"),
    ]
    assert load_mcp_servers(tmp_path / "missing.toml") == []
    bad = {
        '[x]\ncommand = "a"\nurl = "http://b"\n': "either command",
        "[x]\nport = 3\n": "only the keys",
        '[x]\nurl = "ftp://b"\n': "http:// or https://",
        '[x]\ncommand = "a"\ntimeout_s = -1\n': "timeout_s",
        '[x]\ncommand = "a"\nenv = { A = 1 }\n': "env is a table",
        "[x\n": "cannot read",
    }
    for text, message in bad.items():
        path.write_text(text)
        with pytest.raises(TroupeError, match=message):
            load_mcp_servers(path)
