"""Fixtures for the web app: small real tools, a scripted planner, a served app."""

from __future__ import annotations

import contextlib
import math
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from agent import Agent, Cache, Executor, Plan, Responder, RunResult, TemplateResponder
from tools import Audio, Json, Registry, Text, ToolContext, ToolError, tool
from tools._media import audio_info, load_audio, write_wav

SR = 16000


@tool(tags=("test",), examples=("make this louder",))
def louder(audio: Audio, gain: float = 2.0, *, ctx: ToolContext) -> Audio:
    """Scale the samples of a recording by a constant factor.

    Args:
        audio: the recording to scale.
        gain: linear factor applied to every sample, > 0 (clipped at full scale).
    """
    y = load_audio(audio.path, sr=SR)
    ctx.report(0.5, "scaling")
    return audio_info(write_wav(ctx.output_path("louder.wav"), np.clip(y * gain, -1, 1), SR), gain=gain)


@tool(tags=("test",), examples=("how loud is this?",))
def loudness(audio: Audio, *, ctx: ToolContext) -> Json:
    """Measure the peak and RMS level of a recording in dBFS.

    Args:
        audio: the recording to measure.
    """
    y = load_audio(audio.path, sr=SR)
    peak = float(np.max(np.abs(y)))
    rms = float(np.sqrt(np.mean(y**2)))
    return Json.write(
        ctx,
        "loudness.json",
        {
            "peak_dbfs": 20 * math.log10(peak),
            "rms_dbfs": 20 * math.log10(rms),
            "scores": {"peak": peak, "rms": rms},
        },
    )


@tool(tags=("test",))
def broken(audio: Audio, *, ctx: ToolContext) -> Audio:
    """Fail on purpose, halfway through.

    Args:
        audio: any recording.
    """
    ctx.report(0.5, "about to fail")
    raise ToolError("the broken test tool failed on purpose")


@tool(tags=("test",))
def sleepy(seconds: float, *, ctx: ToolContext) -> Text:
    """Wait, reporting progress, until the time is up or the run is cancelled.

    Args:
        seconds: how long to wait, in s, > 0.
    """
    n = int(seconds * 20)
    for i in range(n):
        ctx.report(i / n, "waiting")
        time.sleep(0.05)
    return Text.write(ctx, "waited.txt", f"waited {seconds} s")


class ScriptedPlanner:
    """Answers each request with the plan scripted for the first keyword it contains."""

    def __init__(self, plans: dict[str, dict]):
        self.plans = plans

    def plan(self, request: str, files: Sequence[Path], registry: Registry, context: Sequence = ()) -> Plan:
        for keyword, data in self.plans.items():
            if keyword in request.lower():
                names = [Path(f).name for f in files]
                text = (
                    Plan.from_data(data)
                    .to_json()
                    .replace("@FILE", f"@{names[0]}" if names else "@missing.wav")
                )
                return Plan.from_text(text)
        return Plan(reply="Nothing in my script fits that request.")


LOUDER_PLAN = {
    "steps": [
        {"id": "up", "tool": "louder", "args": {"audio": "@FILE", "gain": 2.0}},
        {"id": "level", "tool": "loudness", "args": {"audio": "$up"}},
    ]
}
NAP_PLAN = {"steps": [{"id": "nap", "tool": "sleepy", "args": {"seconds": 1.0}}]}
SLOW_PLAN = {"steps": [{"id": "wait", "tool": "sleepy", "args": {"seconds": 30}}]}
BROKEN_PLAN = {
    "steps": [
        {"id": "bad", "tool": "broken", "args": {"audio": "@FILE"}},
        {"id": "after", "tool": "louder", "args": {"audio": "$bad"}},
        {"id": "level", "tool": "loudness", "args": {"audio": "@FILE"}},
    ]
}

# ``orig`` needs nothing from ``up``: re-running ``up`` takes it from the cache.
COMPARE_PLAN = {
    "steps": [
        {"id": "up", "tool": "louder", "args": {"audio": "@FILE", "gain": 2.0}},
        {"id": "level", "tool": "loudness", "args": {"audio": "$up"}},
        {"id": "orig", "tool": "loudness", "args": {"audio": "@FILE"}},
    ]
}


class SuggestingResponder(TemplateResponder):
    """The template reply, plus next steps in ``result.extra`` as the agent's responder gives them."""

    def __init__(self, suggestions: Sequence[str]):
        super().__init__()
        self.suggestions = list(suggestions)

    def reply(self, result: RunResult) -> str:
        result.extra["next_steps"] = list(self.suggestions)
        return super().reply(result)


def make_agent(runs_dir: Path, cache: Cache | None = None, responder: Responder | None = None) -> Agent:
    """An agent with the test tools and a scripted planner, writing runs under ``runs_dir``
    (and caching step results in ``cache``, when one is given)."""
    planner = ScriptedPlanner(
        {
            "louder": LOUDER_PLAN,
            "broken": BROKEN_PLAN,
            "wait": SLOW_PLAN,
            "nap": NAP_PLAN,
            "compare": COMPARE_PLAN,
        }
    )
    executor = Executor(cache=cache) if cache is not None else "local"
    registry = Registry([louder, loudness, broken, sleepy])
    return Agent(planner, executor, registry=registry, runs_dir=runs_dir, cache=False, responder=responder)


@pytest.fixture
def agent(tmp_path: Path) -> Agent:
    return make_agent(tmp_path / "runs")


@pytest.fixture
def tone_wav(tmp_path: Path) -> Path:
    """One second of a 440 Hz sine at amplitude 0.25 (-12 dBFS peak)."""
    t = np.arange(SR) / SR
    return write_wav(tmp_path / "tone.wav", 0.25 * np.sin(2 * np.pi * 440 * t), SR)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real app server on loopback, shared by a module's tests (each client is its own session)."""
    from web import create_app

    runs_dir = tmp_path_factory.mktemp("served") / "runs"
    with serving(create_app(make_agent(runs_dir), runs_dir=runs_dir, max_upload_mb=1)) as url:
        yield url


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """``app`` served on a free loopback port while the block runs; yields its URL."""
    port = free_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()
