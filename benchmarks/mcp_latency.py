"""What MCP adds to a tool call: round trips of a no-op tool over stdio and HTTP vs. in process.

    python benchmarks/mcp_latency.py [--calls 200]

Four ways to call one tool, ``noop`` (returns its argument as JSON, no cache so every call runs):
``invoke`` is the bare function through its spec (validation only); ``agent`` runs it as a
one-step plan through the agent, as every MCP call does (run folder, manifest, executor);
``stdio`` and ``http`` call it through ``troupe mcp`` in a child process with the official
client. The MCP overhead is stdio/http minus agent. Also: the time from sending a call to its
first progress notification (``slow`` reports at once). Prints p50 / p90 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mcp import Client, StdioServerParameters  # noqa: E402

from agent import Agent, Plan  # noqa: E402
from tools import Registry  # noqa: E402

TOOLS = Path(__file__).with_name("mcp_tools.py")
NOOP = Plan.from_data([{"id": "noop", "tool": "noop", "args": {"value": "x"}}])


def stats(samples_s: list[float]) -> str:
    ms = np.array(samples_s) * 1000
    return f"p50 {np.percentile(ms, 50):7.2f} ms   p90 {np.percentile(ms, 90):7.2f} ms   (n={len(ms)})"


def in_process(calls: int, home: Path) -> tuple[list[float], list[float]]:
    registry = Registry()
    registry.register_file(TOOLS)
    spec = registry.get("noop")
    agent = Agent(registry=registry, runs_dir=home / "runs", cache=False)
    invoke, via_agent = [], []
    for _ in range(calls):
        t = time.perf_counter()
        spec.invoke({"value": "x"})
        invoke.append(time.perf_counter() - t)
        t = time.perf_counter()
        agent.run(plan=NOOP)
        via_agent.append(time.perf_counter() - t)
    return invoke, via_agent


async def over(client: Client, calls: int) -> tuple[list[float], list[float]]:
    """Round trips of ``noop`` and the time to the first progress notification of ``slow``."""
    await client.call_tool("noop", {"value": "warm up"})
    trips = []
    for _ in range(calls):
        t = time.perf_counter()
        await client.call_tool("noop", {"value": "x"})
        trips.append(time.perf_counter() - t)
    first = []
    for _ in range(max(calls // 10, 5)):
        got = anyio.Event()

        async def on_progress(progress: float, total: float | None, message: str | None, got=got) -> None:
            got.set()

        t = time.perf_counter()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(
                lambda: client.call_tool("slow", {"duration_s": 0.05}, progress_callback=on_progress)
            )
            await got.wait()
            first.append(time.perf_counter() - t)
    return trips, first


def measure(connect: Callable[[], Client], calls: int) -> tuple[list[float], list[float]]:
    async def main() -> tuple[list[float], list[float]]:
        async with connect() as client:
            return await over(client, calls)

    return anyio.run(main)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="troupe-mcp-bench-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TROUPE_HOME": str(home)}
    serve = [sys.executable, "-m", "agent.cli", "mcp", "--no-builtins", "--no-cache", "--tools", str(TOOLS)]
    results: dict[str, tuple[list[float], list[float] | None]] = {}

    invoke, via_agent = in_process(args.calls, home)
    results["invoke (in process)"], results["agent (in process)"] = (invoke, None), (via_agent, None)

    stdio = StdioServerParameters(command=serve[0], args=serve[1:], env=env)
    results["stdio"] = measure(lambda: Client(stdio), args.calls)

    port = free_port()
    server = subprocess.Popen(
        [*serve, "--transport", "http", "--port", str(port)], env=env, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        results["http"] = measure(lambda: Client(f"http://127.0.0.1:{port}/mcp"), args.calls)
    finally:
        server.terminate()
        server.wait()

    print(f"no-op tool call, {args.calls} calls each (cache off)")
    for name, (trips, _) in results.items():
        print(f"  {name:<22} {stats(trips)}")
    print("time to the first progress notification")
    for name, (_, first) in results.items():
        if first:
            print(f"  {name:<22} {stats(first)}")


if __name__ == "__main__":
    main()
