"""What the app's buttons do, one method per event, each for the session that sent it.

Every handler takes the session's :class:`Session` (``None`` before its first request:
one is made then) and hands it back, so Gradio keeps it in the session's state.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from agent import Agent
from tools import TroupeError

from ._chat import ChatTurn
from ._session import Session
from ._settings import PlannerChoices

__all__ = ["EMPTY_INPUT", "Handlers"]

#: The chat input's value when empty (also what clears it).
EMPTY_INPUT = {"text": "", "files": []}


class Handlers:
    """The event handlers of one app.

    Args:
        agent: plans and runs every session's requests.
        sessions_root: the folder holding one private folder per session.
        max_upload_bytes: largest upload accepted, > 0.
        planners: the planners a session may switch to.
    """

    def __init__(self, agent: Agent, sessions_root: Path, max_upload_bytes: int, planners: PlannerChoices):
        self.agent = agent
        self.sessions_root = sessions_root
        self.max_upload_bytes = max_upload_bytes
        self.planners = planners

    def session(self, session: Session | None) -> Session:
        return session if session is not None else Session(self.sessions_root, self.max_upload_bytes)

    # -- chat --------------------------------------------------------------------------
    def respond(self, message: dict[str, Any] | None, session: Session | None) -> Iterator[tuple]:
        """Answer a message; yields (chat, session, input box, download button) per redraw."""
        # The conversation lives in the session, not in the Chatbot's input value: Gradio
        # cannot read some of its own components (a File list) back from the browser.
        session = self.session(session)
        message = message or EMPTY_INPUT
        text, files = message.get("text") or "", message.get("files") or []
        turn = ChatTurn(
            self.agent, session, session.history, text, files, session.planner, review=session.review
        )
        yield from self._shown(session, iter(turn))

    def send_suggestion(self, text: str, session: Session | None) -> Iterator[tuple]:
        """Send a suggested next step (a button's label) as the next message."""
        yield from self.respond({"text": text, "files": []}, session)

    def run_draft(self, session: Session | None) -> Iterator[tuple]:
        """Run the plan shown for review (or re-run its step), as edited; same outputs as
        :meth:`respond`."""
        session = self.session(session)
        if session.draft is None:
            raise gr.Error("There is no plan to run — send a request first.")
        turn = ChatTurn(self.agent, session, session.history)
        yield from self._shown(session, turn.run_draft(session.draft))

    @staticmethod
    def _shown(session: Session, updates: Iterator[Any]) -> Iterator[tuple]:
        clear_input: Any = EMPTY_INPUT
        zip_shown = None
        for update in updates:
            download: Any = gr.skip()
            if update.zip_path != zip_shown:
                download = gr.DownloadButton(value=str(update.zip_path), interactive=True)
                zip_shown = update.zip_path
            yield update.history, session, clear_input, download
            clear_input = gr.skip()

    def new_chat(self, session: Session | None) -> tuple:
        """Forget the conversation and its context (runs stay on disk); stop a run still going."""
        session = self.session(session)
        session.forget()
        return [], session, EMPTY_INPUT, gr.DownloadButton(value=None, interactive=False)

    def stop(self, session: Session | None) -> None:
        """Cancel the session's current run; finished steps keep their results."""
        if session is not None:
            session.cancel.set()

    # -- past runs -----------------------------------------------------------------------
    def list_runs(self, session: Session | None) -> tuple:
        """The session's runs as table rows (newest first) and as choices to download."""
        session = self.session(session)
        rows, names = [], []
        for run in session.runs():
            steps = run.get("steps", {}).values()
            n_ok = sum(s.get("status") in ("finished", "cached") for s in steps)
            started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.get("created_at", 0)))
            name = Path(run["run_dir"]).name
            rows.append(
                [started, run.get("request") or "", run.get("status", "?"), f"{n_ok}/{len(steps)}", name]
            )
            names.append(name)
        return session, rows, gr.Dropdown(choices=names, value=names[0] if names else None)

    def zip_run(self, name: str | None, session: Session | None) -> tuple:
        """A zip of one of the session's own runs, by name."""
        session = self.session(session)
        run_dir = session.dir / "runs" / (name or "")
        if not name or not session.owns(run_dir) or not (run_dir / "run.json").is_file():
            raise gr.Error("Pick one of your runs first.")
        return session, gr.DownloadButton(value=str(session.zip_run(run_dir)), interactive=True)

    # -- settings ----------------------------------------------------------------------
    def apply_settings(self, choice: str, session: Session | None) -> tuple:
        """Switch the session's planner to one the operator offers; a note says which is in use."""
        session = self.session(session)
        try:
            session.planner = self.planners.choose(choice)
        except TroupeError as e:
            return session, f"⚠ {e}"
        if session.planner is None:
            return session, "Using the app's default planner."
        return session, f"Planner for this session: **{choice}**"
