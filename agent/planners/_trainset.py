"""Training examples for the relevance model, read from planning cases.

Each case's request is read exactly as the planner reads it (clauses, masked quotes and
file names) and every clause is compared with the case's tools through the same feature
code the planner runs (:mod:`agent.planners._relevance`). The expected tools say which
pairs are positive; which *clause* asks for which expected tool is not given by the data,
so each expected tool goes to the clause the untrained model finds closest (a second
occurrence of a tool to the next closest clause).

Used only by :mod:`agent.planners.train`; the planner never imports it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools._minilm import Encoder

from ._catalog import Catalog
from ._corpora import Case, Corpus
from ._relevance import Relevance, cosines, fixed_features, none_features
from ._request import read_request

__all__ = ["Example", "examples"]

_KIND_OF_SUFFIX = {
    "wav": "Audio", "mp3": "Audio", "flac": "Audio", "ogg": "Audio", "png": "Image", "jpg": "Image",
    "jpeg": "Image", "gif": "Image", "bmp": "Image", "mp4": "Video", "avi": "Video", "mov": "Video",
    "mid": "Midi", "midi": "Midi", "txt": "Text", "json": "Json", "bvh": "Motion",
}  # fmt: skip
_HARD_NEGATIVES = 24  # most similar other tools kept per case…
_RANDOM_NEGATIVES = 16  # …and a few at random


@dataclass
class Example:
    """One case as the trainer needs it.

    Attributes:
        clause_vectors: (clauses, 384) raw sentence embeddings of the clauses.
        text_vectors: (texts, 384) the candidate tools' texts; tool j owns rows starts[j]:.
        starts: first text row of each candidate tool.
        text_kinds: per text row, its kind (summary, example, detail).
        fixed: (clauses, tools, len(FIXED)) fixed features against the whole catalog.
        outside: (clauses, 2) best raw cosine and best word overlap of a tool not among the
            candidates (so that features over "all tools" survive the sampling).
        facts: (clauses, 6) the clause-only none-features (quote, file, refers back, length, asks, tells).
        labels: (clauses, tools) 1 where the clause asks for the tool; a row of zeros asks for none.
        positives: candidate indices of the expected tools (for catalog ablation).
        source: the case's origin.
    """

    clause_vectors: np.ndarray
    text_vectors: np.ndarray
    starts: np.ndarray
    text_kinds: np.ndarray
    fixed: np.ndarray
    outside: np.ndarray
    facts: np.ndarray
    labels: np.ndarray
    positives: list[int]
    source: str


def examples(corpus: Corpus, cases: list[Case], encoder: Encoder, seed: int = 0) -> list[Example]:
    """Training examples of ``cases`` (all from ``corpus``)."""
    rng = np.random.default_rng(seed)
    prior = Relevance.prior(encoder.dim)  # the untrained model aligns expected tools to clauses
    catalogs: dict[tuple[str, ...], Catalog] = {}
    found = []
    for case in cases:
        key = tuple(case.catalog or ())
        if key not in catalogs:
            catalogs[key] = Catalog(corpus.registry(case), encoder)
        example = _example(case, catalogs[key], prior, rng)
        if example is not None:
            found.append(example)
    return found


def _example(case: Case, catalog: Catalog, prior: Relevance, rng: np.random.Generator) -> Example | None:
    kinds = {Path(f): _KIND_OF_SUFFIX.get(Path(f).suffix.lower().lstrip("."), "Text") for f in case.files}
    clauses = read_request(case.request, list(kinds), kinds).clauses[:12]
    if not clauses or any(t not in catalog.by_name for t in case.tools):
        return None
    vectors = catalog.encoder.encode([c.asked for c in clauses])
    raw = cosines(vectors, catalog.text_vectors, catalog)
    fixed = fixed_features(catalog, clauses, kinds, raw)
    index = {card.name: j for j, card in enumerate(catalog.cards)}
    wanted = Counter(case.tools)
    positive = sorted(index[t] for t in wanted)
    candidates = _candidates(raw, positive, len(catalog.cards), rng)
    columns = {j: i for i, j in enumerate(candidates)}
    labels = np.zeros((len(clauses), len(candidates)), dtype=np.float32)
    logits = np.concatenate([raw, fixed], axis=-1) @ prior.weights  # raw cosines stand for learned ones
    for tool, count in wanted.items():
        j = index[tool]
        for i in np.argsort(-logits[:, j])[: min(count, len(clauses))]:
            labels[i, columns[j]] = 1.0
    best = np.maximum(raw[:, :, 0], raw[:, :, 1])
    outside = np.full((len(clauses), 2), -1.0, dtype=np.float32)
    if len(candidates) < len(catalog.cards):
        outside[:, 0] = np.delete(best, candidates, axis=1).max(axis=1)
        outside[:, 1] = np.delete(fixed[:, :, 5], candidates, axis=1).max(axis=1)
    facts = none_features(clauses, raw, fixed)[:, 3:]
    rows = np.concatenate([np.arange(catalog.starts[j], _end(catalog, j)) for j in candidates])
    sizes = [_end(catalog, j) - catalog.starts[j] for j in candidates]
    return Example(
        clause_vectors=vectors.astype(np.float32),
        text_vectors=catalog.text_vectors[rows],
        starts=np.cumsum([0, *sizes[:-1]]).astype(np.intp),
        text_kinds=catalog.text_kinds[rows],
        fixed=fixed[:, candidates, :],
        outside=outside,
        facts=facts,
        labels=labels,
        positives=[columns[j] for j in positive],
        source=case.source,
    )


def _candidates(raw: np.ndarray, positive: list[int], n_tools: int, rng: np.random.Generator) -> list[int]:
    """The expected tools, the most similar others, and a few random ones."""
    if n_tools <= _HARD_NEGATIVES + _RANDOM_NEGATIVES + len(positive):
        return list(range(n_tools))
    best = np.maximum(raw[:, :, 0], raw[:, :, 1]).max(axis=0)
    hard = [int(j) for j in np.argsort(-best) if j not in positive][:_HARD_NEGATIVES]
    rest = sorted(set(range(n_tools)) - set(hard) - set(positive))
    random = [int(j) for j in rng.choice(rest, size=min(_RANDOM_NEGATIVES, len(rest)), replace=False)]
    return sorted({*positive, *hard, *random})


def _end(catalog: Catalog, j: int) -> int:
    return int(catalog.starts[j + 1]) if j + 1 < len(catalog.starts) else len(catalog.text_vectors)
