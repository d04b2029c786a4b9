"""Placement on a large generated network: 100 candidate depots, 1,000 sites, capacities binding.

    python bench/placement_large.py [--runs 3] [--time-limit 60] [--gap 0.001]

Solves the classic CFLP form (stock, expediting and service off) and the full model on the same
seeded network (total capacity 1.15 x demand), each ``--runs`` times, and reports the median
runtime, the proven gap and the status. Writes bench/out/placement_large.csv.
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
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--depots", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=OUT / "placement_large.csv")
    args = ap.parse_args()

    from servopt.models.generate import generate_network
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.placement.check import check_placement_plan
    from servopt.optimizer.placement.solve import solve_placement
    from servopt.optimizer.placement.terms import PlacementOptions

    net = generate_network(
        sites=args.sites, depots=args.depots, technicians=0, seed=args.seed, capacity_ratio=1.15
    )
    print(
        f"network: {args.sites} sites, {args.depots} depots, demand {net.total_demand:,.0f}, "
        f"capacity {net.total_capacity:,.0f} (ratio {net.total_capacity / net.total_demand:.3f})"
    )
    params = SolveParams(time_limit_s=args.time_limit, mip_gap=args.gap)
    rows = []
    for model, options in (("cflp", PlacementOptions.cflp()), ("full", PlacementOptions())):
        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            r = solve_placement(net, options, params)
            elapsed = time.perf_counter() - t0
            violations = (
                check_placement_plan(net, r.plan, options, reported=r.objective)
                if r.plan
                else ["no plan"]
            )
            runs.append((elapsed, r, violations))
            print(
                f"  {model}: {r.status.value} gap {r.gap if r.gap is None else f'{r.gap:.4%}'}"
                f" in {elapsed:.1f} s; cost {r.objective.get('cost', float('nan')):,.0f}; "
                f"checker: {'ok' if not violations else violations[:2]}",
                flush=True,
            )
        med = statistics.median(e for e, _, _ in runs)
        gaps = [r.gap for _, r, _ in runs if r.gap is not None]
        rows.append(
            {
                "model": model,
                "sites": args.sites,
                "depots": args.depots,
                "runs": args.runs,
                "time_limit_s": args.time_limit,
                "target_gap": args.gap,
                "median_runtime_s": round(med, 2),
                "median_gap": statistics.median(gaps) if gaps else None,
                "statuses": "/".join(r.status.value for _, r, _ in runs),
                "cost": runs[-1][1].objective.get("cost"),
                "checker_ok": all(not v for _, _, v in runs),
            }
        )
        print(
            f"{model}: median {med:.1f} s, median gap "
            f"{rows[-1]['median_gap'] if not gaps else f'{statistics.median(gaps):.4%}'}, "
            f"statuses {rows[-1]['statuses']}"
        )
    write_csv(args.out, rows)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
