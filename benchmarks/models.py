"""Speed and memory of each installed neural backend, on the CPU and on CUDA when there is one.

For every backend with an installed model (MusicGen for music_generate — and MusicGen-melody
following a tone melody — Whisper for transcribe, HTDemucs for music_separate, Kokoro for
text_to_speech) and every device, the tool is called through its spec as a plan step would be:
the first call loads the model (timed apart), the next ``--repeat`` calls are timed and their
median is reported as seconds of compute per second of audio made or heard (real-time
factor: below 1 is faster than real time). Memory: the process's peak resident set (it only
grows, so read it in the order printed) and, on CUDA, torch's peak allocation for the step.

``--tiny`` builds the tests' tiny random MusicGen (and -melody), Whisper, HTDemucs and Kokoro into a
temporary ``TROUPE_HOME`` and times them: the plumbing (loading, audio I/O, the utterance
cutter, generation loops, word alignment, overlap-added segments, phonemising), not the real
models' speed. Real figures need real weights: ``troupe models pull whisper-small`` /
``musicgen-small`` / ``htdemucs`` / ``kokoro-82m`` first. ``--only`` times one backend.

    .venv/bin/python benchmarks/models.py --tiny
    .venv/bin/python benchmarks/models.py --tiny --only htdemucs
    .venv/bin/python benchmarks/models.py --device cuda --repeat 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank."
MUSIC_S = 2.0
MIX_S = 10.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tiny", action="store_true", help="build and time the tests' tiny random models")
    p.add_argument(
        "--device", choices=["all", "cpu", "cuda"], default="all", help="default: cpu, and cuda if any"
    )
    p.add_argument("--repeat", type=int, default=3, help="timed calls per backend and device (default 3)")
    p.add_argument("--only", choices=["musicgen", "whisper", "htdemucs"], help="time this backend alone")
    args = p.parse_args()
    if args.tiny:
        os.environ["TROUPE_HOME"] = tempfile.mkdtemp(prefix="troupe-bench-")
        install_tiny_models(Path(os.environ["TROUPE_HOME"]), args.only)
    devices = pick_devices(args.device)
    inputs = Path(tempfile.mkdtemp(prefix="troupe-bench-inputs-"))
    speech = make_speech(inputs) if args.only in (None, "whisper") else None
    rows = []
    for backend, call in backends(speech, make_mix(inputs)).items():
        if args.only and not backend.startswith(args.only + " "):
            continue
        if call is None:
            print(f"{backend}: no model installed (troupe models pull …); skipped")
            continue
        for dev in devices:
            rows.append(measure(backend, dev, call, args.repeat))
    print_table(rows, tiny=args.tiny)


def install_tiny_models(home: Path, only: str | None = None) -> None:
    from agent.cli import main as troupe
    from tests.models import tiny_htdemucs, tiny_kokoro, tiny_musicgen, tiny_whisper

    build_dir = home / "build"
    tiny = (
        ("musicgen-small", tiny_musicgen.build),
        ("musicgen-melody", lambda folder: tiny_musicgen.build(folder, melody=True)),
        ("whisper-small", tiny_whisper.build),
        ("htdemucs", tiny_htdemucs.build), ("kokoro-82m", tiny_kokoro.build),
    )  # fmt: skip
    for name, build in tiny:
        if only and not name.startswith(only):
            continue
        folder = build(build_dir / name)
        with contextlib.redirect_stdout(io.StringIO()):  # its confirmation line is not a figure
            status = troupe(["models", "import", name, str(folder)])
        if status != 0:
            raise SystemExit(f"could not import the tiny {name}")


def pick_devices(choice: str) -> list[str]:
    import torch

    cuda = torch.cuda.is_available()
    if choice == "cuda" and not cuda:
        raise SystemExit("--device cuda: torch sees no CUDA GPU here")
    return {"cpu": ["cpu"], "cuda": ["cuda"], "all": ["cpu", "cuda"] if cuda else ["cpu"]}[choice]


def make_speech(folder: Path):
    """Two sentences of Piper speech with a pause between them (≈9 s)."""
    import numpy as np
    import soundfile as sf

    from tools import Audio, ToolContext
    from tools.speech import text_to_speech

    said = text_to_speech(SENTENCE, ctx=ToolContext(output_dir=folder / "tts", device="cpu"))
    y, sr = sf.read(said.path, dtype="float32")
    both = np.concatenate([y, np.zeros(sr, np.float32), y])
    sf.write(folder / "speech.wav", both, sr)
    return Audio(path=folder / "speech.wav", duration_s=len(both) / sr)


def make_mix(folder: Path):
    """Ten seconds of stereo 'music': a bass line, a vibrato tone and clicks, panned apart."""
    import numpy as np
    import soundfile as sf

    from tools import Audio

    sr = 44100
    t = np.arange(int(MIX_S * sr)) / sr
    tone = 0.15 * np.sin(2 * np.pi * 440 * t + 3 * np.sin(2 * np.pi * 5 * t))
    clicks = np.zeros_like(t)
    clicks[:: sr // 4] = 0.3
    bass = 0.2 * np.sin(2 * np.pi * 55 * t)
    sf.write(folder / "mix.wav", np.stack([bass + tone + clicks, bass + 0.5 * tone + 0.5 * clicks], 1), sr)
    return Audio(path=folder / "mix.wav", duration_s=MIX_S)


def backends(speech, mix) -> dict[str, Callable[[str, Path], float] | None]:
    """Each backend's timed call (device, output folder → seconds of audio), None if not installed."""
    from tools import ToolContext, get_spec
    from tools.music import _htdemucs, _musicgen
    from tools.music.generate import music_generate
    from tools.music.separate import music_separate
    from tools.speech import _kokoro, _whisper
    from tools.speech.recognition import transcribe
    from tools.speech.tts import text_to_speech

    def musicgen(dev: str, out: Path) -> float:
        args = {"description": "soft piano", "duration": MUSIC_S, "backend": "musicgen"}
        get_spec(music_generate).invoke(args, ToolContext(output_dir=out, device=dev))
        return MUSIC_S

    def musicgen_melody(dev: str, out: Path) -> float:
        args = {"description": "soft piano", "duration": MUSIC_S, "backend": "musicgen", "melody": mix}
        get_spec(music_generate).invoke(args, ToolContext(output_dir=out, device=dev))
        return MUSIC_S

    def whisper(dev: str, out: Path) -> float:
        args = {"audio": speech, "backend": "whisper", "language": "en"}
        get_spec(transcribe).invoke(args, ToolContext(output_dir=out, device=dev))
        return speech.duration_s

    def htdemucs(dev: str, out: Path) -> float:
        args = {"audio": mix, "backend": "htdemucs"}
        get_spec(music_separate).invoke(args, ToolContext(output_dir=out, device=dev))
        return MIX_S

    def kokoro(dev: str, out: Path) -> float:
        args = {"text": f"{SENTENCE} {SENTENCE}", "backend": "kokoro"}
        return get_spec(text_to_speech).invoke(args, ToolContext(output_dir=out, device=dev)).duration_s

    return {
        f"musicgen ({_name(_musicgen.best_model())})": musicgen if _musicgen.best_model() else None,
        f"musicgen ({_name(_musicgen.best_model(melody=True))}, with a melody)": (
            musicgen_melody if _musicgen.best_model(melody=True) else None
        ),
        f"whisper ({_name(_whisper.best_model())})": whisper if _whisper.best_model() else None,
        f"htdemucs ({_name(_htdemucs.best_model())})": htdemucs if _htdemucs.best_model() else None,
        f"kokoro ({_name(_kokoro.model())})": kokoro if _kokoro.model() else None,
    }


def _name(model) -> str:
    return model.entry.name if model else "-"


def measure(backend: str, dev: str, call: Callable[[str, Path], float], repeat: int) -> dict:
    import torch

    out = Path(tempfile.mkdtemp(prefix="troupe-bench-out-"))
    if dev == "cuda":
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    call(dev, out / "load")
    first_s = time.perf_counter() - start
    ratios = []
    for i in range(repeat):
        start = time.perf_counter()
        seconds = call(dev, out / str(i))
        ratios.append((time.perf_counter() - start) / seconds)
    rtf = statistics.median(ratios) if ratios else float("nan")
    return {
        "backend": backend,
        "device": dev,
        "first call s": f"{first_s:.2f}",
        "s per s of audio": f"{rtf:.3f}",
        "peak RSS MB": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}",
        "CUDA peak MB": f"{torch.cuda.max_memory_allocated() / 2**20:.0f}" if dev == "cuda" else "-",
    }


def print_table(rows: list[dict], tiny: bool) -> None:
    if not rows:
        print("nothing to time: no neural model is installed (try --tiny)")
        return
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in cols}
    if tiny:
        print("tiny random models: the plumbing's speed, not the real models'")
    print("  ".join(c.ljust(widths[c]) for c in cols).rstrip())
    print("  ".join("-" * widths[c] for c in cols))
    for r in rows:
        print("  ".join(r[c].ljust(widths[c]) for c in cols).rstrip())


if __name__ == "__main__":
    main()
