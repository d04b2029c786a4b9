"""Placement: which depots open, which sites they serve and what spare-parts stock they hold.

Modules: :mod:`.terms` (every coefficient: the one home of placement's prices), :mod:`.solve`
(the location-inventory MILP and its fallbacks), :mod:`.lagrange` (the classic CFLP at scale:
Lagrangian bound, heuristic, reduced-cost fixing), :mod:`.milp` (the MILP as arrays),
:mod:`.evaluate` (the figures of any plan), :mod:`.check` (an independent recomputation of a
plan's feasibility, cost and value).
"""

from servopt.optimizer.decision import Decision
from servopt.optimizer.placement.check import check_placement, check_placement_plan
from servopt.optimizer.placement.evaluate import PlacementKpis, evaluate_placement
from servopt.optimizer.placement.solve import solve_placement
from servopt.optimizer.placement.terms import READS, PlacementOptions

#: Placement in the registry (:data:`servopt.optimizer.DECISIONS`).
DECISION = Decision(
    name="placement",
    title="which depots open, which sites they serve, what stock they hold",
    options=PlacementOptions,
    solve=solve_placement,
    evaluate=evaluate_placement,
    check=check_placement,
    caps=frozenset({"max_cost", "max_value"}),
    reads=READS,
)

__all__ = [
    "DECISION",
    "PlacementKpis",
    "PlacementOptions",
    "check_placement",
    "check_placement_plan",
    "evaluate_placement",
    "solve_placement",
]
