"""``troupe``: plan and run requests, run saved plans, chat, list tools and runs, start the web app.

Exit codes: 0 everything finished; 1 a step failed; 2 the request, plan, files or options
were unusable (nothing ran, or a tool refused its input); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from tools import Registry, TroupeError, default_registry, type_name

from ._chat_cli import add_chat_command
from ._models_cli import add_models_command
from ._plan import Plan
from ._result import RunResult
from ._runs_cli import add_runs_command
from ._serve_cli import add_serve_commands

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``troupe`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except TroupeError as e:
        print(f"troupe: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("troupe: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


# -- commands --------------------------------------------------------------------------
def cmd_tools(args: argparse.Namespace) -> int:
    with _chatter_to_stderr():
        registry = _registry(args)
    if args.json:
        catalog = [
            {**spec.openai_schema()["function"], "returns": type_name(spec.returns), "tags": list(spec.tags),
             "examples": list(spec.examples)}
            for spec in registry
        ]  # fmt: skip
        print(json.dumps(catalog, indent=2))
    else:
        print(registry.cards() or "no tools registered")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    with _chatter_to_stderr():
        agent = _agent(args)
        plan = agent.plan(args.request, args.files)  # validated: it may read only the files given
    if args.save:
        plan.save(args.save)
    if args.json:
        print(json.dumps(plan.explained(), indent=2, ensure_ascii=False))
        return 0
    if plan.steps:
        print(yaml.safe_dump({"steps": plan.to_dict()["steps"]}, sort_keys=False, allow_unicode=True), end="")
    if plan.reply:
        print(plan.reply)
    if args.explain:
        print(_explanation(plan))
    return 0


def _explanation(plan: Plan) -> str:
    """Why each step is there, the planner's confidence, and the readings it ranked next."""
    from .respond import describe_plan

    lines = [f"- {step.id}: {plan.why.get(step.id, 'written in the plan')}" for step in plan.steps]
    if plan.confidence is not None:
        lines.append(f"confidence: {plan.confidence:.2f}")
    lines += [f"also considered: {describe_plan(p)}" for p in plan.alternatives]
    return "\n".join(["why:", *lines])


def cmd_run(args: argparse.Namespace) -> int:
    return _execute(args, request=args.request, plan=None, base_dir=None)


def cmd_exec(args: argparse.Namespace) -> int:
    plan = Plan.load(args.plan)
    plan = plan.fill(dict(_parse_set(item) for item in args.set))
    return _execute(args, request=None, plan=plan, base_dir=Path(args.plan).resolve().parent)


# -- helpers ---------------------------------------------------------------------------
def _chatter_to_stderr() -> contextlib.AbstractContextManager:
    """Send what libraries print while tools load, plan or run to stderr.

    stdout carries only the command's result, so that ``--json`` output parses and paths can
    be piped; pyfluidsynth, for one, prints where it found its library when ``CI`` is set.
    """
    return contextlib.redirect_stdout(sys.stderr)


def _execute(args: argparse.Namespace, request: str | None, plan: Plan | None, base_dir: Path | None) -> int:
    from ._progress import show_progress

    cancel = threading.Event()
    result: RunResult | None = None
    with _chatter_to_stderr():
        agent = _agent(args)
        events = agent.stream(
            request, args.files, plan=plan, out_dir=args.out, base_dir=base_dir, cancel=cancel
        )
        try:
            for event in events if args.json else show_progress(events):
                if event.kind == "run_finished":
                    result = event.result
        except KeyboardInterrupt:
            cancel.set()
            events.close()
            raise
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str, ensure_ascii=False))
    else:
        _print_result(result)
    if result.ok:
        return 0
    refused = any(s.error_type == "BadInput" for s in result.steps)
    return EXIT_USAGE if refused else EXIT_FAILED


def _print_result(result: RunResult) -> None:
    from tools import iter_artifacts

    for step in result.steps:
        for artifact in iter_artifacts(step.output) if step.ok else ():
            print(f"{step.id}: {artifact.path}")
    print(result.reply)


def _registry(args: argparse.Namespace) -> Registry:
    from ._mcp_servers import add_mcp_servers

    registry = default_registry(builtins=not args.no_builtins)
    for path in args.tools:
        registry.register_file(path)
    add_mcp_servers(registry, args.mcp_server)
    return registry


def _agent_options(args: argparse.Namespace) -> dict[str, Any]:
    from ._endpoints import planner_options

    llm = (getattr(args, "llm_base_url", None), getattr(args, "llm_model", None))
    return {
        **planner_options(getattr(args, "planner", "offline"), *llm),
        "executor": getattr(args, "executor", "local"),
        "executor_options": {"address": args.address} if getattr(args, "address", None) else None,
        "cache": not getattr(args, "no_cache", False),
        "max_workers": getattr(args, "workers", 4),
        "device": getattr(args, "device", "auto"),
        **({"ask_below": 0.0} if getattr(args, "yes", False) else {}),
    }


def _agent(args: argparse.Namespace):
    from ._agent import Agent

    return Agent(registry=_registry(args), **_agent_options(args))


def _parse_set(item: str) -> tuple[str, Any]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise TroupeError(f"--set wants NAME=VALUE, got {item!r}")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        parsed = value
    return name.strip(), parsed if isinstance(parsed, (int, float, bool, str)) else value


def _device(text: str) -> str:
    from tools._devices import device_name

    try:
        return device_name(text)
    except TroupeError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="troupe", description="A multimodal agent for voice, face, body and music."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    tool_opts = argparse.ArgumentParser(add_help=False)
    tool_opts.add_argument(
        "--tools",
        action="append",
        default=[],
        metavar="FILE.py",
        help="register the @tool functions in this Python file (repeatable)",
    )
    tool_opts.add_argument(
        "--mcp-server",
        action="append",
        default=[],
        metavar="'COMMAND ARGS' | URL",
        help="add the tools of an MCP server: a command run over stdio, or an http(s):// URL "
        "(repeatable; servers in $TROUPE_HOME/mcp_servers.toml are always added)",
    )
    tool_opts.add_argument("--no-builtins", action="store_true", help="hide the built-in tools")

    file_opts = argparse.ArgumentParser(add_help=False)
    file_opts.add_argument(
        "-f",
        "--file",
        dest="files",
        action="append",
        default=[],
        metavar="FILE",
        help="an input file, relative to the current folder (not to a plan file); plans refer to it "
        "as @NAME, its file name, or the end of its path that tells apart files with one name "
        "(@d1/song.wav) (repeatable)",
    )
    plan_opts = argparse.ArgumentParser(add_help=False)
    plan_opts.add_argument(
        "--planner",
        default="offline",
        help="offline (default), openai, or an endpoint named in $TROUPE_HOME/endpoints.toml",
    )

    run_opts = argparse.ArgumentParser(add_help=False)
    run_opts.add_argument(
        "--out", metavar="DIR", help="run directory (default: a new one under ~/.troupe/runs)"
    )
    run_opts.add_argument(
        "--json", action="store_true", help="print one JSON object with every step's outcome"
    )
    run_opts.add_argument("--workers", type=_positive_int, default=4, help="steps run at once (default 4)")
    run_opts.add_argument("--no-cache", action="store_true", help="always run the tools")
    run_opts.add_argument(
        "--device", type=_device, default="auto", help="auto ($TROUPE_DEVICE, else a GPU), cpu, cuda"
    )
    run_opts.add_argument("--executor", choices=["local", "ray"], default="local")
    run_opts.add_argument("--address", help="Ray cluster address (auto, ray://HOST:PORT)")

    p = sub.add_parser("tools", parents=[tool_opts], help="list the tools")
    p.add_argument("--json", action="store_true", help="JSON schemas (OpenAI function shape)")
    p.set_defaults(handler=cmd_tools)

    p = sub.add_parser("plan", parents=[tool_opts, file_opts, plan_opts], help="show the plan for a request")
    p.add_argument("request")
    p.add_argument(
        "--json",
        action="store_true",
        help='print {"steps", "reply", "confidence", "why", "alternatives"} (alternatives: other readings)',
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="say why each step is there, how sure the planner is, and what else it considered",
    )
    p.add_argument("--save", metavar="PLAN.yaml", help="also save the plan as a pipeline file")
    p.set_defaults(handler=cmd_plan)

    p = sub.add_parser(
        "run", parents=[tool_opts, file_opts, plan_opts, run_opts], help="plan and run a request"
    )
    p.add_argument("request")
    p.add_argument(
        "--yes",
        action="store_true",
        help="run the planner's best reading even when it is unsure (by default it asks instead)",
    )
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser(
        "exec", parents=[tool_opts, file_opts, run_opts], help="run a saved plan (a scripted pipeline)"
    )
    p.add_argument(
        "plan",
        help="a plan file (.yaml or .json); an @path in it that names no -f file is taken from its folder",
    )
    p.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="fill {{NAME}} in the plan"
    )
    p.set_defaults(handler=cmd_exec, planner="offline")

    add_serve_commands(
        sub, parents=[tool_opts], plan_opts=plan_opts, make_agent=_agent, registry=_registry,
        agent_options=_agent_options, quiet=_chatter_to_stderr,
    )  # fmt: skip
    add_chat_command(sub, parents=[tool_opts, file_opts, plan_opts], make_agent=_agent)
    add_runs_command(sub)
    add_models_command(sub)
    return parser


if __name__ == "__main__":
    sys.exit(main())
