r"""The cost-versus-value frontier of any decision: the plans no other plan beats on both.

A plan has two figures (:class:`~servopt.optimizer.params.ObjectiveOptions`): ``cost``, what
the company pays, and ``value``, what the customers lose, both money in the network's currency
per period. Plan :math:`a` *dominates* :math:`b` when :math:`C_a \le C_b`, :math:`V_a \le V_b`
and one of them is strict. The frontier is the set of non-dominated plans; :func:`frontier`
approximates it with at most ``points`` plans, every one priced by the decision's evaluator.

**Ends.** The least-cost plan (least cost, then the least value at that cost) and the
least-value plan (least value, then the least cost at it), from lexicographic solves where the
decision holds caps, else from weighted solves with a weight of :math:`10^{-6}` on the other
figure.

**Between the ends**, two methods, by what the decision's method can hold:

- *AUGMECON2* (Mavrotas 2009, Mavrotas & Florios 2013), where the decision holds ``max_value``
  as a constraint (the MILP decisions): for a grid of :math:`g` caps
  :math:`e_k = V^{\max} - k\,\Delta`, :math:`\Delta = (V^{\max} - V^{\min}) / (g + 1)`, solve

  .. math:: \min\; C + \varepsilon \frac{r_C}{r_V} V \quad \text{s.t. } V \le e_k

  (:math:`r_C, r_V`: the ranges of cost and value between the ends, :math:`\varepsilon =
  10^{-3}`). Minimising :math:`V` a little, rather than the slack :math:`e_k - V` rewarded
  as Mavrotas writes it, is the same objective up to a constant; it keeps weakly dominated
  plans out. A solution whose slack :math:`s = e_k - V` spans further grid points solves them
  too: the next :math:`\lfloor s / \Delta \rfloor` caps are skipped (the *bypass*), so that
  the solves per returned point stay near 1. When the grid's caps give fewer distinct plans
  than asked, the widest gap in value between two neighbours is halved by one more cap, once
  per pair of neighbours, until ``points`` plans or no gap is left.
- *Weighted sums with adaptive weights* (NISE, Cohon 1978), where it cannot (a routing search,
  staffing's queues): between two neighbours :math:`a, b` on the front, the weight
  :math:`W = (C_b - C_a) / (V_a - V_b)` is the slope of the segment joining them; the plan that
  minimises :math:`C + W V` either lies below the segment (a new point, and two new segments)
  or the segment is done. Weighted sums only find *supported* points, those on the convex hull
  of the front; a non-convex front's dents are missed, and the result says so.

Every point keeps its solve's status and gap: a point from a solve stopped by its time limit is
marked ``feasible``, never shown as proven. The points are filtered to those mutually
non-dominated and sorted by cost. The *knee* is the point farthest from the straight line
between the ends, both axes scaled to [0, 1] by the ends (the plan past which a unit of one
figure costs most of the other); with fewer than 3 points there is none.

The time limit (``params.time_limit_s``) is for the whole frontier; each solve gets the time
left shared over the solves still planned.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.decision import Decision
from servopt.optimizer.params import Objective, ObjectiveOptions, SolveParams
from servopt.optimizer.result import Kpis, Units, json_ready

#: The augmentation of AUGMECON2 and the weight of the other figure at the ends.
EPSILON = 1e-3
TIE_WEIGHT = 1e-6
_TOL = 1e-9


@dataclass(frozen=True)
class FrontierPoint(Kpis):
    """One plan of the frontier: its ``cost`` and ``value`` (the evaluator's), how it was found
    (``method``: ``least cost``, ``least value``, ``epsilon`` with its ``cap`` on value,
    ``weighted`` with its ``weight`` W), the solve's ``status`` and ``gap``, and seconds."""

    cost: float
    value: float
    status: str
    method: str
    gap: float | None = None
    cap: float | None = None
    weight: float | None = None
    runtime_s: float = 0.0


@dataclass(frozen=True)
class Frontier:
    """The frontier of one decision (see the module docstring).

    ``points`` are mutually non-dominated, sorted by cost (the least-cost end first); ``plans``
    are their plans, in the same order. ``knee`` indexes the knee (``None`` under 3 points).
    ``solves``: the solver calls made (ends included). ``proposal``: a plan evaluated on the same
    model (with ``dominating``, the indices of the points that dominate it).
    """

    decision: str
    method: str
    units: Units
    points: tuple[FrontierPoint, ...]
    plans: tuple[Plan, ...]
    knee: int | None
    solves: int
    runtime_s: float
    proposal: FrontierPoint | None = None
    proposal_plan: Plan | None = None
    dominating: tuple[int, ...] = ()
    diagnostics: tuple[str, ...] = field(default_factory=tuple)

    @property
    def solves_per_point(self) -> float | None:
        return self.solves / len(self.points) if self.points else None

    def cheapest_with_value_at_most(self, value: float) -> int | None:
        """The index of the cheapest point whose value is at most ``value`` (``None``: none)."""
        ok = [i for i, p in enumerate(self.points) if p.value <= value * (1 + _TOL) + _TOL]
        return min(ok, key=lambda i: self.points[i].cost) if ok else None

    def best_value_with_cost_at_most(self, cost: float) -> int | None:
        """The index of the point with the least value whose cost is at most ``cost``."""
        ok = [i for i, p in enumerate(self.points) if p.cost <= cost * (1 + _TOL) + _TOL]
        return min(ok, key=lambda i: self.points[i].value) if ok else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the points (each with its plan), knee, proposal and counts."""
        from servopt.models.io import to_data

        return json_ready(
            {
                "decision": self.decision,
                "method": self.method,
                "units": self.units.to_dict(),
                "points": [
                    {**p.to_dict(), "plan": to_data(plan)}
                    for p, plan in zip(self.points, self.plans, strict=True)
                ],
                "knee": self.knee,
                "solves": self.solves,
                "solves_per_point": self.solves_per_point,
                "runtime_s": self.runtime_s,
                "proposal": None if self.proposal is None else self.proposal.to_dict(),
                "dominating": list(self.dominating),
                "diagnostics": list(self.diagnostics),
            }
        )

    def summary(self) -> str:
        """A table a planner reads: one line per point, the knee and the proposal marked."""
        u = self.units
        lines = [
            f"frontier of {self.decision} ({self.method}): {len(self.points)} points, "
            f"{self.solves} solves, {self.runtime_s:.1f} s",
            f"{'':3}{'cost (' + u.currency + '/' + u.period + ')':>24}"
            f"{'value (' + u.currency + '/' + u.period + ')':>26}  status     how",
        ]
        for i, p in enumerate(self.points):
            mark = "K" if i == self.knee else " "
            mark += "*" if i in self.dominating else " "
            how = p.method + (f" W={p.weight:.4g}" if p.weight is not None else "")
            how += f" V<={p.cap:,.0f}" if p.cap is not None else ""
            gap = f" gap {p.gap:.2%}" if p.gap else ""
            lines.append(f"{mark} {p.cost:>24,.2f}{p.value:>26,.2f}  {p.status:<10} {how}{gap}")
        if self.proposal is not None:
            q = self.proposal
            lines.append(f"P {q.cost:>24,.2f}{q.value:>26,.2f}  proposal")
            lines.append(
                f"{len(self.dominating)} point(s) dominate the proposal (marked *)"
                if self.dominating
                else "no point of the frontier dominates the proposal"
            )
        if self.knee is not None:
            lines.append("K: the knee (farthest from the line between the ends)")
        lines.extend(f"note       {d}" for d in self.diagnostics)
        return "\n".join(lines)


def dominates(a: FrontierPoint, b: FrontierPoint) -> bool:
    """Whether ``a`` dominates ``b`` (no worse on both figures, better on one; relative
    tolerance 1e-9, so that two prices of one plan never dominate each other)."""

    def le(x: float, y: float) -> bool:
        return x <= y + _TOL * max(1.0, abs(y))

    def lt(x: float, y: float) -> bool:
        return x < y - _TOL * max(1.0, abs(y))

    return (
        le(a.cost, b.cost) and le(a.value, b.value) and (lt(a.cost, b.cost) or lt(a.value, b.value))
    )


def nondominated(points: list[FrontierPoint]) -> list[int]:
    """Indices of the points no other point dominates, one per distinct (cost, value), sorted
    by cost then value."""
    order = sorted(range(len(points)), key=lambda i: (points[i].cost, points[i].value))
    keep: list[int] = []
    for i in order:
        p = points[i]
        if any(dominates(points[j], p) for j in range(len(points)) if j != i):
            continue
        if keep and not dominates(p, points[keep[-1]]) and _same(p, points[keep[-1]]):
            continue
        keep.append(i)
    return keep


def _same(a: FrontierPoint, b: FrontierPoint) -> bool:
    return math.isclose(a.cost, b.cost, rel_tol=1e-9, abs_tol=1e-9) and math.isclose(
        a.value, b.value, rel_tol=1e-9, abs_tol=1e-9
    )


def knee_index(points: list[FrontierPoint] | tuple[FrontierPoint, ...]) -> int | None:
    """The point farthest from the line between the first and last point (sorted by cost),
    both figures scaled to [0, 1] by them; ``None`` for fewer than 3 points or a flat front."""
    if len(points) < 3:
        return None
    a, b = points[0], points[-1]
    rc, rv = b.cost - a.cost, a.value - b.value
    if rc <= 0 or rv <= 0:
        return None

    def dist(p: FrontierPoint) -> float:
        x, y = (p.cost - a.cost) / rc, (p.value - b.value) / rv
        return (1.0 - x - y) / math.sqrt(2.0)  # below the line x + y = 1: positive

    inner = range(1, len(points) - 1)
    best = max(inner, key=lambda i: dist(points[i]))
    return best if dist(points[best]) > 0 else None


class _Budget:
    """The frontier's time limit shared over the solves still planned."""

    def __init__(self, params: SolveParams, planned: int) -> None:
        self.params, self.deadline, self.planned = (
            params,
            time.perf_counter() + params.time_limit_s,
            planned,
        )
        self.solves = 0

    def left(self) -> bool:
        """Whether time is left for another solve."""
        return self.deadline - time.perf_counter() >= 0.05

    def next(self) -> SolveParams | None:
        left = self.deadline - time.perf_counter()
        if left < 0.05:
            return None
        share = left / max(1, self.planned - self.solves)
        self.solves += 1
        return replace(self.params, time_limit_s=max(0.05, share))


def frontier(
    network: ServiceNetwork,
    decision: Decision | str,
    *,
    points: int = 8,
    options: ObjectiveOptions | None = None,
    params: SolveParams | None = None,
    plan: Plan | None = None,
    proposal: Plan | None = None,
) -> Frontier:
    """The cost-versus-value frontier of ``decision`` on ``network`` (module docstring).

    ``options``: the decision's options (their objective fields are set here, the rest kept);
    ``params``: the time limit of the whole frontier and the seed of every solve; ``plan``:
    changes every solve works under (a redesign's head counts); ``proposal``: a plan to place on
    the chart, priced by the decision's evaluator under the same options.
    """
    from servopt.optimizer import DECISIONS

    start = time.perf_counter()
    d = DECISIONS[decision] if isinstance(decision, str) else decision
    if not isinstance(points, int) or points < 2:
        raise BadInputError([Problem("points", f"must be a whole number >= 2, got {points!r}")])
    base = options if options is not None else d.options()
    if not isinstance(base, d.options):
        raise BadInputError(
            [Problem("options", f"must be {d.options.__name__}, got {type(base).__name__}")]
        )
    base = replace(base, max_cost=None, max_value=None)
    params = params or SolveParams(time_limit_s=120.0)
    augmecon = "max_value" in d.caps and "max_cost" in d.caps
    budget = _Budget(params, points + (2 if augmecon else 1))
    found: list[tuple[FrontierPoint, Plan]] = []
    notes: list[str] = []
    units: list[Units] = []

    def run(how: str, opts: ObjectiveOptions, **tag: Any) -> FrontierPoint | None:
        p = budget.next()
        if p is None:
            notes.append(f"the time limit ended the frontier before '{how}'")
            return None
        r = d.solve(network, opts, p, plan=plan)
        if not r.status.has_plan or r.plan is None:
            notes.append(
                f"{how}: {r.status.value}" + (f" ({r.diagnostics[0]})" if r.diagnostics else "")
            )
            return None
        e = d.evaluate(network, r.plan, opts)
        if e.units is not None:
            units.append(e.units)
        cost, value = float(e.objective["cost"]), float(e.objective["value"])
        if not math.isclose(
            cost, r.objective["cost"], rel_tol=1e-6, abs_tol=1e-6
        ) or not math.isclose(value, r.objective["value"], rel_tol=1e-6, abs_tol=1e-6):
            notes.append(
                f"{how}: the evaluator prices the plan at cost {cost:,.2f}, value {value:,.2f}; "
                f"the solve reported {r.objective['cost']:,.2f}, {r.objective['value']:,.2f}"
            )
        point = FrontierPoint(cost, value, r.status.value, how, r.gap, runtime_s=r.runtime_s, **tag)
        found.append((point, r.plan))
        return point

    weighted = Objective.WEIGHTED
    if augmecon:
        cheap = run("least cost", replace(base, objective=Objective.COST))
        good = run("least value", replace(base, objective=Objective.VALUE))
        if cheap is not None and good is not None and good.value < cheap.value * (1 - _TOL):
            v_min, v_max = good.value, cheap.value
            w = EPSILON * max(good.cost - cheap.cost, 1e-9) / (v_max - v_min)
            augmented = replace(base, objective=weighted, value_weight=w)
            # The least-cost end's second stage: the least value among the cheapest plans.
            run("least cost", augmented, weight=w)
            grid = points - 2
            step = (v_max - v_min) / (grid + 1)
            k = 1
            while k <= grid:
                cap = v_max - k * step
                got = run("epsilon", replace(augmented, max_value=cap), cap=cap)
                if got is None:
                    break  # infeasible, or out of time: every tighter cap is too
                k += 1 + int(max(0.0, cap - got.value) // step)  # AUGMECON2's bypass
            # Fewer distinct plans than asked (a front with few points on the grid's caps):
            # halve the widest gap in value between neighbours, once per pair of neighbours.
            tried: set[tuple[float, float]] = set()
            while budget.left() and len(_front(found)) < points:
                front = _front(found)
                gaps = [
                    (a.value - b.value, a, b)
                    for a, b in itertools.pairwise(front)
                    if (a.value, b.value) not in tried and a.value - b.value > step * 1e-3
                ]
                if not gaps:
                    break
                _, a, b = max(gaps, key=lambda g: g[0])
                tried.add((a.value, b.value))
                cap = (a.value + b.value) / 2
                if run("epsilon", replace(augmented, max_value=cap), cap=cap) is None:
                    break
        method = "AUGMECON2 (augmented epsilon-constraint on value)"
    else:
        cheap = run(
            "least cost",
            replace(base, objective=weighted, value_weight=TIE_WEIGHT),
            weight=TIE_WEIGHT,
        )
        # The value end: least value, cost weighed 1e-6 (W = 1e6).
        good = run(
            "least value",
            replace(base, objective=weighted, value_weight=1 / TIE_WEIGHT),
            weight=1 / TIE_WEIGHT,
        )
        segments: list[tuple[FrontierPoint, FrontierPoint]] = []
        if cheap is not None and good is not None and not _same(cheap, good):
            segments.append((cheap, good))
        outer = segments[:1]
        while segments and len(nondominated([p for p, _ in found])) < points:
            segments.sort(key=lambda s: _length(s, *outer[0]))
            a, b = segments.pop()
            if a.value - b.value <= _TOL * max(1.0, abs(a.value)) or b.cost - a.cost <= _TOL * max(
                1.0, abs(a.cost)
            ):
                continue
            w = (b.cost - a.cost) / (a.value - b.value)
            got = run("weighted", replace(base, objective=weighted, value_weight=w), weight=w)
            if got is None:
                break
            line = a.cost + w * a.value
            if got.cost + w * got.value < line - 1e-7 * max(1.0, abs(line)):
                segments += [(a, got), (got, b)]
        method = "weighted sums with adaptive weights (NISE): supported points only"
    keep = nondominated([p for p, _ in found])
    pts = tuple(found[i][0] for i in keep)
    plans = tuple(found[i][1] for i in keep)
    prop = prop_plan = None
    dominating: tuple[int, ...] = ()
    if proposal is not None:
        e = d.evaluate(network, proposal, base)
        prop = FrontierPoint(
            float(e.objective["cost"]), float(e.objective["value"]), "evaluated", "proposal"
        )
        prop_plan = proposal
        dominating = tuple(i for i, p in enumerate(pts) if dominates(p, prop))
        notes += [f"proposal: {v}" for v in e.violations]
    if len(pts) < points:
        notes.append(
            f"{len(pts)} distinct non-dominated plans found of the {points} asked for"
            + ("" if augmecon else " (weighted sums reach only the supported ones)")
        )
    return Frontier(
        d.name,
        method,
        units[0] if units else Units.of(network),
        pts,
        plans,
        knee_index(pts),
        budget.solves,
        time.perf_counter() - start,
        prop,
        prop_plan,
        dominating,
        tuple(dict.fromkeys(notes)),
    )


def _front(found: list[tuple[FrontierPoint, Plan]]) -> list[FrontierPoint]:
    """The non-dominated points found so far, by cost."""
    points = [p for p, _ in found]
    return [points[i] for i in nondominated(points)]


def _length(seg: tuple[FrontierPoint, FrontierPoint], a: FrontierPoint, b: FrontierPoint) -> float:
    """A segment's length with both figures scaled by the ends' ranges."""
    rc = max(abs(b.cost - a.cost), 1e-12)
    rv = max(abs(a.value - b.value), 1e-12)
    p, q = seg
    return math.hypot((q.cost - p.cost) / rc, (p.value - q.value) / rv)


def plot_frontier(fr: Frontier, path: str, *, title: str | None = None) -> None:
    """Draw ``fr`` (cost against value, the knee and the proposal labelled, the points that
    dominate the proposal circled) to ``path`` (.svg or .png), written whole."""
    import io

    import matplotlib.pyplot as plt

    from servopt.models.io import write_atomic

    fig = frontier_figure(fr, title=title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png" if str(path).lower().endswith(".png") else "svg")
    plt.close(fig)
    write_atomic(path, buf.getvalue())


def frontier_figure(fr: Frontier, *, title: str | None = None) -> Any:
    """The matplotlib figure of :func:`plot_frontier`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    u = fr.units
    fig, ax = plt.subplots(figsize=(8, 5.5))
    xs = [p.cost for p in fr.points]
    ys = [p.value for p in fr.points]
    ax.plot(xs, ys, "-o", color="tab:blue", label="frontier (non-dominated plans)", zorder=2)
    unproven = [p for p in fr.points if p.status != "optimal"]
    if unproven:
        ax.plot(
            [p.cost for p in unproven],
            [p.value for p in unproven],
            "o",
            mfc="white",
            color="tab:blue",
            zorder=3,
            linestyle="none",
            label="stopped by the time limit (not proven)",
        )
    if fr.knee is not None:
        k = fr.points[fr.knee]
        ax.plot(k.cost, k.value, "D", color="tab:green", ms=10, zorder=4, label="knee")
        ax.annotate("knee", (k.cost, k.value), textcoords="offset points", xytext=(8, 8))
    if fr.proposal is not None:
        q = fr.proposal
        ax.plot(q.cost, q.value, "X", color="tab:red", ms=12, zorder=4, label="proposal")
        ax.annotate(
            "proposal",
            (q.cost, q.value),
            textcoords="offset points",
            xytext=(-10, -16),
            ha="right",
        )
        if fr.dominating:
            ax.plot(
                [fr.points[i].cost for i in fr.dominating],
                [fr.points[i].value for i in fr.dominating],
                "o",
                ms=14,
                mfc="none",
                color="tab:red",
                zorder=3,
                linestyle="none",
                label="better than the proposal on both",
            )
    ax.set_xlabel(f"company cost ({u.currency} per {u.period})")
    ax.set_ylabel(f"customers' cost ({u.currency} per {u.period})")
    ax.set_title(title or f"{fr.decision}: cost against customer value")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    fig.tight_layout()
    return fig
