"""The executor's whole contract (tests/agent/test_executor.py), rerun on a local Ray cluster.

Each test runs once per way of running on Ray: as tasks with files shared in place or copied
through the object store (as between machines), and on per-tool actors with files copied.
"""

from __future__ import annotations

import functools

import pytest

pytest.importorskip("ray")  # an optional extra

import agent._ray
from agent import make_executor
from tests.agent.test_executor import *  # noqa: F403  (every contract test, rerun here)

pytestmark = pytest.mark.ray


@pytest.fixture(params=["tasks-shared", "tasks-copy", "actors-copy"])
def executor_kind(request, ray_cluster, monkeypatch) -> str:
    """``"ray"``, with ``make_executor`` building the RayRunner variant under test."""
    placement, files = request.param.split("-")
    variant = functools.partial(agent._ray.RayRunner, placement=placement, files=files)
    monkeypatch.setattr(agent._ray, "RayRunner", variant)
    return "ray"


def test_the_contract_reruns_on_the_ray_variant(executor_kind, request):
    """Guards the fixture: without it the imported tests would quietly run on threads."""
    runner = make_executor(executor_kind).runner
    placement, files = request.node.callspec.params["executor_kind"].split("-")
    assert type(runner).__name__ == "RayRunner"
    assert (runner.placement, runner.files) == (placement, files)
