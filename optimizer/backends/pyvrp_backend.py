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

import time

import numpy as np
import pyvrp
from pyvrp.IteratedLocalSearch import IteratedLocalSearch
from pyvrp.PenaltyManager import PenaltyManager
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from servopt.optimizer.routing import (
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


class PyVRPBackend:
    name = "pyvrp"
    capabilities = CAPABILITIES

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
        params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=max(1e5, 2.0 * top)))
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
        pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
        if initial and any(r.visits for r in initial):
            init = pyvrp.Solution(
                data,
                [
                    pyvrp.Route(
                        data,
                        [pyvrp.Activity(pyvrp.ActivityType.CLIENT, v) for v in r.visits],
                        r.vehicle,
                    )
                    for r in initial
                    if r.visits
                ],
            )
        else:
            init = ls(
                pyvrp.Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True
            )
        left = max(1e-3, time_limit_s - (time.perf_counter() - t0))
        stop = (
            MaxRuntime(left)
            if iterations is None
            else MultipleCriteria([MaxRuntime(left), MaxIterations(iterations)])
        )
        res = IteratedLocalSearch(data, pm, ls, init, params.ils).run(stop, False, False)
        best = res.best
        routes = []
        for r in best.routes():
            visits = tuple(int(a.idx) for a in r.schedule() if a.is_client())
            routes.append(EngineRoute(int(r.vehicle_type()), visits, int(r.start_time())))
        feasible = bool(best.is_feasible())
        return RoutingSolution(
            tuple(routes),
            int(res.cost()) if feasible else None,
            feasible,
            time.perf_counter() - t0,
            int(res.num_iterations),
        )
