"""Placement: which depots open, which sites they serve and what spare-parts stock they hold.

Modules: :mod:`.terms` (every coefficient: the one home of placement's prices), :mod:`.solve`
(the location-inventory MILP and its fallbacks), :mod:`.milp` (the PuLP model), :mod:`.evaluate`
(KPIs of any plan), :mod:`.check` (an independent recomputation of a plan's feasibility and cost).
"""

from servopt.optimizer.placement.check import check_placement
from servopt.optimizer.placement.evaluate import evaluate_placement
from servopt.optimizer.placement.solve import solve_placement
from servopt.optimizer.placement.terms import PlacementOptions

__all__ = ["PlacementOptions", "check_placement", "evaluate_placement", "solve_placement"]
