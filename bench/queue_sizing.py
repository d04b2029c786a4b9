"""Sizing many intervals with Erlang C (and a smaller batch with Erlang A).

    python bench/queue_sizing.py [--intervals 10000] [--runs 5]

Arrival rates drawn (seeded) between 20 and 3,000 per hour, handling time 240 s, target 80% in
20 s, occupancy at most 85%. Reports the median time over runs and the ratio to a reference
measured in the same run (numpy evaluating the Erlang C formula once for the sized agents, i.e.
the cost of checking the answer). Writes bench/out/queue_sizing.csv.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from _common import OUT, write_csv


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--intervals", type=int, default=10_000)
    ap.add_argument("--erlang-a-intervals", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=OUT / "queue_sizing.csv")
    args = ap.parse_args()

    import numpy as np

    from servopt.optimizer.staffing.queueing import erlang_c, size_agents

    rng = np.random.default_rng(7)
    lam = rng.uniform(20, 3000, args.intervals)
    rows = []
    times, refs = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        out = size_agents(lam, 240.0, target_sl=0.8, target_s=20, max_occupancy=0.85)
        times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        erlang_c(out.agents, lam, 240.0, 20)
        refs.append(time.perf_counter() - t0)
    assert (out.figures.service_level >= 0.8).all()
    med, ref = statistics.median(times), statistics.median(refs)
    rows.append(
        {
            "model": "erlang-c",
            "intervals": args.intervals,
            "runs": args.runs,
            "median_s": round(med, 4),
            "max_s": round(max(times), 4),
            "ratio_to_one_evaluation": round(med / ref, 2),
            "max_agents": int(out.agents.max()),
        }
    )
    print(
        f"erlang-c: {args.intervals} intervals sized in median {med:.3f} s (max "
        f"{max(times):.3f} s, {args.runs} runs); {med / ref:.1f}x one evaluation of the "
        f"answer; up to {int(out.agents.max())} agents"
    )
    small = lam[: args.erlang_a_intervals]
    t0 = time.perf_counter()
    size_agents(
        small,
        240.0,
        target_sl=0.8,
        target_s=20,
        max_occupancy=0.85,
        model="erlang-a",
        patience_s=120.0,
    )
    ea = time.perf_counter() - t0
    rows.append(
        {
            "model": "erlang-a",
            "intervals": len(small),
            "runs": 1,
            "median_s": round(ea, 4),
            "max_s": round(ea, 4),
            "ratio_to_one_evaluation": None,
            "max_agents": None,
        }
    )
    print(
        f"erlang-a: {len(small)} intervals sized in {ea:.2f} s "
        f"({ea / len(small) * 1000:.1f} ms per interval; not vectorised)"
    )
    write_csv(args.out, rows)
    print(
        f"summary: Erlang C sizing of {args.intervals} intervals: median {med:.3f} s "
        f"(target < 1 s); wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
