"""``troupe runs``: list past runs, show one, clean up old or interrupted ones.

A run whose manifest still says "running" but whose process is gone is shown as
``interrupted`` (see :func:`agent._store.read_run`); a run that is really running is never
removed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

from tools import TroupeError

from ._store import RunStore, read_run

__all__ = ["add_runs_command"]

_UNITS_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MARKS = {"finished": "✓", "cached": "✓", "failed": "✗", "skipped": "–", "cancelled": "■", "interrupted": "!"}


def add_runs_command(sub: argparse._SubParsersAction) -> None:
    """Add ``runs`` (with ``list``, ``show`` and ``clean``) to the ``troupe`` parser."""
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")

    p = sub.add_parser("runs", parents=[as_json], help="list, show and clean past runs")
    p.set_defaults(handler=cmd_list, json=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    q = actions.add_parser("list", parents=[as_json], help="every run, newest first (the default)")
    q.set_defaults(handler=cmd_list)
    q = actions.add_parser("show", parents=[as_json], help="one run and its steps")
    q.add_argument("run", metavar="RUN", help="a run's name (or the start of it) or its folder")
    q.set_defaults(handler=cmd_show)
    q = actions.add_parser("clean", parents=[as_json], help="remove finished-with runs")
    q.add_argument(
        "--older-than", type=_age, metavar="AGE", help="started longer ago than AGE (30m, 12h, 7d…)"
    )
    q.add_argument("--interrupted", action="store_true", help="only runs whose process died mid-run")
    q.set_defaults(handler=cmd_clean)


def cmd_list(args: argparse.Namespace) -> int:
    store = RunStore()
    runs = store.list_runs()
    if args.json:
        print(json.dumps([_summary(run) for run in runs], indent=2, ensure_ascii=False))
    elif not runs:
        print(f"no runs in {store.root}")
    else:
        rows = [("RUN", "STATUS", "STARTED", "STEPS", "REQUEST")]
        for run in runs:
            s = _summary(run)
            steps = f"{s['steps_ok']}/{s['steps_total']}"
            rows.append((s["run"], s["status"], _when(s["created_at"]), steps, _short(s["request"] or "—")))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[4]]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    run = _find(RunStore(), args.run)
    if args.json:
        print(json.dumps(run, indent=2, ensure_ascii=False, default=str))
        return 0
    s = _summary(run)
    status = s["status"]
    process = run.get("process") or {}
    if status == "interrupted":
        who = f"process {process['pid']} on {process.get('host')}" if process.get("pid") else "the process"
        status += f" ({who} that ran it is gone)"
    lines = [
        ("run", s["run"]),
        ("folder", s["run_dir"]),
        ("status", status),
        ("request", s["request"] or "—"),
        ("started", _when(s["created_at"])),
        ("finished", _when(s["finished_at"]) if s["finished_at"] else "—"),
    ]
    if run.get("error"):
        lines.append(("error", str(run["error"])))
    for label, value in lines:
        print(f"{label + ':':<10}{value}")
    steps = run.get("steps") or {}
    print(f"steps:    {s['steps_ok']}/{s['steps_total']} finished")
    for sid, step in steps.items():
        status = step.get("status", "?")
        note = f": {step['error']}" if step.get("error") else ""
        print(f"  {_MARKS.get(status, '▶')} {sid} [{step.get('tool', '?')}] {status}{note}")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    if args.older_than is None and not args.interrupted:
        raise TroupeError("say which runs to remove: --older-than AGE, --interrupted, or both")
    now, removed, kept = time.time(), [], []
    for run in RunStore().list_runs():
        if run.get("status") == "running":
            continue  # alive (or written on another machine): never removed
        if args.interrupted and run.get("status") != "interrupted":
            continue
        if args.older_than is not None and now - float(run.get("created_at") or now) < args.older_than:
            continue
        try:
            shutil.rmtree(run["run_dir"])
        except OSError as e:
            kept.append(f"{Path(run['run_dir']).name} ({e.strerror or e})")
        else:
            removed.append(Path(run["run_dir"]).name)
    if args.json:
        print(json.dumps({"removed": removed, "not_removed": kept}, indent=2, ensure_ascii=False))
    else:
        print(f"removed {len(removed)} run{'s' * (len(removed) != 1)}" + "".join(f"\n  {n}" for n in removed))
        if kept:
            print("could not remove:" + "".join(f"\n  {k}" for k in kept))
    return 0 if not kept else 1


# -- helpers ---------------------------------------------------------------------------
def _find(store: RunStore, name: str) -> dict[str, Any]:
    """The run called ``name`` (a name, the start of one, or a run folder)."""
    for candidate in (Path(name).expanduser(), store.root / name):
        if (candidate / "run.json").is_file():
            return _read(candidate)
    matches = sorted(p.parent for p in store.root.glob("*/run.json") if p.parent.name.startswith(name))
    if len(matches) == 1:
        return _read(matches[0])
    if matches:
        names = ", ".join(m.name for m in matches[:5]) + (", …" if len(matches) > 5 else "")
        raise TroupeError(f"{name!r} matches {len(matches)} runs ({names}) — give more of the name")
    raise TroupeError(f"no run {name!r} in {store.root} — `troupe runs` lists them")


def _read(run_dir: Path) -> dict[str, Any]:
    try:
        return read_run(run_dir)
    except (OSError, ValueError) as e:
        raise TroupeError(f"cannot read the manifest of {run_dir}: {e}") from None


def _summary(run: dict[str, Any]) -> dict[str, Any]:
    steps = [s for s in (run.get("steps") or {}).values() if isinstance(s, dict)]
    return {
        "run": Path(run["run_dir"]).name,
        "run_dir": run["run_dir"],
        "status": run.get("status", "?"),
        "request": run.get("request"),
        "created_at": run.get("created_at"),
        "finished_at": run.get("finished_at"),
        "steps_total": len(steps),
        "steps_ok": sum(s.get("status") in ("finished", "cached") for s in steps),
    }


def _when(timestamp: Any) -> str:
    if not isinstance(timestamp, (int, float)):
        return "?"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _age(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age; write 90s, 30m, 12h, 7d or 2w")
    return float(match.group(1)) * _UNITS_S[match.group(2) or "s"]
