"""Dispatch on the 56 Solomon 100-customer instances: servopt against plain PyVRP and the BKS.

    python bench/dispatch_solomon.py --seconds 10 [--seconds 30] [--workers 2] [--only C101 R101]

For each instance and time limit it runs ``servopt.optimizer.dispatch.solve.solve_dispatch``
(through the network model, the translation, the checker and the evaluator) and plain PyVRP on the
same instance built directly (the convention of ``bks.csv``: every arc truncated to one decimal, x10
to integers, distance = travel time), each with the same time limit and seed, one process each
(``--workers`` at a time; PyVRP is single-threaded). Prints every row and the mean gap per class
(C1, C2, R1, R2, RC1, RC2) and overall; writes ``bench/out/dispatch_solomon.csv``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from _common import OUT, SHARED, write_csv

FOLDER = SHARED / "benchmarks" / "solomon"


def plain_pyvrp(name: str, seconds: float, seed: int) -> tuple[float, int, float]:
    """Plain PyVRP on a Solomon instance, as its users would set it up."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    from servopt.models import load_network

    net = load_network(FOLDER / f"{name}.txt", "solomon")
    pool, depot = net.pools[0], net.depots[0]
    shift = pool.shifts[0]
    m = Model()
    loc0 = m.add_location(x=depot.location[0], y=depot.location[1])
    dep = m.add_depot(loc0, tw_early=0, tw_late=int(shift.end_min * 10))
    m.add_vehicle_type(
        num_available=pool.headcount,
        capacity=int(pool.vehicle_capacity or 0),
        start_depot=dep,
        end_depot=dep,
        tw_early=int(shift.start_min * 10),
        tw_late=int(shift.end_min * 10),
    )
    locs, ids = [loc0], [depot.id]
    for job in net.jobs:
        site = net.site(job.site)
        loc = m.add_location(x=site.location[0], y=site.location[1])
        assert job.window is not None and job.duration_min is not None
        m.add_client(
            loc,
            delivery=int(job.quantity),
            service_duration=round(job.duration_min * 10),
            tw_early=round(job.window[0] * 10),
            tw_late=round(job.window[1] * 10),
        )
        locs.append(loc)
        ids.append(job.site)
    for a, ia in zip(locs, ids, strict=True):
        for b, ib in zip(locs, ids, strict=True):
            if a is not b:
                d = round(net.distance_km(ia, ib) * 10)
                m.add_edge(a, b, distance=d, duration=d)
    t0 = time.perf_counter()
    res = m.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    rt = time.perf_counter() - t0
    if not res.is_feasible():
        return float("nan"), 0, rt
    return res.cost() / 10.0, res.best.num_routes(), rt


def servopt_run(name: str, seconds: float, seed: int) -> tuple[float, int, float]:
    from servopt.models import load_network
    from servopt.optimizer.dispatch.solve import solve_dispatch
    from servopt.optimizer.dispatch.terms import DispatchOptions
    from servopt.optimizer.params import SolveParams

    net = load_network(FOLDER / f"{name}.txt", "solomon")
    r = solve_dispatch(
        net, DispatchOptions(allow_drops=False), SolveParams(time_limit_s=seconds, seed=seed)
    )
    if not r.is_feasible:
        return float("nan"), 0, r.runtime_s
    return float(r.kpis.distance), int(r.kpis.routes), r.runtime_s


def _task(args: tuple[str, str, float, int]) -> dict[str, Any]:
    engine, name, seconds, seed = args
    fn = servopt_run if engine == "servopt" else plain_pyvrp
    dist, routes, rt = fn(name, seconds, seed)
    return {
        "engine": engine,
        "instance": name,
        "seconds": seconds,
        "distance": dist,
        "routes": routes,
        "runtime_s": round(rt, 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, action="append")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", default=str(OUT / "dispatch_solomon.csv"))
    args = ap.parse_args()
    with open(FOLDER / "bks.csv") as f:
        bks = {r["instance"]: float(r["distance"]) for r in csv.DictReader(f)}
    names = args.only or sorted(bks)
    seconds = args.seconds or [10.0]
    tasks = [(e, n, s, args.seed) for s in seconds for n in names for e in ("servopt", "pyvrp")]
    rows = []
    with ProcessPoolExecutor(args.workers) as ex:
        for row in ex.map(_task, tasks):
            b = bks[row["instance"]]
            row["bks"] = b
            row["gap_pct"] = round(100 * (row["distance"] - b) / b, 4)
            rows.append(row)
            print(
                f"{row['seconds']:>4g}s {row['engine']:<8} {row['instance']:<6} "
                f"{row['distance']:9.1f} {row['routes']:3d} routes  BKS {b:8.1f}  "
                f"gap {row['gap_pct']:7.3f}%  {row['runtime_s']:6.1f} s",
                flush=True,
            )
    write_csv(Path(args.out), rows)
    print("\nmean gap to BKS, % (max in brackets)")
    classes = ["C1", "C2", "R1", "R2", "RC1", "RC2"]
    print(f"{'':14}" + "".join(f"{c:>16}" for c in [*classes, "all"]))
    for s in seconds:
        for e in ("servopt", "pyvrp"):
            sel = [r for r in rows if r["seconds"] == s and r["engine"] == e]
            cells = []
            for c in [*classes, "all"]:
                # the class is the name less its two-digit number: C1, RC2...
                g = [r["gap_pct"] for r in sel if c in ("all", r["instance"][:-2])]
                cells.append(f"{statistics.mean(g):8.3f} ({max(g):5.2f})" if g else " " * 16)
            print(f"{s:>4g}s {e:<8}" + "".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
