"""The files a plan may read, looked up by ``@name``, and where a plan may reach.

Every file given with a request has one *plan name*: its file name, or, when several
given files share that name, the shortest end of its path that tells it apart
(``d1/song.wav`` and ``d2/song.wav``). Planners write references with :func:`plan_names`
so that two files with one name stay two inputs.

A :class:`UserFiles` is either open (the user's own plan may name any of their files) or
*confined* to a list of root folders: then an ``@`` reference may only be a given file
or a file inside a root, judged after symlinks and ``..`` are resolved. Everything that
runs a plan it did not write itself confines it: the web app to the session's folders,
plans made from a request to the files given with it, an MCP server to its roots.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from tools import TroupeError, clean_text

__all__ = ["FileOutside", "UserFiles", "plan_names"]

_GIVEN = "the files given with the request"


class FileOutside(TroupeError):
    """An ``@`` reference that a confined plan may not read, or that names no usable file."""


def plan_names(paths: Iterable[str | Path]) -> dict[Path, str]:
    """The name a plan uses for each file: unique among ``paths``, as short as it can be.

    A file's name when no other file has it, else the shortest end of its path that no
    other file shares (``d1/song.wav``). Write a reference as ``"@" + name``.

    Args:
        paths: the files given with a request; a file given twice counts once.

    Returns:
        each path as given (a :class:`~pathlib.Path`) → its plan name, in the order given.

    Raises:
        TroupeError: a path cannot be resolved (a symlink loop).
    """
    given = {Path(p): _resolve(Path(p)) for p in paths}
    distinct = list(dict.fromkeys(given.values()))
    names = {}
    for path in distinct:
        others = [p.parts for p in distinct if p != path]
        k = 1
        while k < len(path.parts) and any(o[-k:] == path.parts[-k:] for o in others):
            k += 1
        name = "/".join(path.parts[-k:]) if k < len(path.parts) else str(path)
        names[path] = f"./{name}" if name.startswith("@") else name  # "@@" would read as a literal
    return {p: names[r] for p, r in given.items()}


class UserFiles:
    """Maps the names a plan may use (``@portrait.png``) to files, within what it may reach.

    Args:
        files: the files given with the request (``-f``, uploads); a relative path is
            taken from the current folder. They are only ever read.
        base_dir: where an ``@path`` that names no given file is looked up (default: the
            current folder; ``troupe exec`` uses the plan's folder).
        roots: None (default) leaves the plan open: it may name any file (for the
            user's own plans). A list confines it: besides the given files, a plan may
            name only files inside these folders; an empty list allows the given files only.
        scope: what a confined plan may read, in words, for messages
            (``"this session's files"``).

    Raises:
        TroupeError: a given file does not exist or is not a file.
    """

    def __init__(
        self,
        files: Iterable[str | Path] = (),
        base_dir: str | Path | None = None,
        *,
        roots: Iterable[str | Path] | None = None,
        scope: str = _GIVEN,
    ):
        self.base_dir = Path(base_dir) if base_dir else Path.cwd()
        self.roots = None if roots is None else [_resolve(Path(r)) for r in roots]
        self.scope = scope
        typed: dict[str, Path] = {}
        for f in files:
            path = readable_file(f, Path(f).expanduser())
            typed.setdefault(str(f), path)
        self._names = plan_names(typed.values())
        self._typed = typed

    @property
    def confined(self) -> bool:
        """Whether plans may only read the given files and files inside :attr:`roots`."""
        return self.roots is not None

    @property
    def paths(self) -> list[Path]:
        """The given files, each once, in the order given."""
        return list(self._names)

    def names(self) -> list[str]:
        """The plan names of the given files, in the order given."""
        return list(self._names.values())

    def ref(self, path: str | Path) -> str:
        """The reference a plan writes for a given file: ``"@" + its plan name``.

        Raises:
            KeyError: ``path`` is not one of the given files.
        """
        return "@" + self._names[_resolve(Path(path))]

    def lookup(self, name: str) -> Path:
        """The file ``@name`` refers to.

        A given file is found by its plan name, by any longer end of its path, or by
        the path as it was given; any other name is a path from :attr:`base_dir`.

        Raises:
            FileOutside: the name is ambiguous, lies outside what a confined plan may
                read, or names no file; the message says which and what to write.
        """
        given = self._given(name)
        if given is not None:
            return given
        path = Path(name) if self.confined else Path(name).expanduser()
        try:
            path = _resolve(path if path.is_absolute() else self.base_dir / path)
        except TroupeError:
            path = None
        # Judge the place before the file: outside the roots, whether a file exists is not told.
        if self.roots is not None and (path is None or not any(path.is_relative_to(r) for r in self.roots)):
            raise FileOutside(f"@{name} is outside {self.scope}; {self._choices()}")
        if path is None or not _is_file(path):
            raise FileOutside(f"file @{name} not found ({self._choices()}); pass it with -f")
        return path

    def resolve(self, name: str) -> Path | None:
        """The file for ``@name``, or None when :meth:`lookup` would refuse it."""
        try:
            return self.lookup(name)
        except FileOutside:
            return None

    def _given(self, name: str) -> Path | None:
        if name in self._typed:
            return self._typed[name]
        parts = Path(name).parts
        if not parts or ".." in parts:
            return None
        matches = [p for p in self._names if len(parts) <= len(p.parts) and p.parts[-len(parts) :] == parts]
        if len(matches) > 1:
            which = " or ".join(f"@{self._names[p]}" for p in matches)
            raise FileOutside(f"@{name} could be any of several files given; write {which}")
        return matches[0] if matches else None

    def _choices(self) -> str:
        names = ", ".join(f"@{n}" for n in self._names.values())
        return f"files given: {names}" if names else "no files were given"


def _resolve(path: Path) -> Path:
    """``path`` made absolute with symlinks and ``..`` resolved.

    Raises:
        TroupeError: the path cannot be resolved (a symlink loop, a NUL character).
    """
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as e:
        raise TroupeError(f"cannot resolve the path {path} ({e}) — check it") from None


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


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
