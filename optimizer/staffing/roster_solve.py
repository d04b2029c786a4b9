"""Solving and evaluating rosters on a network: what each pool must cover (from the plan's
dispatch and staffing), the people, the CP-SAT search, and the figures, all under the rules of
:mod:`servopt.optimizer.staffing.roster`."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import replace

from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan, RosterShift
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Result, Status, Units
from servopt.optimizer.staffing.roster import (
    ANY_SKILL,
    MONEY_SCALE,
    FieldWork,
    Requirement,
    RosterKpis,
    RosterOptions,
    RosterProblem,
    check_roster,
    default_under_cost,
    greedy_entries,
    infeasible_reasons,
    people_of,
    roster_figures,
    shift_types,
)
from servopt.optimizer.staffing.roster_cpsat import roster_model


def pool_requirements(
    network: ServiceNetwork,
    plan: Plan,
    options: RosterOptions,
    of_pool: dict[str, tuple[str, ...]],
) -> tuple[list[Requirement], list[str], dict[str, dict[int, float]]]:
    """What each pool must cover, day by day, with notes on how it was derived, and each
    field pool's hours of work on each day of the horizon.

    Field pools (a home depot, a shift): dispatch's work (routes, expected repeat visits and
    part returns, deferred drops: :attr:`~servopt.optimizer.dispatch.evaluate.PoolLoad.work_h`)
    in people on the pool's first shift, ``ceil(work / paid hours)``, on each day the shift
    runs, covering the pool's main skill (its highest proficiency). The work is that of the
    network's ``jobs`` (one day, every working day alike) or, with ``options.sample_days``,
    of that many working days drawn from the sites' job rates
    (:func:`~servopt.models.generate.sample_days`, seed ``options.sample_seed``), taken in
    turn. Channel pools: the staff the plan's staffing puts on each channel (the staffing
    evaluator's: all heads on duty split by work when the plan says nothing), shared among the
    channel's pools by head count, on the pool's shift days. Pools with neither: nothing."""
    notes: list[str] = []
    staffed = plan.staffed(network)
    pools = {p.id: p for p in staffed.pools}
    need: dict[str, int] = {}
    days_work: dict[str, list[float]] = defaultdict(list)
    day_nets: tuple[ServiceNetwork, ...] = ()
    if options.sample_days and any(s.job_rates for s in network.sites):
        from servopt.models.generate import sample_days

        day_nets = sample_days(network, options.sample_days, options.sample_seed)
        notes.append(
            f"field work from {options.sample_days} sample days of the job rates (seed "
            f"{options.sample_seed}): {', '.join(str(len(d.jobs)) for d in day_nets)} jobs"
        )
    elif network.jobs:
        day_nets = (network,)
    if day_nets:
        from servopt.optimizer.dispatch.evaluate import evaluate_dispatch

        priced = (
            plan if plan.routes or plan.dispatch_policy else plan.replace(dispatch_policy="nearest")
        )
        if options.sample_days and priced.routes:  # routes name the file's jobs, not these
            priced = plan.replace(routes=None, dispatch_policy="nearest")
        if priced.dispatch_policy and not plan.dispatch_policy:
            notes.append("dispatch work from nearest-engineer routes (the plan has no routes)")
        for day in day_nets:
            loads = evaluate_dispatch(day, priced).kpis.pools or {}
            for pid, load in loads.items():
                days_work[pid].append(load.work_h)
    if any(s.demand_per_day > 0 for s in network.segments):
        from servopt.optimizer.staffing.evaluate import evaluate_staffing

        st = evaluate_staffing(network, plan).kpis
        share: dict[str, list[str]] = defaultdict(list)
        for pid, chans in plan.pool_channels(network).items():
            for c in chans:
                share[c].append(pid)
        for c, fig in st.channels.items():
            staff = max(fig.staff) if fig.staff else 0
            members = [p for p in share.get(c, []) if pools[p].shifts and pools[p].headcount]
            heads = sum(pools[p].headcount for p in members)
            for p in members:
                need[p] = need.get(p, 0) + math.ceil(staff * pools[p].headcount / heads - 1e-9)
    out = []
    work: dict[str, dict[int, float]] = {}
    for pid, hours in days_work.items():
        pool = pools[pid]
        if not pool.shifts or pool.headcount < 1:
            continue
        runs = [d for d in range(7 * options.weeks) if d % 7 in pool.shifts[0].days]
        work[pid] = {d: hours[i % len(hours)] for i, d in enumerate(runs)}
    for pid in list(need) + [p for p in work if p not in need]:
        n = need.get(pid, 0)
        pool = pools[pid]
        if (n <= 0 and pid not in work) or not pool.shifts or pool.headcount < 1:
            if n > 0:
                notes.append(f"pool {pid!r} must cover {n} a day but has no shift or no people")
            continue
        # Its own skill: one named in the pool's id, else its best (ties by name); a pool
        # without skills covers with any of its members.
        named = [k for k in pool.skills if k in pid]
        skill = (
            max(named or pool.skills, key=lambda k: (pool.skills[k], len(k), k))
            if pool.skills
            else ANY_SKILL
        )
        first = pool.shifts[0]
        paid = first.working_min / 60.0
        for d in range(7 * options.weeks):
            if d % 7 not in first.days:
                continue
            count = n + (math.ceil(work[pid][d] / paid - 1e-9) if pid in work else 0)
            if count:
                out.append(Requirement(d, of_pool[pid][0], skill, count, frozenset({pid})))
    return out, notes, work


def roster_problem(
    network: ServiceNetwork,
    plan: Plan | None = None,
    options: RosterOptions | None = None,
    requirements: list[Requirement] | None = None,
) -> tuple[RosterProblem, list[str]]:
    """The roster problem of ``network`` under ``plan`` (its head counts and skills): people
    from the pools, requirements given or derived (:func:`pool_requirements`); with notes."""
    options = options or RosterOptions()
    plan = plan or Plan()
    pools = plan.pools(network)
    notes: list[str] = []
    shifts, of_pool = shift_types(pools)
    work: dict[str, dict[int, float]] = {}
    if requirements is None:
        requirements, notes, work = pool_requirements(network, plan, options, of_pool)
    under = (
        options.under_cost if options.under_cost is not None else default_under_cost(pools, shifts)
    )
    people = people_of(pools, of_pool, options)
    problem = RosterProblem(7 * options.weeks, shifts, people, tuple(requirements), under, work)
    _refuse_unknown(problem)
    return problem, notes


def _refuse_unknown(problem: RosterProblem) -> None:
    bad = [
        Problem(f"requirements[{i}]", f"unknown shift {r.shift!r}")
        for i, r in enumerate(problem.requirements)
        if r.shift not in problem.shifts
    ]
    bad += [
        Problem(f"requirements[{i}].count", f"must be a whole number >= 0, got {r.count!r}")
        for i, r in enumerate(problem.requirements)
        if not (isinstance(r.count, int) and r.count >= 0)
    ]
    bad += [
        Problem(f"requirements[{i}].day", f"day {r.day} is outside the {problem.days}-day horizon")
        for i, r in enumerate(problem.requirements)
        if not 0 <= r.day < problem.days
    ]
    if bad:
        raise BadInputError(bad)


def solve_roster(
    network: ServiceNetwork | None = None,
    plan: Plan | None = None,
    options: RosterOptions | None = None,
    params: SolveParams | None = None,
    *,
    problem: RosterProblem | None = None,
) -> Result:
    """The roster of least cost (module docstring) for ``network`` under ``plan``, or for a
    given ``problem``; a :class:`~servopt.optimizer.result.Result` with the plan's ``roster``,
    :class:`RosterKpis` recomputed by :func:`check_roster`, CP-SAT's status and proven gap.
    Infeasible hard rules are explained person by person; the clock starts with the call."""
    start = time.perf_counter()
    params = params or SolveParams()
    options = options or RosterOptions()
    plan = plan or Plan()
    notes: list[str] = []
    if problem is None:
        if network is None:
            raise BadInputError([Problem("network", "give a network or a roster problem")])
        problem, notes = roster_problem(network, plan, options)
    replace_cost = _replacement_costs(network, plan) if network is not None else {}
    units = _units(network, options) if network is not None else None
    if not problem.people:
        kpis = roster_figures(problem, {}, options, replace_cost)
        return Result(
            Status.OPTIMAL,
            time.perf_counter() - start,
            objective={"cost": kpis.cost},
            plan=plan.replace(roster=()),
            kpis=kpis,
            diagnostics=(*notes, "nobody to roster: no pool has shifts and people"),
            decision="roster",
            units=units,
            options=options,
        )
    why = infeasible_reasons(problem, options)
    if why:
        return Result(
            Status.INFEASIBLE,
            time.perf_counter() - start,
            diagnostics=(*notes, *why),
            params=params,
            solver="cp-sat",
            decision="roster",
            units=units,
            options=options,
        )
    deadline = start + params.time_limit_s
    sol, roster = roster_model(problem, options, params, deadline)
    if sol.status is Status.NO_SOLUTION:
        # CP-SAT found nothing in time: the greedy start, when it keeps every rule, is a roster.
        start_roster = greedy_entries(problem, options)
        broken, kpis = check_roster(problem, start_roster, options, replace_cost)
        kpis = _with_field_work(network, plan, problem, start_roster, kpis)
        if not broken:
            return Result(
                Status.FEASIBLE,
                time.perf_counter() - start,
                objective={"cost": kpis.cost},
                plan=plan.replace(roster=start_roster, name=plan.name or "roster"),
                kpis=kpis,
                diagnostics=(
                    *notes,
                    f"CP-SAT found no roster within {params.time_limit_s:g} s: this is the "
                    "greedy start, every rule kept, no bound",
                ),
                params=params,
                solver="greedy",
                decision="roster",
                units=units,
                options=options,
            )
    if not sol.status.has_plan or roster is None:
        reason = {
            Status.INFEASIBLE: "CP-SAT proves the hard rules cannot all hold",
            Status.NO_SOLUTION: f"no roster found within {params.time_limit_s:g} s",
        }.get(sol.status, sol.message or "CP-SAT failed")
        return Result(
            sol.status,
            time.perf_counter() - start,
            diagnostics=(*notes, reason),
            params=params,
            solver="cp-sat",
            decision="roster",
            units=units,
            options=options,
        )
    if sol.message:
        notes.append(sol.message)
    bad, kpis = check_roster(problem, roster, options, replace_cost)
    kpis = _with_field_work(network, plan, problem, roster, kpis)
    if bad:  # pragma: no cover - the model and the checker disagree: a bug, said loudly
        raise RuntimeError("the roster breaks its own rules: " + "; ".join(bad[:5]))
    return Result(
        sol.status,
        time.perf_counter() - start,
        objective={"cost": kpis.cost},
        bound=None if sol.bound is None else sol.bound / MONEY_SCALE,
        gap=sol.gap,
        plan=plan.replace(roster=roster, name=plan.name or "roster"),
        kpis=kpis,
        diagnostics=tuple(notes),
        params=params,
        solver="cp-sat",
        decision="roster",
        units=units,
        options=options,
        params_used=("time_limit_s", "seed", "threads", "mip_gap"),
    )


def evaluate_roster(
    network: ServiceNetwork, plan: Plan, options: RosterOptions | None = None
) -> Result:
    """The figures of ``plan.roster`` on ``network`` (requirements derived as the solver
    derives them) with every hard rule it breaks in ``violations``."""
    start = time.perf_counter()
    options = options or RosterOptions()
    problem, notes = roster_problem(network, plan, options)
    bad, kpis = check_roster(problem, plan.roster or (), options, _replacement_costs(network, plan))
    kpis = _with_field_work(network, plan, problem, plan.roster or (), kpis)
    return Result(
        Status.FEASIBLE,
        time.perf_counter() - start,
        objective={"cost": kpis.cost},
        plan=plan,
        kpis=kpis,
        diagnostics=tuple(notes),
        violations=tuple(bad),
        solver="evaluator",
        decision="roster",
        units=_units(network, options),
        options=options,
    )


def field_work(
    network: ServiceNetwork,
    plan: Plan,
    problem: RosterProblem,
    roster: tuple[RosterShift, ...],
) -> dict[str, FieldWork]:
    """Each field pool's dispatch hours against its roster (:class:`FieldWork`): on each day,
    the work beyond the paid hours of the pool's people on shift is shared among them as
    overtime up to the pool's cap a person, the rest beyond the cap; each person's load over
    the horizon (the work in their shifts, the day's work shared by those on shift, plus their
    overtime, over the contract) gives their yearly chance of leaving under the network's
    workforce model."""
    from servopt.models.workforce import attrition_yearly

    pools = {p.id: p for p in plan.pools(network)}
    people = {p.id: p for p in problem.people}
    on: dict[tuple[str, int], list[tuple[str, float]]] = defaultdict(list)
    for e in roster:
        person = people.get(e.person)
        if person is not None:
            on[person.pool, e.day].append((e.person, problem.shifts[e.shift].paid_min / 60.0))
    out = {}
    for pid, by_day in problem.work.items():
        pool = pools[pid]
        cap = pool.max_overtime_min / 60.0 if math.isfinite(pool.max_overtime_min) else math.inf
        members = [p for p in problem.people if p.pool == pid]
        extra = {p.id: 0.0 for p in members}
        busy = {p.id: 0.0 for p in members}  # hours of work within one's shifts
        shift_h = beyond = 0.0
        for d, hours in by_day.items():
            crew = on.get((pid, d), [])
            on_h = sum(h for _, h in crew)
            shift_h += on_h
            for who, h in crew:
                busy[who] += h * min(1.0, hours / on_h) if on_h else 0.0
            short = max(0.0, hours - on_h)
            given = min(short, len(crew) * cap)
            for who, _ in crew:
                extra[who] += given / len(crew)
            beyond += short - given
        weeks = problem.weeks
        per_week = [extra[p.id] / weeks for p in members] or [0.0]
        chances = [
            attrition_yearly(
                network.workforce,
                (busy[p.id] + extra[p.id]) / (p.contract_min / 60.0 * weeks)
                if p.contract_min
                else 0.0,
            )
            for p in members
        ]
        out[pid] = FieldWork(
            people=len(members),
            work_h=sum(by_day.values()),
            shift_h=shift_h,
            overtime_h=sum(extra.values()),
            beyond_cap_h=beyond,
            overtime_h_week_mean=sum(per_week) / len(per_week),
            overtime_h_week_max=max(per_week),
            leavers_per_year=sum(chances),
            replacement_cost_per_year=sum(chances) * pool.replacement_cost,
        )
    return out


def _with_field_work(
    network: ServiceNetwork | None,
    plan: Plan,
    problem: RosterProblem,
    roster: tuple[RosterShift, ...],
    kpis: RosterKpis,
) -> RosterKpis:
    """``kpis`` with :func:`field_work` where dispatch gave the requirements."""
    if network is None or not problem.work:
        return kpis
    return replace(kpis, field_work=field_work(network, plan, problem, roster))


def _replacement_costs(network: ServiceNetwork, plan: Plan) -> dict[str, float]:
    """Each pool's replacement cost per leaver, with the plan's staff."""
    return {p.id: p.replacement_cost for p in plan.pools(network)}


def _units(network: ServiceNetwork, options: RosterOptions) -> Units:
    """A roster's money: the network's currency over its weeks."""
    return Units(Units.of(network).currency, f"{options.weeks} weeks")
