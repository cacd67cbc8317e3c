"""The Python API: Agent.plan / run / stream with a scripted planner and the test tools."""

from __future__ import annotations

import re

import pytest

import tests.testtools as testtools
from agent import Agent, Plan, PlanError, Planner
from tools import Registry, TroupeError


class ScriptedPlanner:
    """A test double: returns the plan it was given and records what it was asked."""

    def __init__(self, plan: Plan):
        self.plan_to_return = plan
        self.calls: list[tuple[str, list]] = []

    def plan(self, request, files, registry):
        self.calls.append((request, list(files)))
        return self.plan_to_return


REGISTRY = Registry([testtools.tone, testtools.measure])
TONE_PLAN = Plan.from_data(
    {
        "steps": [
            {"id": "beep", "tool": "tone", "args": {"freq_hz": 220, "duration_s": 0.2}},
            {"id": "level", "tool": "measure", "args": {"audio": "$beep"}},
        ]
    }
)


def make_agent(tmp_path, plan: Plan) -> tuple[Agent, ScriptedPlanner]:
    planner = ScriptedPlanner(plan)
    assert isinstance(planner, Planner)  # structural: any object with .plan() is a planner
    return Agent(planner=planner, registry=REGISTRY, runs_dir=tmp_path / "runs"), planner


def test_run_returns_outcomes_artifacts_and_reply(tmp_path):
    agent, planner = make_agent(tmp_path, TONE_PLAN)
    result = agent.run("make a low beep and measure it")
    assert planner.calls == [("make a low beep and measure it", [])]
    assert result.ok and [s.status for s in result.steps] == ["finished", "finished"]
    assert [a.kind for a in result.artifacts()] == ["Audio", "Json"]
    assert result.step("level").output.load()["duration_s"] == pytest.approx(0.2, abs=1e-3)
    assert result.run_dir.parent == tmp_path / "runs"
    assert result.reply.startswith("Done — beep (tone) → tone.wav; level (measure) → measure.json.")


def test_stream_yields_events_ending_with_the_result(tmp_path):
    agent, _ = make_agent(tmp_path, TONE_PLAN)
    events = list(agent.stream("beep"))
    assert events[0].kind == "run_started" and events[-1].kind == "run_finished"
    assert {e.step_id for e in events if e.kind == "finished"} == {"beep", "level"}
    assert events[-1].result.reply


def test_user_files_reach_the_planner_and_the_plan(tmp_path):
    wav = tmp_path / "mine.wav"
    first = Agent(planner=ScriptedPlanner(TONE_PLAN), registry=REGISTRY, runs_dir=tmp_path / "r").run("x")
    wav.write_bytes(first.step("beep").output.path.read_bytes())
    plan = Plan.from_data({"steps": [{"id": "m", "tool": "measure", "args": {"audio": "@mine.wav"}}]})
    agent, planner = make_agent(tmp_path, plan)
    result = agent.run("how loud is this", files=[wav])
    assert planner.calls[0][1] == [wav.resolve()]
    assert result.ok and result.step("m").output.load()["peak"] == pytest.approx(0.5, abs=0.01)


def test_empty_plan_returns_the_planners_reply(tmp_path):
    agent, _ = make_agent(tmp_path, Plan(reply="Hello! Ask me to speak, sing or dance."))
    result = agent.run("hi there")
    assert result.steps == [] and result.ok
    assert result.reply == "Hello! Ask me to speak, sing or dance."


def test_invalid_plan_raises_before_anything_runs(tmp_path):
    bad = Plan.from_data({"steps": [{"id": "a", "tool": "measure", "args": {"audio": "$nothing"}}]})
    agent, _ = make_agent(tmp_path, bad)
    with pytest.raises(PlanError, match="no step has id 'nothing'"):
        agent.run("measure nothing")
    assert not (tmp_path / "runs").exists()


def test_empty_request_and_missing_file_are_clear_errors(tmp_path):
    agent, _ = make_agent(tmp_path, TONE_PLAN)
    with pytest.raises(TroupeError, match="the request is empty"):
        agent.run("   ")
    with pytest.raises(TroupeError, match=r"input file .*ghost\.wav does not exist"):
        agent.run("measure this", files=[tmp_path / "ghost.wav"])


def test_a_given_plan_runs_without_the_planner(tmp_path):
    agent, planner = make_agent(tmp_path, Plan())
    result = agent.run(plan=TONE_PLAN, out_dir=tmp_path / "out")
    assert result.ok and planner.calls == [] and result.run_dir == (tmp_path / "out").resolve()
    with pytest.raises(TroupeError, match="is not empty"):
        agent.run(plan=TONE_PLAN, out_dir=tmp_path / "out")


def test_a_planners_plan_may_read_only_the_files_given(tmp_path):
    outside = tmp_path / "outside.wav"
    wav = tmp_path / "mine.wav"
    first = Agent(planner=ScriptedPlanner(TONE_PLAN), registry=REGISTRY, runs_dir=tmp_path / "r").run("x")
    for path in (wav, outside):
        path.write_bytes(first.step("beep").output.path.read_bytes())
    sneaky = Plan.from_data({"steps": [{"id": "m", "tool": "measure", "args": {"audio": f"@{outside}"}}]})
    agent, _ = make_agent(tmp_path, sneaky)
    message = f"step 'm': argument 'audio': @{outside} is outside the files given with the request"
    for call in (lambda: agent.plan("how loud", [wav]), lambda: agent.run("how loud", files=[wav])):
        with pytest.raises(PlanError, match=re.escape(message)):
            call()
    assert not (tmp_path / "runs").exists()
    # The user's own plan may name their own files.
    assert agent.run(plan=sneaky, files=[wav]).ok
    assert agent.validate(sneaky).steps["m"].args["audio"].path == outside


def test_unknown_planner_and_executor_names():
    with pytest.raises(TroupeError, match="Unknown planner 'psychic'; known planners: offline, openai"):
        Agent(planner="psychic", registry=REGISTRY).planner  # noqa: B018  (built on first use)
    with pytest.raises(TroupeError, match="Unknown executor 'quantum'; known executors: local, ray"):
        Agent(executor="quantum", registry=REGISTRY)


def test_the_responder_follows_the_planner():
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from agent import LLMResponder, TemplateResponder

    assert isinstance(Agent(registry=REGISTRY).responder, TemplateResponder)
    chat_model = FakeListChatModel(responses=["All done."])
    assert isinstance(Agent(planner=chat_model, registry=REGISTRY).responder, LLMResponder)


# -- a planner that is unsure, and turns that build on earlier results ---------------------
def test_an_unsure_plan_is_asked_about_not_run(tmp_path):
    unsure = TONE_PLAN.model_copy(
        update={"confidence": 0.1, "alternatives": [Plan.from_data(TONE_PLAN.steps[:1])]}
    )
    agent, _ = make_agent(tmp_path, unsure)
    result = agent.run("beep or something")
    assert result.steps == []  # nothing ran
    assert "(1) tone, then measure; or (2) tone" in result.reply and "Which one did you mean?" in result.reply
    assert [len(p.steps) for p in result.plan.alternatives] == [2, 1]  # the readings, for a person to pick


def test_ask_below_zero_runs_the_best_reading(tmp_path):
    unsure = TONE_PLAN.model_copy(update={"confidence": 0.1})
    planner = ScriptedPlanner(unsure)
    agent = Agent(planner=planner, registry=REGISTRY, runs_dir=tmp_path / "runs", ask_below=0.0)
    assert agent.run("beep").ok


class ContextPlanner(ScriptedPlanner):
    """Records the earlier results it is given."""

    def plan(self, request, files, registry, context=()):
        self.context = list(context)
        return super().plan(request, files, registry)


def test_earlier_results_reach_the_planner_and_may_be_read(tmp_path):
    agent = Agent(planner=ScriptedPlanner(TONE_PLAN), registry=REGISTRY, runs_dir=tmp_path / "runs")
    first = agent.run("make a beep")
    from agent._context import earlier_results

    earlier = earlier_results([first])
    assert [(e.tool, e.kind, e.step) for e in earlier] == [
        ("tone", "Audio", "beep"),
        ("measure", "Json", "level"),
    ]
    assert earlier[0].args == {"freq_hz": 220, "duration_s": 0.2} and earlier[0].request == "make a beep"

    follow_up = Plan.from_data([{"id": "again", "tool": "measure", "args": {"audio": f"@{earlier[0].path}"}}])
    planner = ContextPlanner(follow_up)
    agent = Agent(planner=planner, registry=REGISTRY, runs_dir=tmp_path / "runs")
    result = agent.run("measure that beep again", context=earlier)
    assert planner.context == earlier
    assert result.ok  # the earlier file is readable: it is part of the context

    with pytest.raises(PlanError, match="outside"):  # without the context it is not
        Agent(planner=ScriptedPlanner(follow_up), registry=REGISTRY, runs_dir=tmp_path / "runs").run("again")


def test_a_plan_that_still_needs_a_value_says_which(tmp_path):
    waiting = Plan.from_data(
        [{"id": "beep", "tool": "tone", "args": {"freq_hz": "{{pitch}}", "duration_s": 0.2}}]
    )
    agent, _ = make_agent(tmp_path, waiting)
    with pytest.raises(
        PlanError, match=r"argument 'freq_hz' has no value yet \(\{\{pitch\}\}\).*--set pitch="
    ):
        agent.run("beep at some pitch")
