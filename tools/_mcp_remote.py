"""Tools of another MCP server, called like Troupe's own.

:class:`McpServerConnection` starts a server (a command line, run as a subprocess over
stdio) or connects to one (an ``http://`` / ``https://`` URL, streamable HTTP), lists its
tools, and builds a :class:`~tools.ToolSpec` per tool. The session lives on a background
thread with its own event loop, so the executor's worker threads call remote tools
synchronously; closing the connection (or leaving the interpreter) stops the server.

A call honours its :class:`~tools.ToolContext`: cancellation (a run cancelled, a step past
its time limit) cancels the request on the server; the server's progress notifications are
the step's progress; the result becomes an artifact in the step's output folder (see
:mod:`tools._mcp_result`). Whatever goes wrong on the server's side is a :class:`ToolError`
naming the server and the tool; a stdio server that died is started again on the next call.

Needs the MCP SDK: ``pip install 'troupe[mcp]'``.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import hashlib
import json
import logging
import shlex
import shutil
import tempfile
import threading
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._artifacts import Artifact
from ._context import ToolContext
from ._mcp_result import to_artifact
from ._mcp_schema import guess_returns, params_from_schema, safe_name
from ._spec import ToolSpec
from .errors import Cancelled, ToolError, TroupeError

__all__ = ["DEFAULT_TIMEOUT_S", "McpServerConnection"]

#: The time limit of a remote call unless the server is added with another (seconds).
DEFAULT_TIMEOUT_S = 300.0
_CONNECT_TIMEOUT_S = 30.0  # starting a server and listing its tools
_POLL_S = 0.05  # how often a waiting call looks at its step's cancel flag
_OPEN: set[McpServerConnection] = set()  # closed at interpreter exit


def _import_mcp() -> Any:
    try:
        import mcp
    except ImportError:
        raise TroupeError("tools of other MCP servers need the MCP SDK: pip install 'troupe[mcp]'") from None
    # The SDK logs a traceback for each line a server gets wrong; Troupe's error says what
    # failed in one line. A program that configures logging still receives the records.
    logging.getLogger("mcp").addHandler(logging.NullHandler())
    return mcp


class McpServerConnection:
    """One MCP server: started or connected on :meth:`open`, stopped on :meth:`close`.

    Args:
        server: ``"COMMAND ARGS"`` (split like a shell would, run over stdio) or an
            ``http://`` / ``https://`` URL of a streamable-HTTP server.
        name: what Troupe calls the server (tool-name prefixes, messages); by default the
            name the server gives itself, else the command's (or host's) name.
        timeout_s: the default time limit of each of its tools, in seconds, > 0.
        env: environment variables for a stdio server, over the few it always gets
            (``PATH``, ``HOME``…); the rest of Troupe's environment is not passed on.

    Example:
        >>> with McpServerConnection("python my_server.py") as conn:
        ...     specs = conn.tool_specs()
    """

    def __init__(
        self,
        server: str,
        *,
        name: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        env: dict[str, str] | None = None,
    ):
        self.server = server.strip()
        if not self.server:
            raise TroupeError("an MCP server is a command line or an http(s):// URL; got an empty one")
        if not timeout_s > 0:
            raise TroupeError(f"timeout_s of MCP server {server!r} must be > 0, got {timeout_s!r}")
        self.is_url = self.server.startswith(("http://", "https://"))
        if not self.is_url:
            try:
                self.argv = shlex.split(self.server)
            except ValueError as e:
                raise TroupeError(f"cannot split the MCP server command {server!r}: {e}") from None
            if not self.argv:
                raise TroupeError("an MCP server is a command line or an http(s):// URL; got an empty one")
        self.name = safe_name(name) if name else ""
        self.timeout_s = float(timeout_s)
        self.env = dict(env or {})
        self.listing: list[Any] = []  # the server's tools (mcp_types.Tool), from open()
        self._lock = threading.Lock()
        self._portal_cm: Any = None
        self._portal: Any = None
        self._holder: concurrent.futures.Future | None = None
        self._client: Any = None
        self._errlog: Any = None

    # -- lifetime ----------------------------------------------------------------------
    def open(self) -> McpServerConnection:
        """Start or reach the server and list its tools.

        Raises:
            TroupeError: the server cannot be started, reached, or listed; names it.
        """
        with self._lock:
            self._connect()
            try:
                listing = self._portal.call(self._list_tools)
            except Exception as e:
                self._disconnect()
                raise TroupeError(f"{self._what()} did not list its tools: {_reason(e)}") from None
        self.listing = listing
        if not self.name:
            info = getattr(self._client, "server_info", None)
            self.name = safe_name(getattr(info, "name", "") or self._default_name())
        _OPEN.add(self)
        return self

    def close(self) -> None:
        """Stop the server (a stdio one is shut down, then killed) and the background loop."""
        with self._lock:
            self._disconnect()
        _OPEN.discard(self)

    def __enter__(self) -> McpServerConnection:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> None:
        """Open the session on a fresh background loop (the lock is held)."""
        mcp = _import_mcp()
        from anyio.from_thread import start_blocking_portal

        self._portal_cm = start_blocking_portal(name=f"troupe-mcp-{self.name or 'server'}")
        self._portal = self._portal_cm.__enter__()
        opened: concurrent.futures.Future = concurrent.futures.Future()
        self._holder = self._portal.start_task_soon(self._hold, mcp, opened)
        try:
            done, _ = concurrent.futures.wait(
                [opened, self._holder], timeout=_CONNECT_TIMEOUT_S, return_when="FIRST_COMPLETED"
            )
            if not done:
                raise TimeoutError
            self._client = opened.result() if opened.done() else self._holder.result()
            if self._client is None:
                raise ConnectionError("the session ended as it opened")
            _OPEN.add(self)
        except BaseException as e:
            tail = self._stderr_tail()
            self._disconnect()
            hint = "check the command, and that it runs an MCP server over stdio"
            if self.is_url:
                hint = "check the URL, and that the server is running"
            raise TroupeError(f"{self._what()} could not be started: {_reason(e, tail)} — {hint}") from None

    async def _hold(self, mcp: Any, opened: concurrent.futures.Future) -> None:
        """Keep the session open until cancelled: the task that opens it must close it."""
        import anyio

        if self.is_url:
            target: Any = self.server
        else:
            from mcp.client.stdio import stdio_client

            # Kept open beyond this task: a crashed server's last words go into the error.
            self._errlog = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
            command = shutil.which(self.argv[0]) or self.argv[0]
            params = mcp.StdioServerParameters(command=command, args=self.argv[1:], env=self.env or None)
            target = stdio_client(params, errlog=self._errlog)
        async with mcp.Client(target, client_info=_client_info()) as client:
            opened.set_result(client)
            await anyio.sleep_forever()

    def _disconnect(self) -> None:
        """Close the session and the loop, whatever state they are in (the lock is held)."""
        portal, cm, holder = self._portal, self._portal_cm, self._holder
        self._portal = self._portal_cm = self._holder = self._client = None
        if holder is not None:
            holder.cancel()
        if cm is not None:
            with contextlib.suppress(Exception):
                portal.call(portal.stop, True)
            with contextlib.suppress(Exception):
                cm.__exit__(None, None, None)
        if self._errlog is not None:
            with contextlib.suppress(OSError):
                self._errlog.close()
            self._errlog = None

    async def _list_tools(self) -> list[Any]:
        tools, cursor = [], None
        for _ in range(100):  # a paginator that never ends cannot hang the start
            page = await self._client.list_tools(cursor=cursor)
            tools += page.tools
            cursor = page.next_cursor
            if not cursor:
                break
        return tools

    # -- tools -------------------------------------------------------------------------
    def tool_specs(self, taken: Any = ()) -> list[ToolSpec]:
        """One :class:`ToolSpec` per remote tool.

        Args:
            taken: names already in use (a registry); a remote tool whose name is taken is
                called ``<server>_<tool>`` instead.

        Raises:
            TroupeError: two tools would still share a name after the prefix.
        """
        specs: list[ToolSpec] = []
        used = set(taken)
        for remote in self.listing:
            name = safe_name(remote.name)
            if name in used:
                name = f"{self.name}_{name}"
            if name in used:
                raise TroupeError(
                    f"MCP server {self.name!r}: tool {remote.name!r} would be called {name!r}, which is "
                    "taken too — add the server under another name"
                )
            used.add(name)
            specs.append(self._spec(name, remote))
        return specs

    def _spec(self, name: str, remote: Any) -> ToolSpec:
        description = (remote.description or "").strip()
        summary, _, rest = description.partition("\n")
        remote_params = params_from_schema(name, remote.input_schema or {})
        returns = guess_returns(remote.name, description, remote.meta)
        fingerprint = json.dumps(
            [self.server, remote.name, remote.input_schema, description], sort_keys=True, default=str
        )

        def call_remote(_ctx: ToolContext, **kwargs: Any) -> Artifact:
            arguments = {
                remote_params.wire_names[k]: _wire_value(v) for k, v in kwargs.items() if v is not None
            }
            return self.call(remote.name, arguments, _ctx, returns)

        return ToolSpec(
            name=name,
            fn=call_remote,
            summary=summary.strip() or f"the tool {remote.name!r} of the MCP server {self.name!r}",
            description=(rest.strip() + f"\n\nRuns on the MCP server {self.name!r}.").strip(),
            params=remote_params.params,
            returns=returns,
            returns_doc=f"{returns.__name__} made from the server's result",
            version="mcp-" + hashlib.sha256(fingerprint.encode()).hexdigest()[:16],
            context_param="_ctx",
            tags=("mcp", f"mcp:{self.name}"),
            cache=False,  # another program's tool: its results may change between calls
            timeout_s=self.timeout_s,
            input_model=remote_params.input_model,
        )

    # -- calling -----------------------------------------------------------------------
    def call(
        self, tool: str, arguments: dict[str, Any], ctx: ToolContext, returns: type[Artifact]
    ) -> Artifact:
        """Call ``tool`` with ``arguments`` and turn its result into an artifact of ``returns``.

        Raises:
            Cancelled: the step was cancelled (or ran out of time) while the server worked.
            ToolError: the server reported an error, stopped, or returned something unusable.
        """
        where = f"MCP server {self.name!r}, tool {tool!r}"
        with self._lock:
            if self._portal is None:  # closed, or broken by an earlier call: start it again
                try:
                    self._connect()
                except TroupeError as e:
                    raise ToolError(str(e)) from None
            portal, client = self._portal, self._client
        progress = _Progress(ctx)
        future = portal.start_task_soon(
            partial(client.call_tool, progress_callback=progress), tool, arguments
        )
        while True:
            try:
                result = future.result(timeout=_POLL_S)
                break
            except concurrent.futures.TimeoutError:
                if ctx.cancel_event.is_set():
                    future.cancel()  # the SDK tells the server the request is cancelled
                    raise Cancelled(f"{where} was cancelled") from None
            except concurrent.futures.CancelledError:
                raise Cancelled(f"{where} was cancelled") from None
            except Exception as e:
                if _connection_lost(e):
                    tail = self._stderr_tail()
                    with self._lock:
                        if self._portal is portal:
                            self._disconnect()  # the next call starts it again
                    raise ToolError(
                        f"{where}: the server stopped during the call ({_reason(e, tail)})"
                    ) from None
                raise ToolError(f"{where} failed: {_reason(e)}") from None
        # A resource link in the result is read on the same session.
        read = partial(_read_resource, portal, client, self.timeout_s)
        return to_artifact(result, returns, ctx, where, read=read)

    # -- naming ------------------------------------------------------------------------
    def _default_name(self) -> str:
        if self.is_url:
            return urlsplit(self.server).hostname or "server"
        words = [w for w in self.argv if not w.startswith("-")]
        scripts = [w for w in words[1:] if Path(w).suffix in (".py", ".js", ".ts", ".mjs")]
        return Path((scripts or words or ["server"])[-1 if scripts else 0]).stem

    def _what(self) -> str:
        label = self.name or self.server
        return f"MCP server {label!r}" + (
            f" ({self.server})" if self.name and self.name != self.server else ""
        )

    def _stderr_tail(self) -> str:
        """The last line the stdio server wrote to stderr ("" when none)."""
        log = self._errlog
        if log is None:
            return ""
        with contextlib.suppress(OSError, ValueError):
            log.flush()
            log.seek(max(0, log.seek(0, 2) - 4000))
            lines = [line.strip() for line in log.read().splitlines() if line.strip()]
            return lines[-1] if lines else ""
        return ""


class _Progress:
    """The SDK's progress callback: the server's notifications become the step's progress."""

    def __init__(self, ctx: ToolContext):
        self.ctx, self.fraction = ctx, 0.0

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        if total:
            self.fraction = min(1.0, max(0.0, float(progress) / float(total)))
        with contextlib.suppress(Exception):  # a broken listener must not break the call
            self.ctx.on_progress(self.fraction, message)


def _read_resource(portal: Any, client: Any, timeout_s: float, uri: str) -> Any:
    return portal.start_task_soon(client.read_resource, uri).result(timeout=timeout_s)


def _wire_value(value: Any) -> Any:
    """A value as the server receives it: artifacts as their file paths."""
    if isinstance(value, Artifact):
        return str(value.path)
    if isinstance(value, (list, tuple)):
        return [_wire_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _wire_value(v) for k, v in value.items()}
    return value


def _connection_lost(error: BaseException) -> bool:
    import anyio
    from mcp.shared.exceptions import MCPError
    from mcp_types import CONNECTION_CLOSED

    if isinstance(error, MCPError):
        return error.code == CONNECTION_CLOSED
    return isinstance(
        error, (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError)
    )


def _reason(error: BaseException, stderr_tail: str = "") -> str:
    """An exception (an ExceptionGroup's first leaf) as a short phrase for a message."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    text = str(error).strip() or type(error).__name__
    if isinstance(error, TimeoutError):
        text = f"no answer within {_CONNECT_TIMEOUT_S:g} s"
    elif type(error).__name__ == "ValidationError":
        text = "its answer is not a valid MCP message"
    if len(text) > 200:
        text = text[:199] + "…"
    return text + (f"; its last words: {stderr_tail[:200]}" if stderr_tail else "")


def _client_info() -> Any:
    from mcp_types import Implementation

    return Implementation(name="troupe", version="0.1.0")


@atexit.register
def _close_all() -> None:
    """Stop every server still running when the interpreter exits."""
    for connection in list(_OPEN):
        with contextlib.suppress(Exception):
            connection.close()
