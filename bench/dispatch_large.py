"""Dispatch at scale: 1,000 jobs, 100 technicians with skills; decomposed against single solves.

    python bench/dispatch_large.py [--seconds 60] [--long 600] [--runs 3] [--part 250]

The network is generated (``generate_network``: 10 depots over 200 x 200 km, 100 technicians
with 1-3 of 4 skills at proficiencies 0.4-1, 1,000 jobs with 3-hour windows over the day), with
job durations set to 20-45 min so that a technician can do about ten a day. For each seed it
runs the decomposed solve (parts of at most ``--part`` jobs, then the warm-started repair) and
a single solve over the whole instance, both at ``--seconds``; then one long single solve
(``--long`` seconds, seed 0) as the reference. Every plan goes through the route checker.
Prints the objective, jobs served, drops, checker violations, runtime and the gap to the long
solve; medians over the runs; writes ``bench/out/dispatch_large.csv``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from typing import Any

from _common import OUT, write_csv


def instance() -> Any:
    from servopt.models.generate import generate_network

    net = generate_network(
        sites=1500, depots=10, technicians=100, seed=11, jobs=1000, area_km=200.0
    )
    durations = {"job-skill-a": 20.0, "job-skill-b": 30.0, "job-skill-c": 40.0, "job-skill-d": 45.0}
    return net.replace(
        job_types=[jt.model_copy(update={"duration_min": durations[jt.id]}) for jt in net.job_types]
    )


def run(net: Any, seconds: float, seed: int, part: int) -> dict[str, Any]:
    from servopt.optimizer.dispatch.solve import solve_dispatch
    from servopt.optimizer.dispatch.terms import DispatchOptions
    from servopt.optimizer.params import SolveParams

    r = solve_dispatch(
        net, DispatchOptions(max_jobs_per_part=part), SolveParams(time_limit_s=seconds, seed=seed)
    )
    k = r.kpis
    return {
        "status": r.status.value,
        "objective": round(r.objective.get("objective", float("nan")), 2),
        "cost": round(r.objective.get("cost", float("nan")), 2),
        "served": k.get("served"),
        "dropped": len(k.get("dropped", [])),
        "violations": len(k.get("violations", [])),
        "parts": len(k.get("parts", [])),
        "runtime_s": round(r.runtime_s, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--long", type=float, default=600.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--part", type=int, default=250)
    args = ap.parse_args()
    net = instance()
    rows = []
    for seed in range(1, args.runs + 1):
        for mode, part in (("decomposed", args.part), ("single", 10**6)):
            row = {
                "mode": mode,
                "seconds": args.seconds,
                "seed": seed,
                **run(net, args.seconds, seed, part),
            }
            rows.append(row)
            print(row, flush=True)
    ref = {"mode": "long-single", "seconds": args.long, "seed": 0, **run(net, args.long, 0, 10**6)}
    rows.append(ref)
    print(ref, flush=True)
    for row in rows:
        row["gap_to_long_pct"] = round(
            100 * (row["objective"] - ref["objective"]) / ref["objective"], 3
        )
    write_csv(OUT / "dispatch_large.csv", rows)
    print(
        f"\nreference: single solve, {args.long:g} s: objective {ref['objective']:,.0f}, "
        f"served {ref['served']}, dropped {ref['dropped']}"
    )
    for mode in ("decomposed", "single"):
        sel = [r for r in rows if r["mode"] == mode]
        print(
            f"{mode:<11} {args.seconds:g} s, median of {len(sel)}: objective "
            f"{statistics.median(r['objective'] for r in sel):,.0f}, gap to long "
            f"{statistics.median(r['gap_to_long_pct'] for r in sel):.2f}%, served "
            f"{statistics.median(r['served'] for r in sel):.0f}, violations "
            f"{max(r['violations'] for r in sel)}, runtime "
            f"{statistics.median(r['runtime_s'] for r in sel):.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
