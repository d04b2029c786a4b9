r"""One plan for placement, staffing and dispatch that see each other, priced per year.

The three decisions meet where redesigns fail (case A): closing depots lengthens parts waits,
so engineers arrive without the part and come back; fewer engineers mean overtime, overtime
means leavers. The links (in the decisions' own evaluators):

- **home bases**: a pool's people start from its home depot; a plan that closes it moves them
  to the nearest open depot unless its ``pool_changes[].home_depot`` says where
  (:meth:`~servopt.models.plan.Plan.pools`), so travel in dispatch follows placement;
- **parts**: a job type may need a part (``JobType.parts``); the technician finds it at the
  home depot with placement's fill rate there, else the machine waits for its delivery and the
  technician comes back (:mod:`servopt.optimizer.dispatch.terms`);
- **head counts**: the plan's field head counts are dispatch's technicians, and dispatch's
  hours (routes, repeat visits, part returns) are the pools' load, overtime and leavers
  (:mod:`servopt.models.workforce`); a job dispatch drops is subcontracted at ``drop_cost``,
  so its hours (``deferred``) are reported, not the staff's work;
- **sample days**: dispatch prices a year from ``days`` working days drawn from the sites' job
  rates with the seed (:func:`~servopt.models.generate.sample_days`), its figures the days'
  mean x working days a year, their spread reported.

**A year's figures** (:func:`price_year`), money in the network's currency a year:

.. math::

    C = C^{place} + \sum_p \big(h_p c_p H_p + o_p \sum_d e_{pd} + k\, o_p \sum_d b_{pd}\big)
        + T + D \cdot n^{drop} + R

with placement's cost :math:`C^{place}` (depots, stock, road, air and expedited freight),
each field pool's head count :math:`h_p`, contracted hours a year :math:`H_p` at :math:`c_p`
an hour; on each sample day :math:`d` the pool's own work beyond its contracted hours (or its
routes' overtime, if more) is overtime :math:`e_{pd}` at :math:`o_p` an hour up to the cap
(``max_overtime_min`` a person a day) and :math:`b_{pd}` beyond it, bought from contractors
at ``contractor_factor`` (k) x the overtime rate (:func:`pool_year`; the days' mean x the
pool's working days); :math:`T` the km of routes, repeat visits and part returns; drops at
``drop_cost``; :math:`R` the leavers' replacement (the workforce model at the load of the
hours the staff do themselves). Other staff (call centres, counters) are paid their
contracted hours. The customers' downtime :math:`V` is placement's parts waits (every part
request's delivery, with expediting) plus dispatch's late visits, repeat visits, dropped jobs
and field parts waits (a job whose part is not at its technician's depot waits for the
delivery). The two parts waits come from different data (a site's ``parts_demand`` and its
jobs' ``parts`` needs) and are both counted: where ``parts_demand`` already holds the field
jobs' parts, those waits count twice, the closures' effect with them.

**The method** (:func:`plan_joint`): the *sequential* plan solves each decision on its own
inputs: placement, then field head counts sized from the job rates alone (job hours at the
workforce's reference load, travel and repeat visits unseen: :func:`rate_heads`), then
dispatch of the sample days. The *joint*
plan then iterates up to ``rounds`` times: feed dispatch's return-visit cost per depot back
into placement (``PlacementOptions.depot_credit``) and re-solve it, size every field pool
from its measured hours (:func:`size_pools`: salary, overtime, contractors and leavers,
within the busiest day's reach), train pools in the skills whose saved repeat visits pay
for the training (:func:`choose_training`: training against hiring and overtime, since the
next sizing sees the hours saved), re-dispatch, and keep the plan when the whole year's
objective falls; it stops at the first round that does not improve. The joint plan starts
from the sequential one, so it is never worse on the objective. With a proposal, the
proposal with the training that pays for itself is priced too (``NAME+training``): what
training buys in first-time fix and cost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from servopt.models.entities import Job, StaffPool
from servopt.models.errors import BadInputError, Problem
from servopt.models.generate import sample_days, working_days_per_year
from servopt.models.network import ServiceNetwork
from servopt.models.plan import DispatchPolicy, Plan, PoolChange
from servopt.models.workforce import pool_workload
from servopt.optimizer.dispatch.evaluate import DispatchKpis, PoolLoad, evaluate_dispatch
from servopt.optimizer.dispatch.solve import solve_dispatch
from servopt.optimizer.dispatch.terms import DispatchOptions, JobPrices
from servopt.optimizer.params import Objective, ObjectiveOptions, SolveParams
from servopt.optimizer.placement.evaluate import evaluate_placement
from servopt.optimizer.placement.solve import solve_placement
from servopt.optimizer.placement.terms import PlacementOptions
from servopt.optimizer.result import Kpis, json_ready

__all__ = [
    "JointOptions",
    "JointPlan",
    "Round",
    "YearFigures",
    "plan_joint",
    "price_year",
    "size_pools",
]


@dataclass(frozen=True, kw_only=True)
class JointOptions(ObjectiveOptions):
    """How the joint plan prices and searches (module docstring).

    ``days``: sample days dispatched per plan; ``rounds``: most feedback rounds;
    ``iterations``: routing iterations per sample day (with it, the same seed gives the same
    plan when the time limit does not end a search first); ``contractor_factor``: the price
    of work beyond the staff's hours and overtime cap, as a multiple of the pool's overtime
    rate (a chosen figure); ``min_headcount``: the fewest people a field pool keeps (1: every
    skill stays in every region). ``placement``/``dispatch``: those decisions' options (their
    objectives are set from this one's).
    """

    objective: Objective = Objective.WEIGHTED
    days: int = 5
    rounds: int = 5
    iterations: int | None = 2000
    contractor_factor: float = 2.0
    min_headcount: int = 1
    placement: PlacementOptions = field(default_factory=PlacementOptions)
    dispatch: DispatchOptions = field(default_factory=DispatchOptions)

    def objective_problems(self) -> list[Problem]:
        problems = super().objective_problems()
        for name, low in (("days", 1), ("rounds", 0), ("min_headcount", 0)):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= low):
                problems.append(Problem(name, f"must be a whole number >= {low}, got {v!r}"))
        if self.iterations is not None and not (
            isinstance(self.iterations, int) and self.iterations >= 1
        ):
            problems.append(Problem("iterations", f"must be >= 1, got {self.iterations!r}"))
        f = self.contractor_factor
        if not (isinstance(f, int | float) and math.isfinite(f) and f >= 0):
            problems.append(Problem("contractor_factor", f"must be a number >= 0, got {f!r}"))
        if self.caps:
            problems.append(
                Problem("max_cost/max_value", "the joint plan holds no cap; vary value_weight")
            )
        return problems

    def score(self, cost: float, value: float) -> float:
        """The year's objective (:meth:`ObjectiveOptions.score`), with cost as a 1%
        tie-breaker under ``value`` (as dispatch's) so that plans of equal downtime do not
        wander."""
        if self.objective is Objective.VALUE:
            return value + 0.01 * cost
        return super().score(cost, value)


@dataclass(frozen=True)
class DaySpread(Kpis):
    """One figure a day over the sample days: mean, least, most and standard deviation."""

    mean: float
    least: float
    most: float
    std: float

    @classmethod
    def of(cls, xs: list[float]) -> DaySpread:
        m = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
        return cls(m, min(xs), max(xs), sd)


@dataclass(frozen=True)
class SegmentYear(Kpis):
    """One segment's field jobs a year under a plan (from the sample days' SLA figures) and
    what the misses cost it by its churn model
    (:meth:`~servopt.models.entities.Segment.churn_from`).

    ``misses``: jobs due (dispatch's ``with_deadline``: served with a deadline, or dropped
    past it) that are not on time; ``attainment``: on time over jobs due; ``field_value``: the
    part of the segment's value that rides on its field channels (delivery, field visits) by
    its ``channel_preference`` (:meth:`~servopt.models.entities.Segment.value_on`).
    """

    jobs: float
    on_time: float
    misses: float
    attainment: float | None
    customers_lost: float
    repeat_purchase_change: float | None
    value_lost: float
    field_value: float


@dataclass(frozen=True)
class YearFigures(Kpis):
    """A plan priced per year on the whole model (module docstring).

    ``cost_parts`` (the company's): ``depots``, ``stock``, ``road_freight``,
    ``air_and_expediting``, ``failed_promises``, ``field_labour`` (contracted hours),
    ``other_staff``, ``overtime``, ``contractors``, ``travel``, ``subcontracted_drops``,
    ``leavers_replacement``, ``training`` (:func:`training_cost_per_year`). ``value_parts``
    (the customers' downtime): ``parts_waits``, ``field_parts_waits``, ``late_visits``,
    ``repeat_visits``, ``dropped_jobs``. ``hours`` a year of the field:
    ``contracted``, ``routes``, ``repeat_visits``, ``part_returns``, ``deferred``,
    ``overtime``, ``beyond_cap``. ``per_day``: the sample days' dispatch cost and downtime.
    ``first_time_fix``: the share of served jobs fixed at the first visit (expected).
    ``segments``: each segment's field jobs, misses and the customers they lose
    (:class:`SegmentYear`).
    """

    name: str
    cost: float
    value: float
    cost_parts: dict[str, float]
    value_parts: dict[str, float]
    open_depots: int
    field_headcount: int
    field_load: float
    leavers_per_year: float
    hours: dict[str, float]
    repeat_visits_per_year: float
    first_time_fix: float | None
    part_returns_per_year: float
    drops_per_day: float
    per_day: dict[str, DaySpread]
    working_days: int
    segments: dict[str, SegmentYear] = field(default_factory=dict)


@dataclass(frozen=True)
class Round(Kpis):
    """One round of the joint search: its plan's year figures and whether it was kept."""

    round: int
    seconds: float
    cost: float
    value: float
    objective: float
    kept: bool
    field_headcount: int
    open_depots: int


@dataclass(frozen=True)
class JointPlan:
    """What :func:`plan_joint` returns: the plans priced on the same terms, the rounds, each
    priced plan's sample-day routes (``routes[name][day]``) and the sample days themselves
    (``days[day]``: the network with that day's jobs, which the routes name)."""

    figures: dict[str, YearFigures]
    plans: dict[str, Plan]
    rounds: tuple[Round, ...]
    routes: dict[str, tuple[tuple[Any, ...], ...]]
    seconds: float
    notes: tuple[str, ...]
    options: JointOptions
    params: SolveParams
    days: tuple[ServiceNetwork, ...] = ()

    def summary(self, currency: str = "") -> str:
        """The plans side by side, per year: every cost and downtime component, hours and
        people, then the rounds."""
        names = list(self.figures)
        figs = [self.figures[n] for n in names]
        unit = f" ({currency} a year)" if currency else " (a year)"
        width = max(12, *(len(n) + 1 for n in names))
        head = f"{'':26}" + "".join(f"{n:>{width}}" for n in names)

        def row(label: str, values: list[float], fmt: str = "{:,.0f}") -> str:
            return f"{label:26}" + "".join(f"{fmt.format(v):>{width}}" for v in values)

        lines = [f"cost{unit}", head]
        for key in figs[0].cost_parts:
            lines.append(row(f"  {key}", [f.cost_parts[key] for f in figs]))
        lines.append(row("  total cost", [f.cost for f in figs]))
        lines += ["", f"customers' downtime{unit}", head]
        for key in figs[0].value_parts:
            lines.append(row(f"  {key}", [f.value_parts[key] for f in figs]))
        lines.append(row("  total downtime", [f.value for f in figs]))
        lines += ["", "field", head]
        lines.append(row("  open depots", [f.open_depots for f in figs]))
        lines.append(row("  field staff", [f.field_headcount for f in figs]))
        lines.append(row("  load", [f.field_load for f in figs], "{:.2f}"))
        lines.append(row("  overtime h a year", [f.hours["overtime"] for f in figs]))
        lines.append(row("  beyond the cap h a year", [f.hours["beyond_cap"] for f in figs]))
        lines.append(row("  leavers a year", [f.leavers_per_year for f in figs], "{:.1f}"))
        lines.append(row("  repeat visits a year", [f.repeat_visits_per_year for f in figs]))
        lines.append(row("  first-time fix", [f.first_time_fix or 0.0 for f in figs], "{:.1%}"))
        lines.append(row("  part returns a year", [f.part_returns_per_year for f in figs]))
        lines.append(row("  drops a day", [f.drops_per_day for f in figs], "{:.1f}"))
        base = self.figures.get("today")
        if base is not None and base.cost:
            lines.append(row("  cost vs today", [f.cost / base.cost - 1 for f in figs], "{:+.1%}"))
        lines += ["", "rounds (0: the sequential plan)"]
        for r in self.rounds:
            lines.append(
                f"  {r.round}: objective {r.objective:,.0f}, cost {r.cost:,.0f}, downtime "
                f"{r.value:,.0f}, {r.field_headcount} field staff, {r.open_depots} depots, "
                f"{r.seconds:.1f} s{'' if r.kept else ' (not better)'}"
            )
        lines += [f"  {n}" for n in self.notes]
        lines.append(f"{self.seconds:.1f} s in all")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "plans": {
                name: {
                    "figures": self.figures[name].to_dict(),
                    "plan": json_ready(self.plans[name].model_dump(mode="json", exclude_none=True)),
                    "routes_by_day": [
                        [r.model_dump(mode="json", exclude_none=True) for r in day]
                        for day in self.routes.get(name, ())
                    ],
                }
                for name in self.figures
            },
            "rounds": [r.to_dict() for r in self.rounds],
            "seconds": self.seconds,
            "notes": list(self.notes),
            "objective": self.options.objective.value,
            "value_weight": self.options.value_weight,
            "params": {"time_limit_s": self.params.time_limit_s, "seed": self.params.seed},
        }


# -- pricing ---------------------------------------------------------------------------------


def _dispatch_options(options: JointOptions) -> DispatchOptions:
    """Dispatch's options under the joint objective, its parts found with placement's
    service level (the plan's stock)."""
    return replace(
        options.dispatch,
        objective=options.objective,
        value_weight=options.value_weight,
        parts_service_level=options.placement.service_level,
    )


def _dispatch_day(
    day: ServiceNetwork,
    plan: Plan,
    options: JointOptions,
    params: SolveParams,
    deadline: float,
) -> DispatchKpis:
    """One sample day dispatched under ``plan``: its policy if it has one (routes on another
    day's jobs mean nothing), else optimised within ``deadline``."""
    dopts = _dispatch_options(options)
    if plan.dispatch_policy is DispatchPolicy.NEAREST:
        res = evaluate_dispatch(day, plan.replace(routes=None), dopts)
    else:
        limit = max(0.05, deadline - time.perf_counter())
        res = solve_dispatch(
            day,
            dopts,
            SolveParams(time_limit_s=limit, seed=params.seed),
            plan=plan.replace(routes=None, dispatch_policy=None),
            iterations=options.iterations,
        )
    kpis: DispatchKpis = res.kpis
    kpis = replace(kpis, solve={"routes": res.plan.routes if res.plan else ()})
    return kpis


def field_pool_ids(network: ServiceNetwork) -> frozenset[str]:
    """The pools the joint plan prices and sizes as field staff: dispatched pools (a home
    depot, people, a skill some job type needs) that staff no channel (counter staff based at
    a store are the staffing decision's)."""
    from servopt.optimizer.dispatch.nearest import field_pools

    return frozenset(p.id for p in field_pools(network) if not p.channels)


def _staff_h(load: PoolLoad) -> float:
    """A pool's hours of its own work a day: routes, repeat visits and part returns (a dropped
    job's hours are the subcontractor's)."""
    return load.work_h - load.deferred_h


def price_year(
    network: ServiceNetwork,
    plan: Plan,
    days: tuple[DispatchKpis, ...],
    options: JointOptions,
    name: str = "",
) -> YearFigures:
    """``plan``'s year on ``network`` (module docstring) from its sample days' dispatch
    figures ``days`` (one :class:`DispatchKpis` a day, dispatched under ``plan``)."""
    if not days:
        raise BadInputError([Problem("days", "price_year needs at least one sample day")])
    popts = replace(
        options.placement, objective=options.objective, value_weight=options.value_weight
    )
    place = evaluate_placement(network, plan, replace(popts, depot_credit=()))
    pb = place.kpis.cost_breakdown
    n = working_days_per_year(network)
    k = len(days)

    def per_year(get: Callable[[DispatchKpis], float]) -> float:
        return sum(get(d) for d in days) / k * n

    staffed = plan.staffed(network)
    field_h = {"contracted": 0.0, "routes": 0.0, "repeat_visits": 0.0, "part_returns": 0.0}
    field_h |= {"deferred": 0.0, "overtime": 0.0, "beyond_cap": 0.0}
    labour = other = overtime = contractors = leavers = replacement = 0.0
    heads = 0
    field = field_pool_ids(staffed)
    for p in staffed.pools:
        loads = [d.pools[p.id] for d in days if d.pools and p.id in d.pools and p.id in field]
        if not loads:
            if p.shifts and p.headcount > 0:
                other += (
                    p.headcount
                    * p.shifts[0].working_min
                    / 60.0
                    * p.cost_per_hour
                    * (52 * len(p.shifts[0].days))
                )
            continue
        first = loads[0]
        yearly = first.days_per_year / k
        year = pool_year(
            network, p, [(_staff_h(pl), pl.route_overtime_h) for pl in loads], p.headcount, options
        )
        contracted = year.contracted_h
        heads += p.headcount
        labour += year.labour
        overtime += year.overtime
        contractors += year.contractors
        leavers += year.leavers
        replacement += year.replacement
        field_h["contracted"] += contracted
        field_h["routes"] += sum(pl.route_h for pl in loads) * yearly
        field_h["repeat_visits"] += sum(pl.repeat_h for pl in loads) * yearly
        field_h["part_returns"] += sum(pl.return_h for pl in loads) * yearly
        field_h["deferred"] += sum(pl.deferred_h for pl in loads) * yearly
        field_h["overtime"] += year.overtime_h
        field_h["beyond_cap"] += year.beyond_h
    travel = per_year(lambda d: sum((d.travel_cost or {}).values()))
    drop_cost = per_year(lambda d: d.cost_parts["drops"])
    cost_parts = {
        "depots": pb["fixed"] + pb["holding_display"],
        "stock": pb["holding_cycle"] + pb["holding_safety"],
        "road_freight": pb["outbound_road"] + pb["replenishment"],
        "air_and_expediting": pb["outbound_air"] + pb["expediting"],
        "failed_promises": pb["failed_promises"],
        "field_labour": labour,
        "other_staff": other,
        "overtime": overtime,
        "contractors": contractors,
        "travel": travel,
        "subcontracted_drops": drop_cost,
        "leavers_replacement": replacement,
        "training": sum(training_cost_per_year(network, plan).values()),
    }
    value_parts = {
        "parts_waits": float(place.objective["value"]),
        "field_parts_waits": per_year(lambda d: d.value_parts.get("parts_wait", 0.0)),
        "late_visits": per_year(lambda d: d.value_parts["late"]),
        "repeat_visits": per_year(lambda d: d.value_parts["repeat_downtime"]),
        "dropped_jobs": per_year(lambda d: d.value_parts["dropped_downtime"]),
    }
    return YearFigures(
        name=name or plan.name,
        cost=sum(cost_parts.values()),
        value=sum(value_parts.values()),
        cost_parts=cost_parts,
        value_parts=value_parts,
        open_depots=len(plan.open_depot_ids(network)),
        field_headcount=heads,
        field_load=(
            (field_h["routes"] + field_h["repeat_visits"] + field_h["part_returns"])
            / field_h["contracted"]
            if field_h["contracted"]
            else 0.0
        ),
        leavers_per_year=leavers,
        hours=field_h,
        repeat_visits_per_year=per_year(lambda d: d.repeat_visits_expected),
        first_time_fix=(
            1.0 - sum(d.repeat_visits_expected for d in days) / served
            if (served := sum(d.served for d in days))
            else None
        ),
        part_returns_per_year=per_year(lambda d: d.parts_returns_expected),
        drops_per_day=sum(len(d.dropped) for d in days) / k,
        per_day={
            "cost": DaySpread.of([d.cost for d in days]),
            "value": DaySpread.of([d.value for d in days]),
        },
        working_days=n,
        segments=_segment_years(network, days, n),
    )


def _segment_years(
    network: ServiceNetwork, days: tuple[DispatchKpis, ...], n: int
) -> dict[str, SegmentYear]:
    """Each segment's field jobs a year from the sample days' SLA figures (module docstring)."""
    from servopt.models.entities import ChannelKind

    field_kinds = {ChannelKind.DELIVERY, ChannelKind.FIELD_VISIT}
    field_channels = [c.id for c in network.channels if c.kind in field_kinds]
    k = len(days)
    out = {}
    for seg in network.segments:
        figs = [d.sla[seg.id] for d in days if d.sla and seg.id in d.sla]
        if not figs:
            continue
        due = sum(f.with_deadline for f in figs)  # served with a deadline, dropped past it
        misses = sum(f.with_deadline - f.on_time for f in figs) / k * n
        lost, change, value = seg.churn_from(misses)
        out[seg.id] = SegmentYear(
            jobs=sum(f.jobs for f in figs) / k * n,
            on_time=sum(f.on_time for f in figs) / k * n,
            misses=misses,
            attainment=sum(f.on_time for f in figs) / due if due else None,
            customers_lost=lost,
            repeat_purchase_change=change,
            value_lost=value,
            field_value=seg.value_on(field_channels),
        )
    return out


# -- the decisions' links ---------------------------------------------------------------------


@dataclass(frozen=True)
class PoolYear:
    """One field pool's year (:func:`pool_year`): hours and money a year."""

    contracted_h: float
    labour: float
    overtime_h: float
    overtime: float
    beyond_h: float
    contractors: float
    leavers: float
    replacement: float

    @property
    def cost(self) -> float:
        """Contracted labour, overtime, contractors and replacement."""
        return self.labour + self.overtime + self.contractors + self.replacement


def pool_year(
    network: ServiceNetwork,
    pool: StaffPool,
    days: list[tuple[float, float]],
    heads: int,
    options: JointOptions,
) -> PoolYear:
    """A field pool of ``heads`` people a year, from its sample days ``days`` (each: its own
    hours of work, its route overtime hours): day by day, the work beyond the contracted
    hours (or the routes' overtime, if more) is overtime up to the pool's cap a person a day
    (``max_overtime_min``), the rest bought from contractors at ``contractor_factor`` x the
    overtime rate; the leavers follow the load of the hours the staff do themselves. The
    days' mean x the pool's working days a year (52 x its shift's weekdays). The one pricing
    of a pool that sizing (:func:`size_pools`) and the year (:func:`price_year`) share."""
    shift = pool.shifts[0] if pool.shifts else None
    shift_h = shift.working_min / 60.0 if shift else 8.0
    n = 52 * len(shift.days) if shift and shift.days else working_days_per_year(network)
    cap_h = pool.max_overtime_min / 60.0 if math.isfinite(pool.max_overtime_min) else math.inf
    ot = (
        pool.overtime_cost_per_hour
        if pool.overtime_cost_per_hour is not None
        else pool.cost_per_hour
    )
    over = beyond = own = 0.0
    for work, route_ot in days:
        extra = max(work - heads * shift_h, route_ot, 0.0)
        bought = max(0.0, extra - heads * cap_h) if heads else work
        over += extra - bought if heads else 0.0
        beyond += bought
        own += work - bought
    scale = n / len(days)
    leavers = replacement = 0.0
    if heads:
        wl = pool_workload(
            own * scale,
            heads,
            shift_h * n,
            workforce=network.workforce,
            replacement_cost=pool.replacement_cost,
        )
        leavers, replacement = wl.leavers_per_year, wl.replacement_cost_per_year
    return PoolYear(
        contracted_h=heads * shift_h * n,
        labour=heads * shift_h * n * pool.cost_per_hour,
        overtime_h=over * scale,
        overtime=over * scale * ot,
        beyond_h=beyond * scale,
        contractors=beyond * scale * ot * options.contractor_factor,
        leavers=leavers,
        replacement=replacement,
    )


def pool_year_cost(
    network: ServiceNetwork,
    pool_id: str,
    days: list[tuple[float, float]],
    h: int,
    options: JointOptions,
) -> float:
    """What a field pool of ``h`` people costs a year doing ``days`` (:func:`pool_year`)."""
    return pool_year(network, network.pool(pool_id), days, h, options).cost


def size_pools(
    network: ServiceNetwork,
    work_h: dict[str, list[tuple[float, float]]],
    options: JointOptions,
) -> dict[str, int]:
    """The head count of each field pool in ``work_h`` (pool -> its sample days: its own hours
    of work and its route overtime) that costs least a year (:func:`pool_year_cost`), from
    ``min_headcount`` up to the count that covers the busiest day in contracted hours (more
    only costs); ties: fewer."""
    out = {}
    for pid, days in work_h.items():
        p = network.pool(pid)
        shift_h = p.shifts[0].working_min / 60.0 if p.shifts else 8.0
        top = max(options.min_headcount, math.ceil(max(w for w, _ in days) / shift_h - 1e-9))
        costs = {
            h: pool_year_cost(network, pid, days, h, options)
            for h in range(options.min_headcount, top + 1)
        }
        out[pid] = min(costs, key=lambda h: (costs[h], h))
    return out


def rate_heads(network: ServiceNetwork, plan: Plan, options: JointOptions) -> dict[str, int]:
    """The sequential plan's staffing step, which sees no routes: each field pool sized for
    its job hours a working day from the sites' job rates (:func:`rate_hours`) at the
    workforce's ``reference_load`` of its contracted hours."""
    staffed = plan.staffed(network)
    out = {}
    for pid, (hours,) in rate_hours(network, plan).items():
        p = staffed.pool(pid)
        shift_h = p.shifts[0].working_min / 60.0 if p.shifts else 8.0
        target = network.workforce.reference_load or 1.0  # a reference load of 0: at 1
        need = math.ceil(hours / (shift_h * target) - 1e-9)
        out[pid] = max(options.min_headcount, need)
    return out


def rate_hours(network: ServiceNetwork, plan: Plan) -> dict[str, list[float]]:
    """Each field pool's job hours a working day from the sites' job rates alone (no travel,
    no repeat visits). A job goes to the pools most proficient in its skill, the nearest of
    them to its site (ties shared evenly)."""
    staffed = plan.staffed(network)
    n = working_days_per_year(network)
    types = staffed.index["job_types"]
    field = field_pool_ids(staffed)
    pools = [p for p in staffed.pools if p.id in field]
    hours = {p.id: 0.0 for p in pools}
    for site in staffed.sites:
        for jt_id, rate in site.job_rates.items():
            jt = types[jt_id]
            able = [
                p for p in pools if p.skills.get(jt.skill, 0.0) >= max(jt.min_proficiency, 1e-9)
            ]
            if not able:
                continue
            best = max(p.skills[jt.skill] for p in able)
            able = [p for p in able if p.skills[jt.skill] >= best - 1e-9]
            km = {p.id: staffed.distance_km(p.home_depot or "", site.id) for p in able}
            near = min(km.values())
            chosen = [p for p in able if km[p.id] <= near + 1e-6]
            for p in chosen:
                hours[p.id] += rate / n * jt.duration_min / 60.0 / len(chosen)
    return {pid: [h] for pid, h in hours.items()}


def _visits(
    plan: Plan,
    days: tuple[DispatchKpis, ...],
    day_nets: tuple[ServiceNetwork, ...],
    options: DispatchOptions,
    priced_under: Plan,
) -> Iterator[tuple[ServiceNetwork, StaffPool, Job, JobPrices]]:
    """Every visit of the sample days' routes (``days``, dispatched under ``plan``): the day
    staffed under ``plan``, the visiting pool, the job and its prices with the parts of
    ``priced_under``'s placement."""
    from servopt.optimizer.dispatch.terms import job_prices

    for kpis, day in zip(days, day_nets, strict=True):
        staffed = plan.staffed(day)
        prices = job_prices(staffed, options, priced_under)
        jobs = staffed.index["jobs"]
        for route in (kpis.solve or {}).get("routes", ()):
            pool = staffed.pool(route.pool)
            for j in route.jobs:
                yield staffed, pool, jobs[j], prices[j]


def depot_credits(
    network: ServiceNetwork,
    plan: Plan,
    days: tuple[DispatchKpis, ...],
    day_nets: tuple[ServiceNetwork, ...],
    options: JointOptions,
) -> tuple[tuple[str, float], ...]:
    """Per home depot, the return visits a year that its stock avoids for the jobs its pools
    served on the sample days (each needing a part with its type's share, found with the
    service level when the depot stocks it): the joint plan's feedback to placement."""
    alpha = options.placement.service_level
    mean_alpha = (
        sum(alpha.values()) / len(alpha) if isinstance(alpha, dict) and alpha else float(alpha)  # type: ignore[arg-type]
    )
    n = working_days_per_year(network)
    credit: dict[str, float] = {}
    # With no depot open every part is missing: the full return visit, per job and pool.
    for staffed, pool, job, pr in _visits(
        plan, days, day_nets, options.dispatch, Plan(open_depots=())
    ):
        cost = pr.parts_return(staffed, pool, job.site)[0]
        credit[pool.home_depot or ""] = credit.get(pool.home_depot or "", 0.0) + cost
    depots = {d.id for d in network.depots}
    return tuple(
        (d, mean_alpha * c / len(days) * n)
        for d, c in sorted(credit.items())
        if d in depots and c > 0
    )


def training_cost_per_year(network: ServiceNetwork, plan: Plan) -> dict[str, float]:
    """Each pool's training under ``plan`` a year: for every skill in its change's ``train``,
    the head count x (the skill's ``training_cost`` + its ``training_days`` of the pool's
    contracted day at its hourly cost), plus the change's own ``training_cost``, all over the
    workforce's ``training_years``."""
    years = network.workforce.training_years
    heads = plan.headcounts(network)
    skills = network.index["skills"]
    out: dict[str, float] = {}
    for c in plan.pool_changes:
        if not (c.train or c.training_cost):
            continue
        p = network.pool(c.pool)
        day_h = p.shifts[0].working_min / 60.0 if p.shifts else 8.0
        per_person = sum(
            (skills[sk].training_cost or 0.0) + skills[sk].training_days * day_h * p.cost_per_hour
            for sk in c.train
        )
        out[c.pool] = (heads[c.pool] * per_person + c.training_cost) / years
    return out


def choose_training(
    network: ServiceNetwork,
    plan: Plan,
    days: tuple[DispatchKpis, ...],
    day_nets: tuple[ServiceNetwork, ...],
    options: JointOptions,
) -> dict[str, tuple[str, ...]]:
    """The training that pays for itself a year, pool by pool and skill by skill: train a
    pool in a skill offered for training when the repeat visits it would save on the jobs of
    that skill it did on the sample days (first-time fix at the trained proficiency instead
    of its own, x each repeat visit's cost and downtime, weighed by the objective) are worth
    more than the training a year (:func:`training_cost_per_year`). Separable and exact given
    the measured visits; a skill the pool never used on those days is not trained."""
    from servopt.optimizer.dispatch.terms import first_time_fix

    n = working_days_per_year(network)
    k = len(days)
    skills = network.index["skills"]
    types = network.index["job_types"]
    gain: dict[tuple[str, str], float] = {}
    for _day, pool, job, pr in _visits(plan, days, day_nets, _dispatch_options(options), plan):
        jt = types[job.job_type]
        skill = skills[jt.skill]
        now = pool.skills.get(jt.skill, 0.0)
        if skill.training_cost is None or now >= skill.trained_proficiency:
            continue
        saved = first_time_fix(jt.first_time_fix, skill.trained_proficiency)
        saved -= first_time_fix(jt.first_time_fix, now)
        worth = options.score(saved * pr.repeat_cost, saved * pr.repeat_downtime)
        gain[pool.id, jt.skill] = gain.get((pool.id, jt.skill), 0.0) + worth * n / k
    heads = plan.headcounts(network)
    out: dict[str, list[str]] = {}
    for (pid, sk), worth in sorted(gain.items()):
        alone = Plan(pool_changes=(PoolChange(pool=pid, headcount=heads[pid], train=(sk,)),))
        if worth > options.score(training_cost_per_year(network, alone)[pid], 0.0):
            out.setdefault(pid, []).append(sk)
    return {pid: tuple(sks) for pid, sks in out.items()}


def with_training(plan: Plan, train: dict[str, tuple[str, ...]], name: str = "") -> Plan:
    """``plan`` with the skills ``train`` (pool -> skills) added to its pools' training."""
    changes = {c.pool: c for c in plan.pool_changes}
    for pid, sks in train.items():
        c = changes.get(pid, PoolChange(pool=pid))
        changes[pid] = c.model_copy(update={"train": tuple(sorted(set(c.train) | set(sks)))})
    return plan.replace(name=name or plan.name, pool_changes=tuple(changes.values()))


def _keep_homes(
    network: ServiceNetwork,
    plan: Plan,
    heads: dict[str, int] | None,
    train: dict[str, tuple[str, ...]] | None = None,
) -> Plan:
    """``plan`` with the field pools' head counts ``heads``, the skills ``train`` (pool ->
    skills) added to its training, and every field pool kept at its home depot (open or not:
    people live where they live; a closed depot is a field office)."""
    changes = {c.pool: c for c in plan.pool_changes}
    out = []
    for p in network.pools:
        c = changes.get(p.id, PoolChange(pool=p.id))
        upd: dict[str, Any] = {}
        if p.home_depot is not None and c.home_depot is None:
            upd["home_depot"] = p.home_depot
        if heads and p.id in heads:
            upd["headcount"] = heads[p.id]
        out.append(c.model_copy(update=upd) if upd else c)
    kept = plan.replace(
        pool_changes=tuple(c for c in out if c.model_dump(exclude_defaults=True).keys() - {"pool"})
    )
    return with_training(kept, train) if train else kept


# -- the search --------------------------------------------------------------------------------


def _refuse(network: ServiceNetwork, proposal: Plan | None) -> None:
    """The joint plan prices a year of field work: refuse a network whose period is not a
    year (its job rates and placement's money would not be yearly) and field pools with no
    shift (their contracted hours are not known)."""
    problems = []
    if (network.period or "year") != "year":
        problems.append(
            Problem(
                "period",
                f"the joint plan prices a year: expected period 'year', got {network.period!r}",
            )
        )
    for plan in (Plan(), *((proposal,) if proposal is not None else ())):
        staffed = plan.staffed(network)
        for pid in sorted(field_pool_ids(staffed)):
            if not staffed.pool(pid).shifts:
                problems.append(
                    Problem(
                        f"pools.{pid}.shifts",
                        "a field pool needs a shift: the year prices its contracted hours",
                    )
                )
        if problems:
            break
    if problems:
        raise BadInputError(problems)


class _Clock:
    """Splits what is left of the time limit over the stages still to come."""

    def __init__(self, limit: float, units: int) -> None:
        self.start = time.perf_counter()
        self.end = self.start + 0.97 * limit
        self.units = max(units, 1)

    def slot(self, units: int = 1) -> float:
        """A deadline (``perf_counter`` time) for the next ``units`` stage units."""
        left = max(0.0, self.end - time.perf_counter())
        share = left * min(1.0, units / max(self.units, 1))
        self.units = max(1, self.units - units)
        return time.perf_counter() + share

    def left(self) -> float:
        return self.end - time.perf_counter()


def plan_joint(
    network: ServiceNetwork,
    proposal: Plan | None = None,
    options: JointOptions | None = None,
    params: SolveParams | None = None,
    *,
    today: Plan | None = None,
    progress: Callable[[str], None] | None = None,
) -> JointPlan:
    """Today, the proposal (if any), the sequential plan and the joint plan, each priced per
    year by :func:`price_year` on the same sample days (module docstring). ``params``: the
    time limit of the whole search (every stage's build and solve inside it) and the seed of
    the sample days and of every solve."""
    options = options or JointOptions()
    params = params or SolveParams(time_limit_s=300.0)
    problems = options.objective_problems()
    if problems:
        raise BadInputError(problems)
    say = progress or (lambda _msg: None)
    k = options.days
    today = today or Plan(name="today")
    notes: list[str] = []
    _refuse(network, proposal)
    if proposal is not None and (
        proposal.name in ("", "today", "sequential", "joint") or proposal.name.startswith("round-")
    ):
        notes.append(f"the proposal {proposal.name!r} is called 'proposal' here")
        proposal = proposal.replace(name="proposal")
    if proposal is not None:
        from servopt.optimizer.premortem import dispatch_pair

        today, proposal, note = dispatch_pair(today, proposal)
        if note:
            notes.append(note)
    fixed_plans = [today] + ([proposal] if proposal is not None else [])
    # stage units: a routed sample day or a placement solve; the proposal counts twice (it is
    # priced again with its training)
    units = sum(k for p in fixed_plans if p.dispatch_policy is not DispatchPolicy.NEAREST)
    if proposal is not None and proposal.dispatch_policy is not DispatchPolicy.NEAREST:
        units += k
    units += (1 + k) * (1 + options.rounds)
    field = field_pool_ids(network)
    clock = _Clock(params.time_limit_s, units)
    day_nets = sample_days(network, k, params.seed)
    say(f"sample days: {', '.join(str(len(d.jobs)) for d in day_nets)} jobs (seed {params.seed})")
    popts = replace(
        options.placement, objective=options.objective, value_weight=options.value_weight
    )

    figures: dict[str, YearFigures] = {}
    plans: dict[str, Plan] = {}
    routes: dict[str, tuple[tuple[Any, ...], ...]] = {}
    measured: dict[str, tuple[DispatchKpis, ...]] = {}

    def price(name: str, plan: Plan) -> YearFigures:
        t = time.perf_counter()
        routed = plan.dispatch_policy is not DispatchPolicy.NEAREST  # else no search
        days = tuple(
            _dispatch_day(d, plan, options, params, clock.slot() if routed else 0.0)
            for d in day_nets
        )
        fig = price_year(network, plan, days, options, name)
        figures[name], plans[name], measured[name] = fig, plan, days
        routes[name] = tuple(tuple((d.solve or {}).get("routes", ())) for d in days)
        say(
            f"{name}: cost {fig.cost:,.0f}, downtime {fig.value:,.0f} a year "
            f"({fig.open_depots} depots, {fig.field_headcount} field staff, load "
            f"{fig.field_load:.2f}; {time.perf_counter() - t:.1f} s)"
        )
        return fig

    for p in fixed_plans:
        price(p.name, p)
    if proposal is not None:
        name = proposal.name
        train = choose_training(network, proposal, measured[name], day_nets, options)
        if train:
            trained = with_training(proposal, train, f"{name}+training")
            fig = price(trained.name, trained)
            gain = options.score(figures[name].cost, figures[name].value)
            gain -= options.score(fig.cost, fig.value)
            notes.append(
                f"{trained.name}: the proposal with the training whose repeat visits saved "
                f"pay for it job by job ({sum(len(v) for v in train.values())} skills in "
                f"{len(train)} pools); priced whole, it "
                + (f"saves {gain:,.0f} a year" if gain > 0 else f"costs {-gain:,.0f} a year more")
                + " on the objective"
            )

    def placement(credit: tuple[tuple[str, float], ...]) -> Plan:
        deadline = clock.slot()
        res = solve_placement(
            network,
            replace(popts, depot_credit=credit),
            SolveParams(time_limit_s=max(0.1, deadline - time.perf_counter()), seed=params.seed),
        )
        if res.plan is None:
            raise BadInputError(
                [
                    Problem(
                        "placement", "; ".join(res.diagnostics) or f"no plan ({res.status.value})"
                    )
                ]
            )
        return res.plan

    t = time.perf_counter()
    place = placement(())
    base = _keep_homes(network, place, None)
    heads = rate_heads(network, base, options)
    seq = _keep_homes(network, place.replace(name="sequential"), heads)
    best_fig = price("sequential", seq)
    best_name = "sequential"
    best = seq
    rounds = [
        Round(
            0,
            time.perf_counter() - t,
            best_fig.cost,
            best_fig.value,
            options.score(best_fig.cost, best_fig.value),
            True,
            best_fig.field_headcount,
            best_fig.open_depots,
        )
    ]
    for r in range(1, options.rounds + 1):
        if clock.left() < rounds[-1].seconds:  # a round takes about as long as the last
            notes.append(f"the time limit ended the search before round {r}")
            break
        t = time.perf_counter()
        credit = depot_credits(network, best, measured[best_name], day_nets, options)
        place = placement(credit)
        work = {
            pid: [
                (_staff_h(d.pools[pid]), d.pools[pid].route_overtime_h)
                for d in measured[best_name]
                if d.pools and pid in d.pools
            ]
            for pid in (measured[best_name][0].pools or {})
            if pid in field_pool_ids(best.staffed(network))
        }
        # a pool the last dispatch did not measure (no one left) keeps its head count
        heads = {pid: h for pid, h in best.headcounts(network).items() if pid in field}
        heads |= size_pools(best.staffed(network), work, options)
        train = choose_training(network, best, measured[best_name], day_nets, options)
        cand = _keep_homes(network, place.replace(name=f"round-{r}"), heads, train)
        cand = with_training(cand, {c.pool: c.train for c in best.pool_changes if c.train})
        fig = price(f"round-{r}", cand)
        score = options.score(fig.cost, fig.value)
        kept = score < options.score(best_fig.cost, best_fig.value) - 1e-6
        rounds.append(
            Round(
                r,
                time.perf_counter() - t,
                fig.cost,
                fig.value,
                score,
                kept,
                fig.field_headcount,
                fig.open_depots,
            )
        )
        say(f"round {r}: objective {score:,.0f} ({'kept' if kept else 'not better: stop'})")
        if not kept:
            break
        best, best_fig, best_name = cand, fig, f"round-{r}"
    # The joint plan is the best priced; drop the rounds' own entries from the report.
    figures["joint"] = replace(best_fig, name="joint")
    plans["joint"] = best.replace(name="joint", dispatch_policy=DispatchPolicy.OPTIMISE)
    routes["joint"] = routes[best_name]
    for name in [n for n in figures if n.startswith("round-")]:
        figures.pop(name)
        plans.pop(name)
        routes.pop(name)
    return JointPlan(
        figures,
        plans,
        tuple(rounds),
        routes,
        time.perf_counter() - clock.start,
        tuple(notes),
        options,
        params,
        day_nets,
    )
