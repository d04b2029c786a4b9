"""The placement MILP as arrays (the formulation is documented in
:func:`servopt.optimizer.placement.solve.solve_placement`): one column per variable and one
row per constraint in numpy, written straight to the solver's model file
(:class:`servopt.optimizer.solvers.milp.ArrayMilp`), without a PuLP object per depot-site pair
(5,000 sites x 200 depots took 4.4 GB as PuLP objects)."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from servopt.optimizer.params import SolveParams
from servopt.optimizer.placement.terms import PlacementTerms
from servopt.optimizer.solvers.milp import ArrayMilp, MilpSolution, solve_array_milp

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
    b = _Builder()
    n_i, n_j = len(terms.depots), len(terms.sites)
    di = terms.depot_index()

    # Columns: y (I), then x per arc, then (u, v) per chord segment.
    y_lo = np.array([1.0 if d in terms.forced_open else 0.0 for d in terms.depots])
    y_hi = np.array([0.0 if d in terms.forced_closed else 1.0 for d in terms.depots])
    y = b.columns(y_lo, y_hi, integer=True)
    active = np.flatnonzero(terms.total_demand > 0)
    usable = np.array([d not in terms.forced_closed for d in terms.depots], dtype=bool)
    mask = np.zeros((n_i, n_j), dtype=bool)
    mask[np.ix_(usable, active)] = True
    if allowed is not None:
        mask &= allowed
    ai, aj = np.nonzero(mask)  # arcs, by depot then site
    x = b.columns(np.zeros(len(ai)), np.ones(len(ai)), integer=terms.single_sourcing)

    fixed, cost_ij = terms.fixed, terms.cost_ij
    if linear_ss is not None:
        fixed, cost_ij = fixed + linear_ss[0], cost_ij + linear_ss[1]
    cost_y = np.asarray(fixed, dtype=float)
    cost_x = np.asarray(cost_ij[ai, aj], dtype=float)
    value_x = np.asarray(terms.downtime_ij[ai, aj], dtype=float)

    # Safety stock: concave PWL (chords, so it never overestimates) per depot and family.
    segments: dict[tuple[int, int], list[tuple[float, float, int, int]]] = {}
    seg_cost: list[float] = []
    for (i, p), bps in breakpoints.items():
        if not usable[i] or terms.ss_coef[i, p] <= 0 or len(bps) < 2:
            continue
        coef = float(terms.ss_coef[i, p])
        segs = []
        for k in range(1, len(bps)):
            lo_b, hi_b = bps[k - 1], bps[k]
            slope = (math.sqrt(hi_b) - math.sqrt(lo_b)) / (hi_b - lo_b)
            icpt = math.sqrt(lo_b) - slope * lo_b
            u = int(b.columns(np.zeros(1), np.ones(1), integer=True)[0])
            v = int(b.columns(np.zeros(1), np.full(1, np.inf), integer=False)[0])
            b.row([v, u], [1.0, -lo_b], lo=0.0)
            b.row([v, u], [1.0, -hi_b], hi=0.0)
            seg_cost += [coef * icpt, coef * slope]
            segs.append((lo_b, hi_b, u, v))
        segments[i, p] = segs
        b.row([s[2] for s in segs] + [int(y[i])], [1.0] * len(segs) + [-1.0], hi=0.0)
        on_i = np.flatnonzero((ai == i) & (terms.sigma2[aj, p] > 0))
        b.row(
            np.concatenate([[s[3] for s in segs], x[on_i]]),
            np.concatenate([np.ones(len(segs)), -terms.sigma2[aj[on_i], p]]),
            lo=0.0,
            hi=0.0,
        )
    n_bin = len(seg_cost) // 2
    cost = np.concatenate([cost_y, cost_x, np.asarray(seg_cost, dtype=float)])
    value = np.concatenate([np.zeros(n_i), value_x, np.zeros(len(seg_cost))])
    obj = cost_weight * cost + value_weight * value
    top = float(np.abs(obj).max()) if len(obj) else 0.0
    scale = 10.0 ** math.ceil(math.log10(top / 1e9)) if top > 1e9 else 1.0

    # (1) each site with demand fully assigned; (5) its expected wait.
    b.rows(np.searchsorted(active, aj), x, np.ones(len(ai)), len(active), lo=1.0, hi=1.0)
    waits = np.flatnonzero(np.isfinite(terms.site_max_wait[active]))
    if len(waits):
        pos = np.full(n_j, -1)
        pos[active[waits]] = np.arange(len(waits))
        on = pos[aj] >= 0
        b.rows(
            pos[aj[on]],
            x[on],
            terms.wait_ij[ai[on], aj[on]],
            len(waits),
            hi=terms.site_max_wait[active[waits]],
        )
    # (2) capacity of each depot that may open
    capped = np.flatnonzero(usable & np.isfinite(terms.capacity))
    if len(capped):
        pos = np.full(n_i, -1)
        pos[capped] = np.arange(len(capped))
        on = pos[ai] >= 0
        b.rows(
            np.concatenate([pos[ai[on]], np.arange(len(capped))]),
            np.concatenate([x[on], y[capped]]),
            np.concatenate([terms.total_demand[aj[on]], -terms.capacity[capped]]),
            len(capped),
            hi=0.0,
        )
    # (3) x_ij <= y_i
    b.rows(
        np.concatenate([np.arange(len(ai)), np.arange(len(ai))]),
        np.concatenate([x, y[ai]]),
        np.concatenate([np.ones(len(ai)), -np.ones(len(ai))]),
        len(ai),
        hi=0.0,
    )
    # (8) the depot that replenishes an open depot is open
    for i in np.flatnonzero(usable).tolist():
        origin = terms.lane_origin[i]
        if origin is not None and origin in di and di[origin] != i:
            b.row([int(y[i]), int(y[di[origin]])], [1.0, -1.0], hi=0.0)
    # (6) share of demand within T hours; (7) caps
    if terms.min_share_within is not None:
        need = terms.min_share_within * float(terms.total_demand.sum())
        b.row(x, terms.within_ij[ai, aj], lo=need)
    nz = np.flatnonzero(cost)
    if terms.max_cost is not None:
        b.row(nz, cost[nz] / scale, hi=terms.max_cost / scale)
    if terms.max_value is not None:
        value_cap = terms.max_value if value_cap is None else min(value_cap, terms.max_value)
    if value_cap is not None:
        nzv = np.flatnonzero(value)
        b.row(nzv, value[nzv] / scale, hi=value_cap / scale)

    model = b.model(obj / scale)
    size = {
        "arcs": len(ai),
        "variables": model.n_cols,
        "constraints": model.n_rows,
        "pwl_binaries": n_bin,
    }
    first = None
    if start is not None:
        first = _start_values(start, model.n_cols, y, ai, aj, x, segments, terms)
    out, values = solve_array_milp(model, params, first, deadline=deadline)
    if scale != 1.0:
        out = dataclasses.replace(
            out,
            objective=None if out.objective is None else out.objective * scale,
            bound=None if out.bound is None else out.bound * scale,
        )
    if not out.status.has_plan or values is None:
        overhead = time.perf_counter() - started - out.runtime_s
        return PlacementMilpOutcome(out, None, None, None, None, size, overhead)
    yv = np.round(values[y]).astype(float)
    xv = np.zeros((n_i, n_j))
    xv[ai, aj] = np.maximum(values[x], 0.0)
    if terms.single_sourcing:
        xv = np.round(xv)
    sums = xv[:, active].sum(axis=0)
    xv[:, active] /= np.where(sums > 0, sums, 1.0)
    model_cost = float(cost @ values)
    model_value = float(value @ values)
    overhead = time.perf_counter() - started - out.runtime_s
    return PlacementMilpOutcome(out, yv, xv, model_cost, model_value, size, overhead)


class _Builder:
    """Columns and rows of an :class:`ArrayMilp`, collected block by block."""

    def __init__(self) -> None:
        self.n_cols = 0
        self.n_rows = 0
        self.bounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.limits: list[tuple[np.ndarray, np.ndarray]] = []

    def columns(self, lo: np.ndarray, hi: np.ndarray, integer: bool) -> np.ndarray:
        """New columns with these bounds; returns their indices."""
        idx = np.arange(self.n_cols, self.n_cols + len(lo))
        self.bounds.append(
            (np.asarray(lo, float), np.asarray(hi, float), np.full(len(lo), integer))
        )
        self.n_cols += len(lo)
        return idx

    def rows(
        self,
        row: np.ndarray,
        col: np.ndarray,
        val: np.ndarray,
        count: int,
        lo: float | np.ndarray = -math.inf,
        hi: float | np.ndarray = math.inf,
    ) -> None:
        """``count`` new rows: entry k in row ``row[k]`` (0-based within them)."""
        self.entries.append(
            (
                np.asarray(row, np.int64) + self.n_rows,
                np.asarray(col, np.int64),
                np.asarray(val, float),
            )
        )
        self.limits.append(
            (np.broadcast_to(lo, count).astype(float), np.broadcast_to(hi, count).astype(float))
        )
        self.n_rows += count

    def row(
        self,
        col: np.ndarray | list[int],
        val: np.ndarray | list[float],
        lo: float = -math.inf,
        hi: float = math.inf,
    ) -> None:
        """One new row."""
        self.rows(np.zeros(len(col), np.int64), np.asarray(col), np.asarray(val), 1, lo, hi)

    def model(self, c: np.ndarray) -> ArrayMilp:
        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        return ArrayMilp(
            c=np.asarray(c, float),
            lb=cat([b[0] for b in self.bounds], float),
            ub=cat([b[1] for b in self.bounds], float),
            integer=cat([b[2] for b in self.bounds], bool),
            rows=cat([e[0] for e in self.entries], np.int64),
            cols=cat([e[1] for e in self.entries], np.int64),
            vals=cat([e[2] for e in self.entries], float),
            row_lo=cat([lim[0] for lim in self.limits], float),
            row_hi=cat([lim[1] for lim in self.limits], float),
        )


def _start_values(
    start: tuple[np.ndarray, np.ndarray],
    n_cols: int,
    y: np.ndarray,
    ai: np.ndarray,
    aj: np.ndarray,
    x: np.ndarray,
    segments: dict[tuple[int, int], list[tuple[float, float, int, int]]],
    terms: PlacementTerms,
) -> np.ndarray:
    """A value per column from a plan (y, x): each chord's segment where its variance lies."""
    ys, xs = start
    out = np.zeros(n_cols)
    out[y] = np.round(ys)
    out[x] = xs[ai, aj]
    variance = xs @ terms.sigma2
    for (i, p), segs in segments.items():
        v = float(variance[i, p])
        chosen = next((k for k, (lo, hi, _, _) in enumerate(segs) if lo <= v <= hi), None)
        if v <= 0 or ys[i] < 0.5:
            chosen = None
        for k, (_, _, u, vv) in enumerate(segs):
            out[u] = 1.0 if k == chosen else 0.0
            out[vv] = v if k == chosen else 0.0
    return out
