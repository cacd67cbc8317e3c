"""A remote tool's ``tools/call`` result as a Troupe artifact.

A file kind (Audio, Image…) comes from the first block that holds bytes — image or audio
data, an embedded resource, a resource link the server lets us read — written into the
step's output folder and checked by content (:func:`~tools.sniff_kind`): a server that
promises audio and sends text gets a clear error, never a ``.wav`` full of text. ``Json``
holds the structured result (else the text, parsed when it is JSON); ``Text`` the text.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
from collections.abc import Callable
from typing import Any

from ._artifacts import ARTIFACT_TYPES, Artifact, Json, Text
from ._context import ToolContext
from ._files import atomic_write_bytes
from ._sniff import sniff_kind
from .errors import ToolError

__all__ = ["to_artifact"]

_MAX_TEXT_META = 2000  # characters of a result's text kept beside a file
# Kinds a file may be sniffed as and still serve as the declared kind (an mp4 holds sound).
_ALSO = {"Audio": {"Video"}, "Text": {"Json"}}
_EXTENSIONS = {"Audio": ".wav", "Image": ".png", "Video": ".mp4", "Midi": ".mid", "Motion": ".bvh"}


def to_artifact(
    result: Any,
    returns: type[Artifact],
    ctx: ToolContext,
    where: str,
    read: Callable[[str], Any],
) -> Artifact:
    """The artifact of kind ``returns`` that ``result`` (an ``mcp_types.CallToolResult``) holds.

    Args:
        where: names the server and tool in messages.
        read: reads a resource link (``resources/read``) on the same server.

    Raises:
        ToolError: the result is an error, holds no usable content, or holds a file of
            another kind than promised.
    """
    blocks = list(getattr(result, "content", None) or [])
    text = "\n".join(b.text for b in blocks if getattr(b, "type", "") == "text").strip()
    if getattr(result, "is_error", False):
        raise ToolError(f"{where} reported an error: {text or 'it gave no message'}")
    meta = {"mcp": where}
    if returns is Json:
        return Json.write(ctx, "result.json", _json_data(result, blocks, text), **meta)
    if returns is Text:
        return Text.write(ctx, "result.txt", text or json.dumps(result.structured_content), **meta)
    for block in blocks:
        found = _file_bytes(block, read, where)
        if found is not None:
            data, mime = found
            return _write_file(
                data, mime, returns, ctx, where, {**meta, **({"text": text[:_MAX_TEXT_META]} if text else {})}
            )
    said = f": {text[:200]}" if text else ""
    raise ToolError(f"{where} returned no file where it promised {returns.noun}{said}")


def _json_data(result: Any, blocks: list[Any], text: str) -> Any:
    structured = getattr(result, "structured_content", None)
    if structured is not None:
        return structured
    texts = [b.text for b in blocks if getattr(b, "type", "") == "text"]
    if len(texts) == 1:
        try:
            return json.loads(texts[0])
        except ValueError:
            pass
    data: dict[str, Any] = {"text": text}
    others = [
        {"type": b.type, "mime_type": getattr(b, "mime_type", None)} for b in blocks if b.type != "text"
    ]
    if others:
        data["content"] = others
    return data


def _file_bytes(block: Any, read: Callable[[str], Any], where: str) -> tuple[bytes, str | None] | None:
    """The bytes a content block holds and their MIME type; None for a text block."""
    kind = getattr(block, "type", "")
    if kind in ("image", "audio"):
        return _b64(block.data, where), block.mime_type
    if kind == "resource":
        return _resource_bytes(block.resource, where)
    if kind == "resource_link":
        try:
            contents = read(str(block.uri)).contents
        except Exception as e:
            raise ToolError(f"{where} returned a link to {block.uri} that cannot be read: {e}") from None
        if not contents:
            raise ToolError(f"{where} returned a link to {block.uri}, which is empty")
        return _resource_bytes(contents[0], where)
    return None


def _resource_bytes(resource: Any, where: str) -> tuple[bytes, str | None]:
    blob = getattr(resource, "blob", None)
    data = _b64(blob, where) if blob is not None else str(getattr(resource, "text", "")).encode("utf-8")
    return data, getattr(resource, "mime_type", None)


def _b64(data: str, where: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ToolError(f"{where} returned file data that is not valid base64") from None


def _write_file(
    data: bytes, mime: str | None, returns: type[Artifact], ctx: ToolContext, where: str, meta: dict
) -> Artifact:
    ext = (mimetypes.guess_extension(mime or "") or _EXTENSIONS.get(returns.__name__, ".bin")).lower()
    path = atomic_write_bytes(ctx.output_path(f"result{ext}"), data)
    found = sniff_kind(path)
    if found != returns.__name__ and found not in _ALSO.get(returns.__name__, ()):
        path.unlink(missing_ok=True)  # nothing that looks finished is left behind
        what = ARTIFACT_TYPES[found].noun if found else "bytes Troupe does not recognise"
        if not data:
            what = "an empty file"
        raise ToolError(
            f"{where} returned {what} ({mime or 'no MIME type'}) where it promised {returns.noun}"
        )
    return returns(path=path, meta=meta)
