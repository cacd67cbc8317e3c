"""Troupe's tool SDK and built-in tools.

Define a tool with :func:`tool`, collect tools in a :class:`Registry`, and pass artifacts
(:class:`Audio`, :class:`Image`…) between them. Importing this package stays light: no
model library is imported until a tool runs.
"""

from ._artifacts import (
    ARTIFACT_TYPES,
    Artifact,
    Audio,
    Image,
    Json,
    Midi,
    Motion,
    Text,
    Video,
    artifact_from_file,
    iter_artifacts,
    map_artifacts,
    to_plain,
)
from ._context import ProgressCallback, ToolContext
from ._files import atomic_write_bytes, atomic_write_text, file_sha256
from ._limits import Limits, LocalPath
from ._registry import ENTRY_POINT_GROUP, Registry, default_registry
from ._sniff import sniff_kind
from ._spec import Param, ToolSpec, get_spec, tool
from ._text import clean_text
from ._types import accepts, type_name
from .errors import (
    BadInput,
    Cancelled,
    ToolDefinitionError,
    ToolError,
    ToolRetry,
    TroupeError,
    UnknownToolError,
)

__all__ = [
    # defining tools
    "tool",
    "ToolSpec",
    "Param",
    "ToolContext",
    "ProgressCallback",
    "Limits",
    "LocalPath",
    "get_spec",
    # artifacts
    "Artifact",
    "Audio",
    "Image",
    "Video",
    "Midi",
    "Motion",
    "Text",
    "Json",
    "ARTIFACT_TYPES",
    "artifact_from_file",
    "iter_artifacts",
    "map_artifacts",
    "sniff_kind",
    "to_plain",
    # registry
    "Registry",
    "default_registry",
    "ENTRY_POINT_GROUP",
    # helpers
    "accepts",
    "type_name",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_sha256",
    "clean_text",
    # errors
    "TroupeError",
    "ToolDefinitionError",
    "UnknownToolError",
    "ToolError",
    "ToolRetry",
    "BadInput",
    "Cancelled",
]
