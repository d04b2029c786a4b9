"""Probe (not a servopt feature): solve Solomon instances with plain PyVRP, check the routes
with servopt's independent route checker, compare with bks.csv.

    pip install pyvrp  # not a servopt dependency (yet): the dispatch issue decides the engine
    python bench/probe_pyvrp_solomon.py C101 R101 RC101 R208 [--seconds 10]

Distances follow bks.csv: each arc truncated to one decimal by the servopt Solomon adapter,
scaled by 10 to PyVRP's integers, and used as travel times too.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time

from _common import SHARED


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="+")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    try:
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime
    except ImportError:
        print("this probe needs PyVRP: pip install pyvrp", file=sys.stderr)
        return 2

    from servopt.models import Plan, Route, load_network
    from servopt.optimizer.check_routes import check_routes

    folder = SHARED / "benchmarks" / "solomon"
    with open(folder / "bks.csv") as f:
        bks = {r["instance"]: float(r["distance"]) for r in csv.DictReader(f)}
    scale = 10
    for name in args.instances:
        net = load_network(folder / f"{name}.txt", "solomon")
        pool, depot = net.pools[0], net.depots[0]
        shift = pool.shifts[0]
        m = Model()
        loc_depot = m.add_location(x=depot.location[0], y=depot.location[1])
        dep = m.add_depot(loc_depot, tw_early=0, tw_late=int(shift.end_min * scale))
        m.add_vehicle_type(
            num_available=pool.headcount,
            capacity=int(pool.vehicle_capacity or 0),
            start_depot=dep,
            end_depot=dep,
            tw_early=int(shift.start_min * scale),
            tw_late=int(shift.end_min * scale),
        )
        locations, ids = [loc_depot], [depot.id]
        for job in net.jobs:
            site = net.site(job.site)
            loc = m.add_location(x=site.location[0], y=site.location[1])
            assert job.window is not None and job.duration_min is not None
            m.add_client(
                loc,
                delivery=int(job.quantity),
                service_duration=int(job.duration_min * scale),
                tw_early=int(job.window[0] * scale),
                tw_late=int(job.window[1] * scale),
            )
            locations.append(loc)
            ids.append(job.site)
        for a, ida in zip(locations, ids, strict=True):
            for b, idb in zip(locations, ids, strict=True):
                if a is not b:
                    dist = round(net.distance_km(ida, idb) * scale)
                    m.add_edge(a, b, distance=dist, duration=dist)
        t0 = time.perf_counter()
        res = m.solve(stop=MaxRuntime(args.seconds), seed=args.seed, display=False)
        elapsed = time.perf_counter() - t0
        routes = tuple(
            Route(
                pool=pool.id,
                member=k,
                jobs=tuple(net.jobs[a.idx].id for a in r.schedule() if a.is_client()),
            )
            for k, r in enumerate(res.best.routes())
        )
        fig = check_routes(net, Plan(routes=routes))
        gap = (fig.distance_km - bks[name]) / bks[name]
        print(
            f"{name}: PyVRP {res.cost() / scale:.1f}, checker {fig.distance_km:.1f} over "
            f"{fig.routes} routes, BKS {bks[name]:.1f}, gap {gap:.3%}, "
            f"{len(fig.violations)} violations, {len(fig.unserved)} unserved, {elapsed:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
