"""Case A end to end: today, the cost-only proposal, the sequential and the joint plan, each
priced per year on the same sample days by ``servopt.optimizer.joint.plan_joint`` (the
library call behind ``servopt plan``), for several seeds (each seed draws other sample days).

    python bench/joint.py [--seeds 0,1,2] [--limit 300] [--days 5] [--rounds 5]

Prints, per seed, every plan's cost and downtime a year with their components, field staff,
load, leavers; the proposal's cost against today's; whether the joint plan beats the proposal
on both cost and downtime and is at most the sequential plan on cost + downtime; rounds taken
and seconds per round. Medians over the seeds at the end. Writes ``bench/out/joint.csv`` (one
row per seed and plan).
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import OUT, case_a, write_csv

from servopt.optimizer.joint import JointOptions, plan_joint
from servopt.optimizer.params import SolveParams


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--limit", type=float, default=300.0)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    net, proposal = case_a()
    rows = []
    summary = []
    for seed in (int(s) for s in a.seeds.split(",")):
        t = time.perf_counter()
        res = plan_joint(
            net,
            proposal,
            JointOptions(days=a.days, rounds=a.rounds),
            SolveParams(time_limit_s=a.limit, seed=seed),
        )
        wall = time.perf_counter() - t
        print(f"\n== seed {seed}: {wall:.1f} s")
        print(res.summary(net.currency or ""))
        f = res.figures
        today, prop, seq, joint = (f[n] for n in ("today", proposal.name, "sequential", "joint"))
        per_round = [r.seconds for r in res.rounds]
        summary.append(
            {
                "seed": seed,
                "wall_s": wall,
                "proposal_vs_today": prop.cost / today.cost - 1,
                "joint_vs_proposal_cost": joint.cost / prop.cost - 1,
                "joint_vs_proposal_downtime": joint.value / prop.value - 1,
                "joint_beats_proposal": joint.cost < prop.cost and joint.value < prop.value,
                "joint_at_most_sequential": joint.cost + joint.value <= seq.cost + seq.value + 1e-6,
                "rounds": len(res.rounds) - 1,
                "median_round_s": statistics.median(per_round),
            }
        )
        for name, fig in f.items():
            rows.append(
                {
                    "seed": seed,
                    "plan": name,
                    "cost": round(fig.cost),
                    "downtime": round(fig.value),
                    **{f"cost.{k}": round(v) for k, v in fig.cost_parts.items()},
                    **{f"downtime.{k}": round(v) for k, v in fig.value_parts.items()},
                    "open_depots": fig.open_depots,
                    "field_staff": fig.field_headcount,
                    "load": round(fig.field_load, 3),
                    "leavers_per_year": round(fig.leavers_per_year, 2),
                    "drops_per_day": round(fig.drops_per_day, 2),
                    "rounds": len(res.rounds) - 1,
                    "wall_s": round(wall, 1),
                }
            )
    print("\n== per seed")
    for s in summary:
        print(
            f"seed {s['seed']}: proposal {s['proposal_vs_today']:+.1%} vs today; joint "
            f"{s['joint_vs_proposal_cost']:+.1%} cost, {s['joint_vs_proposal_downtime']:+.1%} "
            f"downtime vs the proposal; beats it on both: {s['joint_beats_proposal']}; "
            f"<= sequential: {s['joint_at_most_sequential']}; {s['rounds']} rounds, "
            f"{s['median_round_s']:.1f} s a round; {s['wall_s']:.1f} s"
        )
    med = statistics.median
    print(
        f"median: proposal {med(s['proposal_vs_today'] for s in summary):+.1%} vs today, joint "
        f"{med(s['joint_vs_proposal_cost'] for s in summary):+.1%} cost and "
        f"{med(s['joint_vs_proposal_downtime'] for s in summary):+.1%} downtime vs the proposal, "
        f"{med(s['wall_s'] for s in summary):.1f} s"
    )
    write_csv(OUT / "joint.csv", rows)


if __name__ == "__main__":
    main()
