"""One chat turn: check the uploads, plan the request, run it, and show it as it happens.

A request is planned with the results of the conversation's earlier runs (a follow-up
such as "how loud is it?" reads the tone just made), within the session's files. When the
user asked to review plans, or the planner was unsure, the plan is kept as a
:class:`~web._review.Draft` for the page to show instead of running it; a reviewed plan, or
one step of a finished run re-run with other arguments, runs through :meth:`ChatTurn.run_draft`.
Only one turn of a session plans or runs at a time.

The run is driven on a helper thread that only forwards the agent's events into a queue;
previews of finished steps (players, tables, plots, a piano roll and its rendering) are
made on a second helper thread that posts them to the same queue. The chat side drains
that queue, updates the plan checklist in place and fills in each step's previews, so
neither a slow preview nor a burst of progress events ever holds up the run or the screen.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from agent import Agent, Plan, Planner, RunResult
from tools import TroupeError, clean_text

from ._checklist import Checklist
from ._live import END, LiveRun, Preview, drain, failure_text, forward, message, preview
from ._render import ArtifactRenderer
from ._review import Draft
from ._session import Session

__all__ = ["ChatTurn", "TurnUpdate"]

log = logging.getLogger(__name__)

_MIN_UPDATE_S = 0.1  # at most ten screen updates a second, however chatty the tools are


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
        review: show the plan for review instead of running it (a plan the planner is
            unsure of, below the agent's ``ask_below``, is shown for review anyway).
    """

    def __init__(
        self,
        agent: Agent,
        session: Session,
        history: list[dict[str, Any]],
        text: str = "",
        files: Sequence[str | Path] = (),
        planner: Planner | None = None,
        *,
        review: bool = False,
    ):
        self.agent, self.session, self.planner, self.review = agent, session, planner, review
        self.history = list(history)
        self.text = clean_text(text).strip()  # a lone surrogate must reach neither a file nor the page
        self.files = [Path(f) for f in files]
        self.cancel = threading.Event()
        self.zip_path: Path | None = None
        self.epoch = session.epoch
        self.given: tuple[Path, ...] = ()  # the files the running plan reads its @names against
        self.owner = False  # whether this turn holds the session (its history is the chat's)

    def __iter__(self) -> Iterator[TurnUpdate]:
        user_content: list[Any] = [self.text] if self.text else []
        user_content += [{"path": str(f)} for f in self.files]
        if user_content:
            self.history.append({"role": "user", "content": user_content})
        yield from self._exclusive(self._answer())

    def run_draft(self, draft: Draft) -> Iterator[TurnUpdate]:
        """Run a reviewed plan, or a re-run of one step, as the next turn of the chat."""
        self.text = draft.request
        if draft.focus:
            args = ", ".join(f"{k}: {v}" for k, v in draft.plan.step(draft.focus).args.items())
            self.history.append(
                {"role": "user", "content": f"↻ Re-run `{draft.focus}` with {args or 'its defaults'}"}
            )
        yield from self._exclusive(self._run_checked(draft))

    def _exclusive(self, body: Iterator[TurnUpdate]) -> Iterator[TurnUpdate]:
        """``body``, unless another turn of this session is planning or running."""
        if not self.session.busy.acquire(blocking=False):
            self.say(_BUSY)
            yield self.update()
            return
        self.owner = True
        try:
            self.session.cancel = self.cancel  # the Stop button reaches this turn through the session
            self.session.next_steps = []
            yield from body
        finally:
            self.owner = False
            self.session.busy.release()

    def _answer(self) -> Iterator[TurnUpdate]:
        self.session.draft = None  # a new message replaces a plan still waiting for review
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
        # Files uploaded earlier in the chat stay usable when this message brings none.
        uploads = check.accepted or list(self.session.uploaded)
        context = self.session.context()
        given = tuple(dict.fromkeys([*uploads, *(e.path for e in context)]))
        plan = self.make_plan(uploads, context)
        if plan is None:
            yield self.update()
            return
        if not plan.steps:
            reply = plan.reply or _NO_PLAN
            if not check.accepted:
                reply = f"{self._nothing_earlier()}{reply}"
            self.history[-1] = self.message(_for_the_page(reply))
            yield self.update()
            return
        unsure = plan.confidence is not None and plan.confidence < self.agent.ask_below
        if self.review or unsure:
            self.propose(Draft(plan, self.text, given, low_confidence=unsure))
            yield self.update()
            return
        yield from self.run(plan, given)

    # -- planning ------------------------------------------------------------------------
    def make_plan(self, files: list[Path], context: list) -> Plan | None:
        """The plan for the request, built on ``context`` (the earlier results); None
        (after saying why in the chat) when there is none."""
        try:
            planner = self.planner or self.agent.planner
            if context and _takes_context(planner):
                return planner.plan(self.text, files, self.agent.registry, context=context)
            return planner.plan(self.text, files, self.agent.registry)
        except TroupeError as e:
            self.history[-1] = self.message(f"I could not plan that: {e}")
        except Exception as e:  # a planner bug must not take the server down
            log.exception("planner failed")
            self.history[-1] = self.message(f"Planning failed unexpectedly ({type(e).__name__}: {e}).")
        return None

    def _nothing_earlier(self) -> str:
        """What only the chat knows about why a follow-up found nothing to build on: the
        earlier runs made nothing (the planner is told of results, not of failed runs)."""
        if self.session.turns and not self.session.context():
            return "No step of the earlier runs in this chat finished, so there is no result to build on. "
        return ""

    def propose(self, draft: Draft) -> None:
        """Keep ``draft`` for the page to show for review, and say so in the chat."""
        try:
            draft.check(self.agent.registry, self.session.user_files(draft.given))
        except TroupeError as e:
            draft.problem = str(e)
        if self.epoch == self.session.epoch:
            self.session.draft = draft
        n = len(draft.plan.steps)
        head = (
            f"I am not sure I understood (confidence {draft.plan.confidence:.0%}), so here is my plan "
            if draft.low_confidence
            else "Here is the plan "
        )
        text = (
            head
            + f"({n} step{'s' if n != 1 else ''}) — check it under the chat, change any argument, then press **Run**."
        )
        if draft.plan.reply:
            text += f"\n\n{draft.plan.reply}"
        self.history[-1] = self.message(_for_the_page(text))

    # -- running -------------------------------------------------------------------------
    def _run_checked(self, draft: Draft) -> Iterator[TurnUpdate]:
        """Run ``draft`` if it still passes its checks (the page keeps Run disabled until
        it does, but another tab may have changed the files underneath)."""
        self.say("Checking the plan…")
        try:
            problem = draft.check(self.agent.registry, self.session.user_files(draft.given))
        except TroupeError as e:
            problem = str(e)
        if problem:
            self.history[-1] = self.message(f"Nothing ran: {problem}")
            yield self.update()
            return
        if self.epoch == self.session.epoch:
            self.session.draft = None
        yield from self.run(draft.plan, draft.given)

    def run(self, plan: Plan, given: Sequence[Path]) -> Iterator[TurnUpdate]:
        """Run ``plan``; its ``@names`` are read against ``given`` within the session's files."""
        try:
            files = self.session.user_files(given)  # the plan may read only this session's files
        except TroupeError as e:  # an earlier result deleted underneath
            self.history[-1] = self.message(f"The run could not start: {e}")
            yield self.update()
            return
        self.given = tuple(given)
        run_dir = self.session.new_run_dir(self.text)
        live = LiveRun(
            checklist=Checklist(plan),
            at=len(self.history) - 1,  # the "Planning…" message becomes the checklist
            renderer=ArtifactRenderer(
                self.agent.registry,
                self.session.previews_dir(run_dir),
                render_midi=not any(step.tool == "midi_to_audio" for step in plan.steps),
            ),
        )
        self.history[live.at] = self.message(live.checklist.markdown())
        events = self.agent.stream(self.text, files, plan=plan, out_dir=run_dir, cancel=self.cancel)
        threading.Thread(
            target=forward, args=(events, live.inbox), name="troupe-web-run", daemon=True
        ).start()
        yield self.update()
        last = time.monotonic()
        try:
            while live.n_pending or not live.run_over:
                for item in drain(live.inbox):
                    self.take(live, item)
                wait = _MIN_UPDATE_S - (time.monotonic() - last)
                if wait > 0:
                    time.sleep(wait)
                last = time.monotonic()
                yield self.update()
        finally:  # the page went away or the turn was stopped: stop the run too
            self.cancel.set()
            live.previews.shutdown(wait=False, cancel_futures=True)

    def take(self, live: LiveRun, item: Any) -> None:
        """Show one message from the run (an event, an error, the end) or from the previews."""
        if item is END:
            live.run_over = True
        elif isinstance(item, Preview):
            live.n_pending -= 1
            slot = next(i for i, m in enumerate(self.history) if m is item.slot)
            self.history[slot : slot + 1] = item.messages
        elif isinstance(item, BaseException):
            self.history[live.at] = self.message(failure_text(item))
        else:
            if live.checklist.apply(item):
                self.history[live.at] = self.message(live.checklist.markdown())
            if item.kind in ("finished", "cached"):
                slot = self.message(f"**{item.step_id}** — preparing the preview…")
                self.history.append(slot)
                live.previews.submit(preview, live.renderer, item, slot, live.inbox)
                live.n_pending += 1
            elif item.kind == "run_finished":
                self.finish(item.result)

    def finish(self, result: RunResult) -> None:
        """The closing reply: the responder's summary, every file, and the zip of the run."""
        zip_path = self.zip_path = self.session.zip_run(result.run_dir)
        if self.session.remember(result, self.given, self.epoch):
            suggestions = result.extra.get("next_steps") or []
            self.session.next_steps = [clean_text(str(s)).strip() for s in suggestions if str(s).strip()][:3]
        files = [str(a.path) for a in result.artifacts()]
        # The server's folder means nothing in a browser; the zip below holds the same files.
        reply = (result.reply or "Done.").replace(str(result.run_dir), "the zip below")
        content: list[Any] = [reply]
        content.append(gr.File([str(zip_path), *files], label="Download the run (zip) and every file"))
        self.history.append({"role": "assistant", "content": content})

    # -- helpers ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.history.append(self.message(text))

    message = staticmethod(message)

    def update(self) -> TurnUpdate:
        """The chat as this turn shows it; the session keeps it too, unless another turn
        holds the session or the chat was started over meanwhile."""
        if self.owner and self.epoch == self.session.epoch:
            self.session.history = list(self.history)
        return TurnUpdate(list(self.history), self.zip_path)


def _takes_context(planner: Planner) -> bool:
    """Whether ``planner.plan`` takes earlier results; planners written before follow-ups
    existed take three arguments, and still plan every message alone."""
    try:
        params = inspect.signature(planner.plan).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "context" or p.kind is p.VAR_KEYWORD for p in params)


def _for_the_page(reply: str) -> str:
    """A planner's reply in this page's words: files come with the clip button, not ``-f``."""
    return reply.replace("attach a file with -f", "attach a file with the clip button")


_BUSY = (
    "⚠ This chat is still busy with a request (perhaps from another tab). Wait for it to "
    "finish, or press Stop, then send this again."
)
_NO_PLAN = (
    "I have no tool for that request. Ask for speech, music, a talking portrait or a gesture "
    "animation — the Tools tab lists what I can do."
)
