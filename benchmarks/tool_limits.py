"""Print the input limits of every registered tool as a Markdown table (for docs/security.md).

    python benchmarks/tool_limits.py [--tools FILE.py ...] [--no-builtins]

Everything comes from the tools' specs, the same source as ``troupe tools`` and the schemas:
file limits (``Limits``, checked from headers before a tool runs), value constraints
(pydantic ``Field``: ranges, lengths, choices), the longest text file read into a text
argument, path arguments (``LocalPath``) and the default time limit.
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path
from typing import Any, Literal

import annotated_types as at

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import Param, ToolSpec, default_registry, type_name
from tools._limits import LocalPath, max_chars
from tools._types import is_list, length_bounds, metadata_of, strip_optional

_BOUNDS = ((at.Gt, ">", "gt"), (at.Ge, "≥", "ge"), (at.Lt, "<", "lt"), (at.Le, "≤", "le"))


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else f"{value:g}"


def _constraints(annotation: Any) -> list[str]:
    """Ranges of numbers, lengths of text, choices, from an annotation's metadata."""
    found = []
    for kind, sign, attr in _BOUNDS:
        for bound in metadata_of(annotation, kind) + [
            m for f in _field_infos(annotation) for m in f.metadata if isinstance(m, kind)
        ]:
            found.append(f"{sign} {_number(getattr(bound, attr))}")
    plain = strip_optional(annotation)
    if typing.get_origin(plain) is Literal:
        found.append("one of " + ", ".join(map(str, typing.get_args(plain))))
    return found


def _field_infos(annotation: Any) -> list[Any]:
    from pydantic.fields import FieldInfo

    return metadata_of(annotation, FieldInfo)


def describe(param: Param) -> str:
    """What the argument accepts, in a few words."""
    ann = param.annotation
    parts: list[str] = []
    kinds = param.artifact_types
    if is_list(ann):
        low, high = length_bounds(ann)
        parts.append(f"{low or 0} to {high} items" if high is not None else "any number of items")
        ann = typing.get_args(strip_optional(ann))[0]  # the item, with its own constraints
    if kinds and param.limits:
        parts.append(param.limits.describe(kinds) or "no stated limit")
    elif kinds:
        parts.append("no stated limit")
    else:
        parts += _constraints(ann)
        if strip_optional(ann) is str:
            declared = length_bounds(ann)[1]
            parts.append(
                f"≤ {declared:,} characters"
                if declared
                else f"text; from a file ≤ {max_chars(ann):,} characters"
            )
    if metadata_of(param.annotation, LocalPath):
        parts.append("a path on the server: confined plans only inside their files")
    return "; ".join(parts) or "—"


def time_limit(spec: ToolSpec) -> str:
    if spec.timeout_s is None and spec.timeout_per_input_s is None:
        return "none"
    base = f"{spec.timeout_s or 0:g} s"
    return f"{base} + {spec.timeout_per_input_s:g} s per s of input" if spec.timeout_per_input_s else base


def table(specs: list[ToolSpec]) -> str:
    rows = ["| tool | argument | type | accepts |", "|---|---|---|---|"]
    for spec in specs:
        for i, param in enumerate(spec.params.values()):
            name = f"`{spec.name}`<br>time: {time_limit(spec)}" if i == 0 else ""
            rows.append(f"| {name} | `{param.name}` | {_type(param)} | {describe(param)} |")
    return "\n".join(rows)


def _type(param: Param) -> str:
    """The type as the cards write it; a closed choice just "choice" (its values follow)."""
    if param.choices:
        return "choice"
    return type_name(param.annotation).replace("|", "\\|")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", action="append", default=[], metavar="FILE.py")
    parser.add_argument("--no-builtins", action="store_true")
    args = parser.parse_args(argv)
    registry = default_registry(builtins=not args.no_builtins)
    for path in args.tools:
        registry.register_file(path)
    print(table(sorted(registry, key=lambda s: s.name)))


if __name__ == "__main__":
    main()
