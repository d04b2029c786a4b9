r"""Dispatch: which technician does which job, in which order, on one day.

Model (prices in :mod:`servopt.optimizer.dispatch.terms`): every member of a field staff pool
(a pool with a home depot) leaves its home depot at its shift start, does its jobs and returns
by the shift end plus the pool's ``max_overtime_min``. A job goes only to a member whose pool
has its skill at the type's minimum proficiency or above; service starts inside the job's window
(and by its deadline if the SLA is ``hard``). The objective is

.. math:: w_c\,\text{cost} + w_v\,\text{value} + \text{drop\_cost}\cdot\#\text{dropped}

with (w_c, w_v) = (1, 0) for ``cost``, (0.01, 1) for ``value`` and (1, w) for ``weighted``.

How it is solved:

1. *Screening* (:func:`~servopt.optimizer.dispatch.nearest.screen`): a job no qualified
   member could do alone is dropped with the reason before search.
2. *Translation* to an engine-neutral :class:`~servopt.optimizer.routing.problem.RoutingProblem`, in
   integers (0.1 minute; money to 1/6000 when time is priced): one vehicle type per pool;
   one routing profile per distinct (skills and proficiencies, cost per km, speed): entering a
   job the profile's "distance" carries the travel cost plus the expected repeat visit at that
   proficiency, and an unqualified job is unreachable (its durations exceed every window).
   A soft deadline becomes one visit per started band late in a mutually exclusive group, each
   with the drop price less that band's penalty: exact, because SLAs price started hours.
3. *Search* with the routing backend (PyVRP), time limit and seed honoured, from a parallel
   cheapest insertion (:func:`~servopt.optimizer.routing.construct.cheapest_insertion`).
4. Above ``max_jobs_per_part`` jobs (default 2,000), or when the routing matrices (two int64
   matrices per profile) would pass 3 GiB: *decomposition*. Jobs go to the nearest depot with
   a qualified pool; depots are split by recursive coordinate bisection until every part has
   at most that many jobs; parts are solved one after another with time in proportion to their
   jobs (60% of the limit); then the union, parts' drops included, warm-starts one search over
   the whole instance (the rest of the time), which repairs the borders; when the whole
   instance's matrices do not fit, the parts get all the time and there is no repair. Measured
   (``bench/dispatch_large.py``): PyVRP does not degrade at 1,000 jobs, where the decomposed
   solve loses to the single one at the same time limit, hence the high default.
5. Every plan is recomputed by the independent route checker
   (:func:`~servopt.optimizer.dispatch.check.check_routes`) and priced by the evaluator
   (:func:`~servopt.optimizer.dispatch.evaluate.dispatch_kpis`); a plan with a violation is an
   error, never a result.

No cap (``max_cost``, ``max_value``) can be held by the routing search: one set is refused.

The ``nearest`` policy (:func:`~servopt.optimizer.dispatch.nearest.nearest_routes`)
reproduces nearest-engineer dispatch for comparison.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from servopt.models.entities import Job, StaffPool
from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import DispatchPolicy, Plan, Route
from servopt.optimizer.decision import refuse_caps, unused_inputs
from servopt.optimizer.dispatch.check import check_routes
from servopt.optimizer.dispatch.evaluate import dispatch_kpis, dispatch_units, hard_sla_violations
from servopt.optimizer.dispatch.nearest import (
    duration,
    field_pools,
    job_window,
    km_xy,
    nearest_routes,
    qualified,
    screen,
    shift_of,
)
from servopt.optimizer.dispatch.terms import (
    CAPS_HELD,
    READS,
    DispatchOptions,
    JobPrices,
    first_time_fix,
    job_prices,
    shift_notes,
)
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Result, Status, objective_values
from servopt.optimizer.routing.problem import (
    EngineRoute,
    RoutingProblem,
    RoutingSolution,
    VehicleKind,
    Visit,
    require,
)
from servopt.optimizer.routing.registry import backend

TIME_SCALE = 10  # engine time unit: 0.1 minute
_INF = int(np.iinfo(np.int64).max)


def _ticks(x: float | np.ndarray, up: bool = True) -> Any:
    """Minutes to engine ticks: exact values stay exact, others round up (or down)."""
    v = np.asarray(x, dtype=float) * TIME_SCALE
    r = np.rint(v)
    out = np.where(np.abs(v - r) < 1e-6, r, np.ceil(v) if up else np.floor(v))
    return out.astype(np.int64) if out.ndim else int(out)


def _km_to(network: ServiceNetwork, origins: list[str], site: str) -> np.ndarray:
    """Road km from each of ``origins`` to ``site``, as :meth:`ServiceNetwork.distance_km`
    computes them pair by pair (vectorised unless the network has explicit arcs)."""
    if network.arcs:
        return np.array([network.distance_km(o, site) for o in origins], dtype=float)
    xy = np.array([network.location(o) for o in origins], dtype=float).reshape(-1, 2)
    return km_xy(network, xy, network.location(site))


def profile_key(
    p: StaffPool, skills: list[str], parts: frozenset[str] = frozenset()
) -> tuple[Any, ...]:
    """Pools with the same key share a routing profile (matrices). ``parts``: the home depots
    where some job's part may be missing (:func:`parts_homes`): a return visit from there
    costs what the trip from that home costs, so its pools get a profile of their own."""
    key = (tuple(p.skills.get(s, 0.0) for s in skills), p.cost_per_km, p.speed_kmh)
    return (*key, p.home_depot, p.cost_per_hour) if p.home_depot in parts else key


def parts_homes(jobs: list[Job], prices: dict[str, JobPrices]) -> frozenset[str]:
    """Home depots where the part of some job in ``jobs`` may be missing."""
    return frozenset(h for j in jobs for h, miss in prices[j.id].part_miss.items() if miss > 0)


#: Above this, the matrices of one routing problem (two int64 matrices per profile) are too
#: large to build at once: decompose, and skip the whole-instance repair.
MATRIX_BUDGET_BYTES = 3 * 2**30


def matrix_bytes(
    network: ServiceNetwork,
    pools: list[StaffPool],
    jobs: list[Job],
    parts: frozenset[str] = frozenset(),
) -> int:
    """Bytes of the routing matrices that :func:`translate` would build for ``jobs`` on ``pools``.

    Two int64 matrices (distance and duration) per routing profile (:func:`profile_key` over
    the skills these jobs need), each over the locations: one per job plus one per distinct
    home depot. Compared with :data:`MATRIX_BUDGET_BYTES` to decide on decomposition, and
    used to estimate setup time (:func:`setup_seconds`).
    """
    skills = sorted({network.index["job_types"][j.job_type].skill for j in jobs})
    n_prof = len({profile_key(p, skills, parts) for p in pools})
    n_loc = len(jobs) + len({p.home_depot for p in pools})
    return 16 * n_prof * n_loc * n_loc


@dataclass(frozen=True)
class _Translation:
    problem: RoutingProblem
    pools: tuple[StaffPool, ...]  # index of VehicleKind.pool
    jobs: tuple[Job, ...]  # index of Visit.job
    money_scale: float
    offset: int  # engine units: objective = (engine cost + offset) / money_scale


def translate(
    network: ServiceNetwork,
    pools: list[StaffPool],
    jobs: list[Job],
    prices: dict[str, JobPrices],
    options: DispatchOptions,
) -> _Translation:
    """The dispatch problem on ``pools`` and ``jobs`` as an engine-neutral routing problem."""
    wc, wv = options.weights
    types = network.index["job_types"]
    timed = any(p.cost_per_hour or p.overtime_cost_per_hour for p in pools) and wc > 0
    # Engine units per unit of money. Scaling both weights by m = max(w_C, w_V) ranks plans the
    # same, so the units shrink by m > 1: a value weighed 1e6 (a frontier's end) otherwise
    # multiplies prizes and penalties past int64 inside the engine, whose local search then
    # cycles on wrapped costs and never returns (measured: 15 min at a 20 s limit).
    ms = (600.0 * TIME_SCALE if timed else float(TIME_SCALE)) / max(1.0, wc, wv)
    depots = sorted({p.home_depot for p in pools if p.home_depot is not None})
    nodes = depots + [j.site for j in jobs]
    nd = len(depots)
    coords = np.array([network.location(n) for n in nodes], dtype=float).reshape(-1, 2)
    skills = sorted({types[j.job_type].skill for j in jobs})
    parts = parts_homes(jobs, prices)

    # A horizon no route can outlast bounds every open-ended window and shift, and bars
    # unqualified jobs with a duration longer than it (finite numbers keep PyVRP's penalty
    # arithmetic far from overflow).
    finite = [
        t for p in pools for t in (shift_of(p)[1] + p.max_overtime_min,) if math.isfinite(t)
    ] + [t for j in jobs for t in job_window(j, options) if math.isfinite(t)]
    by_speed: dict[float | None, tuple[np.ndarray, np.ndarray]] = {}  # km, travel ticks
    for speed in {p.speed_kmh for p in pools}:
        km_, mins_ = network.matrices(nodes, speed)
        by_speed[speed] = (km_, _ticks(mins_))
    worst_min = max(float(t.max(initial=0)) for _, t in by_speed.values()) / TIME_SCALE
    horizon_min = (
        max(finite, default=0.0)
        + sum(duration(network, j) for j in jobs)
        + worst_min * (len(jobs) + 1)
        + 1.0
    )
    horizon = _ticks(horizon_min)
    barred_ticks = 2 * horizon + 1

    def late_ticks(t: float) -> int:
        """A closing time in ticks (rounded down); open-ended ones close at the horizon."""
        return _ticks(t, up=False) if math.isfinite(t) else horizon

    profiles: dict[tuple[Any, ...], int] = {}
    dist_m: list[np.ndarray] = []
    dur_m: list[np.ndarray] = []
    kinds = []
    for i, p in enumerate(pools):
        key = profile_key(p, skills, parts)
        if key not in profiles:
            profiles[key] = len(dist_m)
            km, base_ticks = by_speed[p.speed_kmh]
            extra = np.zeros(len(nodes))
            barred = np.zeros(len(nodes), dtype=bool)
            for k, job in enumerate(jobs):
                jt = types[job.job_type]
                prof = p.skills.get(jt.skill, 0.0)
                if not qualified(network, p, job):
                    barred[nd + k] = True
                    continue
                q = 1.0 - first_time_fix(jt.first_time_fix, prof)
                pr = prices[job.id]
                # A part's return visit from this profile's home (one home per profile
                # where parts may be missing: exact).
                b_cost, b_down, _ = pr.parts_return(network, p, job.site)
                extra[nd + k] = wc * (q * pr.repeat_cost + b_cost) + wv * (
                    q * pr.repeat_downtime + b_down
                )
            dm = np.rint(ms * (wc * p.cost_per_km * km + extra[None, :])).astype(np.int64)
            tm = base_ticks.copy()
            tm[:, barred] = barred_ticks
            np.fill_diagonal(dm, 0)
            np.fill_diagonal(tm, 0)
            dist_m.append(dm)
            dur_m.append(tm)
        s0, s1 = shift_of(p)
        ot = p.max_overtime_min if math.isfinite(s1) else 0.0
        rate = p.cost_per_hour
        ot_rate = p.overtime_cost_per_hour if p.overtime_cost_per_hour is not None else rate
        per_tick = ms / (60.0 * TIME_SCALE)
        kinds.append(
            VehicleKind(
                pool=i,
                count=p.headcount,
                depot=depots.index(p.home_depot),  # type: ignore[arg-type]
                tw_early=_ticks(s0),
                tw_late=late_ticks(s1 + ot),
                shift_duration=_ticks(s1 - s0, up=False) if math.isfinite(s1) else _INF,
                max_overtime=_ticks(ot, up=False),
                unit_duration_cost=round(wc * rate * per_tick),
                unit_overtime_cost=round(wc * max(0.0, ot_rate - rate) * per_tick),
                capacity=None if p.vehicle_capacity is None else int(p.vehicle_capacity),
                profile=profiles[key],
                # Time is paid from the shift start: start there, so that overtime is the
                # return past the shift end (as the route checker counts it).
                start_late=_ticks(s0) if rate or ot else None,
            )
        )

    visits: list[Visit] = []
    groups: list[tuple[int, ...]] = []
    offset = 0
    for k, job in enumerate(jobs):
        e, late = job_window(job, options)
        pr = prices[job.id]
        service = _ticks(duration(network, job))
        load = math.ceil(job.quantity - 1e-9)
        drop = pr.drop_price(options)
        if not options.allow_drops:
            drop = max(drop, 1e3 * (options.drop_cost + 1.0))
        bands: list[tuple[float, float, float]] = []  # (early, late, penalty)
        d = job.deadline_min
        if wv > 0 and options.sla == "soft" and d is not None and d < late:
            if e <= d:
                bands.append((e, d, 0.0))
            last = min(late, horizon_min)  # no route ends later
            b = 1
            while d + (b - 1) * options.band_min < last:
                lo, hi = max(e, d + (b - 1) * options.band_min), min(late, d + b * options.band_min)
                pen = wv * pr.late_downtime(b, options.band_min)
                if hi >= lo and (pen < drop or not options.allow_drops):
                    bands.append((lo, hi, pen))
                b += 1
        if len(bands) > 1:
            g = len(groups)
            members = []
            for lo, hi, pen in bands:
                prize = round(ms * max(drop - pen, 0.0))
                members.append(len(visits))
                visits.append(
                    Visit(
                        k,
                        nd + k,
                        service,
                        _ticks(lo),
                        late_ticks(hi),
                        load,
                        prize,
                        False,
                        g,
                    )
                )
            groups.append(tuple(members))
            offset += round(ms * drop) - sum(visits[m].prize for m in members)
        else:
            lo, hi = (bands[0][0], bands[0][1]) if bands else (e, late)
            pen = bands[0][2] if bands else 0.0
            required = not options.allow_drops and not pen
            prize = round(ms * drop)
            visits.append(
                Visit(
                    k,
                    nd + k,
                    service,
                    _ticks(lo),
                    late_ticks(hi),
                    load,
                    prize - round(ms * pen),
                    required,
                )
            )
            if not required:
                offset += round(ms * pen)
    needs = {"time_windows", "profiles", "optional_visits", "duration_cost", "overtime"}
    if len(depots) > 1:
        needs.add("multi_depot")
    if groups:
        needs.add("exclusive_groups")
    if any(k.capacity is not None for k in kinds):
        needs.add("capacity")
    problem = RoutingProblem(
        coords,
        tuple(range(nd)),
        tuple(visits),
        tuple(groups),
        tuple(kinds),
        tuple(dist_m),
        tuple(dur_m),
        frozenset(needs),
    )
    return _Translation(problem, tuple(pools), tuple(jobs), ms, offset)


def _decode(tr: _Translation, sol: RoutingSolution) -> tuple[Route, ...]:
    """Engine routes as plan routes: members numbered per pool in engine order."""
    used: dict[int, int] = {}
    routes = []
    for r in sol.routes:
        if not r.visits:
            continue
        kind = tr.problem.vehicles[r.vehicle]
        pool = tr.pools[kind.pool]
        member = used.get(kind.pool, 0)
        used[kind.pool] = member + 1
        routes.append(
            Route(
                pool=pool.id,
                member=member,
                jobs=tuple(tr.jobs[tr.problem.visits[v].job].id for v in r.visits),
                start_min=r.start / TIME_SCALE,
            )
        )
    return tuple(routes)


def _encode(tr: _Translation, routes: tuple[Route, ...]) -> tuple[EngineRoute, ...]:
    """Plan routes (e.g. from the parts of a decomposition) as engine routes of ``tr``, each job
    as its on-time visit (the largest prize); the engine re-times them and moves a job to
    another lateness band where its start needs it."""
    pool_kind = {tr.pools[k.pool].id: i for i, k in enumerate(tr.problem.vehicles)}
    visit_of: dict[str, list[int]] = {}
    for i, v in enumerate(tr.problem.visits):
        visit_of.setdefault(tr.jobs[v.job].id, []).append(i)
    out = []
    for r in routes:
        visits = tuple(max(visit_of[j], key=lambda i: tr.problem.visits[i].prize) for j in r.jobs)
        out.append(EngineRoute(pool_kind[r.pool], visits, 0))
    return tuple(out)


def _bisect(
    network: ServiceNetwork, depots: list[str], load: dict[str, int], cap: int
) -> list[list[str]]:
    """Split depots by coordinate bisection (weighted by their jobs) until each part holds at
    most ``cap`` jobs, or a single depot."""
    if sum(load[d] for d in depots) <= cap or len(depots) == 1:
        return [depots]
    xy = np.array([network.location(d) for d in depots])
    axis = int(np.argmax(xy.max(axis=0) - xy.min(axis=0)))
    order = sorted(depots, key=lambda d: (network.location(d)[axis], d))
    half, acc, cut = sum(load[d] for d in depots) / 2.0, 0, 1
    for i, d in enumerate(order[:-1]):
        acc += load[d]
        cut = i + 1
        if acc >= half:
            break
    return _bisect(network, order[:cut], load, cap) + _bisect(network, order[cut:], load, cap)


def job_homes(network: ServiceNetwork, pools: list[StaffPool], jobs: list[Job]) -> dict[str, str]:
    """Each job's nearest depot that is home to a qualified pool (ties: the pool id)."""
    home: dict[str, str] = {}
    homes = [p.home_depot or "" for p in pools]
    home_xy = np.array([network.location(h) for h in homes], dtype=float).reshape(-1, 2)
    ids = np.array([p.id for p in pools])
    qual_of: dict[str, np.ndarray] = {}
    for job in jobs:
        if job.job_type not in qual_of:
            qual_of[job.job_type] = np.flatnonzero([qualified(network, p, job) for p in pools])
        idx = qual_of[job.job_type]
        if network.arcs:
            km = _km_to(network, [homes[i] for i in idx], job.site)
        else:
            km = km_xy(network, home_xy[idx], network.location(job.site))
        best = idx[np.lexsort((ids[idx], km))[0]]
        home[job.id] = homes[best]
    return home


def _parts(
    network: ServiceNetwork,
    pools: list[StaffPool],
    jobs: list[Job],
    cap: int,
    home: dict[str, str] | None = None,
) -> list[tuple[list[StaffPool], list[Job]]]:
    home = home if home is not None else job_homes(network, pools, jobs)
    depots = sorted({p.home_depot for p in pools if p.home_depot is not None})
    load = {d: 0 for d in depots}
    for j in jobs:
        load[home[j.id]] += 1
    at: dict[str, list[int]] = {}
    for k, j in enumerate(jobs):
        at.setdefault(home[j.id], []).append(k)
    out = []
    for group in _bisect(network, depots, load, cap):
        members = set(group)
        out.append(
            (
                [p for p in pools if p.home_depot in members],
                [jobs[k] for k in sorted(k for d in group for k in at.get(d, ()))],
            )
        )
    return [(p, j) for p, j in out if p and j]


def solve_dispatch(
    network: ServiceNetwork,
    options: DispatchOptions | None = None,
    params: SolveParams | None = None,
    *,
    plan: Plan | None = None,
    policy: DispatchPolicy | str = DispatchPolicy.OPTIMISE,
    iterations: int | None = None,
) -> Result:
    """Dispatch the network's jobs to its field technicians (see the module docstring).

    ``plan``: staff changes to dispatch under (head counts, skills: e.g. a redesign's "everyone
    multi-skill"). ``iterations`` caps the search's iterations as well as its time: with it,
    the same seed gives the same plan on any machine; with the time limit alone the plan
    depends on how far the search got (the seed still fixes every random choice).
    Returns a :class:`~servopt.optimizer.result.Result` whose ``objective`` holds the plan's
    ``cost`` and ``value`` (and ``weighted``, under that objective) as the evaluator prices
    them; ``kpis`` a :class:`~servopt.optimizer.dispatch.evaluate.DispatchKpis` whose ``solve``
    says how the plan was reached (engine, its own objective, parts, fallbacks, stage times).
    """
    t0 = time.perf_counter()
    options = options or DispatchOptions()
    params = params or SolveParams(time_limit_s=10.0)
    policy = DispatchPolicy(policy)
    refuse_caps("dispatch", CAPS_HELD, options)
    if iterations is not None and iterations < 1:
        raise BadInputError([Problem("iterations", f"must be >= 1, got {iterations!r}")])
    if plan is not None:
        network = plan.staffed(network)
    base = plan or Plan()
    pools = field_pools(network)
    screened = screen(network, pools, options)
    stages = {"screening": time.perf_counter() - t0}
    meta: dict[str, Any] = {
        "params": params,
        "params_used": ("time_limit_s", "seed"),
        "decision": "dispatch",
        "units": dispatch_units(network),
        "options": options,
    }
    if screened and not options.allow_drops:
        return Result(
            Status.INFEASIBLE,
            time.perf_counter() - t0,
            diagnostics=tuple(f"job {j!r}: {why}" for j, why in screened.items()),
            solver="screening",
            **meta,
        )
    jobs = [j for j in network.jobs if j.id not in screened]
    extra: dict[str, Any] = {}
    if policy is DispatchPolicy.NEAREST:
        routes, drops = nearest_routes(network, options, screened)
        solver = "nearest"
    elif not jobs or not pools:
        # no job anyone could do: the empty plan is the only one, so it is optimal
        routes, drops, solver = (), {}, "none"
        why = (
            "nothing to dispatch: the network has no jobs"
            if not network.jobs
            else "nothing to dispatch: no staff pool has a home depot, members and a skill "
            "a job type needs"
            if not pools
            else "nothing to dispatch: no technician could do any job (each is listed "
            "with its reason)"
        )
        extra = {"engine": "none", "proven_optimal": True, "notes": [why]}
    else:
        # The whole solve ends by the limit: _optimise keeps time for the final evaluation.
        deadline = t0 + params.time_limit_s * 0.97 - 0.05
        routes, engine, extra = _optimise(
            network, pools, jobs, options, params, iterations, deadline, base
        )
        solver = engine
        drops = extra.pop("nearest_drops", {})
    reasons = {**screened, **drops}
    served = {j for r in routes for j in r.jobs}
    for j in network.jobs:
        if j.id not in reasons and j.id not in served:
            reasons[j.id] = (
                "no qualified technician had time left for it: dropped at its price "
                f"(drop cost {options.drop_cost:g} plus its downtime)"
            )
    out_plan = base.replace(routes=routes, dispatch_policy=policy)
    t_eval = time.perf_counter()
    fig = check_routes(network, out_plan)
    kpis = dispatch_kpis(network, out_plan, options, reasons, fig)
    violations = [*fig.violations, *hard_sla_violations(network, fig, options)]
    stages = {**stages, **extra.pop("stages_s", {}), "evaluation": time.perf_counter() - t_eval}
    notes = tuple(extra.pop("notes", ()))
    proven = bool(extra.pop("proven_optimal", False))
    infeasible = bool(extra.pop("infeasible", False))
    solve_info = {
        **extra,
        "engine": extra.get("engine", solver),
        "stages_s": {k: round(v, 3) for k, v in stages.items()},
    }
    kpis = replace(kpis, solve=solve_info)
    runtime = time.perf_counter() - t0
    if violations:
        return Result(
            Status.ERROR,
            runtime,
            kpis=kpis,
            diagnostics=("the route checker rejected the plan:", *violations),
            solver=solver,
            **meta,
        )
    if infeasible or (not options.allow_drops and kpis.dropped):
        return Result(
            Status.INFEASIBLE,
            runtime,
            kpis=kpis,
            diagnostics=(
                "no plan serves every job within the technicians' windows, shifts and capacity"
                " (the search's best still breaks one)",
            ),
            solver=solver,
            **meta,
        )
    if proven and solver != "none":
        notes = (
            *notes,
            "proven optimal by the exact method (labels over job subsets, a partition over "
            "technicians) for the engine's model: travel times rounded up to 0.1 min",
        )
    if network.jobs:  # a file with no jobs is another decision's case: nothing to warn about
        notes = (*notes, *shift_notes(network), *unused_inputs(network, "dispatch", READS))
    return Result(
        Status.OPTIMAL if proven else Status.FEASIBLE,
        runtime,
        objective=objective_values(options, kpis.cost, kpis.value),
        plan=out_plan,
        kpis=kpis,
        diagnostics=notes,
        solver=solver,
        **meta,
    )


#: Measured cost of translating a part and setting the engine up on it (PyVRP's problem
#: data, neighbourhoods and first local search): about 2.5e-4 s per job plus 1.1e-8 s per byte
#: of routing matrices (:func:`matrix_bytes`); 8,000 jobs over 200 depots, parts of 110 to
#: 1,945 jobs (0.03 s to 24 s each) on the 2-core reference machine.
SECONDS_PER_JOB = 2.5e-4
SECONDS_PER_MATRIX_BYTE = 1.1e-8
#: Measured: the nearest-engineer policy, vectorised, 0.5 s for 8,000 jobs and 200 members.
NEAREST_SECONDS_PER_JOB = 1e-4


def setup_seconds(network: ServiceNetwork, pools: list[StaffPool], jobs: list[Job]) -> float:
    """Estimated seconds to translate ``jobs`` on ``pools`` and set the engine up."""
    return SECONDS_PER_JOB * len(jobs) + SECONDS_PER_MATRIX_BYTE * matrix_bytes(
        network, pools, jobs
    )


def _optimise(
    network: ServiceNetwork,
    pools: list[StaffPool],
    jobs: list[Job],
    options: DispatchOptions,
    params: SolveParams,
    iterations: int | None,
    deadline: float,
    plan: Plan,
) -> tuple[tuple[Route, ...], str, dict[str, Any]]:
    """Search within ``deadline`` (a ``perf_counter`` time) in all: pricing, the translation
    and the engine's setup of every part count, and time is kept for the final evaluation.
    Parts (or the whole) that the time left cannot set up get the nearest-engineer policy,
    flagged as the fallback heuristic in ``extra``. ``plan``: the placement parts are
    priced under (:func:`~servopt.optimizer.dispatch.terms.job_prices`)."""
    engine = backend(options.backend)
    t_prices = time.perf_counter()
    prices = job_prices(network, options, plan)
    stages = {"pricing": time.perf_counter() - t_prices}
    # The final evaluation prices every job again and checks every route: keep time for it.
    reserve = 1.5 * (time.perf_counter() - t_prices) + 5e-5 * len(network.jobs) + 0.05
    stop = deadline - reserve
    size = matrix_bytes(network, pools, jobs, parts_homes(jobs, prices))
    cap = options.max_jobs_per_part
    if size > MATRIX_BUDGET_BYTES:
        cap = min(cap, int(len(jobs) * math.sqrt(MATRIX_BUDGET_BYTES / size)))
    initial = None
    parts_info: list[dict[str, Any]] = []
    extra: dict[str, Any] = {"engine": engine.name, "parts": parts_info, "stages_s": stages}
    notes: list[str] = []
    # Smaller parts when time is short: setting a part up grows with the square of its jobs.
    avail = stop - time.perf_counter()
    parts: list[tuple[list[StaffPool], list[Job]]] = []
    home = None
    while True:
        if len(jobs) > cap:
            home = home if home is not None else job_homes(network, pools, jobs)
            parts = _parts(network, pools, jobs, max(cap, 10), home)
            est = sum(setup_seconds(network, p, j) for p, j in parts)
        else:
            parts, est = [], setup_seconds(network, pools, jobs)
        if est <= 0.4 * avail or cap <= 50:
            break
        cap = max(50, min(cap, len(jobs)) // 2)
    stages["sizing parts"] = time.perf_counter() - t_prices - stages["pricing"]
    t_parts = time.perf_counter()
    fell_back: list[int] = []  # jobs of parts given to the nearest policy
    nearest_drops: dict[str, str] = {}
    merged: list[Route] = []

    def fallback(p_pools: list[StaffPool], p_jobs: list[Job]) -> None:
        r, d = nearest_routes(network, options, {}, p_pools, p_jobs)
        merged.extend(r)
        nearest_drops.update(d)
        fell_back.append(len(p_jobs))

    if parts and est > 2.0 * (stop - time.perf_counter()):
        parts = []  # not even the smallest parts fit: the nearest policy for all, below
    if parts:
        whole_setup = setup_seconds(network, pools, jobs)
        repair = size <= MATRIX_BUDGET_BYTES and whole_setup <= 0.3 * avail
        part_stop = stop - (0.4 * (stop - time.perf_counter()) if repair else 0.0)
        jobs_left = len(jobs)
        for k, (p_pools, p_jobs) in enumerate(parts):
            now = time.perf_counter()
            setup = setup_seconds(network, p_pools, p_jobs)
            after = NEAREST_SECONDS_PER_JOB * (jobs_left - len(p_jobs))
            if now + setup + after + 0.02 > part_stop:
                fallback(p_pools, p_jobs)
                jobs_left -= len(p_jobs)
                continue
            share = (part_stop - now - after) * len(p_jobs) / jobs_left
            tr = translate(network, p_pools, p_jobs, prices, options)
            require(engine, tr.problem)
            left = max(0.02, min(share, part_stop - time.perf_counter() - after))
            sol = engine.solve(tr.problem, left, params.seed + k, None, iterations)
            jobs_left -= len(p_jobs)
            if sol.feasible:
                merged.extend(_decode(tr, sol))
            else:
                fallback(p_pools, p_jobs)
            parts_info.append(
                {"jobs": len(p_jobs), "pools": len(p_pools), "runtime_s": sol.runtime_s}
            )
            extra["engine"] = getattr(engine, "last", engine.name)
        stages["parts"] = time.perf_counter() - t_parts
        if fell_back:
            extra["fallback"] = (
                f"nearest-engineer dispatch for {sum(fell_back)} of {len(jobs)} jobs "
                f"({len(fell_back)} of {len(parts)} parts: no time left to optimise them)"
            )
            notes.append(
                f"fallback heuristic: {extra['fallback']}; the time limit of "
                f"{params.time_limit_s:g} s was reached while setting up the parts"
            )
        skip = None
        if not repair:
            skip = (
                f"skipped: the whole instance's matrices would take {size / 2**30:.1f} GiB"
                if size > MATRIX_BUDGET_BYTES
                else "skipped: no time left to set up the whole instance"
            )
        elif time.perf_counter() + whole_setup > stop:
            skip = "skipped: no time left to set up the whole instance"
        if skip:
            extra["repair"] = skip
            extra["nearest_drops"] = nearest_drops
            extra["notes"] = notes
            return (
                tuple(merged),
                _name(getattr(engine, "last", engine.name), fell_back, len(jobs)),
                extra,
            )
    elif time.perf_counter() + est > stop:
        # Not even the whole instance's setup fits: the nearest policy is the plan.
        fallback(pools, jobs)
        extra["fallback"] = "nearest-engineer dispatch for every job"
        extra["nearest_drops"] = nearest_drops
        extra["notes"] = [
            f"fallback heuristic: nearest-engineer dispatch; the time limit of "
            f"{params.time_limit_s:g} s leaves no time to set up the search "
            f"(estimated {est:.1f} s; reached: sizing the parts, after pricing the jobs)"
        ]
        return tuple(merged), "nearest (fallback heuristic)", extra
    whole = translate(network, pools, jobs, prices, options)
    require(engine, whole.problem)
    if parts and "initial_solution" in engine.capabilities:
        initial = _encode(whole, tuple(merged))
    left = max(0.05, stop - time.perf_counter())
    t_whole = time.perf_counter()
    sol = engine.solve(whole.problem, left, params.seed, initial, iterations)
    stages["whole-instance search" + (" (repair)" if parts else "")] = time.perf_counter() - t_whole
    extra |= {
        "engine_objective": (
            (sol.cost + whole.offset + _screened_offset(network, jobs, prices, options, whole))
            / whole.money_scale
            if sol.cost is not None
            else None
        ),
        "engine_iterations": sol.iterations,
    }
    if not sol.feasible:
        if parts:
            # The repair found nothing feasible in its time: keep the parts' plan.
            extra["repair"] = "no feasible repair within the time left: the parts' plan stands"
            extra["nearest_drops"] = nearest_drops
            extra["notes"] = notes
            return (
                tuple(merged),
                _name(getattr(engine, "last", engine.name), fell_back, len(jobs)),
                extra,
            )
        extra["infeasible"] = True
        return (), getattr(engine, "last", engine.name), extra
    answered = getattr(engine, "last", engine.name)  # "auto" says which engine answered
    extra["engine"] = answered
    if fell_back:
        extra["notes"] = [*notes, "the repair search started from that plan"]
        name = answered + "+nearest (fallback heuristic)"
    else:
        name = answered
        extra["proven_optimal"] = sol.proven and not parts
    return _decode(whole, sol), name, extra


def _name(engine: str, fell_back: list[int], n_jobs: int) -> str:
    if not fell_back:
        return engine
    if sum(fell_back) >= n_jobs:
        return "nearest (fallback heuristic)"
    return f"{engine}+nearest (fallback heuristic)"


def _screened_offset(
    network: ServiceNetwork,
    jobs: list[Job],
    prices: dict[str, JobPrices],
    options: DispatchOptions,
    tr: _Translation,
) -> int:
    """What the screened-out jobs add to the objective (their drop price), in engine units."""
    kept = {j.id for j in jobs}
    return sum(
        round(tr.money_scale * prices[j.id].drop_price(options))
        for j in network.jobs
        if j.id not in kept
    )
