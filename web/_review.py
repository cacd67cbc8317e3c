"""A plan a person can review and edit before it runs, or one step of a finished run to re-run.

A :class:`Draft` holds the plan and says, for every argument of every step, how the page
should offer it (:meth:`Draft.fields`): the choices of a ``Literal``, the session's files and
the earlier steps' outputs for an artifact argument, free text for the rest. Each edit is
checked at once (:meth:`Draft.check`), with the agent's own :func:`agent.validate_plan`, so
the page can show the one-line problem beside the table and keep Run disabled until it is
fixed. Nothing here knows Gradio; :mod:`web._panel` draws it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from agent import Plan, PlanError, RunResult, UserFiles, validate_plan
from tools import ARTIFACT_TYPES, Param, Registry, TroupeError, UnknownToolError, accepts, sniff_kind

__all__ = ["Draft", "Field"]

_versions = itertools.count(1)

FieldKind = Literal["choice", "file", "files", "text"]


@dataclass(frozen=True)
class Field:
    """One argument of one step, as the editor shows it.

    Attributes:
        step: the step's id.
        name: the argument's name.
        kind: ``choice`` (a ``Literal``: one of ``choices``), ``file`` (an artifact: a file
            ``@name`` or an earlier step's output ``$step``), ``files`` (a list of those),
            ``text`` (anything else, written as text, a number or JSON).
        value: the argument as the plan holds it, shown as text (a list for ``files``);
            None when unset (the tool's default applies).
        choices: what a ``choice`` or ``file(s)`` argument offers.
        info: the parameter's description, with its default when it has one.
    """

    step: str
    name: str
    kind: FieldKind
    value: Any
    choices: tuple[str, ...] = ()
    info: str = ""


@dataclass
class Draft:
    """A plan waiting for a person: to review it whole, or to re-run one of its steps.

    Attributes:
        plan: the plan as edited so far.
        request: what the user asked (kept as the run's request).
        given: the files its ``@names`` are read against (uploads, then earlier results).
        focus: for a re-run, the one step whose arguments may change; None to review all.
        failed: for a re-run, the steps that did not finish in that run → why.
        low_confidence: shown because the planner was unsure, not because review was asked.
        problem: why the plan cannot run as it stands (one line); None when it can.
        version: tells this draft from the ones before it (the page redraws on a change).
    """

    plan: Plan
    request: str
    given: tuple[Path, ...]
    focus: str | None = None
    failed: dict[str, str] = field(default_factory=dict)
    low_confidence: bool = False
    problem: str | None = None
    version: int = field(default_factory=lambda: next(_versions))

    @classmethod
    def rerun(cls, result: RunResult, given: tuple[Path, ...], step_id: str) -> Draft:
        """A draft for re-running ``step_id`` of ``result``: the same steps, that one's
        arguments to change; its dependents follow, the rest come from the cache."""
        failed = {s.id: s.error or s.status for s in result.steps if not s.ok}
        plan = Plan(steps=[s.model_copy(deep=True) for s in result.plan.steps], reply=result.plan.reply)
        return cls(plan, result.request or "", given, focus=step_id, failed=failed)

    # -- what the editor shows ---------------------------------------------------------
    def editable(self) -> list[str]:
        """Ids of the steps whose arguments may be edited."""
        return [self.focus] if self.focus else [s.id for s in self.plan.steps]

    def fields(self, registry: Registry, files: UserFiles) -> list[Field]:
        """Every argument of the editable steps, in plan order; a step whose tool is
        unknown shows the arguments it has, as text."""
        found = []
        for step_id in self.editable():
            step = self.plan.step(step_id)
            try:
                params = registry.get(step.tool).params
            except UnknownToolError:
                found += [Field(step.id, n, "text", _shown(v)) for n, v in step.args.items()]
                continue
            found += [self._field(step.id, param, registry, files) for param in params.values()]
        return found

    def _field(self, step_id: str, param: Param, registry: Registry, files: UserFiles) -> Field:
        value = self.plan.step(step_id).args.get(param.name)
        info = param.description + ("" if param.required else f" (default: {param.default!r})")
        if param.choices:
            return Field(step_id, param.name, "choice", _shown(value), tuple(map(str, param.choices)), info)
        kinds = param.artifact_types
        if not kinds:
            return Field(step_id, param.name, "text", _shown(value), (), info)
        many = any(accepts(param.annotation, list[kind]) for kind in kinds)
        offers = [*_files_for(kinds, files), *self._outputs_for(step_id, kinds, registry)]
        if many:
            shown = (
                [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]
            )
            return Field(step_id, param.name, "files", shown, tuple(offers), info)
        return Field(step_id, param.name, "file", _shown(value), tuple(offers), info)

    def _outputs_for(self, step_id: str, kinds: set[type], registry: Registry) -> list[str]:
        """``$step`` / ``$step.field`` of the steps before ``step_id`` that give such an artifact."""
        offers = []
        for step in itertools.takewhile(lambda s: s.id != step_id, self.plan.steps):
            try:
                spec = registry.get(step.tool)
            except UnknownToolError:
                continue
            outputs = spec.outputs.items() if spec.outputs else [(None, spec.returns)]
            for name, ann in outputs:
                if any(accepts(kind, ann) for kind in kinds):
                    offers.append(f"${step.id}" + (f".{name}" if name else ""))
        return offers

    # -- editing -----------------------------------------------------------------------
    def edit(self, registry: Registry, step_id: str, name: str, raw: Any) -> None:
        """Set one argument from what the page sent ("" or None unsets it).

        Raises:
            KeyError: the step may not be edited in this draft.
        """
        if step_id not in self.editable():
            raise KeyError(step_id)
        step = self.plan.step(step_id)
        args = dict(step.args)
        value = _parsed(raw, _param(registry, step.tool, name))
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
        index = self.plan.steps.index(step)
        self.plan.steps[index] = step.model_copy(update={"args": args})

    def check(self, registry: Registry, files: UserFiles) -> str | None:
        """Why the plan cannot run as it stands, in one line (also kept in :attr:`problem`);
        None when it can."""
        self.problem = self._problem(registry, files)
        return self.problem

    def _problem(self, registry: Registry, files: UserFiles) -> str | None:
        if self.focus:
            for ref in sorted(self.plan.step(self.focus).dependencies() & set(self.failed)):
                return (
                    f"step {self.focus!r}: ${ref} has no result — that step did not finish in this run"
                    f" ({self.failed[ref]}); pick a file or another step's output"
                )
        try:
            validate_plan(self.plan, registry, files)
        except PlanError as e:
            more = f" (and {len(e.issues) - 1} more)" if len(e.issues) > 1 else ""
            return f"{e.issues[0]}{more}"
        except TroupeError as e:  # a file that vanished underneath, a malformed reference
            return str(e).splitlines()[0]
        return None


def _param(registry: Registry, tool: str, name: str) -> Param | None:
    try:
        return registry.get(tool).params.get(name)
    except UnknownToolError:
        return None


def _files_for(kinds: set[type], files: UserFiles) -> list[str]:
    """``@name`` of each of the session's files that holds one of ``kinds``."""
    offers = []
    for path, name in zip(files.paths, files.names(), strict=True):
        kind = ARTIFACT_TYPES.get(sniff_kind(path) or "")
        if kind is not None and any(accepts(k, kind) for k in kinds):
            offers.append(f"@{name}")
    return offers


def _shown(value: Any) -> Any:
    """An argument as the editor shows it: text as it is, anything else as JSON-like text."""
    if value is None or isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def _parsed(raw: Any, param: Param | None) -> Any:
    """What the page sent, as the plan should hold it: a choice as the tool's own value, text
    as text for a text parameter, else read as YAML (numbers, true/false, lists, JSON)."""
    if raw is None or (isinstance(raw, (str, list)) and not raw):
        return None
    if not isinstance(raw, str) or param is None:
        return raw
    if param.choices:
        return next((c for c in param.choices if str(c) == raw), raw)
    if param.artifact_types or (accepts(param.annotation, str) and not accepts(param.annotation, float)):
        return raw
    try:
        return json.loads(raw)  # JSON first: YAML reads 1e3 as text
    except ValueError:
        pass
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw  # validation says what is wrong with it
