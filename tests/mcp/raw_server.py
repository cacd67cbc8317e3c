"""A hand-written stdio "MCP server" whose tools/call answers are malformed (not MCP results).

It speaks just enough JSON-RPC for a client to connect (the 2025 initialize handshake) and
list one tool, so the client's handling of a broken answer can be tested.
"""

from __future__ import annotations

import json
import sys

TOOL = {
    "name": "broken_sound",
    "description": "Make a sound, in theory.",
    "inputSchema": {"type": "object", "properties": {}},
}


def answer(request: dict) -> dict:
    method = request.get("method")
    if method == "initialize":
        result = {
            "protocolVersion": request["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "raw", "version": "0"},
        }
    elif method == "tools/list":
        result = {"tools": [TOOL]}
    elif method == "tools/call":
        result = {"content": "this should have been a list of blocks"}
    else:
        return {"jsonrpc": "2.0", "id": request["id"], "error": {"code": -32601, "message": "no such method"}}
    return {"jsonrpc": "2.0", "id": request["id"], "result": result}


for line in sys.stdin:
    message = json.loads(line)
    if "id" in message and "method" in message:
        sys.stdout.write(json.dumps(answer(message)) + "\n")
        sys.stdout.flush()
