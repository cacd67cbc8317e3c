"""Which process writes a run, and whether that process still lives.

A run's manifest names its writer: the process id, the host and the process's start time.
A reader that finds a run still marked "running" asks :func:`writer_gone`; a process that
is gone (killed, crashed, the machine rebooted) or a process id since reused by another
program (its start time differs) means the run was interrupted.

Start times come from ``/proc`` (Linux); elsewhere only the process id is checked.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from typing import Any

__all__ = ["this_process", "writer_gone"]

_START_TOLERANCE_S = 2.0  # the boot time /proc reports may drift by a second


def this_process() -> dict[str, Any]:
    """The record a manifest keeps of the process writing it."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "started_at": process_start_time(pid)}


def writer_gone(process: Any) -> bool:
    """Whether the process a manifest names is no longer the one that wrote it.

    A manifest that names no process predates these records; the versions that wrote such
    manifests left them "running" after any crash, so it counts as gone. A process on
    another host cannot be checked from here and counts as alive.
    """
    if not isinstance(process, dict) or not isinstance(process.get("pid"), int):
        return True
    if process.get("host") != socket.gethostname():
        return False
    pid = process["pid"]
    if not _alive(pid):
        return True
    started, recorded = process_start_time(pid), process.get("started_at")
    if started is None or not isinstance(recorded, (int, float)):
        return False
    return abs(started - recorded) > _START_TOLERANCE_S  # the id now belongs to another program


def process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (Unix time), or None when this system cannot say."""
    stat = _stat_fields(pid)
    boot = _boot_time()
    if stat is None or boot is None:
        return None
    ticks = int(stat[19])  # field 22 of /proc/PID/stat: start time in clock ticks since boot
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    stat = _stat_fields(pid)
    if stat is not None:
        return stat[0] not in ("Z", "X")  # a zombie has finished; it only waits to be reaped
    if os.name == "nt":
        return True  # os.kill would send a signal there, not probe; assume alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3 onwards of ``/proc/PID/stat`` (after the command name), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses


@cache
def _boot_time() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as f:
            for line in f:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None
