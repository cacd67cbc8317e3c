"""A step asks Ray for a GPU when its call runs a model that uses one, and only then: the rule
(:mod:`agent._ray._resources`) on its own, with the real tools, and on a real local cluster
that has a (pretend) GPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Literal

import pytest

from agent._ray._resources import step_resources
from tools import ToolContext, default_registry, get_spec, tool

REPO = Path(__file__).resolve().parents[2]


@tool(cache=False, gpu_when=lambda args: args.get("backend", "auto") != "dsp")
def neural(backend: Literal["auto", "dsp", "net"] = "auto", *, ctx: ToolContext) -> str:
    """Pretend to run a model on the step's device unless told to use signal processing.

    Args:
        backend: 'net', 'dsp' or 'auto'.
    """
    return ctx.device


@tool(cache=False, resources={"cpu": 2, "gpu": 0.5}, gpu_when=lambda args: True)
def pinned() -> str:
    """A tool that states its GPU share itself.

    Args:
    """
    return "ran"


@tool(cache=False, resources={"cpu": 2})
def plain() -> str:
    """A tool without a neural backend.

    Args:
    """
    return "ran"


def _broken(args: dict) -> bool:
    raise ValueError("no such backend")


@tool(cache=False, gpu_when=_broken)
def confused() -> str:
    """A tool whose question cannot be answered.

    Args:
    """
    return "ran"


NEURAL, PINNED, PLAIN, CONFUSED = (get_spec(t) for t in (neural, pinned, plain, confused))
NET = {"backend": "net"}


@pytest.mark.parametrize(
    ("spec", "args", "device", "cluster_gpus", "expected"),
    [
        (NEURAL, NET, "auto", 1, {"gpu": 1}),  # a model, and a GPU to run it on
        (NEURAL, {}, "auto", 2, {"gpu": 1}),  # the tool's default backend decides
        (NEURAL, {"backend": "dsp"}, "auto", 1, {}),  # a CPU-only call holds no GPU
        (NEURAL, NET, "auto", 0, {}),  # auto on a cluster without GPUs: the CPU
        (NEURAL, NET, "cpu", 1, {}),  # the run asked for the CPU
        (NEURAL, NET, "cuda", 0, {"gpu": 1}),  # asked for: Ray queues it and the runner says so
        (NEURAL, NET, "cuda:1", 1, {"gpu": 1}),
        (NEURAL, NET, "CUDA", 1, {"gpu": 1}),
        (NEURAL, NET, "tpu", 1, {}),  # a bad device fails the step itself, on the worker
        (PINNED, {}, "auto", 4, {"cpu": 2, "gpu": 0.5}),  # the tool's own GPU hint wins
        (PINNED, {}, "cpu", 4, {"cpu": 2, "gpu": 0.5}),
        (PLAIN, {}, "cuda", 4, {"cpu": 2}),  # no neural backend: its hints unchanged
        (CONFUSED, {}, "auto", 4, {}),  # the question raised: no GPU
    ],
)
def test_a_step_asks_for_a_gpu_only_when_its_call_runs_a_model(spec, args, device, cluster_gpus, expected):
    assert step_resources(spec, args, device, cluster_gpus) == expected


def test_troupe_device_cpu_keeps_auto_off_the_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TROUPE_DEVICE", "cpu")
    assert step_resources(NEURAL, NET, "auto", 1) == {}
    assert step_resources(NEURAL, NET, "cuda", 1) == {"gpu": 1}  # an explicit device wins


def test_the_tools_with_neural_backends_say_when_they_use_a_gpu_and_no_other_does() -> None:
    asking = {spec.name for spec in default_registry() if spec.gpu_when is not None}
    assert asking == {"music_generate", "music_separate", "transcribe", "text_to_speech", "co_speech_gesture"}


@pytest.mark.slow
def test_music_generate_asks_for_a_gpu_once_musicgen_is_installed_and_for_its_calls_only(
    tmp_path: Path,
) -> None:
    from agent.cli import main
    from tests.models.tiny_musicgen import build
    from tools.music.generate import music_generate

    spec = get_spec(music_generate)
    short = {"description": "soft piano", "duration": 5}
    assert step_resources(spec, short, "auto", 1) == {}  # nothing installed: compose, on the CPU
    assert main(["models", "import", "musicgen-small", str(build(tmp_path / "musicgen"))]) == 0
    assert step_resources(spec, short, "auto", 1) == {"gpu": 1}
    assert step_resources(spec, {**short, "backend": "compose"}, "auto", 1) == {}
    assert step_resources(spec, {"description": "soft piano, 2 minutes"}, "auto", 1) == {}  # past 30 s
    assert step_resources(spec, short, "cpu", 1) == {}


def test_co_speech_gesture_asks_for_a_gpu_for_its_diffusion_model_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tools.gesture.co_speech_gesture import CHECKPOINT_ENV, co_speech_gesture

    spec = get_spec(co_speech_gesture)
    monkeypatch.delenv(CHECKPOINT_ENV, raising=False)
    assert step_resources(spec, {}, "auto", 1) == {}  # auto without a checkpoint: prosody
    assert step_resources(spec, {"checkpoint": "gesture.pt"}, "auto", 1) == {"gpu": 1}
    assert step_resources(spec, {"checkpoint": "gesture.pt", "backend": "prosody"}, "auto", 1) == {}
    monkeypatch.setenv(CHECKPOINT_ENV, "hf:someone/gestures")
    assert step_resources(spec, {}, "auto", 1) == {"gpu": 1}


def _python(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "TROUPE_DEVICE")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, env=env, capture_output=True, text=True
    )


@pytest.mark.ray
@pytest.mark.slow
def test_on_a_cluster_with_a_gpu_only_the_model_steps_hold_it(tmp_path: Path) -> None:
    """A local cluster told it has one GPU (Ray schedules it; none needs to exist): the step
    that runs a model gets it, on tasks and on actors; the CPU step and a run on the CPU do not."""
    pytest.importorskip("ray")
    done = _python(
        f"""
        import json, os
        from typing import Literal

        import ray

        from agent import Executor, Plan, RunStore, UserFiles, validate_plan
        from agent._ray import RayRunner
        from tools import Registry, ToolContext, tool

        @tool(cache=False, gpu_when=lambda args: args.get("backend", "auto") != "dsp")
        def where(backend: Literal["auto", "dsp", "net"] = "auto", *, ctx: ToolContext) -> str:
            '''Say which device the step got and which GPUs Ray gave it.

            Args:
                backend: 'net', 'dsp' or 'auto'.
            '''
            return json.dumps({{"device": ctx.device, "gpus": [str(g) for g in ray.get_gpu_ids()]}})

        ray.init(num_cpus=2, num_gpus=1, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
        steps = [{{"id": "net", "tool": "where", "args": {{"backend": "net"}}}},
                 {{"id": "dsp", "tool": "where", "args": {{"backend": "dsp"}}}}]
        plan = validate_plan(Plan.from_data({{"steps": steps}}), Registry([where]), UserFiles([]))
        report = {{}}
        for placement, device in (("tasks", "auto"), ("actors", "auto"), ("tasks", "cpu")):
            runner = RayRunner(placement=placement)
            result = Executor(runner, device=device).run(plan, RunStore({str(tmp_path / "runs")!r}).new_run("gpu"))
            runner.close()
            report[f"{{placement}}/{{device}}"] = {{
                s.id: json.loads(s.output) if s.output else s.error for s in result.steps
            }}
        print(json.dumps(report))
        ray.shutdown()
        """
    )
    report = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
    assert report, done.stdout[-2000:] + done.stderr[-3000:]
    for run in ("tasks/auto", "actors/auto"):
        assert report[run]["net"] == {"device": "cuda", "gpus": ["0"]}, report
        assert report[run]["dsp"] == {"device": "cpu", "gpus": []}, report
    assert report["tasks/cpu"]["net"] == {"device": "cpu", "gpus": []}, report


@tool(cache=False, retries=1)
def dies_once(marker: str) -> str:
    """End the worker process the first time (as a crash would), answer the second.

    Args:
        marker: a file that says the first attempt happened.
    """
    if not os.path.exists(marker):
        Path(marker).write_text("died once")
        os._exit(1)
    return str(os.getpid())


@pytest.mark.ray
def test_a_lost_actor_is_replaced_for_the_retry(ray_cluster, tmp_path: Path) -> None:
    from agent import Executor, Plan, RunStore, UserFiles, validate_plan
    from agent._ray import RayRunner
    from tools import Registry

    steps = [{"id": "d", "tool": "dies_once", "args": {"marker": str(tmp_path / "marker")}}]
    plan = validate_plan(Plan.from_data({"steps": steps}), Registry([dies_once]), UserFiles([]))
    runner = RayRunner(placement="actors")
    result = Executor(runner, retry_backoff_s=0.0).run(plan, RunStore(tmp_path / "runs").new_run("lost"))
    runner.close()
    step = result.step("d")
    assert step.status == "finished" and step.attempts == 2, step.error
    assert int(step.output) != os.getpid()
