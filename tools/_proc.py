"""Subprocesses of tools (ffmpeg, mostly): started so that a cancelled step can kill them.

Every process starts in a session of its own and, inside a running tool, is handed to the
tool's :class:`~tools.ToolContext`, which kills it (and its children) the moment the step is
cancelled or times out, and when the tool returns — so nothing is left writing into a run
folder that is being removed. Outside a tool (plan validation, scripts) a process is plain.

Error output goes to a temporary file rather than a pipe: a tool reading a process's
stdout never deadlocks on a full stderr pipe, however much a damaged file makes it print.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from typing import IO, Any

from ._context import ToolContext
from .errors import Cancelled, ToolError

__all__ = ["error_line", "popen", "read_errors", "run"]

#: The longest process error quoted in a message, in characters.
_MAX_ERROR_CHARS = 160
_ADDRESS = re.compile(r"\s*\[[^\]]*@ 0x[0-9a-f]+\]\s*")  # ffmpeg's "[wav @ 0x55d…]" prefixes
_NOISE = re.compile(r"^(Error opening input file |Conversion failed|Exiting normally)", re.IGNORECASE)
_LEAD = re.compile(r"^Error (opening|while|during)[^:]*:\s*", re.IGNORECASE)  # "Error opening input files: "


def popen(cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen:
    """Start ``cmd`` (``subprocess.Popen`` arguments) owned by the running tool's step, if any."""
    process = subprocess.Popen(list(cmd), start_new_session=True, **kwargs)
    ctx = ToolContext.current()
    if ctx is not None:
        ctx.adopt(process)
    return process


def run(
    cmd: Sequence[str], *, input: bytes | None = None, timeout_s: float | None = None
) -> tuple[int, bytes, str]:
    """Run ``cmd`` to the end: ``(return code, stdout, stderr text)``.

    Raises:
        Cancelled: the step was cancelled while it ran (the process was killed).
        ToolError: it ran past ``timeout_s`` (it was killed).
    """
    with tempfile.TemporaryFile() as errors:
        process = popen(
            cmd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=errors,
        )  # fmt: skip
        try:
            out, _ = process.communicate(input, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise ToolError(f"{_name(cmd)} did not finish within {timeout_s:g} s") from None
        _raise_if_cancelled()
        return process.returncode, out, read_errors(errors)


def read_errors(file: IO[bytes]) -> str:
    """The text a process wrote to ``file`` (a temporary file given as its stderr)."""
    file.seek(0)
    return file.read().decode("utf-8", errors="replace")


def error_line(stderr: str, fallback: str = "it failed") -> str:
    """The one meaningful line of a process's error output, for a message to a person.

    ffmpeg's address prefixes and its closing boilerplate are dropped; the last remaining
    line says what went wrong; it is cut to a readable length.
    """
    lines = [_ADDRESS.sub(" ", line).strip(" .") for line in stderr.splitlines()]
    lines = [line for line in lines if line and not _NOISE.match(line)]
    line = _LEAD.sub("", lines[-1]) if lines else fallback
    return line if len(line) <= _MAX_ERROR_CHARS else line[: _MAX_ERROR_CHARS - 1] + "…"


def _raise_if_cancelled() -> None:
    ctx = ToolContext.current()
    if ctx is not None and ctx.cancelled:
        raise Cancelled(f"step {ctx.step_id!r} was cancelled")


def _name(cmd: Sequence[str]) -> str:
    return str(cmd[0]).rsplit("/", 1)[-1] if cmd else "the process"
