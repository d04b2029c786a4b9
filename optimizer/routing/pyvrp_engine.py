"""Routing backend on PyVRP (iterated local search with SWAP* and friends, Wouda et al.).

Chosen on evidence (see ``bench/dispatch_solomon.py`` and the README): on the Solomon set it is
within a few tenths of a percent of the best-known distances in seconds, where OR-Tools routing
with guided local search found no first solution for the tight-window classes. Every feature
dispatch needs maps onto PyVRP directly: multi-depot vehicle types, per-type routing profiles
(skills: an unqualified job is unreachable in that profile's durations), optional clients with
prizes (drops), mutually exclusive client groups (lateness bands), shift duration with priced
overtime, a duration cost, and warm starts.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pyvrp
from pyvrp.IteratedLocalSearch import IteratedLocalSearch, IteratedLocalSearchParams
from pyvrp.PenaltyManager import PenaltyManager
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from servopt.optimizer.routing.construct import cheapest_insertion
from servopt.optimizer.routing.problem import (
    CAPABILITIES,
    EngineRoute,
    RoutingProblem,
    RoutingSolution,
)

_INF = int(np.iinfo(np.int64).max)


def problem_data(problem: RoutingProblem) -> pyvrp.ProblemData:
    """The problem as PyVRP ``ProblemData`` (matrices passed whole, not edge by edge)."""
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in problem.coords]
    depots = [pyvrp.Depot(location=loc) for loc in problem.depots]
    has_load = any(v.capacity is not None for v in problem.vehicles)
    clients = [
        pyvrp.Client(
            location=v.location,
            delivery=[v.delivery] if has_load else [],
            service_duration=v.service,
            tw_early=v.tw_early,
            tw_late=v.tw_late,
            prize=0 if v.required else v.prize,
            required=v.required,
            group=v.group,
        )
        for v in problem.visits
    ]
    groups = [pyvrp.ClientGroup(clients=list(g), required=False) for g in problem.groups]
    big = sum(v.delivery for v in problem.visits) + 1
    types = [
        pyvrp.VehicleType(
            num_available=k.count,
            capacity=[k.capacity if k.capacity is not None else big] if has_load else [],
            start_depot=k.depot,
            end_depot=k.depot,
            tw_early=k.tw_early,
            tw_late=k.tw_late,
            shift_duration=k.shift_duration,
            max_overtime=k.max_overtime,
            unit_distance_cost=1,
            unit_duration_cost=k.unit_duration_cost,
            unit_overtime_cost=k.unit_overtime_cost,
            profile=k.profile,
            start_late=k.start_late,
        )
        for k in problem.vehicles
    ]
    return pyvrp.ProblemData(
        locations,
        clients,
        depots,
        types,
        [np.ascontiguousarray(m, dtype=np.int64) for m in problem.distance],  # type: ignore[misc]
        [np.ascontiguousarray(m, dtype=np.int64) for m in problem.duration],  # type: ignore[misc]
        groups,
    )


#: Penalty updates every this many search iterations when some visits are optional (PyVRP's
#: default, 500, is for its own starting penalties; see :func:`initial_penalties`).
UPDATE_EVERY = 100
#: Factor by which a penalty rises at an update when too few solutions were feasible.
PENALTY_INCREASE = 1.5
#: Starting penalties, as a multiple of :func:`initial_penalties`, when the search starts from
#: :func:`~servopt.optimizer.routing.construct.cheapest_insertion`'s routes. From arc scale the
#: penalties need about 1,000 iterations (over 15 s on the 1,000-job bench) to rise to where
#: the search is feasible again, and the best plan stayed the constructed one all that time
#: (measured); from 1,000 times arc scale the search never stepped through the infeasible
#: neighbours that place the last jobs (998 of 1,000 at 30 s). 30: measured in between.
CONSTRUCTED_PENALTY_SCALE = 30.0
#: Late-acceptance history of the search, in iterations per second of the time limit (between
#: :data:`HISTORY_MIN` and PyVRP's default of 300, reached at 600 s), when visits are optional.
#: PyVRP's 300 suits its long runs; in a minute (3,000 iterations on the 1,000-job bench) the
#: search accepting anything better than 300 iterations ago wanders: at 3,000 iterations from
#: the construction, history 300 ended at 70,770 and 71,626 (seeds 1, 2), 100 at 70,332, 30
#: at 68,873 and 68,850, 10 at 68,335 (seed 1; measured).
HISTORY_PER_SECOND = 0.5
HISTORY_MIN = 10
#: At most this share of the time limit goes to the construction (it stops with what it built).
CONSTRUCTION_SHARE = 0.25


def _solution(data: pyvrp.ProblemData, routes: tuple[EngineRoute, ...]) -> pyvrp.Solution:
    """Engine routes as a PyVRP solution (each route re-timed by PyVRP)."""
    return pyvrp.Solution(
        data,
        [
            pyvrp.Route(
                data, [pyvrp.Activity(pyvrp.ActivityType.CLIENT, v) for v in r.visits], r.vehicle
            )
            for r in routes
            if r.visits
        ],
    )


def initial_penalties(problem: RoutingProblem, load_dims: int) -> tuple[list[float], float, float]:
    """Starting penalties on the scale of the routing costs: a tick of time warp at the mean
    cost of a tick of travel, a unit of excess load at the mean cost of an arc per unit of
    the mean delivery (the rule of PyVRP's earlier ``PenaltyManager.init_from``).

    Why not PyVRP's start, the midpoint of its penalty range: dispatch raises the top of the
    range to twice the largest prize, so that at the end no late visit beats a drop; its
    midpoint is then the price of a dropped job per tick. With that, the search never steps
    through an infeasible neighbour, which it must to hand a job to the only qualified
    technician who can take it (insert the dropped job in the specialist's route, late, then
    move the job that made it late to a colleague), and a job stayed dropped while a qualified
    technician sat at the depot (issue 9's two-job network). Starting on the scale of the arcs
    and updating every :data:`UPDATE_EVERY` iterations lets the penalty rise to whatever keeps
    the search feasible two-thirds of the time (PyVRP's target) within a few hundred
    iterations. Arcs longer than every vehicle's working window (unqualified jobs, barred by
    their duration) are left out of the means.
    """
    span = max(k.tw_late for k in problem.vehicles) - min(k.tw_early for k in problem.vehicles)
    cost = dur = 0.0
    n = 0
    for dm, tm in zip(problem.distance, problem.duration, strict=True):
        usable = tm <= span
        np.fill_diagonal(usable, False)
        cost += float(dm[usable].sum())
        dur += float(tm[usable].sum())
        n += int(usable.sum())
    mean_cost = cost / max(n, 1)
    tw = mean_cost / max(dur / max(n, 1), 1.0)
    mean_load = float(np.mean([v.delivery for v in problem.visits])) if problem.visits else 0.0
    load = mean_cost / max(mean_load, 1.0)
    return ([load] * load_dims, tw, tw)


def _route_value(data: pyvrp.ProblemData, visits: list[int], vehicle: int) -> float:
    """What a route adds to the engine objective (costs less the prizes it collects), or
    infinity when it is infeasible; an empty route adds nothing."""
    if not visits:
        return 0.0
    r = pyvrp.Route(data, [pyvrp.Activity(pyvrp.ActivityType.CLIENT, v) for v in visits], vehicle)
    if not r.is_feasible():
        return math.inf
    return float(r.distance_cost() + r.duration_cost() + r.fixed_vehicle_cost() - r.prizes())


def drop_polish(data: pyvrp.ProblemData, best: pyvrp.Solution, deadline: float) -> pyvrp.Solution:
    """Drop two optional visits of a route at once, or the whole route, where that pays.

    PyVRP's local search removes optional clients one at a time, and its perturbation removes
    the neighbours of a random client, not a route's own jobs: a route whose two jobs each pay
    for less than the route costs, but each less than the other's share, survives every single
    removal (measured: a technician sent out for 117.15 to do two jobs that were worth 100 to
    drop; found by the brute-force property test). The objective is a sum over routes, so each
    route is polished on its own: the best of every pair removal and the empty route, repeated
    while it improves. Deterministic; stops at ``deadline``.
    """
    required = {i for i, c in enumerate(data.clients()) if c.required}
    out: list[pyvrp.Route] = []
    any_change = False
    for r in best.routes():
        visits = [int(a.idx) for a in r.schedule() if a.is_client()]
        vehicle = int(r.vehicle_type())
        here = _route_value(data, visits, vehicle)
        changed = False
        while visits and time.perf_counter() < deadline:
            optional = [k for k, v in enumerate(visits) if v not in required]
            options: list[list[int]] = []
            if len(optional) == len(visits):
                options.append([])
            options += [
                [v for k, v in enumerate(visits) if k not in (a, b)]
                for a, b in itertools.combinations(optional, 2)
            ]
            value, keep = min(
                ((_route_value(data, o, vehicle), o) for o in options),
                default=(math.inf, visits),
                key=lambda t: t[0],
            )
            if value >= here:
                break
            here, visits, changed = value, keep, True
        any_change |= changed
        if not changed:
            out.append(r)
        elif visits:
            out.append(
                pyvrp.Route(
                    data, [pyvrp.Activity(pyvrp.ActivityType.CLIENT, v) for v in visits], vehicle
                )
            )
    return pyvrp.Solution(data, out) if any_change else best


def open_routes(
    data: pyvrp.ProblemData, best: pyvrp.Solution, deadline: float, pairs_per_job: int = 20
) -> pyvrp.Solution:
    """Send an idle technician out for two dropped jobs where the pair pays for the route.

    The converse of :func:`drop_polish`: PyVRP inserts dropped clients one at a time, so two
    jobs that each pay less than a route's cost but together more stay dropped while a
    technician is free (measured: a lone technician left at the depot with two neighbouring jobs
    worth 50 each that a 36 route would do; found by the brute-force property test). For every
    vehicle type with a vehicle to spare, the best route of one or two dropped jobs (each job
    paired with its ``pairs_per_job`` nearest dropped ones, both orders) is opened if it is
    worth more than it costs, the best first, until none is or ``deadline`` passes.
    """
    clients = data.clients()
    planned = {int(a.idx) for r in best.routes() for a in r.schedule() if a.is_client()}
    taken_groups = {clients[i].group for i in planned if clients[i].group is not None}
    free = [
        i
        for i, c in enumerate(clients)
        if i not in planned and not c.required and (c.group is None or c.group not in taken_groups)
    ]
    routes = list(best.routes())
    used = [0] * data.num_vehicle_types
    for r in routes:
        used[int(r.vehicle_type())] += 1
    changed = False
    while free and time.perf_counter() < deadline:
        locs = [data.location(clients[i].location) for i in free]
        xy = np.array([[loc.x, loc.y] for loc in locs], dtype=float)
        near = np.argsort(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1), axis=1)
        cands: list[list[int]] = [[u] for u in free]
        for a, u in enumerate(free):
            for b in near[a, : pairs_per_job + 1]:
                v = free[int(b)]
                if v == u:  # itself: first, unless another job shares its location (a tie)
                    continue
                gu, gv = clients[u].group, clients[v].group
                if gu is None or gu != gv:
                    cands.append([u, v])
        best_value, best_route = 0.0, None
        seen: set[tuple] = set()
        for t in range(data.num_vehicle_types):
            vt = data.vehicle_type(t)
            if used[t] >= vt.num_available:
                continue
            key = (
                vt.start_depot,
                vt.profile,
                vt.tw_early,
                vt.tw_late,
                vt.shift_duration,
                vt.max_overtime,
                vt.unit_distance_cost,
                vt.unit_duration_cost,
                vt.unit_overtime_cost,
                vt.start_late,
            )
            if key in seen:  # the same as a type already tried
                continue
            seen.add(key)
            for c in cands:
                value = _route_value(data, c, t)
                if value < best_value - 1e-9:
                    best_value, best_route = value, (c, t)
            if time.perf_counter() >= deadline:
                break
        if best_route is None:
            break
        visits, t = best_route
        routes.append(
            pyvrp.Route(data, [pyvrp.Activity(pyvrp.ActivityType.CLIENT, v) for v in visits], t)
        )
        used[t] += 1
        changed = True
        gone = set(visits) | {
            i
            for i in free
            if clients[i].group is not None
            and clients[i].group in {clients[v].group for v in visits}
        }
        free = [i for i in free if i not in gone]
    return pyvrp.Solution(data, routes) if changed else best


class PyVRPBackend:
    """The routing backend on PyVRP's iterated local search (engine ``pyvrp``).

    It models every capability in :data:`~servopt.optimizer.routing.problem.CAPABILITIES`,
    warm starts included, and is what ``auto`` uses where the exact method does not apply or
    runs out of time. :meth:`solve` builds the PyVRP data (:func:`problem_data`), searches
    within the time limit (and ``iterations``, when given) from the warm start, else from a local
    search of a first solution: with optional visits (dispatch) the routes of
    :func:`~servopt.optimizer.routing.construct.cheapest_insertion`, with penalties starting
    at :data:`CONSTRUCTED_PENALTY_SCALE` times :func:`initial_penalties` and a late-acceptance
    history that grows with the time limit (:data:`HISTORY_PER_SECOND`); with every visit
    required (Solomon) a seeded random solution and PyVRP's search parameters, as before. When
    some optional visits carry a prize it then polishes the best feasible solution with
    multi-job drops and route openings (:func:`drop_polish`, :func:`open_routes`). A heuristic:
    ``proven`` is never set.
    """

    name = "pyvrp"
    capabilities = CAPABILITIES

    @staticmethod
    def _polish(
        data: pyvrp.ProblemData,
        best: pyvrp.Solution,
        ls: LocalSearch,
        pm: PenaltyManager,
        deadline: float,
        ls_s: float,
    ) -> pyvrp.Solution:
        """Multi-job drops and route openings, then PyVRP's local search on what they changed
        (at the maximum penalties, so that it stays feasible; only while more than ``ls_s``,
        the time of one full local search, is left), while each round improves."""
        judge = pm.max_cost_evaluator()
        for _ in range(3):
            cand = open_routes(data, drop_polish(data, best, deadline), deadline)
            if cand is best or time.perf_counter() >= deadline:
                break
            if deadline - time.perf_counter() > ls_s:
                again = ls(cand, judge, exhaustive=True)
                if again.is_feasible() and judge.cost(again) < judge.cost(cand):
                    cand = again
            if not cand.is_feasible() or judge.cost(cand) >= judge.cost(best):
                break
            best = cand
        return best

    def solve(
        self,
        problem: RoutingProblem,
        time_limit_s: float,
        seed: int,
        initial: tuple[EngineRoute, ...] | None = None,
        iterations: int | None = None,
    ) -> RoutingSolution:
        """Search for at most ``time_limit_s`` seconds in all, setup included.

        The steps of ``pyvrp.solve``, spelled out so that the clock covers the granular
        neighbourhood and the initial local search too (``pyvrp.solve`` starts its clock after
        them: seconds on a thousand jobs).
        """
        t0 = time.perf_counter()
        data = problem_data(problem)
        # A tick of time warp must cost more than dropping any job, or the best "solution"
        # keeps a late visit instead of dropping it (PyVRP caps penalties at 1e5 by default).
        # Only optional visits count: raising the cap when every visit is required (Solomon)
        # lets penalties outgrow the search and stalls it (measured: RC1 at 30 s).
        top = max((v.prize for v in problem.visits if not v.required), default=0)
        penalty = (
            pyvrp.PenaltyParams(
                max_penalty=max(1e5, 2.0 * top),
                solutions_between_updates=UPDATE_EVERY,
                penalty_increase=PENALTY_INCREASE,
            )
            if top
            else pyvrp.PenaltyParams()
        )
        params = pyvrp.SolveParams(penalty=penalty)
        rng = pyvrp.RandomNumberGenerator(seed=seed)
        ls = LocalSearch(
            data,
            rng,
            compute_neighbours(data, params.neighbourhood),
            PerturbationManager(params.perturbation),
        )
        for op in params.operators:
            if op.supports(data):
                ls.add_operator(op(data))
        start = (
            initial_penalties(problem, data.num_load_dimensions)
            if top
            else params.penalty.midpoint_penalties(data)
        )
        ls_s = math.inf  # unknown with a warm start: the polish then skips the local search
        first = None
        if initial and any(r.visits for r in initial):
            init = _solution(data, initial)
        elif top:  # optional visits (dispatch): start from a construction, not at random
            built = cheapest_insertion(problem, t0 + CONSTRUCTION_SHARE * time_limit_s)
            first = _solution(data, built) if built else None
            if first is not None and first.is_feasible():
                load, tw, dist = start
                k = CONSTRUCTED_PENALTY_SCALE
                start = ([x * k for x in load], tw * k, dist * k)
            else:  # nothing worth a route (or, a defect, a plan PyVRP finds infeasible)
                first = None
        pm = PenaltyManager(start, params.penalty)
        if not (initial and any(r.visits for r in initial)):
            t_ls = time.perf_counter()
            first = first if first is not None else pyvrp.Solution.make_random(data, rng)
            init = ls(first, pm.max_cost_evaluator(), exhaustive=True)
            ls_s = time.perf_counter() - t_ls  # an upper bound of a later local search's time
        left = max(1e-3, time_limit_s - (time.perf_counter() - t0))
        # With optional visits, the last 5% (at most 1 s) is for the polish.
        search_s = max(1e-3, left - min(0.05 * left, 1.0)) if top else left
        stop = (
            MaxRuntime(search_s)
            if iterations is None
            else MultipleCriteria([MaxRuntime(search_s), MaxIterations(iterations)])
        )
        ils = params.ils
        if top:
            history = round(min(300.0, max(HISTORY_MIN, HISTORY_PER_SECOND * time_limit_s)))
            ils = IteratedLocalSearchParams(history_length=history)
        res = IteratedLocalSearch(data, pm, ls, init, ils).run(stop, False, False)
        best = res.best
        cost = res.cost()
        if top and best.is_feasible():
            best = self._polish(data, best, ls, pm, t0 + time_limit_s, ls_s)
            cost = pm.cost_evaluator().cost(best)
        routes = []
        for r in best.routes():
            visits = tuple(int(a.idx) for a in r.schedule() if a.is_client())
            routes.append(EngineRoute(int(r.vehicle_type()), visits, int(r.start_time())))
        feasible = bool(best.is_feasible())
        return RoutingSolution(
            tuple(routes),
            int(cost) if feasible else None,
            feasible,
            time.perf_counter() - t0,
            int(res.num_iterations),
        )
