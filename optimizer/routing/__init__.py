"""Routing: the engine-neutral vehicle-routing problem dispatch builds, and the engines that solve
it.

:mod:`.problem` is the contract (:class:`~.problem.RoutingProblem`,
:class:`~.problem.RoutingBackend`);
:mod:`.registry` maps engine names to engines (:func:`~.registry.backend`); each engine is one
module (:mod:`.pyvrp_engine`, :mod:`.exact_engine`). Only the engine modules import a solver.
"""

from servopt.optimizer.routing.problem import (
    CAPABILITIES,
    EngineRoute,
    RoutingBackend,
    RoutingProblem,
    RoutingSolution,
    VehicleKind,
    Visit,
    require,
)
from servopt.optimizer.routing.registry import BACKENDS, ENGINES, backend

__all__ = [
    "BACKENDS",
    "CAPABILITIES",
    "ENGINES",
    "EngineRoute",
    "RoutingBackend",
    "RoutingProblem",
    "RoutingSolution",
    "VehicleKind",
    "Visit",
    "backend",
    "require",
]
