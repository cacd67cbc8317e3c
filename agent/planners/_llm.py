"""What every LLM planner shares: the prompt, reading the answer, one repair, the fallback.

A concrete planner only says how to send messages (:meth:`LLMPlanner.complete`). The
answer must be a plan as JSON; it is parsed and validated like any plan. An unusable
answer is sent back once with the validation error; if the second answer is unusable
too, or the endpoint fails, the offline planner plans instead and the plan's reply says so.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from string import Template
from typing import Any

import prompts
from tools import Registry, sniff_kind

from .._binding import validate_plan
from .._context import Earlier
from .._files import UserFiles, plan_names
from .._plan import Plan, PlanFormatError
from ..errors import PlanError, PlanningError

__all__ = ["PLAN_SCHEMA", "LLMPlanner", "parse_plan"]

Message = dict[str, str]

#: JSON schema of a plan, for endpoints that constrain their output to a schema.
PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                    "tool": {"type": "string"},
                    "args": {"type": "object"},
                },
                "required": ["id", "tool", "args"],
            },
        },
        "reply": {"type": ["string", "null"]},
    },
    "required": ["steps"],
}
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


class LLMPlanner(ABC):
    """A planner that asks a chat model for the plan.

    Args:
        max_tools: at most this many tools are described in the prompt; with more
            registered, the ones the offline planner ranks most relevant are sent.
        fallback: the planner used when the model gives no usable plan (``"offline"``,
            another planner, or None to raise :class:`~agent.PlanningError` instead).
    """

    #: Shown in replies ("the openai planner …").
    name = "LLM"

    def __init__(self, *, max_tools: int = 24, fallback: Any = "offline"):
        self.max_tools = max_tools
        self._fallback_spec = fallback
        self._fallback: Any = None

    @abstractmethod
    def complete(self, messages: list[Message]) -> str:
        """Send ``messages`` (role/content dicts) and return the model's text.

        Raises:
            PlanningError: the endpoint failed (unreachable, timed out, refused).
        """

    def plan(
        self, request: str, files: Sequence[Path], registry: Registry, context: Sequence[Earlier] = ()
    ) -> Plan:
        """Ask the model for a plan, validate it, repair once, else fall back.

        Earlier results (``context``) are listed with the user's files; the plan may read
        those and nothing else.
        """
        files = [Path(f) for f in files]
        messages = [
            {"role": "system", "content": self.system_prompt(request, files, registry, context)},
            {"role": "user", "content": request},
        ]
        error = None
        for attempt in range(2):
            try:
                answer = self.complete(messages)
            except PlanningError as e:
                return self._fall_back(
                    request, files, registry, context, f"the {self.name} planner failed ({e})"
                )
            try:
                return self.check(answer, files, registry, context)
            except (PlanFormatError, PlanError) as e:
                error = str(e)
                if attempt == 0:
                    repair = Template(prompts.load("planner_repair.txt")).safe_substitute(error=error)
                    messages += [
                        {"role": "assistant", "content": answer},
                        {"role": "user", "content": repair},
                    ]
        return self._fall_back(
            request, files, registry, context, f"the {self.name} planner's plan was invalid ({error})"
        )

    # -- prompt --------------------------------------------------------------------------
    def system_prompt(
        self, request: str, files: Sequence[Path], registry: Registry, context: Sequence[Earlier] = ()
    ) -> str:
        """The system message: rules, the (most relevant) tool cards, the user's files and
        the results of earlier turns."""
        cards = "\n\n".join(spec.card() for spec in self.relevant_tools(request, registry))
        earlier = {e.path: e for e in context}
        names = plan_names([*files, *earlier])
        listed = (
            "\n".join(
                f"- @{names[f]} ({sniff_kind(f) or 'unknown kind'}"
                + (
                    f"; made by {earlier[f].tool} for the earlier request {earlier[f].request!r}"
                    if f in earlier
                    else ""
                )
                + ")"
                for f in names
            )
            or "(none)"
        )
        return Template(prompts.load("planner_system.txt")).safe_substitute(tools=cards, files=listed)

    def relevant_tools(self, request: str, registry: Registry) -> list[Any]:
        """Every tool, or the ``max_tools`` the offline planner's relevance model finds
        likeliest for some part of the request."""
        specs = list(registry)
        if len(specs) <= self.max_tools:
            return specs
        from .offline import OfflinePlanner

        return OfflinePlanner.shared().rank_tools(request, registry, self.max_tools)

    # -- answer --------------------------------------------------------------------------
    def check(
        self, answer: str, files: Sequence[Path], registry: Registry, context: Sequence[Earlier] = ()
    ) -> Plan:
        """Parse and validate an answer.

        Raises:
            PlanFormatError: not a plan.
            PlanError: a plan that fails validation.
        """
        plan = parse_plan(answer)
        if plan.steps:
            allowed = [*files, *(e.path for e in context)]
            validate_plan(plan, registry, UserFiles(allowed, roots=[]))  # the model may read only these
        return plan

    def _fall_back(
        self, request: str, files: Sequence[Path], registry: Registry, context: Sequence[Earlier], why: str
    ) -> Plan:
        if self._fallback_spec is None:
            raise PlanningError(why)
        if self._fallback is None:
            from . import get_planner

            self._fallback = get_planner(self._fallback_spec)
        plan = (
            self._fallback.plan(request, files, registry, context)
            if context
            else self._fallback.plan(request, files, registry)
        )
        note = f"Note: {why}; planned offline instead."
        return plan.model_copy(update={"reply": f"{note} {plan.reply}" if plan.reply else note})


def parse_plan(answer: str) -> Plan:
    """Read a plan from a model's answer: JSON, possibly inside a ``` fence or after some prose.

    Raises:
        PlanFormatError: no JSON plan in the answer.
    """
    text = answer.strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    elif not text.startswith(("{", "[")) and "{" in text:
        text = text[text.index("{") : text.rindex("}") + 1]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PlanFormatError(
            f"the answer is not JSON ({e.msg} at line {e.lineno}, column {e.colno})"
        ) from None
    if isinstance(data, dict) and "plan" in data and "steps" not in data:
        data = data["plan"]  # some models wrap the object once
    return Plan.from_data(data, source="the answer")
