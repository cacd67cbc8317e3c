"""Text-to-speech speed and memory: real-time factor, first-audio latency and peak memory.

    python benchmarks/speech_tts.py [--repeats 3] [--long]

Target (issue 4): Piper RTF <= 0.2 on 2 CPU cores. RTF = synthesis seconds / audio seconds.
First-audio latency is the time from the call to the first sentence written to the file
(cold: includes loading the voice; warm: voice already loaded). CPU RTF (process CPU
seconds / audio seconds, all threads) is printed too: on a shared, loaded machine wall time
overstates the cost, and on an idle 2-core machine wall RTF lies between CPU RTF / 2 and CPU RTF.

Peak memory (issue 14): each text is spoken by a fresh process, which reports its peak
resident memory (ru_maxrss) and its memory once the voice is loaded; the difference is what
speaking the text cost. Texts: the paragraph; 13 kB of /etc/passwd-style lines (symbols read
out one by one: the worst case for Piper: issue 14 saw 3.9 GB); with --long, 100 000
characters of prose (the most one call takes; several minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import ToolContext
from tools.speech import text_to_speech

PARAGRAPH = (
    "For more than a hundred years, the old lighthouse stood at the edge of the cliff. "
    "Every night its lamp turned slowly, sweeping a beam of light across the dark water. "
    "Sailors far out at sea knew that the light meant rocks, and they steered away from the shore. "
    "When the keeper grew old, his granddaughter climbed the stairs to wind the clockwork. "
    "She learned the names of the ships and the moods of the weather. "
    "On stormy evenings she wrote letters by the glow of the lamp, and sent them with the morning boat. "
    "Years later, the lamp was replaced by an automatic light, and the tower fell quiet. "
    "Yet people still visit the cliff to watch the beam turn, as if it were keeping them company."
)


def run_once(text: str, voice: str, style: str = "neutral") -> tuple[float, float, float, float]:
    """(wall seconds, CPU seconds, audio seconds, seconds until the first sentence was written)."""
    first: list[float] = []
    start, cpu_start = time.perf_counter(), time.process_time()

    def on_progress(fraction: float, message: str | None) -> None:
        if message and message.startswith("sentence 1/") and not first:
            first.append(time.perf_counter() - start)

    ctx = ToolContext(output_dir=Path(tempfile.mkdtemp(prefix="tts-bench-")), on_progress=on_progress)
    audio = text_to_speech(text, voice=voice, style=style, ctx=ctx)
    return time.perf_counter() - start, time.process_time() - cpu_start, audio.duration_s, first[0]


def passwd_text(n_chars: int = 13_000) -> str:
    """Lines in /etc/passwd's format, like a real one but the same on every machine."""
    names = ["root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
             "www-data", "backup", "list", "irc", "nobody", "systemd-network", "messagebus", "sshd", "postgres"]  # fmt: skip
    lines, i = [], 0
    while sum(len(line) + 1 for line in lines) < n_chars:
        name = names[i % len(names)] + (str(i // len(names)) if i >= len(names) else "")
        lines.append(f"{name}:x:{i}:{i + 100}:{name.title()} Service,,,:/var/lib/{name}:/usr/sbin/nologin")
        i += 1
    return "\n".join(lines) + "\n"


MEMORY_TEXTS = {
    "paragraph": lambda: PARAGRAPH,
    "passwd-13kB": passwd_text,
    "prose-100k": lambda: (PARAGRAPH + " ") * (100_000 // (len(PARAGRAPH) + 1)),
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure_memory(name: str) -> None:
    """In a fresh process: speak one text, print JSON with the memory figures."""
    from tools.speech._piper import load_voice

    load_voice()
    loaded_mb = peak_mb()
    text = MEMORY_TEXTS[name]()
    wall, cpu, audio_s, _ = run_once(text, "joe")
    print(json.dumps({"chars": len(text), "loaded_mb": loaded_mb, "peak_mb": peak_mb(), "wall_s": wall,
                      "cpu_s": cpu, "audio_s": audio_s}))  # fmt: skip


def memory_report(names: list[str]) -> None:
    print("\npeak memory, one fresh process per text (voice loaded, then the text spoken):")
    for name in names:
        out = subprocess.run([sys.executable, __file__, "--memory-of", name], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"  {name}: failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  {name}: {m['chars']:,} characters, {m['audio_s'] / 60:.1f} min of speech in {m['wall_s']:.0f} s; "
            f"peak {m['peak_mb']:.0f} MB ({m['loaded_mb']:.0f} MB with the voice loaded, "
            f"+{m['peak_mb'] - m['loaded_mb']:.0f} MB speaking)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--long", action="store_true", help="also measure 100 000 characters of prose")
    parser.add_argument("--memory-only", action="store_true", help="skip the speed figures")
    parser.add_argument("--memory-of", choices=sorted(MEMORY_TEXTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_of:
        measure_memory(args.memory_of)
        return
    memory = ["paragraph", "passwd-13kB"] + (["prose-100k"] if args.long else [])
    if args.memory_only:
        memory_report(memory)
        return
    print(
        f"CPU cores visible: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}; text: {len(PARAGRAPH)} characters, 8 sentences"
    )

    for voice in ("joe", "espeak"):
        _, _, _, cold_first = run_once("Hello there.", voice)
        print(f"\n[{voice}] cold first call ('Hello there.'): first audio {cold_first * 1000:.0f} ms")
        rtfs, cpu_rtfs, firsts, durations = [], [], [], []
        for _ in range(args.repeats):
            wall, cpu, audio_s, first = run_once(PARAGRAPH, voice)
            rtfs.append(wall / audio_s)
            cpu_rtfs.append(cpu / audio_s)
            firsts.append(first)
            durations.append(audio_s)
        print(
            f"[{voice}] paragraph: audio {statistics.mean(durations):.1f} s, "
            f"wall RTF median {statistics.median(rtfs):.3f} (min {min(rtfs):.3f}, max {max(rtfs):.3f}), "
            f"CPU RTF median {statistics.median(cpu_rtfs):.3f}, "
            f"warm first-audio latency median {statistics.median(firsts) * 1000:.0f} ms"
        )
        if voice == "joe":
            for style in ("excited", "sad"):
                wall, cpu, audio_s, _ = run_once(PARAGRAPH, voice, style)
                print(f"[{voice}] style {style}: wall RTF {wall / audio_s:.3f}, CPU RTF {cpu / audio_s:.3f}")
    print("\ntarget: Piper RTF <= 0.2")
    memory_report(memory)


if __name__ == "__main__":
    main()
