"""Failures of a plan or a run. Tool-side errors live in :mod:`tools.errors`."""

from __future__ import annotations

from dataclasses import dataclass

from tools._text import one_line
from tools.errors import TroupeError

__all__ = ["PlanError", "PlanIssue", "PlanningError", "RunCancelled"]


@dataclass(frozen=True)
class PlanIssue:
    """One problem found in a plan, tied to the step it concerns (None: the whole plan)."""

    step: str | None
    message: str

    def __str__(self) -> str:
        message = one_line(self.message)  # one issue, one line, whatever the plan held
        return f"step {self.step!r}: {message}" if self.step else message


class PlanError(TroupeError):
    """A plan failed validation; nothing ran. Holds every issue found."""

    def __init__(self, issues: list[PlanIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    def __str__(self) -> str:
        if len(self.issues) == 1:
            return f"invalid plan: {self.issues[0]}"
        return "invalid plan:\n" + "\n".join(f"  - {i}" for i in self.issues)


class PlanningError(TroupeError):
    """A planner could not produce a plan (endpoint down, unusable answer…)."""


class RunCancelled(TroupeError):
    """The run was cancelled before it finished."""
