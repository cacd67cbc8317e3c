"""A conversation through the HTTP API: a follow-up builds on the turn before; one turn at a time."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from conftest import serving
from gradio_client import Client

from agent import Agent
from tests import testtools
from tools import Registry

pytestmark = pytest.mark.slow  # starts a server


def texts(history: list[dict]) -> list[str]:
    return [p["text"] for m in history for p in m["content"] if p.get("type") == "text"]


def audio_values(history: list[dict]) -> list[str]:
    return [p["value"] for m in history for p in m["content"] if p.get("component") == "audio"]


def chat(client: Client, text: str) -> list[dict]:
    job = client.submit({"text": text, "files": []}, api_name="/chat")
    job.result(timeout=60)
    return job.outputs()[-1][0]


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with the offline planner and the two stand-in tools (tone, measure)."""
    from web import create_app

    runs_dir = tmp_path_factory.mktemp("tones") / "runs"
    agent = Agent(registry=Registry([testtools.tone, testtools.measure]), runs_dir=runs_dir, cache=False)
    with serving(create_app(agent, runs_dir=runs_dir, max_upload_mb=1)) as url:
        yield url


def test_a_follow_up_measures_the_tone_of_the_turn_before(tones, tmp_path):
    client = Client(tones, verbose=False, download_files=str(tmp_path / "downloads"))
    first = chat(client, "make a 440 Hz test tone")
    assert texts(first)[-1].startswith("Done") and len(audio_values(first)) == 1
    history = chat(client, "how loud is it?")
    said = "\n".join(texts(history))
    assert "✓ `measure` — done in" in said
    # The tone tool writes 1 s at amplitude 0.5: the measure of *that* file, not of anything else.
    assert "| duration_s | 1 |" in said and "| peak | 0.5 |" in said
    assert [t for m in history if m["role"] == "user" for t in texts([m])] == [
        "make a 440 Hz test tone",
        "how loud is it?",
    ]


def test_after_new_chat_a_follow_up_has_nothing_to_build_on(tones):
    client = Client(tones, verbose=False, download_files=False)
    chat(client, "make a 440 Hz test tone")
    client.predict(api_name="/new_chat")
    history = chat(client, "how loud is it?")
    assert texts(history) == [
        "how loud is it?",
        "I need more to do that: measure needs Audio for 'audio'; attach a file with the clip button.",
    ]


def test_a_second_request_of_one_session_while_one_runs_is_told_to_wait(served):
    client = Client(served, verbose=False, download_files=False)  # one client: one session
    slow = client.submit({"text": "wait a while", "files": []}, api_name="/chat")  # a 30 s step
    deadline = time.monotonic() + 20
    while not any("running" in t for out in slow.outputs() for t in texts(out[0])):
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.05)
    history = chat(client, "take a nap")
    assert "still busy with a request (perhaps from another tab)" in texts(history)[-1]
    client.predict(api_name="/stop")
    slow.result(timeout=20)
    final = slow.outputs()[-1][0]
    assert not any("take a nap" in t for t in texts(final))  # the other request left no trace
    history = chat(client, "take a nap")  # the session is free again
    assert texts(history)[-1].startswith("Done")
