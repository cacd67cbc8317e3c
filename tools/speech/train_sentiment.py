"""Train text_sentiment's head on human-rated text.

    python -m tools.speech.train_sentiment DATA --out tools/speech/sentiment_head.npz

DATA is the vaderSentiment 3.3.2 source distribution (``vaderSentiment-3.3.2.tar.gz``,
``pip download --no-deps --no-binary :all: vaderSentiment==3.3.2``) or the folder
``hutto_ICWSM_2014`` unpacked from it: the data of Hutto & Gilbert (ICWSM 2014), MIT
licence, each item rated by 20 people from -4 to 4. The head learns from two of its four
sets, the tweets and the movie-review snippets (items rated exactly 0 left out, the label is
the sign of the mean rating). The product-review and editorial snippets are never read
here: they are the test (``benchmarks/speech_sentiment.py``).

The features are the MiniLM sentence embedding and six lexicon scores (VADER's compound and
word shares, TextBlob's polarity and subjectivity), standardised; the head is a logistic
regression whose L2 strength is chosen by 5-fold cross-validation on the training sets; the
file records the data, the command, the commit and the cross-validated accuracy per set.
Embeddings are cached under ``$TROUPE_HOME/cache/sentiment`` (keyed by the texts).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np

# -- configuration ---------------------------------------------------------------------
SEED = 0
FOLDS = 5
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)  # inverse L2 strength, chosen by cross-validation
SETS = {  # name -> file in hutto_ICWSM_2014
    "tweets": "tweets_GroundTruth.txt",
    "movies": "movieReviewSnippets_GroundTruth.txt",
    "products": "amazonReviewSnippets_GroundTruth.txt",
    "editorials": "nytEditorialSnippets_GroundTruth.txt",
}
TRAIN_SETS = ("tweets", "movies")
TEST_SETS = ("products", "editorials")
SOURCE = "vaderSentiment 3.3.2 sdist (PyPI), additional_resources/hutto_ICWSM_2014.tar.gz; MIT licence"


# -- data ------------------------------------------------------------------------------
def read_set(data: Path, name: str) -> list[tuple[float, str]]:
    """``(mean rating, text)`` of every item of set ``name`` rated other than exactly 0.

    Args:
        data: the sdist ``.tar.gz`` or the unpacked ``hutto_ICWSM_2014`` folder.
    """
    raw = _read_member(data, SETS[name]).decode("utf-8", errors="replace")
    rows = []
    for line in raw.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and float(parts[1]) != 0:
            rows.append((float(parts[1]), "\t".join(parts[2:]).strip()))
    return rows


def _read_member(data: Path, file_name: str) -> bytes:
    if data.is_dir():
        return (data / file_name).read_bytes()
    with tarfile.open(data) as outer:
        inner = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        with tarfile.open(fileobj=io.BytesIO(outer.extractfile(inner).read())) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith(file_name))
            return archive.extractfile(member).read()


# -- features --------------------------------------------------------------------------
def features(texts: list[str]) -> np.ndarray:
    """Embedding and lexicon features of ``texts`` (n, 390), as the tool computes them."""
    from tools.speech._sentiment_model import lexicon_features
    from tools.speech.sentiment import score_text

    lexicon = lexicon_features([score_text(t).model_dump() for t in texts])
    return np.hstack([_embeddings(texts), lexicon])


def _embeddings(texts: list[str]) -> np.ndarray:
    from tools._minilm import encoder

    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:20]
    home = Path(os.environ.get("TROUPE_HOME") or Path.home() / ".troupe")
    file = home / "cache" / "sentiment" / f"emb-{key}.npy"
    if file.is_file():
        return np.load(file)
    vectors = encoder().encode(texts).astype(np.float32)
    file.parent.mkdir(parents=True, exist_ok=True)
    np.save(file, vectors)
    return vectors


# -- training --------------------------------------------------------------------------
def fit(x: np.ndarray, y: np.ndarray, c: float) -> dict[str, np.ndarray]:
    """A standardised logistic regression: ``mean``, ``scale``, ``weights``, ``bias``."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, max_iter=2000, random_state=SEED).fit((x - mean) / scale, y)
    return {"mean": mean, "scale": scale, "weights": model.coef_[0], "bias": np.float64(model.intercept_[0])}


def predict(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    z = ((x - params["mean"]) / params["scale"]) @ params["weights"] + params["bias"]
    return 1.0 / (1.0 + np.exp(-z))


def cross_validate(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """Held-out P(positive) for every row, each fold predicted by a model trained without it."""
    order = np.random.default_rng(SEED).permutation(len(y))
    out = np.empty(len(y))
    for fold in np.array_split(order, FOLDS):
        train = np.setdiff1d(order, fold)
        out[fold] = predict(fit(x[train], y[train], c), x[fold])
    return out


def accuracy(p: np.ndarray, y: np.ndarray, x: np.ndarray) -> float:
    """Share of items whose label (positive / negative; neutral counts wrong) matches, with
    the compound score the tool computes from P(positive) and the features ``x``."""
    from tools.speech._sentiment_model import compound

    score = compound(p, x[:, -6:])
    return float(np.mean(np.where(y == 1, score >= 0.05, score <= -0.05)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="vaderSentiment-3.3.2.tar.gz or the hutto_ICWSM_2014 folder")
    parser.add_argument("--out", type=Path, required=True, help="the .npz to write")
    args = parser.parse_args(argv)

    sets = {name: read_set(args.data, name) for name in TRAIN_SETS}
    texts = [t for name in TRAIN_SETS for _, t in sets[name]]
    y = np.array([int(r > 0) for name in TRAIN_SETS for r, _ in sets[name]])
    which = np.array([name for name in TRAIN_SETS for _ in sets[name]])
    print(
        f"training on {', '.join(f'{n}: {len(sets[n])}' for n in TRAIN_SETS)} items; embedding…", flush=True
    )
    x = features(texts)

    scores = {}
    for c in C_GRID:
        held = cross_validate(x, y, c)
        scores[c] = {n: accuracy(held[which == n], y[which == n], x[which == n]) for n in TRAIN_SETS}
        scores[c]["all"] = accuracy(held, y, x)
        print(f"C={c:<5} cross-validated accuracy " + "  ".join(f"{k} {v:.3f}" for k, v in scores[c].items()))
    best = max(C_GRID, key=lambda c: scores[c]["all"])
    params = fit(x, y, best)
    meta = {
        "data": {name: {"items": len(sets[name]), "file": SETS[name]} for name in TRAIN_SETS},
        "source": SOURCE,
        "features": "all-MiniLM-L6-v2 mean-pooled embedding (384) + VADER compound/pos/neg/neu + TextBlob polarity/subjectivity",
        "model": f"logistic regression, C={best} (chosen from {list(C_GRID)} by {FOLDS}-fold cross-validation)",
        "cross_validated_accuracy": scores[best],
        "command": "python -m tools.speech.train_sentiment "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": _commit(),
        "seed": SEED,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        args.out,
        mean=params["mean"].astype(np.float32),
        scale=params["scale"].astype(np.float32),
        weights=params["weights"].astype(np.float32),
        bias=params["bias"],
        meta=json.dumps(meta),
    )
    print(f"chose C={best}; wrote {args.out} ({args.out.stat().st_size / 1024:.0f} kB)")


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
