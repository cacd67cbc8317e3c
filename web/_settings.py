"""Which planner a session uses: one the operator offers, picked by name.

Endpoints (URLs, models, keys) are the operator's configuration — ``troupe web``'s flags,
the environment, ``$TROUPE_HOME/endpoints.toml`` — never a browser user's: a user who could
point the server at a URL of their own would choose what it plans and where it connects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from agent import Planner, get_planner
from tools import TroupeError

__all__ = ["DEFAULT_CHOICE", "PlannerChoices"]

#: Keeps the app's own planner (the one ``troupe web --planner`` chose).
DEFAULT_CHOICE = "default"

PlannerSpec = Planner | str | Callable[[], Planner]


class PlannerChoices:
    """The planners a user may switch to in Settings, by name.

    Args:
        offered: name → a planner, a name for :func:`agent.get_planner`, or a function
            making one (called on first use, once). None offers the offline planner.

    Raises:
        ValueError: a planner is called "default" (the app's own planner goes by it).
    """

    def __init__(self, offered: Mapping[str, PlannerSpec] | None = None):
        self._offered = dict(offered) if offered is not None else {"offline": "offline"}
        if DEFAULT_CHOICE in self._offered:
            raise ValueError(
                f"{DEFAULT_CHOICE!r} names the app's own planner; offer planners under other names"
            )
        self._built: dict[str, Planner] = {}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        """What the page offers: "default" first, then the operator's planners."""
        return [DEFAULT_CHOICE, *self._offered]

    def choose(self, name: str) -> Planner | None:
        """The planner called ``name``, built once and shared; None for the app's default.

        Raises:
            TroupeError: no planner has that name, or it cannot be set up.
        """
        if name == DEFAULT_CHOICE:
            return None
        if not isinstance(name, str) or name not in self._offered:
            raise TroupeError(f"Unknown planner {name!r}; choose one of: {', '.join(self.names)}")
        with self._lock:
            if name not in self._built:
                self._built[name] = _build(self._offered[name], name)
            return self._built[name]


def _build(spec: PlannerSpec, name: str) -> Planner:
    try:
        if isinstance(spec, str):
            return get_planner(spec)
        if isinstance(spec, Planner):
            return spec
        return spec()
    except (TypeError, ValueError) as e:
        raise TroupeError(f"could not set up the {name} planner: {e}") from None
