"""Troupe's Gradio chat app: upload files, watch the plan run, see and hear every result.

``create_app()`` builds the app without serving it (tests drive it); ``launch()`` builds
an :class:`~agent.Agent` from options and serves the app on loopback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._app import DEFAULT_MAX_UPLOAD_MB, TroupeApp, create_app

__all__ = ["TroupeApp", "create_app", "launch"]


def launch(
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    *,
    runs_dir: str | Path | None = None,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
    max_concurrent_runs: int = 2,
    block: bool = True,
    planners: Mapping[str, Any] | None = None,
    auth: Sequence[tuple[str, str]] | None = None,
    **agent_options: Any,
) -> TroupeApp:
    """Serve the app (``troupe web``).

    Args:
        host: interface to bind; loopback by default, ``0.0.0.0`` to serve the network.
        port: TCP port, 1 to 65535.
        share: also open a public Gradio share link (off unless asked for).
        runs_dir: the run store (default ``~/.troupe/runs``).
        max_upload_mb: largest upload in MB, > 0.
        max_concurrent_runs: requests run at once, >= 1; others queue.
        block: keep serving until interrupted; False returns once the server is up.
        planners: the planners users may switch to in Settings, by name (see
            :func:`create_app`); ``troupe web`` offers every planner the operator configured.
        auth: ``(user, password)`` pairs; when given, the page asks for one before anything
            else (``troupe web`` reads them from ``TROUPE_WEB_AUTH``).
        **agent_options: passed to :class:`agent.Agent` (``planner``, ``executor``,
            ``registry``, ``max_workers``, ``device``…).

    Returns:
        The running app (when ``block`` is False); ``app.close()`` stops it.
    """
    from agent import Agent

    agent = Agent(runs_dir=runs_dir, **agent_options)
    app = create_app(
        agent,
        runs_dir=runs_dir,
        max_upload_mb=max_upload_mb,
        max_concurrent_runs=max_concurrent_runs,
        planners=planners,
    )
    app.launch(
        server_name=host,
        server_port=port,
        share=share,
        prevent_thread_lock=not block,
        auth=list(auth) if auth else None,
    )
    return app
