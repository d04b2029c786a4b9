"""The dispatch evaluator: cost, value and every KPI of any plan with routes, whoever wrote it.

It prices the route figures of the independent checker
(:func:`~servopt.optimizer.dispatch.check.check_routes`: plain loops over the entities, no
engine code) with the prices of :mod:`servopt.optimizer.dispatch.terms`, so a solver's plan, a
hand-written one and a redesign's proposal are priced the same way:

.. math::

    \\text{cost} = \\sum_r (\\text{km}_r k^{km}_r + \\text{labour}_r)
        + \\sum_{j \\text{ served}} \\big((1 - \\phi_j) R^{c}_j + \\mu_j P^{c}_j\\big)
        + D \\cdot |\\text{dropped}|

    \\text{value} = \\sum_{j \\text{ served}} \\big(\\delta_j \\lceil \\ell_j / b \\rceil b / 60
        + (1 - \\phi_j) R^{v}_j + \\delta_j W_j\\big)
        + \\sum_{j \\text{ dropped}} \\delta_j H^{drop}

:math:`\\phi_j`: first-time-fix probability of the visit; :math:`R^c, R^v`: the repeat visit's
cost and downtime; :math:`\\mu_j`: the probability that the job's part is not at its
technician's home depot, :math:`P^c_j` the return visit's cost and :math:`W_j` the expected
wait for the part's delivery (:mod:`~servopt.optimizer.dispatch.terms`); :math:`\\delta_j`:
the segment's downtime cost per hour; :math:`\\ell_j`: minutes late against the SLA
deadline, priced per started band :math:`b`; :math:`D`: ``drop_cost`` (the price of a job
not done today: subcontracting or expediting it);
:math:`H^{drop}`: ``drop_delay_h``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import DispatchPolicy, Plan
from servopt.models.workforce import Workload, pool_workload
from servopt.optimizer.dispatch.check import RouteFigures, check_routes
from servopt.optimizer.dispatch.nearest import field_pools, nearest_routes, screen
from servopt.optimizer.dispatch.terms import (
    DispatchOptions,
    JobPrices,
    first_time_fix,
    job_prices,
    late_bands,
    shift_notes,
)
from servopt.optimizer.result import Kpis, Result, Units, evaluated

_EPS = 1e-6
_DAY_MIN = 1440.0


@dataclass(frozen=True)
class SlaFigures(Kpis):
    """One segment's jobs against their SLA deadlines. ``attainment`` is on time over jobs due
    today (served ones with a deadline, and dropped ones whose deadline passes before
    midnight); a dropped job due later is ``deferred``."""

    jobs: int
    with_deadline: int
    on_time: int
    late: int
    dropped: int
    deferred: int
    attainment: float | None


@dataclass(frozen=True)
class Drop(Kpis):
    """A job on no route, and why."""

    job: str
    reason: str


@dataclass(frozen=True)
class PoolLoad(Kpis):
    """One field pool's work on the day and, scaled to a year of such days, its load and
    attrition (:mod:`servopt.models.workforce`, the network's ``workforce``).

    Hours a day for the pool: ``route_h`` on its routes (travel, waits and jobs), ``repeat_h``
    of expected repeat visits it makes as the nearest expert (probability x the visit's time
    from its home and back), ``return_h`` of expected return visits to fit a part that was not
    at its home depot, ``deferred_h`` of dropped jobs it is the nearest expert for (the
    work comes back another day); ``work_h`` is their sum. ``contracted_h``: the pool's
    contracted hours a day (its first shift, breaks excluded, x head count); ``load`` is
    ``work_h`` over it.
    ``route_overtime_h``: hours on routes past the shift end. ``days_per_year``: 52 x the
    shift's days a week; ``year`` prices the load over those days.
    """

    headcount: int
    route_h: float
    repeat_h: float
    deferred_h: float
    contracted_h: float
    route_overtime_h: float
    days_per_year: int
    load: float
    year: Workload
    return_h: float = 0.0

    @property
    def work_h(self) -> float:
        """Hours of work a day: routes, repeat visits, part returns and deferred drops."""
        return self.route_h + self.repeat_h + self.return_h + self.deferred_h


@dataclass(frozen=True)
class DepartmentLoad(Kpis):
    """The field pools of one department (``pools.department``; ``""`` when unnamed) taken
    together: head count, hours a day of work (:attr:`PoolLoad.work_h`) over
    contracted hours (``load``), and per year the expected leavers, their share of the head
    count (``attrition_yearly``) and their replacement cost."""

    headcount: int
    work_h: float
    contracted_h: float
    load: float
    attrition_yearly: float
    leavers_per_year: float
    replacement_cost_per_year: float


@dataclass(frozen=True)
class DispatchKpis(Kpis):
    """Every dispatch KPI of a plan; money in the network's currency for the day's jobs.

    ``cost``: routes (travel and labour), expected repeat visits, expected return visits to
    fit a part that was not at the technician's depot, and drops; ``value``: the customers'
    downtime (late against SLA, repeat visits, waits for parts, dropped jobs); their parts in
    ``cost_parts`` and ``value_parts``; ``travel_cost`` the km part of routes, repeat visits
    and part returns (in ``cost``); ``parts_returns_expected`` the expected return visits.
    ``pools``: each field pool's load and attrition
    (:class:`PoolLoad`), ``departments`` the same by department (:class:`DepartmentLoad`);
    reported, not in ``cost``: leavers are a yearly cost, not the day's. ``solve`` says how a
    solver reached the plan (engine, its own objective, the parts solved, fallbacks, stage
    times); ``None`` for a plan only evaluated.
    """

    cost: float
    value: float
    cost_parts: dict[str, float]
    value_parts: dict[str, float]
    distance: float
    routes: int
    served: int
    dropped: tuple[Drop, ...]
    repeat_visits_expected: float
    overtime_h: float
    working_h: float
    travel_h: float
    late_h: float
    sla: dict[str, SlaFigures]
    per_route: tuple[dict[str, Any], ...]
    pools: dict[str, PoolLoad] | None = None
    departments: dict[str, DepartmentLoad] | None = None
    solve: dict[str, Any] | None = None
    parts_returns_expected: float = 0.0
    travel_cost: dict[str, float] | None = None

    def scalar(self, options: DispatchOptions) -> float:
        """The scalar the search minimises: ``w_c (cost - drops) + w_v value + drops`` with
        (w_c, w_v) of :attr:`DispatchOptions.weights` (a drop's price at full weight under
        every objective); ``cost`` under ``cost``, ``weighted`` under ``weighted``."""
        wc, wv = options.weights
        drops = self.cost_parts["drops"]
        return wc * (self.cost - drops) + wv * self.value + drops


def dispatch_kpis(
    network: ServiceNetwork,
    plan: Plan,
    options: DispatchOptions,
    drop_reasons: dict[str, str] | None = None,
    fig: RouteFigures | None = None,
) -> DispatchKpis:
    """:class:`DispatchKpis` of ``plan`` on ``network``, which must carry the pools in force
    (``plan.staffed(network)``); ``fig``: the checker's figures when already computed."""
    fig = fig if fig is not None else check_routes(network, plan)
    prices = job_prices(network, options, plan)
    jobs = network.index["jobs"]
    types = network.index["job_types"]
    repeat_visits = repeat_cost = repeat_downtime = late_cost = lateness_h = 0.0
    returns = return_cost = parts_wait = repeat_km = return_km = 0.0
    rows: dict[str, dict[str, int]] = {
        s.id: {"jobs": 0, "with_deadline": 0, "on_time": 0, "late": 0, "dropped": 0, "deferred": 0}
        for s in network.segments
    }
    for job_id, pool_id, start, prof in fig.visits:
        job = jobs[job_id]
        pr = prices[job_id]
        q = 1.0 - first_time_fix(types[job.job_type].first_time_fix, prof)
        repeat_visits += q
        repeat_cost += q * pr.repeat_cost
        repeat_downtime += q * pr.repeat_downtime
        repeat_km += q * pr.repeat_km_cost
        pool = network.pool(pool_id)
        return_km += pr.return_km_cost(network, pool, job.site)
        r_cost, r_down, _ = pr.parts_return(network, pool, job.site)
        returns += pr.part_miss.get(pool.home_depot or "", 0.0)
        return_cost += r_cost
        parts_wait += r_down
        row = rows[network.site(job.site).segment]
        if job.deadline_min is not None:
            row["with_deadline"] += 1
            late = start - job.deadline_min
            bands = late_bands(late, options.band_min)
            if bands:
                row["late"] += 1
                lateness_h += late / 60.0
                late_cost += pr.late_downtime(bands, options.band_min)
            else:
                row["on_time"] += 1
    for job in network.jobs:
        row = rows[network.site(job.site).segment]
        row["jobs"] += 1
        if job.id in fig.unserved:
            row["dropped"] += 1
            if job.deadline_min is not None and job.deadline_min < _DAY_MIN:
                row["with_deadline"] += 1  # a miss: its deadline passes today
            elif job.deadline_min is not None:
                row["deferred"] += 1  # still in time tomorrow
    drops = len(fig.unserved)
    loads = dispatch_workloads(network, fig, prices)
    cost_parts = {
        "routes": fig.cost,
        "repeat_visits": repeat_cost,
        "parts_returns": return_cost,
        "drops": options.drop_cost * drops,
    }
    value_parts = {
        "late": late_cost,
        "repeat_downtime": repeat_downtime,
        "parts_wait": parts_wait,
        "dropped_downtime": sum(prices[j].drop_value for j in fig.unserved),
    }
    return DispatchKpis(
        cost=sum(cost_parts.values()),
        value=sum(value_parts.values()),
        cost_parts=cost_parts,
        value_parts=value_parts,
        distance=fig.distance_km,
        routes=fig.routes,
        served=len(fig.served),
        dropped=tuple(
            Drop(j, (drop_reasons or {}).get(j, "not on any route")) for j in fig.unserved
        ),
        repeat_visits_expected=repeat_visits,
        parts_returns_expected=returns,
        travel_cost={
            "routes": sum(
                r["distance_km"] * network.pool(r["pool"]).cost_per_km for r in fig.per_route
            ),
            "repeat_visits": repeat_km,
            "parts_returns": return_km,
        },
        overtime_h=fig.overtime_min / 60.0,
        working_h=fig.working_min / 60.0,
        travel_h=fig.travel_min / 60.0,
        late_h=lateness_h,
        sla={
            seg: SlaFigures(
                **row,
                attainment=(row["on_time"] / row["with_deadline"])
                if row["with_deadline"]
                else None,
            )
            for seg, row in rows.items()
            if row["jobs"]
        },
        per_route=tuple(dict(r) for r in fig.per_route),
        pools=loads,
        departments=department_loads(network, loads),
    )


def department_loads(
    network: ServiceNetwork, pools: dict[str, PoolLoad]
) -> dict[str, DepartmentLoad]:
    """:class:`DepartmentLoad` of each department with a pool in ``pools``."""
    groups: dict[str, list[PoolLoad]] = {}
    for pid, load in pools.items():
        groups.setdefault(network.pool(pid).department, []).append(load)
    out = {}
    for dept, members in groups.items():
        work = sum(m.work_h for m in members)
        contracted = sum(m.contracted_h for m in members)
        heads = sum(m.headcount for m in members)
        leavers = sum(m.year.leavers_per_year for m in members)
        out[dept] = DepartmentLoad(
            headcount=heads,
            work_h=work,
            contracted_h=contracted,
            load=work / contracted,
            attrition_yearly=leavers / heads,
            leavers_per_year=leavers,
            replacement_cost_per_year=sum(m.year.replacement_cost_per_year for m in members),
        )
    return out


def dispatch_workloads(
    network: ServiceNetwork, fig: RouteFigures, prices: dict[str, JobPrices]
) -> dict[str, PoolLoad]:
    """:class:`PoolLoad` of every pool with a home depot, a shift and people, from the
    checker's route figures and the repeat visits' times of ``prices``."""
    types = network.index["job_types"]
    # route, repeat, deferred, overtime, part returns
    work = {p.id: [0.0, 0.0, 0.0, 0.0, 0.0] for p in network.pools}
    for r in fig.per_route:
        work[r["pool"]][0] += r["working_min"]
        work[r["pool"]][3] += r["overtime_min"]
    jobs = network.index["jobs"]
    for job_id, pool, _start, prof in fig.visits:
        pr = prices[job_id]
        if pr.expert is not None:
            miss = 1.0 - first_time_fix(types[jobs[job_id].job_type].first_time_fix, prof)
            work[pr.expert][1] += miss * pr.repeat_min
        work[pool][4] += pr.parts_return(network, network.pool(pool), jobs[job_id].site)[2]
    for job_id in fig.unserved:
        pr = prices[job_id]
        if pr.expert is not None:
            work[pr.expert][2] += pr.repeat_min
    out = {}
    for p in network.pools:
        if p.home_depot is None or not p.shifts or not p.shifts[0].days or p.headcount < 1:
            continue
        route, repeat, deferred, over, back = (m / 60.0 for m in work[p.id])
        contracted = p.shifts[0].working_min / 60.0 * p.headcount
        days = 52 * len(p.shifts[0].days)
        year = pool_workload(
            (route + repeat + back + deferred) * days,
            p.headcount,
            contracted / p.headcount * days,
            workforce=network.workforce,
            replacement_cost=p.replacement_cost,
            overtime_cost_per_hour=(
                p.overtime_cost_per_hour
                if p.overtime_cost_per_hour is not None
                else p.cost_per_hour
            ),
        )
        out[p.id] = PoolLoad(
            headcount=p.headcount,
            route_h=route,
            repeat_h=repeat,
            deferred_h=deferred,
            return_h=back,
            contracted_h=contracted,
            route_overtime_h=over,
            days_per_year=days,
            load=year.load,
            year=year,
        )
    return out


def hard_sla_violations(
    network: ServiceNetwork, fig: RouteFigures, options: DispatchOptions
) -> list[str]:
    """Each visit that starts after its job's deadline when SLAs are ``hard``."""
    if options.sla != "hard":
        return []
    jobs = network.index["jobs"]
    out = []
    for job_id, _pool, start, _prof in fig.visits:
        deadline = jobs[job_id].deadline_min
        if deadline is not None and start - deadline > _EPS:
            out.append(
                f"job {job_id!r} starts at {start:.2f}, after its hard SLA deadline {deadline:g}"
            )
    return out


def evaluate_dispatch(
    network: ServiceNetwork, plan: Plan, options: DispatchOptions | None = None
) -> Result:
    """The figures of any plan with routes (a solver's or hand-written) on ``network``, with the
    plan's own staff changes applied (``plan.staffed(network)``).

    Returns a :class:`~servopt.optimizer.result.Result`: ``objective`` ``cost`` and ``value``
    (see the module docstring; ``weighted`` under a weighted objective), :class:`DispatchKpis`,
    and ``violations``: what the routes break (skills, windows, shifts, capacity, hard SLAs).
    A plan with no routes and ``dispatch_policy: nearest`` is routed by the nearest-engineer
    policy first (as ``solve_dispatch(..., policy="nearest")`` does); one with no routes and
    ``optimise`` is refused (nothing to evaluate: solve it).
    """
    start = time.perf_counter()
    options = options or DispatchOptions()
    staffed = plan.staffed(network)
    reasons: dict[str, str] | None = None
    notes = shift_notes(staffed)
    if plan.routes is None and plan.dispatch_policy is DispatchPolicy.NEAREST:
        screened = screen(staffed, field_pools(staffed), options)
        routes, drops = nearest_routes(staffed, options, screened)
        reasons = {**screened, **drops}
        plan = plan.replace(routes=routes)
        notes.insert(0, "routes: the plan's dispatch_policy nearest (nearest-engineer dispatch)")
    elif plan.routes is None and plan.dispatch_policy is DispatchPolicy.OPTIMISE:
        raise BadInputError(
            [
                Problem(
                    "dispatch_policy",
                    "'optimise' with no routes: there are no routes to evaluate; solve them "
                    "first (servopt solve dispatch NETWORK --plan PLAN --json result.json) and "
                    "evaluate the result",
                )
            ]
        )
    elif plan.routes is None:
        notes.insert(0, "the plan has no routes (and no dispatch_policy): every job is dropped")
    fig = check_routes(staffed, plan)
    kpis = dispatch_kpis(staffed, plan, options, reasons, fig)
    violations = (*fig.violations, *hard_sla_violations(staffed, fig, options))
    return evaluated(
        "dispatch", dispatch_units(network), options, kpis, plan, start, notes, violations
    )


def dispatch_units(network: ServiceNetwork) -> Units:
    """Dispatch's money is for the network's jobs, one day's work: the network's currency per
    day."""
    return Units(Units.of(network).currency, "day")
