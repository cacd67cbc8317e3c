"""``TroupeMcpServer`` driven by the official MCP client, in process: catalog, calls, errors, files.

The same server over stdio and HTTP, as separate processes, is in test_mcp_transports.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import anyio
import numpy as np
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from agent import Agent
from agent.mcp import AGENT_TOOLS, TroupeMcpServer
from tools import Registry, default_registry
from tools._media import write_wav

from . import mcptools


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    t = np.arange(16000) / 16000
    write_wav(folder / "tone.wav", 0.5 * np.sin(2 * np.pi * 440 * t), 16000)
    return folder


def serve(root: Path, registry: Registry | None = None) -> TroupeMcpServer:
    agent = Agent(
        registry=registry if registry is not None else default_registry(), runs_dir=root.parent / "runs"
    )
    return TroupeMcpServer(agent, roots=[root])


def talk(server: TroupeMcpServer, body):
    """Run ``body(client)`` against ``server`` through the SDK's client, in process."""

    async def main():
        async with Client(server.server) as client:
            return await body(client)

    return anyio.run(main)


def test_every_tool_is_listed_with_the_registrys_own_schema(root):
    server = serve(root)
    listed = talk(server, lambda c: c.list_tools())
    by_name = {t.name: t for t in listed.tools}
    registry = server.agent.registry
    assert list(by_name) == [*registry.names(), *AGENT_TOOLS]
    for spec in registry:
        tool = by_name[spec.name]
        assert tool.input_schema == spec.json_schema()
        assert tool.description.startswith(spec.summary)
        assert tool.meta["troupe/returns"] in (type_name_of(spec), "Json")
    assert by_name["talking_face"].input_schema["properties"]["image"]["x-troupe-kind"] == "Image"
    assert by_name["troupe_plan"].input_schema["required"] == ["request"]


def type_name_of(spec) -> str:
    from tools import type_name

    return type_name(spec.returns)


def test_a_call_runs_the_tool_and_returns_the_run_contract(root):
    result = talk(
        serve(root), lambda c: c.call_tool("text_sentiment", {"text": "I love this, it is wonderful!"})
    )
    assert not result.is_error, result.content
    contract = result.structured_content
    assert set(contract) == {"run_dir", "steps", "reply"}
    assert [(s["tool"], s["status"]) for s in contract["steps"]] == [("text_sentiment", "finished")]
    output = contract["steps"][0]["output"]
    assert (
        output["label"] == "positive"
        and json.loads(Path(output["report"]).read_text())["label"] == "positive"
    )
    links = [c for c in result.content if c.type == "resource_link"]
    assert [link.uri.startswith("troupe://runs/") for link in links] == [True]


def test_an_artifact_argument_is_a_path_in_the_roots_or_inline_content(root):
    server = serve(root)
    by_path = talk(server, lambda c: c.call_tool("music_analyze", {"audio": "tone.wav"}))
    assert not by_path.is_error, by_path.content
    wav = (root / "tone.wav").read_bytes()
    inline = "data:audio/wav;base64," + base64.b64encode(wav).decode()
    by_value = talk(server, lambda c: c.call_tool("music_analyze", {"audio": inline}))
    assert not by_value.is_error, by_value.content
    assert (root / "tone.wav").read_bytes() == wav  # inputs untouched


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"audio": "../outside.wav"}, "outside the MCP server's roots"),
        ({"audio": "/etc/passwd"}, "outside the MCP server's roots"),
        ({"audio": "data:image/png;base64,iVBORw0KGgo="}, "takes Audio, but the inline content is image/png"),
        (
            {"audio": "data:audio/wav;base64," + base64.b64encode(b"just words").decode()},
            "its bytes are Text",
        ),
        ({"audio": "data:audio/wav;base64,@@@"}, "not valid base64"),
        ({"audio": "tone.wav", "bpm": 120}, "unknown argument 'bpm'"),
        ({}, "missing required argument 'audio'"),
    ],
)
def test_bad_arguments_get_an_error_naming_the_argument_and_rule(root, arguments, message):
    (root.parent / "outside.wav").write_bytes((root / "tone.wav").read_bytes())
    result = talk(serve(root), lambda c: c.call_tool("music_analyze", arguments))
    assert result.is_error
    text = result.content[0].text
    assert message in text and "\n" not in text


def test_a_value_outside_a_tools_rule_names_the_rule(root):
    result = talk(
        serve(root), lambda c: c.call_tool("music_generate", {"description": "x", "mood": "grumpy"})
    )
    assert (
        result.is_error and "argument 'mood'" in result.content[0].text and "'calm'" in result.content[0].text
    )


def test_an_unknown_tool_is_a_protocol_error_listing_the_tools(root):
    async def body(client):
        with pytest.raises(MCPError) as refused:
            await client.call_tool("sing_loudly", {})
        return refused.value

    error = talk(serve(root), body)
    assert error.code == -32602 and error.message.startswith("Unknown tool 'sing_loudly'; known tools: ")
    assert "text_to_speech" in error.message


def test_troupe_plan_returns_the_plan_and_troupe_run_runs_it(root):
    server = serve(root)
    planned = talk(
        server,
        lambda c: c.call_tool("troupe_plan", {"request": "what key is tone.wav in?", "files": ["tone.wav"]}),
    )
    assert not planned.is_error, planned.content
    steps = planned.structured_content["steps"]
    assert [s["tool"] for s in steps] == ["music_analyze"]
    ran = talk(server, lambda c: c.call_tool("troupe_run", {"plan": {"steps": steps}, "files": ["tone.wav"]}))
    assert not ran.is_error, ran.content
    assert [s["status"] for s in ran.structured_content["steps"]] == ["finished"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({}, "exactly one of them"),
        ({"request": "say hi", "plan": {"steps": []}}, "exactly one of them"),
        ({"request": 42}, "exactly one of them"),
        ({"request": "say hi", "files": "me.png"}, "'files' must be a list"),
        ({"request": "say hi", "voice": "calm"}, "unknown argument 'voice'"),
        ({"plan": {"steps": [{"id": "a b", "tool": "text_sentiment"}]}}, "steps.0.id"),
    ],
)
def test_troupe_run_refuses_what_it_cannot_read(root, arguments, message):
    result = talk(serve(root), lambda c: c.call_tool("troupe_run", arguments))
    assert result.is_error and message in result.content[0].text


def test_inline_files_are_removed_once_the_call_is_over(root, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    inline = "data:audio/wav;base64," + base64.b64encode((root / "tone.wav").read_bytes()).decode()
    server = serve(root)
    result = talk(server, lambda c: c.call_tool("music_analyze", {"audio": inline}))
    assert not result.is_error
    planned = talk(
        server, lambda c: c.call_tool("troupe_plan", {"request": "what key is it in?", "files": [inline]})
    )
    assert not planned.is_error, planned.content
    assert [p.name for p in (tmp_path / "tmp").iterdir() if p.name.startswith("troupe-mcp-")] == []


def test_a_clients_plan_may_not_reach_outside_the_roots(root):
    (root.parent / "secret.txt").write_text("the server's own file")
    plan = {"steps": [{"id": "s", "tool": "text_sentiment", "args": {"text": "@../secret.txt"}}]}
    result = talk(serve(root), lambda c: c.call_tool("troupe_run", {"plan": plan}))
    assert result.is_error and "outside the MCP server's roots" in result.content[0].text


def test_files_of_the_servers_runs_are_resources_and_nothing_else_is(root):
    server = serve(root)

    async def body(client):
        result = await client.call_tool("text_sentiment", {"text": "a fine day"})
        uri = next(c.uri for c in result.content if c.type == "resource_link")
        read = await client.read_resource(uri)
        listed = await client.list_resources()
        refused = []
        for bad in (
            uri.rsplit("/", 1)[0] + "/../../secret",
            "troupe://runs/other-run/x.json",
            "file:///etc/passwd",
        ):
            try:
                await client.read_resource(bad)
            except MCPError as e:
                refused.append(e.message)
        return result, read, listed, refused

    result, read, listed, refused = talk(server, body)
    assert (
        json.loads(read.contents[0].text)["label"] == result.structured_content["steps"][0]["output"]["label"]
    )
    assert [r.uri for r in listed.resources] == [c.uri for c in result.content if c.type == "resource_link"]
    assert len(refused) == 3 and all(m.startswith("no such resource") for m in refused)


def test_progress_is_reported_per_step(root):
    registry = Registry([mcptools.slow])
    seen = []

    async def body(client):
        async def on_progress(progress, total, message):
            seen.append((progress, total, message))

        return await client.call_tool("slow", {"duration_s": 0.5}, progress_callback=on_progress)

    result = talk(serve(root, registry), body)
    assert not result.is_error
    assert len(seen) >= 3 and seen[-1][:2] == (1.0, 1.0)
    assert [p for p, _, _ in seen] == sorted(p for p, _, _ in seen)  # progress never goes back
    assert any("waited" in m for _, _, m in seen)
