"""Conversations: turns whose requests build on the results of earlier turns.

A :class:`Conversation` plans every request with the results of its earlier turns as
context ("now happier", "make my photo say that"), keeps the files given in any turn
available to later ones, and saves itself as ``conversation.json`` in its folder so that
it can be resumed. The files stay in the run store; a turn records only its run folder.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools import Artifact, Registry, TroupeError, atomic_write_text, clean_text

from ._context import Earlier, earlier_results
from ._files import UserFiles, readable_file
from ._plan import Plan, PlanFormatError, StepRef, parse_value
from ._reload import result_from_manifest
from ._store import read_run, troupe_home
from .events import Event
from .respond import question

if TYPE_CHECKING:
    from ._agent import Agent
    from ._binding import ValidatedPlan
    from ._result import RunResult

__all__ = ["Conversation", "Turn"]

FILE = "conversation.json"
_FORMAT = 1
#: Words by which a request points back at something made before ("now say it happier").
_POINTS_BACK = frozenset("it its that this them those these again now instead same".split())


@dataclass
class Turn:
    """One request of a conversation and what came of it.

    Attributes:
        request: what the user wrote; None for a plan run as it was given.
        files: the files given with this turn (absolute paths); later turns may use them too.
        plan: the plan that ran.
        result: its result; None only while the turn is being run.
    """

    request: str | None
    files: list[Path]
    plan: Plan
    result: RunResult | None = None


class Conversation:
    """Turns of requests, each planned with the results of the turns before it.

    Make one with :meth:`Agent.conversation` or resume one with :meth:`load`.

    Args:
        agent: plans and runs the turns.
        folder: where ``conversation.json`` is saved (default: a new folder under
            ``$TROUPE_HOME/conversations/``); it must not hold a conversation already.

    Raises:
        TroupeError: ``folder`` holds a conversation already (resume it with :meth:`load`).
    """

    def __init__(self, agent: Agent, folder: str | Path | None = None):
        if folder is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            folder = troupe_home() / "conversations" / f"{stamp}-{uuid.uuid4().hex[:6]}"
        self.agent = agent
        self.folder = Path(folder).expanduser().resolve()
        if (self.folder / FILE).exists():
            raise TroupeError(
                f"{self.folder} holds a conversation already — resume it with Conversation.load "
                "(troupe chat --resume), or choose another folder"
            )
        self.turns: list[Turn] = []

    # -- what later turns may use ------------------------------------------------------
    @property
    def files(self) -> list[Path]:
        """Every file given in any turn, each once, oldest first."""
        return list(dict.fromkeys(f for turn in self.turns for f in turn.files))

    def context(self) -> list[Earlier]:
        """The results of every turn, oldest first (a failed step contributes none)."""
        self._check_runs()
        return earlier_results(t.result for t in self.turns if t.result is not None)

    def user_files(self, files: Sequence[str | Path] = ()) -> UserFiles:
        """What a plan of the next turn may read: the conversation's files, ``files`` and the
        earlier results; nothing else.

        Raises:
            TroupeError: a file is missing or unreadable.
        """
        context = [e.path for e in self.context() if e.path.is_file()]
        return UserFiles([*self.files, *self._given(files), *context], roots=[])

    # -- planning and running ----------------------------------------------------------
    def plan(self, request: str, files: Sequence[str | Path] = ()) -> Plan:
        """Plan ``request`` with the earlier results as context; nothing runs or is recorded.

        Raises:
            PlanError: the planner's plan is invalid (it names a file it may not read…).
            TroupeError: the request is empty, a file is missing, an earlier run folder is gone.
        """
        request = clean_text(request or "")
        if not request.strip():
            raise TroupeError("the request is empty — say what you would like done")
        context = self.context()
        plan = self.agent._planned(request, self.user_files(files), context).plan
        if not plan.steps and _points_back(request):
            plan.reply = self._nothing_to_build_on(plan.reply, bool(context))
        return plan

    def validate(self, plan: Plan, files: Sequence[str | Path] = ()) -> ValidatedPlan:
        """Check ``plan`` as the next turn would run it: it may read only the conversation's
        files, ``files`` and the earlier results.

        Raises:
            PlanError: listing every problem, each naming its step.
        """
        return self.agent.validate(plan, self.user_files(files))

    def edit(self, plan: Plan, step_id: str, args: dict[str, Any], files: Sequence[str | Path] = ()) -> Plan:
        """A copy of ``plan`` with some arguments of one step changed, checked at once.

        A value of None removes the argument (the tool's default applies).

        Raises:
            TroupeError: the plan has no step ``step_id``.
            PlanError: the changed plan is invalid (a value the tool does not accept…).
        """
        try:
            step = plan.step(step_id)
        except KeyError:
            steps = ", ".join(s.id for s in plan.steps) or "(none)"
            raise TroupeError(f"the plan has no step {step_id!r}; its steps: {steps}") from None
        changed = {**step.args, **args}
        changed = {k: v for k, v in changed.items() if v is not None}
        steps = [s.model_copy(update={"args": changed}) if s.id == step_id else s for s in plan.steps]
        edited = Plan.from_data({**plan.to_dict(), "steps": [s.model_dump(exclude_none=True) for s in steps]})
        self.validate(edited, files)
        return edited

    def stream(
        self,
        request: str | None = None,
        files: Sequence[str | Path] = (),
        *,
        plan: Plan | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Event]:
        """Plan ``request`` with the earlier results (or take ``plan``, perhaps edited) and
        run it; the turn is recorded and the conversation saved when ``run_finished`` arrives.

        A plan given or made here may read only the conversation's files, ``files`` and the
        earlier results. A plan the planner is unsure of is not run: the reply asks which
        reading was meant (as :meth:`Agent.stream` does).

        Raises:
            PlanError: the plan is invalid; nothing ran and nothing is recorded.
            TroupeError: the request is empty, a file is missing, an earlier run folder is gone.
        """
        given = self._given(files)
        if plan is None:
            plan = self.plan(request or "", given)
            if self.agent._unsure(plan):
                plan = question(plan)
        user_files, context = self.user_files(given), self.context()
        turn = Turn(clean_text(request) if request else None, given, plan)
        for event in self.agent.stream(turn.request, user_files, plan=plan, cancel=cancel, context=context):
            if event.kind == "run_finished":
                turn.plan, turn.result = event.result.plan, event.result
                self.turns.append(turn)
                self.save()
            yield event

    def ask(self, request: str, files: Sequence[str | Path] = (), **options: Any) -> RunResult:
        """Like :meth:`stream`, but returns only the turn's :class:`RunResult`."""
        result = None
        for event in self.stream(request, files, **options):
            if event.kind == "run_finished":
                result = event.result
        return result

    def rerun(
        self, step_id: str, args: dict[str, Any], *, turn: int = -1, cancel: threading.Event | None = None
    ) -> Iterator[Event]:
        """Run one step of ``turn`` again with changed ``args``; the steps that depend on it
        follow. The others are not run again: their files are referred to directly, or (a
        value that is no file) they are served by the cache. Recorded as a new turn.

        Raises:
            TroupeError: there is no such turn or step.
            PlanError: a changed value is invalid; nothing ran.
        """
        earlier = self._turn(turn)
        edited = self.edit(earlier.plan, step_id, args)
        plan = _only_what_changes(edited, step_id, earlier.result, self.user_files())
        return self.stream(earlier.request, plan=plan, cancel=cancel)

    def undo(self) -> Turn:
        """Drop the last turn and save; its files stay in the run store.

        Raises:
            TroupeError: there is no turn to undo.
        """
        if not self.turns:
            raise TroupeError("there is nothing to undo: the conversation has no turns yet")
        turn = self.turns.pop()
        self.save()
        return turn

    # -- saving ------------------------------------------------------------------------
    def save(self) -> Path:
        """Write ``conversation.json`` (atomically) and return its path.

        Raises:
            TroupeError: the folder cannot be written.
        """
        data = {
            "format": _FORMAT,
            "turns": [
                {
                    "request": t.request,
                    "files": [str(f) for f in t.files],
                    "plan": t.plan.to_dict(),
                    "run_dir": str(t.result.run_dir) if t.result is not None else None,
                }
                for t in self.turns
            ],
        }
        path = self.folder / FILE
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False))
        except OSError as e:
            raise TroupeError(
                f"cannot save the conversation to {path}: {e.strerror or e} — choose a writable folder"
            ) from None
        return path

    @classmethod
    def load(cls, folder: str | Path, agent: Agent | None = None) -> Conversation:
        """Resume the conversation saved in ``folder``; its results are read from the runs.

        Raises:
            TroupeError: there is no readable conversation in ``folder``, or a run folder it
                names is gone (the message names it).
        """
        from ._agent import Agent

        folder = Path(folder).expanduser().resolve()
        path = folder / FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            turns = data["turns"]
            if not isinstance(turns, list):
                raise TypeError("'turns' is not a list")
        except FileNotFoundError:
            raise TroupeError(f"no conversation in {folder} (no {FILE}) — check the folder") from None
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise TroupeError(f"cannot read the conversation {path}: {e} — it is damaged") from None
        conv = cls.__new__(cls)
        conv.agent = agent if agent is not None else Agent()
        conv.folder, conv.turns = folder, []
        for number, saved in enumerate(turns, 1):
            conv.turns.append(_load_turn(saved, number, conv.agent))
        return conv

    # -- helpers -------------------------------------------------------------------------
    def _given(self, files: Sequence[str | Path]) -> list[Path]:
        return list(dict.fromkeys(readable_file(f, Path(f).expanduser()) for f in files))

    def _turn(self, index: int) -> Turn:
        try:
            return self.turns[index]
        except IndexError:
            raise TroupeError(f"there is no turn {index}; the conversation has {len(self.turns)}") from None

    def _check_runs(self) -> None:
        for number, turn in enumerate(self.turns, 1):
            if turn.result is not None and not (turn.result.run_dir / "run.json").is_file():
                raise _gone(turn.result.run_dir, number, turn.request)

    def _nothing_to_build_on(self, reply: str | None, has_results: bool) -> str:
        """The reply to a request that points back at a result that does not exist."""
        failed = [s for t in self.turns[-1:] if t.result for s in t.result.steps if s.status == "failed"]
        if failed:
            s = failed[0]
            return (
                f"The earlier step {s.id!r} ({s.tool}) failed ({s.error}), so there is no result of it "
                "to use. Ask for it again, changed so that it can work, or give the file to use instead."
            )
        if has_results:
            return reply or 'I could not tell which earlier result you mean — name it ("the video").'
        example = _first_request(self.agent.registry)
        hint = f' (for example "{example}")' if example else ""
        return (
            "There is nothing earlier in this conversation to build on yet. Ask for the first "
            f"thing in full{hint}, or give the file to work on with the request."
        )


def _first_request(registry: Registry) -> str:
    """An example request that needs no file: of the first tool that requires none, the first
    example that quotes what to use ("say 'hello' in a calm voice"), else its first."""
    for spec in registry:
        if spec.examples and not any(p.required and p.artifact_types for p in spec.params.values()):
            return next((e for e in spec.examples if "'" in e), spec.examples[0])
    return ""


def _points_back(request: str) -> bool:
    words = {w.strip(".,;:!?'\"").lower() for w in request.split()}
    return bool(words & _POINTS_BACK)


def _gone(run_dir: Path, number: int, request: str | None) -> TroupeError:
    asked = f" ({request!r})" if request else ""
    return TroupeError(
        f"the run folder {run_dir} of turn {number}{asked} is gone — its results cannot be used; "
        "restore the folder, or start a new conversation"
    )


def _load_turn(saved: Any, number: int, agent: Agent) -> Turn:
    try:
        plan = Plan.from_data(saved["plan"], f"turn {number}'s plan")
        files = [Path(f) for f in saved.get("files") or []]
        request, run_dir = saved.get("request"), saved.get("run_dir")
    except (KeyError, TypeError, AttributeError, PlanFormatError) as e:
        raise TroupeError(f"turn {number} of the conversation is damaged ({e})") from None
    result = None
    if run_dir is not None:
        try:
            manifest = read_run(run_dir)
        except (OSError, ValueError):
            raise _gone(Path(run_dir), number, request) from None
        result = result_from_manifest(manifest, plan, agent.registry)
    return Turn(request, files, plan, result)


def _only_what_changes(plan: Plan, step_id: str, before: RunResult | None, files: UserFiles) -> Plan:
    """``plan`` cut to ``step_id`` and the steps that depend on it; a reference to another
    step becomes a reference to that step's file in ``before``, or keeps the step (a value
    that is no file comes from the cache). User files become absolute references, so files
    given in later turns cannot make their names ambiguous."""
    graph = plan.graph()
    keep = {step_id}
    while True:
        more = {s for s, deps in graph.items() if s not in keep and deps & keep}
        if not more:
            break
        keep |= more

    def done_file(ref: StepRef) -> Path | None:
        if before is None:
            return None
        try:
            outcome = before.step(ref.step)
        except KeyError:
            return None
        value = outcome.output if ref.field is None else getattr(outcome.output, ref.field, None)
        return value.path if outcome.ok and isinstance(value, Artifact) and value.path.is_file() else None

    def rewrite(value: Any) -> Any:
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        if isinstance(value, dict):
            return {k: rewrite(v) for k, v in value.items()}
        parsed = parse_value(value) if isinstance(value, str) else None
        if isinstance(parsed, StepRef) and parsed.step not in keep:
            path = done_file(parsed)
            if path is not None:
                return f"@{path}"
            needed.add(parsed.step)
        elif parsed is not None and not isinstance(parsed, (StepRef, str)):  # a FileRef
            path = files.resolve(parsed.name)
            return f"@{path}" if path is not None else value
        return value

    while True:  # a step kept for a value that is no file may need others in turn
        needed: set[str] = set()
        steps = [s.model_copy(update={"args": rewrite(s.args)}) for s in plan.steps if s.id in keep]
        if not needed:
            break
        keep |= needed
    return Plan(steps=steps, reply=None)
