"""Public tool-use data sets as Troupe tools and planning cases.

Each loader turns a data set's tool descriptions into real tools — typed Python functions
registered through the SDK, so the planner sees them exactly as it sees a user's tools —
and its requests into :class:`Case` rows (request, files, the expected tools and edges).
The training command and the benchmarks read data through here, so both see the same
tool texts.

Supported:

- Seal-Tools (github ``fairyshine/Seal-Tools``, Apache-2.0): a split file such as
  ``Seal-Tools_Dataset/dev.jsonl`` with ``tool.jsonl`` beside it, or a
  ``dataset_for_finetune/*.json`` split, whose requests each come with the five tools
  offered to the model.
- TaskBench (github ``microsoft/JARVIS``, ``taskbench/data_<domain>/``, MIT): a folder with
  ``tool_desc.json`` and the records in ``data.json`` (or ``records*.jsonl``, same rows).
- Troupe's own request sets (``{"request", "files", "tools", "edges"}`` per line), planned
  with the installed tools.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import create_model

from tools import Audio, Image, Json, Registry, Text, ToolSpec, Video, get_spec

__all__ = ["Case", "Corpus", "held_out", "load_corpus", "snake_name"]

_PLAIN = {"str": str, "string": str, "int": int, "integer": int, "float": float, "number": float,
          "bool": bool, "boolean": bool, "list": list, "array": list, "dict": dict, "object": dict,
          "date": str, "datetime": str}  # fmt: skip
_MEDIA = {"image": Image, "audio": Audio, "video": Video}
_FILE_NAME = re.compile(r"\b[\w-]+\.(?:jpe?g|png|gif|bmp|wav|mp3|flac|ogg|mp4|avi|mov|txt|json|mid)\b", re.I)


@dataclass
class Case:
    """One request with its expected plan.

    Attributes:
        request: what the user wrote.
        files: names of the files the user attached (placeholders of their kind are made).
        tools: the expected tool names, a multiset.
        edges: expected (producer tool, consumer tool) pairs.
        catalog: the tool names offered for this request; None for the corpus' whole catalog.
        source: where the case comes from (``seal:test_out_domain-easy-3``).
    """

    request: str
    files: list[str]
    tools: list[str]
    edges: list[tuple[str, str]]
    catalog: list[str] | None = None
    source: str = ""


@dataclass
class Corpus:
    """A data set's tools (as specs, by tool name) and its cases."""

    name: str
    specs: dict[str, ToolSpec]
    cases: list[Case]
    licence: str = ""
    notes: list[str] = field(default_factory=list)

    def registry(self, case: Case | None = None) -> Registry:
        """A registry of the whole catalog, or of the tools offered for ``case``."""
        names = case.catalog if case is not None and case.catalog is not None else list(self.specs)
        return Registry(self.specs[n] for n in names)


def held_out(case: Case) -> bool:
    """Whether a TaskBench case is kept for evaluation (three in five, by a hash of its id).

    TaskBench comes as one file per domain; the training command takes the other two in
    five, and the benchmarks score only these, so no request is both learnt and scored.
    Cases of other corpora are split by file and always count as held out here.
    """
    if not case.source.startswith("taskbench-"):
        return True
    return int(hashlib.sha1(case.source.encode()).hexdigest(), 16) % 5 < 3


def load_corpus(path: str | Path) -> Corpus:
    """Read a data set by the shape of its path (see the module docstring).

    Raises:
        ValueError: the path is not a data set this module reads.
    """
    path = Path(path)
    if path.is_dir() and (path / "tool_desc.json").is_file():
        return _taskbench(path)
    if path.suffix == ".json" and path.parent.name == "dataset_for_finetune":
        return _seal_finetune(path)
    if path.suffix == ".jsonl" and (path.parent / "tool.jsonl").is_file():
        return _seal(path)
    if path.suffix == ".jsonl":
        return _troupe(path)
    raise ValueError(f"{path}: not a Seal-Tools split, a TaskBench folder or a Troupe request set")


# -- Troupe's own sets ---------------------------------------------------------------------
def _troupe(path: Path) -> Corpus:
    """A request set for the built-in tools. Its ``<name>.catalog`` beside it, when there, lists
    the tools of the catalog it was written for: a tool added later is not offered, so the
    set's answers stay right and its scores comparable."""
    from tools import default_registry

    registry = default_registry()
    listed = path.with_suffix(".catalog")
    if listed.is_file():
        names = set(listed.read_text(encoding="utf-8").split())
        registry = registry.filtered(lambda spec: spec.name in names)
    cases = [
        Case(row["request"], list(row.get("files", [])), list(row["tools"]),
             [tuple(e) for e in row.get("edges", [])], source=f"{path.stem}:{i}")
        for i, row in enumerate(_json_lines(path))
    ]  # fmt: skip
    return Corpus(path.stem, {spec.name: spec for spec in registry}, cases, "Apache-2.0 (this project)")


# -- TaskBench -------------------------------------------------------------------------------
def _taskbench(folder: Path) -> Corpus:
    nodes = json.loads((folder / "tool_desc.json").read_text())["nodes"]
    specs: dict[str, ToolSpec] = {}
    names: dict[str, str] = {}
    for node in nodes:
        name = snake_name(node["id"])
        names[node["id"]] = name
        if "parameters" in node:  # dailylifeapis: named, plain parameters
            params = [
                (p["name"], _PLAIN.get(p["type"], str), p.get("desc", ""), True) for p in node["parameters"]
            ]
            returns: Any = Json
        else:  # huggingface, multimedia: typed inputs and outputs
            params = _typed_inputs(node.get("input-type", []))
            outs = node.get("output-type", [])
            returns = _MEDIA.get(outs[0], Text) if outs else Json
        specs[name] = make_tool(name, node["desc"], params, returns)
    data = (
        [folder / "data.json"] if (folder / "data.json").is_file() else sorted(folder.glob("records*.jsonl"))
    )
    cases = []
    for row in (row for path in data for row in _json_lines(path)):
        tasks = [n["task"] for n in row["task_nodes"]]
        if any(t not in names for t in tasks):
            continue  # a record naming a tool its catalog lacks (a few generated rows do)
        links = [(names[e["source"]], names[e["target"]]) for e in row["task_links"]
                 if e["source"] in names and e["target"] in names]  # fmt: skip
        files = list(dict.fromkeys(_FILE_NAME.findall(row["instruction"])))
        cases.append(Case(row["instruction"], files, [names[t] for t in tasks], links,
                          source=f"taskbench-{folder.name}:{row['id']}"))  # fmt: skip
    return Corpus(f"taskbench-{folder.name.removeprefix('data_')}", specs, cases, "MIT (microsoft/JARVIS)")


def _typed_inputs(kinds: list[str]) -> list[tuple[str, Any, str, bool]]:
    params = []
    for i, kind in enumerate(kinds):
        annotation = _MEDIA.get(kind, str)
        base = kind if kind in _MEDIA else "text"
        name = base if all(p[0] != base for p in params) else f"{base}_{i + 1}"
        params.append((name, annotation, f"the input {kind}", True))
    return params


# -- Seal-Tools ------------------------------------------------------------------------------
def _seal_specs(tool_file: Path) -> tuple[dict[str, ToolSpec], dict[str, str]]:
    specs, names = {}, {}
    for row in _json_lines(tool_file):
        spec = _seal_tool(row)
        if spec is not None and spec.name not in specs:
            specs[spec.name] = spec
            names[row["api_name"]] = spec.name
    return specs, names


def _seal_tool(row: dict[str, Any]) -> ToolSpec | None:
    required = set(row.get("required", []))
    params = [
        (
            p,
            _PLAIN.get(str(info.get("type", "str")).lower(), str),
            str(info.get("description", "")),
            p in required,
        )
        for p, info in (row.get("parameters") or {}).items()
    ]
    outputs = {
        r: _PLAIN.get(str(info.get("type", "str")).lower(), str)
        for r, info in (row.get("responses") or {}).items()
    }
    returns: Any = _result_model(row["api_name"], outputs) if outputs else Json
    try:
        return make_tool(snake_name(row["api_name"]), row.get("api_description", ""), params, returns)
    except Exception:  # a definition the SDK refuses (duplicate parameter names…) is left out
        return None


def _seal(split: Path) -> Corpus:
    specs, names = _seal_specs(split.parent / "tool.jsonl")
    cases = [c for row in _json_lines(split) if (c := _seal_case(row, names)) is not None]
    return Corpus(f"seal-{split.stem}", specs, cases, "Apache-2.0 (fairyshine/Seal-Tools)")


def _seal_finetune(split: Path) -> Corpus:
    """A ``dataset_for_finetune`` split: each request with the five tools it was offered."""
    specs: dict[str, ToolSpec] = {}
    names: dict[str, str] = {}
    cases = []
    for row in json.loads(split.read_text()):
        prompt, answer = row["conversations"][0]["value"], row["conversations"][1]["value"]
        offered = ast.literal_eval(
            prompt.split("api_list = ", 1)[1].split("\ntask_instruction", 1)[0].strip()
        )
        for tool_row in offered:
            if tool_row["api_name"] not in names and (spec := _seal_tool(tool_row)) is not None:
                specs.setdefault(spec.name, spec)
                names[tool_row["api_name"]] = spec.name
        request = prompt.split("task_instruction = ", 1)[1].rsplit("\nOutput:", 1)[0].strip()
        calls = ast.literal_eval(answer.strip())
        case = _seal_case({"id": row["id"], "query": request.strip('"'), "calling": calls}, names)
        if case is not None:
            case.catalog = [names[t["api_name"]] for t in offered if t["api_name"] in names]
            cases.append(case)
    return Corpus(f"seal-{split.stem}-offered", specs, cases, "Apache-2.0 (fairyshine/Seal-Tools)")


def _seal_case(row: dict[str, Any], names: dict[str, str]) -> Case | None:
    calls = row["calling"]
    if any(c["api"] not in names for c in calls):
        return None
    made: dict[str, str] = {}
    edges = set()
    for call in calls:
        tool = names[call["api"]]
        for value in _leaves(call.get("parameters", {})):
            if isinstance(value, str) and value in made:
                edges.add((made[value], tool))
        for response in call.get("responses", []):
            made[response] = tool
    return Case(row["query"], [], [names[c["api"]] for c in calls], sorted(edges), source=f"seal:{row['id']}")


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


# -- tools from descriptions -----------------------------------------------------------------
def snake_name(name: str) -> str:
    """``getFilmDetails`` → ``get_film_details``; ``Text-to-Speech`` → ``text_to_speech``."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    name = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()
    return name if name and not name[0].isdigit() else f"tool_{name}"


def make_tool(
    name: str, description: str, params: list[tuple[str, Any, str, bool]], returns: Any
) -> ToolSpec:
    """A tool spec from a description, as if a user had written the typed function.

    Args:
        name: the tool's name (lower_snake_case).
        description: what the tool does; its first sentence becomes the docstring's summary
            line, the rest its description.
        params: (name, annotation, description, required) for each parameter.
        returns: the return annotation.
    """
    parameters, annotations, docs = [], {}, []
    for raw, annotation, doc, required in params:
        pname = _identifier(raw)
        if pname in annotations:
            continue
        annotation = annotation if required else annotation | None
        default = inspect.Parameter.empty if required else None
        parameters.append(inspect.Parameter(pname, inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=annotation))  # fmt: skip
        annotations[pname] = annotation
        docs.append(f"    {pname}: {' '.join(doc.split()) or pname.replace('_', ' ')}")
    text = " ".join(description.split()) or name.replace("_", " ")
    # As a person writes a docstring: the first sentence is the summary, the rest the description.
    summary = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    rest = text[len(summary) :].strip()

    def fn(**kwargs: Any) -> Any:
        raise NotImplementedError(f"{name} comes from a data set; it can be planned but not run")

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = summary + (f"\n\n{rest}" if rest else "") + ("\n\nArgs:\n" + "\n".join(docs) if docs else "")
    fn.__signature__ = inspect.Signature(parameters, return_annotation=returns)  # type: ignore[attr-defined]
    fn.__annotations__ = {**annotations, "return": returns}
    version = hashlib.sha256(fn.__doc__.encode()).hexdigest()[:12]
    from tools import tool

    return get_spec(tool(fn, version=version))


def _identifier(raw: str) -> str:
    name = re.sub(r"\W+", "_", raw).strip("_") or "value"
    name = name if not name[0].isdigit() else f"p_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def _result_model(api_name: str, outputs: dict[str, Any]) -> Any:
    fields = {}
    for raw, annotation in outputs.items():
        pname = _identifier(raw)
        if pname.startswith("model_") or pname in {"schema", "json", "copy", "dict", "fields", "construct"}:
            pname = f"{pname}_value"
        fields[pname] = (annotation, ...)
    return create_model(f"{api_name}_result", **fields)


def _json_lines(path: Path) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)
