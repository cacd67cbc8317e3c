"""What a run becomes for an MCP client: content blocks, resource links and readable resources.

Every file a run made is a resource, ``troupe://runs/<run>/<step>/<file>``, readable with
``resources/read`` for as long as the run folder exists; small images and audio also come
inline, so a chat client can show or play them at once. The structured content is the
``--json`` contract of ``troupe run``. A client may read only files of runs this server made.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import quote, unquote

import mcp_types as types
from mcp.shared.exceptions import MCPError

from tools import iter_artifacts

from .._result import RunResult

__all__ = ["INLINE_MAX_BYTES", "READ_MAX_BYTES", "RESOURCE_NOT_FOUND", "RunFiles", "run_content"]

#: Images and audio up to this size also come inline in a tool result.
INLINE_MAX_BYTES = 1024 * 1024
#: The largest file ``resources/read`` returns; bigger ones are read from their path.
READ_MAX_BYTES = 256 * 1024 * 1024
#: JSON-RPC error code the MCP specification gives to an unknown resource.
RESOURCE_NOT_FOUND = -32002

_SCHEME = "troupe://runs/"
# The same answer on every machine (mimetypes reads the system's tables: audio/x-wav on some).
_MIME_BY_SUFFIX = {
    ".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac", ".ogg": "audio/ogg",
    ".mid": "audio/midi", ".midi": "audio/midi", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".gif": "image/gif", ".mp4": "video/mp4", ".webm": "video/webm",
    ".bvh": "text/x-bvh", ".json": "application/json", ".csv": "text/csv", ".txt": "text/plain",
    ".glb": "model/gltf-binary",
}  # fmt: skip
_TEXT_MIMES = ("text/", "application/json")


def mime_type(path: Path) -> str:
    """The MIME type clients see for a file Troupe made."""
    suffix = path.suffix.lower()
    return _MIME_BY_SUFFIX.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class RunFiles:
    """The runs this server made, and their files as resources.

    Args:
        runs_root: the run store's folder (``~/.troupe/runs``).
    """

    def __init__(self, runs_root: Path):
        self.runs_root = runs_root.resolve()
        self._runs: dict[str, Path] = {}

    def add(self, run_dir: Path) -> None:
        """Let clients read the files of the run in ``run_dir``."""
        run_dir = Path(run_dir).resolve()
        self._runs[run_dir.name] = run_dir

    def uri(self, path: Path) -> str | None:
        """The resource URI of a file inside one of these runs, else None."""
        path = Path(path).resolve()
        for name, run_dir in self._runs.items():
            if path.is_relative_to(run_dir):
                return _SCHEME + quote(f"{name}/{path.relative_to(run_dir).as_posix()}")
        return None

    def resources(self) -> list[types.Resource]:
        """Every file of these runs, newest run first (the manifest left out)."""
        found = []
        for name, run_dir in reversed(self._runs.items()):
            for path in sorted(p for p in run_dir.rglob("*") if p.is_file() and p.name != "run.json"):
                found.append(
                    types.Resource(
                        uri=self.uri(path), name=f"{name}/{path.relative_to(run_dir).as_posix()}",
                        mime_type=mime_type(path), size=path.stat().st_size,
                    )
                )  # fmt: skip
        return found

    def read(self, uri: str) -> types.ReadResourceResult:
        """The content of the file ``uri`` names.

        Raises:
            MCPError: the URI names no file of a run this server made, or the file is too
                large to send (then the message gives its path).
        """
        path = self._path(uri)
        size = path.stat().st_size
        if size > READ_MAX_BYTES:
            raise MCPError(
                RESOURCE_NOT_FOUND,
                f"{uri} is {size / 2**20:.0f} MiB, over the {READ_MAX_BYTES // 2**20} MiB a read returns "
                f"— read it from {path}",
            )
        mime = mime_type(path)
        data = path.read_bytes()
        if mime.startswith(_TEXT_MIMES):
            try:
                return types.ReadResourceResult(
                    contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=data.decode("utf-8"))]
                )
            except UnicodeDecodeError:
                pass
        blob = base64.b64encode(data).decode("ascii")
        return types.ReadResourceResult(
            contents=[types.BlobResourceContents(uri=uri, mime_type=mime, blob=blob)]
        )

    def _path(self, uri: str) -> Path:
        unknown = MCPError(RESOURCE_NOT_FOUND, f"no such resource: {uri} — use a URI from a tool result")
        if not uri.startswith(_SCHEME):
            raise unknown
        run, _, rest = unquote(uri[len(_SCHEME) :]).partition("/")
        run_dir = self._runs.get(run)
        if run_dir is None or not rest:
            raise unknown
        path = (run_dir / rest).resolve()
        if not path.is_relative_to(run_dir) or not path.is_file():
            raise unknown  # outside the run (.. or a symlink) reads the same as missing
        return path


def run_content(result: RunResult, files: RunFiles) -> types.CallToolResult:
    """A finished run as an MCP tool result: the reply, a link to each file, small media inline.

    ``isError`` is set when a step did not finish; the reply says which and why.
    """
    files.add(result.run_dir)
    content: list = [types.TextContent(text=result.reply or "done")]
    for step in result.steps:
        for artifact in iter_artifacts(step.output) if step.ok else ():
            path = Path(artifact.path)
            mime, size = mime_type(path), path.stat().st_size
            link = types.ResourceLink(
                uri=files.uri(path) or path.as_uri(), name=path.name, mime_type=mime, size=size,
                description=f"{artifact.kind} made by step {step.id!r} ({step.tool})",
            )  # fmt: skip
            content.append(link)
            if artifact.kind in ("Image", "Audio") and size <= INLINE_MAX_BYTES:
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                block = types.ImageContent if artifact.kind == "Image" else types.AudioContent
                content.append(block(data=data, mime_type=mime))
    return types.CallToolResult(content=content, structured_content=result.to_dict(), is_error=not result.ok)
