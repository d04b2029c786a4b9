"""servopt.optimizer: the decisions, one contract for all of them, and the layer over them.

Each decision is a subpackage -- :mod:`.placement`, :mod:`.dispatch`, :mod:`.staffing` -- keeping
the contract of :mod:`.decision`: ``solve``, ``evaluate`` and ``check``, every one returning or
checking a :class:`~.result.Result` with ``objective`` ``cost`` and ``value`` in the network's
:class:`~.result.Units`. :data:`DECISIONS` maps each name to its :class:`~.decision.Decision`, so
generic code (a frontier, a pre-mortem, a sweep) iterates over them.

Importing this package loads no solver: the PuLP, OR-Tools and PyVRP adapters
(:mod:`.solvers`, the routing engines in :mod:`.routing`, the decisions' ``*milp`` models) load
when a solve runs.
"""

from servopt.optimizer.decision import Decision
from servopt.optimizer.params import Objective, ObjectiveOptions, SolveParams
from servopt.optimizer.placement.check import check_placement
from servopt.optimizer.placement.evaluate import evaluate_placement
from servopt.optimizer.placement.solve import solve_placement
from servopt.optimizer.placement.terms import PlacementOptions
from servopt.optimizer.result import Kpis, Result, Status, Units


def _registry() -> dict[str, Decision]:
    from servopt.optimizer import dispatch, placement, staffing

    found = {}
    for pkg in (placement, dispatch, staffing):
        d = getattr(pkg, "DECISION", None)
        if d is not None:
            found[d.name] = d
    return found


#: Every decision by name: ``placement``, ``dispatch``, ``staffing``.
DECISIONS: dict[str, Decision] = _registry()

__all__ = [
    "DECISIONS",
    "Decision",
    "Kpis",
    "Objective",
    "ObjectiveOptions",
    "PlacementOptions",
    "Result",
    "SolveParams",
    "Status",
    "Units",
    "check_placement",
    "evaluate_placement",
    "solve_placement",
]
