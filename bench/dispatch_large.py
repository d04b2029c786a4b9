"""Dispatch at scale: 1,000 jobs, 100 technicians with skills, 60 s against a 600 s reference.

    python bench/dispatch_large.py [--seconds 60] [--long 600] [--runs 3] [--decomposed --part 250]
    python bench/dispatch_large.py --reference OBJECTIVE COST SECONDS --out OTHER.csv

The network is generated (``generate_network``: 10 depots over 200 x 200 km, 100 technicians
with 1-3 of 4 skills at proficiencies 0.4-1, 1,000 jobs with 3-hour windows over the day), with
job durations set to 20-45 min so that a technician can do about ten a day. For each seed
(1..``--runs``) it runs the default solve (one search over the whole instance) at ``--seconds``,
and with ``--decomposed`` also the decomposed one (parts of at most ``--part`` jobs, then the
warm-started repair); then one long solve (``--long`` seconds, seed 0) as the reference, in the
same run; ``--reference`` takes it from an earlier run's ``long-single`` row instead. Every
plan goes through the route checker (a violation is status ``error``). Prints per run and as
medians: jobs served of the serviceable ones (those the screening keeps), drops, the objective
(cost with each drop at its price, what the search minimises), the cost without drops, the gap
to the reference, the runtime and the search's iterations; writes
``bench/out/dispatch_large.csv`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
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


def serviceable(net: Any) -> int:
    """Jobs some qualified technician could do alone (the screening's complement)."""
    from servopt.optimizer.dispatch.nearest import field_pools, screen
    from servopt.optimizer.dispatch.terms import DispatchOptions

    return len(net.jobs) - len(screen(net, field_pools(net), DispatchOptions()))


def run(net: Any, seconds: float, seed: int, part: int) -> dict[str, Any]:
    from servopt.optimizer.dispatch.solve import solve_dispatch
    from servopt.optimizer.dispatch.terms import DispatchOptions
    from servopt.optimizer.params import SolveParams

    options = DispatchOptions(max_jobs_per_part=part)
    r = solve_dispatch(net, options, SolveParams(time_limit_s=seconds, seed=seed))
    k = r.kpis
    return {
        "status": r.status.value,
        # The scalar the search minimises: under the cost objective, cost with drops priced.
        "objective": round(k.scalar(options), 2),
        "cost": round(k.cost - k.cost_parts["drops"], 2),  # routes, repeat visits, no drops
        "served": k.served,
        "dropped": len(k.dropped),
        "violations": len(r.diagnostics) if r.status.value == "error" else 0,
        "parts": len(k.solve.get("parts", [])) if k.solve else 0,
        "runtime_s": round(r.runtime_s, 1),
        # How far the search got: on a shared machine, the CPU it had.
        "iterations": k.solve.get("engine_iterations") if k.solve else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--long", type=float, default=600.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--part", type=int, default=250)
    ap.add_argument(
        "--decomposed", action="store_true", help="also run the decomposed solve per seed"
    )
    ap.add_argument(
        "--reference",
        nargs=3,
        type=float,
        metavar=("OBJECTIVE", "COST", "RUNTIME_S"),
        help="take the reference from an earlier run's long-single row instead of solving it",
    )
    ap.add_argument("--out", default=str(OUT / "dispatch_large.csv"))
    args = ap.parse_args()
    net = instance()
    can = serviceable(net)
    modes = (("decomposed", args.part),) if args.decomposed else ()
    modes += (("single", 10**6),)
    rows = []
    for seed in range(1, args.runs + 1):
        for mode, part in modes:
            row = {"mode": mode, "seconds": args.seconds, "seed": seed, "serviceable": can}
            row |= run(net, args.seconds, seed, part)
            rows.append(row)
            print(row, flush=True)
    ref: dict[str, Any] = {
        "mode": "long-single",
        "seconds": args.long,
        "seed": 0,
        "serviceable": can,
    }
    if args.reference:
        ref |= dict(zip(("objective", "cost", "runtime_s"), args.reference, strict=True))
        ref["status"] = "given (--reference)"
    else:
        ref |= run(net, args.long, 0, 10**6)
    rows.append(ref)
    print(ref, flush=True)
    for row in rows:
        row["gap_to_long_pct"] = round(
            100 * (row["objective"] - ref["objective"]) / ref["objective"], 3
        )
        row["cost_gap_to_long_pct"] = round(100 * (row["cost"] - ref["cost"]) / ref["cost"], 3)
    keys = {k: None for row in rows for k in row}
    write_csv(Path(args.out), [{k: row.get(k) for k in keys} for row in rows])
    print(
        f"\nreference: single solve, {args.long:g} s: objective {ref['objective']:,.0f}, "
        f"cost {ref['cost']:,.0f}, served {ref.get('served', '?')} of {can} serviceable, "
        f"dropped {ref.get('dropped', '?')}"
    )
    for mode, _ in modes:
        sel = [r for r in rows if r["mode"] == mode]
        med = {
            key: statistics.median(r[key] for r in sel)
            for key in ("objective", "cost", "gap_to_long_pct", "served", "dropped", "runtime_s")
        }
        print(
            f"{mode:<11} {args.seconds:g} s, median of {len(sel)}: objective "
            f"{med['objective']:,.0f}, cost {med['cost']:,.0f}, gap to long "
            f"{med['gap_to_long_pct']:.2f}% (worst {max(r['gap_to_long_pct'] for r in sel):.2f}%), "
            f"served {med['served']:.0f} of {can} (fewest {min(r['served'] for r in sel)}), "
            f"dropped {med['dropped']:.0f}, violations {max(r['violations'] for r in sel)}, "
            f"runtime {med['runtime_s']:.1f} s (longest {max(r['runtime_s'] for r in sel):.1f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
