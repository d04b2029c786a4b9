"""How dispatch prices a plan: the one set of formulas the solver optimises and the evaluator
recomputes. Money is in the network's currency; times in minutes from the horizon start.

Cost (the company's): travel (km x the pool's cost per km), labour (a route's duration, from its
start to its return, at the pool's hourly cost; overtime past the shift at the overtime rate)
and the expected repeat visit: a technician at proficiency p in the job's skill fixes it first
time with probability ``first_time_fix x p``; otherwise a specialist from the nearest depot with
a fully proficient pool comes back (round trip and the job's duration, at that pool's rates).

Parts (the link to placement): a job type may need a part (``JobType.parts``: the share of its
jobs needing one of each family). The technician takes it from the home depot's stock with
the probability that placement's plan has it on the shelf there
(:func:`~servopt.optimizer.placement.evaluate.parts_access`; 0 where the depot is closed or holds
none). Otherwise the machine waits for the part's delivery from where it is stocked
(placement's expected wait for the site) and the technician comes back to fit it: a return
visit (the round trip from home and ``return_share`` of the job's duration, at the pool's
rates) in the cost and in the pool's hours, the wait in the downtime.

Value (the customers'): downtime while the machine waits beyond the SLA: a job served after its
``deadline_min`` pays the segment's downtime cost per hour for every *started* band of
``band_min`` (60: per started hour, as SLAs are written) late; an expected repeat visit costs
``repeat_delay_h`` hours of downtime; a dropped job ``drop_delay_h`` hours; a part not at hand
its delivery wait.

A drop's ``drop_cost`` (the price of a job not done today: subcontracting or expediting it) is
part of the cost, and the solver prices it at full weight whatever the objective (under
``value`` too), so dropping is the last resort.

Objectives (:class:`~servopt.optimizer.params.ObjectiveOptions`): ``cost``, ``value`` (cost kept
as a 1% tie-breaker so that plans of equal value do not wander) and ``weighted``; no cap
(``max_cost``, ``max_value``) can be held by the routing search, and a cap is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from servopt.models.entities import StaffPool
from servopt.models.errors import Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.params import Objective, ObjectiveOptions


@dataclass(frozen=True, kw_only=True)
class DispatchOptions(ObjectiveOptions):
    """How dispatch prices and solves; every figure is documented in the module docstring.

    ``sla``: ``soft`` deadlines are priced per started band late; ``hard`` ones close the
    window (a job that cannot start by its deadline is dropped with that reason).
    ``return_share``: the share of a job's duration its return visit to fit a part takes;
    ``parts_service_level``: the service level the plan's stock is held at, for the parts
    link (``None``: placement's default).
    ``allow_drops``: ``False`` makes every job required (Solomon; an impossible job then
    makes the solve infeasible, explained). ``max_jobs_per_part``: above this many jobs the
    solve decomposes by region (see :func:`servopt.optimizer.dispatch.solve.solve_dispatch`).
    """

    drop_cost: float = 10_000.0
    drop_delay_h: float = 24.0
    repeat_delay_h: float = 24.0
    sla: Literal["soft", "hard"] = "soft"
    band_min: float = 60.0
    allow_drops: bool = True
    max_jobs_per_part: int = 2000
    backend: str = "auto"
    return_share: float = 0.5
    parts_service_level: float | dict[str, float] | None = None

    def objective_problems(self) -> list[Problem]:
        problems = super().objective_problems()
        for name in ("drop_cost", "drop_delay_h", "repeat_delay_h"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                problems.append(Problem(name, f"must be a number >= 0, got {v!r}"))
        if not (isinstance(self.return_share, int | float) and 0 <= self.return_share <= 1):
            problems.append(
                Problem("return_share", f"must be between 0 and 1, got {self.return_share!r}")
            )
        if not (isinstance(self.band_min, int | float) and self.band_min > 0):
            problems.append(Problem("band_min", f"must be > 0 minutes, got {self.band_min!r}"))
        if self.sla not in ("soft", "hard"):
            problems.append(Problem("sla", f"must be 'soft' or 'hard', got {self.sla!r}"))
        if self.backend not in ("auto", "pyvrp", "exact"):
            problems.append(
                Problem("backend", f"must be 'auto', 'pyvrp' or 'exact', got {self.backend!r}")
            )
        if self.max_jobs_per_part < 10:
            problems.append(
                Problem("max_jobs_per_part", f"must be >= 10, got {self.max_jobs_per_part!r}")
            )
        return problems

    @property
    def weights(self) -> tuple[float, float]:
        """(cost weight, value weight) of the scalar objective; ``value`` keeps cost as a 1%
        tie-breaker so equal-value plans do not wander."""
        if self.objective is Objective.COST:
            return 1.0, 0.0
        if self.objective is Objective.VALUE:
            return 0.01, 1.0
        return 1.0, self.value_weight


def first_time_fix(type_ftf: float, proficiency: float) -> float:
    """Probability of fixing the job in one visit at this proficiency."""
    return type_ftf * proficiency


def late_bands(late_min: float, band_min: float) -> int:
    """Started bands late (0 when on time)."""
    if late_min <= 1e-6:
        return 0
    return math.ceil(late_min / band_min - 1e-9)


@dataclass(frozen=True)
class JobPrices:
    """Per job: the repeat visit's cost and downtime (before its probability), the downtime
    rate, and what a drop costs in each currency. A repeat visit is made by the nearest fully
    proficient pool (``expert``, ``None`` when there is none) from its home depot and back,
    taking ``repeat_min`` minutes of its time."""

    repeat_cost: float
    repeat_downtime: float
    downtime_per_h: float
    drop_value: float
    expert: str | None = None
    repeat_min: float = 0.0
    #: home depot -> probability that the job's part is not on its shelf (0: no part needed)
    part_miss: Mapping[str, float] = field(default_factory=dict)
    #: home depot -> expected hours the machine waits for a part shipped instead
    part_wait_h: Mapping[str, float] = field(default_factory=dict)
    #: minutes a return visit to fit the part takes on site
    return_work_min: float = 0.0
    #: the repeat visit's travel cost (its km at the expert's cost per km; in ``repeat_cost``)
    repeat_km_cost: float = 0.0

    def return_km_cost(self, network: ServiceNetwork, pool: StaffPool, site: str) -> float:
        """Expected travel cost (km only) of the part's return visit by ``pool``."""
        miss = self.part_miss.get(pool.home_depot or "", 0.0)
        if miss <= 0.0:
            return 0.0
        return miss * 2 * network.distance_km(pool.home_depot or "", site) * pool.cost_per_km

    def parts_return(
        self, network: ServiceNetwork, pool: StaffPool, site: str
    ) -> tuple[float, float, float]:
        """Expected (cost, downtime, minutes of the pool's time) of a visit by ``pool`` to
        this job when its part may not be at the pool's home depot (module docstring)."""
        miss = self.part_miss.get(pool.home_depot or "", 0.0)
        if miss <= 0.0:
            return 0.0, 0.0, 0.0
        home = pool.home_depot or ""
        mins = 2 * network.travel_min(home, site, pool.speed_kmh) + self.return_work_min
        cost = 2 * network.distance_km(home, site) * pool.cost_per_km
        cost += mins / 60.0 * pool.cost_per_hour
        down = self.part_wait_h.get(home, 0.0) * self.downtime_per_h
        return miss * cost, down, miss * mins

    def late_downtime(self, bands: int, band_min: float) -> float:
        """The downtime a visit ``bands`` started bands of ``band_min`` late costs."""
        return self.downtime_per_h * bands * band_min / 60.0

    def drop_price(self, options: DispatchOptions) -> float:
        """What dropping the job adds to the scalar objective."""
        return options.drop_cost + options.weights[1] * self.drop_value


def needs_parts(network: ServiceNetwork) -> bool:
    """Whether any job on ``network`` is of a type that may need a part."""
    types = network.index["job_types"]
    return any(types[j.job_type].parts for j in network.jobs)


def job_prices(
    network: ServiceNetwork, options: DispatchOptions, plan: Plan | None = None
) -> dict[str, JobPrices]:
    """:class:`JobPrices` of every job, with the network's staff (``plan.staffed(network)`` for
    a plan's) and, where jobs need parts, the stock of ``plan``'s placement (today's depots
    when ``plan`` is ``None``)."""
    out = {}
    types = network.index["job_types"]
    access = None
    if needs_parts(network):
        from servopt.optimizer.placement.evaluate import parts_access
        from servopt.optimizer.placement.terms import PlacementOptions

        level = options.parts_service_level
        access = parts_access(
            network,
            plan or Plan(),
            PlacementOptions() if level is None else PlacementOptions(service_level=level),
        )
    homes = sorted({p.home_depot for p in network.pools if p.home_depot is not None})
    for job in network.jobs:
        jt = types[job.job_type]
        site = network.site(job.site)
        seg = network.segment(site.segment)
        dur = job.duration_min if job.duration_min is not None else jt.duration_min
        experts = [
            (network.distance_km(p.home_depot, job.site), p.id, p.home_depot, p)
            for p in network.pools
            if p.home_depot is not None and p.headcount > 0 and p.skills.get(jt.skill, 0) >= 1.0
        ]
        expert, mins, km_cost = None, 0.0, 0.0
        if experts:
            one_way_km, expert, depot, best = min(experts, key=lambda e: e[:2])
            mins = 2 * network.travel_min(depot, job.site, best.speed_kmh) + dur
            km_cost = 2 * one_way_km * best.cost_per_km
            repeat = km_cost + mins / 60.0 * best.cost_per_hour
        else:
            repeat = 0.0  # nobody better exists: no repeat visit to price
        rate = seg.downtime_cost_per_hour
        miss: dict[str, float] = {}
        wait: dict[str, float] = {}
        if access is not None and jt.parts:
            for home in homes:
                short = [(f, q * (1.0 - access.fill_at(home, f))) for f, q in jt.parts.items()]
                miss[home] = sum(m for _, m in short)
                wait[home] = sum(
                    m * access.wait_h.get((job.site, f), options.drop_delay_h) for f, m in short
                )
        out[job.id] = JobPrices(
            repeat_cost=repeat,
            repeat_downtime=rate * options.repeat_delay_h,
            downtime_per_h=rate,
            drop_value=rate * options.drop_delay_h,
            expert=expert,
            repeat_min=mins,
            part_miss=miss,
            part_wait_h=wait,
            return_work_min=options.return_share * dur,
            repeat_km_cost=km_cost,
        )
    return out


def shift_notes(network: ServiceNetwork) -> list[str]:
    """What dispatch leaves out of the pools' shifts: it routes each member within the pool's
    first shift (start to end, plus ``max_overtime_min``); further shifts and breaks are
    said (one sentence each, naming up to three pools), never silently dropped."""
    field = [p for p in network.pools if p.home_depot is not None and p.headcount > 0]
    more = [p.id for p in field if len(p.shifts) > 1]
    breaks = [p.id for p in field if p.shifts and p.shifts[0].break_min > 0]
    out = []
    if more:
        out.append(
            f"{_some(more)}: dispatch routes each member within the first shift of the pool; "
            "its other shifts are not used"
        )
    if breaks:
        out.append(
            f"{_some(breaks)}: the break in the shift is not modelled by dispatch (routes may "
            "run through it)"
        )
    return out


def _some(pools: list[str]) -> str:
    """``pool 'a'`` or ``3 pools ('a', 'b', 'c')`` or ``81 pools ('a', 'b', 'c', ...)``."""
    if len(pools) == 1:
        return f"pool {pools[0]!r}"
    shown = ", ".join(repr(p) for p in pools[:3])
    return f"{len(pools)} pools ({shown}{', ...' if len(pools) > 3 else ''})"


#: The caps dispatch's method holds (none: the routing search cannot hold a cap).
CAPS_HELD: frozenset[str] = frozenset()

#: Every input field dispatch reads (see :func:`servopt.optimizer.decision.unused_inputs`).
READS = frozenset(
    {
        "network.currency",
        "network.travel",
        "network.workforce",
        "depots.location",
        "sites.location",
        "sites.segment",
        "segments.downtime_cost_per_hour",
        "pools.home_depot",
        "pools.headcount",
        "pools.skills",
        "pools.cost_per_hour",
        "pools.cost_per_km",
        "pools.overtime_cost_per_hour",
        "pools.max_overtime_min",
        "pools.shifts",
        "pools.vehicle_capacity",
        "pools.speed_kmh",
        "pools.replacement_cost",
        "pools.department",
        "job_types.skill",
        "job_types.duration_min",
        "job_types.min_proficiency",
        "job_types.first_time_fix",
        "job_types.parts",
        "jobs.site",
        "jobs.job_type",
        "jobs.window",
        "jobs.duration_min",
        "jobs.quantity",
        "jobs.deadline_min",
        "arcs.depot",
        "arcs.site",
        "arcs.distance_km",
        "arcs.travel_min",
    }
)
