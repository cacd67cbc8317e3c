"""Tools for the MCP server tests: ``slow`` runs as long as it is told and reports progress."""

from __future__ import annotations

import time
from typing import Annotated

from pydantic import Field

from tools import Json, ToolContext, tool


@tool(cache=False)
def slow(duration_s: Annotated[float, Field(gt=0, le=60)] = 1.0, *, ctx: ToolContext) -> Json:
    """Wait, reporting progress ten times a second, then say how long it waited.

    Args:
        duration_s: how long to wait in seconds, 0 < d <= 60.
    """
    start = time.monotonic()
    while (waited := time.monotonic() - start) < duration_s:
        ctx.report(waited / duration_s, f"waited {waited:.1f} s")
        time.sleep(0.1)
    return Json.write(ctx, "waited.json", {"waited_s": round(waited, 1)})
