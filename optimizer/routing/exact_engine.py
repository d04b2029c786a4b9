r"""Exact routing for small problems: labels over job subsets, then a partition over vehicles.

For a problem of at most :data:`MAX_JOBS` jobs (a job is a visit, or the mutually exclusive
visits of its lateness bands), the optimum of the engine's own objective

.. math:: \sum_{\text{routes}} \big(\text{distance} + c_d\,\text{duration}
          + c_o\,\max(0, \text{duration} - \text{shift})\big) + \sum_{\text{unvisited}} \text{prize}

is found in two steps:

1. *Routes.* For every distinct vehicle kind, a forward labelling over (set of jobs served,
   last job) from the depot at the kind's earliest start. A label is the end of the last
   service and the cost so far (arcs less prizes collected); service starts as early as the
   window allows, which is optimal because every cost grows with time (the duration is paid
   from the fixed start, lateness bands pay less the later they are, overtime grows), so a label
   that ends no later and costs no more dominates. A job with bands is served in the band its
   start falls in (the one with the largest prize among those still open). The best feasible
   closed route of every job set is kept.
2. *Partition.* A dynamic programme over vehicles: the cheapest way to serve each job set with
   the first k vehicles, by submask enumeration (3^n per vehicle); no kind needs more vehicles
   than there are jobs.

The answer is proven optimal for the engine's model. Problems the labelling does not model
exactly (a free start with a priced duration, where the engine would delay the start to cut
waiting) are refused with the reason, and dispatch falls back to the heuristic engine.
"""

from __future__ import annotations

import time
from typing import Any

from servopt.models.errors import SolverUnavailableError
from servopt.optimizer.routing.problem import EngineRoute, RoutingProblem, RoutingSolution

#: Largest number of jobs solved exactly (about 0.1-1 s in pure Python at this size).
MAX_JOBS = 8


def unsupported(problem: RoutingProblem) -> str | None:
    """Why the labelling cannot solve ``problem`` exactly, or None."""
    n_jobs = len({v.job for v in problem.visits})
    if n_jobs > MAX_JOBS:
        return f"{n_jobs} jobs (exact up to {MAX_JOBS})"
    for k in problem.vehicles:
        free_start = k.start_late is None or k.start_late > k.tw_early
        priced = k.unit_duration_cost or (k.unit_overtime_cost and k.max_overtime)
        if free_start and priced:
            return "a route start that may float while its duration is priced"
        if free_start and k.shift_duration < k.tw_late - k.tw_early:
            return "a route start that may float under a shift shorter than its window"
    return None


def _routes(problem: RoutingProblem, kind: int, jobs: list[list[int]]) -> dict[int, tuple]:
    """The best closed route of every job set for vehicle kind ``kind``:
    mask -> (value, visits, start), value = costs less the prizes collected."""
    k = problem.vehicles[kind]
    dist, dur = problem.distance[k.profile], problem.duration[k.profile]
    depot = problem.depots[k.depot]
    limit = k.shift_duration + k.max_overtime
    start = k.tw_early
    n = len(jobs)
    visits = problem.visits
    loc = [visits[js[0]].location for js in jobs]
    cap = k.capacity
    # labels[(mask, last)] = list of (end_time, cost, load, path)
    labels: dict[tuple[int, int], list[tuple[int, float, int, tuple[int, ...]]]] = {}
    frontier: list[tuple[int, int, int, float, int, tuple[int, ...]]] = [
        (0, -1, start, 0.0, 0, ())
    ]  # (mask, last job or -1, time, cost, load, path)
    best: dict[int, tuple[float, tuple[int, ...], int]] = {}
    while frontier:
        nxt: list[tuple[int, int, int, float, int, tuple[int, ...]]] = []
        for mask, last, t, cost, load, path in frontier:
            here = depot if last < 0 else loc[last]
            if last >= 0:  # close the route here
                end = t + int(dur[here, depot])
                duration = end - start
                if end <= k.tw_late and duration <= limit:
                    value = (
                        cost
                        + float(dist[here, depot])
                        + k.unit_duration_cost * duration
                        + k.unit_overtime_cost * max(0, duration - k.shift_duration)
                    )
                    if mask not in best or value < best[mask][0]:
                        best[mask] = (value, path, start)
            for j in range(n):
                if mask >> j & 1:
                    continue
                arrive = t + int(dur[here, loc[j]])
                choice = None
                for v in jobs[j]:
                    vis = visits[v]
                    if arrive <= vis.tw_late:
                        prize = 0 if vis.required else vis.prize
                        if choice is None or prize > choice[1]:
                            choice = (v, prize, max(arrive, vis.tw_early))
                if choice is None:
                    continue
                v, prize, s = choice
                new_load = load + visits[v].delivery
                if cap is not None and new_load > cap:
                    continue
                end_service = s + visits[v].service
                back = end_service + int(dur[loc[j], depot])
                if back > k.tw_late or back - start > limit:
                    continue
                new_cost = cost + float(dist[here, loc[j]]) - prize
                key = (mask | 1 << j, j)
                kept = labels.setdefault(key, [])
                if any(et <= end_service and c <= new_cost for et, c, _, _ in kept):
                    continue
                kept[:] = [
                    lab for lab in kept if not (end_service <= lab[0] and new_cost <= lab[1])
                ]
                kept.append((end_service, new_cost, new_load, (*path, v)))
                nxt.append((mask | 1 << j, j, end_service, new_cost, new_load, (*path, v)))
        # drop labels dominated after they were queued
        frontier = [f for f in nxt if (f[2], f[3], f[4], f[5]) in labels.get((f[0], f[1]), [])]
    return best


def solve_exact(problem: RoutingProblem, deadline: float) -> RoutingSolution | None:
    """The proven optimum of ``problem`` (see the module docstring), or None when the problem
    is not one this method models (:func:`unsupported`) or ``deadline`` passes first."""
    t0 = time.perf_counter()
    if unsupported(problem) is not None:
        return None
    by_job: dict[int, list[int]] = {}
    for i, v in enumerate(problem.visits):
        by_job.setdefault(v.job, []).append(i)
    jobs = [by_job[j] for j in sorted(by_job)]
    n = len(jobs)
    full = (1 << n) - 1
    required = 0
    for j, js in enumerate(jobs):
        if any(problem.visits[v].required for v in js):
            required |= 1 << j
    # Kinds alike in everything the routes see share their routes (pools of one depot, skills
    # and shift); each keeps its own members.
    members: dict[tuple, list[int]] = {}
    for i, k in enumerate(problem.vehicles):
        members.setdefault(_key(k), []).extend([i] * k.count)
    kind_routes: dict[int, dict[int, tuple]] = {}
    for same in members.values():
        kind_routes[same[0]] = _routes(problem, same[0], jobs)
        if time.perf_counter() > deadline:
            return None
    # no more vehicles of a kind than jobs
    vehicles = [same[0] for same in members.values() for _ in range(min(n, len(same)))]
    # g[mask] = (value, routes): the cheapest way to serve exactly ``mask`` so far
    g: dict[int, tuple[float, tuple[tuple[int, tuple[int, ...], int], ...]]] = {0: (0.0, ())}
    for kind in vehicles:
        routes = kind_routes[kind]
        if not routes:
            continue  # nothing this kind can do
        new = dict(g)
        for mask, (val, used) in g.items():
            rest = full & ~mask
            sub = rest
            while sub:
                r = routes.get(sub)
                if r is not None:
                    m2 = mask | sub
                    v2 = val + r[0]
                    if m2 not in new or v2 < new[m2][0] - 1e-9:
                        new[m2] = (v2, (*used, (kind, r[1], r[2])))
                sub = (sub - 1) & rest
        g = new
        if time.perf_counter() > deadline:
            return None
    ok = [(val, used, m) for m, (val, used) in g.items() if m & required == required]
    if not ok:
        return RoutingSolution((), None, False, time.perf_counter() - t0, proven=True)
    val, used, _ = min(ok, key=lambda t: (t[0], t[2]))
    total_prize = sum(v.prize for v in problem.visits if not v.required)
    cost = round(val + total_prize)
    free = {same[0]: list(same) for same in members.values()}
    out = tuple(EngineRoute(free[kind].pop(0), visits, start) for kind, visits, start in used)
    return RoutingSolution(out, cost, True, time.perf_counter() - t0, proven=True)


def _key(k: Any) -> tuple:
    return (k.depot, k.profile, k.tw_early, k.tw_late, k.shift_duration, k.max_overtime,
            k.unit_duration_cost, k.unit_overtime_cost, k.capacity, k.start_late)  # fmt: skip


class ExactBackend:
    """:func:`solve_exact` behind the routing backend interface (seed and iterations have no
    effect: the answer is the optimum)."""

    name = "exact"
    capabilities = frozenset(
        {
            "multi_depot",
            "time_windows",
            "capacity",
            "profiles",
            "optional_visits",
            "exclusive_groups",
            "overtime",
            "duration_cost",
        }
    )

    def solve(
        self,
        problem: RoutingProblem,
        time_limit_s: float,
        seed: int,
        initial: tuple[EngineRoute, ...] | None = None,
        iterations: int | None = None,
    ) -> RoutingSolution:
        why = unsupported(problem)
        if why is not None:
            raise SolverUnavailableError(
                f"the exact routing method cannot solve {why}: use the engine 'auto' or 'pyvrp'"
            )
        sol = solve_exact(problem, time.perf_counter() + time_limit_s)
        if sol is None:
            return RoutingSolution((), None, False, time_limit_s)
        return sol
