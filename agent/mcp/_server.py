"""Troupe over MCP: every tool of the registry, plus the agent as two tools.

A thin adapter, as a protocol surface should be: schemas come from the same
:class:`~tools.ToolSpec` the CLI and the planners use, and a call runs the way
``troupe exec`` runs a one-step plan — through the agent's executor, so limits, time limits,
the cache, the run store and its manifest all apply, and no tool knows it was called over MCP.

An MCP client is untrusted: the plans it makes or causes may read only files inside the
server's roots and the inline content it sends (see :mod:`._inputs`), and it may read back
only files of runs this server made (see :mod:`._outputs`).
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import mcp_types as types
from mcp.server import Server
from mcp.shared.exceptions import MCPError

from tools import Artifact, ToolSpec, TroupeError, type_name
from tools._mcp_schema import RETURNS_KEY

from .._agent import Agent
from .._plan import Plan
from .._result import RunResult
from ..events import FINAL_STATUSES, Event
from ..respond import describe_plan
from ._inputs import given_files, tool_call_plan
from ._outputs import RunFiles, run_content

__all__ = ["AGENT_TOOLS", "TroupeMcpServer"]

AGENT_TOOLS = ("troupe_plan", "troupe_run")

_FILES_SCHEMA = {
    "type": "array",
    "items": {"type": "string"},
    "default": [],
    "description": "files the request may use: paths inside the server's roots, or inline content "
    "as data URIs (data:audio/wav;base64,…)",
}
_INSTRUCTIONS = """\
Troupe makes and analyses speech, singing, music, talking-face video, facial animation and \
body motion with local models. Call a tool directly, or describe what you want to troupe_run \
(troupe_plan shows the plan first). A file argument is a path inside the server's roots or a \
data URI (data:<mime>;base64,<data>). Results link each file as a troupe:// resource; small \
images and audio also come inline."""


class TroupeMcpServer:
    """An MCP server for an :class:`~agent.Agent`: its tools, ``troupe_plan`` and ``troupe_run``.

    Args:
        agent: whose registry, planner, executor and run store serve the calls.
        roots: folders whose files clients may name (default: the current folder).
        name: the server's name, as clients show it.

    Raises:
        TroupeError: a root is not a folder, or a tool's name is taken by an agent tool.
    """

    def __init__(self, agent: Agent, roots: Sequence[str | Path] = (), *, name: str = "troupe"):
        self.agent = agent
        self.roots = [_folder(r) for r in roots] or [Path.cwd().resolve()]
        clash = [n for n in AGENT_TOOLS if n in agent.registry]
        if clash:
            raise TroupeError(
                f"a registered tool is called {clash[0]!r}, a name the MCP server uses; rename it"
            )
        self.files = RunFiles(agent.store.root)
        self.server: Server = Server(
            name,
            version=_version(),
            instructions=_INSTRUCTIONS,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            on_list_resources=self._list_resources,
            on_read_resource=self._read_resource,
        )

    # -- the catalog -----------------------------------------------------------------
    def tools(self) -> list[types.Tool]:
        """Every tool as clients see it: the registry's, then the two agent tools."""
        listed = []
        for spec in self.agent.registry:
            description = spec.summary + (f"\n\n{spec.description}" if spec.description else "")
            listed.append(
                types.Tool(
                    name=spec.name, description=description, input_schema=spec.json_schema(),
                    meta={RETURNS_KEY: _returned_kind(spec)},
                    annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
                )
            )  # fmt: skip
        return [*listed, *_agent_tools()]

    async def _list_tools(self, ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=self.tools())

    # -- calls -----------------------------------------------------------------------
    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        name, arguments = params.name, dict(params.arguments or {})
        # Inline content goes here; removed once the run is over, even one the client left.
        uploads = Path(tempfile.mkdtemp(prefix="troupe-mcp-"))
        remove_uploads = functools.partial(shutil.rmtree, uploads, ignore_errors=True)
        if name == "troupe_plan":
            try:  # planning may load a model: off the event loop
                return await anyio.to_thread.run_sync(self._plan, arguments, uploads)
            except TroupeError as e:  # the client's mistake: a result it can read and act on
                return _refused(e)
            finally:
                remove_uploads()
        try:
            start = self._start(name, arguments, uploads)
        except TroupeError as e:
            remove_uploads()
            return _refused(e)
        except BaseException:
            remove_uploads()
            raise
        try:
            return run_content(await self._run(ctx, start, then=remove_uploads), self.files)
        except TroupeError as e:  # refused when planned or validated, before any step ran
            return _refused(e)

    def _start(
        self, name: str, arguments: dict[str, Any], uploads: Path
    ) -> Callable[[threading.Event], Iterator[Event]]:
        """What running the call means: a function of the cancel flag giving the event stream."""
        if name == "troupe_run":
            request, plan, files = _agent_arguments(name, arguments, ("request", "plan", "files"))
            if (request is None) == (plan is None) or not isinstance(request or plan, (str, dict)):
                raise TroupeError(
                    "troupe_run takes 'request' (words) or 'plan' ({'steps': [...]}): exactly one of them"
                )
            user_files = given_files(files, self.roots, uploads)
            plan = Plan.from_data(plan, source="the client's plan") if plan is not None else None
            # The plan, whoever wrote it, may read only the files given and files inside the roots.
            return lambda cancel: self.agent.stream(request, user_files, plan=plan, cancel=cancel)
        if name not in self.agent.registry:
            known = ", ".join([*self.agent.registry.names(), *AGENT_TOOLS])
            raise MCPError(types.INVALID_PARAMS, f"Unknown tool {name!r}; known tools: {known}")
        plan, user_files = tool_call_plan(self.agent.registry.get(name), arguments, self.roots, uploads)
        return lambda cancel: self.agent.stream(None, user_files, plan=plan, cancel=cancel)

    def _plan(self, arguments: dict[str, Any], uploads: Path) -> types.CallToolResult:
        request, files = _agent_arguments("troupe_plan", arguments, ("request", "files"))
        if not isinstance(request, str) or not request.strip():
            raise TroupeError("troupe_plan needs 'request': say what you would like done")
        plan = self.agent.plan(request, given_files(files, self.roots, uploads))
        summary = plan.reply or describe_plan(plan)
        return types.CallToolResult(
            content=[types.TextContent(text=summary)], structured_content=plan.explained()
        )

    async def _run(
        self, ctx: Any, start: Callable[[threading.Event], Iterator[Event]], then: Callable[[], Any]
    ) -> RunResult:
        """Run the call's events on a worker thread, sending each step's progress to the client;
        ``then`` is called on that thread once the run is over.

        A client's cancellation cancels the run: its steps stop and the run is kept as
        cancelled, as after Ctrl-C in the terminal.
        """
        cancel = threading.Event()
        events = start(cancel)  # a generator: planning and validation happen on the first step
        progress: dict[str, float] = {}

        def report(event: Event) -> None:
            """Progress counts steps: each adds its fraction done, 1 once settled."""
            if event.step_id is None:
                return
            done = progress.setdefault(event.step_id, 0.0)
            if event.kind == "progress":
                progress[event.step_id] = max(done, event.progress or 0.0)
            elif event.kind in FINAL_STATUSES:
                progress[event.step_id] = 1.0
            elif event.kind != "started":
                return
            message = f"{event.step_id} ({event.tool}): {event.message or event.kind}"
            # The client went away or stopped listening: the run goes on.
            with contextlib.suppress(Exception):
                anyio.from_thread.run(
                    ctx.session.report_progress, sum(progress.values()), float(len(progress)), message
                )

        def drain() -> RunResult | None:
            result = None
            try:
                for event in events:
                    report(event)
                    if event.kind == "run_finished":
                        result = event.result
            finally:
                then()
            return result

        try:
            result = await anyio.to_thread.run_sync(drain, abandon_on_cancel=True)
        except BaseException:
            cancel.set()  # the worker finishes the run as cancelled and closes its manifest
            raise
        if result is None:  # never the case for a stream that ran; guard the contract
            raise TroupeError("the run ended without a result")
        return result

    # -- resources -------------------------------------------------------------------
    async def _list_resources(self, ctx: Any, params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=self.files.resources())

    async def _read_resource(
        self, ctx: Any, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        return self.files.read(str(params.uri))


def _returned_kind(spec: ToolSpec) -> str:
    """The artifact kind a call gives back: the tool's own, or Json for the run's record of a
    tool that returns several fields."""
    returns = spec.returns
    return type_name(returns) if isinstance(returns, type) and issubclass(returns, Artifact) else "Json"


def _refused(error: TroupeError) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=str(error))], is_error=True)


def _agent_tools() -> list[types.Tool]:
    plan_schema = {
        "type": "object",
        "properties": {
            "request": {"type": "string", "description": "what to make or analyse, in plain words"},
            "files": _FILES_SCHEMA,
        },
        "required": ["request"],
        "additionalProperties": False,
    }
    run_schema = {
        "type": "object",
        "properties": {
            "request": {"type": "string", "description": "what to make or analyse, in plain words"},
            "plan": {
                "type": "object",
                "description": "instead of a request, a plan as troupe_plan returns it: "
                "{'steps': [{'id', 'tool', 'args'}]}; '@file' names a file, '$step' an earlier output",
            },
            "files": _FILES_SCHEMA,
        },
        "additionalProperties": False,
    }
    return [
        types.Tool(
            name="troupe_plan",
            description="Plan a request without running it: the steps (tool calls) Troupe would run, "
            "why each is there, the planner's confidence and the readings it ranked next.",
            input_schema=plan_schema,
            annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
        ),
        types.Tool(
            name="troupe_run",
            description="Do what a request asks (or run a plan): plans it, runs the steps with progress, "
            "and returns the reply with every file made.",
            input_schema=run_schema,
            annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
        ),
    ]


def _agent_arguments(tool: str, arguments: dict[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    unknown = sorted(set(arguments) - set(names))
    if unknown:
        raise TroupeError(f"{tool}: unknown argument {unknown[0]!r}; arguments: {', '.join(names)}")
    files = arguments.get("files", [])
    if "files" in names and (not isinstance(files, list) or not all(isinstance(f, str) for f in files)):
        raise TroupeError(f"{tool}: argument 'files' must be a list of paths or data URIs")
    return tuple(arguments.get(n, [] if n == "files" else None) for n in names)


def _folder(root: str | Path) -> Path:
    path = Path(root).expanduser()
    if not path.is_dir():
        raise TroupeError(f"--root {root}: not a folder — give a folder whose files clients may use")
    return path.resolve()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("troupe")
    except PackageNotFoundError:
        return "0"
