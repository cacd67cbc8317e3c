"""``troupe chat``: a conversation in the terminal, on :class:`~agent._conversation.Conversation`.

Each line is a request, planned with the results of the turns before it; the plan runs
with a live checklist and the files it made are listed with their paths. Commands start
with ``/``: ``/plan`` (review each plan before it runs), ``/edit STEP ARG=VALUE``, ``/undo``,
``/files [PATH...]``, ``/save``, ``/help``, ``/quit``. Ctrl-D leaves; Ctrl-C during a run
cancels that run only.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import yaml

from tools import TroupeError, iter_artifacts

from ._conversation import Conversation
from ._plan import Plan
from ._result import RunResult
from .errors import PlanError

__all__ = ["add_chat_command"]

HELP = """\
Write a request, or a command:
  /plan                   review each plan before it runs (again: run at once)
  /edit STEP ARG=VALUE    change an argument of the plan waiting for review
  /files [PATH...]        add files to the conversation; alone, list them
  /undo                   drop the last turn
  /save                   save the conversation (it is saved after every turn too)
  /quit                   leave (Ctrl-D too); Ctrl-C during a run cancels that run"""


def add_chat_command(
    sub: argparse._SubParsersAction,
    parents: Sequence[argparse.ArgumentParser],
    make_agent: Callable[..., Any],
) -> None:
    """Add ``chat`` to the ``troupe`` parser; ``parents`` carry the tool, file and planner
    options, ``make_agent(args)`` builds the agent from them."""
    p = sub.add_parser(
        "chat",
        parents=list(parents),
        help="a conversation in the terminal: follow-ups build on earlier results",
    )
    p.add_argument("--resume", metavar="FOLDER", help="carry on the conversation saved in FOLDER")
    p.add_argument("--review", action="store_true", help="show each plan and ask before running it (/plan)")
    p.add_argument("--no-cache", action="store_true", help="always run the tools")
    p.add_argument("--device", default="auto", help="device for neural tools: auto, cpu, cuda")
    p.set_defaults(handler=lambda args: cmd_chat(args, make_agent))


def cmd_chat(args: argparse.Namespace, make_agent: Callable[..., Any]) -> int:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    with contextlib.redirect_stdout(sys.stderr):  # what libraries print while tools load
        agent = make_agent(args)
    conv = Conversation.load(args.resume, agent) if args.resume else agent.conversation()
    chat = Chat(conv, console, review=args.review, files=args.files)
    return chat.loop()


class Chat:
    """The terminal side of a conversation: reads lines, runs turns, draws results."""

    def __init__(self, conv: Conversation, console: Any, review: bool = False, files: Sequence[str] = ()):
        self.conv, self.console, self.review = conv, console, review
        self.files: list[str] = list(files)  # given with the next request
        self.pending: tuple[str, Plan] | None = None  # a plan waiting for review

    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False)

    def loop(self) -> int:
        verb = "Resumed" if self.conv.turns else "New"
        self.say(
            f"{verb} conversation in {self.conv.folder} ({len(self.conv.turns)} turns). /help lists commands."
        )
        while True:
            try:
                line = self.console.input(
                    "[bold]run it? \\[y/n/edit][/] " if self.pending else "[bold]you>[/] "
                )
            except EOFError:
                self.say("")
                return self.quit()
            except KeyboardInterrupt:
                self.say("\n(Ctrl-D or /quit leaves)")
                continue
            try:
                if self.handle(line.strip()):
                    return self.quit()
            except TroupeError as e:
                self.say(f"error: {_one_line(e)}", "red")

    def handle(self, line: str) -> bool:
        """Act on one line; True to leave."""
        if not line:
            return False
        if self.pending and line.lower() in ("y", "yes", "n", "no", "edit"):
            return self.answer(line.lower())
        command, _, rest = line.partition(" ")
        if not command.startswith("/"):
            self.request(line)
        elif command == "/quit":
            return True
        elif command in ("/help", "/?"):
            self.say(HELP)
        elif command == "/plan":
            self.review = not self.review
            self.say("Plans are shown for review before they run." if self.review else "Plans run at once.")
        elif command == "/edit":
            self.edit(rest)
        elif command == "/files":
            self.add_files(rest.split())
        elif command == "/undo":
            turn = self.conv.undo()
            self.say(f"Dropped the last turn ({turn.request or 'a plan'}); {len(self.conv.turns)} left.")
        elif command == "/save":
            self.say(f"Saved to {self.conv.save()}")
        else:
            self.say(
                f"unknown command {command}; commands: /plan /edit /files /undo /save /help /quit", "red"
            )
        return False

    # -- turns -----------------------------------------------------------------------
    def request(self, text: str) -> None:
        if self.pending:
            self.say("(the plan waiting for review is dropped)")
            self.pending = None
        if not self.review:
            self.run(text, None)
            return
        plan = self.conv.plan(text, self.files)
        if not plan.steps:
            self.say(plan.reply or "There is nothing to do.")
            return
        self.pending = (text, plan)
        self.show(plan)

    def answer(self, word: str) -> bool:
        text, plan = self.pending
        if word in ("y", "yes"):
            self.pending = None
            self.run(text, plan)
        elif word in ("n", "no"):
            self.pending = None
            self.say("Dropped; nothing ran.")
        else:
            self.say("Change an argument with /edit STEP ARG=VALUE, then answer y to run.")
        return False

    def edit(self, rest: str) -> None:
        if not self.pending:
            raise TroupeError("no plan is waiting for review — turn on /plan, then write a request")
        step, _, assignment = rest.strip().partition(" ")
        name, sep, value = assignment.partition("=")
        if not step or not sep or not name.strip():
            raise TroupeError("write /edit STEP ARG=VALUE, e.g. /edit " + self._example())
        text, plan = self.pending
        try:
            plan = self.conv.edit(plan, step, {name.strip(): _value(value.strip())}, self.files)
        except PlanError as e:
            self.say("not changed: " + "; ".join(str(i) for i in e.issues), "red")
            return
        self.pending = (text, plan)
        self.show(plan)

    def run(self, text: str, plan: Plan | None) -> None:
        from ._progress import show_progress

        cancel = threading.Event()
        result: RunResult | None = None
        with _cancel_on_interrupt(cancel):
            events = self.conv.stream(text, self.files, plan=plan, cancel=cancel)
            with contextlib.redirect_stdout(sys.stderr):  # what tools print goes beside the checklist
                for event in show_progress(events):
                    if event.kind == "run_finished":
                        result = event.result
        self.files = []  # given with this turn, they stay in the conversation
        for step in result.steps:
            for artifact in iter_artifacts(step.output) if step.ok else ():
                self.say(f"  {step.id}: {artifact.path}", "cyan")
        self.say(result.reply)

    # -- helpers ---------------------------------------------------------------------
    def show(self, plan: Plan) -> None:
        from rich.table import Table

        table = Table("step", "tool", "arguments", title="The plan", title_justify="left")
        for step in plan.steps:
            args = ", ".join(f"{k}={_shown(v)}" for k, v in step.args.items())
            table.add_row(step.id, step.tool, args)
        self.console.print(table)
        if plan.confidence is not None and plan.confidence < 0.5:
            self.say(f"(the planner is unsure of this reading: confidence {plan.confidence:.2f})", "yellow")
        if plan.reply:
            self.say(plan.reply)

    def add_files(self, paths: list[str]) -> None:
        if paths:
            self.conv.user_files(paths)  # checks that they can be read
            self.files += [p for p in paths if p not in self.files]
        given = [str(f) for f in self.conv.files] + [f"{f} (with the next request)" for f in self.files]
        self.say("Files: " + (", ".join(given) if given else "none yet — add them with /files PATH..."))

    def _example(self) -> str:
        step = self.pending[1].steps[0] if self.pending else None
        arg = next(iter(step.args), "ARG") if step else "ARG"
        return f"{step.id if step else 'STEP'} {arg}=VALUE"

    def quit(self) -> int:
        if self.conv.turns:
            self.say(f"Saved in {self.conv.save().parent} — troupe chat --resume {self.conv.folder}")
        return 0


@contextlib.contextmanager
def _cancel_on_interrupt(cancel: threading.Event) -> Iterator[None]:
    """Ctrl-C sets ``cancel`` (the run stops and is recorded as cancelled) instead of leaving."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _value(text: str) -> Any:
    """A typed value from text: numbers and booleans as YAML reads them, else the text."""
    try:
        parsed = yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        return text
    if isinstance(parsed, bool) and text.lower() not in ("true", "false"):
        return text  # "yes", "on": words, not switches
    return parsed if isinstance(parsed, (int, float, bool, str)) or parsed is None else text


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
