"""text_sentiment's learned model: the shipped file, the fine-tuned encoder run in NumPy against
the network it was trained as, the rule for text without sentiment words, the VADER fallback,
and the training command on a tiny rated set."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tools import ToolContext
from tools._minilm import encoder
from tools.speech import sentiment, text_sentiment
from tools.speech._sentiment_model import NO_CUE_MARGIN, SentimentModel, compound, model


def test_the_shipped_model_records_what_made_it():
    shipped = model()
    assert shipped is not None and shipped.weights.shape == (390,)
    assert set(shipped.meta["data"]) == {"tweets", "movies", "amazon", "imdb", "yelp"}
    assert not set(shipped.meta["data"]) & {"products", "editorials"}  # the test sets
    assert shipped.meta["held_out_accuracy"]["all"] > 0.8
    assert shipped.meta["command"].startswith("python -m tools.speech.train_sentiment")


def test_review_language_vader_misses_is_read(ctx: ToolContext):
    # VADER reads "welcome" as praise; the sentence says the film drags.
    result = text_sentiment("It wears out its welcome long before the credits roll.", ctx=ctx)
    assert result.label == "negative" and result.vader > 0.05  # VADER alone gets it wrong
    assert not result.agreement


def test_the_numpy_encoder_with_the_changes_is_the_network_that_was_trained():
    torch = pytest.importorskip("torch")
    from tools.speech.train_sentiment import build, export

    bert, tokenizer, head = build(rank=4, seed=3)
    with torch.no_grad():  # a trained-looking adapter: every change away from its start
        for name, param in bert.named_parameters():
            if param.requires_grad:
                param.add_(torch.randn_like(param) * (0.05 if name.endswith((".a", ".b")) else 0.02))
    changes = {
        k.removeprefix("adapter/"): v
        for k, v in export(((bert, tokenizer, head), np.zeros(6), np.ones(6))).items()
        if k.startswith("adapter/")
    }
    texts = ["a wonderful, moving film", "It wears out its welcome long before the credits roll."]
    encodings = tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in encodings])
    mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
    with torch.no_grad():
        hidden = bert.eval()(input_ids=ids, attention_mask=mask).last_hidden_state
    pooled = ((hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)).numpy()
    want = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    adapted = encoder().adapted(changes)
    got = adapted.encode(texts, remember=False)
    assert np.sum(got * want, axis=1) == pytest.approx([1.0, 1.0], abs=1e-4)
    plain = encoder().encode(texts, remember=False)
    assert np.all(np.sum(plain * want, axis=1) < 0.999)  # the changes matter, and the base is untouched
    assert adapted.fingerprint != encoder().fingerprint


def test_changes_that_do_not_fit_the_model_are_refused():
    with pytest.raises(ValueError, match=r"no weight 'encoder\.layer\.9\.output\.LayerNorm\.weight'"):
        encoder().adapted({"encoder.layer.9.output.LayerNorm.weight": np.ones(384)})
    with pytest.raises(ValueError, match=r"shape \(3,\), the model's is \(384,\)"):
        encoder().adapted({"embeddings.LayerNorm.bias": np.ones(3)})


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


def test_without_the_model_vader_decides_and_the_report_says_so(ctx: ToolContext, monkeypatch):
    monkeypatch.setattr(sentiment, "_learned_compounds", lambda texts, lexicon: None)
    result = text_sentiment("What a lovely surprise!", ctx=ctx)
    assert result.compound == result.vader and result.label == "positive"
    assert result.report.load()["method"].startswith("VADER compound (the MiniLM model is not installed")


def _rated(path: Path, rows: list[tuple[float, str]]) -> None:
    path.write_text("".join(f"{i}\t{r}\t{t}\n" for i, (r, t) in enumerate(rows, 1)), encoding="utf-8")


GOOD = ["a wonderful, moving film", "great fun from start to end", "I loved every minute", "superb acting"]
BAD = ["a dull, lifeless bore", "awful from start to end", "I hated every minute", "clumsy and boring"]


def test_the_training_command_writes_a_model_the_tool_can_load(tmp_path: Path):
    pytest.importorskip("torch")
    from tools.speech.train_sentiment import main as train

    data = tmp_path / "hutto_ICWSM_2014"
    data.mkdir()
    _rated(data / "tweets_GroundTruth.txt", [(2.5, t) for t in GOOD] + [(-2.5, t) for t in BAD])
    _rated(
        data / "movieReviewSnippets_GroundTruth.txt",
        [(1.5, t + "!") for t in GOOD] + [(-1.5, t + ".") for t in BAD] + [(0.0, "rated exactly neutral")],
    )
    _rated(data / "amazonReviewSnippets_GroundTruth.txt", [(2.0, "Superb acting!")])  # a test sentence
    _rated(data / "nytEditorialSnippets_GroundTruth.txt", [(-1.0, "The plan is clumsy.")])
    package = tmp_path / "sentiment-5.0.2.tgz"  # the npm package's layout
    with tarfile.open(package, "w:gz") as archive:
        for name, rows in {
            "amazon": [{"text": "superb acting", "class": 1}, {"text": "broke in a week", "class": 0}],
            "imdb": [{"text": "a gem", "class": 1}, {"text": "unwatchable", "class": 0}, {"class": None}],
            "yelp": [{"text": "tasty and friendly", "class": 1}, {"text": "cold food", "class": 0}],
        }.items():
            file = tmp_path / f"{name}.json"
            file.write_text(json.dumps(rows))
            archive.add(file, f"package/test/fixtures/{name}.json")
    out = tmp_path / "model.npz"
    train([str(data), str(package), "--out", str(out), "--epochs", "3"])

    trained = SentimentModel(out)
    assert trained.meta["data"] == {  # "superb acting" is a test sentence: left out everywhere
        "tweets": {"items": 7},
        "movies": {"items": 7},  # and the 0-rated item
        "amazon": {"items": 1},
        "imdb": {"items": 2},  # the item without text left out
        "yelp": {"items": 2},
    }
    assert set(trained.meta["held_out_accuracy"]) >= {"all"}
    assert trained.meta["command"].endswith(f"--out {out} --epochs 3")
    p = trained.probability(["what a wonderful film", "what a boring film"], np.zeros((2, 6)))
    assert p.shape == (2,) and np.all((p > 0) & (p < 1))
