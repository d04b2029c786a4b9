"""Independent checker and KPIs of dispatch plans (routes), whoever wrote them.

A route is one member of a staff pool leaving the pool's home depot at the start of its shift
(or at the route's ``start_min``, if later), doing its jobs in order and returning. For each job:
arrival = departure + travel time; service starts at max(arrival, window start) and must start
by the window's end; it lasts the job's ``duration_min`` (or its type's). The member must hold
the job type's skill at the type's minimum proficiency; the load (sum of ``quantity``) must fit
the vehicle; the return must come before the shift's end plus the pool's ``max_overtime_min``.
Distances and travel times come from the network (an explicit arc, or the travel model with its
rounding: Solomon's ``bks.csv`` convention truncates every arc to one decimal, and the truncated
value is also the travel time at 60 km/h).

Plain loops over the entities, sharing no code with any routing engine: a certificate for the
dispatch solver's output, as :mod:`servopt.optimizer.placement.check` is for placement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.dispatch.terms import (
    DispatchOptions,
    first_time_fix,
    job_prices,
    late_bands,
)
from servopt.optimizer.result import Result

_EPS = 1e-6
_REL = 1e-6


@dataclass(frozen=True)
class RouteFigures:
    """What the checker recomputed, and every violation found."""

    violations: tuple[str, ...]
    distance_km: float
    routes: int
    served: tuple[str, ...]
    unserved: tuple[str, ...]
    travel_min: float
    working_min: float
    overtime_min: float
    cost: float
    per_route: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    #: (job, pool, service start in minutes, the member's proficiency in the job's skill)
    visits: tuple[tuple[str, str, float, float], ...] = field(default_factory=tuple)

    @property
    def feasible(self) -> bool:
        return not self.violations


def check_routes(network: ServiceNetwork, plan: Plan) -> RouteFigures:
    """Check ``plan.routes`` on ``network`` and recompute distance, time and cost."""
    # References first (unknown pools, members or jobs, a job on two routes); what can still be
    # evaluated is, so one run reports everything.
    violations = [f"{p.path}: {p.message}" for p in plan.check_against(network)]
    jobs = network.index["jobs"]
    types = network.index["job_types"]
    served: list[str] = []
    seen_member: dict[tuple[str, int], int] = {}
    total_km = total_travel = total_work = total_over = total_cost = 0.0
    per_route = []
    visits: list[tuple[str, str, float, float]] = []
    for r_idx, route in enumerate(plan.routes or ()):
        where = f"routes[{r_idx}]"
        if route.pool not in network.index["pools"]:
            continue
        key = (route.pool, route.member)
        if key in seen_member:
            violations.append(
                f"{where}: member {route.member} of pool {route.pool!r} already "
                f"drives routes[{seen_member[key]}]"
            )
        seen_member.setdefault(key, r_idx)
        pool = network.pool(route.pool)
        if pool.home_depot is None:
            violations.append(f"{where}: pool {pool.id!r} has no home depot to start from")
            continue
        shift_start, shift_end = (
            (pool.shifts[0].start_min, pool.shifts[0].end_min)
            if pool.shifts
            else (0.0, float("inf"))
        )
        now = max(shift_start, route.start_min or 0.0)
        here = pool.home_depot
        load = km = travel = 0.0
        for j_idx, job_id in enumerate(route.jobs):
            if job_id not in jobs:
                continue
            job = jobs[job_id]
            jt = types[job.job_type]
            prof = pool.skills.get(jt.skill, 0.0)
            if prof <= 0 or prof < jt.min_proficiency:
                violations.append(
                    f"{where}.jobs[{j_idx}]: job {job_id!r} needs skill "
                    f"{jt.skill!r} (at least {jt.min_proficiency}), pool "
                    f"{pool.id!r} has {prof}"
                )
            d = network.distance_km(here, job.site)
            t = network.travel_min(here, job.site, pool.speed_kmh)
            km += d
            travel += t
            now += t
            if job.window is not None:
                if now > job.window[1] + _EPS:
                    violations.append(
                        f"{where}.jobs[{j_idx}]: job {job_id!r} reached at "
                        f"{now:.2f}, after its window closes at {job.window[1]:g}"
                    )
                now = max(now, job.window[0])
            visits.append((job_id, pool.id, now, prof))
            now += job.duration_min if job.duration_min is not None else jt.duration_min
            load += job.quantity
            here = job.site
            served.append(job_id)
        back_km = network.distance_km(here, pool.home_depot)
        back_t = network.travel_min(here, pool.home_depot, pool.speed_kmh)
        km += back_km
        travel += back_t
        now += back_t
        if pool.vehicle_capacity is not None and load > pool.vehicle_capacity + _EPS:
            violations.append(
                f"{where}: load {load:g} above the vehicle capacity {pool.vehicle_capacity:g}"
            )
        over = max(0.0, now - shift_end)
        if over > pool.max_overtime_min + _EPS:
            violations.append(
                f"{where}: back at {now:.2f}, {over:.2f} min after the shift ends "
                f"at {shift_end:g} (overtime allowed: {pool.max_overtime_min:g})"
            )
        working = now - max(shift_start, route.start_min or 0.0)
        ot_rate = (
            pool.overtime_cost_per_hour
            if pool.overtime_cost_per_hour is not None
            else pool.cost_per_hour
        )
        cost = (
            km * pool.cost_per_km
            + (working - over) / 60.0 * pool.cost_per_hour
            + over / 60.0 * ot_rate
        )
        total_km += km
        total_travel += travel
        total_work += working
        total_over += over
        total_cost += cost
        per_route.append(
            {
                "pool": pool.id,
                "member": route.member,
                "jobs": len(route.jobs),
                "distance_km": km,
                "load": load,
                "return_min": now,
                "overtime_min": over,
                "working_min": working,
                "cost": cost,
            }
        )
    counts: dict[str, int] = defaultdict(int)
    for j in served:
        counts[j] += 1  # a job on two routes is already reported by the plan's own check
    unserved = tuple(j.id for j in network.jobs if j.id not in counts)
    return RouteFigures(
        tuple(violations),
        total_km,
        len(plan.routes or ()),
        tuple(counts),
        unserved,
        total_travel,
        total_work,
        total_over,
        total_cost,
        tuple(per_route),
        tuple(visits),
    )


def check_dispatch(network: ServiceNetwork, result: Result) -> list[str]:
    """The decision contract's check of ``result`` on ``network`` (with the plan's staff
    changes): its routes (:func:`check_routes`), hard SLAs, and its reported ``cost`` and
    ``value`` recomputed from this module's route figures and the per-job prices of
    :func:`~servopt.optimizer.dispatch.terms.job_prices` (the one home of dispatch's prices),
    summed here, apart from the solver's translation and the evaluator. Empty when it holds."""
    if result.plan is None:
        return [] if not result.status.has_plan else ["the result has no plan"]
    options = result.options if isinstance(result.options, DispatchOptions) else DispatchOptions()
    staffed = result.plan.staffed(network)
    fig = check_routes(staffed, result.plan)
    out = list(fig.violations)
    prices = job_prices(staffed, options, result.plan)
    jobs = staffed.index["jobs"]
    types = staffed.index["job_types"]
    cost = fig.cost + options.drop_cost * len(fig.unserved)
    value = sum(prices[j].drop_value for j in fig.unserved)
    for job_id, pool, start, prof in fig.visits:
        job, pr = jobs[job_id], prices[job_id]
        miss = 1.0 - first_time_fix(types[job.job_type].first_time_fix, prof)
        cost += miss * pr.repeat_cost
        value += miss * pr.repeat_downtime
        back_cost, back_down, _ = pr.parts_return(staffed, staffed.pool(pool), job.site)
        cost += back_cost
        value += back_down
        if job.deadline_min is not None:
            late = start - job.deadline_min
            value += pr.late_downtime(late_bands(late, options.band_min), options.band_min)
            if options.sla == "hard" and late > _EPS:
                out.append(f"job {job_id!r} starts {late:.2f} min after its hard SLA deadline")
    for key, mine in (("cost", cost), ("value", value)):
        if key in result.objective:
            theirs = float(result.objective[key])
            if abs(theirs - mine) > _REL * max(abs(mine), 1.0):
                out.append(f"reported {key} {theirs:,.6f} differs from the recomputed {mine:,.6f}")
    return out
