"""``troupe models``: list, inspect, pull, import and remove the neural models tools can use.

``pull`` is the only command that touches the network (see :mod:`tools._model_pull`); the
others read and write ``$TROUPE_HOME/models`` and look into the Hugging Face cache. Errors
are :class:`~tools.TroupeError`, which ``troupe`` prints as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from tools import BadInput
from tools._models import (
    CATALOG,
    MANIFEST,
    ModelEntry,
    check_folder,
    find_model,
    installed,
    models_home,
    weight_files,
)

__all__ = ["add_models_command"]


def add_models_command(sub: argparse._SubParsersAction) -> None:
    """Add ``models`` (``list``, ``info``, ``pull``, ``import``, ``rm``) to the ``troupe`` parser."""
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")

    p = sub.add_parser("models", parents=[as_json], help="list, pull, import and remove neural models")
    p.set_defaults(handler=cmd_list, json=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    q = actions.add_parser(
        "list", parents=[as_json], help="every known model, installed or not (the default)"
    )
    q.set_defaults(handler=cmd_list)
    q = actions.add_parser(
        "info", parents=[as_json], help="one model: what it enables, licence, files, where"
    )
    q.add_argument("name", metavar="NAME")
    q.set_defaults(handler=cmd_info)
    q = actions.add_parser("pull", parents=[as_json], help="download a model from the Hugging Face Hub")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--yes", action="store_true", help="accept the licence without asking")
    q.set_defaults(handler=cmd_pull)
    q = actions.add_parser(
        "import", parents=[as_json], help="install a model folder copied from another machine"
    )
    q.add_argument("name", metavar="NAME")
    q.add_argument("path", metavar="PATH", type=Path, help="the folder holding the model's files")
    q.set_defaults(handler=cmd_import)
    q = actions.add_parser("rm", parents=[as_json], help="remove a pulled or imported model")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(handler=cmd_rm)


def describe(entry: ModelEntry) -> dict[str, Any]:
    """The catalog entry with where it is installed (``installed`` is None when it is not)."""
    found = installed(entry.name)
    where = {"path": str(found.path), "source": found.source, "revision": found.revision} if found else None
    return {**entry.to_dict(), "installed": where}


def cmd_list(args: argparse.Namespace) -> int:
    models = [describe(entry) for entry in CATALOG.values()]
    if args.json:
        _print_json(models)
        return 0
    rows = [("NAME", "ENABLES", "SIZE", "LICENCE", "INSTALLED")]
    for m in models:
        enables = f"{m['tool']} backend={m['backend']}" if m["backend"] else "no backend yet"
        licence = m["licence"] + (" (non-commercial)" if m["non_commercial"] else "")
        where = m["installed"]["path"] if m["installed"] else "no"
        rows.append((m["name"], enables, m["size"], licence, where))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[4]]))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    m = describe(find_model(args.name))
    if args.json:
        _print_json(m)
        return 0
    where = m["installed"]
    lines = [
        ("model", m["name"]),
        ("task", m["task"]),
        ("enables", f"{m['tool']}(backend={m['backend']!r})" if m["backend"] else "no tool uses it yet"),
        ("repository", f"{m['repo_id']}@{m['revision']}" if m["repo_id"] else f"none; {m['download_url']}"),
        ("size", m["size"]),
        ("licence", _licence(m)),
        ("files", ", ".join([*m["files"], " or ".join(m["weights"])])),
        (
            "installed",
            f"{where['path']} ({where['source']}, revision {where['revision']})" if where else "no",
        ),
    ]
    for key, value in lines:
        print(f"{key:<11} {value}")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from tools._model_pull import listing, pull

    entry = find_model(args.name)
    files = listing(entry)  # the first contact: no network fails here, in one line
    if entry.non_commercial and not args.yes and not sys.stdin.isatty():
        raise BadInput(
            f"{entry.name}'s weights are {entry.licence}, for non-commercial use only; add --yes to accept and download"
        )
    size = sum(f.size for f in files[1]) / 1e6
    print(
        f"{entry.name}: {entry.repo_id}@{files[0][:12]}, {size:,.1f} MB, licence {_licence(entry.to_dict())}",
        file=sys.stderr,
    )
    if not entry.backend:
        print(f"note: no tool uses {entry.name} yet", file=sys.stderr)
    if entry.non_commercial and not args.yes:
        answer = input("These weights may not be used commercially. Download? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("not downloaded", file=sys.stderr)
            return 0
    found = _with_progress(lambda progress: pull(entry, progress, files))
    result = {"name": entry.name, "path": str(found.path), "revision": found.revision, "source": found.source}
    if args.json:
        _print_json(result)
    else:
        print(f"{entry.name} → {found.path} (revision {found.revision})")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tools._model_pull import install_folder

    entry = find_model(args.name)
    source = args.path.expanduser().resolve()
    check_folder(entry, source)
    files = [
        *entry.files,
        *weight_files(entry, source),
        *(f for f in entry.optional if (source / f).is_file()),
    ]
    home = models_home()
    staging = home / f".{entry.name}.importing"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    digest = hashlib.sha256()
    for name in sorted(files, key=str):
        # Every file is copied and hashed; the hash is the revision the cache key sees.
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target)
        digest.update(name.encode() + b"\0")
        with target.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    for extra in ("preprocessor_config.json", "special_tokens_map.json", "README.md", "LICENSE"):
        if extra not in files and (source / extra).is_file():
            shutil.copyfile(source / extra, staging / extra)
    revision = "sha256:" + digest.hexdigest()[:16]
    manifest = {
        "name": entry.name,
        "repo_id": entry.repo_id,
        "revision": revision,
        "source": "imported",
        "from": str(source),
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    dest = install_folder(staging, home / entry.name)
    if args.json:
        _print_json({"name": entry.name, "path": str(dest), "revision": revision, "source": "imported"})
    else:
        print(f"{entry.name} → {dest} (revision {revision})")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    entry = find_model(args.name)
    folder = models_home() / entry.name
    partial = models_home() / f".{entry.name}.partial"
    removed = [str(p) for p in (folder, partial) if p.exists()]
    if not removed:
        found = installed(entry.name)
        if found:  # in the Hugging Face cache: that cache is not ours to edit
            raise BadInput(
                f"{entry.name} is in the Hugging Face cache at {found.path}; remove it with `hf cache delete`"
            )
        raise BadInput(f"{entry.name} is not installed; nothing to remove")
    for path in removed:
        shutil.rmtree(path)
    if args.json:
        _print_json({"name": entry.name, "removed": removed})
    else:
        print(f"removed {', '.join(removed)}")
    return 0


def _with_progress(run: Any) -> Any:
    """Call ``run(progress)`` with a Rich bar per file on stderr, shown once bytes flow."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=Console(stderr=True),
    )  # fmt: skip
    tasks: dict[str, Any] = {}

    def progress(name: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if name not in tasks:
            tasks[name] = bar.add_task(name, total=total)
        bar.update(tasks[name], completed=done)

    try:
        return run(progress)
    finally:
        if tasks:
            bar.stop()


def _licence(m: dict[str, Any]) -> str:
    return m["licence"] + (" — NON-COMMERCIAL use only" if m["non_commercial"] else "")


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))
