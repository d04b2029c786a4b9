"""Case A's engineers rostered over 4 weeks: today's 200, the cost-only proposal's 120, and
the proposal with its declared second skills trained (to 0.7, the skills' training offer),
each against the field work of the same sample days (``servopt solve roster
--sample-days``): coverage, overtime a person, work beyond the overtime cap, expected leavers
and their cost, and the training's cost a year.

    python bench/roster_case_a.py [--seeds 0,1,2] [--days 5] [--weeks 4] [--limit 60]

Writes ``bench/out/roster_case_a.csv``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import OUT, case_a, write_csv

from servopt.optimizer.joint import training_cost_per_year, with_training
from servopt.optimizer.params import SolveParams
from servopt.optimizer.staffing.roster import RosterOptions
from servopt.optimizer.staffing.roster_solve import solve_roster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--limit", type=float, default=60.0)
    a = ap.parse_args()
    net, proposal = case_a()
    skills = net.index["skills"]
    declared = {
        c.pool: tuple(
            s
            for s, v in (c.skills or {}).items()
            if skills[s].training_cost is not None and v < skills[s].trained_proficiency
        )
        for c in proposal.pool_changes
    }
    trained = with_training(proposal, {p: s for p, s in declared.items() if s}, "trained")
    plans = {"today": None, "proposal": proposal, "trained": trained}
    rows = []
    for seed in (int(s) for s in a.seeds.split(",")):
        opts = RosterOptions(weeks=a.weeks, sample_days=a.days, sample_seed=seed)
        for name, plan in plans.items():
            t = time.perf_counter()
            r = solve_roster(net, plan, opts, SolveParams(time_limit_s=a.limit, seed=seed))
            wall = time.perf_counter() - t
            k = r.kpis
            fw = list((k.field_work or {}).values())
            people = sum(f.people for f in fw)
            over = sum(f.overtime_h for f in fw)
            train = sum(training_cost_per_year(net, plan).values()) if plan else 0.0
            row = {
                "seed": seed,
                "plan": name,
                "status": r.status.value,
                "gap": r.gap,
                "field_people": people,
                "coverage": round(k.coverage or 0.0, 4),
                "missing_person_shifts": k.required - k.covered,
                "work_h": round(sum(f.work_h for f in fw)),
                "overtime_h_week_person": round(over / max(people, 1) / a.weeks, 2),
                "overtime_h_week_max": round(
                    max((f.overtime_h_week_max for f in fw), default=0), 2
                ),
                "beyond_cap_h": round(sum(f.beyond_cap_h for f in fw)),
                "leavers_per_year": round(sum(f.leavers_per_year for f in fw), 2),
                "replacement_per_year": round(sum(f.replacement_cost_per_year for f in fw)),
                "training_per_year": round(train),
                "wall_s": round(wall, 2),
            }
            rows.append(row)
            print(
                f"seed {seed} {name:9} {people:4} engineers  coverage {row['coverage']:.1%}  "
                f"overtime {row['overtime_h_week_person']:5.1f} h/week a person (most "
                f"{row['overtime_h_week_max']:.1f})  beyond the cap {row['beyond_cap_h']:6,} h  "
                f"leavers {row['leavers_per_year']:5.1f}/yr  replacement "
                f"{row['replacement_per_year']:>10,}  training {row['training_per_year']:>9,}  "
                f"{r.status.value} {wall:.1f} s"
            )
    print("medians over seeds:")
    for name in plans:
        mine = [r for r in rows if r["plan"] == name]

        def med(key: str, rows_: list[dict] = mine) -> float:
            return statistics.median(r[key] for r in rows_)

        print(
            f"  {name:9} overtime {med('overtime_h_week_person'):.1f} h/week a person, beyond "
            f"the cap {med('beyond_cap_h'):,} h, leavers {med('leavers_per_year'):.1f}/yr, "
            f"replacement {med('replacement_per_year'):,}/yr, training "
            f"{med('training_per_year'):,}/yr"
        )
    write_csv(OUT / "roster_case_a.csv", rows)


if __name__ == "__main__":
    main()
