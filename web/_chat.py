"""One chat turn: check the uploads, plan the request, run it, and show it as it happens.

The run is driven on a helper thread that only forwards the agent's events into a queue;
previews of finished steps (players, tables, plots, a piano roll and its rendering) are
made on a second helper thread that posts them to the same queue. The chat side drains
that queue, updates the plan checklist in place and fills in each step's previews, so
neither a slow preview nor a burst of progress events ever holds up the run or the screen.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from agent import Agent, Event, Plan, PlanError, Planner, RunResult
from tools import TroupeError, clean_text

from ._checklist import Checklist
from ._render import ArtifactRenderer
from ._session import Session

__all__ = ["ChatTurn", "TurnUpdate"]

log = logging.getLogger(__name__)

_MIN_UPDATE_S = 0.1  # at most ten screen updates a second, however chatty the tools are
_END = object()


@dataclass
class TurnUpdate:
    """What the chat shows after a step of the turn.

    Attributes:
        history: the whole conversation, Gradio's messages format.
        zip_path: the run's "download all" archive, once the run has finished.
    """

    history: list[dict[str, Any]]
    zip_path: Path | None = None


class ChatTurn:
    """Answers one message of the chat.

    Args:
        agent: plans (unless ``planner`` is given) and runs requests.
        session: the user's workspace; its ``cancel`` event stops the run.
        history: the conversation so far (it is extended, not replaced).
        text: what the user asked.
        files: paths of the files the user uploaded with it.
        planner: a planner chosen in the settings, instead of the agent's own.
    """

    def __init__(
        self,
        agent: Agent,
        session: Session,
        history: list[dict[str, Any]],
        text: str,
        files: Sequence[str | Path] = (),
        planner: Planner | None = None,
    ):
        self.agent, self.session, self.planner = agent, session, planner
        self.history = list(history)
        self.text = clean_text(text).strip()  # a lone surrogate must reach neither a file nor the page
        self.files = [Path(f) for f in files]
        self.cancel = threading.Event()
        self.zip_path: Path | None = None
        session.cancel = self.cancel  # the Stop button reaches this turn's run through the session

    def __iter__(self) -> Iterator[TurnUpdate]:
        user_content: list[Any] = [self.text] if self.text else []
        user_content += [{"path": str(f)} for f in self.files]
        if user_content:
            self.history.append({"role": "user", "content": user_content})
        check = self.session.accept_uploads(self.files)
        if check.problems:
            self.say("⚠ I could not use " + ("these files" if len(check.problems) > 1 else "this file") + ":\n"
                     + "\n".join(f"- {p}" for p in check.problems))  # fmt: skip
        if not self.text:
            self.say("Tell me what to do with your files — for example *“analyse the tempo of this song”*.")
            yield self.update()
            return
        self.say("Planning…")
        yield self.update()
        plan = self.make_plan(check.accepted)
        if plan is None:
            yield self.update()
            return
        if not plan.steps:
            self.history[-1] = self.message(plan.reply or _NO_PLAN)
            yield self.update()
            return
        yield from self.run(plan, check.accepted)

    # -- planning ------------------------------------------------------------------------
    def make_plan(self, files: list[Path]) -> Plan | None:
        """The plan for the request; None (after saying why in the chat) when there is none."""
        try:
            planner = self.planner or self.agent.planner
            return planner.plan(self.text, files, self.agent.registry)
        except TroupeError as e:
            self.history[-1] = self.message(f"I could not plan that: {e}")
        except Exception as e:  # a planner bug must not take the server down
            log.exception("planner failed")
            self.history[-1] = self.message(f"Planning failed unexpectedly ({type(e).__name__}: {e}).")
        return None

    # -- running -------------------------------------------------------------------------
    def run(self, plan: Plan, files: list[Path]) -> Iterator[TurnUpdate]:
        run_dir = self.session.new_run_dir(self.text)
        live = _LiveRun(
            checklist=Checklist(plan),
            at=len(self.history) - 1,  # the "Planning…" message becomes the checklist
            renderer=ArtifactRenderer(
                self.agent.registry,
                self.session.previews_dir(run_dir),
                render_midi=not any(step.tool == "midi_to_audio" for step in plan.steps),
            ),
        )
        self.history[live.at] = self.message(live.checklist.markdown())
        events = self.agent.stream(
            self.text,
            self.session.user_files(files),  # the plan may read only this session's files
            plan=plan,
            out_dir=run_dir,
            cancel=self.cancel,
        )
        threading.Thread(
            target=_forward, args=(events, live.inbox), name="troupe-web-run", daemon=True
        ).start()
        yield self.update()
        last = time.monotonic()
        try:
            while live.n_pending or not live.run_over:
                for item in _drain(live.inbox):
                    self.take(live, item)
                wait = _MIN_UPDATE_S - (time.monotonic() - last)
                if wait > 0:
                    time.sleep(wait)
                last = time.monotonic()
                yield self.update()
        finally:  # the page went away or the turn was stopped: stop the run too
            self.cancel.set()
            live.previews.shutdown(wait=False, cancel_futures=True)

    def take(self, live: _LiveRun, item: Any) -> None:
        """Show one message from the run (an event, an error, the end) or from the previews."""
        if item is _END:
            live.run_over = True
        elif isinstance(item, _Preview):
            live.n_pending -= 1
            slot = next(i for i, m in enumerate(self.history) if m is item.slot)
            self.history[slot : slot + 1] = item.messages
        elif isinstance(item, BaseException):
            self.history[live.at] = self.message(_failure_text(item))
        else:
            if live.checklist.apply(item):
                self.history[live.at] = self.message(live.checklist.markdown())
            if item.kind in ("finished", "cached"):
                slot = self.message(f"**{item.step_id}** — preparing the preview…")
                self.history.append(slot)
                live.previews.submit(_preview, live.renderer, item, slot, live.inbox)
                live.n_pending += 1
            elif item.kind == "run_finished":
                self.finish(item.result)

    def finish(self, result: RunResult) -> None:
        """The closing reply: the responder's summary, every file, and the zip of the run."""
        zip_path = self.zip_path = self.session.zip_run(result.run_dir)
        files = [str(a.path) for a in result.artifacts()]
        # The server's folder means nothing in a browser; the zip below holds the same files.
        reply = (result.reply or "Done.").replace(str(result.run_dir), "the zip below")
        content: list[Any] = [reply]
        content.append(gr.File([str(zip_path), *files], label="Download the run (zip) and every file"))
        self.history.append({"role": "assistant", "content": content})

    # -- helpers ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.history.append(self.message(text))

    @staticmethod
    def message(text: str) -> dict[str, Any]:
        return {"role": "assistant", "content": text}

    def update(self) -> TurnUpdate:
        return TurnUpdate(list(self.history), self.zip_path)


_NO_PLAN = (
    "I have no tool for that request. Ask for speech, music, a talking portrait or a gesture "
    "animation — the Tools tab lists what I can do."
)


@dataclass
class _LiveRun:
    """The chat's view of a run in progress.

    Previews (a piano roll, a MIDI rendering) take seconds, so one helper thread makes
    them in step order while the checklist keeps moving, each into a slot kept in the chat.
    """

    checklist: Checklist
    at: int  # where the checklist is in the history
    renderer: ArtifactRenderer
    inbox: queue.Queue[Any] = field(default_factory=queue.Queue)
    previews: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="troupe-web-preview")
    )
    n_pending: int = 0  # previews asked for and not back yet
    run_over: bool = False


def _drain(inbox: queue.Queue[Any]) -> list[Any]:
    """Wait for one message, then take every other one already there."""
    batch = [inbox.get()]
    while not inbox.empty():
        batch.append(inbox.get_nowait())
    return batch


@dataclass(frozen=True)
class _Preview:
    """The chat messages made for a finished step, to put in place of ``slot``."""

    slot: dict[str, Any]
    messages: list[dict[str, Any]]


def _preview(renderer: ArtifactRenderer, event: Event, slot: dict[str, Any], inbox: queue.Queue[Any]) -> None:
    try:
        messages = renderer.messages(event.step_id, event.tool, event.output)
    except Exception as e:  # a preview that fails must not stall the chat
        log.exception("preview of step %s failed", event.step_id)
        messages = [
            ChatTurn.message(f"**{event.step_id}** · {event.tool} — no preview ({type(e).__name__}: {e})")
        ]
    inbox.put(_Preview(slot, messages))


def _forward(events: Iterator[Event], inbox: queue.Queue[Any]) -> None:
    """Put every event of ``events`` into ``inbox``, then an error if one ended it, then _END."""
    try:
        for event in events:
            inbox.put(event)
    except BaseException as e:
        inbox.put(e)
    finally:
        inbox.put(_END)


def _failure_text(error: BaseException) -> str:
    if isinstance(error, PlanError):
        return f"The plan did not pass its checks, so nothing ran:\n\n```\n{error}\n```"
    if isinstance(error, TroupeError):
        return f"The run could not start: {error}"
    log.error("run failed", exc_info=error)
    return f"The run failed unexpectedly ({type(error).__name__}: {error}). Other requests still work."
