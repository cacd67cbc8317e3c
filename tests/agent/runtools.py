"""Tools for the run-store tests: load with ``troupe ... --tools tests/agent/runtools.py``."""

from __future__ import annotations

import time

from tools import Text, ToolContext, tool


@tool(cache=False)
def linger(seconds: float = 60.0, label: str = "", *, ctx: ToolContext) -> Text:
    """Wait in small slices, reporting progress (and stopping when cancelled), then write the label.

    Args:
        seconds: how long to wait, in s.
        label: text written to the output file.
    """
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)
        ctx.report(0.0, "lingering")
    return Text.write(ctx, "label.txt", label)
