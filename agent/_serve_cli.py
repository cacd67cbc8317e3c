"""``troupe web`` and ``troupe mcp``: the commands that serve Troupe to other programs.

Both take the usual tool options; what they may reach is the operator's configuration:
the web app's LLM endpoints by name, its login from ``TROUPE_WEB_AUTH``; the MCP server's
roots, and its bearer token from ``TROUPE_MCP_TOKEN``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

from tools import Registry, TroupeError

__all__ = ["add_serve_commands"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_serve_commands(
    sub: argparse._SubParsersAction,
    *,
    parents: list[argparse.ArgumentParser],
    plan_opts: argparse.ArgumentParser,
    make_agent: Callable[[argparse.Namespace], Any],
    registry: Callable[[argparse.Namespace], Registry],
    agent_options: Callable[[argparse.Namespace], dict[str, Any]],
    quiet: Callable[[], contextlib.AbstractContextManager],
) -> None:
    """Add ``web`` and ``mcp`` to the ``troupe`` parser.

    Args:
        sub: the parser's subcommands.
        parents: the tool options (``--tools``, ``--mcp-server``…).
        plan_opts: the planner option, for ``mcp``.
        make_agent: the agent the CLI options describe.
        registry: the registry they describe.
        agent_options: the agent options they describe.
        quiet: a context in which what libraries print goes to stderr.
    """

    def cmd_web(args: argparse.Namespace) -> int:
        try:
            from web import launch
        except ImportError as e:
            raise TroupeError(f"the web app needs Gradio: pip install 'troupe[web]' ({e})") from None
        from ._endpoints import configured_planners

        # The page may pick among the operator's planners by name; endpoints never come from it.
        offered = {
            name: spec if isinstance(spec, str) else spec.planner
            for name, spec in configured_planners(args.llm_base_url, args.llm_model).items()
        }
        auth = web_auth(os.environ.get("TROUPE_WEB_AUTH", ""))
        if not auth and (args.share or args.host not in _LOOPBACK):
            where = "a public share link" if args.share else args.host
            print(
                f"troupe: warning: serving on {where} without TROUPE_WEB_AUTH: anyone who reaches it "
                "can run tools (set TROUPE_WEB_AUTH=user:password)",
                file=sys.stderr,
            )
        launch(
            host=args.host, port=args.port, share=args.share, registry=registry(args), planners=offered,
            auth=auth, **agent_options(args),
        )  # fmt: skip
        return 0

    def cmd_mcp(args: argparse.Namespace) -> int:
        try:
            from .mcp import TroupeMcpServer, serve_http, serve_stdio
        except ImportError as e:
            raise TroupeError(f"troupe mcp needs the MCP SDK: pip install 'troupe[mcp]' ({e})") from None
        with quiet():
            server = TroupeMcpServer(make_agent(args), roots=args.root)
        if args.transport == "stdio":
            serve_stdio(server)
        else:
            token = args.token or os.environ.get("TROUPE_MCP_TOKEN") or None
            serve_http(server, host=args.host, port=args.port, token=token)
        return 0

    p = sub.add_parser("web", parents=parents, help="start the Gradio chat app")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link")
    p.add_argument(
        "--planner",
        default="offline",
        help="the default planner: offline (default), openai, or an endpoint named in "
        "$TROUPE_HOME/endpoints.toml; users may switch to any of these in Settings",
    )
    p.add_argument(
        "--llm-base-url", metavar="URL", help="the openai planner's endpoint (default $TROUPE_LLM_BASE_URL)"
    )
    p.add_argument(
        "--llm-model", metavar="NAME", help="the openai planner's model (default $TROUPE_LLM_MODEL)"
    )
    p.set_defaults(handler=cmd_web)

    p = sub.add_parser(
        "mcp", parents=[*parents, plan_opts], help="serve the tools and the agent to MCP clients"
    )
    p.add_argument("--transport", choices=["stdio", "http"], default="stdio", help="stdio (default) or http")
    p.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder whose files clients may name (repeatable; default: the current folder)",
    )
    p.add_argument("--host", default="127.0.0.1", help="http: interface to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=8765, help="http: port (default 8765)")
    p.add_argument("--no-cache", action="store_true", help="always run the tools")
    p.add_argument(
        "--token",
        help="http: require 'Authorization: Bearer TOKEN' (default $TROUPE_MCP_TOKEN; prefer the variable: "
        "arguments are visible to other users)",
    )
    p.set_defaults(handler=cmd_mcp)


def web_auth(value: str) -> list[tuple[str, str]]:
    """``user:password[,user:password…]`` as pairs.

    Raises:
        TroupeError: an entry lacks a user or a password.
    """
    pairs = []
    for entry in filter(None, (e.strip() for e in value.split(","))):
        user, sep, password = entry.partition(":")
        if not (sep and user and password):
            raise TroupeError("TROUPE_WEB_AUTH wants user:password pairs separated by commas")
        pairs.append((user, password))
    return pairs
