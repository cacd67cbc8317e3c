"""A tool's default version: a hash of its code, the part of the cache key that changes with it.

A result depends on the helpers a tool calls as much as on its own body, so the hash
covers the function's source and every Python file of the top-level package that defines
it (or its module alone when that is not in a package). Editing any of them, or installing
another release of the package, starts a fresh cache; passing ``@tool(version=...)``
opts out.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["default_version"]

#: A package with more Python files than this is hashed by the defining module alone.
MAX_FILES = 1000


def default_version(fn: Callable[..., Any]) -> str:
    """Twelve hex digits that change whenever ``fn`` or the code around it changes."""
    digest = hashlib.sha256(_function_source(fn))
    for root in _code_roots(getattr(fn, "__module__", None)):
        if tree := _tree_digest(root):
            digest.update(tree)
            break
    return digest.hexdigest()[:12]


def _function_source(fn: Callable[..., Any]) -> bytes:
    try:
        return inspect.getsource(fn).encode()
    except (OSError, TypeError):  # defined in a REPL or built dynamically
        return getattr(getattr(fn, "__code__", None), "co_code", b"")


def _code_roots(module_name: str | None) -> list[Path]:
    """Where ``module_name``'s code lives: its top-level package directory, then its file."""
    if not module_name:
        return []
    top = sys.modules.get(module_name.split(".")[0])
    top_file = getattr(top, "__file__", None)
    module_file = getattr(sys.modules.get(module_name), "__file__", None)
    roots = [Path(top_file).parent] if top_file and hasattr(top, "__path__") else []
    return roots + ([Path(module_file)] if module_file else [])


@functools.cache
def _tree_digest(root: Path) -> bytes:
    """SHA-256 over the names and contents of the Python files under ``root`` (b"" if too many)."""
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    if len(files) > MAX_FILES:
        return b""
    digest = hashlib.sha256()
    for path in files:
        try:
            content = path.read_bytes()
        except OSError:
            continue
        digest.update(str(path.relative_to(root.parent)).encode() + b"\0" + content)
    return digest.digest()
