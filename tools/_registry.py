"""The tool registry: register, look up, discover and export tools."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from ._mcp_remote import DEFAULT_TIMEOUT_S
from ._spec import ToolSpec, get_spec
from .errors import ToolDefinitionError, TroupeError, UnknownToolError

__all__ = ["ENTRY_POINT_GROUP", "Registry", "default_registry"]

ENTRY_POINT_GROUP = "troupe.tools"

#: Modules holding the built-in tools; imported only when a registry asks for built-ins,
#: and each keeps its heavy imports inside the functions.
BUILTIN_MODULES: tuple[str, ...] = ("tools.speech", "tools.music", "tools.face", "tools.gesture")


class Registry:
    """A set of tools by name.

    Example:
        >>> registry = Registry()
        >>> registry.register(my_tool)          # a function decorated with @tool
        >>> registry.get("my_tool").card()
    """

    def __init__(self, tools: Iterable[Any] = ()):
        self._tools: dict[str, ToolSpec] = {}
        self._mcp_servers: list[Any] = []  # McpServerConnection, closed by close()
        for t in tools:
            self.register(t)

    # -- registering -------------------------------------------------------------------
    def register(self, obj: Any, *, replace: bool = False) -> ToolSpec:
        """Add a tool (decorated or plain typed function, or a ToolSpec); returns its spec.

        Raises:
            ToolDefinitionError: the function cannot be a tool, or the name is taken and
                ``replace`` is false.
        """
        spec = get_spec(obj)
        old = self._tools.get(spec.name)
        if old is not None and old.fn is not spec.fn and not replace:
            raise ToolDefinitionError(
                spec.name, [f"a different tool named {spec.name!r} is already registered"]
            )
        self._tools[spec.name] = spec
        return spec

    def register_module(self, module: ModuleType | str) -> list[ToolSpec]:
        """Register the ``@tool`` functions of a module (object or dotted name).

        A function counts when it is defined in the module or, for a package, in one of
        its submodules; tools merely imported from elsewhere are left to their owner.
        """
        if isinstance(module, str):
            module = importlib.import_module(module)
        prefix = module.__name__ + "."
        found = [
            value
            for value in vars(module).values()
            if callable(value)
            and hasattr(value, "__troupe_tool__")
            and (value.__module__ == module.__name__ or value.__module__.startswith(prefix))
        ]
        return [self.register(f) for f in found]

    def register_file(self, path: str | Path) -> list[ToolSpec]:
        """Import a Python file and register the ``@tool`` functions it defines.

        Raises:
            TroupeError: the file is missing, fails to import, or defines no tool.
        """
        path = Path(path).resolve()
        if not path.is_file() or path.suffix != ".py":
            raise TroupeError(f"--tools wants a Python file; {path} is not one")
        name = f"troupe_user_tools_{abs(hash(path)):x}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise TroupeError(f"cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module  # type hints resolve against sys.modules
        try:
            module_spec.loader.exec_module(module)
        except ToolDefinitionError:
            raise
        except Exception as e:
            raise TroupeError(f"importing {path} failed: {type(e).__name__}: {e}") from e
        specs = self.register_module(module)
        if not specs:
            raise TroupeError(f"{path} defines no @tool function")
        return specs

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[ToolSpec]:
        """Register tools that installed packages advertise in an entry-point group.

        An entry point may name a module (all its tools) or a single tool function.
        """
        specs: list[ToolSpec] = []
        for ep in importlib.metadata.entry_points(group=group):
            try:
                target = ep.load()
            except Exception as e:
                raise TroupeError(f"tool plugin {ep.name!r} ({ep.value}) failed to load: {e}") from e
            if isinstance(target, ModuleType):
                specs += self.register_module(target)
            else:
                specs.append(self.register(target))
        return specs

    def add_mcp_server(
        self,
        server: str,
        *,
        name: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        env: dict[str, str] | None = None,
    ) -> list[ToolSpec]:
        """Register the tools of another MCP server; they then plan and run like any tool.

        The server keeps running (a stdio one as a subprocess) until :meth:`close` or the
        interpreter exits. A remote tool keeps its name (made lower_snake_case) unless a
        registered tool or another server's tool has it: then it is ``<server>_<tool>``.
        Parameters come from its JSON schema; one marked ``"x-troupe-kind": "Audio"`` (any
        artifact kind) takes an artifact, sent as its file path. The artifact kind it returns
        comes from its ``_meta["troupe/returns"]``, else is guessed from its name and
        description (audio/sound/speech/wav → Audio, image/picture/photo/png → Image,
        video/mp4 → Video, midi → Midi, else Json). See docs/mcp.md.

        Args:
            server: ``"COMMAND ARGS"`` (run over stdio) or an ``http://`` / ``https://`` URL
                (streamable HTTP).
            name: what to call the server in tool-name prefixes and messages; by default
                the name it gives itself, else its command's name.
            timeout_s: the default time limit of each of its tools in seconds, > 0.
            env: environment variables for a stdio server, over the few it always gets
                (``PATH``, ``HOME``…); the rest of this process's environment is not passed.

        Returns:
            The specs of the tools it added, in the server's order.

        Raises:
            TroupeError: the MCP SDK is missing, or the server cannot be started, reached or
                listed, or its tools' names clash; the message names the server.
        """
        from ._mcp_remote import McpServerConnection

        connection = McpServerConnection(server, name=name, timeout_s=timeout_s, env=env).open()
        try:
            specs = connection.tool_specs(taken=self._tools)
        except BaseException:
            connection.close()
            raise
        self._mcp_servers.append(connection)
        return [self.register(spec) for spec in specs]

    def close(self) -> None:
        """Stop the MCP servers this registry started (their tools then start them again)."""
        for connection in self._mcp_servers:
            connection.close()

    # -- looking up ------------------------------------------------------------------
    def get(self, name: str) -> ToolSpec:
        """The tool called ``name``.

        Raises:
            UnknownToolError: no such tool; the message lists the known ones.
        """
        try:
            return self._tools[name]
        except KeyError:
            raise UnknownToolError(name, self._tools) from None

    def names(self) -> list[str]:
        """Tool names in registration order."""
        return list(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def filtered(self, keep: Callable[[ToolSpec], bool]) -> Registry:
        """A new registry holding the tools for which ``keep`` is true."""
        return Registry(t for t in self if keep(t))

    # -- exporting -------------------------------------------------------------------
    def openai_tools(self) -> list[dict[str, Any]]:
        """Every tool in OpenAI function-calling shape."""
        return [t.openai_schema() for t in self]

    def cards(self) -> str:
        """Compact text descriptions of every tool, for prompts."""
        return "\n\n".join(t.card() for t in self)

    def langchain_tools(self) -> list[Any]:
        """Every tool as a LangChain ``StructuredTool`` (needs ``langchain-core``)."""
        from ._langchain import to_langchain

        return [to_langchain(t) for t in self]


def default_registry(*, builtins: bool = True, entry_points: bool = True) -> Registry:
    """A registry with the built-in tools and those of installed plugins."""
    registry = Registry()
    if builtins:
        for module in BUILTIN_MODULES:
            registry.register_module(module)
    if entry_points:
        registry.load_entry_points()
    return registry
