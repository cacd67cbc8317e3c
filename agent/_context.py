"""Results of earlier turns that a new request may build on.

After "say 'welcome home' in a calm voice", the follow-up "now happier" or "make my photo say
that" needs the speech just made. A planner gets such results as :class:`Earlier` items:
each an artifact file with what made it (the tool, its step and arguments, the request),
so a plan can read it like a file the user gave, or redo its step with changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tools import Artifact

from ._result import RunResult

__all__ = ["Earlier", "earlier_results"]


@dataclasses.dataclass(frozen=True)
class Earlier:
    """One result of an earlier turn.

    Attributes:
        path: the artifact's file.
        kind: its artifact kind (``"Audio"``, ``"Video"``…).
        tool: the tool that made it.
        step: the id of the step that made it.
        field: which output of the step (``"midi"``), or None for a step's only output.
        args: the arguments of that step as the plan wrote them.
        request: the request of the turn that made it.
    """

    path: Path
    kind: str
    tool: str
    step: str
    field: str | None = None
    args: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False, compare=False)
    request: str = ""


def earlier_results(results: Iterable[RunResult]) -> list[Earlier]:
    """Every artifact of the finished steps of ``results``, oldest first."""
    found = []
    for result in results:
        plan_steps = {s.id: s for s in result.plan.steps}
        for outcome in result.steps:
            if not outcome.ok or outcome.id not in plan_steps:
                continue
            args = dict(plan_steps[outcome.id].args)
            for name, artifact in _artifacts(outcome.output):
                found.append(
                    Earlier(artifact.path, type(artifact).__name__, outcome.tool, outcome.id, name, args,
                            result.request or "")
                )  # fmt: skip
    return found


def _artifacts(output: Any) -> list[tuple[str | None, Artifact]]:
    if isinstance(output, Artifact):
        return [(None, output)]
    if isinstance(output, BaseModel):
        return [(name, value) for name, value in output if isinstance(value, Artifact)]
    return []
