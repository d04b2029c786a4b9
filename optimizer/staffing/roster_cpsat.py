"""The roster's CP-SAT model (:mod:`servopt.optimizer.staffing.roster` states the problem).

Variables: ``x[p, d, s]`` person p works shift s on day d (only where p may: their pool's
shifts, the weekdays they run, not on leave); ``y[p, i]`` p's shift covers one unit of
requirement i (p has the skill and may cover it); ``ot[p, w]`` minutes over the contract in
week w. Constraints are the hard rules 1-6 of the roster module, one for one; the objective is
its soft part in 1/6000 of the currency (``MONEY_SCALE``: exact for prices per hour in cents,
charged per minute).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from servopt.models.plan import RosterShift
from servopt.optimizer.params import SolveParams
from servopt.optimizer.solvers.cpsat import CpSolution, solve_cpsat, solve_lns
from servopt.optimizer.staffing.roster import (
    RosterOptions,
    RosterProblem,
    can_cover,
    greedy_roster,
    rest_conflict,
    scaled,
    weekly_bounds,
)

#: Decision variables up to which the whole model is searched at once rather than by LNS.
_WHOLE = 5000


def roster_model(
    problem: RosterProblem, options: RosterOptions, params: SolveParams, deadline: float
) -> tuple[CpSolution, tuple[RosterShift, ...] | None]:
    """Build and solve the model; the roster when CP-SAT finds one."""
    m = cp_model.CpModel()
    sh = problem.shifts
    x: dict[tuple[int, int, str], Any] = {}
    for pi, p in enumerate(problem.people):
        for d in range(problem.days):
            if d in p.unavailable:
                continue
            for s in p.shifts:
                if d % 7 in sh[s].weekdays:
                    x[pi, d, s] = m.new_bool_var(f"x{pi}_{d}_{s}")
    by_pd: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for (pi, d, _s), v in x.items():
        by_pd[pi, d].append(v)
    work = {key: sum(vs) for key, vs in by_pd.items()}
    # 1. at most one shift a day
    for vs in by_pd.values():
        if len(vs) > 1:
            m.add_at_most_one(vs)
    # coverage
    y: dict[tuple[int, int], Any] = {}
    under = []
    cover_of: dict[tuple[int, int, str], list[Any]] = defaultdict(list)
    for i, r in enumerate(problem.requirements):
        mine = []
        for pi, p in enumerate(problem.people):
            if (pi, r.day, r.shift) in x and can_cover(p, r, options):
                v = m.new_bool_var(f"y{pi}_{i}")
                y[pi, i] = v
                mine.append(v)
                cover_of[pi, r.day, r.shift].append(v)
        u = m.new_int_var(0, r.count, f"u{i}")
        m.add(u == r.count - sum(mine))
        under.append(u)
    for key, vs in cover_of.items():
        m.add(sum(vs) <= x[key])
    _coverage_cuts(m, problem, options, x, under)
    # 3. rest between consecutive days
    for gap in (1, 2):
        pairs = [
            (a, b)
            for a in sh.values()
            for b in sh.values()
            if rest_conflict(a, b, options.min_rest_h, gap)
        ]
        for pi, _p in enumerate(problem.people):
            for d in range(problem.days - gap):
                for a, b in pairs:
                    va, vb = x.get((pi, d, a.id)), x.get((pi, d + gap, b.id))
                    if va is not None and vb is not None:
                        m.add_bool_or([va.Not(), vb.Not()])
    # 4. consecutive days; 5. days off a week; 6. weekly hours, overtime
    k = options.max_consecutive_days
    ot: dict[tuple[int, int], Any] = {}
    for pi, p in enumerate(problem.people):
        days = [work.get((pi, d), 0) for d in range(problem.days)]
        for d in range(problem.days - k):
            window = [w for w in days[d : d + k + 1] if not isinstance(w, int)]
            if len(window) > k:
                m.add(sum(window) <= k)
        for w in range(problem.weeks):
            week = [v for d in range(7 * w, 7 * w + 7) if not isinstance(v := days[d], int)]
            if len(week) > 7 - options.min_days_off_per_week:
                m.add(sum(week) <= 7 - options.min_days_off_per_week)
            low, high = weekly_bounds(p, w, options, sh)
            paid = sum(
                sh[s].paid_min * v
                for (qi, d, s), v in x.items()
                if qi == pi and 7 * w <= d < 7 * w + 7
            )
            m.add(paid >= low)
            m.add(paid <= high)
            if high > p.contract_min:
                o = m.new_int_var(0, high - p.contract_min, f"ot{pi}_{w}")
                m.add_max_equality(o, [0, paid - p.contract_min])  # exact: fairness reads it
                ot[pi, w] = o
    # objective
    terms: list[Any] = [scaled(problem.under_cost) * sum(under)]
    for (pi, _w), o in ot.items():
        terms.append(scaled(problem.people[pi].overtime_per_h / 60.0) * o)
    pref = scaled(options.preference_cost)
    for (pi, d, s), v in x.items():
        p = problem.people[pi]
        broken = int(d % 7 in p.prefers_off) + int(p.avoids_nights and sh[s].night)
        if broken:
            terms.append(pref * broken * v)
    hint, measures = _start_hint(problem, options, x, y, under, ot)
    fair, fair_hint = _fairness(m, problem, options, x, work, ot, measures)
    hint.update(fair_hint)
    m.minimize(sum(terms) + sum(fair))
    if params.threads is not None and params.threads > 1:
        sol = solve_cpsat(m, params, deadline, hint, deterministic=False)
    else:
        sol = solve_lns(
            m,
            params,
            deadline,
            hint,
            [*x.values(), *y.values()],
            _neighbourhoods(problem, options, x, y, under),
            # A small model is searched whole (it stops when proven); a large one by its parts.
            first_dtime=params.time_limit_s / 2 if len(x) + len(y) <= _WHOLE else 1.5,
        )
    if not sol.status.has_plan:
        return sol, None
    covers: dict[tuple[int, int, str], str] = {}  # (person, day, shift) -> skill covered
    for (pi, i), v in y.items():
        r = problem.requirements[i]
        if sol.value(v):
            covers[pi, r.day, r.shift] = r.skill
    out = [
        RosterShift(person=problem.people[pi].id, day=d, shift=s, skill=covers.get((pi, d, s)))
        for (pi, d, s), v in sorted(x.items())
        if sol.value(v)
    ]
    return sol, tuple(out)


def _neighbourhoods(
    problem: RosterProblem,
    options: RosterOptions,
    x: dict[tuple[int, int, str], Any],
    y: dict[tuple[int, int], Any],
    under: list[Any],
) -> Callable[[random.Random, int, Callable[[Any], int]], list[Any]]:
    """The LNS's neighbourhoods, in turn: around a requirement still missing people (those
    who could cover it, over the week around its day), and a random tenth of the people over
    a fortnight; each frees their shifts and what they cover."""
    n = len(problem.people)
    cell: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for (pi, d, _s), v in x.items():
        cell[pi, d].append(v)
    for (pi, i), v in y.items():
        cell[pi, problem.requirements[i].day].append(v)
    eligible = [
        [pi for pi, p in enumerate(problem.people) if can_cover(p, r, options)]
        for r in problem.requirements
    ]

    def pick(rng: random.Random, k: int, value: Callable[[Any], int]) -> list[Any]:
        short = [i for i, u in enumerate(under) if value(u) > 0]
        if short and k % 2:
            r = problem.requirements[rng.choice(short)]
            people = eligible[problem.requirements.index(r)]
            days = range(max(0, r.day - 3), min(problem.days, r.day + 4))
        else:
            people = rng.sample(range(n), max(1, n // 10))
            first = rng.randrange(max(problem.days - 13, 1))
            days = range(first, min(first + 14, problem.days))
        return [v for pi in people for d in days for v in cell.get((pi, d), ())]

    return pick


def _start_hint(
    problem: RosterProblem,
    options: RosterOptions,
    x: dict[tuple[int, int, str], Any],
    y: dict[tuple[int, int], Any],
    under: list[Any],
    ot: dict[tuple[int, int], Any],
) -> tuple[dict[Any, int], dict[str, dict[int, int]]]:
    """A value for every variable from the greedy roster (a complete hint, which CP-SAT takes
    as its first solution), and each person's weekend days, nights and overtime minutes in it."""
    start = greedy_roster(problem, options)
    sh = problem.shifts
    hint: dict[Any, int] = {}
    for (pi, d, s), v in x.items():
        got = start.get((pi, d))
        hint[v] = int(got is not None and got[0] == s)
    covered: dict[int, int] = defaultdict(int)
    for (pi, i), v in y.items():
        got = start.get((pi, problem.requirements[i].day))
        hint[v] = int(got is not None and got[1] == i and got[0] == problem.requirements[i].shift)
        covered[i] += hint[v]
    for i, u in enumerate(under):
        hint[u] = problem.requirements[i].count - covered[i]
    measures: dict[str, dict[int, int]] = {"weekend": {}, "nights": {}, "overtime": {}}
    for pi, p in enumerate(problem.people):
        days = {d: s for (qi, d), (s, _i) in start.items() if qi == pi}
        measures["weekend"][pi] = sum(1 for d in days if d % 7 >= 5)
        measures["nights"][pi] = sum(1 for s in days.values() if sh[s].night)
        total = 0
        for w in range(problem.weeks):
            paid = sum(sh[s].paid_min for d, s in days.items() if d // 7 == w)
            extra = max(0, paid - p.contract_min)
            if (pi, w) in ot:
                hint[ot[pi, w]] = extra
            total += extra
        measures["overtime"][pi] = total
    return hint, measures


def _coverage_cuts(
    m: cp_model.CpModel,
    problem: RosterProblem,
    options: RosterOptions,
    x: dict[tuple[int, int, str], Any],
    under: list[Any],
) -> None:
    """Redundant bounds on the missing people, which the rules imply and the search would
    otherwise have to discover: on a day and skill, at most the people with the skill who may
    work that day cover it; in a week and skill, at most their working days that week (a
    person works at most 7 - ``min_days_off_per_week`` days of it, one shift a day). With
    them CP-SAT proves a useful bound at once."""
    may_work: dict[tuple[int, int], bool] = {}
    for pi, d, _s in x:
        may_work[pi, d] = True
    groups_day: dict[tuple[int, str], list[int]] = defaultdict(list)
    groups_week: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, r in enumerate(problem.requirements):
        groups_day[r.day, r.skill].append(i)
        groups_week[r.day // 7, r.skill].append(i)
    skilled = {
        k: [
            pi
            for pi, p in enumerate(problem.people)
            if p.skills.get(k, 0.0) >= options.min_proficiency - 1e-12
        ]
        for k in {r.skill for r in problem.requirements}
    }
    most = 7 - options.min_days_off_per_week
    for (w, _k), idx in list(groups_week.items()):
        groups_week.setdefault((w, "*"), []).extend(idx)
    skilled["*"] = list(range(len(problem.people)))
    for (d, k), idx in groups_day.items():
        need = sum(problem.requirements[i].count for i in idx)
        avail = sum(1 for pi in skilled[k] if (pi, d) in may_work)
        if need > avail:
            m.add(sum(under[i] for i in idx) >= need - avail)
    for (w, k), idx in groups_week.items():  # "*": every skill together
        need = sum(problem.requirements[i].count for i in idx)
        avail = sum(
            min(most, sum(1 for d in range(7 * w, 7 * w + 7) if (pi, d) in may_work))
            for pi in skilled[k]
        )
        if need > avail:
            m.add(sum(under[i] for i in idx) >= need - avail)


def _fairness(
    m: cp_model.CpModel,
    problem: RosterProblem,
    options: RosterOptions,
    x: dict[tuple[int, int, str], Any],
    work: dict[tuple[int, int], Any],
    ot: dict[tuple[int, int], Any],
    start: dict[str, dict[int, int]],
) -> tuple[list[Any], dict[Any, int]]:
    """Per pool, the spread (or the max) of weekend days, nights and overtime minutes; the
    objective's terms, and the hint of their variables from ``start`` (measure -> person ->
    value of the starting roster)."""
    if options.fairness_cost <= 0:
        return [], {}
    pools: dict[str, list[int]] = defaultdict(list)
    for pi, p in enumerate(problem.people):
        pools[p.pool].append(pi)
    weekend = {
        pi: sum(work[pi, d] for d in range(problem.days) if d % 7 >= 5 and (pi, d) in work)
        for pi in range(len(problem.people))
    }
    nights: dict[int, Any] = defaultdict(int)
    for (pi, _d, s), v in x.items():
        if problem.shifts[s].night:
            nights[pi] += v
    overtime: dict[int, Any] = defaultdict(int)
    for (pi, _w), o in ot.items():
        overtime[pi] += o
    out = []
    hint: dict[Any, int] = {}
    per_unit = (
        ("weekend", weekend, scaled(options.fairness_cost), 7 * problem.weeks),
        ("nights", nights, scaled(options.fairness_cost), 7 * problem.weeks),
        ("overtime", overtime, scaled(options.fairness_cost / 60.0), 168 * 60 * problem.weeks),
    )
    for members in pools.values():
        for name, values, cost, top in per_unit:
            exprs = [values[pi] for pi in members]
            if all(isinstance(e, int) for e in exprs) or cost == 0:
                continue
            got = [start[name].get(pi, 0) for pi in members]
            hi = m.new_int_var(0, top, "")
            m.add_max_equality(hi, exprs)
            hint[hi] = max(got)
            if options.fairness == "max":
                out.append(cost * hi)
                continue
            lo = m.new_int_var(0, top, "")
            m.add_min_equality(lo, exprs)
            hint[lo] = min(got)
            out.append(cost * (hi - lo))
    return out, hint
