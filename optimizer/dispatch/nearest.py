"""Dispatch's screening and its nearest-engineer policy: the parts of dispatch that need no
routing engine, shared by the solver (:mod:`.solve`) and the evaluator (:mod:`.evaluate`, which
routes a plan that asks for the nearest policy and has no routes).

*Screening*: a job that no qualified member could do alone (nobody has the skill, its window
lies outside every qualified shift, it cannot be reached in time, or it cannot be done and the
member back within the shift and its overtime) is dropped with that reason before search.

The *nearest* policy reproduces nearest-engineer dispatch for comparison: jobs in order of their
window's start; each goes to the qualified member, among those who can still reach it in its
window and return within their shift and overtime, nearest to where they are now.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from servopt.models.entities import DistanceRounding, Job, StaffPool
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Route
from servopt.optimizer.dispatch.terms import DispatchOptions


def shift_of(p: StaffPool) -> tuple[float, float]:
    """A pool's working window for dispatch, ``(start_min, end_min)``.

    Only the pool's first shift counts (dispatch plans one day); a pool without shifts works
    ``(0, inf)``. Overtime (``max_overtime_min``) is not included: callers add it to the end.
    """
    return (p.shifts[0].start_min, p.shifts[0].end_min) if p.shifts else (0.0, math.inf)


def duration(network: ServiceNetwork, job: Job) -> float:
    """Minutes of service a job takes: its own ``duration_min``, else its job type's.

    Dispatch uses it for every qualified member whatever their proficiency: a lower
    proficiency is priced as an expected repeat visit (:mod:`.terms`), not as a longer job.
    """
    jt = network.index["job_types"][job.job_type]
    return job.duration_min if job.duration_min is not None else jt.duration_min


def field_pools(network: ServiceNetwork) -> list[StaffPool]:
    """Pools that can be dispatched: a home depot, members, and a skill some job type needs."""
    needed = {jt.skill for jt in network.job_types}
    return [
        p
        for p in network.pools
        if p.home_depot is not None and p.headcount > 0 and needed & set(p.skills)
    ]


def qualified(network: ServiceNetwork, pool: StaffPool, job: Job) -> bool:
    """Whether members of ``pool`` may do ``job``.

    True when the pool has the skill the job's type needs, at a proficiency above 0 and at
    least the type's ``min_proficiency``.
    """
    jt = network.index["job_types"][job.job_type]
    prof = pool.skills.get(jt.skill, 0.0)
    return prof > 0 and prof >= jt.min_proficiency


def job_window(job: Job, options: DispatchOptions) -> tuple[float, float]:
    """When service may start: the job's window, closed at its deadline if the SLA is hard."""
    e, late = job.window if job.window is not None else (0.0, math.inf)
    if options.sla == "hard" and job.deadline_min is not None:
        late = min(late, job.deadline_min)
    return e, late


def km_xy(network: ServiceNetwork, xy: np.ndarray, to: Any) -> np.ndarray:
    """Road km from each row of ``xy`` (an (n, 2) array of coordinates) to the point ``to``.

    The network's travel model, vectorised: ``road_factor`` times the euclidean distance,
    truncated to one decimal under ``truncate_1dp`` rounding. Explicit arcs are not consulted:
    callers use :meth:`~servopt.models.network.ServiceNetwork.distance_km` when the network
    has any.
    """
    d = network.travel.road_factor * np.hypot(xy[:, 0] - to[0], xy[:, 1] - to[1])
    if network.travel.rounding is DistanceRounding.TRUNCATE_1DP:
        d = np.floor(d * 10.0 + 1e-9) / 10.0
    return np.asarray(d)


def travel_minutes(network: ServiceNetwork, km: np.ndarray, speed: np.ndarray) -> np.ndarray:
    """Travel minutes for road km at each speed (no explicit arcs)."""
    return np.asarray(km / np.where(np.isnan(speed), network.travel.speed_kmh, speed) * 60.0)


def screen(
    network: ServiceNetwork, pools: list[StaffPool], options: DispatchOptions
) -> dict[str, str]:
    """Jobs no qualified member could do even alone, each with the reason in domain words."""
    out: dict[str, str] = {}
    types = network.index["job_types"]
    homes = [p.home_depot or "" for p in pools]
    home_xy = np.array([network.location(h) for h in homes], dtype=float).reshape(-1, 2)
    speed = np.array([p.speed_kmh if p.speed_kmh else np.nan for p in pools], dtype=float)
    s0 = np.array([shift_of(p)[0] for p in pools], dtype=float)
    back_by = np.array([shift_of(p)[1] + p.max_overtime_min for p in pools], dtype=float)
    qual_of: dict[str, np.ndarray] = {}
    for job in network.jobs:
        jt = types[job.job_type]
        e, late = job_window(job, options)
        if late < e:
            out[job.id] = (
                f"its hard SLA deadline {job.deadline_min:g} min is before its window opens "
                f"at {e:g}"
            )
            continue
        if jt.id not in qual_of:
            qual_of[jt.id] = np.array([qualified(network, p, job) for p in pools], dtype=bool)
        quals = qual_of[jt.id]
        if not quals.any():
            need = f" at proficiency >= {jt.min_proficiency:g}" if jt.min_proficiency else ""
            out[job.id] = f"no technician has skill {jt.skill!r}{need}"
            continue
        dur = duration(network, job)
        idx = np.flatnonzero(quals)
        overlap = ~((late < s0[idx]) | (e > back_by[idx]))
        if network.arcs:
            go = np.array([network.travel_min(homes[i], job.site, pools[i].speed_kmh) for i in idx])
            back = np.array(
                [network.travel_min(job.site, homes[i], pools[i].speed_kmh) for i in idx]
            )
        else:
            km = km_xy(network, home_xy[idx], network.location(job.site))
            go = back = travel_minutes(network, km, speed[idx])
        start = np.maximum(s0[idx] + go, e)
        reach = overlap & (start <= late + 1e-9)
        done = reach & (start + dur + back <= back_by[idx] + 1e-9)
        if done.any():
            continue
        if not overlap.any():
            out[job.id] = (
                f"its window {e:g}-{late:g} min is outside every shift of the technicians "
                f"with skill {jt.skill!r}"
            )
        elif not reach.any():
            out[job.id] = (
                f"no technician with skill {jt.skill!r} can reach site {job.site!r} "
                f"before its window closes at {late:g} min"
            )
        else:
            out[job.id] = (
                f"no technician with skill {jt.skill!r} can do it ({dur:g} min) and be "
                "back within the shift and its overtime"
            )
    return out


def nearest_routes(
    network: ServiceNetwork,
    options: DispatchOptions,
    screened: dict[str, str],
    pools: list[StaffPool] | None = None,
    jobs: list[Job] | None = None,
) -> tuple[tuple[Route, ...], dict[str, str]]:
    """Nearest-engineer dispatch (see the module docstring) and the jobs it could not place;
    over ``pools`` and ``jobs`` when given (a part of a decomposition), else all of them."""
    pools = field_pools(network) if pools is None else pools
    members = [(p, m) for p in pools if p.home_depot is not None for m in range(p.headcount)]
    n = len(members)
    rank = {pid: r for r, pid in enumerate(sorted({p.id for p, _ in members}))}
    pool_rank = np.array([rank[p.id] for p, _ in members], dtype=float)
    member_no = np.array([m for _, m in members], dtype=float)
    speed = np.array([p.speed_kmh if p.speed_kmh else np.nan for p, _ in members], dtype=float)
    end = np.array([shift_of(p)[1] + p.max_overtime_min for p, _ in members], dtype=float)
    free_at = np.array([shift_of(p)[0] for p, _ in members], dtype=float)
    here: list[str] = [p.home_depot for p, _ in members]  # type: ignore[misc]
    here_xy = np.array([network.location(h) for h in here], dtype=float).reshape(-1, 2)
    home_xy = here_xy.copy()
    visits: list[list[str]] = [[] for _ in range(n)]
    qual_of: dict[str, np.ndarray] = {}
    drops: dict[str, str] = {}
    todo = network.jobs if jobs is None else jobs
    order = sorted(
        (j for j in todo if j.id not in screened),
        key=lambda j: (job_window(j, options)[0], j.deadline_min or math.inf, j.id),
    )
    for job in order:
        e, late = job_window(job, options)
        dur = duration(network, job)
        if job.job_type not in qual_of:
            qual_of[job.job_type] = np.array(
                [qualified(network, p, job) for p, _ in members], dtype=bool
            )
        if network.arcs:
            km = np.array([network.distance_km(h, job.site) for h in here])
            go = np.array(
                [
                    network.travel_min(h, job.site, p.speed_kmh)
                    for h, (p, _) in zip(here, members, strict=True)
                ]
            )
            home_back = np.array(
                [
                    network.travel_min(job.site, p.home_depot or h, p.speed_kmh)
                    for h, (p, _) in zip(here, members, strict=True)
                ]
            )
        else:
            to = network.location(job.site)
            km = km_xy(network, here_xy, to)
            go = travel_minutes(network, km, speed)
            home_back = travel_minutes(network, km_xy(network, home_xy, to), speed)
        start = np.maximum(free_at + go, e)
        back = start + dur + home_back
        ok = qual_of[job.job_type] & (start <= late + 1e-9) & (back <= end + 1e-9)
        idx = np.flatnonzero(ok)
        if not len(idx):
            drops[job.id] = "no qualified technician free to reach it in time (nearest policy)"
            continue
        k = int(idx[np.lexsort((member_no[idx], pool_rank[idx], free_at[idx], km[idx]))[0]])
        here[k] = job.site
        here_xy[k] = network.location(job.site)
        free_at[k] = start[k] + dur
        visits[k].append(job.id)
    routes = tuple(
        Route(pool=p.id, member=m, jobs=tuple(visits[k]), start_min=shift_of(p)[0])
        for k, (p, m) in enumerate(members)
        if visits[k]
    )
    return routes, drops
