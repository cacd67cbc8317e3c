"""Real MCP servers (tests/mcp/server.py) as subprocesses, started once per module."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import Registry, default_registry

SERVER = Path(__file__).with_name("server.py")


def server_command(name: str) -> str:
    """The command line that runs the test server called ``name`` over stdio."""
    return f"{sys.executable} {SERVER} {name}"


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    """The built-in tools plus two servers: ``clicks`` and ``counter`` (same tools, so the
    second one's are all prefixed ``counter_``)."""
    registry = default_registry(entry_points=False)
    registry.add_mcp_server(server_command("clicks"))
    registry.add_mcp_server(server_command("counter"))
    yield registry
    registry.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    """The test server over streamable HTTP on a free loopback port; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "webclicks", "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(300):  # up to ~30 s on a busy machine
            if process.poll() is not None:
                pytest.fail(f"the HTTP test server exited: {process.stderr.read()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the HTTP test server did not start listening")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
