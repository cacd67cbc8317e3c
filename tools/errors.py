"""Errors in three families.

* Mistakes of a developer using the SDK: :class:`ToolDefinitionError`, :class:`UnknownToolError`.
* Signals a tool gives back while running: :class:`ToolError` (final, the message is shown to
  the user as is), :class:`ToolRetry` (transient: the executor may try again) and
  :class:`BadInput` (the user's input cannot be used: final, and the CLI exits with code 2).
* Failures of a run live in :mod:`agent.errors` and build on :class:`TroupeError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ._text import one_line

__all__ = [
    "BadInput",
    "Cancelled",
    "ToolDefinitionError",
    "ToolError",
    "ToolRetry",
    "TroupeError",
    "UnknownToolError",
    "did_you_mean",
]


class TroupeError(Exception):
    """Base of every error Troupe raises on purpose; its message is meant for a person.

    The message is one line: whatever it quotes (a file name, a value from a plan) shows its
    line breaks and control characters as escapes.
    """

    def __str__(self) -> str:
        return one_line(super().__str__())


class ToolDefinitionError(TroupeError, TypeError):
    """A function cannot become a tool; lists every problem found at once."""

    def __init__(self, qualname: str, problems: Iterable[str]):
        self.qualname = qualname
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{qualname} cannot be a tool:\n{lines}")

    def __str__(self) -> str:
        return str(self.args[0])  # one problem a line, for the developer of the tool


class UnknownToolError(TroupeError, KeyError):
    """A tool name that the registry does not hold."""

    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        self.known = sorted(known)
        super().__init__(name)

    def __str__(self) -> str:
        return f"Unknown tool {self.name!r}{did_you_mean(self.name, self.known)}; known tools: " + (
            ", ".join(self.known) or "(none registered)"
        )


class ToolError(TroupeError):
    """A tool failed for a reason it can name; final, not retried."""


class BadInput(ToolError, ValueError):
    """The input a user gave cannot be used (wrong type, empty, no face…); final."""


class ToolRetry(ToolError):
    """A transient failure (busy device, flaky resource); the executor may retry the step."""


class Cancelled(TroupeError):
    """The run was cancelled or the step ran past its timeout; raised inside the tool."""


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
