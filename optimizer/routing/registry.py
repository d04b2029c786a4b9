"""The routing engines by name (PyVRP's ``stop/`` pattern: one module per engine, one registry).

An engine is a class with ``name``, ``capabilities`` and ``solve`` (the
:class:`~servopt.optimizer.routing.problem.RoutingBackend` protocol). Adding one: a module in this
folder and a line in :data:`ENGINES`; dispatch and the CLI take the name from here.
"""

from __future__ import annotations

import importlib
import time

from servopt.models.errors import SolverUnavailableError
from servopt.optimizer.routing.problem import (
    EngineRoute,
    RoutingBackend,
    RoutingProblem,
    RoutingSolution,
)


class AutoBackend:
    """The exact method where it applies (small problems: proven optima), PyVRP elsewhere.

    ``last`` names the engine that answered the latest call."""

    name = "auto"

    def __init__(self) -> None:
        from servopt.optimizer.routing.exact_engine import ExactBackend
        from servopt.optimizer.routing.pyvrp_engine import PyVRPBackend

        self.exact, self.heuristic = ExactBackend(), PyVRPBackend()
        self.capabilities = self.heuristic.capabilities
        self.last = self.heuristic.name

    def solve(
        self,
        problem: RoutingProblem,
        time_limit_s: float,
        seed: int,
        initial: tuple[EngineRoute, ...] | None = None,
        iterations: int | None = None,
    ) -> RoutingSolution:
        from servopt.optimizer.routing.exact_engine import solve_exact, unsupported

        if unsupported(problem) is None and not problem.needs - self.exact.capabilities:
            t0 = time.perf_counter()
            # at most half the time: the heuristic still has the rest if this runs out
            sol = solve_exact(problem, t0 + 0.5 * time_limit_s)
            if sol is not None:
                self.last = self.exact.name
                return sol
            time_limit_s -= time.perf_counter() - t0
        self.last = self.heuristic.name
        return self.heuristic.solve(problem, time_limit_s, seed, initial, iterations)


#: Routing engines by name -> "module:class" (loaded on use, so naming one imports no solver);
#: ``auto`` is the default of dispatch.
ENGINES: dict[str, str] = {
    "auto": "servopt.optimizer.routing.registry:AutoBackend",
    "pyvrp": "servopt.optimizer.routing.pyvrp_engine:PyVRPBackend",
    "exact": "servopt.optimizer.routing.exact_engine:ExactBackend",
}
BACKENDS = tuple(ENGINES)


def backend(name: str = "auto") -> RoutingBackend:
    """The routing engine called ``name``: one of :data:`ENGINES` (see the dispatch docs)."""
    if name not in ENGINES:
        raise SolverUnavailableError(
            f"unknown routing backend {name!r}; expected one of {', '.join(BACKENDS)}"
        )
    module, cls = ENGINES[name].split(":")
    engine: RoutingBackend = getattr(importlib.import_module(module), cls)()
    return engine
