"""Time limits at every size: placement and dispatch at four sizes each, limits 5 and 30 s.

    python bench/time_limits.py [--limits 5,30] [--sizes 0,1,2,3] [--only placement|dispatch]

Each run is a fresh Python process (so imports, memory and every overhead are its own): it
loads a generated network (``generate_network``, seed 7; generated once per size, outside the
timing), then times the library solve (``solve_placement`` with the default options, or
``solve_dispatch``, seed 1) with ``time.perf_counter`` around the call. The solve's time limit
covers model building, file writing and solver start, so the check is on that wall time:
``wall <= limit * 1.1 + 1 s`` (PASS/FAIL per row). The process wall (interpreter start and
loading the file included) and its peak memory are printed beside it. Sizes: placement
500 x 20, 1,000 x 50, 2,000 x 100 and 5,000 sites x 200 depots; dispatch 1,000, 2,000, 4,000
and 8,000 jobs (sites, depots and technicians growing to 5,000, 200 and 200).
Writes ``bench/out/time_limits.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import OUT, write_csv

PLACEMENT = [
    (500, 20, 20),
    (1000, 50, 40),
    (2000, 100, 100),
    (5000, 200, 200),
]  # sites, depots, techs
DISPATCH = [  # jobs, sites, depots, technicians
    (1000, 1000, 50, 100),
    (2000, 2000, 100, 150),
    (4000, 4000, 150, 200),
    (8000, 5000, 200, 200),
]

CHILD = """
import json, sys, time
from servopt.models.formats import load_network
from servopt.optimizer.params import SolveParams
decision, path, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
net = load_network(path)
if decision == "placement":
    from servopt.optimizer.placement.solve import solve_placement
    t0 = time.perf_counter()
    r = solve_placement(net, None, SolveParams(time_limit_s=limit, seed=1))
else:
    from servopt.optimizer.dispatch.solve import solve_dispatch
    t0 = time.perf_counter()
    r = solve_dispatch(net, None, SolveParams(time_limit_s=limit, seed=1))
wall = time.perf_counter() - t0
obj = r.objective.get("objective", r.objective.get("cost")) if r.objective else None
print(json.dumps({"wall": wall, "status": r.status.value, "objective": obj, "solver": r.solver,
                  "gap": r.gap, "fallback": "fallback" in r.kpis,
                  "stages": r.kpis.get("stages_s"), "notes": list(r.diagnostics)}))
"""


def instance(folder: Path, decision: str, size: tuple[int, ...]) -> Path:
    from servopt.models.generate import generate_network
    from servopt.models.io import dump_text

    if decision == "placement":
        sites, depots, techs = size
        net = generate_network(sites, depots, techs, seed=7)
        name = f"placement-s{sites}-d{depots}.json"
    else:
        jobs, sites, depots, techs = size
        net = generate_network(sites, depots, techs, seed=7, jobs=jobs)
        name = f"dispatch-j{jobs}.json"
    path = folder / name
    if not path.exists():
        path.write_text(dump_text(net, "json"))
    return path


def run(decision: str, path: Path, limit: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, decision, str(path), str(limit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    process_wall = time.perf_counter() - t0
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        res = json.loads(out.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        res = {"wall": None, "status": f"crashed ({proc.returncode}): {err[-200:]}"}
    wall = res.get("wall")
    ok = wall is not None and wall <= limit * 1.1 + 1.0
    return {
        "decision": decision,
        "size": path.stem.split("-", 1)[1],
        "limit_s": limit,
        "wall_s": round(wall, 2) if wall is not None else None,
        "process_wall_s": round(process_wall, 2),
        "peak_mb": round(usage.ru_maxrss / 1024),
        "status": res.get("status"),
        "objective": round(res["objective"], 2) if res.get("objective") is not None else None,
        "gap": round(res["gap"], 4) if res.get("gap") is not None else None,
        "solver": res.get("solver"),
        "fallback": res.get("fallback"),
        "check": "PASS" if ok else "FAIL",
        "stages": json.dumps(res.get("stages")) if res.get("stages") else "",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limits", default="5,30")
    ap.add_argument("--sizes", default="0,1,2,3")
    ap.add_argument("--only", choices=["placement", "dispatch"], default=None)
    args = ap.parse_args()
    limits = [float(v) for v in args.limits.split(",")]
    sizes = [int(v) for v in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="servopt-bench-") as tmp:
        folder = Path(tmp)
        for decision, table in (("placement", PLACEMENT), ("dispatch", DISPATCH)):
            if args.only and decision != args.only:
                continue
            for k in sizes:
                path = instance(folder, decision, table[k])
                for limit in limits:
                    row = run(decision, path, limit)
                    rows.append(row)
                    print(
                        f"{row['check']}  {decision:<9} {row['size']:<12} limit {limit:>4g} s  "
                        f"wall {row['wall_s']} s (process {row['process_wall_s']} s, "
                        f"{row['peak_mb']} MB)  {row['status']}  objective {row['objective']}"
                        f"  gap {row['gap']}  solver {row['solver']}",
                        flush=True,
                    )
    write_csv(OUT / "time_limits.csv", rows)
    failed = [r for r in rows if r["check"] == "FAIL"]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} runs within limit * 1.1 + 1 s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
