"""Rebuild a :class:`RunResult` from a run's manifest (``run.json``), to resume a conversation.

A manifest holds each step's output as plain data, every artifact replaced by its path
(:func:`tools.to_plain`); the tool's return type says which artifact each path is. A
step whose output cannot be rebuilt (its tool is gone, its files were removed) keeps its
status but has no output, so later turns do not read it.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from tools import Artifact, Registry, UnknownToolError, iter_artifacts
from tools._types import strip_optional

from ._plan import Plan
from ._result import RunResult, StepOutcome

__all__ = ["result_from_manifest"]


def result_from_manifest(manifest: dict[str, Any], plan: Plan, registry: Registry) -> RunResult:
    """The result a run's manifest (as :func:`~agent._store.read_run` gives it) records."""
    steps = []
    for sid, saved in (manifest.get("steps") or {}).items():
        if not isinstance(saved, dict):
            continue
        outcome = StepOutcome(
            sid,
            str(saved.get("tool", "?")),
            status=str(saved.get("status", "?")),
            error=saved.get("error"),
            attempts=int(saved.get("attempts") or 0),
            started_at=saved.get("started_at"),
            finished_at=saved.get("finished_at"),
        )
        if outcome.ok:
            outcome.output = _output(outcome.tool, saved.get("output"), registry)
        steps.append(outcome)
    return RunResult(
        run_dir=Path(manifest["run_dir"]).resolve(),
        plan=plan,
        steps=steps,
        request=manifest.get("request"),
        cancelled=manifest.get("status") == "cancelled",
    )


def _output(tool: str, plain: Any, registry: Registry) -> Any:
    try:
        returns = registry.get(tool).returns
        output = TypeAdapter(returns).validate_python(_lift(returns, plain))
    except (UnknownToolError, ValidationError, TypeError, ValueError):
        return None
    return output if all(a.path.is_file() for a in iter_artifacts(output)) else None


def _lift(annotation: Any, plain: Any) -> Any:
    """``plain`` with each artifact path made into the fields of that artifact."""
    annotation = strip_optional(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, Artifact) and isinstance(plain, str):
        return {"path": plain}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(plain, dict):
        fields = annotation.model_fields
        return {k: _lift(fields[k].annotation, v) if k in fields else v for k, v in plain.items()}
    if typing.get_origin(annotation) in (list, tuple) and isinstance(plain, list):
        (item, *_) = typing.get_args(annotation) or (Any,)
        return [_lift(item, v) for v in plain]
    return plain
