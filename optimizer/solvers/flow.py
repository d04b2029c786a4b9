"""Min-cost flow backend (OR-Tools' network simplex-like solver): the transportation problem.

The only place the placement heuristics reach OR-Tools' graph solvers. OR-Tools works in integers:
demands and capacities are taken in whole units (demands that are not whole are scaled by 1,000
first) and unit costs are rounded after scaling the largest to :data:`COST_SCALE`, so the flow is
optimal for costs within a relative 1e-7 of the true ones; callers price it exactly.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

#: The largest unit cost after scaling (integer costs for OR-Tools; 1e7 leaves the products of
#: cost, flow and node count far inside int64).
COST_SCALE = 1e7


def transport(cost: np.ndarray, capacity: np.ndarray, demand: np.ndarray) -> np.ndarray | None:
    r"""Solve the transportation problem exactly (up to the cost rounding above):

    .. math::

        \min \sum_{ij} c_{ij} x_{ij} \;\text{s.t.}\; \sum_i x_{ij} = 1 \;\forall j,\;
        \sum_j D_j x_{ij} \le Q_i \;\forall i,\; x \ge 0

    ``cost`` (S, J): the cost of serving all of j from source i (``inf`` where not allowed);
    ``capacity`` (S,) and ``demand`` (J,), demand > 0. Returns x (S, J), each column summing to
    1, or None when the capacity cannot hold the demand.
    """
    n_s, n_j = cost.shape
    whole = np.allclose(demand, np.round(demand), rtol=0.0, atol=1e-9)
    scale = 1.0 if whole else 1000.0
    dem = np.maximum(np.round(demand * scale), 1).astype(np.int64)
    cap = np.floor(np.minimum(capacity, demand.sum() * 2.0) * scale * (1 + 1e-12) + 1e-9)
    cap = cap.astype(np.int64)
    if cap.sum() < dem.sum():
        return None
    unit = cost / demand[None, :]
    ok = np.isfinite(unit)
    top = float(np.abs(unit[ok]).max()) if ok.any() else 1.0
    factor = COST_SCALE / max(top, 1e-300)
    ii, jj = np.nonzero(ok)
    smcf = min_cost_flow.SimpleMinCostFlow()
    # nodes: sources 0..S-1, sites S..S+J-1, a sink S+J taking the spare capacity
    tails = np.concatenate([ii, np.arange(n_s)]).astype(np.int64)
    heads = np.concatenate([n_s + jj, np.full(n_s, n_s + n_j)]).astype(np.int64)
    caps = np.concatenate([dem[jj], cap]).astype(np.int64)
    costs = np.concatenate([np.round(unit[ii, jj] * factor), np.zeros(n_s)]).astype(np.int64)
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.concatenate([cap, -dem, [-(cap.sum() - dem.sum())]]).astype(np.int64)
    smcf.set_nodes_supplies(np.arange(n_s + n_j + 1, dtype=np.int64), supplies)
    if smcf.solve() != smcf.OPTIMAL:
        return None
    flows = smcf.flows(arcs[: len(ii)])
    x = np.zeros((n_s, n_j))
    x[ii, jj] = flows / dem[jj]
    return x
