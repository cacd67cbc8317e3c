"""The audio-to-mouth model against phone recognition, on held-out TTS sentences.

Run: ``.venv/bin/python benchmarks/mouth_model_tts.py [--n 30]``

Speaks the held-out sentences of ``tools.face.train_mouth`` (every tenth; never trained on)
with Piper and espeak-ng, clean and augmented as in training, and drives the mouth three
ways: from the exact phoneme timings (the reference), from the speech model, and from
pocketsphinx's phone recognition. Figure: Pearson r of each one's mouth-opening track
(25 fps, ``build_track``, head motion 0) with the reference track, mean over sentences.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

FPS = 25


def main() -> None:
    from tools import Audio
    from tools._media import write_wav
    from tools.face import _cues
    from tools.face._mouth_data import augment, sentences, speak
    from tools.face._mouth_model import SR
    from tools.face._track import EMOTIONS, build_track
    from tools.face.train_mouth import HELD_OUT_EVERY, SEED

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="held-out sentences to speak")
    parser.add_argument("--total", type=int, default=1800, help="--n-sentences of the training data")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mouth-tts-"))
    texts = list(sentences(args.total, SEED))
    held_out = [i for i in range(args.total) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1][: args.n]
    results: dict[str, list[float]] = {}
    for i in held_out:
        rng = np.random.default_rng([SEED, i, 1])
        voice = "espeak" if i % 3 == 2 else "piper"
        audio, phonemes = speak(texts[i], rng, voice == "espeak")
        for kind in ("clean", "augmented"):
            y, ph = (audio, phonemes) if kind == "clean" else augment(audio, phonemes, rng)
            wav = write_wav(work / f"{i}_{kind}.wav", y, SR)
            loud, duration_s, _ = _cues.loudness_envelope(wav, FPS)
            timed = [{"phoneme": p, "start_s": a, "end_s": b} for p, a, b in ph]
            reference = _open(
                _cues.SpeechCues(FPS, duration_s, loud, timed, "timings"), EMOTIONS, build_track
            )
            model = _cues._from_model(Audio(path=wav))
            ours = _open(
                _cues.SpeechCues(FPS, duration_s, loud, None, "model", visemes=model), EMOTIONS, build_track
            )
            phones = _cues._from_recognition(Audio(path=wav))
            sphinx = _open(_cues.SpeechCues(FPS, duration_s, loud, phones, "phones"), EMOTIONS, build_track)
            for name, track in (("speech model", ours), ("phone recognition", sphinx)):
                r = float(np.corrcoef(track, reference)[0, 1])
                results.setdefault(f"{voice} {kind}: {name}", []).append(r)
    for key, values in sorted(results.items()):
        print(
            f"{key:40s} r = {np.mean(values):.2f} (median {np.median(values):.2f}, {len(values)} sentences)"
        )


def _open(cues, emotions, build_track) -> np.ndarray:
    return build_track(cues, emotions["neutral"], 0.0, rest_open=0.0).open.astype(float)


if __name__ == "__main__":
    main()
