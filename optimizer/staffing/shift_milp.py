"""The shift-scheduling MILP in PuLP (formulation in :mod:`servopt.optimizer.staffing.shifts`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp

from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status
from servopt.optimizer.solvers.milp import linear_expr, solve_milp


@dataclass(frozen=True)
class ShiftMilpOutcome:
    """The answer of :func:`solve_shift_milp`.

    Attributes
    ----------
    status
        The solver's status.
    x
        Staff per candidate shift (integers, one per row of ``coverage``); None without a
        plan.
    bound, gap
        The solver's bound on the objective and its relative gap; None without a plan or
        when the solver gives none.
    message
        The solver's message (may be empty).
    """

    status: Status
    x: np.ndarray | None
    bound: float | None
    gap: float | None
    message: str


def solve_shift_milp(
    requirements: np.ndarray,
    coverage: np.ndarray,
    cost: np.ndarray,
    params: SolveParams,
    understaffing_penalty: float | None,
) -> ShiftMilpOutcome:
    """Minimum-cost integer shift counts ``x`` with ``coverage.T @ x (+ understaffing) >=
    requirements``: ``coverage`` (K, T) says which interval each candidate shift works, ``cost``
    (K,) its cost; with ``understaffing_penalty`` a shortfall is allowed at that price per
    interval-person."""
    prob = pulp.LpProblem("shifts", pulp.LpMinimize)
    n_k = coverage.shape[0]
    x = [prob.add_variable(f"x_{k}", 0, None, cat="Integer") for k in range(n_k)]
    terms = [(x[k], float(cost[k])) for k in range(n_k)]
    under = {}
    if understaffing_penalty is not None:
        for t in np.flatnonzero(requirements > 0):
            under[t] = prob.add_variable(f"u_{t}", 0, None)
            terms.append((under[t], float(understaffing_penalty)))
    prob += linear_expr(terms)
    for t in np.flatnonzero(requirements > 0):
        ks = np.flatnonzero(coverage[:, t])
        row = [(x[k], 1.0) for k in ks]
        if t in under:
            row.append((under[t], 1.0))
        prob += linear_expr(row) >= float(requirements[t]), f"cover_{t}"
    out = solve_milp(prob, params)
    if not out.status.has_plan:
        return ShiftMilpOutcome(out.status, None, None, None, out.message)
    values = np.rint([v.value() or 0.0 for v in x]).astype(np.int64)
    return ShiftMilpOutcome(out.status, values, out.bound, out.gap, out.message)
