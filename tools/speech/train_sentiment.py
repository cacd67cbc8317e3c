"""Train text_sentiment's model on human-rated text.

    python -m tools.speech.train_sentiment vaderSentiment-3.3.2.tar.gz sentiment-5.0.2.tgz \\
        --out tools/speech/sentiment_model.npz

The data (each argument is one of these; the first is required):

- the vaderSentiment 3.3.2 source distribution (``pip download --no-deps --no-binary :all:
  vaderSentiment==3.3.2``) or the ``hutto_ICWSM_2014`` folder unpacked from it: the data of
  Hutto & Gilbert (ICWSM 2014), MIT licence, each item rated by 20 people from -4 to 4. The
  model learns from two of its four sets, the tweets and the movie-review snippets (items
  rated exactly 0 left out, the label is the sign of the mean rating). The product-review and
  editorial snippets are the test (``benchmarks/speech_sentiment.py``): they are read here
  only to leave out any training sentence that is also one of them.
- optionally the npm package ``sentiment`` 5.0.2 (``npm pack sentiment@5.0.2``, MIT), whose
  ``test/fixtures`` hold the "Sentiment Labelled Sentences" of Kotzias et al. (KDD 2015, UCI,
  CC BY 4.0): 1,000 sentences each from Amazon, IMDb and Yelp reviews, labelled positive or
  negative by people.

The model is all-MiniLM-L6-v2 fine-tuned with low-rank adapters (LoRA, rank 8, on every
linear layer of its six layers, plus its biases and layer norms) and a logistic layer over
the mean-pooled sentence vector and six lexicon scores (VADER's compound and word shares,
TextBlob's polarity and subjectivity). Training runs twice: on 80 % of the data to measure
accuracy on the other 20 % (recorded in the file), then on all of it for the shipped model.
Fixed settings, chosen on a held-out fifth of the tweets and movie snippets (never on the
test): 2 epochs, batches of 32, AdamW at 1e-3 with a one-cycle schedule. Needs torch and transformers (``pip install -c
constraints.txt 'troupe[musicgen]'``); takes about 30 minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

# -- configuration ---------------------------------------------------------------------
SEED = 0
RANK = 8
EPOCHS = 2.0
BATCH = 32
LEARNING_RATE = 1e-3
DEV_SHARE = 0.2
MAX_TOKENS = 128
POOLED_SCALE = 20.0  # the unit sentence vector is scaled so its weights train as fast as the rest
SETS = {  # name -> file in hutto_ICWSM_2014
    "tweets": "tweets_GroundTruth.txt",
    "movies": "movieReviewSnippets_GroundTruth.txt",
    "products": "amazonReviewSnippets_GroundTruth.txt",
    "editorials": "nytEditorialSnippets_GroundTruth.txt",
}
TRAIN_SETS = ("tweets", "movies")
TEST_SETS = ("products", "editorials")
UCI_SETS = ("amazon", "imdb", "yelp")  # test/fixtures/NAME.json in the npm package "sentiment"
SOURCES = {
    "hutto": "vaderSentiment 3.3.2 sdist (PyPI), additional_resources/hutto_ICWSM_2014.tar.gz; MIT licence",
    "uci": "npm package sentiment 5.0.2, test/fixtures/{amazon,imdb,yelp}.json: Kotzias et al. (KDD 2015), "
    "UCI Sentiment Labelled Sentences, CC BY 4.0; package MIT",
}
_LINEARS = ("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense")  # fmt: skip


# -- data ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Item:
    source: str  # the set it comes from: tweets, movies, amazon…
    text: str
    positive: bool


def read_set(data: Path, name: str) -> list[tuple[float, str]]:
    """``(mean rating, text)`` of every item of Hutto & Gilbert's set ``name`` rated other than 0.

    Args:
        data: the sdist ``.tar.gz`` or the unpacked ``hutto_ICWSM_2014`` folder.
    """
    raw = _hutto_member(data, SETS[name]).decode("utf-8", errors="replace")
    rows = []
    for line in raw.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and float(parts[1]) != 0:
            rows.append((float(parts[1]), "\t".join(parts[2:]).strip()))
    return rows


def read_uci(package: Path) -> list[Item]:
    """The labelled sentences in the npm package ``sentiment`` (its ``.tgz`` or unpacked folder)."""
    items = []
    for name in UCI_SETS:
        member = f"package/test/fixtures/{name}.json"
        if package.is_dir():
            raw = (package / member.removeprefix("package/")).read_bytes()
        else:
            with tarfile.open(package) as archive:
                raw = archive.extractfile(member).read()
        items += [
            Item(name, row["text"].strip(), row["class"] == 1)
            for row in json.loads(raw)
            if row.get("class") in (0, 1) and str(row.get("text", "")).strip()
        ]
    return items


def training_items(paths: list[Path]) -> list[Item]:
    """Every training item of the data given, without the sentences of the test sets."""
    hutto, *others = paths
    items = [Item(name, text, rating > 0) for name in TRAIN_SETS for rating, text in read_set(hutto, name)]
    for path in others:
        items += read_uci(path)
    test = {_normal(text) for name in TEST_SETS for _, text in read_set(hutto, name)}
    return [item for item in items if _normal(item.text) not in test]


def _normal(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _hutto_member(data: Path, file_name: str) -> bytes:
    if data.is_dir():
        return (data / file_name).read_bytes()
    with tarfile.open(data) as outer:
        inner = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        with tarfile.open(fileobj=io.BytesIO(outer.extractfile(inner).read())) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith(file_name))
            return archive.extractfile(member).read()


def lexicon_of(texts: list[str]) -> np.ndarray:
    """The six lexicon scores of each text, as the tool computes them."""
    from tools.speech._sentiment_model import lexicon_features
    from tools.speech.sentiment import score_text

    return lexicon_features([score_text(t).model_dump() for t in texts])


# -- the model -------------------------------------------------------------------------
class LoRA(torch.nn.Module):
    """``base(x) + x A B``: a rank-``rank`` update of a frozen linear layer (B starts at 0)."""

    def __init__(self, base: torch.nn.Linear, rank: int):
        super().__init__()
        self.base = base
        self.a = torch.nn.Parameter(torch.randn(base.in_features, rank) * 0.01)
        self.b = torch.nn.Parameter(torch.zeros(rank, base.out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.a) @ self.b


def build(rank: int = RANK, seed: int = SEED):  # -> (encoder, tokenizer, head)
    """MiniLM with LoRA adapters on every linear layer (frozen base weights, trainable
    biases and layer norms) and a fresh head over the pooled vector and the lexicon scores."""
    from tokenizers import Tokenizer

    from tools._minilm import model_dir
    from tools._torch_env import without_broken_torchaudio

    with without_broken_torchaudio():
        from transformers import BertModel

    torch.manual_seed(seed)
    folder = model_dir()
    bert = BertModel.from_pretrained(str(folder), add_pooling_layer=False)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0)
    bert.requires_grad_(False)
    for layer in bert.encoder.layer:
        for path in _LINEARS:
            owner, _, name = path.rpartition(".")
            parent = layer.get_submodule(owner)
            setattr(parent, name, LoRA(getattr(parent, name), rank))
    for name, param in bert.named_parameters():
        if "LayerNorm" in name or name.endswith("bias"):
            param.requires_grad = True
    head = torch.nn.Linear(bert.config.hidden_size + 6, 1)
    return bert, tokenizer, head


def logits(model, texts: list[str], lexicon: np.ndarray, lex_mean: np.ndarray, lex_scale: np.ndarray):
    """The head's logits for ``texts`` (a torch tensor)."""
    bert, tokenizer, head = model
    encodings = tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in encodings])
    mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
    hidden = bert(input_ids=ids, attention_mask=mask).last_hidden_state
    pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    pooled = pooled / pooled.norm(dim=1, keepdim=True)
    lex = torch.tensor((lexicon - lex_mean) / lex_scale, dtype=torch.float32)
    return head(torch.cat([pooled * POOLED_SCALE, lex], dim=1)).squeeze(1)


def train(items: list[Item], lexicon: np.ndarray, epochs: float = EPOCHS, log=print):
    """A model fitted to ``items``; returns (model, lexicon mean, lexicon scale)."""
    model = build()
    bert, _, head = model
    params = [p for p in bert.parameters() if p.requires_grad] + list(head.parameters())
    lex_mean, lex_scale = lexicon.mean(axis=0), lexicon.std(axis=0) + 1e-6
    steps = max(1, math.ceil(len(items) / BATCH * epochs))
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, LEARNING_RATE, total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(SEED)
    labels = torch.tensor([float(item.positive) for item in items])
    bert.train()
    step = 0
    while step < steps:
        order = rng.permutation(len(items))
        for start in range(0, len(order), BATCH):
            if step == steps:
                break
            batch = order[start : start + BATCH]
            out = logits(model, [items[i].text for i in batch], lexicon[batch], lex_mean, lex_scale)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(out, labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            if step % 100 == 0 or step == steps:
                log(f"  step {step}/{steps}, loss {loss.item():.3f}")
    bert.eval()
    return model, lex_mean, lex_scale


def predict(trained, texts: list[str], lexicon: np.ndarray) -> np.ndarray:
    """P(positive) per text from a model :func:`train` made."""
    model, lex_mean, lex_scale = trained
    with torch.no_grad():
        return np.concatenate(
            [
                torch.sigmoid(
                    logits(model, texts[i : i + 128], lexicon[i : i + 128], lex_mean, lex_scale)
                ).numpy()
                for i in range(0, len(texts), 128)
            ]
        )


def export(trained) -> dict[str, np.ndarray]:
    """The arrays the tool loads: ``adapter/NAME`` (changed biases and layer norms under the
    encoder's own names, ``NAME.lora_a`` / ``NAME.lora_b`` for each adapted linear layer) and
    the head (``head_weights``, ``head_bias``, ``lexicon_mean``, ``lexicon_scale``)."""
    (bert, _, head), lex_mean, lex_scale = trained
    arrays: dict[str, np.ndarray] = {}
    for name, param in bert.named_parameters():
        if not param.requires_grad:
            continue
        value = param.detach().numpy()
        if name.endswith((".a", ".b")):
            key = f"{name[:-2]}.lora_{name[-1]}"
            arrays[f"adapter/{key}"] = value.astype(np.float16)
        else:
            arrays[f"adapter/{name.replace('.base.', '.')}"] = value.astype(np.float32)
    arrays["head_weights"] = head.weight.detach().numpy()[0].astype(np.float32)
    arrays["head_bias"] = np.float32(head.bias.item())
    arrays["lexicon_mean"] = lex_mean.astype(np.float32)
    arrays["lexicon_scale"] = lex_scale.astype(np.float32)
    arrays["pooled_scale"] = np.float32(POOLED_SCALE)
    return arrays


def accuracy(p: np.ndarray, positive: np.ndarray, lexicon: np.ndarray) -> float:
    """Share of items whose label (positive / negative; neutral counts wrong) matches, with
    the compound score the tool computes from P(positive) and the lexicon scores."""
    from tools.speech._sentiment_model import compound

    score = compound(p, lexicon)
    return float(np.mean(np.where(positive, score >= 0.05, score <= -0.05)))


# -- the command -----------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "data", type=Path, nargs="+", help="vaderSentiment-3.3.2.tar.gz [sentiment-5.0.2.tgz]"
    )
    parser.add_argument("--out", type=Path, required=True, help="the .npz to write")
    parser.add_argument("--epochs", type=float, default=EPOCHS, help=argparse.SUPPRESS)  # tests: fewer
    args = parser.parse_args(argv)

    items = training_items(args.data)
    sources = sorted({item.source for item in items})
    counts = {name: sum(item.source == name for item in items) for name in sources}
    print(f"training items: {', '.join(f'{n} {c}' for n, c in counts.items())}", flush=True)
    lexicon = lexicon_of([item.text for item in items])

    order = np.random.default_rng(SEED).permutation(len(items))
    dev = np.sort(order[: int(len(items) * DEV_SHARE)])
    fit = np.setdiff1d(order, dev)
    print(f"1/2: training on {len(fit)} items to measure the other {len(dev)}", flush=True)
    trained = train([items[i] for i in fit], lexicon[fit], args.epochs)
    p = predict(trained, [items[i].text for i in dev], lexicon[dev])
    positive = np.array([items[i].positive for i in dev])
    sources_dev = np.array([items[i].source for i in dev])
    scores = {
        name: accuracy(
            p[sources_dev == name], positive[sources_dev == name], lexicon[dev][sources_dev == name]
        )
        for name in sources
        if (sources_dev == name).any()
    }
    scores["all"] = accuracy(p, positive, lexicon[dev])
    print("held-out accuracy: " + "  ".join(f"{k} {v:.3f}" for k, v in scores.items()), flush=True)

    print(f"2/2: training on all {len(items)} items", flush=True)
    arrays = export(train(items, lexicon, args.epochs))
    meta = {
        "data": {name: {"items": counts[name]} for name in sources},
        "sources": [SOURCES["hutto"]] + ([SOURCES["uci"]] if len(args.data) > 1 else []),
        "model": f"all-MiniLM-L6-v2 with LoRA rank {RANK} on every linear layer, biases and layer norms "
        "trained; logistic head over the pooled vector and VADER/TextBlob scores",
        "training": {"epochs": args.epochs, "batch": BATCH, "learning_rate": LEARNING_RATE, "seed": SEED},
        "held_out_accuracy": scores,
        "held_out": f"{DEV_SHARE:.0%} of the training items, drawn with seed {SEED}; the shipped model "
        "then trained on all of them",
        "command": "python -m tools.speech.train_sentiment "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": _commit(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **arrays, meta=json.dumps(meta))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} kB)")


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
