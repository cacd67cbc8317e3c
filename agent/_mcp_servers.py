"""The MCP servers an operator configured, whose tools join every registry the CLI builds.

``troupe --mcp-server "COMMAND ARGS"`` (or a URL) adds one server for one command; servers
named in ``$TROUPE_HOME/mcp_servers.toml`` are added every time::

    [clicks]                                  # the name: tool-name prefixes, messages
    command = "python /opt/clicks/server.py"  # run over stdio…
    timeout_s = 120                           # optional: each tool's time limit (default 300)
    env = { CLICKS_HOME = "/srv/clicks" }     # optional: variables the server needs

    [search]
    url = "http://127.0.0.1:8000/mcp"         # …or a streamable-HTTP server

Like endpoints, the file is the operator's configuration, never a user's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tools import Registry, TroupeError

from ._store import troupe_home

__all__ = ["McpServer", "add_mcp_servers", "load_mcp_servers", "mcp_servers_file"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_KEYS = ("command", "url", "timeout_s", "env")


@dataclass(frozen=True)
class McpServer:
    """One configured server.

    Attributes:
        name: what Troupe calls it.
        server: a command line (stdio) or an ``http(s)://`` URL.
        timeout_s: each of its tools' time limit in seconds.
        env: environment variables for a stdio server.
    """

    name: str
    server: str
    timeout_s: float = 300.0
    env: dict[str, str] = field(default_factory=dict)


def mcp_servers_file() -> Path:
    """Where servers are configured: ``$TROUPE_HOME/mcp_servers.toml``."""
    return troupe_home() / "mcp_servers.toml"


def load_mcp_servers(path: str | Path | None = None) -> list[McpServer]:
    """The servers of the operator's file, in its order (none when there is no file).

    Raises:
        TroupeError: the file is unreadable or an entry is malformed; names the file and entry.
    """
    path = Path(path) if path else mcp_servers_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise TroupeError(f"cannot read the MCP servers file {path}: {e}") from None
    servers = []
    for name, entry in data.items():
        where = f"{path}: [{name}]"
        if not _NAME.match(name):
            raise TroupeError(f"{where}: a server name is 1-40 letters, digits, '.', '_' or '-'")
        if not isinstance(entry, dict) or set(entry) - set(_KEYS):
            raise TroupeError(f"{where}: a server has only the keys {', '.join(_KEYS)}")
        command, url = entry.get("command"), entry.get("url")
        if (
            (command is None) == (url is None)
            or not isinstance(command or url, str)
            or not (command or url).strip()
        ):
            raise TroupeError(f'{where}: give either command = "PROGRAM ARGS" or url = "http://…"')
        if url is not None and not url.startswith(("http://", "https://")):
            raise TroupeError(f"{where}: url must start with http:// or https://, got {url!r}")
        timeout_s = entry.get("timeout_s", 300.0)
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, int | float) or timeout_s <= 0:
            raise TroupeError(f"{where}: timeout_s is a number of seconds > 0, got {timeout_s!r}")
        env = entry.get("env", {})
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
            raise TroupeError(f'{where}: env is a table of text values, e.g. env = {{ KEY = "value" }}')
        servers.append(McpServer(name, command or url, float(timeout_s), dict(env)))
    return servers


def add_mcp_servers(registry: Registry, servers: list[str]) -> None:
    """Add the configured servers, then ``servers`` (``--mcp-server`` values), to ``registry``.

    Raises:
        TroupeError: a server cannot be started or listed; the message names it, and the
            file when it comes from there.
    """
    path = mcp_servers_file()
    for configured in load_mcp_servers(path):
        try:
            registry.add_mcp_server(
                configured.server, name=configured.name, timeout_s=configured.timeout_s, env=configured.env
            )
        except TroupeError as e:
            raise TroupeError(f"{e} (configured as [{configured.name}] in {path})") from None
    for server in servers:
        registry.add_mcp_server(server)
