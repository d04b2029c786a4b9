"""An optimal weekly shift schedule: 672 quarter-hour intervals, 1,036 candidate shifts.

    python bench/shift_schedule.py [--runs 3] [--time-limit 30]

Requirements come from Erlang C sizing of a seeded weekly arrival profile (busy weekdays,
quieter weekend, a daily double peak); candidates are 10-hour shifts with an hour's break,
8-hour shifts with a 30-minute break, 6-hour and 4-hour shifts, starting every 15 minutes from
06:00 on every day and ending by 22:00. Reports the median time to a proven optimum (HiGHS, gap
0) and writes bench/out/shift_schedule.csv.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from _common import OUT, write_csv


def weekly_requirements(seed: int = 3):
    import numpy as np

    from servopt.optimizer.staffing.queueing import size_agents

    rng = np.random.default_rng(seed)
    t = np.arange(672)
    hour = (t % 96) / 4.0
    day = t // 96
    daily = np.exp(-((hour - 10.5) ** 2) / 4.0) + 0.8 * np.exp(-((hour - 15.5) ** 2) / 5.0)
    level = np.where(day < 5, 600.0, 300.0)
    lam = level * daily * rng.uniform(0.9, 1.1, size=672)
    lam = np.where((hour >= 7) & (hour < 21), np.maximum(lam, 20.0), 0.0)
    req = np.zeros(672)
    open_ = lam > 0
    req[open_] = size_agents(
        lam[open_], 300.0, target_sl=0.8, target_s=20, max_occupancy=0.9
    ).agents
    return req


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--out", type=Path, default=OUT / "shift_schedule.csv")
    args = ap.parse_args()

    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.staffing.shifts import ShiftTemplate, candidate_shifts, schedule_shifts

    req = weekly_requirements()
    templates = [
        ShiftTemplate(
            "10h", 600, 360, 12 * 60, 15, break_after_min=300, break_min=60, cost_per_hour=29.0
        ),
        ShiftTemplate(
            "8h", 480, 360, 14 * 60, 15, break_after_min=240, break_min=30, cost_per_hour=30.0
        ),
        ShiftTemplate("6h", 360, 360, 16 * 60, 15, cost_per_hour=32.0),
        ShiftTemplate("4h", 240, 360, 18 * 60, 15, cost_per_hour=35.0),
    ]
    cands = candidate_shifts(templates, 672, 15.0, wrap=False)
    times, result = [], None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = schedule_shifts(req, cands, SolveParams(time_limit_s=args.time_limit, mip_gap=0))
        times.append(time.perf_counter() - t0)
    assert result is not None and result.under is not None and result.over is not None
    med = statistics.median(times)
    print(
        f"{len(cands.labels)} candidate shifts, 672 intervals, peak requirement "
        f"{int(req.max())}: {result.summary()}"
    )
    print(
        f"summary: median {med:.2f} s (max {max(times):.2f} s, {args.runs} runs) to "
        f"{result.status.value} (target < 30 s); overstaffing "
        f"{result.over.sum() / max(req.sum(), 1):.1%} of required staff-intervals"
    )
    from servopt.optimizer.staffing.shifts import consecutive_days_off

    tours = candidate_shifts(
        templates[1:3], 672, 15.0, wrap=False, tours=consecutive_days_off(5)
    )  # 8 h with break, 6 h
    tour_times, tour_result = [], None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        tour_result = schedule_shifts(
            req, tours, SolveParams(time_limit_s=args.time_limit, mip_gap=0)
        )
        tour_times.append(time.perf_counter() - t0)
    assert tour_result is not None and tour_result.over is not None
    tmed = statistics.median(tour_times)
    print(
        f"weekly tours (5 consecutive days on, 2 off), {len(tours.labels)} candidates: "
        f"{tour_result.summary()}"
    )
    print(
        f"summary: tours median {tmed:.2f} s (max {max(tour_times):.2f} s) to "
        f"{tour_result.status.value}; overstaffing "
        f"{tour_result.over.sum() / max(req.sum(), 1):.1%} of required staff-intervals"
    )
    rows = []
    for kind, c, res, ts in (
        ("daily shifts", cands, result, times),
        ("weekly tours", tours, tour_result, tour_times),
    ):
        assert res.over is not None
        rows.append(
            {
                "kind": kind,
                "intervals": 672,
                "candidates": len(c.labels),
                "runs": args.runs,
                "median_s": round(statistics.median(ts), 3),
                "max_s": round(max(ts), 3),
                "status": res.status.value,
                "cost": res.cost,
                "gap": res.gap,
                "over_share": float(res.over.sum() / max(req.sum(), 1)),
            }
        )
    write_csv(args.out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
