r"""The classic CFLP at scale: a Lagrangian bound, a heuristic on it, and a MILP where it pays.

For the placement model in its classic form (:meth:`PlacementOptions.cflp`: no stock, no
customer side, no caps, split demand), with I depots and J sites:

.. math::

    \min \sum_i f_i y_i + \sum_{ij} c_{ij} x_{ij}\;\text{s.t.}\;
    \sum_i x_{ij} = 1\;(1),\; \sum_j D_j x_{ij} \le Q_i y_i\;(2),\; x_{ij} \le y_i\;(3),\;
    \sum_i Q_i y_i \ge \textstyle\sum_j D_j\;(4),\; y \in \{0, 1\},\; x \ge 0

(4) is implied by (1)-(2) and kept to strengthen the relaxation. Relaxing (1) with multipliers
u_j leaves, per depot, a continuous knapsack: open, depot i costs
v_i(u) = f_i + min { sum_j (c_ij - u_j) x_ij : sum_j D_j x_ij <= Q_i, 0 <= x_ij <= 1 }
(the sites of negative reduced cost by ratio (c_ij - u_j) / D_j, the last one split), and

.. math:: L(u) = \sum_j u_j + \min \{ \sum_i v_i(u) y_i : (4),\; y \in \{0, 1\} \}

a 0-1 covering knapsack, solved by dynamic programming over capacity in at most
:data:`GRID` steps (capacities rounded up, the demand down: a relaxation of it, so L stays a
valid lower bound, Cornuejols, Sridharan and Thizy 1991). u is improved by subgradient steps
(Held and Karp, Polyak's step to the best plan's cost, halved after :data:`STALL` steps without
a better bound).

Every :data:`HEURISTIC_EVERY` steps the depots the relaxation opens (completed to hold the
demand, by v_i / Q_i) are priced exactly: the transportation problem over that fixed set is a
min-cost flow (:func:`servopt.optimizer.solvers.flow.transport`). The best set found is improved
by local search (close, open and swap a depot, each move priced by its transportation problem).

Then reduced-cost fixing: with the best multipliers, a depot whose bound with it forced open
(forced closed) exceeds the best plan's cost is closed (opened) in every better plan. The MILP
runs on the remaining depots, warm-started by the best plan; its bound is a bound on the whole
problem, because every plan it leaves out costs more than the incumbent.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from servopt.optimizer.placement.terms import PlacementTerms
from servopt.optimizer.solvers.flow import transport

#: Cells of the covering knapsack's dynamic programme (capacities rounded up to a grid of at
#: most this many steps over the demand left to cover).
GRID = 20_000
#: Subgradient steps without a better bound before the step factor is halved.
STALL = 15
#: Price the relaxation's depot set every this many subgradient steps.
HEURISTIC_EVERY = 5
#: At most this many subgradient steps (the loop is deterministic: iteration counts, not the
#: clock, end it unless the time is short).
MAX_STEPS = 1_500
#: Local search: the closed depots tried per move (by their Lagrangian cost per capacity).
OPEN_CANDIDATES = 8


@dataclass(frozen=True)
class Cflp:
    """The classic CFLP's arrays, on the sites with demand only."""

    cost: np.ndarray  # (I, J') cost of serving all of site j from depot i
    fixed: np.ndarray  # (I,)
    capacity: np.ndarray  # (I,) at most the total demand
    demand: np.ndarray  # (J',) > 0
    may_open: np.ndarray  # (I,) bool: not forced closed
    must_open: np.ndarray  # (I,) bool: forced open
    sites: np.ndarray  # (J',) the sites' indices in the terms

    @property
    def total(self) -> float:
        return float(self.demand.sum())


def classic_cflp(terms: PlacementTerms) -> Cflp | None:
    """The CFLP arrays when ``terms`` is exactly the classic capacitated facility location
    problem with split demand (no safety stock, no downtime, no waits, caps or share targets,
    no depot replenished by another); None otherwise."""
    di = terms.depot_index()
    if (
        terms.single_sourcing
        or terms.max_cost is not None
        or terms.max_value is not None
        or terms.min_share_within is not None
        or np.isfinite(terms.site_max_wait).any()
        or np.any(terms.downtime_ij != 0)
        or np.any((terms.ss_coef > 0) & (terms.sigma2.sum(axis=0) > 0)[None, :])
        or any(o is not None and o in di for o in terms.lane_origin)
    ):
        return None
    active = np.flatnonzero(terms.total_demand > 0)
    if len(active) == 0 or len(terms.depots) == 0:
        return None
    demand = terms.total_demand[active].astype(float)
    cost = np.asarray(terms.cost_ij[:, active], dtype=float)
    if not np.all(np.isfinite(cost)) or not np.all(np.isfinite(terms.fixed)):
        return None
    return Cflp(
        cost=cost,
        fixed=np.asarray(terms.fixed, dtype=float),
        capacity=np.minimum(terms.capacity.astype(float), float(demand.sum())),
        demand=demand,
        may_open=np.array([d not in terms.forced_closed for d in terms.depots], dtype=bool),
        must_open=np.array([d in terms.forced_open for d in terms.depots], dtype=bool),
        sites=active,
    )


def depot_values(d: Cflp, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """v_i(u) for every depot and the knapsack's fill x (I, J') if it opens."""
    r = d.cost - u[None, :]
    order = np.argsort(r / d.demand[None, :], axis=1, kind="stable")
    rs = np.take_along_axis(r, order, axis=1)
    ds = d.demand[order]
    before = np.cumsum(ds, axis=1) - ds
    take = np.clip((d.capacity[:, None] - before) / ds, 0.0, 1.0) * (rs < 0)
    x = np.zeros_like(r)
    np.put_along_axis(x, order, take, axis=1)
    return d.fixed + (rs * take).sum(axis=1), x


def cover(
    v: np.ndarray, q: np.ndarray, need: float, must: np.ndarray, may: np.ndarray
) -> tuple[float, np.ndarray | None]:
    """min sum v_i y_i s.t. sum q_i y_i >= need (relaxed to :data:`GRID` steps, so never above
    the exact minimum), y_i = 1 where ``must``, 0 where not ``may``. Returns (value, y), or
    (inf, None) when even every allowed depot cannot cover ``need``."""
    y = must | (may & (v <= 0))
    value = float(v[y].sum())
    left = need - float(q[y].sum())
    if left <= 1e-9 * max(need, 1.0):
        return value, y
    cand = np.flatnonzero(may & ~y)
    if float(q[cand].sum()) < left * (1 - 1e-12):
        return math.inf, None
    step = max(1.0, left / GRID)
    n = max(1, math.floor(left / step * (1 - 1e-12)))
    w = np.ceil(q[cand] / step - 1e-9).astype(np.int64)
    dp = np.full(n + 1, math.inf)
    dp[0] = 0.0
    chose = np.zeros((len(cand), n + 1), dtype=bool)
    for k, (wk, vk) in enumerate(zip(w, v[cand], strict=True)):
        shifted = np.empty_like(dp)
        m = min(int(wk), n + 1)
        shifted[:m] = dp[0] + vk
        shifted[m:] = dp[: n + 1 - m] + vk
        better = shifted < dp
        chose[k] = better
        dp = np.where(better, shifted, dp)
    if not math.isfinite(dp[n]):
        return math.inf, None
    c = n
    for k in range(len(cand) - 1, -1, -1):
        if chose[k, c]:
            y[cand[k]] = True
            c = max(0, c - int(w[k]))
    return value + float(dp[n]), y


@dataclass
class Search:
    """The state of the Lagrangian search: best bound and multipliers, best plan."""

    d: Cflp
    deadline: float
    lb: float = -math.inf
    u: np.ndarray | None = None
    ub: float = math.inf
    best_open: np.ndarray | None = None
    best_x: np.ndarray | None = None
    steps: int = 0
    priced: dict[bytes, float] = field(default_factory=dict)
    log: list[tuple[float, float, float]] = field(default_factory=list)  # (seconds, lb, ub)
    started: float = field(default_factory=time.perf_counter)

    def price(self, is_open: np.ndarray) -> float:
        """Fixed cost plus the exact transportation cost of an open set (cached)."""
        key = is_open.tobytes()
        if key in self.priced:
            return self.priced[key]
        d = self.d
        idx = np.flatnonzero(is_open)
        x = transport(d.cost[idx], d.capacity[idx], d.demand)
        total = math.inf
        if x is not None:
            total = float(d.fixed[idx].sum() + (d.cost[idx] * x).sum())
            if total < self.ub - 1e-9 * max(abs(self.ub), 1.0) or self.best_open is None:
                self.ub, self.best_open = total, is_open.copy()
                self.best_x = np.zeros_like(d.cost)
                self.best_x[idx] = x
                self.note()
        self.priced[key] = total
        return total

    def note(self) -> None:
        self.log.append((time.perf_counter() - self.started, self.lb, self.ub))

    def complete(self, y: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``y`` plus depots (cheapest Lagrangian cost per capacity first) until it holds the
        demand."""
        d = self.d
        y = (y | d.must_open) & d.may_open
        if float(d.capacity[y].sum()) >= d.total:
            return y
        y = y.copy()
        for i in np.argsort(v / np.maximum(d.capacity, 1e-300), kind="stable"):
            if d.may_open[i] and not y[i]:
                y[i] = True
                if float(d.capacity[y].sum()) >= d.total:
                    break
        return y

    def time_left(self) -> float:
        return self.deadline - time.perf_counter()

    def local_search(self, v: np.ndarray) -> None:
        """Close, open and swap depots of the best set while a move lowers its priced cost
        (first improvement, closed depots tried by v_i / Q_i)."""
        d = self.d
        improved = True
        while improved and self.best_open is not None and self.time_left() > 0:
            improved = False
            cur = self.best_open.copy()
            base = self.ub
            rank = np.argsort(v / np.maximum(d.capacity, 1e-300), kind="stable")
            closed = [int(i) for i in rank if d.may_open[i] and not cur[i]][:OPEN_CANDIDATES]
            opened = [int(i) for i in np.flatnonzero(cur) if not d.must_open[i]]
            held = float(d.capacity[cur].sum())
            moves: list[tuple[int | None, int | None]] = [(i, None) for i in opened]
            moves += [(None, k) for k in closed]
            moves += [(i, k) for i in opened for k in closed]
            for out, into in moves:
                if self.time_left() <= 0:
                    return
                cap = held - (d.capacity[out] if out is not None else 0.0)
                cap += d.capacity[into] if into is not None else 0.0
                if cap < d.total:
                    continue
                trial = cur.copy()
                if out is not None:
                    trial[out] = False
                if into is not None:
                    trial[into] = True
                if self.price(trial) < base - 1e-9 * max(abs(base), 1.0):
                    improved = True
                    break

    def subgradient(self, u0: np.ndarray, max_steps: int, gap: float) -> None:
        """Subgradient steps from ``u0`` until ``max_steps``, the step factor below 1e-4, the
        gap closed to ``gap`` or the deadline."""
        d = self.d
        u = u0.copy()
        lam, stall = 2.0, 0
        best_v = None
        for step in range(max_steps):
            if self.time_left() <= 0:
                break
            self.steps += 1
            v, x = depot_values(d, u)
            value, y = cover(v, d.capacity, d.total, d.must_open, d.may_open)
            if y is None:
                break
            lb = float(u.sum()) + value
            if lb > self.lb + 1e-12 * max(abs(self.lb), 1.0) or self.u is None:
                self.lb, self.u, best_v = max(lb, self.lb), u.copy(), v
                stall = 0
            else:
                stall += 1
                if stall >= STALL:
                    lam, stall = lam / 2.0, 0
            if step % HEURISTIC_EVERY == 0:
                before = self.ub
                self.price(self.complete(y, v))
                if self.ub < before and self.time_left() > 0:
                    self.local_search(v)
            if self.ub - self.lb <= gap * max(abs(self.ub), 1e-10) or lam < 1e-4:
                break
            g = 1.0 - (x * y[:, None]).sum(axis=0)
            norm = float(g @ g)
            if norm <= 1e-18:
                break  # the relaxation's plan is feasible: the bound is the optimum
            target = self.ub if math.isfinite(self.ub) else lb + abs(lb) * 0.05 + 1.0
            u = u + lam * max(target - lb, 1e-9 * max(abs(lb), 1.0)) / norm * g
        self.note()
        if best_v is not None and self.time_left() > 0:
            self.local_search(best_v)

    def fix(self) -> tuple[np.ndarray, np.ndarray]:
        """Reduced-cost fixing at the best multipliers: (depots open in every plan cheaper than
        the incumbent, depots closed in every such plan)."""
        d = self.d
        n_i = len(d.fixed)
        fix_open = d.must_open.copy()
        fix_closed = ~d.may_open
        if self.u is None or not math.isfinite(self.ub):
            return fix_open, fix_closed
        v, _ = depot_values(d, self.u)
        base = float(self.u.sum())
        tol = 1e-9 * max(abs(self.ub), 1.0)
        for i in range(n_i):
            if not d.may_open[i] or d.must_open[i]:
                continue
            one = np.zeros(n_i, dtype=bool)
            one[i] = True
            if base + cover(v, d.capacity, d.total, d.must_open | one, d.may_open)[0] > (
                self.ub + tol
            ):
                fix_closed[i] = True
            elif base + cover(v, d.capacity, d.total, d.must_open, d.may_open & ~one)[0] > (
                self.ub + tol
            ):
                fix_open[i] = True
        return fix_open, fix_closed


def initial_multipliers(d: Cflp) -> np.ndarray:
    """u_j: the cheapest cost of serving j with each depot's fixed cost spread over its
    capacity (a price at which a full, cheap depot breaks even)."""
    per_unit = d.fixed / np.maximum(d.capacity, 1e-300)
    return np.min(d.cost + per_unit[:, None] * d.demand[None, :], axis=0)


def lagrangian_search(d: Cflp, deadline: float, gap: float, max_steps: int = MAX_STEPS) -> Search:
    """Bound and plan: subgradient with the heuristic and local search (module docstring)."""
    s = Search(d, deadline)
    s.subgradient(initial_multipliers(d), max_steps, gap)
    return s
