"""Score a planner on requests with known plans, the way TaskBench scores tool graphs.

    .venv/bin/python benchmarks/planner.py ../shared/data/planner_dev.jsonl
    .venv/bin/python benchmarks/planner.py benchmarks/planner_sets/users_a.jsonl --registry standins
    .venv/bin/python benchmarks/planner.py PATH/taskbench/data_huggingface       # a foreign catalog
    .venv/bin/python benchmarks/planner.py PATH/Seal-Tools_Dataset/test_out_domain.jsonl --limit 300
    .venv/bin/python benchmarks/planner.py DATA.jsonl --planner openai --cli 0

DATA is a Troupe request set (``{"request", "files", "tools", "edges"}`` per line, planned
with the installed tools), a TaskBench domain folder or a Seal-Tools split: anything
``agent.planners._corpora.load_corpus`` reads. A foreign data set's tools are registered
through the SDK from their descriptions alone (no ``examples=``), and TaskBench cases that
the training command learns from are skipped. Placeholder files of the right types are made
in a temporary folder (a real WAV, PNG, JPEG, MIDI…), so file kinds are sniffed exactly as
for a user.

Printed: mean node F1 (multiset of tool names), mean edge F1 (set of tool pairs), exact
matches, the share of plans that pass validation, warm in-process planning latency, and
the median wall time of a cold ``troupe plan … --json`` on the command line.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import wave
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "planners")]

from agent import PlanError, UserFiles, get_planner, validate_plan  # noqa: E402
from agent.planners._corpora import Case, Corpus, held_out, load_corpus  # noqa: E402
from tools import Registry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "data", nargs="+", type=Path, help="request sets, TaskBench folders or Seal-Tools splits"
    )
    parser.add_argument("--planner", default="offline", help="offline (default) or openai")
    parser.add_argument(
        "--registry",
        choices=("default", "standins"),
        default="default",
        help="for Troupe request sets: the installed tools (default) or the stand-ins of tests/planners",
    )
    parser.add_argument("--limit", type=int, default=0, help="score a seeded sample of this many cases")
    parser.add_argument("--cli", type=int, default=5, help="time this many cold `troupe plan` runs (0: none)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every plan that misses")
    args = parser.parse_args()

    planner = get_planner(args.planner)
    scores, latencies, cpu = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpora = [_corpus(path, args.registry) for path in args.data]
        cases = [(c, case) for c in corpora for case in c.cases if held_out(case)]
        if args.limit and len(cases) > args.limit:
            cases = random.Random(0).sample(cases, args.limit)
        planner.plan("warm up", [], corpora[0].registry())  # loads the model: latency below is warm
        registries: dict[tuple, Registry] = {}
        for corpus, case in cases:
            key = (corpus.name, tuple(case.catalog or ()))
            if key not in registries:
                registries[key] = corpus.registry(case)
                if hasattr(planner, "catalog"):
                    planner.catalog(registries[key])  # embed a new catalog's tools before timing
            registry = registries[key]
            files = [make_placeholder(folder / name) for name in case.files]
            start, start_cpu = time.perf_counter(), time.process_time()
            plan = planner.plan(case.request, files, registry)
            latencies.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            score = score_plan(plan, case, registry, files)
            scores.append(score)
            if args.verbose and not score["exact"]:
                print(f"MISS {case.request}\n  want {sorted(case.tools)} {sorted(map(tuple, case.edges))}")
                print("  got  " + ("; ".join(f"{s.id}={s.tool}({s.args})" for s in plan.steps) or "(empty)"))
        rows = [case for corpus, case in cases if corpus.name not in FOREIGN_PREFIXES]
        cli = (
            _cli_latencies(rows[: args.cli], folder, args) if args.cli and args.registry == "default" else []
        )

    n = len(scores)
    print(f"data: {', '.join(map(str, args.data))}  ({n} requests)")
    tools = ", ".join(f"{c.name}: {len(c.specs)} tools" for c in corpora)
    print(f"planner: {args.planner}   catalog: {tools}")
    print(f"node F1:        {statistics.mean(s['node_f1'] for s in scores):.3f}  (mean per request)")
    print(
        f"edge F1:        {statistics.mean(s['edge_f1'] for s in scores):.3f}  (mean per request; 1 when none expected or given)"
    )
    print(
        f"TaskBench F1:   node {_micro(scores, 'nodes'):.3f}, edge {_micro(scores, 'edges'):.3f}  (micro over tool and link sets, as TaskBench's evaluate.py)"
    )
    print(f"exact plans:    {sum(s['exact'] for s in scores)}/{n}")
    print(f"valid plans:    {sum(s['valid'] for s in scores)}/{n}")
    ms, cpu_ms, p95 = sorted(1000 * t for t in latencies), sorted(1000 * t for t in cpu), int(0.95 * (n - 1))
    print(f"warm latency:   p50 {statistics.median(ms):.0f} ms, p95 {ms[p95]:.0f} ms wall (in process)")
    print(f"warm CPU time:  p50 {statistics.median(cpu_ms):.0f} ms, p95 {cpu_ms[p95]:.0f} ms")
    print(f"machine load:   {os.getloadavg()[0]:.1f} (1-minute average on {os.cpu_count()} CPUs)")
    if cli:
        print(
            f"troupe plan:    median {statistics.median(cli):.2f} s cold from the command line ({len(cli)} runs)"
        )


FOREIGN_PREFIXES = ("taskbench-", "seal-")


def _corpus(path: Path, registry: str) -> Corpus:
    corpus = load_corpus(path)
    if registry == "standins" and not corpus.name.startswith(FOREIGN_PREFIXES):
        from planner_standins import standin_registry

        corpus.specs = {spec.name: spec for spec in standin_registry()}
    return corpus


def score_plan(plan, case: Case, registry: Registry, files: list[Path]) -> dict:
    """Node F1, edge F1, exact match and validity of one plan against the expected graph."""
    got_nodes = Counter(step.tool for step in plan.steps)
    want_nodes = Counter(case.tools)
    got_edges = {(plan.step(dep).tool, step.tool) for step in plan.steps for dep in step.dependencies()}
    want_edges = {tuple(edge) for edge in case.edges}
    try:
        validate_plan(plan, registry, UserFiles(files))
        valid = True
    except PlanError:
        valid = False
    return {
        "nodes": (set(got_nodes), set(want_nodes)),
        "edges": (got_edges, want_edges),
        "node_f1": _f1(
            sum((got_nodes & want_nodes).values()), sum(got_nodes.values()), sum(want_nodes.values())
        ),
        "edge_f1": _f1(len(got_edges & want_edges), len(got_edges), len(want_edges)),
        "exact": got_nodes == want_nodes and got_edges == want_edges,
        "valid": valid,
    }


def _micro(scores: list[dict], key: str) -> float:
    """F1 over every request's items pooled, each request counting its tool (or link) set once."""
    hits = sum(len(got & want) for got, want in (s[key] for s in scores))
    n_got = sum(len(got) for got, _ in (s[key] for s in scores))
    n_want = sum(len(want) for _, want in (s[key] for s in scores))
    return _f1(hits, n_got, n_want)


def _f1(hits: int, n_got: int, n_want: int) -> float:
    if n_got == 0 and n_want == 0:
        return 1.0  # nothing expected, nothing given: right
    if hits == 0:
        return 0.0
    precision, recall = hits / n_got, hits / n_want
    return 2 * precision * recall / (precision + recall)


def _cli_latencies(rows: list[Case], folder: Path, args: argparse.Namespace) -> list[float]:
    troupe = Path(sys.executable).with_name("troupe")
    times = []
    for row in rows:
        command = [str(troupe), "plan", row.request, "--json", "--planner", args.planner]
        for name in row.files:
            command += ["-f", str(folder / name)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        times.append(time.perf_counter() - start)
    return times


# -- placeholder files of real types -------------------------------------------------------
def make_placeholder(path: Path) -> Path:
    """Write a small, real file of the kind its extension names (one second of a tone for audio)."""
    suffix = path.suffix.lower()
    if suffix in (".wav", ".mp3", ".flac", ".ogg", ".m4a"):
        path.write_bytes(_wav_bytes() if suffix == ".wav" else _encoded_audio(suffix))
    elif suffix in (".png", ".jpg", ".jpeg"):
        from PIL import Image

        Image.new("RGB", (64, 64), (128, 110, 100)).save(path)
    elif suffix in (".mid", ".midi"):
        path.write_bytes(_midi_bytes())
    elif suffix in (".mp4", ".mov", ".avi"):
        path.write_bytes(_video_bytes(suffix))
    elif suffix == ".json":
        path.write_text('{"placeholder": true}')
    elif suffix == ".bvh":
        path.write_text(_BVH)
    elif suffix == ".glb":
        path.write_bytes(b"glTF" + struct.pack("<II", 2, 12))  # a binary glTF header: no kind Troupe reads
    else:
        path.write_text("A placeholder text for the planner benchmark.\n")
    return path


_BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 3 Xrotation Yrotation Zrotation
  End Site
  {
    OFFSET 0 10 0
  }
}
MOTION
Frames: 1
Frame Time: 0.033333
0 0 0
"""


def _wav_bytes(seconds: float = 1.0, sr: int = 16000) -> bytes:
    import math

    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * i / sr))) for i in range(int(seconds * sr))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(frames)
    return buffer.getvalue()


def _encoded_audio(suffix: str) -> bytes:
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.wav", Path(tmp) / f"out{suffix}"
        source.write_bytes(_wav_bytes())
        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        subprocess.run([ffmpeg, "-loglevel", "error", "-i", str(source), str(target)], check=True)
        return target.read_bytes()


def _video_bytes(suffix: str) -> bytes:
    """One second of a grey picture with a tone, encoded by ffmpeg (a real, probe-able video)."""
    import imageio_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"clip{suffix}"
        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        subprocess.run(
            [ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "color=c=gray:s=64x64:d=1", "-f", "lavfi",
             "-i", "sine=frequency=220:duration=1", "-shortest", "-pix_fmt", "yuv420p", str(target)],
            check=True,
        )  # fmt: skip
        return target.read_bytes()


def _midi_bytes() -> bytes:
    """A one-track Standard MIDI File playing middle C for one beat."""
    events = bytes([0x00, 0x90, 60, 100, 0x83, 0x60, 0x80, 60, 0, 0x00, 0xFF, 0x2F, 0x00])
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)
    return header + b"MTrk" + struct.pack(">I", len(events)) + events


if __name__ == "__main__":
    main()
