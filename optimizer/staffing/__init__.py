"""Staffing: how many people, on which channel and shift, for the demand of each interval.

The decision: :mod:`.terms` (options and the one home of staffing's prices), :mod:`.solve` (the
channel mix, then staff and split under the objective), :mod:`.evaluate` (the figures of any
staffing plan), :mod:`.check` (what a plan breaks, and a result's cost and value recomputed).
The methods under it: :mod:`.queueing` (Erlang B/C/A and sizing), :mod:`.channels` (channel mix
and interval staffing), :mod:`.shifts` and :mod:`.shift_milp` (shift scheduling),
:mod:`.channel_milp`, :mod:`.timevarying`, :mod:`.multiskill`, :mod:`.simulate` (discrete-event
checks of an interval); rostering named people: :mod:`.roster` (the problem, its rules and
checker), :mod:`.roster_cpsat` (the CP-SAT model), :mod:`.roster_solve` (solve and evaluate).
Workload and attrition are the domain's: :mod:`servopt.models.workforce`.
"""

from servopt.optimizer.decision import Decision
from servopt.optimizer.staffing.check import check_staffing, plan_violations
from servopt.optimizer.staffing.evaluate import StaffingKpis, evaluate_staffing
from servopt.optimizer.staffing.solve import solve_staffing
from servopt.optimizer.staffing.terms import CAPS_HELD, READS, StaffingOptions

#: Staffing in the registry (:data:`servopt.optimizer.DECISIONS`).
DECISION = Decision(
    name="staffing",
    title="how each segment's contacts split over its channels, and who is on duty",
    options=StaffingOptions,
    solve=solve_staffing,
    evaluate=evaluate_staffing,
    check=check_staffing,
    caps=CAPS_HELD,
    reads=READS,
)

__all__ = [
    "DECISION",
    "StaffingKpis",
    "StaffingOptions",
    "check_staffing",
    "evaluate_staffing",
    "plan_violations",
    "solve_staffing",
]
