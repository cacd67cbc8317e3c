"""What Troupe makes of another MCP server's tool listing: names, parameters, the output kind.

Pure functions over plain JSON (the listing as the server sent it), so they need no MCP SDK:
an input schema becomes :class:`~tools.Param` objects and a pydantic input model, a remote
name a lower_snake_case tool name, and the tool's ``_meta`` or its words the artifact kind
it returns.

Two markers make a Troupe-to-Troupe link exact (``troupe mcp`` emits both): a property with
``"x-troupe-kind": "Audio"`` (any artifact kind) takes a Troupe artifact, sent as its file
path; ``_meta["troupe/returns"] = "Audio"`` says what the tool returns. Other servers' kinds
are guessed from the tool's name and description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from ._artifacts import ARTIFACT_TYPES, Artifact, Json
from ._spec import Param

__all__ = ["KIND_KEY", "RETURNS_KEY", "RemoteParams", "guess_returns", "params_from_schema", "safe_name"]

#: A property holding a Troupe artifact (sent as a file path) names its kind under this key.
KIND_KEY = "x-troupe-kind"
#: A tool's ``_meta`` names the artifact kind it returns under this key.
RETURNS_KEY = "troupe/returns"

_SCALARS: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool}
_BOUNDS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_length",
    "maxItems": "max_length",
}
# Words that betray what a tool makes, checked in its name first, then its description.
_KIND_WORDS: tuple[tuple[str, type[Artifact]], ...] = (
    (r"audio|sound|speech|wav|wave", ARTIFACT_TYPES["Audio"]),
    (r"image|picture|photo|png|jpe?g", ARTIFACT_TYPES["Image"]),
    (r"video|mp4|movie", ARTIFACT_TYPES["Video"]),
    (r"midi", ARTIFACT_TYPES["Midi"]),
)


def safe_name(name: str) -> str:
    """``name`` as a lower_snake_case tool or parameter name (letters, digits, ``_``).

    CamelCase splits into words, anything else becomes ``_``; a leading digit gets ``t_``.
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    snake = re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_") or "tool"
    return f"t_{snake}" if snake[0].isdigit() else snake


def guess_returns(name: str, description: str, meta: dict[str, Any] | None) -> type[Artifact]:
    """The artifact kind a remote tool returns: ``meta["troupe/returns"]`` when it says,
    else guessed from the words of its name, then of its description; :class:`Json` when
    nothing fits."""
    declared = (meta or {}).get(RETURNS_KEY)
    if isinstance(declared, str) and declared in ARTIFACT_TYPES:
        return ARTIFACT_TYPES[declared]
    for text in (name.replace("_", " "), description):
        words = set(re.findall(r"[a-z0-9]+", text.lower()))
        for pattern, kind in _KIND_WORDS:
            if any(re.fullmatch(pattern, w) for w in words):
                return kind
    return Json


@dataclass(frozen=True)
class RemoteParams:
    """A remote tool's parameters as Troupe sees them.

    Attributes:
        params: by Troupe name (lower_snake_case), in the schema's order.
        wire_names: Troupe name → the property name the server expects.
        input_model: validates a call's arguments (unknown ones refused).
    """

    params: dict[str, Param]
    wire_names: dict[str, str]
    input_model: type[BaseModel]


def params_from_schema(tool_name: str, schema: dict[str, Any]) -> RemoteParams:
    """Parameters of a tool from its JSON input schema.

    Each property's type becomes an annotation (string, integer, number, boolean, array,
    object; ``enum`` a ``Literal``; ``x-troupe-kind`` an artifact type), its description the
    parameter's documentation; a property not in ``required`` takes its ``default`` (None
    when it has none); bounds (``minimum``, ``maxLength``…) are checked before the call.
    """
    defs = schema.get("$defs") or schema.get("definitions") or {}
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    params: dict[str, Param] = {}
    wire_names: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for wire_name, prop in properties.items():
        prop = _resolve(prop, defs)
        name = _unique(safe_name(wire_name), params)
        annotation = _annotation(prop, defs)
        is_required = wire_name in required
        default = None if is_required else prop.get("default")
        if not is_required and default is None:
            annotation = annotation | None
        description = prop.get("description") or prop.get("title") or wire_name.replace("_", " ")
        params[name] = Param(name, annotation, description, is_required, default)
        wire_names[name] = wire_name
        bounds = {_BOUNDS[k]: v for k, v in prop.items() if k in _BOUNDS and isinstance(v, int | float)}
        fields[name] = (annotation, Field(... if is_required else default, description=description, **bounds))
    model = create_model(
        f"{tool_name}_inputs",
        __config__=ConfigDict(extra="forbid", arbitrary_types_allowed=True),
        **fields,
    )
    return RemoteParams(params, wire_names, model)


def _unique(name: str, taken: dict[str, Any]) -> str:
    if name in ("self", "ctx") or name.startswith("_"):
        name = f"arg_{name.lstrip('_')}"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _resolve(prop: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """A property with a local ``$ref`` (``#/$defs/X``) replaced by what it points at."""
    if not isinstance(prop, dict):
        return {}
    ref = prop.get("$ref")
    if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
        target = defs.get(ref.rsplit("/", 1)[1])
        if isinstance(target, dict):
            return {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop


def _annotation(prop: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """The Python annotation of one JSON-schema property."""
    marked = prop.get(KIND_KEY)
    kinds = [
        ARTIFACT_TYPES[k]
        for k in ([marked] if isinstance(marked, str) else marked or [])
        if k in ARTIFACT_TYPES
    ]
    if kinds:  # paths of files of these kinds; on an array, each item is one
        one = kinds[0] if len(kinds) == 1 else Union[tuple(kinds)]  # noqa: UP007
        return list[one] if prop.get("type") == "array" else one
    enum = prop.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, str | int | bool) for v in enum):
        return Literal[tuple(enum)]
    if "const" in prop and isinstance(prop["const"], str | int | bool):
        return Literal[prop["const"]]
    options = prop.get("anyOf") or prop.get("oneOf")
    if isinstance(options, list) and options and depth < 4:
        kinds = [_resolve(o, defs) for o in options]
        nullable = any(o.get("type") == "null" for o in kinds)
        rest = [_annotation(o, defs, depth + 1) for o in kinds if o.get("type") != "null"]
        union = rest[0] if len(rest) == 1 else Any
        return union | None if nullable and union is not Any else union
    types = prop.get("type")
    if isinstance(types, list):
        named = [t for t in types if t != "null"]
        base = _annotation({**prop, "type": named[0]}, defs, depth + 1) if len(named) == 1 else Any
        return base | None if "null" in types and base is not Any else base
    if types in _SCALARS:
        return _SCALARS[types]
    if types == "array":
        items = _resolve(prop.get("items"), defs)
        return list[_annotation(items, defs, depth + 1) if items and depth < 4 else Any]
    if types == "object":
        return dict[str, Any]
    return Any
