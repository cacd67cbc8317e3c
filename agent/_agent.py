"""The Agent: plan a request, validate the plan, run it, summarise the result."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tools import Registry, TroupeError, clean_text, default_registry

from ._binding import ValidatedPlan, validate_plan
from ._cache import Cache
from ._context import Earlier
from ._conversation import Conversation
from ._executor import Executor
from ._files import UserFiles
from ._plan import Plan
from ._result import RunResult
from ._store import RunStore
from .events import Event
from .planners import Planner, get_planner
from .respond import LLMResponder, Responder, TemplateResponder, next_steps, question

__all__ = ["Agent"]


#: Below this confidence a planned request is asked about, not run (see ``Agent(ask_below=)``).
ASK_BELOW = 0.25


class Agent:
    """Plans and runs requests with a set of tools.

    Args:
        planner: ``"offline"`` (default, no network), ``"openai"``, a :class:`Planner`,
            or a LangChain chat model.
        executor: ``"local"`` (threads on this machine), ``"ray"`` (a Ray cluster; needs
            the ``ray`` extra), or an :class:`Executor`.
        registry: the tools to use; the built-ins plus installed plugins by default.
        runs_dir: where run directories go (default ``~/.troupe/runs``).
        cache: reuse results of identical steps (kept in ``~/.troupe/cache``).
        max_workers: how many steps may run at once, >= 1.
        device: passed to tools (``"auto"``, ``"cpu"``, ``"cuda"``…).
        responder: writes the final reply; an LLM when the planner is one (``"openai"`` or
            a LangChain model), else a template that needs no network.
        executor_options: extra options for a named executor (``address`` for Ray).
        ask_below: a plan the planner made with a confidence below this (0 to 1) is not
            run: the reply offers the likeliest readings and asks which was meant. 0 runs
            every plan.

    Example:
        >>> agent = Agent()
        >>> result = agent.run("say 'hello' in a calm voice")
        >>> result.artifacts()[0].path
    """

    def __init__(
        self,
        planner: str | Planner | Any = "offline",
        executor: str | Executor = "local",
        *,
        registry: Registry | None = None,
        runs_dir: str | Path | None = None,
        cache: bool = True,
        max_workers: int = 4,
        device: str = "auto",
        responder: Responder | None = None,
        executor_options: dict[str, Any] | None = None,
        ask_below: float = ASK_BELOW,
    ):
        self.ask_below = ask_below
        self.registry = registry if registry is not None else default_registry()
        self._planner_spec = planner
        self._planner: Planner | None = None
        self.store = RunStore(runs_dir)
        self.executor = (
            executor
            if isinstance(executor, Executor)
            else make_executor(
                executor, max_workers=max_workers, cache=Cache() if cache else None, device=device,
                **(executor_options or {}),
            )
        )  # fmt: skip
        self._responder = responder

    @property
    def planner(self) -> Planner:
        """The planner, built on first use (the offline one loads a small model)."""
        if self._planner is None:
            self._planner = get_planner(self._planner_spec)
        return self._planner

    @property
    def responder(self) -> Responder:
        """The responder, built on first use to match the planner."""
        if self._responder is None:
            spec = self._planner_spec
            llm = spec == "openai" or not (isinstance(spec, (str, Planner)) or spec is None)
            self._responder = LLMResponder(spec) if llm else TemplateResponder()
        return self._responder

    def plan(
        self, request: str, files: Sequence[str | Path] | UserFiles = (), context: Sequence[Earlier] = ()
    ) -> Plan:
        """Plan ``request`` without running it.

        A planner's plan is not trusted (an LLM may be talked into anything): it may read
        only ``files`` and the ``context`` results (or, given a :class:`UserFiles`, what
        that allows).

        Args:
            request: what the user wrote.
            files: the files given with it.
            context: results of earlier turns the request may build on ("now happier").

        Raises:
            PlanError: the plan fails validation, e.g. it names a file it may not read.
        """
        user_files = _user_files(files, confined=True, context=context)
        return self._planned(clean_text(request), user_files, context).plan

    def _planned(self, request: str, files: UserFiles, context: Sequence[Earlier] = ()) -> ValidatedPlan:
        earlier = {e.path.resolve() for e in context}
        given = [p for p in files.paths if p not in earlier]
        if context:
            plan = self.planner.plan(request, given, self.registry, context=context)
        else:  # planners written before context existed take three arguments
            plan = self.planner.plan(request, given, self.registry)
        return validate_plan(plan, self.registry, files)

    def validate(
        self, plan: Plan, files: Sequence[str | Path] | UserFiles = (), base_dir: str | Path | None = None
    ) -> ValidatedPlan:
        """Check ``plan`` against the tools and files.

        Args:
            plan: the plan; it may name any file unless ``files`` is a confined :class:`UserFiles`.
            files: the files given with it, or a :class:`UserFiles` saying what it may read.
            base_dir: where ``@path`` references that name no given file are looked up.

        Raises:
            PlanError: listing every problem, each naming its step.
        """
        return validate_plan(plan, self.registry, _user_files(files, base_dir))

    def stream(
        self,
        request: str | None = None,
        files: Sequence[str | Path] | UserFiles = (),
        *,
        plan: Plan | None = None,
        out_dir: str | Path | None = None,
        base_dir: str | Path | None = None,
        cancel: threading.Event | None = None,
        context: Sequence[Earlier] = (),
    ) -> Iterator[Event]:
        """Plan (unless ``plan`` is given), validate and run, yielding events.

        A plan made here from ``request`` may read only ``files``; a ``plan`` you pass
        may name any file, unless ``files`` is a confined :class:`UserFiles` (as the web
        app passes for a session). The last event is ``run_finished``; its ``result`` is
        the :class:`RunResult` with the reply filled in. Planning and validation errors
        are raised before any event. Closing the generator cancels the run. ``context``
        holds results of earlier turns that the request may build on.

        Raises:
            PlanError: the plan is invalid; nothing ran.
            TroupeError: a file is missing or unreadable, or the planner failed.
            RunStoreError: the run folder or its manifest cannot be written (a TroupeError).
        """
        request = clean_text(request) if request else request
        user_files = _user_files(files, base_dir, confined=plan is None, context=context)
        if plan is None:
            if not request or not request.strip():
                raise TroupeError("the request is empty — say what you would like done")
            validated = self._planned(request, user_files, context)
            if self._unsure(validated.plan):  # ask rather than run a guess
                validated = validate_plan(question(validated.plan), self.registry, user_files)
        else:
            validated = validate_plan(plan, self.registry, user_files)
        run = self.store.new_run(request, out_dir, plan=validated.plan.to_dict())
        for event in self.executor.stream(validated, run, cancel):
            if event.kind == "run_finished":
                event.result.extra["next_steps"] = next_steps(event.result, self.registry)
                event.result.reply = self.responder.reply(event.result)
            yield event

    def _unsure(self, plan: Plan) -> bool:
        return bool(plan.steps) and plan.confidence is not None and plan.confidence < self.ask_below

    def run(self, request: str | None = None, files: Sequence[str | Path] = (), **options: Any) -> RunResult:
        """Like :meth:`stream`, but returns only the final :class:`RunResult`."""
        return final_result(self.stream(request, files, **options))

    def conversation(self, folder: str | Path | None = None) -> Conversation:
        """A new conversation: each request is planned with the results of the turns before it.

        Args:
            folder: where it is saved (default: a new folder under ``$TROUPE_HOME/conversations``).

        Raises:
            TroupeError: ``folder`` holds a conversation already (``Conversation.load`` resumes it).
        """
        return Conversation(self, folder)


def final_result(events: Iterable[Event]) -> RunResult:
    """Consume an event stream and return the result of its ``run_finished`` event."""
    result = None
    for event in events:
        if event.kind == "run_finished":
            result = event.result
    return result


def _user_files(
    files: Sequence[str | Path] | UserFiles,
    base_dir: str | Path | None = None,
    confined: bool = False,
    context: Sequence[Earlier] = (),
) -> UserFiles:
    """``files`` as given, or made into one with the ``context`` results beside them: open,
    or ``confined`` to those files."""
    if isinstance(files, UserFiles):
        return files
    given = [*files, *(e.path for e in context)]
    return UserFiles(given, base_dir, roots=[] if confined else None)


def make_executor(name: str, **options: Any) -> Executor:
    """An executor by name: ``"local"`` or ``"ray"``.

    Ray takes ``address``, ``placement`` (``"tasks"``/``"actors"``) and ``files``
    (``"auto"``/``"copy"``/``"shared"``); see docs/ray.md.

    Raises:
        TroupeError: unknown name, or Ray is not installed.
    """
    if name == "local":
        options.pop("address", None)
        return Executor(**options)
    if name == "ray":
        try:
            from ._ray import RayRunner
        except ImportError as e:
            raise TroupeError(f"the ray executor needs Ray: pip install 'troupe[ray]' ({e})") from e
        ray_options = {k: options.pop(k) for k in ("address", "placement", "files") if k in options}
        return Executor(RayRunner(max_workers=options.pop("max_workers", 4), **ray_options), **options)
    raise TroupeError(f"Unknown executor {name!r}; known executors: local, ray")
