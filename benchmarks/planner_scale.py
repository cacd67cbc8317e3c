"""Warm planning time as the catalog grows: Seal-Tools requests among N of its tools.

    .venv/bin/python benchmarks/planner_scale.py PATH/Seal-Tools_Dataset/test_out_domain.jsonl 100 300 1000 4076

Each size registers the tools the sampled requests need plus others drawn at random from
the split's catalog (all through the SDK, descriptions only), warms the planner on it, and
prints the CPU time of planning 60 requests not planned before (p50 and p95) and their
node F1.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.planners._corpora import held_out, load_corpus  # noqa: E402
from agent.planners.offline import OfflinePlanner  # noqa: E402
from tools import Registry  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("split", type=Path, help="a Seal-Tools split (tool.jsonl beside it)")
    parser.add_argument("sizes", nargs="+", type=int, help="catalog sizes to time")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    corpus = load_corpus(args.split)
    rng = random.Random(0)
    pool = [c for c in corpus.cases if held_out(c)]
    for size in args.sizes:
        # new requests for each size: their words are not in the encoder's memo yet
        cases = [pool.pop(rng.randrange(len(pool))) for _ in range(min(args.requests, len(pool)))]
        needed = sorted({t for c in cases for t in c.tools})
        others = rng.sample(sorted(set(corpus.specs) - set(needed)), max(0, size - len(needed)))
        registry = Registry(corpus.specs[name] for name in [*needed, *others])
        planner = OfflinePlanner()
        planner.catalog(registry)
        planner.plan("warm up", [], registry)
        cpu, f1 = [], []
        for case in cases:
            start = time.process_time()
            plan = planner.plan(case.request, [], registry)
            cpu.append(time.process_time() - start)
            got, want = Counter(s.tool for s in plan.steps), Counter(case.tools)
            hits = sum((got & want).values())
            f1.append(2 * hits / (sum(got.values()) + sum(want.values())) if got or want else 1.0)
        ms = sorted(1000 * t for t in cpu)
        print(
            f"{len(registry):5d} tools: warm CPU p50 {statistics.median(ms):.0f} ms, "
            f"p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms; node F1 {statistics.mean(f1):.3f} ({len(cases)} requests)"
        )


if __name__ == "__main__":
    main()
