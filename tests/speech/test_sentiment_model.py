"""text_sentiment's learned head: the shipped file, the rule for text without sentiment words,
the VADER fallback, and the training command on a tiny rated set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tools import ToolContext
from tools.speech import sentiment, text_sentiment
from tools.speech._sentiment_model import NO_CUE_MARGIN, SentimentHead, compound, head
from tools.speech.train_sentiment import main as train


def test_the_shipped_head_records_what_made_it():
    model = head()
    assert model is not None and model.weights.shape == (390,)
    assert set(model.meta["data"]) == {"tweets", "movies"}  # never the product or editorial sets
    assert model.meta["cross_validated_accuracy"]["all"] > 0.7
    assert model.meta["command"].startswith("python -m tools.speech.train_sentiment")


def test_review_language_vader_misses_is_read(ctx: ToolContext):
    # VADER reads "welcome" as praise; the sentence says the film drags.
    result = text_sentiment("It wears out its welcome long before the credits roll.", ctx=ctx)
    assert result.label == "negative" and result.vader > 0.05  # VADER alone gets it wrong
    assert not result.agreement


def test_without_sentiment_words_only_a_sure_model_calls_a_side():
    lexicon = np.zeros((3, 6))
    lexicon[:, 3] = 1.0  # all words neutral for VADER, TextBlob polarity 0
    p = np.array([0.7, 0.9, 0.2])  # raw compounds 0.4, 0.8, -0.6
    shrunk = compound(p, lexicon)
    assert shrunk[0] == 0.0  # under the margin: unsure
    assert shrunk[1] == pytest.approx((0.8 - NO_CUE_MARGIN) / (1 - NO_CUE_MARGIN))
    assert shrunk[2] == pytest.approx(-(0.6 - NO_CUE_MARGIN) / (1 - NO_CUE_MARGIN))
    lexicon[:, 0] = 0.3  # VADER found a word: the model's score stands
    assert compound(p, lexicon) == pytest.approx(2 * p - 1)


def test_emoji_only_text_is_vaders_to_judge(ctx: ToolContext):
    result = text_sentiment("😀🎉", ctx=ctx)
    assert result.label == "positive" and result.compound == pytest.approx(result.vader, abs=1e-4)


def test_without_the_head_vader_decides_and_the_report_says_so(ctx: ToolContext, monkeypatch):
    monkeypatch.setattr(sentiment, "_learned_compounds", lambda texts, lexicon: None)
    result = text_sentiment("What a lovely surprise!", ctx=ctx)
    assert result.compound == result.vader and result.label == "positive"
    assert result.report.load()["method"].startswith("VADER compound (the MiniLM model is not installed")


def _rated(path: Path, rows: list[tuple[float, str]]) -> None:
    path.write_text("".join(f"{i}\t{r}\t{t}\n" for i, (r, t) in enumerate(rows, 1)), encoding="utf-8")


def test_the_training_command_writes_a_head_the_tool_can_load(tmp_path: Path):
    good = [
        "a wonderful, moving film",
        "great fun from start to end",
        "I loved every minute",
        "superb acting",
    ]
    bad = ["a dull, lifeless bore", "awful from start to end", "I hated every minute", "clumsy and boring"]
    data = tmp_path / "hutto_ICWSM_2014"
    data.mkdir()
    _rated(data / "tweets_GroundTruth.txt", [(2.5, t) for t in good] + [(-2.5, t) for t in bad])
    _rated(
        data / "movieReviewSnippets_GroundTruth.txt",
        [(1.5, t + "!") for t in good] + [(-1.5, t + ".") for t in bad] + [(0.0, "rated exactly neutral")],
    )
    out = tmp_path / "head.npz"
    train([str(data), "--out", str(out)])
    model = SentimentHead(out)
    meta = model.meta
    assert meta["data"] == {
        "tweets": {"items": 8, "file": "tweets_GroundTruth.txt"},
        "movies": {"items": 8, "file": "movieReviewSnippets_GroundTruth.txt"},  # the 0-rated item left out
    }
    assert json.loads(json.dumps(meta))["cross_validated_accuracy"]["all"] >= 0.5
    from tools._minilm import encoder

    texts = ["a wonderful film", "a boring film"]
    lexicon = np.array([[0.57, 0.6, 0.0, 0.4, 1.0, 1.0], [-0.32, 0.0, 0.5, 0.5, -1.0, 1.0]], dtype=np.float32)
    p = model.probability(encoder().encode(texts), lexicon)
    assert p[0] > 0.5 > p[1]
