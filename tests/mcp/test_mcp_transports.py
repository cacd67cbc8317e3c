"""``troupe mcp`` as a separate process, driven by the official MCP client over stdio and HTTP."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tools import Artifact, Audio, Registry, default_registry

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
TEST_TOOLS = str(Path(__file__).with_name("mcptools.py"))


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A root holding the example portrait, and the server's environment (its own Troupe home)."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy(ROOT / "examples" / "portrait.png", root / "portrait.png")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TROUPE_HOME": str(tmp_path / "home")}
    return root, env


def stdio(root: Path, env: dict[str, str]) -> Client:
    command = ["-m", "agent.cli", "mcp", "--tools", TEST_TOOLS, "--root", str(root)]
    return Client(StdioServerParameters(command=sys.executable, args=command, env=env, cwd=str(root)))


def run(body):
    return anyio.run(body)


def test_over_stdio_tools_speech_resources_and_refusals(folders):
    root, env = folders

    async def body():
        async with stdio(root, env) as client:
            listed = await client.list_tools()
            speech = await client.call_tool("text_to_speech", {"text": "Hello from Troupe."})
            link = next(c for c in speech.content if c.type == "resource_link")
            read = await client.read_resource(link.uri)
            outside = await client.call_tool("music_analyze", {"audio": "/etc/hostname"})
            return listed, speech, link, read, outside

    listed, speech, link, read, outside = run(body)
    registry = default_registry()
    registry.register_file(TEST_TOOLS)
    schemas = {t.name: t.input_schema for t in listed.tools}
    assert all(schemas[spec.name] == spec.json_schema() for spec in registry)
    assert not speech.is_error, speech.content
    assert link.mime_type == "audio/wav"
    with wave.open(io.BytesIO(base64.b64decode(read.contents[0].blob))) as w:
        duration_s = w.getnframes() / w.getframerate()
    assert 0.6 < duration_s < 3.0  # three words at a speaking pace
    inline = next(c for c in speech.content if c.type == "audio")
    assert base64.b64decode(inline.data) == base64.b64decode(read.contents[0].blob)
    assert outside.is_error and "outside the MCP server's roots" in outside.content[0].text


def test_over_stdio_a_talking_face_reports_progress(folders):
    root, env = folders
    seen = []

    async def body():
        async def on_progress(progress, total, message):
            seen.append((progress, total, message))

        async with stdio(root, env) as client:
            speech = await client.call_tool("text_to_speech", {"text": "Hi there."})
            audio = next(c for c in speech.content if c.type == "audio")
            args = {"image": "portrait.png", "audio": f"data:{audio.mime_type};base64,{audio.data}"}
            return await client.call_tool("talking_face", args, progress_callback=on_progress)

    video = run(body)
    assert not video.is_error, video.content
    assert [s["status"] for s in video.structured_content["steps"]] == ["finished"]
    messages = [m for _, _, m in seen]
    assert any("rendering frame" in m for m in messages) and seen[-1][0] == seen[-1][1] == 1.0


def test_over_stdio_a_cancelled_call_cancels_its_step(folders):
    root, env = folders

    async def body():
        first = anyio.Event()

        async def on_progress(progress, total, message):
            first.set()

        async with stdio(root, env) as client:
            async with anyio.create_task_group() as tasks:

                async def call():
                    await client.call_tool("slow", {"duration_s": 30}, progress_callback=on_progress)

                tasks.start_soon(call)
                await first.wait()
                tasks.cancel_scope.cancel()  # the client sends notifications/cancelled
            return await client.call_tool("slow", {"duration_s": 0.2})  # the server goes on

    after = run(body)
    assert not after.is_error
    runs = Path(env["TROUPE_HOME"]) / "runs"
    deadline = time.monotonic() + 20
    statuses: list[str] = []
    while time.monotonic() < deadline:
        statuses = sorted(json.loads(p.read_text())["status"] for p in runs.glob("*/run.json"))
        if "running" not in statuses and len(statuses) == 2:
            break
        time.sleep(0.2)
    assert statuses == ["cancelled", "finished"]


@pytest.fixture
def troupe_http(folders):
    root, env = folders
    port = free_port()
    env = {**env, "TROUPE_MCP_TOKEN": "s3cret-token"}
    command = [sys.executable, "-m", "agent.cli", "mcp", "--transport", "http", "--port", str(port),
               "--tools", TEST_TOOLS, "--no-builtins", "--root", str(root)]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=root, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=20)


def http_client(url: str, token: str | None) -> Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers)))


def test_over_http_a_token_is_required_and_calls_report_progress(troupe_http):
    seen = []

    async def body():
        async def on_progress(progress, total, message):
            seen.append(progress)

        async with http_client(troupe_http, "s3cret-token") as client:
            names = [t.name for t in (await client.list_tools()).tools]
            result = await client.call_tool("slow", {"duration_s": 0.5}, progress_callback=on_progress)
            return names, result

    names, result = run(body)
    assert names == ["slow", "troupe_plan", "troupe_run"]
    assert not result.is_error and result.structured_content["steps"][0]["status"] == "finished"
    assert len(seen) >= 3
    for token in (None, "wrong-token"):
        response = httpx2.post(
            troupe_http, json={}, headers={"Authorization": f"Bearer {token}"} if token else {}
        )
        assert response.status_code == 401


def test_serving_http_beyond_loopback_without_a_token_is_refused(folders):
    root, env = folders
    out = subprocess.run(
        [sys.executable, "-m", "agent.cli", "mcp", "--transport", "http", "--host", "0.0.0.0", "--no-builtins"],
        env=env, cwd=root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "troupe: error: serving MCP on 0.0.0.0 lets anyone on the network run tools — pass --token "
        "(or set TROUPE_MCP_TOKEN), or bind 127.0.0.1"
    ]


def test_another_troupe_registers_these_tools_with_their_kinds(folders):
    """Troupe to Troupe: the markers make a remote tool's files typed exactly like the local one."""
    root, env = folders
    remote = Registry()
    command = f"{sys.executable} -m agent.cli mcp --root {root}"
    try:
        remote.add_mcp_server(
            command, name="other", env={"PYTHONPATH": str(ROOT), "TROUPE_HOME": env["TROUPE_HOME"]}
        )
        local = default_registry()
        for spec in local:
            twin = remote.get(spec.name)
            assert {n: p.artifact_types for n, p in twin.params.items()} == {
                n: p.artifact_types for n, p in spec.params.items()
            }, spec.name
            if isinstance(spec.returns, type) and issubclass(spec.returns, Artifact):
                assert twin.returns is spec.returns, spec.name
        assert remote.get("audio_mix").params["tracks"].artifact_types == {Audio}
    finally:
        remote.close()
