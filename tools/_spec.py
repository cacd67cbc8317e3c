"""``@tool``: a typed, documented function becomes a :class:`ToolSpec`.

Everything a planner or an LLM needs comes from the signature and the Google-style
docstring: the name, the description, each parameter's type, default and meaning, and the
output type. Nothing is written twice.
"""

from __future__ import annotations

import asyncio
import inspect
import tempfile
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from ._artifacts import Artifact
from ._context import ToolContext
from ._docstring import parse_docstring
from ._limits import Limits, input_seconds
from ._types import artifact_types, metadata_of, type_name, wire_annotation
from ._version import default_version
from .errors import BadInput, ToolDefinitionError, ToolError, did_you_mean

__all__ = ["Param", "ToolSpec", "get_spec", "tool"]

_MARK = "__troupe_tool__"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class Param:
    """One parameter of a tool, as planners and schemas see it."""

    name: str
    annotation: Any
    description: str
    required: bool
    default: Any = None

    @property
    def artifact_types(self) -> set[type[Artifact]]:
        """Artifact types this parameter takes (empty for plain values)."""
        return artifact_types(self.annotation)

    @property
    def choices(self) -> tuple[Any, ...]:
        """The allowed values of a ``Literal`` parameter, else ``()``."""
        from ._types import strip_optional

        ann = strip_optional(self.annotation)
        return typing.get_args(ann) if typing.get_origin(ann) is Literal else ()

    @property
    def limits(self) -> Limits | None:
        """The :class:`~tools.Limits` its annotation declares for the files it takes, if any."""
        found = metadata_of(self.annotation, Limits)
        return found[0] if found else None

    @property
    def documentation(self) -> str:
        """The description, followed by the input limits when the annotation declares some."""
        limits = self.limits.describe(self.artifact_types) if self.limits else ""
        return f"{self.description} [limits: {limits}]" if limits else self.description


@dataclass(frozen=True)
class ToolSpec:
    """A registered tool: the function plus everything derived from its definition."""

    name: str
    fn: Callable[..., Any]
    summary: str
    description: str
    params: dict[str, Param]
    returns: Any
    returns_doc: str
    version: str
    context_param: str | None
    tags: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    cache: bool = True
    timeout_s: float | None = None
    timeout_per_input_s: float | None = None
    retries: int = 0
    resources: dict[str, float] = field(default_factory=dict)
    env: tuple[str, ...] = ()
    cache_extra: Callable[[dict[str, Any]], Any] | None = field(default=None, repr=False)
    gpu_when: Callable[[dict[str, Any]], bool] | None = field(default=None, repr=False)
    input_model: type[BaseModel] = field(default=BaseModel, repr=False)

    # -- outputs ---------------------------------------------------------------------
    @property
    def outputs(self) -> dict[str, Any]:
        """Named output fields when the tool returns a model, else ``{}`` (one output)."""
        ret = self.returns
        if isinstance(ret, type) and issubclass(ret, BaseModel) and not issubclass(ret, Artifact):
            return {name: f.annotation for name, f in ret.model_fields.items()}
        return {}

    # -- calling ---------------------------------------------------------------------
    def invoke(self, args: dict[str, Any], ctx: ToolContext | None = None) -> Any:
        """Validate ``args`` against the signature and call the tool.

        Raises:
            BadInput: an argument is unknown, missing or fails its type or constraint.
        """
        try:
            validated = self.input_model.model_validate(args)
        except ValidationError as e:
            raise BadInput(f"{self.name}: {_explain(e, self)}") from None
        kwargs = {name: self.check_input(name, getattr(validated, name)) for name in self.params}
        if ctx is None:  # a fresh output folder only for a tool that can write into one
            ctx = ToolContext.temporary(step_id=self.name) if self.context_param else _no_output(self.name)
        if self.context_param:
            kwargs[self.context_param] = ctx
        with ctx.active():  # helpers find it; what it started is killed on the way out
            result = self.fn(**kwargs)
            if inspect.isawaitable(result):
                result = asyncio.run(_await(result))
        if isinstance(self.returns, type) and not isinstance(result, self.returns):
            raise ToolError(
                f"{self.name} returned {type(result).__name__}, but declares {type_name(self.returns)}"
            )
        return result

    def check_input(self, name: str, value: Any) -> Any:
        """``value`` for parameter ``name`` checked against the parameter's declared
        :class:`~tools.Limits` (from file headers, before any decoding), sizes filled in.

        Raises:
            BadInput: a file is out of bounds or unreadable.
        """
        limits = self.params[name].limits
        return value if limits is None or value is None else limits.check(value)

    def time_limit(self, args: dict[str, Any]) -> float | None:
        """The default time limit of a call with ``args``: ``timeout_s`` plus
        ``timeout_per_input_s`` per second of input (see :func:`tools._limits.input_seconds`);
        None when the tool sets neither."""
        if self.timeout_s is None and self.timeout_per_input_s is None:
            return None
        per_s = self.timeout_per_input_s or 0.0
        return (self.timeout_s or 0.0) + (per_s * input_seconds(args) if per_s else 0.0)

    # -- schemas ---------------------------------------------------------------------
    def wire_model(self) -> type[BaseModel]:
        """The input model as outside callers see it: artifacts are file paths (str)."""
        fields = {}
        for p in self.params.values():
            description, extra = p.documentation, None
            if p.artifact_types:
                kinds = sorted(t.__name__ for t in p.artifact_types)
                description += f" ({'/'.join(kinds)}: a user file '@name' or an earlier step '$id')"
                # Which kind of file the path names, for callers that map paths to artifacts (MCP).
                extra = {"x-troupe-kind": kinds[0] if len(kinds) == 1 else kinds}
            default = ... if p.required else p.default
            field_info = Field(default, description=description, json_schema_extra=extra)
            fields[p.name] = (wire_annotation(p.annotation), field_info)
        return create_model(f"{self.name}_args", __config__=ConfigDict(extra="forbid"), **fields)

    def check_wire_args(self, args: dict[str, Any]) -> None:
        """Check arguments as an outside caller sends them (artifacts as path strings).

        Raises:
            BadInput: an argument is unknown, missing or breaks its rule; the message names
                each such argument and its rule.
        """
        try:
            self.wire_model().model_validate(args)
        except ValidationError as e:
            raise BadInput(f"{self.name}: {_explain(e, self)}") from None

    def json_schema(self) -> dict[str, Any]:
        """JSON schema of the arguments (artifacts as path strings)."""
        schema = self.wire_model().model_json_schema()
        schema.pop("title", None)
        return schema

    def openai_schema(self) -> dict[str, Any]:
        """The tool in OpenAI function-calling shape."""
        description = self.summary + (f"\n\n{self.description}" if self.description else "")
        return {
            "type": "function",
            "function": {"name": self.name, "description": description, "parameters": self.json_schema()},
        }

    def card(self) -> str:
        """A compact one-paragraph text description for prompts and ``troupe tools``."""
        params = ", ".join(
            f"{p.name}: {type_name(p.annotation)}" + ("" if p.required else f" = {p.default!r}")
            for p in self.params.values()
        )
        lines = [f"{self.name}({params}) -> {type_name(self.returns)}", f"  {self.summary}"]
        lines += [f"  - {p.name}: {p.documentation}" for p in self.params.values()]
        if self.timeout_per_input_s:
            lines.append(
                f"  time limit: {self.timeout_s or 0:g} s + {self.timeout_per_input_s:g} s per second of input"
            )
        if self.examples:
            lines.append("  e.g. " + " | ".join(self.examples))
        return "\n".join(lines)


def _no_output(step_id: str) -> ToolContext:
    return ToolContext(output_dir=Path(tempfile.gettempdir()) / "troupe-unused", step_id=step_id)


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _explain(error: ValidationError, spec: ToolSpec) -> str:
    parts = []
    for err in error.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        if err["type"] == "extra_forbidden":
            parts.append(
                f"unknown argument {name!r}{did_you_mean(name, spec.params)}; "
                f"arguments: {', '.join(spec.params) or '(none)'}"
            )
        elif err["type"] == "missing":
            parts.append(f"missing required argument {name!r} ({spec.params[name].description})")
        else:
            param = spec.params.get(name)
            listed = err["type"] == "literal_error" or not (param and param.choices)
            hint = "" if listed else f"; choose one of {', '.join(map(repr, param.choices))}"
            where = "".join(f"[{i}]" for i in err["loc"][1:] if isinstance(i, int))
            parts.append(
                f"argument {name!r}{where} = {short_repr(err.get('input'))}: {err['msg'].lower()}{hint}"
            )
    return "; ".join(parts)


def short_repr(value: Any, limit: int = 60) -> str:
    """A value as a person needs to see it in a message: files by name, lists by length, cut short."""
    if isinstance(value, Artifact):
        return f"@{value.path.name}"
    if isinstance(value, (list, tuple)) and len(value) > 3:
        return f"a list of {len(value)} items"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(short_repr(v, limit // 3) for v in value) + "]"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tool(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    tags: Sequence[str] = (),
    examples: Sequence[str] = (),
    version: str | None = None,
    cache: bool = True,
    timeout_s: float | None = None,
    timeout_per_input_s: float | None = None,
    retries: int = 0,
    resources: dict[str, float] | None = None,
    env: Sequence[str] = (),
    cache_extra: Callable[[dict[str, Any]], Any] | None = None,
    gpu_when: Callable[[dict[str, Any]], bool] | None = None,
) -> Any:
    """Turn a typed function into a tool; works bare (``@tool``) or with options.

    The function is returned unchanged, with its :class:`ToolSpec` attached, so it can
    still be called directly; a registry collects it with ``register``.

    Args:
        fn: the function (when used bare).
        name: tool name; defaults to the function's name.
        description: overrides the docstring's summary line.
        tags: free labels ("speech", "music"…) used for grouping and search.
        examples: sample requests that this tool serves, used by planners.
        version: part of the cache key; defaults to a hash of the function's source and of
            the package that defines it (see :mod:`tools._version`).
        cache: whether identical calls may reuse an earlier result (False for tools whose
            output should differ between calls).
        timeout_s: default per-call time limit in seconds (plans may override); with
            ``timeout_per_input_s``, the fixed part of it.
        timeout_per_input_s: seconds added to the time limit per second of input — audio and
            video by their length, text by the time it takes to read aloud (15 characters a
            second) — so the limit grows with the work; the executor applies it.
        retries: default number of extra attempts after a retryable failure.
        resources: scheduling hints such as ``{"cpu": 2, "gpu": 1, "memory_mb": 4000}``.
        env: environment variables that change what the tool does (a backend or checkpoint
            it picks); their values are part of the cache key.
        cache_extra: ``cache_extra(args)`` returns what else the result depends on (the
            backend ``auto`` resolves to, the revision of the model it loads) as JSON-ready
            data; it joins the cache key. It must be quick and must not go online.
        gpu_when: ``gpu_when(args)`` says whether a call with these arguments would run a
            model that uses a GPU when its step has one (a neural backend that is installed,
            chosen or picked by ``auto``); a scheduler such as the Ray executor then reserves
            a GPU for that step, and for no other. Quick, offline; an exception counts as no.

    Raises:
        ToolDefinitionError: the function lacks type hints or docs; every problem is listed.
    """

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        spec = build_spec(
            f,
            name=name,
            description=description,
            tags=tuple(tags),
            examples=tuple(examples),
            version=version,
            cache=cache,
            timeout_s=timeout_s,
            timeout_per_input_s=timeout_per_input_s,
            retries=retries,
            resources=dict(resources or {}),
            env=tuple(env),
            cache_extra=cache_extra,
            gpu_when=gpu_when,
        )
        setattr(f, _MARK, spec)
        return f

    return decorate(fn) if fn is not None else decorate


def get_spec(obj: Any) -> ToolSpec:
    """The :class:`ToolSpec` of a decorated function, a plain typed function, or a spec."""
    if isinstance(obj, ToolSpec):
        return obj
    spec = getattr(obj, _MARK, None)
    if spec is not None:
        return spec
    if callable(obj):
        return build_spec(obj)
    raise ToolDefinitionError(repr(obj), ["is not a function"])


def build_spec(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    version: str | None = None,
    **options: Any,
) -> ToolSpec:
    """Derive a :class:`ToolSpec` from a function's signature and docstring."""
    qualname = getattr(fn, "__qualname__", repr(fn))
    problems: list[str] = []
    doc = parse_docstring(inspect.getdoc(fn))
    tool_name = name or getattr(fn, "__name__", "")
    if not tool_name or not set(tool_name) <= _NAME_CHARS or tool_name[0].isdigit():
        problems.append(f"name {tool_name!r} must be lower_snake_case (letters, digits, _)")
    summary = description or doc.summary
    if not summary:
        problems.append("has no docstring: its first line becomes the tool's description")

    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as e:  # an unresolvable forward reference, for one
        hints = {}
        problems.append(f"type hints cannot be resolved: {e}")

    params: dict[str, Param] = {}
    context_param = None
    for p in inspect.signature(fn).parameters.values():
        ann = hints.get(p.name)
        if ann is ToolContext:
            context_param = p.name
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            problems.append(f"*{p.name}/**{p.name} cannot be described in a schema; list parameters")
            continue
        if ann is None:
            problems.append(f"parameter {p.name!r} has no type hint")
            continue
        if p.name not in doc.args:
            problems.append(f"parameter {p.name!r} is not documented under 'Args:' in the docstring")
        required = p.default is inspect.Parameter.empty
        params[p.name] = Param(
            p.name, ann, doc.args.get(p.name, ""), required, None if required else p.default
        )

    if "return" not in hints:
        problems.append("has no return type hint (e.g. -> Audio)")
    if problems:
        raise ToolDefinitionError(qualname, problems)

    fields = {
        p.name: (p.annotation, Field(... if p.required else p.default, description=p.description))
        for p in params.values()
    }
    input_model = create_model(
        f"{tool_name}_inputs",
        __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
        **fields,
    )
    return ToolSpec(
        name=tool_name,
        fn=fn,
        summary=summary,
        description=doc.description,
        params=params,
        returns=hints["return"],
        returns_doc=doc.returns,
        version=version or default_version(fn),
        context_param=context_param,
        input_model=input_model,
        **options,
    )
