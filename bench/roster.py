"""Rostering at the issue's size: 200 people, 4 weeks, 3 skills, requirements from a weekly
Erlang C schedule (``erlang_roster_problem``: 80% of contacts answered within 20 s, the
requirement 85% of what the contracts give), solved by ``solve_roster`` within 60 s.

    python bench/roster.py [--seeds 1,2,3] [--limit 60] [--people 200] [--weeks 4]
                           [--threads 1,2]

For each seed and thread count: the wall time of the library call (model building and greedy
start included), status, the gap CP-SAT proves, coverage (person-shifts covered over
required) against the most the contracts allow, the fairness spread of weekend days, nights
and overtime hours across each team (the widest team), preferences broken, and whether the
independent checker finds every hard rule kept. ``--threads 1`` (default) is the deterministic
search (same seed, same roster); more threads run CP-SAT's parallel portfolio. Medians per
thread count at the end. Writes ``bench/out/roster.csv``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import OUT, write_csv

from servopt.optimizer.params import SolveParams
from servopt.optimizer.staffing.roster import (
    RosterOptions,
    check_roster,
    erlang_roster_problem,
)
from servopt.optimizer.staffing.roster_solve import solve_roster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--people", type=int, default=200)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--threads", default="1,2")
    a = ap.parse_args()
    rows = []
    options = RosterOptions(weeks=a.weeks)
    for threads in (int(t) for t in a.threads.split(",")):
        for seed in (int(s) for s in a.seeds.split(",")):
            problem = erlang_roster_problem(a.people, a.weeks, seed=seed, options=options)
            t0 = time.perf_counter()
            r = solve_roster(
                problem=problem,
                options=options,
                params=SolveParams(time_limit_s=a.limit, seed=seed, threads=threads),
            )
            wall = time.perf_counter() - t0
            bad, k = check_roster(problem, r.plan.roster, options) if r.plan else (["none"], None)
            row = {
                "seed": seed,
                "threads": threads,
                "people": a.people,
                "weeks": a.weeks,
                "limit_s": a.limit,
                "wall_s": round(wall, 2),
                "status": r.status.value,
                "gap": None if r.gap is None else round(r.gap, 4),
                "required": k.required if k else None,
                "covered": k.covered if k else None,
                "coverage": None if k is None or k.coverage is None else round(k.coverage, 4),
                "cost": None if k is None else round(k.cost, 2),
                "bound": None if r.bound is None else round(r.bound, 2),
                "weekend_spread": max(
                    p.weekend_days[1] - p.weekend_days[0] for p in k.pools.values()
                )
                if k
                else None,
                "night_spread": max(p.nights[1] - p.nights[0] for p in k.pools.values())
                if k
                else None,
                "overtime_h_max": max(p.overtime_h_max for p in k.pools.values()) if k else None,
                "preferences_broken": k.preferences_broken if k else None,
                "rules_kept": not bad,
            }
            rows.append(row)
            print(
                f"seed {seed} threads {threads}: {row['wall_s']} s {row['status']} gap "
                f"{row['gap']} coverage {row['covered']}/{row['required']} "
                f"({row['coverage']}) spreads weekend {row['weekend_spread']} night "
                f"{row['night_spread']} overtime max {row['overtime_h_max']} h, preferences "
                f"broken {row['preferences_broken']}, rules kept {row['rules_kept']}",
                flush=True,
            )
    for threads in sorted({r["threads"] for r in rows}):
        mine = [r for r in rows if r["threads"] == threads and r["coverage"] is not None]
        if mine:
            print(
                f"threads {threads}: median wall {statistics.median(r['wall_s'] for r in mine)} "
                f"s, coverage {statistics.median(r['coverage'] for r in mine):.4f}, gap "
                f"{statistics.median(r['gap'] for r in mine):.4f}, weekend spread "
                f"{statistics.median(r['weekend_spread'] for r in mine)}, night spread "
                f"{statistics.median(r['night_spread'] for r in mine)}"
            )
    write_csv(OUT / "roster.csv", rows)


if __name__ == "__main__":
    main()
