"""Sentiment accuracy on the four human-rated sets of Hutto & Gilbert (ICWSM 2014).

    python benchmarks/speech_sentiment.py [--data DIR]

The vaderSentiment source distribution carries the authors' data, each item rated by 20
people from -4 to 4 (``*_GroundTruth.txt``: id, mean rating, text): 4,200 tweets and 10,605
movie-review snippets — text_sentiment's learned model is trained on these two (and on the
review sentences of the npm package ``sentiment``) — and 3,708 product-review and 5,190
newspaper-editorial snippets, which it never sees: they are the test. ``--data`` is the
unpacked ``hutto_ICWSM_2014`` folder; without it the sdist is fetched from PyPI with pip (the
only network use; tests never do).

Binary accuracy on non-neutral items: for items whose mean rating is not 0, does the
predicted label (positive / negative) match the sign? A "neutral" prediction counts as
wrong. For the training sets the tool's figure is the one the training command measured on
the 20 % of them it held out (a model trained on the other 80 %), read from the model's
file; for the test sets it is the shipped tool's, run here on every item.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from tools import ToolContext, TroupeError
from tools.speech import text_sentiment
from tools.speech._sentiment_model import model as learned_model
from tools.speech.sentiment import polarity_label, score_text
from tools.speech.train_sentiment import SETS, TEST_SETS, TRAIN_SETS, read_set

SDIST = "vaderSentiment==3.3.2"


def fetch_sdist(workdir: Path) -> Path:
    """Download the vaderSentiment source distribution (it carries the rated sets)."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        SDIST,
        "-d",
        str(workdir),
    ]
    subprocess.run([*command, "-q"], check=True)
    return next(workdir.glob("vaderSentiment-*.tar.gz"))


def accuracy(truths: list[float], labels: list[str]) -> float:
    return sum(
        label == ("positive" if t > 0 else "negative") for t, label in zip(truths, labels, strict=True)
    ) / len(truths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, help="the sdist .tar.gz or the hutto_ICWSM_2014 folder (else fetched)"
    )
    args = parser.parse_args()
    data = args.data or fetch_sdist(Path(tempfile.mkdtemp(prefix="vader-sdist-")))
    model = learned_model()
    print(f"data: {data}; model: {model.meta['model'] if model else 'none (VADER only)'}")
    print(f"{'set':<11} {'items':>6}  {'VADER':>6}  {'TextBlob':>8}  {'text_sentiment':>14}")
    ctx = ToolContext(output_dir=Path(tempfile.mkdtemp(prefix="sentiment-bench-")))
    pooled: dict[str, list] = {"truths": [], "vader": [], "tool": []}
    timings = []
    for name in SETS:
        rows = read_set(data, name)
        truths, texts = [r for r, _ in rows], [t for _, t in rows]
        lexicon = [score_text(t) for t in texts]
        vader = [polarity_label(s.compound) for s in lexicon]
        blob = [polarity_label(s.polarity) for s in lexicon]
        if name in TRAIN_SETS and model is not None:  # never score a model on what it learned from
            tool_acc = model.meta["held_out_accuracy"][name]
            how = "(the 20 % held out in training)"
        else:
            labels = []
            for text in texts:
                start = time.perf_counter()
                try:
                    labels.append(text_sentiment(text, ctx=ctx).label)
                except TroupeError as e:  # an item with no text at all: counted as wrong
                    labels.append(f"refused: {e}")
                timings.append(time.perf_counter() - start)
            tool_acc, how = accuracy(truths, labels), "(held out)" if model else ""
            if name in TEST_SETS:
                pooled["truths"] += truths
                pooled["vader"] += vader
                pooled["tool"] += labels
        print(f"{name:<11} {len(rows):>6}  {accuracy(truths, vader):6.3f}  {accuracy(truths, blob):8.3f}  "
              f"{tool_acc:6.3f} {how}")  # fmt: skip
    if model is not None:
        held = model.meta["held_out_accuracy"]
        print("held out in training: " + ", ".join(f"{name} {v:.3f}" for name, v in held.items()))
    print(
        f"products + editorials: VADER {accuracy(pooled['truths'], pooled['vader']):.3f}, "
        f"text_sentiment {accuracy(pooled['truths'], pooled['tool']):.3f} ({len(pooled['truths'])} items)"
    )
    ms = np.array(timings) * 1000
    print(
        f"warm text_sentiment per item: p50 {np.percentile(ms, 50):.1f} ms, p90 {np.percentile(ms, 90):.1f} ms"
    )


if __name__ == "__main__":
    main()
