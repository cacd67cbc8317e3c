"""What an MCP client's arguments become: a one-step plan and the files it may read.

An artifact argument (a parameter typed :class:`~tools.Audio`, :class:`~tools.Image`…) is a
path, relative to the first root, or inline content as a data URI
(``data:audio/wav;base64,…``). A path may name only a file inside the server's roots
(judged by :class:`~agent._files.UserFiles` after symlinks and ``..``); inline content is
written to a folder of the call's own and given with the plan, once its MIME type and its
bytes are both known to be the kind the parameter takes. Every other argument is a literal,
even text that starts with ``@`` or ``$``.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools import BadInput, ToolSpec, sniff_kind

from .._files import UserFiles
from .._plan import Plan, _literal

__all__ = ["MAX_INLINE_BYTES", "inline_kind", "tool_call_plan", "given_files"]

#: The most bytes one inline argument may decode to; larger files go by path.
MAX_INLINE_BYTES = 64 * 1024 * 1024

_DATA_URI = re.compile(
    r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)(?P<params>(?:;[\w.+-]+=[^;,]*)*);base64,", re.ASCII
)
_KIND_OF_MIME = {
    "audio/midi": "Midi", "audio/x-midi": "Midi", "audio/mid": "Midi",
    "application/json": "Json", "text/plain": "Text", "text/x-bvh": "Motion", "model/bvh": "Motion",
}  # fmt: skip
_KIND_OF_MAJOR = {"audio": "Audio", "image": "Image", "video": "Video"}
_ROOTS = "the MCP server's roots"


def inline_kind(mime: str) -> str | None:
    """The artifact kind a MIME type stands for (``audio/wav`` → ``"Audio"``), or None."""
    mime = mime.lower()
    return _KIND_OF_MIME.get(mime) or _KIND_OF_MAJOR.get(mime.split("/", 1)[0])


def tool_call_plan(
    spec: ToolSpec, arguments: dict[str, Any], roots: Sequence[Path], uploads: Path
) -> tuple[Plan, UserFiles]:
    """A one-step plan calling ``spec`` with a client's ``arguments``, and the files it may read.

    Raises:
        BadInput: an argument fails the tool's schema (the message names it and the rule),
            or inline content is malformed, too large or not of the parameter's kind.
    """
    spec.check_wire_args(arguments)
    given: list[Path] = []
    args = {}
    for name, value in arguments.items():
        kinds = {t.__name__ for t in spec.params[name].artifact_types}
        args[name] = _file_refs(value, name, kinds, roots[0], uploads, given) if kinds else _literal(value)
    plan = Plan.from_data([{"id": spec.name, "tool": spec.name, "args": args}], source="MCP call")
    return plan, UserFiles(given, roots[0], roots=roots, scope=_ROOTS)


def given_files(values: Sequence[str], roots: Sequence[Path], uploads: Path) -> UserFiles:
    """The files an agent call (``troupe_plan``/``troupe_run``) gives: paths inside the roots
    or data URIs of any kind Troupe reads.

    Raises:
        BadInput: inline content is malformed or too large; FileOutside (a TroupeError):
            a path lies outside the roots or names no file.
    """
    files: list[Path] = []
    for i, value in enumerate(values):
        if value.startswith("data:"):
            files.append(_write_inline(value, f"files[{i}]", None, uploads))
            continue
        checker = UserFiles((), roots[0], roots=roots, scope=_ROOTS)
        files.append(checker.lookup(value.removeprefix("@")))
    return UserFiles(files, roots[0], roots=roots, scope=_ROOTS)


def _file_refs(value: Any, name: str, kinds: set[str], root: Path, uploads: Path, given: list[Path]) -> Any:
    """An artifact argument as plan references: ``"@path"`` for each file it names."""
    if isinstance(value, list):
        return [_file_refs(v, f"{name}[{i}]", kinds, root, uploads, given) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value  # the schema allowed it (an optional artifact left None)
    if value.startswith("data:"):
        path = _write_inline(value, name, kinds, uploads)
        given.append(path)
        return "@" + str(path)
    path = Path(value.removeprefix("@"))
    return "@" + str(path if path.is_absolute() else root / path)


def _write_inline(value: str, name: str, kinds: set[str] | None, uploads: Path) -> Path:
    match = _DATA_URI.match(value)
    if not match:
        raise BadInput(
            f"argument {name!r}: inline content must be a data URI 'data:<mime type>;base64,<data>' "
            "— or give a path inside the server's roots"
        )
    mime = match["mime"].lower()
    kind = inline_kind(mime)
    wanted = " or ".join(sorted(kinds)) if kinds else "a kind Troupe reads"
    if kind is None or (kinds and kind not in kinds):
        raise BadInput(f"argument {name!r} takes {wanted}, but the inline content is {mime}")
    encoded = value[match.end() :]
    if len(encoded) > MAX_INLINE_BYTES * 4 // 3 + 4:
        raise BadInput(
            f"argument {name!r}: inline content is over {MAX_INLINE_BYTES // 2**20} MiB "
            "— put the file inside the server's roots and give its path"
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput(f"argument {name!r}: the inline content is not valid base64") from None
    uploads.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"\W", "_", name)
    path = uploads / f"{stem}{mimetypes.guess_extension(mime) or '.bin'}"
    path.write_bytes(data)
    found = sniff_kind(path)
    if found != kind and not (kind == "Text" and found == "Json"):
        raise BadInput(
            f"argument {name!r} is declared {mime}, but its bytes are {found or 'of no kind Troupe reads'}"
        )
    return path
