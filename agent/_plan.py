"""The plan model: ordered steps of tool calls wired by references.

An argument value is a literal, a user file (``"@name"``) or an earlier step's output
(``"$step"`` or ``"$step.field"``); a literal string that starts with ``@`` or ``$`` is
written with the sign doubled (``"$$5"`` means the text ``"$5"``). A saved plan may hold
``{{variables}}`` that ``troupe exec --set name=value`` fills in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tools import TroupeError, clean_text

__all__ = ["FileRef", "Plan", "PlanFormatError", "Step", "StepRef", "parse_value"]

_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
_REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?$")
_VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
#: How deeply an argument value may nest lists and mappings; no tool needs more.
MAX_DEPTH = 32
#: How many values (texts, numbers, list items, mapping entries) a plan may hold in all.
#: No plan needs near as many; a YAML alias bomb ("billion laughs") would expand to 9⁹.
MAX_VALUES = 100_000


class PlanFormatError(TroupeError):
    """A plan file or text that cannot be read as a plan."""


@dataclass(frozen=True)
class StepRef:
    """``$step`` or ``$step.field``: the output of an earlier step."""

    step: str
    field: str | None = None

    def __str__(self) -> str:
        return f"${self.step}" + (f".{self.field}" if self.field else "")


@dataclass(frozen=True)
class FileRef:
    """``@name``: a file the user gave (a path, or the name of a file passed with ``-f``)."""

    name: str

    def __str__(self) -> str:
        return f"@{self.name}"


_SIGNS = ("@", "$")


def _literal(value: Any) -> Any:
    """``value`` written so that :func:`parse_value` reads it back as the same literal."""
    if isinstance(value, str):
        return value[0] + value if value.startswith(_SIGNS) else value
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    return value


def parse_value(value: Any) -> Any:
    """Turn the references inside an argument value into :class:`StepRef`/:class:`FileRef`.

    Lists and dicts are walked; other values are returned as they are.

    Raises:
        PlanFormatError: a ``$`` string that is not a well-formed reference.
    """
    if isinstance(value, str):
        if value.startswith(("$$", "@@")):
            return value[1:]
        if value.startswith("@") and len(value) > 1:
            return FileRef(value[1:])
        if value.startswith("$"):
            match = _REF.match(value)
            if not match:
                raise PlanFormatError(
                    f"{value!r} is not a step reference; write '$step' or '$step.field' "
                    "(or '$$' for a literal '$')"
                )
            return StepRef(match.group(1), match.group(2))
        return value
    if isinstance(value, list):
        return [parse_value(v) for v in value]
    if isinstance(value, dict):
        return {k: parse_value(v) for k, v in value.items()}
    return value


def iter_refs(value: Any) -> Iterator[StepRef | FileRef]:
    """Every reference inside a parsed value."""
    if isinstance(value, (StepRef, FileRef)):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from iter_refs(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from iter_refs(v)


def clean_value(value: Any, depth: int = 0) -> Any:
    """An argument value with its text made safe to store (see :func:`tools.clean_text`).

    Raises:
        ValueError: lists and mappings nest more than :data:`MAX_DEPTH` levels deep.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, (list, dict)) and depth >= MAX_DEPTH:
        raise ValueError(f"values nest more than {MAX_DEPTH} levels deep; flatten them")
    if isinstance(value, list):
        return [clean_value(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean_value(k, depth + 1): clean_value(v, depth + 1) for k, v in value.items()}
    return value


def _count_values(data: Any, limit: int) -> int:
    """How many values ``data`` holds as a plan would read it, aliases expanded; the count
    stops soon after ``limit``, so an alias bomb costs no more than a plan of that size."""
    count, stack = 0, [data]
    while stack and count <= limit:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.values())
            count += len(value)  # the keys
        elif isinstance(value, list):
            stack.extend(value)
    return count


class Step(BaseModel):
    """One tool call.

    Attributes:
        id: a name unique in the plan, used by references (letters, digits, ``_``).
        tool: the registered tool's name.
        args: argument name → literal, ``"@file"`` or ``"$step[.field]"``.
        timeout_s: time limit per attempt in seconds; the tool's default when unset.
        retries: extra attempts after a retryable failure; the tool's default when unset.
        after: ids of steps that must finish first although the step uses none of their
            outputs ("book the room, then send the invitation"); it is skipped if one fails.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID_PATTERN)
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    timeout_s: float | None = Field(default=None, gt=0)
    retries: int | None = Field(default=None, ge=0, le=10)
    after: list[str] = Field(default_factory=list, max_length=1000)

    @field_validator("tool", "args", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return clean_value(value)

    def parsed_args(self) -> dict[str, Any]:
        """The arguments with references parsed (see :func:`parse_value`)."""
        return {name: parse_value(value) for name, value in self.args.items()}

    def dependencies(self) -> set[str]:
        """Ids of the steps that must finish before this one: those whose outputs it uses
        and those it runs :attr:`after`."""
        return self.inputs_from() | set(self.after)

    def inputs_from(self) -> set[str]:
        """Ids of the steps whose outputs this step uses."""
        return {ref.step for ref in iter_refs(self.parsed_args()) if isinstance(ref, StepRef)}


class Plan(BaseModel):
    """An ordered list of steps; dependencies follow from the references.

    Attributes:
        steps: the tool calls.
        reply: what the planner wants to tell the user (why the plan is empty, an
            assumption it made…); not part of execution.
        confidence: how sure the planner is that this is what the request meant, 0 to 1;
            None for a plan a person wrote.
        why: step id → why the planner put the step there (the words it serves, or the
            input of another step it makes).
        alternatives: the next best readings of the request, best first, when the planner
            had a close second choice.
    """

    model_config = ConfigDict(extra="forbid")

    steps: list[Step] = Field(default_factory=list)
    reply: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    why: dict[str, str] = Field(default_factory=dict)
    alternatives: list[Plan] = Field(default_factory=list)

    @field_validator("reply", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return clean_value(value)

    # -- graph -------------------------------------------------------------------------
    def graph(self) -> dict[str, set[str]]:
        """Step id → ids of the steps it depends on (the shape graphlib expects)."""
        return {step.id: step.dependencies() for step in self.steps}

    def step(self, step_id: str) -> Step:
        """The step called ``step_id``; KeyError when there is none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    # -- variables ---------------------------------------------------------------------
    def variables(self) -> set[str]:
        """Names of the ``{{variables}}`` used in the arguments."""
        return {m for step in self.steps for m in _VAR.findall(json.dumps(step.args))}

    def fill(self, values: Mapping[str, Any]) -> Plan:
        """A copy with ``{{name}}`` replaced by ``values[name]``.

        An argument that is exactly ``"{{name}}"`` takes the value as it is (so a number
        stays a number); inside longer text the value is formatted in. A value is always a
        literal: text that would start with ``@`` or ``$`` because of it is escaped (``@@``,
        ``$$``), so ``--set`` can neither name a file nor wire a step.

        Raises:
            PlanFormatError: a variable has no value, or a value names no variable.
        """
        values = {name: clean_value(value) for name, value in values.items()}
        used = self.variables()
        missing, unknown = used - set(values), set(values) - used
        if missing:
            raise PlanFormatError(
                f"the plan needs a value for {', '.join(sorted(missing))}: "
                + " ".join(f"--set {name}=..." for name in sorted(missing))
            )
        if unknown:
            raise PlanFormatError(
                f"--set {', '.join(sorted(unknown))}: the plan has no such variable; "
                f"its variables: {', '.join(sorted(used)) or '(none)'}"
            )

        def sub(value: Any) -> Any:
            if isinstance(value, str):
                whole = _VAR.fullmatch(value.strip())
                if whole:
                    return _literal(values[whole.group(1)])
                filled = _VAR.sub(lambda m: str(values[m.group(1)]), value)
                return filled if value.startswith(_SIGNS) else _literal(filled)
            if isinstance(value, list):
                return [sub(v) for v in value]
            if isinstance(value, dict):
                return {k: sub(v) for k, v in value.items()}
            return value

        steps = [s.model_copy(update={"args": sub(s.args)}) for s in self.steps]
        return self.model_copy(update={"steps": steps})

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data as a pipeline file holds it: the steps and the reply, leaving out unset
        optional fields and the planner's notes (confidence, why, alternatives)."""
        data = self.model_dump(exclude_none=True, exclude={"confidence", "why", "alternatives"})
        for step in data["steps"]:
            if not step["after"]:
                del step["after"]  # most steps wait only for their inputs
        return data

    def explained(self) -> dict[str, Any]:
        """The plan with the planner's notes, as ``troupe plan --json`` and MCP's
        ``troupe_plan`` give it: ``{"steps", "reply", "confidence", "why", "alternatives"}``."""
        return {
            "steps": self.to_dict()["steps"],
            "reply": self.reply or "",
            "confidence": self.confidence,
            "why": self.why,
            "alternatives": [p.to_dict()["steps"] for p in self.alternatives],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The plan as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_yaml(self) -> str:
        """The plan as YAML text."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_data(cls, data: Any, source: str = "plan") -> Plan:
        """Build a plan from parsed JSON/YAML data.

        Raises:
            PlanFormatError: the data is not a plan; the message says where and why.
        """
        if isinstance(data, list):  # a bare list of steps is accepted too
            data = {"steps": data}
        if not isinstance(data, dict):
            raise PlanFormatError(f"{source}: a plan is a mapping with 'steps', got {type(data).__name__}")
        if _count_values(data, MAX_VALUES) > MAX_VALUES:
            raise PlanFormatError(
                f"{source} holds more than {MAX_VALUES:,} values (a YAML alias counts each time it is "
                "used); a plan needs far fewer — write it out"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'plan'}: {err['msg']}" for err in e.errors()
            )
            raise PlanFormatError(f"{source} is not a valid plan: {problems}") from None

    @classmethod
    def from_text(cls, text: str, source: str = "plan") -> Plan:
        """Parse JSON or YAML text (JSON is YAML, so one parser reads both)."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise PlanFormatError(f"{source} is neither JSON nor YAML: {problem}{where}") from None
        except RecursionError:
            raise PlanFormatError(
                f"{source} nests lists or mappings too deeply to read; a plan needs at most {MAX_DEPTH} levels"
            ) from None
        return cls.from_data(data, source)

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        """Read a plan file (``.json``, ``.yaml`` or ``.yml``).

        Raises:
            PlanFormatError: the file is missing or holds no valid plan.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PlanFormatError(f"plan file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as e:
            raise PlanFormatError(f"cannot read plan file {path}: {e}") from None
        return cls.from_text(text, source=str(path))

    def save(self, path: str | Path) -> Path:
        """Write the plan as YAML (or JSON when the name ends in ``.json``)."""
        from tools import atomic_write_text

        path = Path(path)
        return atomic_write_text(path, self.to_json() if path.suffix == ".json" else self.to_yaml())
