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


@tool(cache=False)
def lock_run_folder(*, ctx: ToolContext) -> str:
    """Make this run's folder read-only, as a disk remounted read-only mid-run would be."""
    from tests.agent.readonly import make_read_only

    make_read_only(ctx.output_dir.parent.parent)  # <run>/.partial/<step>.<attempt>
    return "locked"


@tool(cache=False)
def await_file(path: str, *, ctx: ToolContext) -> str:
    """Wait until a file exists (the test's go signal), stopping when cancelled.

    Args:
        path: the file to wait for.
    """
    from pathlib import Path

    while not Path(path).exists():
        time.sleep(0.02)
        ctx.report(0.0, "waiting for the signal")
    return "signalled"
