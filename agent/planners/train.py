"""Train the offline planner's tool-relevance model on public multi-tool data.

    .venv/bin/python -m agent.planners.train \\
        Seal-Tools/Seal-Tools_Dataset/dev.jsonl Seal-Tools/Seal-Tools_Dataset/test_in_domain.jsonl \\
        JARVIS/taskbench/data_huggingface JARVIS/taskbench/data_dailylifeapis \\
        benchmarks/planner_sets/train.jsonl --members 3 --out agent/planners/relevance.npz

Each DATA is anything :func:`agent.planners._corpora.load_corpus` reads: a Seal-Tools split,
a TaskBench domain folder (only the cases the benchmarks do not score), or a Troupe request
set. The model (see :mod:`agent.planners._relevance`) is a projection of the MiniLM sentence
embeddings plus linear layers over the relevance features; it learns, for every clause,
which of the catalog's tools it asks for, or none. One case in ten is kept apart to
choose the number of epochs and to print honest figures; the weights file records the data
sets, the command, the commit and those figures. With ``--members N`` it trains N models from
seeds SEED … SEED+N-1 and ships them together; the planner takes the mean of their
probabilities, which moves less with the seed than any one of them. Needs torch (the
``music`` extra has it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._relevance import Relevance

# -- configuration -------------------------------------------------------------------------------
EPOCHS = 15
BATCH = 32  # cases per step
LEARNING_RATE = 3e-3
HEAD_RATE = 1.0  # the learning rate of every weight but the projection, as a multiple of LEARNING_RATE
HIDDEN = 16  # units of the hidden layer over the relevance features
IDENTITY_PULL = 1e-3  # L2 pull of the projection towards the identity: MiniLM's geometry is a good start
ABLATION = 0.2  # share of cases trained with one expected tool removed from the catalog (learn "none")
VALIDATION = 0.1
SEED = 0
#: Examples kept on disk between runs (one file per data set, seed and version of the reading
#: code), the least recently used removed past this size: a three-member run of the shipped
#: command needs about 2 GB.
CACHE_BYTES = 6 << 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "data", nargs="+", type=Path, help="Seal-Tools splits, TaskBench folders, request sets"
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write the weights (.npz)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--members", type=int, default=1,
        help="train this many models, from seeds SEED, SEED+1, …, and ship their mean",
    )  # fmt: skip
    parser.add_argument(
        "--head-rate", type=float, default=HEAD_RATE,
        help="learning rate of the weights over the features, as a multiple of the projection's",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error("--members must be at least 1")
    if not args.head_rate > 0:
        parser.error("--head-rate must be above 0 (1 trains every weight at the same rate)")

    from ._relevance import FEATURES, NONE_FEATURES, Ensemble

    members, figures = [], []
    for seed in range(args.seed, args.seed + args.members):
        if args.members > 1:
            print(f"-- member seed {seed}", flush=True)
        model, sources = _train(args.data, args.epochs, seed, args.head_rate)
        members.append(model)
        figures.append(model.meta["validation"])
    meta = {
        "trained": True,
        "data": sources,
        "command": "python -m agent.planners.train " + " ".join(sys.argv[1:] if argv is None else argv),
        "commit": _commit(),
        "validation": figures[0] if args.members == 1 else figures,
        "features": [*FEATURES, *NONE_FEATURES],
    }
    weights = members[0] if args.members == 1 else Ensemble(members)
    weights.meta = meta
    args.out.parent.mkdir(parents=True, exist_ok=True)
    weights.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


def _train(
    data: list[Path], epochs: int, seed: int, head_rate: float = HEAD_RATE
) -> tuple[Relevance, list[dict]]:
    """One model trained from ``seed`` (its validation figures in its meta), and the data sets.
    The projection (384 × 384) learns at ``LEARNING_RATE``; the few weights over the features
    at ``head_rate`` times that (with one rate, they hardly leave their hand-set start before
    the validation loss turns: docs/planners.md)."""
    import torch

    from tools._minilm import encoder

    from ._corpora import held_out, load_corpus
    from ._relevance import Relevance
    from ._trainset import examples

    torch.manual_seed(seed)
    torch.set_num_threads(1)  # the tensors are small: one thread beats several that wait on each other
    rng = np.random.default_rng(seed)
    model_encoder = encoder()
    train, valid, sources = [], [], []
    for path in data:
        start = time.perf_counter()
        corpus = load_corpus(path)
        cases = [c for c in corpus.cases if not (c.source.startswith("taskbench-") and held_out(c))]
        found = _cached(path, corpus, seed, examples, corpus, cases, model_encoder)
        order = rng.permutation(len(found))
        cut = max(1, int(VALIDATION * len(found)))
        valid += [found[i] for i in order[:cut]]
        train += [(found[i], 1.0 / (len(found) - cut)) for i in order[cut:]]
        sources.append(
            {"path": str(path), "corpus": corpus.name, "cases": len(found), "licence": corpus.licence}
        )
        print(f"{corpus.name}: {len(found)} cases ({time.perf_counter() - start:.0f} s)", flush=True)

    # every data set weighs the same, whatever its size: a few hundred chatty requests count
    # as much as Seal-Tools' thousands of terse ones
    train = [(ex, weight * len(train) / len(data)) for ex, weight in train]
    net = _Net(model_encoder.dim)
    head = [p for p in net.parameters() if p is not net.projection]
    optimiser = torch.optim.Adam(
        [{"params": [net.projection]}, {"params": head, "lr": LEARNING_RATE * head_rate}], lr=LEARNING_RATE
    )
    best_loss, best_state = float("inf"), None
    for epoch in range(epochs):
        order = rng.permutation(len(train))
        total = 0.0
        for start in range(0, len(order), BATCH):
            batch = [train[i] for i in order[start : start + BATCH]]
            loss = sum(w * net.loss(ex, _dropped(ex, rng)) for ex, w in batch) / len(batch) + net.pull()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        valid_loss = _validation_loss(net, valid)
        print(
            f"epoch {epoch + 1:2d}  train loss {total / len(train):.4f}  valid loss {valid_loss:.4f}",
            flush=True,
        )
        if valid_loss < best_loss:
            best_loss, best_state = valid_loss, net.state()

    net.restore(best_state)
    figures = _figures(net, valid)
    print("validation:", json.dumps(figures))
    model = Relevance(
        projection=best_state["projection"].numpy(),
        weights=best_state["weights"].numpy(),
        none_weights=best_state["none_weights"].numpy(),
        none_bias=float(best_state["none_bias"]),
        hidden=best_state["hidden"].numpy(),
        hidden_bias=best_state["hidden_bias"].numpy(),
        hidden_out=best_state["hidden_out"].numpy(),
        meta={"validation": figures},
    )
    return model, sources


class _Net:
    """The relevance model in torch: the same arithmetic as ``Relevance.probabilities``."""

    def __init__(self, dim: int):
        import torch

        from ._relevance import FEATURES, NONE_FEATURES, PRIOR, PRIOR_NONE_BIAS

        self.torch = torch
        self.projection = torch.nn.Parameter(torch.eye(dim))
        self.weights = torch.nn.Parameter(torch.tensor([PRIOR.get(n, 0.0) for n in FEATURES]))
        self.none_weights = torch.nn.Parameter(torch.zeros(len(NONE_FEATURES)))
        self.none_bias = torch.nn.Parameter(torch.tensor(PRIOR_NONE_BIAS))
        # the hidden layer starts silent (zero output weights): training begins from the linear model
        self.hidden = torch.nn.Parameter(0.1 * torch.randn(len(FEATURES), HIDDEN))
        self.hidden_bias = torch.nn.Parameter(torch.zeros(HIDDEN))
        self.hidden_out = torch.nn.Parameter(torch.zeros(HIDDEN))

    def parameters(self) -> list:
        return [self.projection, self.weights, self.none_weights, self.none_bias, self.hidden, self.hidden_bias,
                self.hidden_out]  # fmt: skip

    def state(self) -> dict:
        return {n: p.detach().clone() for n, p in zip(_PARAMS, self.parameters(), strict=True)}

    def restore(self, state: dict) -> None:
        with self.torch.no_grad():
            for name, param in zip(_PARAMS, self.parameters(), strict=True):
                param.copy_(state[name])

    def pull(self):
        eye = self.torch.eye(self.projection.shape[0])
        return IDENTITY_PULL * ((self.projection - eye) ** 2).sum()

    def logits(self, ex, keep):
        """(clauses, kept tools + 1): the tools' logits, then none's."""
        torch = self.torch
        from ._catalog import DETAIL, EXAMPLE, SUMMARY

        def project(v):
            return torch.nn.functional.normalize(torch.from_numpy(v) @ self.projection, dim=-1)

        sims = project(ex.clause_vectors) @ project(ex.text_vectors).T  # (clauses, texts)
        sizes = np.diff([*ex.starts, len(ex.text_kinds)])
        owners = torch.from_numpy(np.repeat(np.arange(len(ex.starts)), sizes)).expand(sims.shape[0], -1)
        kinds = torch.from_numpy(ex.text_kinds.astype(np.int64))
        low = torch.full_like(sims, -1.0)

        def best(kind):
            values = torch.where(kinds == kind, sims, low)
            out = torch.full((sims.shape[0], len(ex.starts)), -1.0)
            return out.scatter_reduce(1, owners, values, reduce="amax", include_self=True)[:, keep]

        summary, example, detail = best(SUMMARY), best(EXAMPLE), best(DETAIL)
        example = torch.where(example > -1.0, example, summary)
        detail = torch.where(detail > -1.0, detail, summary)
        top = torch.maximum(summary, example)
        learned = torch.stack([summary, example, detail, top - top.max(dim=1, keepdim=True).values], dim=-1)
        fixed = torch.from_numpy(ex.fixed[:, keep, :]).clone()
        raw_top = torch.maximum(fixed[:, :, 0], fixed[:, :, 1])
        best_raw = torch.maximum(raw_top.max(dim=1).values, torch.from_numpy(ex.outside[:, 0]))
        fixed[:, :, 3] = raw_top - best_raw[:, None]  # the gap over the catalog as trained
        best_lexical = torch.maximum(fixed[:, :, 5].max(dim=1).values, torch.from_numpy(ex.outside[:, 1]))
        none_features = torch.cat(
            [torch.stack([top.max(dim=1).values, best_raw, best_lexical], dim=1), torch.from_numpy(ex.facts)],
            dim=1,
        )
        features = torch.cat([learned, fixed], dim=-1)
        tools = (
            features @ self.weights + torch.relu(features @ self.hidden + self.hidden_bias) @ self.hidden_out
        )
        none = none_features @ self.none_weights + self.none_bias
        return torch.cat([tools, none[:, None]], dim=1)

    def loss(self, ex, keep):
        """Cross-entropy of the expected choice per clause (any of its tools, or none)."""
        torch = self.torch
        log_p = torch.log_softmax(self.logits(ex, keep), dim=1)
        labels = torch.from_numpy(ex.labels[:, keep])
        wanted = torch.cat([labels, (labels.sum(dim=1, keepdim=True) == 0).float()], dim=1)
        return -(torch.logsumexp(log_p + torch.log(wanted.clamp_min(1e-30)), dim=1)).mean()


_PARAMS = ("projection", "weights", "none_weights", "none_bias", "hidden", "hidden_bias", "hidden_out")


def _dropped(ex, rng: np.random.Generator) -> np.ndarray:
    """Candidate columns to keep; sometimes without one expected tool, so that a clause whose
    tool is missing learns to ask for none."""
    keep = np.ones(ex.labels.shape[1], dtype=bool)
    if ex.positives and rng.random() < ABLATION:
        keep[rng.choice(ex.positives)] = False
    return keep


def _validation_loss(net: _Net, valid: list) -> float:
    import torch

    with torch.no_grad():
        losses = [net.loss(ex, np.ones(ex.labels.shape[1], dtype=bool)) for ex in valid]
        return float(sum(losses) / max(len(losses), 1))


def _figures(net: _Net, valid: list) -> dict:
    """Per-request tool sets (each clause's most likely choice) on the validation cases."""
    import torch

    hits = got = want = exact = 0
    with torch.no_grad():
        for ex in valid:
            keep = np.ones(ex.labels.shape[1], dtype=bool)
            choice = net.logits(ex, keep).argmax(dim=1).numpy()
            chosen = {int(c) for c in choice if c < ex.labels.shape[1]}
            expected = set(np.flatnonzero(ex.labels.max(axis=0) > 0))
            hits, got, want = hits + len(chosen & expected), got + len(chosen), want + len(expected)
            exact += chosen == expected
    precision, recall = hits / max(got, 1), hits / max(want, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"cases": len(valid), "tool_precision": round(precision, 3), "tool_recall": round(recall, 3),
            "tool_f1": round(f1, 3), "exact_tool_sets": exact}  # fmt: skip


def _cached(path: Path, corpus, seed: int, make, *args) -> list:
    """Examples of one data set, kept on disk between runs until the data, its tools' texts
    or the reading code change."""
    import hashlib
    import pickle

    from .._store import troupe_home

    code = Path(__file__).parent
    from ._catalog import tool_texts

    parts = [str(path.resolve()), str(seed)]
    parts += [f"{name}:{tool_texts(spec)}" for name, spec in sorted(corpus.specs.items())]
    for data in sorted(path.rglob("*")) if path.is_dir() else [path]:
        stat = data.stat()
        parts.append(f"{data.name}:{stat.st_size}:{stat.st_mtime_ns}")
    sources = [
        code / n for n in ("_catalog.py", "_corpora.py", "_relevance.py", "_request.py", "_trainset.py")
    ]
    for source in [*sources, code.parents[1] / "tools" / "_minilm.py"]:
        parts.append(hashlib.sha256(source.read_bytes()).hexdigest())
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]
    file = troupe_home() / "cache" / "planner" / f"train-{key}.pkl"
    if file.is_file():
        file.touch()  # used: the last to go
        return pickle.loads(file.read_bytes())
    found = make(*args, seed=seed)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(pickle.dumps(found))
    _prune(file.parent, CACHE_BYTES)
    return found


def _prune(folder: Path, limit: int) -> None:
    """Remove the least recently used cached example files until those left fit in ``limit``
    bytes (the newest always stays)."""
    files = sorted(folder.glob("train-*.pkl"), key=lambda f: f.stat().st_mtime, reverse=True)
    total = 0
    for i, file in enumerate(files):
        total += file.stat().st_size
        if i and total > limit:
            file.unlink(missing_ok=True)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
