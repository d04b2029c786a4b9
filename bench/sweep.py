"""Sweeps on every backend: 16 scenarios of case A placement (4 service levels x 4 weights on
the customers' downtime, ``instances/sweeps/case-a-placement.grid.yaml``: each solve on one
thread, seed 1, stopped at a proven 1% gap within its 60 s) run serially, on 2 local
processes and on a Dask LocalCluster of 2 single-threaded workers.

    python bench/sweep.py [--runs 3] [--workers 2] [--grid FILE]

For each run and backend: the wall time of the library call (starting the pool or the
cluster included) and the sum of the scenarios' own times; the speed-up over the serial run
of the same round, as a ratio; and whether the table (every row without its wall time) is
the same as the serial one, bit for bit. The machine may be shared: beside each time, the
CPU that other processes used meanwhile, in cores on average (all CPU time the kernel counts
in /proc/stat, less this process's and its children's), the reason a 2-worker speed-up falls
short of 2 when it is above 0. Medians over the runs at the end. Writes
``bench/out/sweep.csv`` (one row per run and backend) and ``bench/out/sweep_table.csv``
(the serial table of the last run).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

from _common import OUT, REPO, write_csv

from servopt.models import load_network
from servopt.models.io import write_atomic
from servopt.optimizer.sweep import load_grid, sweep


def _cpu_s() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, CPU seconds of this process and its reaped
    descendants: pool workers, Dask workers, their HiGHS processes)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    idle = fields[3] + fields[4]  # idle, iowait
    ours = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK"), (
        ours.ru_utime + ours.ru_stime + kids.ru_utime + kids.ru_stime
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--grid", default=str(REPO / "instances/sweeps/case-a-placement.grid.yaml"))
    a = ap.parse_args()
    net = load_network(REPO / "instances" / "case-a-aftersales.yaml")
    grid = load_grid(a.grid)
    grid.check(net)
    rows = []
    reference = None
    same_everywhere = True
    for run in range(1, a.runs + 1):
        serial_wall = None
        for backend, workers in (("serial", 1), ("processes", a.workers), ("dask", a.workers)):
            busy0, ours0 = _cpu_s()
            t0 = time.perf_counter()
            table = sweep(net, grid.scenarios, backend=backend, workers=workers)
            wall = time.perf_counter() - t0
            busy1, ours1 = _cpu_s()
            others = max(0.0, (busy1 - busy0) - (ours1 - ours0)) / wall
            if reference is None:
                reference = table
            same = table.figures() == reference.figures()
            same_everywhere &= same
            if backend == "serial":
                serial_wall = table.runtime_s
                write_atomic(OUT / "sweep_table.csv", table.to_csv())
            work = sum(r.runtime_s for r in table.rows)
            row = {
                "run": run,
                "backend": backend,
                "workers": table.workers,
                "scenarios": len(table.rows),
                "with_plan": sum(r.has_plan for r in table.rows),
                "wall_s": round(table.runtime_s, 2),
                "scenario_time_sum_s": round(work, 2),
                "speedup": round(serial_wall / table.runtime_s, 3) if serial_wall else None,
                "same_table_as_serial": same,
                "our_cpu_s": round(ours1 - ours0, 1),
                "others_cores": round(others, 2),
            }
            rows.append(row)
            print(
                f"run {run} {backend:<9} {table.workers} worker(s): wall {row['wall_s']:.2f} s, "
                f"scenarios' own time {row['scenario_time_sum_s']:.2f} s, speed-up "
                f"{row['speedup']}x, {row['with_plan']}/{row['scenarios']} with a plan, "
                f"same table as serial: {same}; others used {others:.2f} cores meanwhile",
                flush=True,
            )
    assert reference is not None
    print(reference.summary())
    for backend in ("serial", "processes", "dask"):
        mine = [r for r in rows if r["backend"] == backend]
        print(
            f"{backend:<9} median wall {statistics.median(r['wall_s'] for r in mine):.2f} s, "
            f"median speed-up {statistics.median(r['speedup'] for r in mine):.2f}x, others "
            f"used a median {statistics.median(r['others_cores'] for r in mine):.2f} cores "
            f"({len(mine)} run(s))"
        )
    print(f"every table the same as the first serial one: {same_everywhere}")
    write_csv(OUT / "sweep.csv", rows)
    return 0 if same_everywhere else 1


if __name__ == "__main__":
    sys.exit(main())
