"""Tools for benchmarks/mcp_latency.py: a no-op, and one that reports progress at once."""

from __future__ import annotations

import time
from typing import Annotated

from pydantic import Field

from tools import Json, ToolContext, tool


@tool(cache=False)
def noop(value: str = "", *, ctx: ToolContext) -> Json:
    """Return the value given, as JSON.

    Args:
        value: any short text.
    """
    return Json.write(ctx, "value.json", {"value": value})


@tool(cache=False)
def slow(duration_s: Annotated[float, Field(gt=0, le=10)] = 0.05, *, ctx: ToolContext) -> Json:
    """Report progress at once, then wait.

    Args:
        duration_s: how long to wait in seconds, 0 < d <= 10.
    """
    ctx.report(0.0, "started")
    time.sleep(duration_s)
    return Json.write(ctx, "waited.json", {"waited_s": duration_s})
