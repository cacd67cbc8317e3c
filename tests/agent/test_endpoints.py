"""LLM endpoints are the operator's configuration: flags, environment, endpoints.toml."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent import cli
from agent._endpoints import Endpoint, configured_planners, endpoints_file, load_endpoints, planner_options
from tools import TroupeError

GOOD = """\
[local]
base_url = "http://127.0.0.1:11434/v1"
model = "llama3.1"
api_key_env = "LOCAL_LLM_KEY"

[big-one]
base_url = "https://llm.example/v1"
model = "big"
"""


@pytest.fixture
def endpoints() -> Path:
    path = endpoints_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(GOOD)
    return path


def test_named_endpoints_are_read_from_troupe_home(endpoints, monkeypatch):
    assert endpoints == Path(os.environ["TROUPE_HOME"]) / "endpoints.toml"
    found = load_endpoints()
    assert found == {
        "local": Endpoint("local", "http://127.0.0.1:11434/v1", "llama3.1", "LOCAL_LLM_KEY"),
        "big-one": Endpoint("big-one", "https://llm.example/v1", "big"),
    }
    monkeypatch.setenv("LOCAL_LLM_KEY", "sk-local")
    assert found["local"].options() == {
        "base_url": "http://127.0.0.1:11434/v1",
        "model": "llama3.1",
        "api_key": "sk-local",
    }
    planner = found["local"].planner()  # nothing is contacted until it plans
    assert planner.model == "llama3.1" and str(planner.client.base_url).startswith(
        "http://127.0.0.1:11434/v1"
    )
    assert planner.client.api_key == "sk-local"


def test_no_file_means_no_named_endpoints():
    assert load_endpoints() == {}
    assert configured_planners() == {"offline": "offline"}  # no endpoint set anywhere


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[local\n", "cannot read the endpoints file"),
        ('[local]\nbase_url = "ftp://x"\nmodel = "m"\n', r"\[local\]: needs base_url \(http://"),
        ('[local]\nbase_url = "http://x/v1"\n', "needs base_url .* and model"),
        ('[local]\nbase_url = "http://x/v1"\nmodel = "m"\napi_key = "sk"\n', "only the keys base_url, model"),
        ('[openai]\nbase_url = "http://x/v1"\nmodel = "m"\n', "not one of default, offline, openai"),
        ('[local]\nbase_url = "http://x/v1"\nmodel = 3\n', "every value is text"),
    ],
)
def test_a_malformed_file_names_the_entry_and_the_fix(text, message):
    endpoints_file().parent.mkdir(parents=True, exist_ok=True)
    endpoints_file().write_text(text)
    with pytest.raises(TroupeError, match=message):
        load_endpoints()


def test_openai_is_configured_by_flags_or_environment(endpoints, monkeypatch):
    assert list(configured_planners()) == ["offline", "local", "big-one"]
    planners = configured_planners("http://127.0.0.1:9/v1", "m")
    assert planners["openai"] == Endpoint("openai", "http://127.0.0.1:9/v1", "m")
    monkeypatch.setenv("TROUPE_LLM_BASE_URL", "http://127.0.0.1:8/v1")
    assert configured_planners()["openai"] == Endpoint("openai")  # the planner reads the environment
    with pytest.raises(TroupeError, match="--llm-base-url wants http"):
        configured_planners("127.0.0.1:9")


def test_planner_options_by_name(endpoints):
    assert planner_options("offline") == {"planner": "offline"}
    options = planner_options("big-one")
    assert options["planner"].model == "big" and type(options["responder"]).__name__ == "LLMResponder"
    assert planner_options("openai", "http://127.0.0.1:9/v1", "m")["planner"].model == "m"
    with pytest.raises(
        TroupeError, match="Unknown planner 'psychic'; known planners: offline, openai, local"
    ):
        planner_options("psychic")


def test_troupe_web_offers_the_operators_planners_and_nothing_else(endpoints, monkeypatch):
    import web

    seen = {}
    monkeypatch.setattr(web, "launch", lambda **options: seen.update(options))
    args = ["web", "--planner", "local", "--llm-base-url", "http://127.0.0.1:9/v1", "--llm-model", "m"]
    assert cli.main(args) == 0
    assert list(seen["planners"]) == ["offline", "openai", "local", "big-one"]
    assert seen["planner"].model == "llama3.1"  # the default: the named endpoint
    assert seen["planners"]["openai"]().model == "m"
    assert cli.main(["web", "--planner", "nowhere"]) == 2
