r"""Shift scheduling: how many staff start which shift, to cover per-interval requirements.

The set-covering model of Dantzig (1954), with optional understaffing at a penalty:

.. math::

    \min\; & \sum_k c_k x_k + p \sum_t u_t \\
    \text{s.t.}\; & \sum_k a_{kt} x_k + u_t \ge r_t \quad \forall t  && (1)\\
        & x_k \in \mathbb{Z}_{\ge 0},\; u_t \ge 0 \;(u_t = 0 \text{ when understaffing is not
          allowed})

t: intervals of the horizon (e.g. 672 quarter-hours of a week); k: candidate shifts (a day, a
start, a length, a break); a_kt = 1 when shift k works in interval t (not on its break); r_t:
staff required (e.g. from :func:`servopt.optimizer.staffing.queueing.size_agents`); c_k: the shift's
cost; p: the penalty per missing staff-interval. Over- and understaffing per interval are
reported with the plan.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from servopt.models.errors import BadInputError, Problem
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status


@dataclass(frozen=True)
class ShiftTemplate:
    """A family of candidate shifts: every start from ``earliest_min`` to ``latest_min`` (minutes
    from midnight) in steps of ``step_min``, on each of ``days`` (0 = first day of the horizon),
    ``length_min`` long, with a ``break_min`` break starting ``break_after_min`` after the start
    (no break when 0). ``cost_per_hour`` prices the paid time (the whole length)."""

    name: str
    length_min: float
    earliest_min: float = 0.0
    latest_min: float = 24 * 60.0
    step_min: float = 60.0
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    break_after_min: float = 0.0
    break_min: float = 0.0
    cost_per_hour: float = 1.0

    def problems(self, where: str) -> list[Problem]:
        out = []
        if not (self.length_min > 0 and math.isfinite(self.length_min)):
            out.append(Problem(f"{where}.length_min", f"must be > 0, got {self.length_min!r}"))
        if not self.step_min > 0:
            out.append(Problem(f"{where}.step_min", f"must be > 0, got {self.step_min!r}"))
        if self.latest_min < self.earliest_min:
            out.append(Problem(f"{where}.latest_min", "must not be before earliest_min"))
        if self.break_min and not (
            self.break_after_min > 0 and self.break_after_min + self.break_min < self.length_min
        ):
            out.append(
                Problem(
                    f"{where}.break_after_min",
                    "the break must start after the shift starts and end before it ends",
                )
            )
        if self.cost_per_hour < 0:
            out.append(Problem(f"{where}.cost_per_hour", "must be >= 0"))
        return out


def consecutive_days_off(days_on: int = 5, week: int = 7) -> tuple[tuple[int, ...], ...]:
    """Weekly patterns of ``days_on`` consecutive working days (the rest off), one per start
    day: for 5 on / 2 off, Mon-Fri, Tue-Sat, ..., Sun-Thu."""
    if not 1 <= days_on <= week:
        raise BadInputError(f"days_on must be in [1, {week}], got {days_on!r}")
    return tuple(tuple(sorted((d + k) % week for k in range(days_on))) for d in range(week))


@dataclass(frozen=True)
class CandidateShifts:
    """Candidate shifts expanded from templates: coverage matrix (K, T) and costs (K,)."""

    labels: tuple[str, ...]
    coverage: np.ndarray
    cost: np.ndarray


def candidate_shifts(
    templates: Sequence[ShiftTemplate],
    intervals: int,
    interval_min: float,
    wrap: bool = True,
    tours: Sequence[Sequence[int]] | None = None,
) -> CandidateShifts:
    """Expand templates into candidate shifts on a horizon of ``intervals`` intervals.

    A shift that runs past the end of the horizon wraps to its start when ``wrap`` (a weekly
    horizon repeats), otherwise it is dropped. With ``tours`` (day patterns such as
    :func:`consecutive_days_off`), each candidate is a weekly tour: the same shift on every day
    of a pattern, so one person works it all week with those days off.
    """
    problems = [p for k, tpl in enumerate(templates) for p in tpl.problems(f"templates[{k}]")]
    if interval_min <= 0:
        problems.append(Problem("interval_min", f"must be > 0, got {interval_min!r}"))
    if problems:
        raise BadInputError(problems)
    horizon = intervals * interval_min
    labels, rows, costs = [], [], []
    for tpl in templates:
        start = tpl.earliest_min
        while start <= tpl.latest_min + 1e-9:
            for day in tpl.days:
                begin = day * 1440.0 + start
                if begin >= horizon:
                    continue
                end = begin + tpl.length_min
                if end > horizon + 1e-9 and not wrap:
                    continue
                row = np.zeros(intervals, dtype=np.int8)
                t0 = round(begin / interval_min)
                n = round(tpl.length_min / interval_min)
                idx = (t0 + np.arange(n)) % intervals
                row[idx] = 1
                if tpl.break_min:
                    b0 = t0 + round(tpl.break_after_min / interval_min)
                    nb = max(1, round(tpl.break_min / interval_min))
                    row[(b0 + np.arange(nb)) % intervals] = 0
                labels.append(f"{tpl.name}@d{day}+{int(start // 60):02d}:{int(start % 60):02d}")
                rows.append(row)
                costs.append(tpl.cost_per_hour * tpl.length_min / 60.0)
            start += tpl.step_min
    if not rows:
        raise BadInputError("templates: no candidate shift falls inside the horizon")
    if tours is None:
        return CandidateShifts(tuple(labels), np.array(rows), np.array(costs))
    # Weekly tours: the day shifts of one template and start, over each pattern's days.
    per_start: dict[str, dict[str, tuple[np.ndarray, float]]] = {}
    for label, row, cost in zip(labels, rows, costs, strict=True):
        name, rest = label.split("@d", 1)
        day_txt, start_txt = rest.split("+", 1)
        per_start.setdefault(f"{name}+{start_txt}", {})[day_txt] = (row, cost)
    t_labels, t_rows, t_costs = [], [], []
    for key, per_day in per_start.items():
        for pattern in tours:
            days = [str(d) for d in pattern]
            if not all(d in per_day for d in days):
                continue
            t_labels.append(f"{key}@days{''.join(days)}")
            t_rows.append(np.minimum(np.sum([per_day[d][0] for d in days], axis=0), 1))
            t_costs.append(sum(per_day[d][1] for d in days))
    if not t_rows:
        raise BadInputError("tours: no pattern's days all have the shift")
    return CandidateShifts(tuple(t_labels), np.array(t_rows), np.array(t_costs))


@dataclass(frozen=True)
class ShiftSchedule:
    """The answer: staff per shift, coverage, under- and overstaffing per interval."""

    status: Status
    runtime_s: float
    cost: float | None = None
    bound: float | None = None
    gap: float | None = None
    starts: dict[str, int] = field(default_factory=dict)
    coverage: np.ndarray | None = None
    under: np.ndarray | None = None
    over: np.ndarray | None = None
    diagnostics: tuple[str, ...] = ()

    def summary(self) -> str:
        if self.coverage is None or self.under is None or self.over is None:
            return f"status {self.status.value}; " + "; ".join(self.diagnostics)
        return (
            f"status {self.status.value}, cost {self.cost:,.2f}, gap "
            f"{(self.gap or 0.0):.4%}, {sum(self.starts.values())} shifts staffed, "
            f"understaffed {int(self.under.sum())} staff-intervals, overstaffed "
            f"{int(self.over.sum())}"
        )


def schedule_shifts(
    requirements: Sequence[float] | np.ndarray,
    candidates: CandidateShifts,
    params: SolveParams | None = None,
    *,
    understaffing_penalty: float | None = None,
) -> ShiftSchedule:
    """Cheapest staff per candidate shift covering ``requirements`` (see the module docstring).

    Without ``understaffing_penalty`` every interval must be covered; an interval no candidate
    covers makes the problem infeasible, said in those words before the solver runs.
    """
    from servopt.optimizer.staffing.shift_milp import solve_shift_milp

    start = time.perf_counter()
    params = params or SolveParams()
    r = np.ceil(np.asarray(requirements, dtype=float) - 1e-9)
    problems = []
    if r.ndim != 1 or len(r) != candidates.coverage.shape[1]:
        problems.append(
            Problem(
                "requirements", f"expected {candidates.coverage.shape[1]} intervals, got {r.shape}"
            )
        )
    elif not np.all(np.isfinite(r)) or np.any(r < 0):
        problems.append(Problem("requirements", "must be finite and >= 0"))
    if understaffing_penalty is not None and not understaffing_penalty > 0:
        problems.append(Problem("understaffing_penalty", "must be > 0"))
    if problems:
        raise BadInputError(problems)
    covered = candidates.coverage.any(axis=0)
    uncovered = np.flatnonzero((r > 0) & ~covered)
    if len(uncovered) and understaffing_penalty is None:
        return ShiftSchedule(
            Status.INFEASIBLE,
            time.perf_counter() - start,
            diagnostics=(
                f"{len(uncovered)} intervals need staff but no candidate shift works "
                f"in them (first: interval {int(uncovered[0])}, needing "
                f"{int(r[uncovered[0]])})",
            ),
        )
    out = solve_shift_milp(r, candidates.coverage, candidates.cost, params, understaffing_penalty)
    if not out.status.has_plan or out.x is None:
        return ShiftSchedule(
            out.status,
            time.perf_counter() - start,
            diagnostics=(out.message,) if out.message else (),
        )
    x = out.x
    cov = x @ candidates.coverage
    under = np.maximum(r - cov, 0)
    over = np.maximum(cov - r, 0)
    starts = {candidates.labels[k]: int(v) for k, v in enumerate(x) if v > 0}
    cost = float(candidates.cost @ x) + (understaffing_penalty or 0.0) * float(under.sum())
    return ShiftSchedule(
        out.status, time.perf_counter() - start, cost, out.bound, out.gap, starts, cov, under, over
    )
