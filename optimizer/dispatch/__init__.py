"""Dispatch: which technician does which job, in which order, under skills, shifts and SLAs.

Modules: :mod:`.terms` (the one home of dispatch's prices), :mod:`.solve` (screening, translation
to a routing problem, decomposition, decoding), :mod:`.evaluate` (the figures of any routed
plan), :mod:`.check` (an independent check of routes and of a result's cost and value). The
routing engines are in :mod:`servopt.optimizer.routing`.
"""

from servopt.optimizer.decision import Decision
from servopt.optimizer.dispatch.check import check_dispatch, check_routes
from servopt.optimizer.dispatch.evaluate import DispatchKpis, evaluate_dispatch
from servopt.optimizer.dispatch.solve import solve_dispatch
from servopt.optimizer.dispatch.terms import CAPS_HELD, READS, DispatchOptions

#: Dispatch in the registry (:data:`servopt.optimizer.DECISIONS`).
DECISION = Decision(
    name="dispatch",
    title="which technician does which job, in which order",
    options=DispatchOptions,
    solve=solve_dispatch,
    evaluate=evaluate_dispatch,
    check=check_dispatch,
    caps=CAPS_HELD,
    reads=READS,
)

__all__ = [
    "DECISION",
    "DispatchKpis",
    "DispatchOptions",
    "check_dispatch",
    "check_routes",
    "evaluate_dispatch",
    "solve_dispatch",
]
