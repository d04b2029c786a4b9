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

_EPS = 1e-6
_DAY_MIN = 1440.0


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


def evaluate_dispatch(
    network: ServiceNetwork,
    plan: Plan,
    options: DispatchOptions | None = None,
    drop_reasons: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The dispatch KPIs and objective of any plan with routes (a solver's or hand-written).

    ``network`` must carry the pools in force (``plan.staffed(network)``
    for a plan with pool changes). Prices follow :mod:`servopt.optimizer.dispatch.terms`.
    Returns ``objective`` (the scalar the options optimise), ``cost`` and ``value`` with their
    parts, SLA attainment per segment (on time / jobs due today: served ones with a deadline,
    and dropped ones whose deadline passes before midnight; a dropped job due later is
    ``deferred``), expected repeat visits, overtime, distance, routes,
    drops (with ``drop_reasons`` where given) and the checker's violations.
    """
    options = options or DispatchOptions()
    fig = check_routes(network, plan)
    prices = job_prices(network, options)
    jobs = network.index["jobs"]
    types = network.index["job_types"]
    wc, wv = options.weights
    repeat_visits = repeat_cost = repeat_downtime = late_cost = 0.0
    seg_rows: dict[str, dict[str, float]] = {
        s.id: {"jobs": 0, "with_deadline": 0, "on_time": 0, "late": 0, "dropped": 0, "deferred": 0}
        for s in network.segments
    }
    lateness_h = 0.0
    violations = list(fig.violations)
    for job_id, _pool, start, prof in fig.visits:
        job = jobs[job_id]
        pr = prices[job_id]
        q = 1.0 - first_time_fix(types[job.job_type].first_time_fix, prof)
        repeat_visits += q
        repeat_cost += q * pr.repeat_cost
        repeat_downtime += q * pr.repeat_downtime
        row = seg_rows[network.site(job.site).segment]
        if job.deadline_min is not None:
            row["with_deadline"] += 1
            late = start - job.deadline_min
            if options.sla == "hard" and late > _EPS:
                violations.append(
                    f"job {job_id!r} starts at {start:.2f}, after its hard SLA deadline "
                    f"{job.deadline_min:g}"
                )
            bands = late_bands(late, options.band_min)
            if bands:
                row["late"] += 1
                lateness_h += late / 60.0
                late_cost += pr.downtime_per_h * bands * options.band_min / 60.0
            else:
                row["on_time"] += 1
    for job in network.jobs:
        row = seg_rows[network.site(job.site).segment]
        row["jobs"] += 1
        if job.id in fig.unserved:
            row["dropped"] += 1
            if job.deadline_min is not None and job.deadline_min < _DAY_MIN:
                row["with_deadline"] += 1  # a miss: its deadline passes today
            elif job.deadline_min is not None:
                row["deferred"] += 1  # still in time tomorrow
    drop_value = sum(prices[j].drop_value for j in fig.unserved)
    cost = fig.cost + repeat_cost
    value = late_cost + repeat_downtime + drop_value
    drops = len(fig.unserved)
    sla = {
        seg: {
            **row,
            "attainment": (row["on_time"] / row["with_deadline"]) if row["with_deadline"] else None,
        }
        for seg, row in seg_rows.items()
        if row["jobs"]
    }
    return {
        "objective": wc * cost + wv * value + options.drop_cost * drops,
        "cost": cost,
        "value": value,
        "cost_parts": {
            "routes": fig.cost,
            "repeat_visits": repeat_cost,
            "drops": options.drop_cost * drops,
        },
        "value_parts": {
            "late": late_cost,
            "repeat_downtime": repeat_downtime,
            "dropped_downtime": drop_value,
        },
        "distance": fig.distance_km,
        "routes": fig.routes,
        "served": len(fig.served),
        "dropped": [
            {"job": j, "reason": (drop_reasons or {}).get(j, "not on any route")}
            for j in fig.unserved
        ],
        "repeat_visits_expected": repeat_visits,
        "overtime_h": fig.overtime_min / 60.0,
        "working_h": fig.working_min / 60.0,
        "travel_h": fig.travel_min / 60.0,
        "late_h": lateness_h,
        "sla": sla,
        "per_route": [dict(r) for r in fig.per_route],
        "violations": violations,
    }
