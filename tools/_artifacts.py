"""Artifact types: a file plus typed metadata.

An artifact never holds its content in memory; it points at a file in the run's store.
Tools create artifacts in their context's output directory; the executor then moves the
files to their final place and records each file's SHA-256, which is what the cache keys on.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ._files import atomic_write_text
from ._sniff import sniff_kind
from .errors import BadInput

if TYPE_CHECKING:
    from ._context import ToolContext

__all__ = [
    "ARTIFACT_TYPES",
    "Artifact",
    "Audio",
    "Image",
    "Json",
    "Midi",
    "Motion",
    "Text",
    "Video",
    "artifact_from_file",
    "iter_artifacts",
    "map_artifacts",
    "to_plain",
]


class Artifact(BaseModel):
    """A file produced or consumed by a tool.

    Attributes:
        path: where the file is.
        sha256: hex digest of the content; set once the file is final.
        meta: free-form metadata a tool wants to keep (phoneme timings, stems, notes…).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: What a person would call files of this kind, used in error messages.
    noun: ClassVar[str] = "file"
    #: Extensions offered as examples when a file of the wrong kind is given.
    examples: ClassVar[str] = ""

    path: Path
    sha256: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def kind(self) -> str:
        """The artifact type's name: ``"Audio"``, ``"Image"``…"""
        return type(self).__name__

    @property
    def mime(self) -> str:
        """MIME type guessed from the file name."""
        return mimetypes.guess_type(self.path.name)[0] or "application/octet-stream"

    @property
    def size_bytes(self) -> int:
        """Size of the file in bytes."""
        return self.path.stat().st_size


class Audio(Artifact):
    """Sound: wav, flac, mp3, ogg…

    Attributes:
        sample_rate: samples per second in Hz.
        duration_s: length in seconds.
        channels: 1 for mono, 2 for stereo.
    """

    noun: ClassVar[str] = "audio"
    examples: ClassVar[str] = "wav, mp3, flac or ogg"
    sample_rate: int | None = None
    duration_s: float | None = None
    channels: int | None = None


class Image(Artifact):
    """A still picture: png, jpeg…"""

    noun: ClassVar[str] = "an image"
    examples: ClassVar[str] = "png, jpeg or webp"
    width: int | None = None
    height: int | None = None


class Video(Artifact):
    """Moving pictures, possibly with sound: mp4, webm…"""

    noun: ClassVar[str] = "a video"
    examples: ClassVar[str] = "mp4 or webm"
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    duration_s: float | None = None


class Midi(Artifact):
    """Symbolic music: a Standard MIDI File."""

    noun: ClassVar[str] = "MIDI"
    examples: ClassVar[str] = "mid or midi"
    duration_s: float | None = None


class Motion(Artifact):
    """Skeletal motion: a BVH file (joint rotations plus a root)."""

    noun: ClassVar[str] = "motion"
    examples: ClassVar[str] = "bvh"
    fps: float | None = None
    n_frames: int | None = None


class Text(Artifact):
    """UTF-8 text in a file (a transcript, a poem…)."""

    noun: ClassVar[str] = "text"
    examples: ClassVar[str] = "txt or md"

    @classmethod
    def write(cls, ctx: ToolContext, name: str, text: str, **meta: Any) -> Text:
        """Write ``text`` to ``name`` in the tool's output directory and return the artifact."""
        return cls(path=atomic_write_text(ctx.output_path(name), text), meta=meta)

    def read(self, max_chars: int | None = None) -> str:
        """The whole text.

        Args:
            max_chars: refuse a text longer than this many characters, reading no more of
                the file than such a text could take (4 bytes a character): a file of
                gigabytes costs kilobytes of memory to refuse.

        Raises:
            BadInput: the text is longer than ``max_chars``, or is not UTF-8.
        """
        with open(self.path, "rb") as f:
            data = f.read() if max_chars is None else f.read(4 * max_chars + 1)
        if max_chars is not None and len(data) > 4 * max_chars:
            raise self._too_long(max_chars)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise BadInput(
                f"{self.path.name} is not UTF-8 text (byte {e.start + 1:,} cannot be read) — save it as UTF-8"
            ) from None
        if max_chars is not None and len(text) > max_chars:
            raise self._too_long(max_chars)
        return text

    def _too_long(self, max_chars: int) -> BadInput:
        return BadInput(
            f"{self.path.name} holds more than {max_chars:,} characters of text; at most {max_chars:,} "
            "are accepted — shorten it or split it"
        )


class Json(Artifact):
    """Structured results (tempo and key, sentiment scores…) in a JSON file."""

    noun: ClassVar[str] = "JSON"
    examples: ClassVar[str] = "json"

    @classmethod
    def write(cls, ctx: ToolContext, name: str, data: Any, **meta: Any) -> Json:
        """Write ``data`` as indented JSON to ``name`` in the output directory."""
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        return cls(path=atomic_write_text(ctx.output_path(name), text), meta=meta)

    def load(self) -> Any:
        """The parsed content."""
        return json.loads(self.path.read_text(encoding="utf-8"))


ARTIFACT_TYPES: dict[str, type[Artifact]] = {
    t.__name__: t for t in (Text, Audio, Image, Video, Midi, Motion, Json)
}

# Kinds a file may be sniffed as and still serve where another kind is wanted.
_ALSO_ACCEPTED = {"Text": {"Json"}, "Audio": {"Video"}}


def artifact_from_file(path: str | Path, want: type[Artifact] | None = None) -> Artifact:
    """Build the artifact for a user's file, judging its kind by content.

    Args:
        path: the file.
        want: the artifact type the caller needs; ``None`` accepts any kind.

    Returns:
        An artifact of type ``want`` (or of the sniffed kind when ``want`` is None).

    Raises:
        BadInput: the file is missing, empty, or its content is not of the wanted kind.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise BadInput(f"{path} does not exist or is not a file — check the path")
    kind = sniff_kind(path)
    if kind is None:
        what = "empty" if path.stat().st_size == 0 else "not a kind of file Troupe reads"
        raise BadInput(f"{path.name} is {what} — {_expected(want)}")
    if want is not None and want is not Artifact:
        if kind != want.__name__ and kind not in _ALSO_ACCEPTED.get(want.__name__, ()):
            found = ARTIFACT_TYPES[kind].noun
            raise BadInput(f"{path.name} holds {found}, not {want.noun} — {_expected(want)}")
        return want(path=path)
    return ARTIFACT_TYPES[kind](path=path)


def _expected(want: type[Artifact] | None) -> str:
    if want is None or want is Artifact:
        return "give an audio, image, video, MIDI, BVH, JSON or text file"
    return f"give {want.noun} ({want.examples})"


def to_plain(value: Any) -> Any:
    """A tool result with every artifact replaced by its file path (JSON-ready)."""
    if isinstance(value, Artifact):
        return str(value.path)
    if hasattr(value, "model_dump") and hasattr(type(value), "model_fields"):
        return {k: to_plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def map_artifacts(value: Any, fn: Callable[[Artifact], Artifact]) -> Any:
    """A copy of a tool result with every artifact ``a`` replaced by ``fn(a)``."""
    if isinstance(value, Artifact):
        return fn(value)
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return value.model_copy(update={k: map_artifacts(getattr(value, k), fn) for k in fields})
    if isinstance(value, dict):
        return {k: map_artifacts(v, fn) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(map_artifacts(v, fn) for v in value)
    return value


def iter_artifacts(value: Any) -> list[Artifact]:
    """Every artifact inside a tool result, in field order."""
    found: list[Artifact] = []

    def collect(a: Artifact) -> Artifact:
        found.append(a)
        return a

    map_artifacts(value, collect)
    return found
