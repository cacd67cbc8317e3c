"""Serving a :class:`TroupeMcpServer` over stdio or streamable HTTP.

Over HTTP the server binds loopback unless told otherwise, and then only with a bearer
token: a client must send ``Authorization: Bearer <token>`` on every request, compared in
constant time. The SDK's DNS-rebinding protection guards the loopback case, so a web page
in the user's browser cannot reach it either.
"""

from __future__ import annotations

import hmac
import ipaddress
import sys
from typing import Any

import anyio

from tools import TroupeError

from ._server import TroupeMcpServer

__all__ = ["MCP_PATH", "http_app", "serve_http", "serve_stdio"]

MCP_PATH = "/mcp"


def serve_stdio(server: TroupeMcpServer) -> None:
    """Serve one client over this process's stdin and stdout until it disconnects.

    While serving, the SDK points file descriptor 1 at stderr, so what a library prints
    cannot corrupt the protocol.
    """
    from mcp.server.stdio import stdio_server

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.server.run(read_stream, write_stream, server.server.create_initialization_options())

    anyio.run(main)


def http_app(server: TroupeMcpServer, *, host: str = "127.0.0.1", token: str | None = None) -> Any:
    """The ASGI app serving streamable HTTP at ``/mcp``, behind a bearer token when one is given.

    Raises:
        TroupeError: ``host`` is not a loopback address and no token is given.
    """
    if not token and not _loopback(host):
        raise TroupeError(
            f"serving MCP on {host} lets anyone on the network run tools — pass --token "
            "(or set TROUPE_MCP_TOKEN), or bind 127.0.0.1"
        )
    app = server.server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
    return _BearerToken(app, token) if token else app


def serve_http(
    server: TroupeMcpServer, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None
) -> None:
    """Serve streamable HTTP at ``http://HOST:PORT/mcp`` until interrupted."""
    import uvicorn

    app = http_app(server, host=host, token=token)
    shown = f"[{host}]" if ":" in host else host
    print(f"troupe: serving MCP at http://{shown}:{port}{MCP_PATH}", file=sys.stderr, flush=True)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")).run()


class _BearerToken:
    """ASGI middleware: every HTTP request must carry ``Authorization: Bearer <token>``."""

    def __init__(self, app: Any, token: str):
        self.app, self._expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]})  # fmt: skip
                await send({"type": "http.response.body", "body": b"a bearer token is required\n"})
                return
        await self.app(scope, receive, send)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
