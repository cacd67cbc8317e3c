"""Troupe as an MCP server (``troupe mcp``): its tools and its agent for any MCP client.

Needs the official MCP SDK: ``pip install 'troupe[mcp]'``. See docs/mcp.md.
"""

from ._serve import http_app, serve_http, serve_stdio
from ._server import AGENT_TOOLS, TroupeMcpServer

__all__ = ["TroupeMcpServer", "AGENT_TOOLS", "serve_stdio", "serve_http", "http_app"]
