"""Run the ``troupe`` command in a child process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_TOOLS = str(ROOT / "tests" / "testtools.py")
RUN_TOOLS = str(ROOT / "tests" / "agent" / "runtools.py")


def troupe_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "agent.cli", *args]


def troupe_env(**overrides: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **overrides}


def troupe(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, prefix: Sequence[str] = ()
) -> subprocess.CompletedProcess:
    """``troupe ARGS`` (after ``prefix``, a wrapper such as ``unshare``); text output."""
    return subprocess.run(
        [*prefix, *troupe_cmd(*args)],
        capture_output=True,
        text=True,
        errors="backslashreplace",
        cwd=cwd or ROOT,
        env=env or troupe_env(),
        timeout=120,
    )


def one_line_error(out: subprocess.CompletedProcess) -> str:
    """The single line a refused command prints; fails the test on a traceback or more lines."""
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    return lines[0]
