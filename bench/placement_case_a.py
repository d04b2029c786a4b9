"""Case A: today's network, the cost-only proposal and servopt's plans, on the full model.

    python bench/placement_case_a.py [--time-limit 60] [--weights 0.003 0.01 0.03]

Evaluates today's depots and the proposal (instances/case-a-aftersales.cost-only.plan.yaml)
with the evaluator, solves for least cost and for cost + w x downtime, checks every plan with
the independent checker, and prints the comparison the README quotes. Writes
bench/out/placement_case_a.csv.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import OUT, write_csv

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    from dataclasses import replace

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--weights", type=float, nargs="*", default=[0.003, 0.01, 0.03])
    ap.add_argument("--out", type=Path, default=OUT / "placement_case_a.csv")
    args = ap.parse_args()

    from servopt.models import Plan, load_network, load_plan
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.placement.check import check_placement_plan
    from servopt.optimizer.placement.evaluate import evaluate_placement
    from servopt.optimizer.placement.solve import solve_placement
    from servopt.optimizer.placement.terms import PlacementOptions

    net = load_network(REPO / "instances" / "case-a-aftersales.yaml")
    proposal = load_plan(REPO / "instances" / "case-a-aftersales.cost-only.plan.yaml", net)
    opts = PlacementOptions()
    rows = []

    def row(name: str, plan: Plan, kpis: dict, status: str = "-", gap: float | None = None) -> None:
        seg = kpis["segments"]
        b = kpis["cost_breakdown"]
        violations = check_placement_plan(net, plan, opts, reported=kpis)
        rows.append(
            {
                "plan": name,
                "status": status,
                "gap": gap,
                "open_depots": kpis["open_depots"],
                "cost_m": kpis["cost"] / 1e6,
                "air_and_expediting_m": (b["outbound_air"] + b["expediting"]) / 1e6,
                "downtime_m": kpis["value"] / 1e6,
                "total_with_downtime_m": kpis["total_with_downtime"] / 1e6,
                "wait_key_days": seg["key-account"]["mean_wait_h"] / 24,
                "wait_standard_days": seg["standard"]["mean_wait_h"] / 24,
                "wait_remote_days": seg["remote-industrial"]["mean_wait_h"] / 24,
                "air_units": kpis["air_freight_units"],
                "checker": "ok" if not violations else "; ".join(violations[:2]),
            }
        )

    row("today (21 depots)", Plan(), evaluate_placement(net, Plan(), opts).kpis.to_dict())
    row("cost-only proposal", proposal, evaluate_placement(net, proposal, opts).kpis.to_dict())
    params = SolveParams(time_limit_s=args.time_limit)
    for w in [0.0, *args.weights]:
        objective = "weighted" if w else "cost"
        r = solve_placement(net, replace(opts, objective=objective, value_weight=w), params)
        assert r.plan is not None
        row(
            "servopt least cost" if not w else f"servopt cost + {w:g} x downtime",
            r.plan,
            r.kpis.to_dict(),
            r.status.value,
            r.gap,
        )
    head = (
        f"{'plan':<32}{'status':<10}{'gap':>8}{'open':>5}{'cost M':>8}{'air+exp M':>10}"
        f"{'downtime M':>11}{'total M':>9}{'key d':>7}{'std d':>7}{'remote d':>9}  checker"
    )
    print(head)
    for r in rows:
        gap = f"{r['gap']:.3%}" if r["gap"] is not None else "-"
        print(
            f"{r['plan']:<32}{r['status']:<10}{gap:>8}{r['open_depots']:>5}"
            f"{r['cost_m']:>8.2f}{r['air_and_expediting_m']:>10.2f}{r['downtime_m']:>11.1f}"
            f"{r['total_with_downtime_m']:>9.1f}{r['wait_key_days']:>7.2f}"
            f"{r['wait_standard_days']:>7.2f}{r['wait_remote_days']:>9.2f}  {r['checker']}"
        )
    prop = rows[1]
    both = [
        r["plan"]
        for r in rows[2:]
        if r["cost_m"] < prop["cost_m"] and r["downtime_m"] < prop["downtime_m"]
    ]
    print(f"summary: plans beating the proposal on both cost and downtime: {both or 'none'}")
    write_csv(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
