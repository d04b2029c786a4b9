"""servopt.optimizer: the decisions, and how plans are evaluated and checked.

Importing this package does not load a solver; the PuLP/OR-Tools adapters in
:mod:`servopt.optimizer.backends` load when a solve runs.
"""

from servopt.optimizer.check import check_placement
from servopt.optimizer.evaluate import evaluate_placement
from servopt.optimizer.params import SolveParams
from servopt.optimizer.placement import Objective, solve_placement
from servopt.optimizer.placement_terms import PlacementOptions
from servopt.optimizer.result import Result, Status

__all__ = [
    "Objective",
    "PlacementOptions",
    "Result",
    "SolveParams",
    "Status",
    "check_placement",
    "evaluate_placement",
    "solve_placement",
]
