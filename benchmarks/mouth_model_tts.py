"""Untimed-speech readers against exact timings, on held-out TTS sentences.

Run: ``.venv/bin/python benchmarks/mouth_model_tts.py [--n 30] [--skip 0] [--shares 0.5]``

Speaks the held-out sentences of ``tools.face.train_mouth`` (every tenth; never trained on)
with Piper and espeak-ng, clean and augmented as in training, and drives the mouth from the
exact phoneme timings (the reference), from the speech model, from pocketsphinx's phone
recognition, and from the two mixed frame by frame (the shipped behaviour, at each
``--shares`` value of the model's share). Figures, mean over sentences:

* r: Pearson r of each one's mouth-opening track (25 fps, ``build_track``, head motion 0)
  with the reference track;
* closed: share of the /p b m/ frames (exact timings) whose opening is below 0.1;
* round: mean lip width over /uw ow w/ frames minus over /iy ae/ frames (negative: the
  rounded vowels are rounder).

``--skip`` starts later in the held-out list, so a setting can be chosen on sentences that
the reported figures (the first ``--n``) do not use.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

FPS = 25
ROUNDED = {"uː", "u", "oʊ", "o", "w", "UW", "OW", "W"}
SPREAD = {"iː", "i", "æ", "IY", "AE"}


def main() -> None:
    from tools import Audio
    from tools._media import write_wav
    from tools.face import _coarticulation, _cues
    from tools.face._mouth_data import augment, sentences, speak
    from tools.face._mouth_model import SR
    from tools.face.train_mouth import HELD_OUT_EVERY, SEED

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="held-out sentences to speak")
    parser.add_argument("--skip", type=int, default=0, help="held-out sentences to pass over first")
    parser.add_argument("--shares", type=float, nargs="+", default=[_coarticulation.MODEL_SHARE],
                        help="the model's shares of the mix to measure")  # fmt: skip
    parser.add_argument("--total", type=int, default=1800, help="--n-sentences of the training data")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mouth-tts-"))
    texts = list(sentences(args.total, SEED))
    held_out = [i for i in range(args.total) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1]
    results: dict[str, list[tuple[float, float, float]]] = {}
    for i in held_out[args.skip : args.skip + args.n]:
        rng = np.random.default_rng([SEED, i, 1])
        voice = "espeak" if i % 3 == 2 else "piper"
        audio, phonemes = speak(texts[i], rng, voice == "espeak")
        for kind in ("clean", "augmented"):
            y, ph = (audio, phonemes) if kind == "clean" else augment(audio, phonemes, rng)
            wav = write_wav(work / f"{i}_{kind}.wav", y, SR)
            loud, duration_s, _ = _cues.loudness_envelope(wav, FPS)
            timed = [{"phoneme": p, "start_s": a, "end_s": b} for p, a, b in ph]

            def track(phones, visemes, loud=loud, duration_s=duration_s):
                return _track(_cues.SpeechCues(FPS, duration_s, loud, phones, "x", visemes=visemes))

            reference = track(timed, None)[0]
            model = _cues._from_model(Audio(path=wav))
            phones = _cues._from_recognition(Audio(path=wav))
            tracks = {"timings": track(timed, None), "speech model": track(None, model),
                      "phone recognition": track(phones, None)}  # fmt: skip
            for share in args.shares:
                _coarticulation.MODEL_SHARE = share
                tracks[f"mixed, model share {share:.2f}"] = track(phones, model)
            for name, (open_, width) in tracks.items():
                r = float(np.corrcoef(open_, reference)[0, 1])
                closed, rounding = _lips(open_, width, timed)
                results.setdefault(f"{voice} {kind}: {name}", []).append((r, closed, rounding))
    for key, values in sorted(results.items()):
        r, closed, rounding = np.nanmean(np.array(values), axis=0)
        print(f"{key:52s} r = {r:.2f}  closed {closed:.2f}  round {rounding:+.2f}  ({len(values)} sentences)")


def _track(cues) -> tuple[np.ndarray, np.ndarray]:
    from tools.face._track import EMOTIONS, build_track

    t = build_track(cues, EMOTIONS["neutral"], 0.0, rest_open=0.0)
    return t.open.astype(float), t.width.astype(float)


def _lips(open_: np.ndarray, width: np.ndarray, timed: list[dict]) -> tuple[float, float]:
    from tools.face._anim_metrics import frames_of
    from tools.face._visemes import viseme_for

    def mask(keep) -> np.ndarray:
        return frames_of(timed, open_.size, FPS, keep)

    bilabial = mask(lambda p: viseme_for(p).name == "PP")
    rounded = mask(lambda p: p.strip("ˈˌː") in ROUNDED or p in ROUNDED)
    spread = mask(lambda p: p.strip("ˈˌː") in SPREAD or p in SPREAD)
    closed = float(np.mean(open_[bilabial] < 0.1)) if bilabial.any() else np.nan
    rounding = (
        float(width[rounded].mean() - width[spread].mean()) if rounded.any() and spread.any() else np.nan
    )
    return closed, rounding


if __name__ == "__main__":
    main()
