"""The placement MILP in PuLP (the formulation is documented in
:func:`servopt.optimizer.placement.solve.solve_placement`)."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pulp

from servopt.optimizer.params import SolveParams
from servopt.optimizer.placement.terms import PlacementTerms
from servopt.optimizer.solvers.milp import MilpSolution, linear_expr, solve_milp

Breakpoints = dict[tuple[int, int], list[float]]


@dataclass(frozen=True)
class PlacementMilpOutcome:
    """One placement MILP solve, from :func:`solve_placement_milp`.

    Attributes
    ----------
    milp
        The solver's outcome (objective and bound scaled back to the model's money).
    y
        (I,) 1.0 for each open depot, 0.0 for a closed one; None without a plan.
    x
        (I, J) share of each site's demand served from each depot (each site with demand
        sums to 1; whole numbers under single sourcing); None without a plan.
    model_cost
        The cost terms at the solution as the model prices them (safety stock by its chords
        or linear stand-in), not the evaluator's exact cost; None without a plan.
    model_value
        The customer downtime terms at the solution, as the model prices them; None without
        a plan.
    size
        Model size: ``arcs``, ``variables``, ``constraints`` and ``pwl_binaries``.
    overhead_s
        Seconds spent building the model and reading the answer back, outside the solver.
    """

    milp: MilpSolution
    y: np.ndarray | None
    x: np.ndarray | None
    model_cost: float | None
    model_value: float | None
    size: dict[str, int]
    overhead_s: float = 0.0  # building the model and reading the answer back, outside the solver


def solve_placement_milp(
    terms: PlacementTerms,
    breakpoints: Breakpoints,
    params: SolveParams,
    *,
    cost_weight: float,
    value_weight: float,
    value_cap: float | None = None,
    linear_ss: tuple[np.ndarray, np.ndarray] | None = None,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    allowed: np.ndarray | None = None,
    deadline: float | None = None,
) -> PlacementMilpOutcome:
    """Build and solve: minimise ``cost_weight * cost + value_weight * value`` subject to the
    constraints in ``terms``; ``value_cap`` bounds the value (lexicographic second stage).

    Safety stock is either the piecewise-linear chords over ``breakpoints`` or, with
    ``linear_ss = (per_open_depot (I,), per_arc (I, J))``, a linear stand-in (tangents).
    ``start = (y, x)`` is handed to the solver as the first incumbent. ``allowed`` (I, J) bool
    restricts which depots may serve which sites (a restricted model: a quick start, or the
    candidate arcs that fit the time limit). ``deadline`` (``time.perf_counter()`` time) is
    the hard stop handed to the solver process.

    Objective coefficients above 1e9 are scaled down by a power of ten (HiGHS reads 1e20 as
    infinite and loses precision well before); objective and bound are scaled back.
    """
    started = time.perf_counter()
    prob = pulp.LpProblem("placement", pulp.LpMinimize)
    n_i, n_j = len(terms.depots), len(terms.sites)
    di = terms.depot_index()
    is_int = "Integer" if terms.single_sourcing else "Continuous"

    y = {}
    for i, d in enumerate(terms.depots):
        lo = 1.0 if d in terms.forced_open else 0.0
        hi = 0.0 if d in terms.forced_closed else 1.0
        y[i] = prob.add_variable(f"y_{i}", lo, hi, cat="Integer")
    active = [j for j in range(n_j) if terms.total_demand[j] > 0]
    usable = [i for i, d in enumerate(terms.depots) if d not in terms.forced_closed]
    x: dict[tuple[int, int], pulp.LpVariable] = {}
    for j in active:
        for i in usable:
            if allowed is None or allowed[i, j]:
                x[i, j] = prob.add_variable(f"x_{i}_{j}", 0.0, 1.0, cat=is_int)
    arcs_of: dict[int, list[int]] = {j: [] for j in active}
    for i, j in x:
        arcs_of[j].append(i)

    cost_ij = terms.cost_ij
    fixed = terms.fixed
    if linear_ss is not None:
        fixed, cost_ij = fixed + linear_ss[0], cost_ij + linear_ss[1]
    cost_terms = [(y[i], float(fixed[i])) for i in range(n_i) if fixed[i]]
    cost_terms += [(v, float(cost_ij[i, j])) for (i, j), v in x.items() if cost_ij[i, j]]
    value_terms = [
        (v, float(terms.downtime_ij[i, j])) for (i, j), v in x.items() if terms.downtime_ij[i, j]
    ]

    # Safety stock: concave PWL (chords, so it never overestimates) per depot and family.
    n_bin = 0
    segments: dict[tuple[int, int], list[tuple[float, float, Any, Any]]] = {}
    for (i, p), bps in breakpoints.items():
        if i not in usable or terms.ss_coef[i, p] <= 0 or len(bps) < 2:
            continue
        coef = float(terms.ss_coef[i, p])
        variance = [
            (x[i, j], float(terms.sigma2[j, p]))
            for j in active
            if terms.sigma2[j, p] > 0 and (i, j) in x
        ]
        us, vs = [], []
        for k in range(1, len(bps)):
            lo_b, hi_b = bps[k - 1], bps[k]
            slope = (np.sqrt(hi_b) - np.sqrt(lo_b)) / (hi_b - lo_b)
            icpt = np.sqrt(lo_b) - slope * lo_b
            u = prob.add_variable(f"u_{i}_{p}_{k}", 0, 1, cat="Integer")
            v = prob.add_variable(f"v_{i}_{p}_{k}", 0, None)
            prob += linear_expr([(v, 1.0), (u, -lo_b)]) >= 0
            prob += linear_expr([(v, 1.0), (u, -hi_b)]) <= 0
            us.append(u)
            vs.append(v)
            segments.setdefault((i, p), []).append((lo_b, hi_b, u, v))
            cost_terms += [(u, coef * float(icpt)), (v, coef * float(slope))]
            n_bin += 1
        prob += linear_expr([(u, 1.0) for u in us] + [(y[i], -1.0)]) <= 0
        prob += linear_expr([(v, 1.0) for v in vs] + [(xv, -c) for xv, c in variance]) == 0

    obj_terms = [(v, cost_weight * c) for v, c in cost_terms] if cost_weight else []
    obj_terms += [(v, value_weight * c) for v, c in value_terms] if value_weight else []
    top = max((abs(c) for _, c in obj_terms), default=0.0)
    scale = 10.0 ** math.ceil(math.log10(top / 1e9)) if top > 1e9 else 1.0
    prob += linear_expr([(v, c / scale) for v, c in obj_terms])

    for j in active:
        prob += linear_expr([(x[i, j], 1.0) for i in arcs_of[j]]) == 1, f"assign_{j}"
        if np.isfinite(terms.site_max_wait[j]):
            prob += (
                linear_expr([(x[i, j], float(terms.wait_ij[i, j])) for i in arcs_of[j]])
                <= float(terms.site_max_wait[j]),
                f"wait_{j}",
            )
    for i in usable:
        xs = [(x[i, j], float(terms.total_demand[j])) for j in active if (i, j) in x]
        if np.isfinite(terms.capacity[i]):
            prob += linear_expr([*xs, (y[i], -float(terms.capacity[i]))]) <= 0, f"cap_{i}"
        for j in active:
            if (i, j) in x:
                prob += linear_expr([(x[i, j], 1.0), (y[i], -1.0)]) <= 0
        origin = terms.lane_origin[i]
        if origin is not None and origin in di and di[origin] != i:
            prob += linear_expr([(y[i], 1.0), (y[di[origin]], -1.0)]) <= 0, f"origin_{i}"
    if terms.min_share_within is not None:
        need = terms.min_share_within * float(terms.total_demand.sum())
        prob += (
            linear_expr([(v, float(terms.within_ij[i, j])) for (i, j), v in x.items()]) >= need,
            "share_within",
        )
    if terms.max_cost is not None:
        prob += (
            linear_expr([(v, c / scale) for v, c in cost_terms]) <= terms.max_cost / scale,
            "max_cost",
        )
    if terms.max_value is not None:
        value_cap = terms.max_value if value_cap is None else min(value_cap, terms.max_value)
    if value_cap is not None:
        prob += (
            linear_expr([(v, c / scale) for v, c in value_terms]) <= value_cap / scale,
            "value_cap",
        )

    size = {
        "arcs": len(x),
        "variables": len(prob.variables()),
        "constraints": len(prob.constraints),
        "pwl_binaries": n_bin,
    }
    if start is not None:
        _set_start(start, y, x, segments, terms)
    out = solve_milp(prob, params, warm_start=start is not None, deadline=deadline)
    if scale != 1.0:
        out = dataclasses.replace(
            out,
            objective=None if out.objective is None else out.objective * scale,
            bound=None if out.bound is None else out.bound * scale,
        )
    if not out.status.has_plan:
        overhead = time.perf_counter() - started - out.runtime_s
        return PlacementMilpOutcome(out, None, None, None, None, size, overhead)
    yv = np.array([round(y[i].value() or 0.0) for i in range(n_i)], dtype=float)
    xv = np.zeros((n_i, n_j))
    for (i, j), v in x.items():
        xv[i, j] = max(0.0, v.value() or 0.0)
    if terms.single_sourcing:
        xv = np.round(xv)
    xv[:, active] /= np.where(xv[:, active].sum(axis=0) > 0, xv[:, active].sum(axis=0), 1.0)
    model_cost = float(pulp.value(linear_expr(cost_terms)) or 0.0)
    model_value = float(pulp.value(linear_expr(value_terms)) or 0.0)
    overhead = time.perf_counter() - started - out.runtime_s
    return PlacementMilpOutcome(out, yv, xv, model_cost, model_value, size, overhead)


def _set_start(
    start: tuple[np.ndarray, np.ndarray],
    y: dict[int, Any],
    x: dict[tuple[int, int], Any],
    segments: dict[tuple[int, int], list[tuple[float, float, Any, Any]]],
    terms: PlacementTerms,
) -> None:
    ys, xs = start
    for i, var in y.items():
        var.setInitialValue(float(round(ys[i])))
    for (i, j), var in x.items():
        var.setInitialValue(float(xs[i, j]))
    variance = xs @ terms.sigma2
    for (i, p), segs in segments.items():
        v = float(variance[i, p])
        chosen = next((k for k, (lo, hi, _, _) in enumerate(segs) if lo <= v <= hi), None)
        if v <= 0 or ys[i] < 0.5:
            chosen = None
        for k, (_, _, u, vv) in enumerate(segs):
            u.setInitialValue(1.0 if k == chosen else 0.0)
            vv.setInitialValue(v if k == chosen else 0.0)
