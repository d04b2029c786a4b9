"""Case A dispatch: nearest-engineer against optimised, on the same sample day of 150 jobs.

    python bench/dispatch_case_a.py [--seconds 30] [--runs 3]

Three ways to dispatch the jobs of ``instances/case-a-aftersales.yaml``:

* today: the 200 engineers with their trained skills, optimised;
* proposal, nearest: the cost-only plan's 120 engineers, "multi-skill" by declaration
  (proficiency 0.35 on untrained machine types), dispatched to the nearest engineer who can
  still reach the job, as the case did;
* proposal, optimised: the same 120 engineers, routes optimised with proficiency priced.

Objective ``weighted`` (cost + customers' downtime), soft 48 h SLA per started hour. Optimised
rows are medians over ``--runs`` seeds. Prints SLA attainment per segment, expected repeat
visits, overtime, cost and downtime side by side; writes ``bench/out/dispatch_case_a.csv``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from _common import OUT, REPO, write_csv


def row(label: str, r: Any) -> dict[str, Any]:
    k = r.kpis.to_dict()
    sla = k["sla"]
    out = {
        "dispatch": label,
        "status": r.status.value,
        "jobs_served": k["served"],
        "dropped": len(k["dropped"]),
        "sla_attainment_pct": round(
            100
            * sum(v["on_time"] for v in sla.values())
            / max(1, sum(v["with_deadline"] for v in sla.values())),
            1,
        ),
        "late_h": round(k["late_h"], 1),
        "repeat_visits_expected": round(k["repeat_visits_expected"], 1),
        "overtime_h": round(k["overtime_h"], 1),
        "distance_km": round(k["distance"]),
        "cost_routes": round(k["cost_parts"]["routes"]),
        "cost_repeat_visits": round(k["cost_parts"]["repeat_visits"]),
        "cost": round(r.objective["cost"]),
        "downtime": round(r.objective["value"]),
        "objective": round(r.objective["weighted"]),
        "runtime_s": round(r.runtime_s, 1),
    }
    for seg, v in sla.items():
        out[f"sla_{seg}"] = f"{v['on_time']}/{v['with_deadline']}"
    return out


def median_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    mid = sorted(rows, key=lambda r: r["objective"])[len(rows) // 2]
    return {**mid, "dispatch": mid["dispatch"] + f" (median of {len(rows)})"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from servopt.models import load_network, load_plan
    from servopt.optimizer.dispatch.solve import solve_dispatch
    from servopt.optimizer.dispatch.terms import DispatchOptions
    from servopt.optimizer.params import SolveParams

    net = load_network(REPO / "instances" / "case-a-aftersales.yaml")
    plan = load_plan(REPO / "instances" / "case-a-aftersales.cost-only.plan.yaml", net)
    opts = DispatchOptions(objective="weighted")

    def optimised(label: str, p: Any) -> dict[str, Any]:
        runs = [
            row(
                label,
                solve_dispatch(net, opts, SolveParams(time_limit_s=args.seconds, seed=s), plan=p),
            )
            for s in range(1, args.runs + 1)
        ]
        return median_row(runs)

    rows = [
        optimised("today: 200 engineers, optimised", None),
        row(
            "proposal: 120 'multi-skill', nearest",
            solve_dispatch(net, opts, plan=plan, policy="nearest"),
        ),
        optimised("proposal: 120 'multi-skill', optimised", plan),
    ]
    write_csv(OUT / "dispatch_case_a.csv", rows)
    keys = [k for k in rows[0] if k != "dispatch"]
    print(f"{'':24}" + "".join(f"{r['dispatch'][:44]:>46}" for r in rows))
    for k in keys:
        print(f"{k:<24}" + "".join(f"{r[k]!s:>46}" for r in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
