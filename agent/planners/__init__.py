"""Planners turn a request into a :class:`~agent.Plan`.

Every planner has the same shape (:class:`Planner`) and its plans pass the same
validation. ``get_planner`` builds one by name, importing its machinery only then.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tools import Registry, TroupeError

from .._context import Earlier
from .._plan import Plan

__all__ = ["PLANNERS", "Planner", "get_planner"]


@runtime_checkable
class Planner(Protocol):
    """Anything with a ``plan`` method of this shape is a planner."""

    def plan(
        self, request: str, files: Sequence[Path], registry: Registry, context: Sequence[Earlier] = ()
    ) -> Plan:
        """Plan ``request`` with the tools in ``registry``; ``files`` are the user's files.

        ``context`` holds results of earlier turns the request may build on; a planner
        written before it existed may leave the argument out (it is passed only when there
        are such results). A request that needs no tool, or that the tools cannot serve,
        gets a plan with no steps and a ``reply`` saying so.
        """
        ...


#: Planner names and the ``module:class`` that builds each.
PLANNERS = {
    "offline": "agent.planners.offline:OfflinePlanner",
    "openai": "agent.planners.openai:OpenAIPlanner",
}


def get_planner(planner: str | Planner | Any = "offline", **options: Any) -> Planner:
    """A planner by name (``"offline"``, ``"openai"``), a planner object, or a LangChain chat model.

    Raises:
        TroupeError: unknown name, or the planner's extra is not installed.
    """
    if isinstance(planner, Planner):
        return planner
    if not isinstance(planner, str):
        from .langchain import LangChainPlanner

        return LangChainPlanner(planner, **options)
    if planner not in PLANNERS:
        raise TroupeError(f"Unknown planner {planner!r}; known planners: {', '.join(PLANNERS)}")
    import importlib

    module_name, _, class_name = PLANNERS[planner].partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except ImportError as e:
        raise TroupeError(f"the {planner} planner is not available ({e}); pip install 'troupe[all]'") from e
    return cls(**options)
