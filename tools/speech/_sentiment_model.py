"""The learned part of text_sentiment: a logistic head over MiniLM sentence embeddings and
VADER's and TextBlob's lexicon scores.

VADER's rules read negation, intensifiers, capitals and emoji well, but its lexicon misses
how reviews and editorials say things ("too tepid", "a splash even greater than"); the
embedding carries that. The head is trained here on human-rated tweets and movie-review
snippets (``python -m tools.speech.train_sentiment``; see docs/speech.md) and ships as
``sentiment_head.npz`` (a few kB). Inference is a dot product: no training library loads.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["HEAD_FILE", "SentimentHead", "compound", "head", "lexicon_features"]

HEAD_FILE = Path(__file__).with_name("sentiment_head.npz")
#: Without a sentiment word for VADER or TextBlob, the model must be this sure to call a
#: side: it learned from rated items, none of them neutral, and "the meeting is at 3pm"
#: would otherwise lean positive. Costs 1 point of cross-validated accuracy on rated items.
NO_CUE_MARGIN = 0.5
_LOCK = threading.Lock()


def compound(p_positive: np.ndarray, lexicon: np.ndarray) -> np.ndarray:
    """The compound score, -1 to 1, from P(positive) and the lexicon features of each row:
    ``2p - 1``, shrunk toward 0 by :data:`NO_CUE_MARGIN` where neither lexicon found a
    sentiment word (so near 0 means unsure, and factual text comes out neutral)."""
    raw = 2 * np.asarray(p_positive, dtype=float) - 1
    no_cue = (lexicon[:, 0] == 0) & (lexicon[:, 4] == 0)  # VADER compound, TextBlob polarity
    shrunk = np.sign(raw) * np.maximum(0.0, np.abs(raw) - NO_CUE_MARGIN) / (1 - NO_CUE_MARGIN)
    return np.where(no_cue, shrunk, raw)


def lexicon_features(scores: Sequence[dict[str, float]]) -> np.ndarray:
    """The lexicon part of the features, one row per text: VADER's compound, positive,
    negative and neutral shares, TextBlob's polarity and subjectivity."""
    keys = ("compound", "positive", "negative", "neutral", "polarity", "subjectivity")
    return np.array([[float(s[k]) for k in keys] for s in scores], dtype=np.float32).reshape(-1, len(keys))


class SentimentHead:
    """P(positive) for texts from their embeddings and lexicon features.

    Args:
        path: an ``.npz`` written by the training command: ``mean``, ``scale`` (feature
            standardisation), ``weights``, ``bias`` and ``meta`` (JSON: data, command, scores).
    """

    def __init__(self, path: Path = HEAD_FILE):
        with np.load(path) as data:
            self.mean, self.scale = data["mean"], data["scale"]
            self.weights, self.bias = data["weights"], float(data["bias"])
            self.meta = json.loads(str(data["meta"]))

    def probability(self, embeddings: np.ndarray, lexicon: np.ndarray) -> np.ndarray:
        """P(positive) per row: ``embeddings`` (n, 384) unit vectors, ``lexicon`` (n, 6)."""
        x = (np.hstack([embeddings, lexicon]) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias)))

    def compound(self, embeddings: np.ndarray, lexicon: np.ndarray) -> np.ndarray:
        """The compound score per row (see :func:`compound`)."""
        return compound(self.probability(embeddings, lexicon), lexicon)


@functools.cache
def _load() -> SentimentHead | None:
    return SentimentHead() if HEAD_FILE.is_file() else None


def head() -> SentimentHead | None:
    """The shipped head, loaded once (thread-safe); None when its file is missing."""
    with _LOCK:
        return _load()
