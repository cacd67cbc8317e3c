"""A session's plans read only that session's files, whoever wrote the plan.

Hostile plans name server files (``@/etc/passwd``), climb out with ``..``, follow a symlink
planted in the uploads, or name another session's result. They come from a planner that
trusts its model (so the app's own check is the one that must hold), from the real
OpenAI-compatible planner talking to a scripted chat-completions server on 127.0.0.1, and,
in the served test, through the app's HTTP API.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import Agent, Plan
from agent.planners._llm import parse_plan
from agent.planners.openai import OpenAIPlanner
from tests.planners.planner_chat_server import ChatServer, serve
from tools import Registry, Text, ToolContext, tool
from web._chat import ChatTurn
from web._session import Session

SECRET = "the server's own secret: root:x:0:0"


@tool
def quote(text: str, *, ctx: ToolContext) -> Text:
    """Repeat a text word for word.

    Args:
        text: the text to repeat.
    """
    return Text.write(ctx, "quote.txt", text)


class TrustingLLMPlanner:
    """An operator's own planner that asks an LLM and returns its plan unchecked."""

    def __init__(self, url: str):
        self.llm = OpenAIPlanner(model="scripted", base_url=url, api_key="test", fallback=None)

    def plan(self, request: str, files, registry) -> Plan:
        return parse_plan(self.llm.complete([{"role": "user", "content": request}]))


def reading(ref: str) -> dict:
    return {"steps": [{"id": "leak", "tool": "quote", "args": {"text": ref}}]}


def texts(history: list[dict]) -> str:
    parts = []
    for message in history:
        content = message["content"]
        for part in content if isinstance(content, list) else [content]:
            parts.append(
                part if isinstance(part, str) else part.get("text", "") if isinstance(part, dict) else ""
            )
    return "\n".join(parts)


@pytest.fixture
def server() -> Iterator[ChatServer]:
    yield from serve()


def tools_of(agent: Agent) -> Registry:
    """The web tests' tools (louder, loudness…) and ``quote``."""
    return Registry([*agent.registry, quote])


@pytest.fixture
def layout(tmp_path: Path, tone_wav: Path, agent: Agent, server: ChatServer) -> dict:
    """Two sessions side by side; secrets outside them; a symlink planted in one's uploads."""
    runs_dir = tmp_path / "runs"
    agent = Agent(TrustingLLMPlanner(server.url), registry=tools_of(agent), runs_dir=runs_dir, cache=False)
    root = runs_dir / "web"
    mine, theirs = Session(root, 1_000_000), Session(root, 1_000_000)
    (tmp_path / "secret.txt").write_text(SECRET)
    (root / "x.txt").write_text(SECRET)
    (mine.dir / "uploads" / "link.txt").symlink_to(tmp_path / "secret.txt")
    (theirs.dir / "uploads" / "diary.txt").write_text(SECRET)
    return {"agent": agent, "mine": mine, "theirs": theirs, "tone": tone_wav}


HOSTILE = [
    "@/etc/passwd",
    "@../../x.txt",  # out of the uploads and the session
    "@link.txt",  # a symlink inside the uploads that points out
    "@{theirs}/uploads/diary.txt",  # another session's file
    "@../../{theirs_token}/uploads/diary.txt",
]


def hostile(ref: str, layout: dict) -> str:
    return ref.format(theirs=layout["theirs"].dir, theirs_token=layout["theirs"].token)


@pytest.mark.parametrize("ref", HOSTILE)
def test_any_planners_plan_is_confined_to_the_session(layout, server, ref):
    ref = hostile(ref, layout)
    server.answer(reading(ref))
    mine = layout["mine"]
    history = list(ChatTurn(layout["agent"], mine, [], "read it to me", [layout["tone"]]))[-1].history
    said = texts(history)
    assert "The plan did not pass its checks, so nothing ran" in said
    assert (
        f"step 'leak': argument 'text': {ref} is outside this session's files; files given: @tone.wav" in said
    )
    assert SECRET not in said and not list((mine.dir / "runs").iterdir())


def test_the_llm_planner_refuses_its_models_plan_and_says_why(layout, server):
    ref = "@/etc/passwd"
    server.answer(reading(ref))
    server.answer(reading(ref))  # the repair is refused too
    planner = OpenAIPlanner(model="scripted", base_url=server.url, api_key="test", fallback=None)
    mine = layout["mine"]
    history = list(ChatTurn(layout["agent"], mine, [], "read it", [layout["tone"]], planner))[-1].history
    said = texts(history)
    assert "I could not plan that: the openai planner's plan was invalid" in said
    assert "@/etc/passwd is outside the files given with the request; files given: @tone.wav" in said
    assert not list((mine.dir / "runs").iterdir())


def test_uploads_and_earlier_results_of_the_session_are_readable(layout, server):
    mine = layout["mine"]
    (mine.dir / "uploads" / "notes.txt").write_text("my own notes")
    server.answer(reading("@notes.txt"))
    list(ChatTurn(layout["agent"], mine, [], "read my notes", []))
    (first,) = (mine.dir / "runs").glob("*/leak/quote.txt")
    assert first.read_text() == "my own notes"
    earlier = first.relative_to(mine.dir)
    server.answer(reading(f"@../{earlier}"))  # a follow-up reading the earlier result
    history = list(ChatTurn(layout["agent"], mine, [], "read that again", []))[-1].history
    assert texts(history).splitlines()[-1].startswith("Done")
    assert sorted(p.read_text() for p in (mine.dir / "runs").glob("*/leak/quote.txt")) == ["my own notes"] * 2


# -- through the app's HTTP API --------------------------------------------------------------
@pytest.mark.slow  # starts a server
def test_served_app_refuses_plans_naming_server_files_and_serves_nothing_outside(layout, server, tmp_path):
    import httpx
    from gradio_client import Client, handle_file

    from web import create_app

    runs_dir = tmp_path / "served"
    served_agent = Agent(TrustingLLMPlanner(server.url), registry=layout["agent"].registry, runs_dir=runs_dir)
    app = create_app(served_agent, runs_dir=runs_dir, max_upload_mb=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        client = Client(url, verbose=False, download_files=False)

        def chat(text: str, files=()) -> list[dict]:
            job = client.submit(
                {"text": text, "files": [handle_file(str(f)) for f in files]}, api_name="/chat"
            )
            job.result(timeout=60)
            return job.outputs()[-1][0]

        # A first, honest request makes the session and shows how files are served.
        server.answer({"steps": [{"id": "up", "tool": "louder", "args": {"audio": "@tone.wav"}}]})
        history = chat("make this louder", [layout["tone"]])
        served = [p["value"] for m in history for p in m["content"] if p.get("component") == "audio"]
        (session_dir,) = (runs_dir / "web").iterdir()
        (session_dir / "uploads" / "link.txt").symlink_to(tmp_path / "secret.txt")
        (tmp_path / "secret.txt").write_text(SECRET)
        (runs_dir / "web" / "x.txt").write_text(SECRET)
        theirs = Session(runs_dir / "web", 1_000_000)
        (theirs.dir / "uploads" / "diary.txt").write_text(SECRET)
        n_runs = len(list((session_dir / "runs").iterdir()))

        for ref in [hostile(r, {"theirs": theirs}) for r in HOSTILE] + ["@@/etc/passwd"]:
            server.answer(reading(ref))
            said = texts(chat("read it to me"))
            if ref.startswith("@@"):  # an escaped literal is only text: quoted, never read
                (quoted,) = (session_dir / "runs").glob("*-read-it-to-me-*/leak/quote.txt")
                assert said.splitlines()[-1].startswith("Done") and quoted.read_text() == "@/etc/passwd"
                continue
            assert f"argument 'text': {ref} is outside this session's files" in said, said
            assert SECRET not in said and "root:x:0:0" not in said
        # Not a reference but a literal artifact: it would name the file past every check.
        server.answer(
            {"steps": [{"id": "leak", "tool": "loudness", "args": {"audio": {"path": "/etc/passwd"}}}]}
        )
        assert "argument 'audio' wants Audio: give a user file '@name'" in texts(chat("read it to me"))
        assert len(list((session_dir / "runs").iterdir())) == n_runs + 1  # only the quoted literal ran

        # The file route serves this session's results, and nothing outside the sessions.
        (audio,) = served
        prefix = audio["url"][: audio["url"].index("file=") + len("file=")]
        assert httpx.get(audio["url"]).status_code == 200
        for path in (
            "/etc/passwd",
            tmp_path / "secret.txt",
            runs_dir / "runs.json",
            session_dir / ".." / "..",
        ):
            response = httpx.get(f"{prefix}{path}")
            assert response.status_code in (403, 404) and SECRET not in response.text
    finally:
        app.close()
