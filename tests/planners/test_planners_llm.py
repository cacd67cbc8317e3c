"""LLM planners against a real chat-completions server on 127.0.0.1 and LangChain fake models.

The server is stdlib ``http.server`` in a thread, answering each request with the next
scripted reply, so the openai SDK, HTTP and timeouts are exercised for real. Fallbacks
use a stub planner here (the real offline fallback is covered in the slow test).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from planner_chat_server import ChatServer, serve
from planner_standins import standin_registry

from agent import Plan, PlanningError, get_planner
from agent.planners._llm import parse_plan
from agent.planners.langchain import LangChainPlanner
from agent.planners.openai import OpenAIPlanner

VALID = {"steps": [{"id": "speech", "tool": "text_to_speech", "args": {"text": "hello", "style": "calm"}}]}
UNKNOWN_TOOL = {"steps": [{"id": "s", "tool": "dance_battle", "args": {}}]}


class StubFallback:
    """Stands in for the offline planner: records that it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def plan(self, request: str, files: list[Path], registry: object) -> Plan:
        self.calls += 1
        return Plan(reply="offline plan")


@pytest.fixture
def server() -> Iterator[ChatServer]:
    yield from serve()


@pytest.fixture
def registry():
    return standin_registry()


def _planner(server: ChatServer, **options) -> OpenAIPlanner:
    return OpenAIPlanner(model="scripted", base_url=server.url, api_key="test", **options)


def test_valid_plan_is_returned_as_given_and_the_request_is_bounded(server, registry):
    server.answer(VALID)
    fallback = StubFallback()
    plan = _planner(server, max_tokens=300, fallback=fallback).plan("say hello calmly", [], registry)
    assert plan.to_dict()["steps"] == VALID["steps"]
    assert plan.reply is None and fallback.calls == 0
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["max_tokens"] == 300  # always bounded
    assert sent["response_format"]["type"] == "json_schema"
    system = sent["messages"][0]["content"]
    assert "text_to_speech(" in system and "talking_face(" in system  # the catalog is in the prompt
    assert sent["messages"][-1] == {"role": "user", "content": "say hello calmly"}


def test_files_are_named_uniquely_and_the_model_may_read_only_them(server, registry, tmp_path):
    from tools._media import write_wav

    songs = []
    for folder in ("d1", "d2"):
        (tmp_path / folder).mkdir()
        songs.append(write_wav(tmp_path / folder / "song.wav", [0.0, 0.1] * 800, 16000))
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the model")
    server.answer({"steps": [{"id": "leak", "tool": "text_sentiment", "args": {"text": f"@{secret}"}}]})
    mix = {
        "steps": [{"id": "mix", "tool": "audio_mix", "args": {"tracks": ["@d1/song.wav", "@d2/song.wav"]}}]
    }
    server.answer(mix)
    fallback = StubFallback()
    plan = _planner(server, fallback=fallback).plan("mix these two", songs, registry)
    system = server.requests[0]["messages"][0]["content"]
    assert "- @d1/song.wav (Audio)\n- @d2/song.wav (Audio)" in system
    repair = server.requests[1]["messages"][-1]["content"]
    assert f"step 'leak': argument 'text': @{secret} is outside the files given with the request" in repair
    assert plan.to_dict()["steps"] == mix["steps"] and fallback.calls == 0


def test_broken_json_is_sent_back_once_with_the_error(server, registry):
    server.answer('{"steps": [{"id": "speech", "tool": "text_to_speech"')  # cut off
    server.answer(f"Here you go:\n```json\n{json.dumps(VALID)}\n```")
    fallback = StubFallback()
    plan = _planner(server, fallback=fallback).plan("say hello calmly", [], registry)
    assert [s.tool for s in plan.steps] == ["text_to_speech"] and fallback.calls == 0
    repair = server.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant" and "not JSON" in repair[-1]["content"]


def test_unknown_tool_twice_falls_back_and_says_so(server, registry):
    server.answer(UNKNOWN_TOOL)
    server.answer(UNKNOWN_TOOL)
    fallback = StubFallback()
    plan = _planner(server, fallback=fallback).plan("dance", [], registry)
    assert fallback.calls == 1 and len(server.requests) == 2
    assert "dance_battle" in server.requests[1]["messages"][-1]["content"]  # the re-ask names the problem
    assert plan.reply.startswith("Note: the openai planner's plan was invalid")
    assert "Unknown tool 'dance_battle'" in plan.reply and plan.reply.endswith("offline plan")


def test_slow_reply_past_the_timeout_falls_back(server, registry):
    server.answer(VALID, delay_s=3.0)
    fallback = StubFallback()
    start = time.monotonic()
    plan = _planner(server, timeout_s=0.5, fallback=fallback).plan("say hello", [], registry)
    assert time.monotonic() - start < 2.5  # gave up at the limit, did not wait the reply out
    assert fallback.calls == 1 and "did not answer within the time limit" in plan.reply


def test_server_without_json_schema_gets_json_mode(server, registry):
    server.refuse(400, "response_format json_schema is not supported by this server")
    server.answer(VALID)
    planner = _planner(server, fallback=StubFallback())
    plan = planner.plan("say hello calmly", [], registry)
    assert [s.tool for s in plan.steps] == ["text_to_speech"]
    assert [r["response_format"]["type"] for r in server.requests] == ["json_schema", "json_object"]
    server.answer(VALID)
    planner.plan("say hello again", [], registry)
    assert server.requests[-1]["response_format"]["type"] == "json_object"  # remembered


def test_endpoint_and_model_come_from_the_environment(server, registry, monkeypatch):
    monkeypatch.setenv("TROUPE_LLM_BASE_URL", server.url)
    monkeypatch.setenv("TROUPE_LLM_MODEL", "env-model")
    server.answer({"steps": [], "reply": "Hello! I can speak, sing and animate faces."})
    plan = get_planner("openai").plan("hi", [], registry)
    assert plan.steps == [] and plan.reply.startswith("Hello!")
    assert server.requests[0]["model"] == "env-model"


def test_no_fallback_raises_a_planning_error(server, registry):
    server.refuse(401, "bad key")
    with pytest.raises(PlanningError, match="HTTP 401: bad key"):
        _planner(server, fallback=None).plan("say hello", [], registry)


def test_bad_settings_are_refused_before_any_call(server):
    with pytest.raises(ValueError, match="max_tokens"):
        _planner(server, max_tokens=0)
    with pytest.raises(ValueError, match="mode"):
        _planner(server, mode="xml")


def test_answer_parsing_accepts_fences_prose_and_a_wrapper():
    assert parse_plan(json.dumps({"plan": VALID})).steps[0].tool == "text_to_speech"
    assert parse_plan("Sure! " + json.dumps(VALID) + " Enjoy.").steps[0].id == "speech"
    assert parse_plan(json.dumps(VALID["steps"])).steps[0].args["style"] == "calm"  # a bare list


# -- LangChain -------------------------------------------------------------------------------
def _fake(*answers: str):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    return FakeListChatModel(responses=list(answers))


def test_langchain_model_plans_and_repairs(registry):
    model = _fake("not json at all", json.dumps(VALID))
    planner = get_planner(model, fallback=StubFallback())
    assert isinstance(planner, LangChainPlanner)
    plan = planner.plan("say hello calmly", [], registry)
    assert [s.tool for s in plan.steps] == ["text_to_speech"] and plan.reply is None


def test_langchain_invalid_twice_falls_back(registry):
    fallback = StubFallback()
    plan = LangChainPlanner(_fake(json.dumps(UNKNOWN_TOOL)), fallback=fallback).plan("dance", [], registry)
    assert fallback.calls == 1 and "LangChain planner's plan was invalid" in plan.reply


def test_langchain_rejects_what_is_not_a_chat_model():
    with pytest.raises(Exception, match="not a planner name"):
        get_planner(42)


@pytest.mark.slow
def test_fallback_is_the_real_offline_planner(server, registry):
    server.answer("nonsense")
    server.answer("still nonsense")
    plan = _planner(server).plan("Say 'good evening' in a calm voice", [], registry)
    assert [(s.tool, s.args) for s in plan.steps] == [
        ("text_to_speech", {"text": "good evening", "style": "calm"})
    ]
    assert plan.reply.startswith("Note: the openai planner's plan was invalid")


def test_earlier_results_are_listed_and_may_be_read(server, registry, tmp_path):
    from agent._context import Earlier
    from tools._media import write_wav

    speech = write_wav(tmp_path / "speech.wav", [0.0, 0.1] * 800, 16000)
    earlier = Earlier(speech, "Audio", "text_to_speech", "text_to_speech", None, {"text": "hi"}, "say hi")
    mix = {"steps": [{"id": "mix", "tool": "audio_mix", "args": {"tracks": ["@speech.wav"]}}]}
    server.answer(mix)
    plan = _planner(server, fallback=StubFallback()).plan("make it louder", [], registry, context=[earlier])
    system = server.requests[0]["messages"][0]["content"]
    assert "- @speech.wav (Audio; made by text_to_speech for the earlier request 'say hi')" in system
    assert plan.to_dict()["steps"] == mix["steps"]  # the earlier result is readable
