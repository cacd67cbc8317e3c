"""The files a user gives with a request, looked up by ``@name`` in plans."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from tools import TroupeError, clean_text

__all__ = ["UserFiles"]


class UserFiles:
    """Maps the names a plan may use (``@portrait.png``) to the user's files.

    A file given with ``-f`` is known by its file name and by the path as typed; any
    other ``@path`` is looked up relative to ``base_dir``. Files are only ever read.
    """

    def __init__(self, files: Iterable[str | Path] = (), base_dir: str | Path | None = None):
        self.base_dir = Path(base_dir) if base_dir else Path.cwd()
        self._by_name: dict[str, Path] = {}
        for f in files:
            path = Path(f).expanduser()
            resolved = readable_file(f, path if path.is_absolute() else self.base_dir / path)
            self._by_name.setdefault(path.name, resolved)
            self._by_name.setdefault(str(f), resolved)

    @property
    def paths(self) -> list[Path]:
        """The given files, each once, in the order given."""
        return list(dict.fromkeys(self._by_name.values()))

    def names(self) -> list[str]:
        """File names a plan may refer to."""
        return sorted({p.name for p in self.paths})

    def resolve(self, name: str) -> Path | None:
        """The file for ``@name``, or None when there is none."""
        if name in self._by_name:
            return self._by_name[name]
        path = Path(name).expanduser()
        path = path if path.is_absolute() else self.base_dir / path
        return path.resolve() if path.is_file() else None


def readable_file(given: str | Path, path: Path) -> Path:
    """``path`` resolved, once it is known to be a readable file with a usable name.

    Raises:
        TroupeError: one line saying what is wrong with the file ``given`` and what to do.
    """
    name = os.fspath(given)
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise TroupeError(
                f"input file {name} is a symbolic link loop — point it at a real file"
            ) from None
        raise TroupeError(f"input file {name} does not exist or is not a file — check the path") from None
    resolved = path.resolve()
    if clean_text(str(resolved)) != str(resolved):  # a planner, a manifest could not hold it
        shown = clean_text(str(resolved))
        raise TroupeError(f"input file path {shown!r} is not valid UTF-8 — rename the file (or its folder)")
    if not resolved.is_file():
        raise TroupeError(f"input file {name} does not exist or is not a file — check the path")
    try:
        with open(resolved, "rb"):
            pass
    except OSError as e:
        raise TroupeError(
            f"input file {name} cannot be read ({e.strerror or e}) — check its permissions"
        ) from None
    return resolved
