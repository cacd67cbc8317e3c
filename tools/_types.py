"""Reasoning about type hints: artifact kinds, compatibility, wire types and short names.

Plans are checked before anything runs: an argument fed by an earlier step's output must
accept that output's type. These helpers answer that question from annotations alone.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel

from ._artifacts import Artifact, Json, Text

__all__ = [
    "accepts",
    "artifact_types",
    "is_list",
    "length_bounds",
    "list_item",
    "metadata_of",
    "strip_optional",
    "type_name",
    "wire_annotation",
]

_UNION_TYPES = (Union, types.UnionType)


def _strip_annotated(ann: Any) -> Any:
    while typing.get_origin(ann) is Annotated:
        ann = typing.get_args(ann)[0]
    return ann


def _union_members(ann: Any) -> tuple[Any, ...]:
    ann = _strip_annotated(ann)
    if typing.get_origin(ann) in _UNION_TYPES:
        return tuple(_strip_annotated(a) for a in typing.get_args(ann))
    return (ann,)


def strip_optional(ann: Any) -> Any:
    """``X | None`` → ``X`` (and ``Annotated[X, …]`` → ``X``); other types unchanged."""
    members = [a for a in _union_members(ann) if a is not type(None)]
    return members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007


def is_list(ann: Any) -> bool:
    """Whether the annotation is ``list[X]`` (or a sequence of X)."""
    return typing.get_origin(strip_optional(ann)) in (list, tuple, typing.Sequence)


def list_item(ann: Any) -> Any:
    """The element type of ``list[X]``; ``Any`` when unparameterised."""
    args = typing.get_args(strip_optional(ann))
    return _strip_annotated(args[0]) if args else Any


def metadata_of(ann: Any, kind: type) -> list[Any]:
    """Every ``Annotated`` metadata object of type ``kind`` anywhere in an annotation."""
    found = []
    if typing.get_origin(ann) is Annotated:
        found += [m for m in typing.get_args(ann)[1:] if isinstance(m, kind)]
        ann = typing.get_args(ann)[0]
    for arg in typing.get_args(ann):
        found += metadata_of(arg, kind)
    return found


def length_bounds(ann: Any) -> tuple[int | None, int | None]:
    """``(min_length, max_length)`` of a list annotation (``Field(max_length=16)``…), None when unbounded."""
    low = high = None
    if typing.get_origin(ann) in _UNION_TYPES:  # X | None: the bounds of X
        members = [a for a in typing.get_args(ann) if a is not type(None)]
        ann = members[0] if len(members) == 1 else ann
    while typing.get_origin(ann) is Annotated:
        for meta in typing.get_args(ann)[1:]:
            for item in [meta, *getattr(meta, "metadata", ())]:  # a pydantic Field carries them in .metadata
                low = getattr(item, "min_length", low)
                high = getattr(item, "max_length", high)
        ann = typing.get_args(ann)[0]
    return low, high


def artifact_types(ann: Any) -> set[type[Artifact]]:
    """Every artifact type mentioned anywhere in an annotation."""
    ann = _strip_annotated(ann)
    if isinstance(ann, type) and issubclass(ann, Artifact):
        return {ann}
    found: set[type[Artifact]] = set()
    for arg in typing.get_args(ann):
        found |= artifact_types(arg)
    return found


def _is_class(ann: Any, base: type) -> bool:
    return isinstance(ann, type) and issubclass(ann, base)


def accepts(want: Any, have: Any) -> bool:
    """Whether a value of type ``have`` may be passed where ``want`` is declared.

    Lenient where only run time can tell (``str`` into a ``Literal``; ``Any``), strict where
    the kinds clearly differ (an Image where Audio is wanted). A Text artifact may feed a
    ``str`` parameter and a Json artifact a ``dict`` one; a single item may feed a list.
    """
    want, have = strip_optional(want), strip_optional(have)
    if want is Any or have is Any or want is object:
        return True
    if typing.get_origin(want) in _UNION_TYPES:
        return any(accepts(w, have) for w in typing.get_args(want))
    if typing.get_origin(have) in _UNION_TYPES:
        return any(accepts(want, h) for h in typing.get_args(have))
    if is_list(want):
        return accepts(list_item(want), list_item(have) if is_list(have) else have)
    if is_list(have):
        return False
    if typing.get_origin(want) is Literal:
        if typing.get_origin(have) is Literal:
            return bool(set(typing.get_args(want)) & set(typing.get_args(have)))
        return have is str
    if typing.get_origin(have) is Literal:
        return all(accepts(want, type(v)) for v in typing.get_args(have))
    if _is_class(have, Artifact):
        if _is_class(want, Artifact):
            return issubclass(have, want)
        return (have is Text and want is str) or (have is Json and _is_class(want, dict))
    if _is_class(want, Artifact):
        return False
    if want is float and have in (int, float):
        return True
    want_origin = typing.get_origin(want) or want
    have_origin = typing.get_origin(have) or have
    if isinstance(want_origin, type) and isinstance(have_origin, type):
        return issubclass(have_origin, want_origin)
    return True


def wire_annotation(ann: Any) -> Any:
    """The annotation as seen from outside: every artifact type becomes ``str`` (a path).

    Constraints (``Annotated[float, Field(gt=0)]``, a list's ``Field(max_length=16)``) are kept.
    """
    if typing.get_origin(ann) is Annotated:
        inner, *meta = typing.get_args(ann)
        return ann if not artifact_types(inner) else Annotated[(wire_annotation(inner), *meta)]
    if _is_class(ann, Artifact):
        return str
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if not args or origin is Literal:
        return ann
    wired = tuple(wire_annotation(a) for a in args)
    if origin in _UNION_TYPES:
        return Union[wired]  # noqa: UP007
    if origin in (list, typing.Sequence):
        return list[wired[0]]
    if origin is tuple:
        return tuple[wired]
    if origin is dict:
        return dict[wired[0], wired[1]]
    return ann


def type_name(ann: Any) -> str:
    """A short human name: ``Audio``, ``list[Audio]``, ``'calm'|'sad'``, ``float | None``."""
    ann = _strip_annotated(ann)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is Literal:
        return "|".join(repr(a) for a in args)
    if origin in _UNION_TYPES:
        return " | ".join(type_name(a) for a in args)
    if args:
        base = getattr(origin, "__name__", str(origin))
        return f"{base}[{', '.join(type_name(a) for a in args)}]"
    if ann is type(None):
        return "None"
    if isinstance(ann, type) and issubclass(ann, BaseModel) and not issubclass(ann, Artifact):
        fields = ", ".join(f"{k}: {type_name(f.annotation)}" for k, f in ann.model_fields.items())
        return f"{ann.__name__}{{{fields}}}"
    return getattr(ann, "__name__", str(ann))
