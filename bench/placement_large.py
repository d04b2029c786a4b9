"""Placement on large generated networks: 100 candidate depots, 1,000 sites.

    python bench/placement_large.py [--class few-open|ratio] [--instances 3] [--seeds 3]
        [--time-limit 60] [--reference-limit 600] [--gap 1e-4] [--before] [--fixed-cost LO HI]
    python bench/placement_large.py --memory [--sites 5000 --depots 200] [--before]

``few-open`` (default): OR-Library's large ``cap`` class in shape: each depot holds 10-30% of the
total demand and fixed costs (8,000-24,000) leave 5-12 depots open. Each of ``--instances``
generated networks (generator seeds 1, 2, ...) is solved in the classic CFLP form with
``--seeds`` solve seeds at ``--time-limit``; each plan's gap to its own proven bound and to a
reference (this method at ``--reference-limit`` with a 1e-6 gap target, solve seed 0; its own
proven gap is printed, so the reference says how far it may be from the optimum). ``--before``
adds one run per instance of the whole-model MILP path (the one the CFLP form took before the
Lagrangian method; its model is now built as arrays, faster than the PuLP objects it was built
from then), for comparison. Writes bench/out/placement_large.csv.

``ratio``: the older, easier class, total capacity 1.15 x demand (almost every depot opens), the
CFLP form and the full model (stock, service), ``--seeds`` runs each, as before; ``--before``
adds the CFLP form on the whole-model MILP path.

``--memory``: the peak resident memory (ru_maxrss) of one solve in a fresh process, for the
CFLP form and the full model on ``--sites`` x ``--depots`` (capacity 1.15 x demand), printed
and written to bench/out/placement_memory.csv; with ``--before``, the CFLP form also on the
whole-model MILP path.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import OUT, write_csv

FEW_OPEN = {"capacity_share": (0.10, 0.30), "fixed_cost_range": (8_000.0, 24_000.0)}


def network(
    kind: str, sites: int, depots: int, seed: int, fixed: tuple[float, float] | None = None
) -> Any:
    from servopt.models.generate import generate_network

    extra: dict[str, Any] = dict(FEW_OPEN) if kind == "few-open" else {"capacity_ratio": 1.15}
    if fixed is not None:
        extra["fixed_cost_range"] = fixed
    return generate_network(sites=sites, depots=depots, technicians=0, seed=seed, **extra)


def solve(net: Any, options: Any, params: Any, before: bool = False) -> tuple[Any, float, list]:
    """One solve, timed and checked; ``before``: the whole-model MILP path."""
    import servopt.optimizer.placement.solve as placement
    from servopt.optimizer.placement.check import check_placement_plan

    saved = placement.LAGRANGE_ABOVE
    if before:
        placement.LAGRANGE_ABOVE = 10**18
    try:
        t0 = time.perf_counter()
        r = placement.solve_placement(net, options, params)
        elapsed = time.perf_counter() - t0
    finally:
        placement.LAGRANGE_ABOVE = saved
    violations = (
        check_placement_plan(net, r.plan, options, reported=r.objective) if r.plan else ["no plan"]
    )
    return r, elapsed, violations


def few_open(args: argparse.Namespace) -> list[dict[str, Any]]:
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.placement.terms import PlacementOptions

    options = PlacementOptions.cflp()
    rows = []
    for inst in range(1, args.instances + 1):
        net = network("few-open", args.sites, args.depots, inst, args.fixed_cost)
        ref, ref_s, ref_v = solve(
            net, options, SolveParams(time_limit_s=args.reference_limit, mip_gap=1e-6)
        )
        ref_cost = ref.objective["cost"]
        print(
            f"instance {inst}: demand {net.total_demand:,.0f}; reference {ref_cost:,.1f} "
            f"({ref.status.value}, own gap {ref.gap:.5%}, {ref_s:.1f} s, "
            f"{ref.kpis.open_depots} open, fixed cost "
            f"{ref.kpis.cost_breakdown.get('fixed', float('nan')) / ref_cost:.0%} of the total)",
            flush=True,
        )
        runs: list[tuple[str, int, Any]] = [
            (
                "lagrangian",
                seed,
                SolveParams(time_limit_s=args.time_limit, seed=seed, mip_gap=args.gap),
            )
            for seed in range(args.seeds)
        ]
        if args.before:
            runs.append(
                ("whole-model milp", 0, SolveParams(time_limit_s=args.time_limit, mip_gap=args.gap))
            )
        for method, seed, params in runs:
            r, elapsed, violations = solve(net, options, params, before=method != "lagrangian")
            cost = r.objective.get("cost") if r.status.has_plan else None
            row = {
                "class": "few-open",
                "instance": inst,
                "method": method,
                "seed": seed,
                "time_limit_s": args.time_limit,
                "status": r.status.value,
                "runtime_s": round(elapsed, 2),
                "cost": cost,
                "bound": r.bound,
                "gap_to_bound": r.gap,
                "reference": ref_cost,
                "reference_gap_own": ref.gap,
                "reference_limit_s": args.reference_limit,
                "gap_to_reference": None if cost is None else (cost - ref_cost) / ref_cost,
                "open_depots": r.kpis.open_depots if r.kpis else None,
                "checker_ok": not violations and not ref_v,
            }
            rows.append(row)
            print(
                f"  {method:<14} seed {seed}: {row['status']:<8} {elapsed:5.1f} s  cost "
                f"{cost if cost is None else f'{cost:,.1f}'}  gap to bound "
                f"{_pct(r.gap)}  to reference {_pct(row['gap_to_reference'])}  checker "
                f"{'ok' if not violations else violations[:2]}",
                flush=True,
            )
    ours = [r for r in rows if r["method"] == "lagrangian"]
    print(
        f"lagrangian at {args.time_limit:g} s ({len(ours)} runs): median runtime "
        f"{statistics.median(r['runtime_s'] for r in ours):.1f} s, gap to bound median "
        f"{_pct(statistics.median(r['gap_to_bound'] for r in ours))} max "
        f"{_pct(max(r['gap_to_bound'] for r in ours))}, gap to reference median "
        f"{_pct(statistics.median(r['gap_to_reference'] for r in ours))} max "
        f"{_pct(max(r['gap_to_reference'] for r in ours))}"
    )
    return rows


def ratio(args: argparse.Namespace) -> list[dict[str, Any]]:
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.placement.terms import PlacementOptions

    net = network("ratio", args.sites, args.depots, 1)
    print(
        f"network: {args.sites} sites, {args.depots} depots, demand {net.total_demand:,.0f}, "
        f"capacity {net.total_capacity:,.0f} (ratio {net.total_capacity / net.total_demand:.3f})"
    )
    params = SolveParams(time_limit_s=args.time_limit, mip_gap=args.gap)
    rows = []
    cases = [("cflp", PlacementOptions.cflp(), False), ("full", PlacementOptions(), False)]
    if args.before:
        cases.insert(1, ("cflp (whole-model milp)", PlacementOptions.cflp(), True))
    for model, options, before in cases:
        runs = []
        for _ in range(args.seeds):
            r, elapsed, violations = solve(net, options, params, before=before)
            runs.append((elapsed, r, violations))
            print(
                f"  {model}: {r.status.value} gap {_pct(r.gap)} in {elapsed:.1f} s; cost "
                f"{r.objective.get('cost', float('nan')):,.0f}; checker: "
                f"{'ok' if not violations else violations[:2]}",
                flush=True,
            )
        gaps = [r.gap for _, r, _ in runs if r.gap is not None]
        rows.append(
            {
                "class": "ratio-1.15",
                "model": model,
                "sites": args.sites,
                "depots": args.depots,
                "runs": args.seeds,
                "time_limit_s": args.time_limit,
                "target_gap": args.gap,
                "median_runtime_s": round(statistics.median(e for e, _, _ in runs), 2),
                "median_gap": statistics.median(gaps) if gaps else None,
                "statuses": "/".join(r.status.value for _, r, _ in runs),
                "cost": runs[-1][1].objective.get("cost"),
                "checker_ok": all(not v for _, _, v in runs),
            }
        )
        print(f"{model}: {rows[-1]}")
    return rows


def memory(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Peak RSS of one solve, each in a fresh process."""
    rows = []
    cases = [("cflp", False), ("full", False)] + ([("cflp", True)] if args.before else [])
    cases = [c for c in cases if args.models is None or c[0] in args.models.split(",")]
    for model, before in cases:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            json.dumps([model, before, args.sites, args.depots, args.time_limit]),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{args.sites} sites x {args.depots} depots, {model}"
            f"{' (whole-model MILP path)' if before else ''}: peak RSS "
            f"{row['peak_rss_mb']:,.0f} MB (HiGHS {row['solver_peak_rss_mb']:,.0f} MB), "
            f"{row['runtime_s']:.1f} s, {row['status']}, gap "
            f"{_pct(row['gap'])}",
            flush=True,
        )
    return rows


def child(spec: str) -> None:
    import resource

    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.placement.terms import PlacementOptions

    model, before, sites, depots, limit = json.loads(spec)
    net = network("ratio", sites, depots, 1)
    options = PlacementOptions.cflp() if model == "cflp" else PlacementOptions()
    r, elapsed, violations = solve(net, options, SolveParams(time_limit_s=limit), before=before)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    solver_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    row = {
        "model": model,
        "path": "whole-model milp" if before else "default",
        "sites": sites,
        "depots": depots,
        "time_limit_s": limit,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "solver_peak_rss_mb": round(solver_kb / 1024, 1),
        "runtime_s": round(elapsed, 2),
        "status": r.status.value,
        "gap": r.gap,
        "checker_ok": not violations,
    }
    print(json.dumps(row))


def _pct(g: float | None) -> str:
    return "-" if g is None else f"{g:.4%}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--class", dest="kind", choices=("few-open", "ratio"), default="few-open")
    ap.add_argument("--instances", type=int, default=3)
    ap.add_argument("--seeds", "--runs", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--reference-limit", type=float, default=600.0)
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--sites", type=int, default=None)
    ap.add_argument("--depots", type=int, default=None)
    ap.add_argument("--before", action="store_true")
    ap.add_argument("--memory", action="store_true")
    ap.add_argument(
        "--fixed-cost",
        type=float,
        nargs=2,
        default=None,
        metavar=("LO", "HI"),
        help="few-open: the fixed-cost range (default 8000 24000)",
    )
    ap.add_argument("--models", default=None, help="--memory: cflp,full (default both)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return 0
    big = args.memory
    args.sites = args.sites or (5000 if big else 1000)
    args.depots = args.depots or (200 if big else 100)
    if args.memory:
        rows, name = memory(args), "placement_memory.csv"
    elif args.kind == "few-open":
        rows, name = few_open(args), "placement_large.csv"
    else:
        rows, name = ratio(args), "placement_large_ratio.csv"
    out = args.out or OUT / name
    write_csv(out, rows)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
