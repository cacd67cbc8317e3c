"""Choosing a planner for one session: by name, among the operator's planners only."""

from __future__ import annotations

import pytest

from agent import Plan
from tools import TroupeError
from web import create_app
from web._settings import PlannerChoices


class Named:
    def __init__(self, name: str):
        self.name = name

    def plan(self, request, files, registry) -> Plan:
        return Plan(reply=f"planned by {self.name}")


def test_default_keeps_the_apps_planner_and_offline_is_offered_unless_told():
    choices = PlannerChoices()
    assert choices.names == ["default", "offline"]
    assert choices.choose("default") is None


def test_an_offered_planner_is_built_once_on_first_use_and_shared():
    made = []
    choices = PlannerChoices({"local": lambda: made.append(1) or Named("local"), "mine": Named("mine")})
    assert made == []  # nothing is set up before someone picks it
    first, second = choices.choose("local"), choices.choose("local")
    assert first is second and made == [1]
    assert choices.choose("mine").name == "mine"


@pytest.mark.parametrize("name", ["openai", "http://evil.example/v1", "", None, "Default"])
def test_only_the_operators_planners_can_be_picked(name):
    with pytest.raises(TroupeError, match=r"Unknown planner .*; choose one of: default, offline, local$"):
        PlannerChoices({"offline": "offline", "local": Named("local")}).choose(name)


def test_default_is_not_a_planners_name():
    with pytest.raises(ValueError, match="'default' names the app's own planner"):
        PlannerChoices({"default": Named("x")})


def test_a_planner_that_cannot_be_set_up_says_so():
    def broken():
        raise ValueError("max_tokens (0) and timeout_s (60.0) must be > 0")

    with pytest.raises(TroupeError, match=r"could not set up the local planner: max_tokens \(0\)"):
        PlannerChoices({"local": broken}).choose("local")


def test_the_page_has_no_field_for_an_endpoint(agent, tmp_path):
    app = create_app(
        agent, runs_dir=tmp_path / "runs", planners={"offline": "offline", "local": Named("local")}
    )
    components = app.config["components"]
    kinds = {c["type"] for c in components}
    # The message box is the only place to type; no URL, model or key reaches the server.
    assert "textbox" not in kinds and "multimodaltextbox" in kinds
    (radio,) = [c for c in components if c["type"] == "radio"]
    assert [choice[0] for choice in radio["props"]["choices"]] == ["default", "offline", "local"]
    labels = " ".join(str(c["props"].get("label")) for c in components).lower()
    assert not any(word in labels for word in ("url", "api key", "model"))
