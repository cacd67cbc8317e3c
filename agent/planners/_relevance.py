"""Learned tool relevance: how likely a clause of a request asks for a tool.

For every (clause, tool) pair the planner measures a few things — how close the clause is
to the tool's texts (all-MiniLM-L6-v2 cosines, raw and through a learned projection), which
of its rarer words the tool's texts use, and what its quotes, files and nouns say about the
tool's input and output types — and a logistic model trained on public multi-tool data
(``python -m agent.planners.train``) turns them into a probability. Because every feature
compares a clause with a tool's *spec*, the model transfers to tools it has never seen.

The weights are a small ``.npz`` beside this module (``relevance.npz``; the environment
variable ``TROUPE_PLANNER_WEIGHTS`` names another), loaded once; when it is absent the
planner falls back to hand-set weights (:data:`PRIOR`). Inference needs
only NumPy; the training stack lives in :mod:`agent.planners.train`.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._request import Clause, stem, target_kind, words

if TYPE_CHECKING:
    from ._catalog import Catalog

__all__ = [
    "FEATURES",
    "FIXED",
    "NONE_FEATURES",
    "PRIOR",
    "Ensemble",
    "Model",
    "Reading",
    "Relevance",
    "cosines",
    "fixed_features",
    "load_model",
    "none_features",
    "relevance",
]

#: Features of a (clause, tool) pair that need no learned parameter, in order.
FIXED = (
    "raw_summary",  # cosine of the clause to the tool's summary (best of the two summary texts)
    "raw_example",  # best cosine to one of its examples (the summary's when it has none)
    "raw_detail",  # best cosine to a sentence of its description or a parameter's documentation
    "raw_gap",  # best of summary and example, minus the clause's best over all tools (<= 0)
    "has_examples",
    "idf_overlap",  # share of the clause's informative words the tool's texts use, by rarity
    "name_share",  # share of the tool name's words the clause says
    "verb_lead",  # the clause opens with a verb the tool's examples or name open with
    "param_named",  # the clause names one of the tool's option parameters ("duck the music")
    "quote_text",  # the clause quotes text and the tool takes text
    "file_fits",  # the clause names a file of a kind the tool takes
    "target_gives",  # the clause asks to make a kind of thing the tool makes
    "target_taken",  # ...a kind the tool only reads
    "target_other",  # ...another kind, while the tool makes media
    "from_words",  # the tool needs no file and the clause names none
    "absent_kind",  # the tool needs a kind of file nobody gave, and the clause points at nothing
)
#: All pair features: the cosines through the learned projection first, then :data:`FIXED`.
FEATURES = ("learned_summary", "learned_example", "learned_detail", "learned_gap", *FIXED)
#: Features of a clause alone, for the logit of asking for no tool.
NONE_FEATURES = (
    "best_learned", "best_raw", "best_lexical", "has_quote", "has_file", "refers_back", "length", "asks", "tells",
)  # fmt: skip
#: Hand-set weights used when no trained file is present.
PRIOR = {
    "learned_summary": 4.0, "learned_example": 8.0, "learned_gap": 6.0, "idf_overlap": 3.0,
    "name_share": 3.0, "verb_lead": 1.6, "param_named": 1.0, "quote_text": 1.0, "file_fits": 0.6,
    "target_gives": 1.6, "target_taken": -2.0, "target_other": -1.0, "from_words": 0.4, "absent_kind": -0.6,
}  # fmt: skip
PRIOR_NONE_BIAS = 5.5
_WEIGHTS_FILE = Path(__file__).with_name("relevance.npz")
_LOCK = threading.Lock()


@dataclass
class Relevance:
    """The trained model: a projection of sentence embeddings and two linear layers.

    For one clause, each tool gets the logit ``features · weights`` plus a small hidden
    layer's say (``relu(features · hidden + hidden_bias) · hidden_out``: features that matter
    together, as examples do only for tools that have them), and "no tool" gets
    ``none_features · none_weights + none_bias``; a softmax over them gives, for each tool,
    the probability that the clause asks for it, and the probability that it asks for none
    (it sets the scene, thanks, or wants something no tool does).

    Attributes:
        projection: (384, d) matrix applied to clause and tool-text embeddings before the
            learned cosines.
        weights: one weight per feature of :data:`FEATURES`.
        none_weights: one weight per feature of :data:`NONE_FEATURES`.
        none_bias: the bias of asking for no tool.
        hidden: (len(FEATURES), h) weights of the hidden layer; h may be 0.
        hidden_bias: (h,) its biases.
        hidden_out: (h,) its weights into the tool's logit.
        meta: what produced the weights (data sets, command, commit, scores).
    """

    projection: np.ndarray
    weights: np.ndarray
    none_weights: np.ndarray
    none_bias: float
    hidden: np.ndarray = field(default_factory=lambda: np.zeros((len(FEATURES), 0), np.float32))
    hidden_bias: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    hidden_out: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def prior(cls, dim: int = 384) -> Relevance:
        """Untrained: identity projection and :data:`PRIOR` weights."""
        weights = np.array([PRIOR.get(name, 0.0) for name in FEATURES], dtype=np.float32)
        none = np.zeros(len(NONE_FEATURES), dtype=np.float32)
        return cls(np.eye(dim, dtype=np.float32), weights, none, PRIOR_NONE_BIAS, meta={"trained": False})

    @classmethod
    def read(cls, data: Any, meta: dict[str, Any], path: str | Path) -> Relevance:
        """One model from the arrays :meth:`arrays` gave (an open ``.npz`` or a dict of them).

        Raises:
            ValueError: the arrays were made for other features.
        """
        names = [str(n) for n in data["features"]]
        if names != [*FEATURES, *NONE_FEATURES]:
            raise ValueError(f"{path}: weights for features {names}, not this version's")
        return cls(
            data["projection"].astype(np.float32),
            data["weights"].astype(np.float32),
            data["none_weights"].astype(np.float32),
            float(data["none_bias"]),
            *(_array(data, name) for name in ("hidden", "hidden_bias", "hidden_out")),
            meta,
        )

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as named arrays (the projection as float16)."""
        return {
            "projection": self.projection.astype(np.float16),
            "weights": self.weights.astype(np.float32),
            "none_weights": self.none_weights.astype(np.float32),
            "none_bias": np.float32(self.none_bias),
            "hidden": self.hidden.astype(np.float32),
            "hidden_bias": self.hidden_bias.astype(np.float32),
            "hidden_out": self.hidden_out.astype(np.float32),
            "features": np.array([*FEATURES, *NONE_FEATURES]),
        }

    def save(self, path: str | Path) -> None:
        """Write the weights and what produced them."""
        np.savez_compressed(path, **self.arrays(), meta=np.array(json.dumps(self.meta)))

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Unit vectors of ``vectors`` through the projection."""
        projected = vectors @ self.projection
        return projected / np.maximum(np.linalg.norm(projected, axis=-1, keepdims=True), 1e-9)

    def prepare(self, catalog: Catalog) -> None:
        """Project the catalog's tool texts now rather than on the first request."""
        catalog.projected(self)

    def probabilities(
        self, catalog: Catalog, clauses: list[Clause], kinds: dict[Path, str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each clause, the probability of each tool ``(clauses, tools)`` and of none ``(clauses,)``."""
        return self.odds(catalog, clauses, Reading.of(catalog, clauses, kinds))

    def odds(
        self, catalog: Catalog, clauses: list[Clause], reading: Reading
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`probabilities` from what every model computes alike."""
        vectors, fixed = reading.vectors, reading.fixed
        learned = cosines(self.project(vectors), catalog.projected(self), catalog)
        features = np.concatenate([learned, fixed], axis=-1)
        tools = (
            features @ self.weights
            + np.maximum(features @ self.hidden + self.hidden_bias, 0.0) @ self.hidden_out
        )
        none = none_features(clauses, learned, fixed) @ self.none_weights + self.none_bias
        logits = np.concatenate([tools, none[:, None]], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        odds = np.exp(logits)
        odds /= odds.sum(axis=1, keepdims=True)
        return odds[:, :-1], odds[:, -1]


@dataclass(frozen=True)
class Reading:
    """What every relevance model computes alike for a request's clauses.

    Attributes:
        vectors: (clauses, 384) sentence embeddings of what the clauses ask.
        fixed: (clauses, tools, len(FIXED)) :func:`fixed_features`.
    """

    vectors: np.ndarray
    fixed: np.ndarray

    @classmethod
    def of(cls, catalog: Catalog, clauses: list[Clause], kinds: dict[Path, str]) -> Reading:
        vectors = catalog.encoder.encode([c.asked for c in clauses])
        raw = cosines(vectors, catalog.text_vectors, catalog)
        return cls(vectors, fixed_features(catalog, clauses, kinds, raw))


@dataclass
class Ensemble:
    """Several models trained alike from different seeds; a tool's probability is the mean of
    theirs. One seed's model moves a plan set by a few plans either way (docs/planners.md);
    the mean moves less.

    Attributes:
        members: the models.
        meta: what produced them (data sets, command, commit, each member's scores).
    """

    members: list[Relevance]
    meta: dict[str, Any] = field(default_factory=dict)

    def prepare(self, catalog: Catalog) -> None:
        """Project the catalog's tool texts through every member now."""
        for member in self.members:
            member.prepare(catalog)

    def probabilities(
        self, catalog: Catalog, clauses: list[Clause], kinds: dict[Path, str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The members' mean :meth:`Relevance.probabilities`."""
        reading = Reading.of(catalog, clauses, kinds)
        odds = [member.odds(catalog, clauses, reading) for member in self.members]
        return np.mean([t for t, _ in odds], axis=0), np.mean([n for _, n in odds], axis=0)

    def save(self, path: str | Path) -> None:
        """Write every member's arrays under its number ("0/projection", …) and the meta."""
        arrays = {f"{i}/{name}": a for i, m in enumerate(self.members) for name, a in m.arrays().items()}
        np.savez_compressed(
            path, **arrays, members=np.int32(len(self.members)), meta=np.array(json.dumps(self.meta))
        )


Model = Relevance | Ensemble


def load_model(path: str | Path) -> Model:
    """The weights in ``path``: one model (:meth:`Relevance.save`) or several (:meth:`Ensemble.save`).

    Raises:
        ValueError: the file was made for other features.
    """
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if "members" not in data:
            return Relevance.read(data, meta, path)
        members = [
            Relevance.read(
                {key.split("/", 1)[1]: data[key] for key in data.files if key.startswith(f"{i}/")}, {}, path
            )
            for i in range(int(data["members"]))
        ]
        return Ensemble(members, meta)


def _array(data: Any, name: str) -> np.ndarray:
    """A saved array, or an empty hidden layer for weights saved without one."""
    if name in data:
        return data[name].astype(np.float32)
    return np.zeros((len(FEATURES), 0) if name == "hidden" else 0, dtype=np.float32)


def relevance() -> Model:
    """The shipped model, loaded once per process (the prior when no weights are installed)."""
    with _LOCK:
        return _load()


@cache
def _load() -> Model:
    path = Path(os.environ.get("TROUPE_PLANNER_WEIGHTS") or _WEIGHTS_FILE)
    return load_model(path) if path.is_file() else Relevance.prior()


# -- features --------------------------------------------------------------------------------
def cosines(clause_vectors: np.ndarray, text_vectors: np.ndarray, catalog: Catalog) -> np.ndarray:
    """(clauses, tools, 4): best cosine to a summary text, to an example (the summary's when
    the tool has none), to a detail, and the gap of the better of the first two to the
    clause's best tool. Works for raw and projected vectors alike."""
    from ._catalog import DETAIL, EXAMPLE, SUMMARY

    sims = clause_vectors @ text_vectors.T  # (clauses, texts)
    kinds = catalog.text_kinds

    def best(kind: int) -> np.ndarray:
        return np.maximum.reduceat(np.where(kinds == kind, sims, -1.0), catalog.starts, axis=1)

    summary, example, detail = best(SUMMARY), best(EXAMPLE), best(DETAIL)
    example = np.where(example > -1.0, example, summary)
    detail = np.where(detail > -1.0, detail, summary)
    top = np.maximum(summary, example)
    gap = top - top.max(axis=1, keepdims=True)
    return np.stack([summary, example, detail, gap], axis=-1).astype(np.float32)


def none_features(clauses: list[Clause], learned: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """(clauses, len(NONE_FEATURES)): how strongly the best tool fits, and what the clause holds."""
    best_learned = np.maximum(learned[:, :, 0], learned[:, :, 1]).max(axis=1)
    best_raw = np.maximum(fixed[:, :, 0], fixed[:, :, 1]).max(axis=1)
    best_lexical = fixed[:, :, 5].max(axis=1)
    facts = np.array(
        [
            [bool(c.quotes), bool(c.files), c.refers_back, min(len(c.words), 30) / 10, c.asks, c.tells]
            for c in clauses
        ],
        dtype=np.float32,
    ).reshape(len(clauses), 6)
    return np.concatenate([np.stack([best_learned, best_raw, best_lexical], axis=1), facts], axis=1)


def fixed_features(
    catalog: Catalog, clauses: list[Clause], kinds: dict[Path, str], raw: np.ndarray
) -> np.ndarray:
    """(clauses, tools, len(FIXED)) features that need no learned parameter.

    Args:
        raw: :func:`cosines` of the raw (unprojected) embeddings.
    """
    index = catalog.feature_index
    n, m = len(clauses), len(catalog.cards)
    out = np.zeros((n, m, len(FIXED)), dtype=np.float32)
    out[:, :, 0:4] = raw
    out[:, :, 4] = catalog.has_examples[None, :]
    given = index.kind_mask({k for k in kinds.values() if k})
    for i, clause in enumerate(clauses):
        out[i, :, 5:] = index.clause_features(clause, kinds, given)
    return out


class FeatureIndex:
    """A catalog's words and types as arrays, so one clause is scored against every tool at once."""

    def __init__(self, catalog: Catalog):
        from ._catalog import STOP_WORDS

        cards = catalog.cards
        self.stop = STOP_WORDS
        self.idf = catalog.idf
        self.kinds = sorted({k for c in cards for k in (*c.takes, *c.gives_kinds)})
        self.gives = np.array([self.kind_mask(c.gives_kinds) for c in cards]).reshape(len(cards), -1)
        self.required = np.array([self.kind_mask(c.required_kinds) for c in cards]).reshape(len(cards), -1)
        # what a tool is for reading: an optional input ("a melody to follow") does not make
        # music from a description a tool for the recording a clause names
        self.takes = self.required
        self.needs_no_file = ~self.required.any(axis=1)
        self.takes_text = np.array([any(p.required for p in c.content_params) for c in cards], dtype=bool)
        self.makes_media = np.array([c.makes_media for c in cards], dtype=bool)
        self.name_size = np.array([max(len(c.stems), 1) for c in cards], dtype=np.float32)
        self.vocabulary = _inverted([c.vocabulary for c in cards])
        self.names = _inverted([c.stems for c in cards])
        self.leads = _inverted([c.leads for c in cards])
        self.params = _inverted([c.named_params for c in cards])
        self.size = len(cards)

    def names_option(self, clause: Clause, tools: list[int]) -> bool:
        """Whether the clause names an option parameter of one of ``tools`` ("duck the pad")."""
        for w in {stem(w) for w in clause.words}:
            hits = self.params.get(w)
            if hits is not None and set(hits.tolist()) & set(tools):
                return True
        return False

    def kind_mask(self, kinds: set[str]) -> np.ndarray:
        """A boolean row over :attr:`kinds`."""
        return np.array([k in kinds for k in self.kinds], dtype=bool)

    def clause_features(self, clause: Clause, kinds: dict[Path, str], given: np.ndarray) -> np.ndarray:
        """(tools, len(FIXED) - 5): lexical cues, then type cues, for one clause."""
        out = np.zeros((self.size, len(FIXED) - 5), dtype=np.float32)
        content = [w for w in words(clause.asked) if w not in self.stop]
        said = {stem(w) for w in content}
        mass = sum(self.idf.get(w, 0.0) for w in said) + 1.0
        for w in said:
            hits = self.vocabulary.get(w)
            if hits is not None:
                out[hits, 0] += self.idf.get(w, 0.0) / mass
            hits = self.names.get(w)
            if hits is not None:
                out[hits, 1] += 1.0
            hits = self.params.get(w)
            if hits is not None:
                out[hits, 3] = 1.0
        out[:, 1] /= self.name_size
        if content and (hits := self.leads.get(stem(content[0]))) is not None:
            out[hits, 2] = 1.0  # a clause usually opens with what to do
        out[:, 4] = bool(clause.quotes) & self.takes_text
        named = self.kind_mask({kinds.get(f, "") for f in clause.files})
        out[:, 5] = (self.takes & named).any(axis=1)
        target = target_kind(clause)
        if target in self.kinds:
            col = self.kinds.index(target)
            gives, takes = self.gives[:, col], self.takes[:, col]
            out[:, 6] = gives
            out[:, 7] = ~gives & takes
            out[:, 8] = ~gives & ~takes & self.makes_media
        elif target:
            out[:, 8] = self.makes_media
        follows = clause.refers_back
        out[:, 9] = self.needs_no_file & (not clause.files) & (not follows)
        out[:, 10] = ~self.needs_no_file & ~(self.required & given).any(axis=1) & (not follows)
        return out


def _inverted(sets: list[set[str] | frozenset[str]]) -> dict[str, np.ndarray]:
    """stem → indices of the tools whose set holds it."""
    index: dict[str, list[int]] = {}
    for j, said in enumerate(sets):
        for w in said:
            index.setdefault(w, []).append(j)
    return {w: np.array(js, dtype=np.intp) for w, js in index.items()}
