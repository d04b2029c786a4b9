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
    """A vehicle-routing problem in engine units: the input of every routing backend.

    The engine minimises, over a set of routes,

        sum over routes of (distance + unit_duration_cost * duration
                            + unit_overtime_cost * max(0, duration - shift_duration))
        + the ``prize`` of every optional (not ``required``) visit not made

    subject to: each route is run by a vehicle of one kind in ``vehicles`` (at most ``count``
    routes per kind), from the kind's depot and back to it, leaving no earlier than its
    ``tw_early`` (nor later than ``start_late`` when set), back by its ``tw_late``, and lasting
    at most ``shift_duration + max_overtime``; service at a visit starts within the visit's
    ``[tw_early, tw_late]`` (waiting when early) and lasts ``service``; a route's deliveries fit
    the kind's ``capacity`` (when not None); every required visit is made, and at most one
    visit of each group. A route's distance sums the ``distance`` matrix of its kind's
    ``profile`` over its arcs (unit cost 1: the matrix is already money); its duration runs
    from leaving the depot to coming back, travel from the profile's ``duration`` matrix.
    All numbers are integers: times in ticks (dispatch: 0.1 minute), money in engine units.

    Parameters
    ----------
    coords
        (locations, 2) coordinates of every location; costs and times come from the
        matrices, not from these.
    depots
        The location of each depot (:attr:`VehicleKind.depot` indexes this tuple).
    visits
        The ways to serve jobs (:class:`Visit`); routes list indices into this tuple.
    groups
        Tuples of visit indices: at most one visit of each group is made (a job's lateness
        bands).
    vehicles
        The vehicle kinds (:class:`VehicleKind`), one per staff pool in dispatch.
    distance
        One (locations x locations) int64 matrix per profile: the cost of each arc (dispatch:
        travel cost plus the expected repeat visit at that profile's proficiency).
    duration
        One int64 matrix per profile: each arc's travel time in ticks (dispatch bars a job a
        profile may not do by a travel time longer than any window).
    needs
        The :data:`CAPABILITIES` the problem uses; :func:`require` refuses a backend lacking one.
    """

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
    """One route of a vehicle: the visits it makes, in order, and when it leaves.

    Parameters
    ----------
    vehicle
        Index of the vehicle kind in :attr:`RoutingProblem.vehicles` (several routes may
        share a kind, up to its ``count``).
    visits
        Indices into :attr:`RoutingProblem.visits`, in service order.
    start
        Departure time from the depot, in ticks (not read when the route is a warm start).
    """

    vehicle: int  # index into RoutingProblem.vehicles
    visits: tuple[int, ...]
    start: int  # departure from the depot


@dataclass(frozen=True)
class RoutingSolution:
    """A backend's answer to a :class:`RoutingProblem`.

    Attributes
    ----------
    routes
        The routes of the vehicles used (:class:`EngineRoute`).
    cost
        The engine's objective (see :class:`RoutingProblem`: route costs plus the prizes of
        the optional visits not made), in engine money units; None when infeasible.
    feasible
        Whether the routes meet every constraint of the problem.
    runtime_s
        Wall-clock seconds the solve took.
    iterations
        Search iterations run (0 when the engine does not count them, e.g. the exact method).
    proven
        True when the answer is the proven optimum of the engine's model, or the problem is
        proven infeasible (the exact method); a heuristic search leaves it False.
    """

    routes: tuple[EngineRoute, ...]
    cost: (
        int | None
    )  # the engine's objective, prizes of skipped visits included; None if infeasible
    feasible: bool
    runtime_s: float
    iterations: int = 0
    proven: bool = False  # the optimum of the engine's model (an exact method), or infeasible


class RoutingBackend(Protocol):
    """What a routing engine provides: a name, its capabilities and a ``solve`` method.

    ``solve(problem, time_limit_s, seed, initial=None, iterations=None)`` minimises the
    objective of :class:`RoutingProblem` under its constraints within ``time_limit_s``
    seconds and returns a :class:`RoutingSolution`. ``seed`` fixes the engine's random
    choices and ``iterations``, when given, also caps a search's iterations (the exact method
    ignores both); ``initial`` routes are a warm start (dispatch passes them only to a backend
    with ``initial_solution``).

    Attributes
    ----------
    name
        The engine's name, as in :data:`servopt.optimizer.routing.registry.ENGINES`.
    capabilities
        The :data:`CAPABILITIES` it can model; :func:`require` checks a problem's ``needs``
        against them before ``solve`` is called.
    """

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
