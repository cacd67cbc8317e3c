"""Validate a plan against the registry and bind its arguments; resolve them at run time.

Validation happens before anything runs and reports every problem at once, each naming
its step: unknown tool or argument, missing argument, wrong literal, dangling reference,
type mismatch, missing file, a file whose content is not the declared type, a cycle; and,
for a confined plan, a file or a path argument (:class:`~tools.LocalPath`) outside what it
may read.
"""

from __future__ import annotations

import graphlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tools import (
    Artifact,
    BadInput,
    Json,
    Registry,
    Text,
    ToolError,
    ToolSpec,
    UnknownToolError,
    accepts,
    artifact_from_file,
    iter_artifacts,
    type_name,
)
from tools._limits import LocalPath, max_chars
from tools._spec import short_repr
from tools._types import artifact_types, is_list, length_bounds, list_item, metadata_of
from tools.errors import did_you_mean

from ._files import FileOutside, UserFiles
from ._plan import FileRef, Plan, PlanFormatError, StepRef, iter_refs
from .errors import PlanError, PlanIssue

__all__ = ["BoundStep", "OutputRef", "ValidatedPlan", "resolve_args", "validate_plan"]


@dataclass(frozen=True)
class OutputRef:
    """A checked reference: which step, which output field, which key of a Json output."""

    step: str
    field: str | None = None
    key: str | None = None

    def pick(self, output: Any) -> Any:
        """The referenced part of the step's output."""
        value = getattr(output, self.field) if self.field else output
        if value is None and self.field:  # an output the tool gives only sometimes (a stem)
            made = [k for k, v in vars(output).items() if v is not None]
            raise ToolError(
                f"${self.step}.{self.field} is empty: step {self.step!r} did not make one this time "
                f"(that depends on its backend or options); it made: {', '.join(made) or 'nothing'}"
            )
        if self.key is None:
            return value
        data = value.load() if isinstance(value, Json) else value
        if not isinstance(data, Mapping) or self.key not in data:
            keys = ", ".join(data) if isinstance(data, Mapping) else "(not a mapping)"
            raise ToolError(f"${self.step} has no field {self.key!r}; it has: {keys}")
        return data[self.key]


@dataclass(frozen=True)
class BoundStep:
    """A step whose tool is known and whose arguments are checked.

    ``args`` holds literals, :class:`OutputRef`\\ s and user-file artifacts. ``timeout_s`` is
    the plan's own limit; when None the executor asks the tool (see ``ToolSpec.time_limit``).
    """

    id: str
    spec: ToolSpec
    args: dict[str, Any]
    deps: frozenset[str]
    timeout_s: float | None
    retries: int


@dataclass(frozen=True)
class ValidatedPlan:
    """A plan that passed validation and is ready to run."""

    plan: Plan
    steps: dict[str, BoundStep]

    def graph(self) -> dict[str, set[str]]:
        """Step id → the ids it depends on."""
        return {sid: set(step.deps) for sid, step in self.steps.items()}


def validate_plan(plan: Plan, registry: Registry, files: UserFiles | None = None) -> ValidatedPlan:
    """Check ``plan`` against the tools in ``registry`` and the user's ``files``.

    Raises:
        PlanError: listing every problem found, each naming its step.
    """
    return _Validator(plan, registry, files or UserFiles()).run()


class _Validator:
    def __init__(self, plan: Plan, registry: Registry, files: UserFiles):
        self.plan, self.registry, self.files = plan, registry, files
        self.issues: list[PlanIssue] = []
        self.specs: dict[str, ToolSpec | None] = {}
        self.step_id: str | None = None
        self.spec: ToolSpec | None = None  # the tool whose arguments are being bound

    def issue(self, message: str) -> None:
        self.issues.append(PlanIssue(self.step_id, message))

    def run(self) -> ValidatedPlan:
        for step in self.plan.steps:
            self.step_id = step.id
            if step.id in self.specs:
                self.issue("another step has the same id; ids must be unique")
            try:
                self.specs[step.id] = self.registry.get(step.tool)
            except UnknownToolError as e:
                self.specs[step.id] = None
                self.issue(str(e))
        bound = {}
        for step in self.plan.steps:
            self.step_id = step.id
            spec = self.specs[step.id]
            try:
                parsed = step.parsed_args()
            except PlanFormatError as e:
                self.issue(str(e))
                continue
            for other in step.after:
                if other not in self.specs:
                    steps = ", ".join(self.specs) or "(none)"
                    self.issue(f"it runs after step {other!r}, but no step has that id; steps: {steps}")
            if spec is not None:
                args = self.bind_args(spec, parsed)
                bound[step.id] = BoundStep(
                    id=step.id,
                    spec=spec,
                    args=args,
                    deps=frozenset(step.dependencies()),
                    timeout_s=step.timeout_s,
                    retries=step.retries if step.retries is not None else spec.retries,
                )
        self.step_id = None
        self.check_cycles()
        if self.issues:
            raise PlanError(self.issues)
        return ValidatedPlan(self.plan, bound)

    def check_cycles(self) -> None:
        graph = {s.id: {d for d in s.dependencies() if d in self.specs} for s in self.plan.steps}
        try:
            graphlib.TopologicalSorter(graph).prepare()
        except graphlib.CycleError as e:
            cycle = e.args[1]
            self.issue(f"steps form a cycle: {' → '.join(map(str, cycle))}; a step cannot use its own output")
        except ValueError:
            pass  # a malformed reference was reported already

    # -- arguments -------------------------------------------------------------------
    def bind_args(self, spec: ToolSpec, parsed: dict[str, Any]) -> dict[str, Any]:
        self.spec = spec
        for name in parsed.keys() - spec.params.keys():
            self.issue(
                f"{spec.name} has no argument {name!r}{did_you_mean(name, spec.params)}; "
                f"its arguments: {', '.join(spec.params) or '(none)'}"
            )
        for param in spec.params.values():
            if param.required and param.name not in parsed:
                self.issue(f"{spec.name} needs argument {param.name!r} ({param.description})")
        bound = {}
        for name, value in parsed.items():
            if name in spec.params:
                want = spec.params[name].annotation
                path = self.files.confined and value is not None and metadata_of(want, LocalPath)
                bound[name] = self.bind_path(value, name) if path else self.bind(value, want, name)
        return bound

    def bind_path(self, value: Any, name: str) -> str | None:
        """A path on this machine in a confined plan: text, judged like an ``@`` reference."""
        if not isinstance(value, str):  # a reference would smuggle in a path read from a file
            shown = value if isinstance(value, (FileRef, StepRef)) else short_repr(value)
            self.issue(f"argument {name!r} is a path on this machine: write it as text, not {shown}")
            return None
        try:
            return str(self.files.lookup(value))
        except FileOutside as e:
            self.issue(f"argument {name!r} is a path on this machine: {e}")
            return None

    def bind(self, value: Any, want: Any, name: str) -> Any:
        if isinstance(value, StepRef):
            return self.bind_ref(value, want, name)
        if isinstance(value, FileRef):
            return self.bind_file(value, want, name)
        if isinstance(value, list) and is_list(want) and any(True for _ in iter_refs(value)):
            self.check_length(value, want, name)
            return [self.bind(v, list_item(want), name) for v in value]
        if any(True for _ in iter_refs(value)):
            self.issue(f"argument {name!r}: references may stand only as a whole value or a list item")
            return value
        unfilled = _VARIABLE.fullmatch(value.strip()) if isinstance(value, str) else None
        if unfilled:
            self.issue(
                f"argument {name!r} has no value yet ({value.strip()}): say it in the request, "
                f"or run the saved plan with --set {unfilled.group(1)}=..."
            )
            return value
        try:
            bound = TypeAdapter(want).validate_python(value)
        except ValidationError as e:
            if artifact_types(want):
                self.literal_artifact(value, want, name)
            else:
                reason = "; ".join(err["msg"].lower() for err in e.errors())
                self.issue(f"argument {name!r} = {short_repr(value)}: {reason}")
            return value
        if iter_artifacts(bound):
            # A literal such as {"path": "/etc/passwd"} would name a file past every check:
            # files enter a plan only as '@name' (which confinement judges) or '$step'.
            self.literal_artifact(value, want, name)
            return value
        return bound

    def literal_artifact(self, value: Any, want: Any, name: str) -> None:
        self.issue(
            f"argument {name!r} wants {type_name(want)}: give a user file '@name' or an "
            f"earlier step '$id', not the literal {value!r}"
        )

    def check_length(self, items: list[Any], want: Any, name: str) -> None:
        low, high = length_bounds(want)
        if high is not None and len(items) > high:
            self.issue(
                f"argument {name!r} has {len(items)} items; {self.spec.name} takes at most {high} — split them over several steps"
            )
        elif low is not None and len(items) < low:
            self.issue(f"argument {name!r} has {len(items)} items; {self.spec.name} needs at least {low}")

    def bind_ref(self, ref: StepRef, want: Any, name: str) -> OutputRef | None:
        if ref.step not in self.specs:
            steps = ", ".join(self.specs) or "(none)"
            self.issue(f"argument {name!r} refers to {ref}, but no step has id {ref.step!r}; steps: {steps}")
            return None
        spec = self.specs[ref.step]
        if spec is None:
            return None  # its unknown tool was reported already
        out, have = self.pick_output(spec, ref, want, name)
        if out is not None and not accepts(want, have):
            self.issue(f"argument {name!r} wants {type_name(want)}, but {ref} gives {type_name(have)}")
        return out

    def pick_output(self, spec: ToolSpec, ref: StepRef, want: Any, name: str) -> tuple[OutputRef | None, Any]:
        outputs = spec.outputs
        described = ", ".join(f"{k}: {type_name(t)}" for k, t in outputs.items())
        if ref.field is None:
            if not outputs:
                return OutputRef(ref.step), spec.returns
            fits = [k for k, t in outputs.items() if accepts(want, t)]
            if len(fits) == 1:
                return OutputRef(ref.step, fits[0]), outputs[fits[0]]
            if not fits:
                self.issue(
                    f"argument {name!r} wants {type_name(want)}, but {ref} ({spec.name}) gives {described}"
                )
            else:
                choices = " or ".join(f"${ref.step}.{k}" for k in fits)
                self.issue(f"argument {name!r}: {ref} has several outputs that fit; write {choices}")
            return None, None
        if ref.field in outputs:
            return OutputRef(ref.step, ref.field), outputs[ref.field]
        if spec.returns is Json or (isinstance(spec.returns, type) and issubclass(spec.returns, dict)):
            return OutputRef(ref.step, key=ref.field), Any
        fields = described or "(it has a single output: write " + f"${ref.step})"
        self.issue(f"argument {name!r}: {spec.name} has no output {ref.field!r}; outputs: {fields}")
        return None, None

    def bind_file(self, ref: FileRef, want: Any, name: str) -> Artifact | None:
        try:
            path = self.files.lookup(ref.name)
        except FileOutside as e:
            self.issue(f"argument {name!r}: {e}")
            return None
        kinds = artifact_types(want) or ({Text} if accepts(want, Text) else set())
        if not kinds:
            self.issue(f"argument {name!r} is {type_name(want)} and cannot take a file ({ref})")
            return None
        try:
            artifact = artifact_from_file(path, next(iter(kinds)) if len(kinds) == 1 else None)
        except BadInput as e:
            self.issue(f"argument {name!r}: {e}")
            return None
        if not accepts(want, type(artifact)):
            self.issue(f"argument {name!r} wants {type_name(want)}, but {ref} holds {artifact.noun}")
            return artifact
        try:  # the tool's limits, from the file's header: refused before anything runs
            if isinstance(artifact, Text) and Text not in artifact_types(want):  # read into text
                artifact.read(max_chars=max_chars(want))
            return self.spec.check_input(name, artifact)
        except BadInput as e:
            self.issue(f"argument {name!r}: {e}")
            return None


_VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def resolve_args(step: BoundStep, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The step's arguments with references replaced by earlier outputs.

    Values are fitted to the parameter: a Text artifact feeding a ``str`` is read, a Json
    artifact feeding a ``dict`` is loaded, a single value feeding a list is wrapped.
    """

    def resolve(value: Any) -> Any:
        if isinstance(value, OutputRef):
            return value.pick(outputs[value.step])
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    return {
        name: _fit(resolve(value), step.spec.params[name].annotation) for name, value in step.args.items()
    }


def _fit(value: Any, want: Any) -> Any:
    if is_list(want):
        items = value if isinstance(value, list) else [value]
        return [_fit(v, list_item(want)) for v in items]
    kinds = artifact_types(want)
    if isinstance(value, Text) and Text not in kinds:
        return value.read(max_chars=max_chars(want))
    if isinstance(value, Json) and not kinds:
        return value.load()
    return value
