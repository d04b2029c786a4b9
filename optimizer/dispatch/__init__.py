"""Dispatch: which technician does which job, in which order, under skills, shifts and SLAs.

Modules: :mod:`.terms` (the one home of dispatch's prices), :mod:`.solve` (screening, translation
to a routing problem, decomposition, decoding), :mod:`.check` (an independent check of routes and
the evaluator of any routed plan). The routing engines are in :mod:`servopt.optimizer.routing`.
"""

from servopt.optimizer.dispatch.check import check_routes, evaluate_dispatch
from servopt.optimizer.dispatch.solve import solve_dispatch
from servopt.optimizer.dispatch.terms import DispatchOptions

__all__ = ["DispatchOptions", "check_routes", "evaluate_dispatch", "solve_dispatch"]
