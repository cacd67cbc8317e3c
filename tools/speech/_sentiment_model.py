"""The learned part of text_sentiment: MiniLM fine-tuned on human-rated text, with a
logistic layer over its sentence vector and VADER's and TextBlob's lexicon scores.

VADER's rules read negation, intensifiers, capitals and emoji well, but its lexicon misses
how reviews and editorials say things ("too tepid", "a splash even greater than"); the
fine-tuned encoder reads that. The model is trained here on human-rated tweets, movie-review
snippets and review sentences (``python -m tools.speech.train_sentiment``; see
docs/speech.md) and ships as ``sentiment_model.npz`` (under 1 MB): low-rank changes to the
bundled MiniLM and the head. Inference runs in NumPy: no training library loads.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .._minilm import Encoder

__all__ = ["MODEL_FILE", "SentimentModel", "compound", "lexicon_features", "model"]

MODEL_FILE = Path(__file__).with_name("sentiment_model.npz")
#: Without a sentiment word for VADER or TextBlob, the model must be this sure to call a
#: side: it learned from rated items, none of them neutral, and "the meeting is at 3pm"
#: would otherwise lean positive. The held-out accuracy the model's file records counts it.
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


class SentimentModel:
    """P(positive) for texts from the fine-tuned encoder and their lexicon scores.

    Args:
        path: an ``.npz`` written by the training command: ``adapter/NAME`` (changes to the
            MiniLM weights, see :meth:`tools._minilm.Encoder.adapted`), ``head_weights``,
            ``head_bias``, ``lexicon_mean``, ``lexicon_scale``, ``pooled_scale`` and ``meta``
            (JSON: data, command, held-out accuracy).
    """

    def __init__(self, path: Path = MODEL_FILE):
        with np.load(path) as data:
            self.changes = {
                k.removeprefix("adapter/"): data[k] for k in data.files if k.startswith("adapter/")
            }
            self.weights, self.bias = data["head_weights"], float(data["head_bias"])
            self.lexicon_mean, self.lexicon_scale = data["lexicon_mean"], data["lexicon_scale"]
            self.pooled_scale = float(data["pooled_scale"])
            self.meta = json.loads(str(data["meta"]))
        self._encoder = None
        self._lock = threading.Lock()

    def encoder(self) -> Encoder:
        """The bundled MiniLM with this model's changes, made on first use.

        Raises:
            TroupeError: the MiniLM package (the ``planner`` extra) is not installed.
        """
        from .._minilm import encoder

        with self._lock:
            if self._encoder is None:
                self._encoder = encoder().adapted(self.changes)
            return self._encoder

    def probability(self, texts: Sequence[str], lexicon: np.ndarray) -> np.ndarray:
        """P(positive) per text; ``lexicon`` holds each text's :func:`lexicon_features`."""
        vectors = self.encoder().encode(list(texts), remember=False)
        lexical = (np.asarray(lexicon, dtype=np.float32) - self.lexicon_mean) / self.lexicon_scale
        z = np.hstack([vectors * self.pooled_scale, lexical]) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def compound(self, texts: Sequence[str], lexicon: np.ndarray) -> np.ndarray:
        """The compound score per text (see :func:`compound`)."""
        return compound(self.probability(texts, lexicon), np.asarray(lexicon))


@functools.cache
def _load() -> SentimentModel | None:
    return SentimentModel() if MODEL_FILE.is_file() else None


def model() -> SentimentModel | None:
    """The shipped model, loaded once (thread-safe); None when its file is missing."""
    with _LOCK:
        return _load()
