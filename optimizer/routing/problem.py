"""The engine-neutral routing problem that dispatch hands to a routing backend, and its answer.

Everything is in integers (PyVRP's convention, and exact): times in units of ``1 / time_scale``
minutes, money in units of ``1 / money_scale``. One *location* per depot and per job (jobs at the
same site share coordinates, not a location, so a routing profile can bar one job and not the
other). A *visit* is one way to serve a job: a job with a soft deadline has several, one per
lateness band, in a mutually exclusive group, and the engine picks at most one.

A backend declares its :data:`capabilities`; :func:`require` refuses a problem that needs one the
backend lacks, naming it, instead of solving a silently different problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from servopt.models.errors import SolverUnavailableError

#: What a routing problem can ask of an engine.
CAPABILITIES = frozenset(
    {
        "multi_depot",  # vehicles start and end at different depots
        "time_windows",
        "capacity",
        "profiles",  # per-vehicle-type distance and duration matrices (skills, costs)
        "optional_visits",  # visits with a prize, dropped at its price
        "exclusive_groups",  # at most one visit of a group (lateness bands)
        "overtime",  # a nominal shift duration plus priced overtime
        "duration_cost",
        "initial_solution",  # warm start (decomposition's repair phase)
    }
)


@dataclass(frozen=True)
class VehicleKind:
    """``count`` identical vehicles (members of one staff pool)."""

    pool: int  # index into the dispatch model's pools
    count: int
    depot: int  # index into RoutingProblem.depots
    tw_early: int
    tw_late: int  # latest return, overtime included
    shift_duration: int
    max_overtime: int
    unit_duration_cost: int
    unit_overtime_cost: int
    capacity: int | None
    profile: int
    start_late: int | None = None  # latest departure (None: any time in the shift)


@dataclass(frozen=True)
class Visit:
    """One way to serve job ``job`` (an index into the dispatch model's jobs)."""

    job: int
    location: int
    service: int
    tw_early: int
    tw_late: int
    delivery: int
    prize: int  # collected when visited; ignored when required
    required: bool
    group: int | None = None


@dataclass(frozen=True)
class RoutingProblem:
    coords: np.ndarray  # (locations, 2)
    depots: tuple[int, ...]  # the location of every depot
    visits: tuple[Visit, ...]
    groups: tuple[tuple[int, ...], ...]  # visit indices; each group: at most one visit
    vehicles: tuple[VehicleKind, ...]
    distance: tuple[np.ndarray, ...]  # one (locations x locations) int64 matrix per profile
    duration: tuple[np.ndarray, ...]
    needs: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class EngineRoute:
    vehicle: int  # index into RoutingProblem.vehicles
    visits: tuple[int, ...]
    start: int  # departure from the depot


@dataclass(frozen=True)
class RoutingSolution:
    routes: tuple[EngineRoute, ...]
    cost: (
        int | None
    )  # the engine's objective, prizes of skipped visits included; None if infeasible
    feasible: bool
    runtime_s: float
    iterations: int = 0
    proven: bool = False  # the optimum of the engine's model (an exact method), or infeasible


class RoutingBackend(Protocol):
    name: str
    capabilities: frozenset[str]

    def solve(
        self,
        problem: RoutingProblem,
        time_limit_s: float,
        seed: int,
        initial: tuple[EngineRoute, ...] | None = None,
        iterations: int | None = None,
    ) -> RoutingSolution: ...


def require(backend: RoutingBackend, problem: RoutingProblem) -> None:
    """Refuse a problem that needs what ``backend`` cannot model."""
    missing = sorted(problem.needs - backend.capabilities)
    if missing:
        raise SolverUnavailableError(
            f"routing backend {backend.name!r} cannot model: {', '.join(missing)}"
        )
