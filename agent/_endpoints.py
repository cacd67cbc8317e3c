"""The LLM endpoints an operator configured, each known by a name.

Endpoints are the operator's configuration, never a user's: ``troupe web``'s
``--llm-base-url`` / ``--llm-model`` and the environment (``TROUPE_LLM_BASE_URL``,
``TROUPE_LLM_MODEL``, ``OPENAI_API_KEY``) make the endpoint called ``openai``; more can be
named in ``$TROUPE_HOME/endpoints.toml``::

    [local]                                  # the name users pick and --planner takes
    base_url = "http://127.0.0.1:11434/v1"   # an OpenAI-compatible endpoint
    model = "llama3.1"
    api_key_env = "LOCAL_LLM_KEY"            # optional: the variable holding its key

Keys stay in the environment, so the file holds no secret.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import TroupeError

from ._store import troupe_home

__all__ = ["Endpoint", "configured_planners", "endpoints_file", "load_endpoints", "planner_options"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_RESERVED = ("default", "offline", "openai")
_KEYS = ("base_url", "model", "api_key_env")


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible chat endpoint; unset fields fall back to the environment.

    Attributes:
        name: what users and ``--planner`` call it.
        base_url: the endpoint (``http://…/v1``); ``TROUPE_LLM_BASE_URL`` when None.
        model: the model there; ``TROUPE_LLM_MODEL`` when None.
        api_key_env: the environment variable holding its key.
    """

    name: str
    base_url: str | None = None
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"

    def options(self) -> dict[str, str]:
        """Keyword arguments for :class:`~agent.planners.openai.OpenAIPlanner`."""
        options = {
            "base_url": self.base_url,
            "model": self.model,
            "api_key": os.environ.get(self.api_key_env),
        }
        return {k: v for k, v in options.items() if v}

    def planner(self) -> Any:
        """A planner on this endpoint (nothing is contacted until it plans)."""
        from .planners import get_planner

        return get_planner("openai", **self.options())

    def responder(self) -> Any:
        """A responder writing replies with this endpoint."""
        from .respond import LLMResponder

        return LLMResponder("openai", **self.options())


def endpoints_file() -> Path:
    """Where named endpoints are configured: ``$TROUPE_HOME/endpoints.toml``."""
    return troupe_home() / "endpoints.toml"


def load_endpoints(path: str | Path | None = None) -> dict[str, Endpoint]:
    """The named endpoints of the operator's file (none when there is no file).

    Raises:
        TroupeError: the file is unreadable or an entry is malformed; the message names
            the file and the entry.
    """
    path = Path(path) if path else endpoints_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise TroupeError(f"cannot read the endpoints file {path}: {e}") from None
    endpoints = {}
    for name, entry in data.items():
        where = f"{path}: [{name}]"
        if not _NAME.match(name) or name in _RESERVED:
            raise TroupeError(
                f"{where}: an endpoint name is 1-40 letters, digits, '.', '_' or '-', and not "
                f"one of {', '.join(_RESERVED)}"
            )
        if not isinstance(entry, dict) or set(entry) - set(_KEYS):
            raise TroupeError(f"{where}: an endpoint has only the keys {', '.join(_KEYS)}")
        if not all(isinstance(v, str) for v in entry.values()):
            raise TroupeError(f"{where}: every value is text in quotes")
        if not entry.get("base_url", "").startswith(("http://", "https://")) or not entry.get("model"):
            raise TroupeError(f"{where}: needs base_url (http://… or https://…) and model")
        endpoints[name] = Endpoint(name, **entry)
    return endpoints


def configured_planners(
    base_url: str | None = None, model: str | None = None, path: str | Path | None = None
) -> dict[str, str | Endpoint]:
    """Every planner the operator configured, by name.

    ``offline`` always; ``openai`` when ``base_url`` or ``model`` (``troupe web``'s flags)
    or the environment sets an endpoint; then each endpoint of the file.

    Raises:
        TroupeError: the endpoints file is malformed.
    """
    if base_url and not base_url.startswith(("http://", "https://")):
        raise TroupeError(f"--llm-base-url wants http://… or https://…, got {base_url!r}")
    planners: dict[str, str | Endpoint] = {"offline": "offline"}
    env = ("TROUPE_LLM_BASE_URL", "TROUPE_LLM_MODEL", "OPENAI_API_KEY")
    if base_url or model or any(os.environ.get(name) for name in env):
        planners["openai"] = Endpoint("openai", base_url or None, model or None)
    return planners | load_endpoints(path)


def planner_options(name: str, base_url: str | None = None, model: str | None = None) -> dict[str, Any]:
    """:class:`~agent.Agent` options for the planner called ``name``.

    ``offline``; ``openai`` (``base_url`` and ``model`` as ``troupe web``'s flags set them,
    else the environment); or an endpoint of the file, which then also writes the replies.

    Raises:
        TroupeError: no planner has that name, or the endpoints file is malformed.
    """
    if name == "offline":
        return {"planner": "offline"}
    planners = configured_planners(base_url, model)
    endpoint = planners.get(name) or (Endpoint("openai") if name == "openai" else None)
    if not isinstance(endpoint, Endpoint):
        known = ", ".join(dict.fromkeys(["offline", "openai", *planners]))
        raise TroupeError(
            f"Unknown planner {name!r}; known planners: {known} (name more in {endpoints_file()})"
        )
    return {"planner": endpoint.planner(), "responder": endpoint.responder()}
