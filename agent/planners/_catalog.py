"""What the offline planner knows about each tool, derived from its spec alone.

A :class:`ToolCard` holds a tool's texts (summary, examples, name, tags) as embeddings,
its name's word stems for lexical cues, and its inputs and outputs by type. A
:class:`Catalog` scores a clause against every card. Cards are rebuilt only when the
registry's tools change.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from tools import Artifact, Registry, ToolSpec, accepts
from tools._minilm import Encoder
from tools._types import artifact_types, is_list, list_item, strip_optional

from ._literals import fill_literals, spells_values, unit_named
from ._request import stem, words

__all__ = ["DETAIL", "EXAMPLE", "SUMMARY", "Catalog", "Output", "ToolCard", "tool_texts"]

_GENERIC_PARAMS = frozenset(
    stem(w) for w in "text audio image video file name path seed mode backend".split()
)
# Words too common in tool names and examples to say anything about a tool.
STOP_WORDS = frozenset(
    "a an the this that these those my your our its it to of in on for with and or from into as by at "
    "me i you we is are be what which how make get give do please".split()
)


@dataclass(frozen=True)
class Output:
    """One output of a tool: the field (None for a single output), its type and artifact kind."""

    field: str | None
    annotation: Any
    kind: type[Artifact] | None


#: Return annotations that declare no result.
_UNDECLARED = (None, type(None), dict, Any, object)


@dataclass
class ToolCard:
    """A tool as the offline planner sees it."""

    spec: ToolSpec
    texts: list[str]
    vectors: np.ndarray
    text_kinds: np.ndarray  # per text: SUMMARY, EXAMPLE or DETAIL
    stems: frozenset[str]
    vocabulary: frozenset[str]
    leads: frozenset[str]  # first words of its examples and its name's words: "mix", "transcribe"
    outputs: list[Output]
    standing: dict = field(default_factory=dict, repr=False)  # memo of which outputs can feed a parameter

    @property
    def name(self) -> str:
        return self.spec.name

    @cached_property
    def artifact_params(self) -> list[Any]:
        """The parameters that take artifacts (files or step outputs)."""
        return [p for p in self.spec.params.values() if p.artifact_types]

    @cached_property
    def content_params(self) -> list[Any]:
        """Plain-text parameters that carry the tool's main input (what to say, a description)."""
        params = []
        for p in self.spec.params.values():
            if strip_optional(p.annotation) is str and not p.choices and (p.required or is_description(p)):
                params.append(p)
        return params

    @cached_property
    def plain_params(self) -> list[Any]:
        """The other parameters: options filled from the request's words or earlier values."""
        return [p for p in self.spec.params.values() if not p.artifact_types and p not in self.content_params]

    @cached_property
    def takes(self) -> set[str]:
        """Names of the artifact kinds the tool reads."""
        return {t.__name__ for p in self.artifact_params for t in p.artifact_types}

    @cached_property
    def required_kinds(self) -> set[str]:
        """Names of the artifact kinds the tool cannot run without."""
        return {t.__name__ for p in self.artifact_params if p.required for t in p.artifact_types}

    @cached_property
    def gives_kinds(self) -> set[str]:
        """Names of the artifact kinds the tool makes."""
        return {o.kind.__name__ for o in self.outputs if o.kind is not None}

    @cached_property
    def named_params(self) -> set[str]:
        """Stems of option parameter names a request may say ("duck"); generic ones left out."""
        return {
            stem(p.name) for p in self.spec.params.values() if not p.artifact_types and len(p.name) >= 4
        } - _GENERIC_PARAMS

    @cached_property
    def combines(self) -> bool:
        """Whether the tool combines a list of artifacts into one of their kind (a mixer)."""
        for p in self.spec.params.values():
            kind = list_kind(p.annotation)
            if kind is not None and self.gives(kind) is not None:
                return True
        return False

    @cached_property
    def acts(self) -> bool:
        """Whether the tool is called for what it does, not for a result: it returns nothing,
        or JSON or a dict whose keys it does not document ("book a table", "send an email").
        A typed value (``-> str``, a result model, an artifact) is a result."""
        if self.spec.outputs or json_keys(self.spec):
            return False
        (out,) = self.outputs
        return (out.kind is not None and out.kind.__name__ == "Json") or out.annotation in _UNDECLARED

    @property
    def makes_media(self) -> bool:
        """Whether the tool makes sound, pictures, motion or notes (not only text or measurements)."""
        return any(o.kind is not None and o.kind.__name__ not in ("Text", "Json") for o in self.outputs)

    def gives(self, kind: type[Artifact]) -> Output | None:
        """The output that is (or holds) an artifact of ``kind``, if any."""
        fits = [o for o in self.outputs if o.kind is not None and issubclass(o.kind, kind)]
        return fits[0] if fits else None


def is_description(param: Any) -> bool:
    """Whether a text parameter wants a free description (so the request itself may serve)."""
    if param.name.lower() in {"description", "prompt", "query", "instruction", "instructions"}:
        return True
    opening = set(words(param.description)[:6])  # "a description of …", "free text describing …"
    return bool(opening & {"description", "describing", "describes", "prompt"})


class Catalog:
    """Every tool of a registry, ready for scoring clauses."""

    def __init__(self, registry: Registry, encoder: Encoder):
        self.encoder = encoder
        specs = list(registry)
        texts = {spec.name: tool_texts(spec) for spec in specs}
        vectors = _cached_vectors(encoder, [t for ts in texts.values() for t, _ in ts])
        self.cards = [self._card(spec, texts[spec.name], vectors) for spec in specs]
        self.by_name = {c.name: c for c in self.cards}
        # Every tool's texts stacked, for one matrix product per request: tool j owns rows
        # starts[j]:starts[j+1], each of a kind in text_kinds.
        self.text_vectors = (
            np.concatenate([c.vectors for c in self.cards]) if self.cards else np.zeros((0, encoder.dim))
        ).astype(np.float32)
        self.starts = np.cumsum([0] + [len(c.texts) for c in self.cards[:-1]]).astype(np.intp)
        self.text_kinds = np.concatenate([c.text_kinds for c in self.cards] or [[]]).astype(np.int8)
        self.has_examples = np.array([bool((c.text_kinds == EXAMPLE).any()) for c in self.cards], np.float32)
        self._projected: dict[int, np.ndarray] = {}
        self._makers: dict[str, list[int]] = {}
        # Inverse document frequency of each stem over the tools' own texts: a word that
        # only one tool uses ("transcript", "gesture") says more than "music".
        counts: dict[str, int] = {}
        for card in self.cards:
            for w in card.vocabulary:
                counts[w] = counts.get(w, 0) + 1
        n = max(len(self.cards), 1)
        self.idf = {w: math.log((n + 1) / c) for w, c in counts.items()}
        self._scores: dict[str, np.ndarray] = {}
        self._literals: dict[tuple[str, str, bool], dict[str, Any]] = {}
        self._stated: dict[tuple[str, ...], frozenset[tuple[str, Any]]] = {}
        self._pairs: dict[tuple[str, str], float] = {}
        #: memo of the planner's search, by parameter: the tools whose outputs can stand for it
        self.standers: dict[int, tuple[Any, list[tuple[float, ToolCard, str | None]]]] = {}

    def _card(self, spec: ToolSpec, texts: list[tuple[str, int]], vectors: dict[str, np.ndarray]) -> ToolCard:
        name_words = spec.name.replace("_", " ")
        stems = frozenset(stem(w) for w in words(name_words) if w not in STOP_WORDS)
        leads = frozenset(stem(words(t)[0]) for t in spec.examples if words(t)) | stems
        said = " ".join([*(t for t, _ in texts), *spec.tags])
        vocabulary = frozenset(stem(w) for w in words(said) if w not in STOP_WORDS and not w.isdigit())
        matrix = np.stack([vectors[t] for t, _ in texts])
        kinds = np.array([k for _, k in texts], dtype=np.int8)
        return ToolCard(spec, [t for t, _ in texts], matrix, kinds, stems, vocabulary, leads, _outputs(spec))

    def scores(self, text: str) -> np.ndarray:
        """Similarity of ``text`` to each tool, in card order (cosine, about -0.1 to 1): the
        nearest example says most, the summary keeps tools with few examples in the game."""
        if text not in self._scores:
            from ._relevance import cosines

            best = cosines(self.encoder.encode([text]), self.text_vectors, self)[0]
            summary, example = best[:, 0], best[:, 1]  # an example's is the summary's without examples
            self._scores[text] = 0.6 * np.maximum(example, summary) + 0.4 * summary
        return self._scores[text]

    def makers(self, want: Any) -> list[int]:
        """Indices of the tools with an artifact output that can be passed where ``want`` is declared."""
        key = repr(want)
        if key not in self._makers:
            self._makers[key] = [
                i
                for i, card in enumerate(self.cards)
                if any(o.kind is not None and accepts(want, o.kind) for o in card.outputs)
            ]
        return self._makers[key]

    def projected(self, model: Any) -> np.ndarray:
        """The tools' text vectors through a relevance model's projection (kept per model)."""
        key = id(model.projection)
        if key not in self._projected:
            self._projected[key] = model.project(self.text_vectors)
        return self._projected[key]

    @cached_property
    def feature_index(self) -> Any:
        """The catalog's words and types as arrays (see :class:`~._relevance.FeatureIndex`)."""
        from ._relevance import FeatureIndex

        return FeatureIndex(self)

    def literals(self, card: ToolCard, names: frozenset[str], text: str, fuzzy: bool) -> dict[str, Any]:
        """Literal values for ``card``'s plain parameters in ``names`` that ``text`` states (memoised)."""
        key = (card.name, text, fuzzy)
        if key not in self._literals:
            self._literals[key] = fill_literals(
                card.plain_params,
                text,
                self.similarities if fuzzy else None,
                frozenset(card.name.lower().split("_")),
            )
        return {k: v for k, v in self._literals[key].items() if k in names}

    def stated_options(self, texts: tuple[str, ...]) -> frozenset[tuple[str, Any]]:
        """(parameter, value) pairs that ``texts`` spell out for an option some tool has and
        that only that kind of option takes: an instrument, a key, a tempo, a value the
        option's documentation quotes ("on a synth bass", "in D minor", "at 90 bpm"). Choices,
        switches and durations are left out: "happy" or "10 seconds" suit many steps."""
        if texts not in self._stated:
            found = set()
            for card, names, units in self._spelling:
                for text in texts:
                    if units is not None and not any(u in text.lower() for u in units):
                        continue  # "-16 LUFS" is spelled out only where LUFS is said
                    values = self.literals(card, names, text, fuzzy=False)
                    found.update((k, v) for k, v in values.items() if isinstance(v, str | int | float))
            self._stated[texts] = frozenset(found)
        return self._stated[texts]

    def option_takers(self, names: frozenset[str] | set[str]) -> list[int]:
        """Indices of the tools with an option of one of ``names``, in catalog order."""
        return sorted({j for name in names for j in self._by_option.get(name, ())})

    @cached_property
    def _by_option(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for j, card in enumerate(self.cards):
            for name in {p.name for p in card.plain_params}:
                found.setdefault(name, []).append(j)
        return found

    @cached_property
    def _spelling(self) -> list[tuple[ToolCard, frozenset[str], frozenset[str] | None]]:
        """The tools with options a request can spell out, those options' names, and the units
        a text must say for any of them to be spelled out (None: no unit needed)."""
        found = []
        for card in self.cards:
            spelled = [p for p in card.plain_params if spells_values(p)]
            units = [unit_named(p) for p in spelled]
            if spelled:
                needed = None if None in units else frozenset(u.lower() for u in units if u)
                found.append((card, frozenset(p.name for p in spelled), needed))
        return found

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two short texts."""
        if (a, b) not in self._pairs:
            va, vb = self.encoder.encode([a, b])
            self._pairs[a, b] = float(va @ vb)
        return self._pairs[a, b]

    def similarities(self, rows: list[str], columns: list[str]) -> np.ndarray:
        """Cosine similarities of every text in ``rows`` to every text in ``columns``."""
        vectors = self.encoder.encode([*rows, *columns])
        return vectors[: len(rows)] @ vectors[len(rows) :].T


#: Kinds of a tool's texts.
SUMMARY, EXAMPLE, DETAIL = 0, 1, 2
_MAX_DETAILS = 12


def tool_texts(spec: ToolSpec) -> list[tuple[str, int]]:
    """What a tool is matched on, each text with its kind: its summary (alone and after its
    name), its examples, and details — the sentences of its description and its parameters'
    documentation ("target_lufs: integrated loudness of the result in LUFS")."""
    texts = [(spec.summary, SUMMARY), (f"{spec.name.replace('_', ' ')}: {spec.summary}", SUMMARY)]
    texts += [(e, EXAMPLE) for e in spec.examples]
    details = [
        s for s in re.split(r"(?<=[.!?])\s+", " ".join(spec.description.split())) if len(words(s)) >= 3
    ]
    details += [f"{p.name.replace('_', ' ')}: {p.description}" for p in spec.params.values() if p.description]
    seen = {t for t, _ in texts}
    texts += [(d, DETAIL) for d in dict.fromkeys(details) if d not in seen][:_MAX_DETAILS]
    return texts


def _cached_vectors(encoder: Encoder, texts: list[str]) -> dict[str, np.ndarray]:
    """Embeddings of the tools' texts, kept on disk between processes (a cold ``troupe plan``
    then only embeds the request); recomputed when any text or the model changes."""
    from .._store import troupe_home

    digest = hashlib.sha256("\x00".join([encoder.fingerprint, *texts]).encode()).hexdigest()[:24]
    path = troupe_home() / "cache" / "planner" / f"tools-{digest}.npy"
    try:
        matrix = np.load(path)
        if matrix.shape == (len(texts), encoder.dim):
            encoder.remember(texts, matrix)
            return dict(zip(texts, matrix, strict=True))
    except (OSError, ValueError):
        pass  # absent or unreadable: compute it
    matrix = encoder.encode(texts)
    with contextlib.suppress(OSError):  # a read-only home only costs time
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.save(f, matrix)
        os.replace(tmp, path)
    return dict(zip(texts, matrix, strict=True))


def _outputs(spec: ToolSpec) -> list[Output]:
    fields = spec.outputs or {None: spec.returns}
    outputs = []
    for name, annotation in fields.items():
        kinds = artifact_types(annotation)
        kind = next(iter(kinds)) if len(kinds) == 1 and not is_list(annotation) else None
        outputs.append(Output(name, annotation, kind))
    return outputs


def json_keys(spec: ToolSpec) -> list[str]:
    """Keys a Json-returning tool documents in its ``Returns:`` section (identifier-like words)."""
    return re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\b", spec.returns_doc or "")


def is_artifact(annotation: Any) -> bool:
    """Whether values of ``annotation`` are artifacts (files), not plain values."""
    return bool(artifact_types(annotation))


def list_kind(annotation: Any) -> type[Artifact] | None:
    """The artifact kind of a ``list[Artifact]`` annotation, else None."""
    if not is_list(annotation):
        return None
    kinds = artifact_types(list_item(annotation))
    return next(iter(kinds)) if len(kinds) == 1 else None
