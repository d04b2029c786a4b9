"""Placement: which depots are open, which depots serve each site, how much stock each holds.

This module holds the solver-independent part (options, pre-solve checks in domain words, the
refinement loop, the result, and the path of the classic CFLP at scale, whose search is in
:mod:`servopt.optimizer.placement.lagrange`); the MILP itself is built as arrays by
:mod:`servopt.optimizer.placement.milp`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any

import numpy as np

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.decision import unused_inputs
from servopt.optimizer.params import Objective, SolveParams
from servopt.optimizer.placement.evaluate import (
    PlacementDecision,
    PlacementKpis,
    evaluate_decision,
    placement_plan,
)
from servopt.optimizer.placement.terms import (
    READS,
    PlacementOptions,
    PlacementTerms,
    build_terms,
)
from servopt.optimizer.result import Result, Status, Units, objective_values

log = logging.getLogger("servopt.placement")

#: Initial breakpoints per depot and family: 0 and Vmax * 4**-k for k = K-1 .. 0.
PWL_SEGMENTS = 8
PWL_RATIO = 4.0


class _Clock:
    """The solve's time budget. Building a large model and reading the answer back take
    seconds outside the solver's own clock, so each solver gets the time left minus the largest
    such overhead seen so far."""

    def __init__(self, params: SolveParams, start: float, overhead_guess: float) -> None:
        # Keep 5% (and 0.3 s) for pricing and assembling the result after the last solve, and
        # for HiGHS stopping a little after its limit.
        self.limit = params.time_limit_s * 0.95 - 0.3
        self.start, self.overhead = start, overhead_guess
        self.base = params

    def remaining(self) -> float:
        return self.limit - (time.perf_counter() - self.start) - self.overhead

    def params(self, until: float = 1.0) -> SolveParams:
        """Parameters for one MILP, allowed to run until ``until`` of the whole limit."""
        cap = until * self.limit - (time.perf_counter() - self.start) - self.overhead
        return dataclasses.replace(self.base, time_limit_s=max(0.05, min(self.remaining(), cap)))

    def note(self, outcome: Any) -> Any:
        self.overhead = max(self.overhead, 1.2 * outcome.overhead_s)
        self.built += outcome.overhead_s
        self.solved += outcome.milp.runtime_s
        return outcome

    built = 0.0  # seconds building MILPs and reading answers back
    solved = 0.0  # seconds in the solver call: writing the model file and HiGHS


def presolve_problems(terms: PlacementTerms) -> list[str]:
    """Reasons, in domain words, why no plan can exist; empty when none is found cheaply."""
    out = []
    both = sorted(terms.forced_open & terms.forced_closed)
    out += [f"depot {d!r} is forced both open and closed" for d in both]
    di = terms.depot_index()
    for d in sorted(terms.forced_open):
        origin = terms.lane_origin[di[d]]
        if origin is not None and origin in terms.forced_closed:
            out.append(
                f"depot {d!r} is forced open but the depot that replenishes it, "
                f"{origin!r}, is forced closed"
            )
    usable = [i for i, d in enumerate(terms.depots) if d not in terms.forced_closed]
    demand = float(terms.total_demand.sum())
    cap = float(terms.capacity[usable].sum()) if usable else 0.0
    if demand > cap * (1 + 1e-9):
        out.append(
            f"demand {demand:,.0f} exceeds the capacity of all depots that may open, {cap:,.0f}"
        )
    if terms.single_sourcing and usable:
        biggest = float(terms.capacity[usable].max())
        for j in np.flatnonzero(terms.total_demand > biggest * (1 + 1e-9)):
            out.append(
                f"site {terms.sites[j]!r} needs {terms.total_demand[j]:,.0f}, more than "
                f"any depot can hold alone ({biggest:,.0f}); allow split demand"
            )
    for j in np.flatnonzero(np.isfinite(terms.site_max_wait) & (terms.total_demand > 0)):
        if not usable:
            break
        waits = terms.wait_ij[usable, j]
        best = int(np.argmin(waits))
        if waits[best] > terms.site_max_wait[j] + 1e-9:
            out.append(
                f"site {terms.sites[j]!r} (segment {terms.segment_of_site[j]!r}) cannot get "
                f"parts within {terms.site_max_wait[j]:g} h from any depot: the best is "
                f"{terms.depots[usable[best]]!r} at {waits[best]:.1f} h"
            )
    if terms.max_cost is not None:
        fixed = sum(float(terms.fixed[di[d]]) for d in terms.forced_open if d in di)
        if fixed > terms.max_cost:
            out.append(
                f"max_cost {terms.max_cost:,.0f} is below the fixed cost of the depots "
                f"forced open, {fixed:,.0f}"
            )
    if terms.min_share_within is not None and demand > 0 and usable:
        best_share = float(terms.within_ij[usable].max(axis=0).sum()) / demand
        if best_share + 1e-9 < terms.min_share_within:
            out.append(
                f"at most {best_share:.1%} of demand can be served from stock within "
                f"{terms.within_hours:g} h, below the required "
                f"{terms.min_share_within:.1%}"
            )
    return out


#: Measured seconds per candidate arc (x_ij) for one MILP: building it as arrays (1 us; it was
#: 71 us in PuLP), writing the MPS file (12 us; 45 us from PuLP), HiGHS reading and presolving
#: it (23 us), on the 2-core reference machine (1,000 x 100; the PuLP figures at 5,000 sites x
#: 20 and x 50 candidate depots). The model size is chosen so that this estimate fits the time
#: left, and it is held back from the solver's own limit.
SECONDS_PER_ARC = 4e-5
#: At most this many depot-site pairs in one MILP, whatever the time: HiGHS itself took 3.3 GB
#: on the whole 5,000 x 200 model (a million pairs), measured; more pairs go to each site's
#: cheapest depots (:func:`candidate_arcs`).
MAX_ARCS = 400_000
#: Share of the time left that one MILP's building, writing and reading may take.
MODEL_SHARE = 0.5
#: With the stock model (several MILPs, the first must improve on the greedy start), at most
#: this many candidate arcs, or STOCK_ARCS_PER_S per second left when more: measured at 30 s,
#: 42,000-44,000 arcs improved the plan by 9-12% (1,000 x 50, 2,000 x 100 sites x depots)
#: where 84,000 arcs and the full 50,000-arc model returned the greedy start unimproved.
STOCK_ARCS = 45_000
STOCK_ARCS_PER_S = 1_650


def _envelope_per_arc(terms: PlacementTerms) -> np.ndarray:
    """(I, J) linear under-estimate of the safety-stock cost of assigning j to i: the chord
    of sqrt from 0 to Vmax (sqrt is concave, so sqrt(V) >= V / sqrt(Vmax) on [0, Vmax])."""
    vmax = np.maximum(terms.sigma2.sum(axis=0), 1e-300)
    return np.asarray((terms.ss_coef / np.sqrt(vmax)[None, :]) @ terms.sigma2.T)


def _scores(terms: PlacementTerms, wc: float, wv: float) -> np.ndarray:
    """(I, J) linear price of serving all of j from i, inf where i may not serve j."""
    score = wc * (terms.cost_ij + _envelope_per_arc(terms)) + wv * terms.downtime_ij
    closed = np.array([d in terms.forced_closed for d in terms.depots], dtype=bool)
    score = np.where(closed[:, None], np.inf, score)
    too_slow = terms.wait_ij > terms.site_max_wait[None, :] + 1e-9
    return np.where(too_slow, np.inf, score)


def trivial_bound(terms: PlacementTerms, wc: float, wv: float) -> float:
    r"""A lower bound on ``wc * cost + wv * value`` over every feasible plan, in closed form:
    each site at its cheapest depot (safety stock by its convex under-estimate), plus the
    least fixed cost of depots that can hold all demand (a fractional knapsack, forced depots
    counted whole). Both parts relax the problem, so their sum never exceeds the optimum:
    a gap to it is a true gap, however weak."""
    active = terms.total_demand > 0
    score = _scores(terms, wc, wv)[:, active]
    per_site = score.min(axis=0) if score.size else np.zeros(0)
    if not np.all(np.isfinite(per_site)):
        return -math.inf
    di = terms.depot_index()
    forced = [di[d] for d in terms.forced_open if d in di]
    fixed = float(terms.fixed[forced].sum())
    need = float(terms.total_demand.sum()) - float(terms.capacity[forced].sum())
    others = [
        i
        for i, d in enumerate(terms.depots)
        if d not in terms.forced_open and d not in terms.forced_closed
    ]
    if need > 0 and not any(np.isinf(terms.capacity[i]) for i in others):
        for i in sorted(others, key=lambda i: terms.fixed[i] / max(terms.capacity[i], 1e-300)):
            if need <= 0:
                break
            take = min(1.0, need / terms.capacity[i]) if terms.capacity[i] > 0 else 0.0
            fixed += take * float(terms.fixed[i])
            need -= take * float(terms.capacity[i])
    return float(per_site.sum()) + wc * fixed


def greedy_placement(
    terms: PlacementTerms, wc: float, wv: float
) -> tuple[PlacementDecision | None, str]:
    """A cheap plan (milliseconds to a second at 5,000 sites x 200 depots): open depots by
    largest saving (the add heuristic on the linear prices of :func:`_scores`, the depot that
    replenishes an opened one opened with it) until no opening saves money and the open
    capacity holds the demand; then each site, largest regret first, goes whole to its
    cheapest open depot with room left (split over several when it fits none and split
    demand is allowed; another depot is opened when none has room). Returns the plan, or
    None and the reason (a budget or share-within target it misses, no depot with room)."""
    n_i, n_j = len(terms.depots), len(terms.sites)
    di = terms.depot_index()
    score = _scores(terms, wc, wv)
    active = np.flatnonzero(terms.total_demand > 0)
    big = np.where(np.isfinite(score), score, np.nan)
    fallback_price = float(np.nanmax(big)) * 10.0 + 1.0 if np.isfinite(big).any() else 1.0
    priced = np.where(np.isfinite(score), score, fallback_price * 1e3)[:, active]
    is_open = np.zeros(n_i, dtype=bool)

    def open_depot(i: int) -> None:
        while not is_open[i]:
            is_open[i] = True
            origin = terms.lane_origin[i]
            if (
                origin is None
                or origin not in di
                or terms.depots[di[origin]] in terms.forced_closed
            ):
                return
            i = di[origin]

    for d in terms.forced_open:
        if d in di:
            open_depot(di[d])
    usable = np.array([d not in terms.forced_closed for d in terms.depots], dtype=bool)
    if not usable.any():
        return None, "no depot may open"
    demand = float(terms.total_demand.sum())
    while True:
        cur = priced[is_open].min(axis=0) if is_open.any() else np.full(len(active), np.inf)
        gain = (
            np.where(
                np.isfinite(cur)[None, :], np.maximum(cur[None, :] - priced, 0.0), -priced
            ).sum(axis=1)
            - wc * terms.fixed
        )
        gain[~usable | is_open] = -np.inf
        if not np.isfinite(gain).any():
            break
        i = int(np.argmax(gain))
        short = float(terms.capacity[is_open].sum()) < demand * 1.02
        if gain[i] <= 0 and not short and is_open.any():
            break
        open_depot(i)
    x = np.zeros((n_i, n_j))
    left = np.where(is_open, terms.capacity, 0.0).astype(float)
    opened = np.flatnonzero(is_open)
    ranked = np.sort(priced[opened], axis=0)
    regret = ranked[1] - ranked[0] if len(opened) > 1 else ranked[0]
    for k in np.argsort(-regret, kind="stable"):
        j = int(active[k])
        need = float(terms.total_demand[j])
        ok = np.isfinite(score[:, j])
        for _ in range(2):
            order = [i for i in np.argsort(score[:, j], kind="stable") if is_open[i] and ok[i]]
            fit = [i for i in order if left[i] >= need * (1 - 1e-12)]
            if fit:
                x[fit[0], j], left[fit[0]] = 1.0, left[fit[0]] - need
                break
            room = sum(left[i] for i in order)
            if not terms.single_sourcing and room >= need * (1 - 1e-12):
                share_left = 1.0
                for i in order:
                    take = min(share_left, left[i] / need)
                    if take <= 0:
                        continue
                    x[i, j] += take
                    left[i] -= take * need
                    share_left -= take
                    if share_left <= 1e-12:
                        break
                break
            closed = [
                i
                for i in np.argsort(score[:, j] + wc * terms.fixed, kind="stable")
                if usable[i] and not is_open[i] and ok[i] and terms.capacity[i] >= need
            ]
            if not closed:
                return None, f"no depot has room for site {terms.sites[j]!r}"
            before = is_open.copy()
            open_depot(int(closed[0]))
            left[is_open & ~before] = terms.capacity[is_open & ~before]
        else:
            return None, f"no depot has room for site {terms.sites[j]!r}"
    dec = PlacementDecision(is_open.astype(float), x)
    kpis = evaluate_decision(terms, dec)
    if terms.max_cost is not None and kpis.cost > terms.max_cost * (1 + 1e-9):
        return None, f"its cost {kpis.cost:,.0f} exceeds max_cost {terms.max_cost:,.0f}"
    if terms.max_value is not None and kpis.value > terms.max_value * (1 + 1e-9):
        return None, (
            f"its customer downtime {kpis.value:,.0f} exceeds max_value {terms.max_value:,.0f}"
        )
    if terms.min_share_within is not None and demand > 0:
        share = float((terms.within_ij * x).sum()) / demand
        if share + 1e-9 < terms.min_share_within:
            return None, (
                f"it serves {share:.1%} of demand within {terms.within_hours:g} h, below "
                f"{terms.min_share_within:.1%}"
            )
    return dec, ""


def candidate_arcs(
    terms: PlacementTerms, wc: float, wv: float, max_arcs: float, keep: np.ndarray | None
) -> tuple[np.ndarray | None, int]:
    """The depot-site pairs the MILP may use: all of them when they fit ``max_arcs``, else
    each site's ``k`` cheapest depots (by :func:`_scores`) plus the arcs of ``keep`` (the
    greedy plan, so that it stays a feasible start). Returns (mask or None, k)."""
    active = terms.total_demand > 0
    usable = np.array([d not in terms.forced_closed for d in terms.depots], dtype=bool)
    n_full = int(usable.sum()) * int(active.sum())
    if n_full <= max_arcs:
        return None, int(usable.sum())
    k = int(max_arcs // max(int(active.sum()), 1))
    if k < 1:
        return np.zeros((len(terms.depots), len(terms.sites)), dtype=bool), 0
    score = _scores(terms, wc, wv)
    order = np.argsort(score, axis=0, kind="stable")[:k]
    allowed = np.zeros(score.shape, dtype=bool)
    allowed[order, np.arange(score.shape[1])[None, :]] = True
    allowed &= np.isfinite(score)
    if keep is not None:
        allowed |= keep > 0
    return allowed, k


def initial_breakpoints(
    terms: PlacementTerms, segments: int = PWL_SEGMENTS
) -> dict[tuple[int, int], list[float]]:
    """Breakpoints of the safety-stock chords, per (depot index, family index), before any plan.

    Pooled variance V of family p ranges over [0, Vmax_p], Vmax_p the sum of every site's
    sigma^2 (one depot serving all). Breakpoints are 0 and Vmax_p * PWL_RATIO ** -k for
    k = ``segments`` - 1 down to 0: ``segments`` chords, denser towards 0. Only depot-family
    pairs with safety stock to price (``ss_coef`` > 0) and Vmax_p > 0 get an entry; an empty
    result means the model has no safety stock.
    """
    out = {}
    vmax = terms.sigma2.sum(axis=0)
    for i, p in zip(*np.nonzero(terms.ss_coef > 0), strict=True):
        if vmax[p] > 0:
            out[int(i), int(p)] = [0.0] + [
                float(vmax[p]) * PWL_RATIO ** -(segments - k) for k in range(1, segments + 1)
            ]
    return out


#: Breakpoints around a plan's pooled variance V: chords between them underestimate sqrt by
#: at most 0.06% within [0.9 V, 1.1 V], where the optimum usually is, and stay valid (never
#: overestimating) everywhere else.
FOCUS = (1 / 16, 1 / 4, 1 / 2, 0.8, 0.9, 1.0, 1.1, 1.25, 2.0, 4.0)


def focused_breakpoints(
    terms: PlacementTerms, dec: PlacementDecision
) -> dict[tuple[int, int], list[float]]:
    """Few breakpoints, dense around the variances of a good plan (the tangent descent's)."""
    vmax = terms.sigma2.sum(axis=0)
    variance = dec.x @ terms.sigma2
    out = {}
    for i, p in zip(*np.nonzero(terms.ss_coef > 0), strict=True):
        top = float(vmax[p])
        if top <= 0:
            continue
        v = float(variance[i, p])
        if dec.y[i] > 0.5 and v > 0:
            pts = {min(top, v * f) for f in FOCUS} | {top}
        else:
            pts = {top / 64, top / 8, top}
        out[int(i), int(p)] = [0.0, *sorted(pts)]
    return out


def pwl_max_relative_error(ratio: float = PWL_RATIO) -> float:
    """Largest relative underestimate of sqrt by its chord between b and ratio*b (any b > 0)."""
    r = ratio
    # chord c(x) = sqrt(b) + (sqrt(rb)-sqrt(b))/(rb-b)(x-b); error 1 - c/sqrt is scale-free.
    xs = np.linspace(1.0, r, 20001)
    chord = 1 + (math.sqrt(r) - 1) / (r - 1) * (xs - 1)
    return float((1 - chord / np.sqrt(xs)).max())


def solve_placement(
    network: ServiceNetwork,
    options: PlacementOptions | None = None,
    params: SolveParams | None = None,
    *,
    plan: Plan | None = None,
    refine_rounds: int = 4,
) -> Result:
    r"""Choose open depots, assignments and stock to minimise cost, customer downtime or both.

    Formulation (I depots, J sites, P part families; see
    :mod:`servopt.optimizer.placement.terms` for every coefficient):

    .. math::

        \min\; & w_c \Big(\sum_i f_i y_i + \sum_{ij} c_{ij} x_{ij}
                 + \sum_{ip} s_{ip} \sqrt{V_{ip}}\Big) + w_v \sum_{ij} g_{ij} x_{ij} \\
        \text{s.t.}\; & \sum_i x_{ij} = 1 \quad \forall j \text{ with demand}   && (1)\\
            & \sum_j D_j x_{ij} \le Q_i y_i \quad \forall i                      && (2)\\
            & x_{ij} \le y_i                                                     && (3)\\
            & V_{ip} = \sum_j \sigma^2_{jp} x_{ij}                               && (4)\\
            & \sum_i w_{ij} x_{ij} \le W_j \quad \text{(max expected wait)}      && (5)\\
            & \sum_{ij} t_{ij} x_{ij} \ge s \sum_j D_j \quad \text{(share within T)} && (6)\\
            & \text{cost} \le C_{\max},\; \text{value} \le V_{\max}
              \quad \text{(caps)}                                                && (7)\\
            & y_i \le y_{o(i)} \quad \text{(replenishing depot open)}           && (8)\\
            & y_i \in \{0,1\} \text{ (fixed if forced)},\; x_{ij} \in [0,1]
              \text{ or } \{0,1\} \text{ (single sourcing)}

    f: fixed cost; c: outbound, replenishment, expediting and cycle-holding cost of serving all
    of j from i; s_ip sqrt(V_ip): safety-stock holding (h_p z_p sqrt(L_i V_ip)); g: customer
    downtime cost; w: expected wait; t: demand served from stock within T hours. With stock,
    expediting and service off (:meth:`PlacementOptions.cflp`) this is exactly the classic
    capacitated facility location problem (Beasley's OR-Library ``cap`` set), with the strong
    linking constraints (3).

    The square root is concave and minimised; three steps handle it:

    1. *Tangent descent* (a good plan fast): replace sqrt(V) by its tangent at the current
       plan's pooled variance, solve the linear MILP, repeat until the plan repeats. Tangents
       never underestimate a concave function, so the exact cost never rises from one step to
       the next.
    2. *Envelope bound*: replace sqrt(V) by its convex envelope on [0, Vmax], the chord from 0;
       this MILP's dual bound is a valid lower bound on the exact optimum.
    3. *Chords*: a piecewise-linear MILP with one binary per segment, per depot and family, with
       breakpoints dense around the descent's plan (chords between 0.9 V and 1.1 V underestimate
       by at most 0.13%, :func:`pwl_max_relative_error`), warm-started with that plan; its
       dual bound is valid too (chords never overestimate). Breakpoints are added at each new
       plan's variances while time and ``refine_rounds`` allow.

    At scale, the classic CFLP with split demand (at least :data:`LAGRANGE_ABOVE` depot-site
    pairs) is solved by the Lagrangian relaxation of (1) instead
    (:mod:`servopt.optimizer.placement.lagrange`): its bound, plans priced by the
    transportation problem, local search, reduced-cost fixing, then the MILP on the depots left
    undecided, warm-started; the reported bound is the Lagrangian one, or the MILP's when that
    MILP covers every assignment of the undecided depots. No MILP gets more than
    :data:`MAX_ARCS` assignments (x_ij); above that each site keeps its cheapest depots.

    Every plan is priced exactly by the evaluator; the best is returned, with the best valid
    bound. The status is ``optimal`` only when that gap is within ``params.mip_gap``.

    Objectives (``options.objective``): ``cost`` (w_c = 1, w_v = 0); ``value`` (customer
    downtime: minimised first, then cost at that downtime); ``weighted`` (w_c = 1, w_v =
    ``options.value_weight``). ``options.max_cost`` and ``options.max_value`` are constraints (7).
    ``plan``: a proposal whose ``open_depots`` fix the depot set (those open, every other
    closed); the solve then chooses assignments and stock for it.

    Returns a :class:`Result` whose ``objective`` holds the exact ``cost`` and ``value`` of the
    plan (and ``weighted``), ``bound`` and ``gap`` on the optimised objective, and ``kpis`` from
    :func:`servopt.optimizer.placement.evaluate.evaluate_placement`. Infeasible inputs return status
    ``infeasible`` with the reasons in ``diagnostics``; a time limit returns the best plan as
    ``feasible`` with its gap, or ``no_solution``.
    """
    options = options or PlacementOptions()
    if plan is not None and plan.open_depots is not None:
        chosen = set(plan.open_depots)
        options = dataclasses.replace(
            options,
            force_open=options.force_open | chosen,
            force_closed=options.force_closed
            | {d.id for d in network.depots if d.id not in chosen},
        )
    r = _solve(network, options, params or SolveParams(), refine_rounds)
    return dataclasses.replace(
        r,
        decision="placement",
        units=Units.of(network),
        options=options,
        diagnostics=r.diagnostics + unused_inputs(network, "placement", READS),
    )


def _solve(
    network: ServiceNetwork, options: PlacementOptions, params: SolveParams, refine_rounds: int
) -> Result:
    from servopt.optimizer.placement.milp import solve_placement_milp

    start = time.perf_counter()
    objective, value_weight = options.objective, options.value_weight
    terms = build_terms(network, options)
    stages = {"model terms": time.perf_counter() - start}
    reasons = presolve_problems(terms)
    if reasons:
        return Result(
            Status.INFEASIBLE,
            time.perf_counter() - start,
            diagnostics=tuple(reasons),
            params=params,
            solver=params.solver,
        )

    # Cost is always optimised; "weighted" adds the downtime, "value" caps it at its minimum.
    wc, wv = 1.0, (value_weight if objective is Objective.WEIGHTED else 0.0)
    if len(terms.depots) * int((terms.total_demand > 0).sum()) >= LAGRANGE_ABOVE:
        from servopt.optimizer.placement.lagrange import classic_cflp

        cflp = classic_cflp(terms)
        if cflp is not None:
            return _solve_classic(network, options, params, terms, cflp, start, stages)
    # The hard stop for every solver process: the limit less a little for the result.
    deadline = start + params.time_limit_s * 0.97 - 0.1
    stage = "the greedy plan"
    greedy, greedy_why = greedy_placement(
        terms,
        0.0 if objective is Objective.VALUE else wc,
        1.0 if objective is Objective.VALUE else wv,
    )
    greedy_best: tuple[float, PlacementDecision, PlacementKpis, Any] | None = None
    if greedy is not None:
        g_kpis = evaluate_decision(terms, greedy)
        greedy_best = (g_kpis.cost + wv * g_kpis.value, greedy, g_kpis, None)
    floor = trivial_bound(terms, wc, wv)
    stages["greedy plan and bound"] = time.perf_counter() - start - stages["model terms"]

    clock = _Clock(params, start, 0.0)
    # The largest model whose building, writing and reading fit a share of the time left.
    max_arcs = min(MODEL_SHARE * clock.remaining() / SECONDS_PER_ARC, MAX_ARCS)
    if initial_breakpoints(terms):
        max_arcs = min(max_arcs, max(STOCK_ARCS, STOCK_ARCS_PER_S * clock.remaining()))
    allowed, per_site = candidate_arcs(
        terms, wc, wv, max_arcs, greedy.x if greedy is not None else None
    )
    restricted = allowed is not None
    n_active = int((terms.total_demand > 0).sum())
    n_arcs = int(allowed.sum()) if allowed is not None else per_site * n_active
    clock.overhead = 0.1 + SECONDS_PER_ARC * n_arcs
    remaining, sub_params = clock.remaining, clock.params
    diagnostics: list[str] = []
    log.info(
        "greedy %s; %d arcs (%s)",
        "none" if greedy_best is None else f"{greedy_best[0]:.6g}",
        n_arcs,
        f"{per_site} cheapest depots per site" if restricted else "all",
    )

    def fallback(stage: str, milp: Any = None) -> Result:
        return _fallback(
            terms,
            network,
            greedy_best,
            greedy_why,
            start,
            params,
            options,
            floor,
            stage,
            diagnostics,
            milp,
        )

    if restricted and per_site < 2:
        stage = "sizing the model: too little time to build even two candidate depots per site"
        return fallback(stage)
    if restricted:
        diagnostics.append(
            f"to fit the time limit, each site may use only its {per_site} cheapest depots "
            f"({n_arcs:,} of {len(terms.depots) * n_active:,} assignments); the bound is a "
            "closed-form lower bound over all assignments"
        )
    milp_kw: dict[str, Any] = {"allowed": allowed, "deadline": deadline}

    value_cap = None
    last = None
    if objective is Objective.VALUE:
        stage = "the least-downtime solve"
        first = clock.note(
            solve_placement_milp(
                terms,
                {},
                sub_params(),
                cost_weight=0.0,
                value_weight=1.0,
                start=(greedy.y, greedy.x) if greedy is not None else None,
                **milp_kw,
            )
        )
        last = first
        if not first.milp.status.has_plan or first.model_value is None:
            return fallback(stage, first.milp)
        value_cap = first.model_value * (1 + 1e-7) + 1e-6
        diagnostics.append(
            f"least customer downtime {first.model_value:,.2f} "
            f"({first.milp.status.value}); cost minimised at that downtime"
        )
        if greedy_best is not None and greedy_best[2].value > value_cap:
            greedy_best = None  # not a plan at the least downtime
            greedy_why = "it does not reach the least downtime"

    breakpoints = initial_breakpoints(terms)
    best: tuple[float, PlacementDecision, PlacementKpis, Any] | None = None
    bound = -math.inf
    if breakpoints and remaining() > 0.5:
        stage = "the tangent descent"
        # Restricted (a tight limit): the descent may take all the time, and the envelope
        # bound, a bound on the restricted problem only, is skipped.
        until = 1.0 if restricted else 0.5
        best = _descend(
            terms,
            lambda: sub_params(until),
            wc,
            wv,
            value_cap,
            lambda: sub_params(until).time_limit_s,
            note=clock.note,
            initial=(greedy.y, greedy.x) if greedy_best is not None and greedy else None,
            milp_kw=milp_kw,
        )
        if best is not None and remaining() > 0.5 and not restricted:
            stage = "the envelope bound"
            breakpoints = focused_breakpoints(terms, best[1])
            # A valid bound fast: sqrt replaced by its convex envelope on [0, Vmax], the chord.
            per_arc = _envelope_per_arc(terms)
            env = clock.note(
                solve_placement_milp(
                    terms,
                    {},
                    sub_params(0.75),
                    cost_weight=wc,
                    value_weight=wv,
                    value_cap=value_cap,
                    linear_ss=(np.zeros(len(terms.depots)), per_arc),
                    start=(best[1].y, best[1].x),
                    **milp_kw,
                )
            )
            last = env
            if env.milp.bound is not None:
                bound = env.milp.bound
            if env.x is not None and env.y is not None:
                env_dec = PlacementDecision(env.y, env.x)
                env_kpis = evaluate_decision(terms, env_dec)
                env_exact = env_kpis.cost + wv * env_kpis.value
                if env_exact < best[0] - 1e-9:
                    best = (env_exact, env_dec, env_kpis, env)
            log.info("envelope bound %.6g (%s)", bound, env.milp.status.value)
    rounds = 0
    while remaining() > 0.5 or (best is None and greedy_best is None and rounds == 0):
        rounds += 1
        stage = "the chord refinement" if breakpoints else "the MILP"
        # (No restricted start here: measured on 100 x 1,000 it cost more than it saved.)
        if best is not None:
            start_from: tuple[np.ndarray, np.ndarray] | None = (best[1].y, best[1].x)
        elif greedy_best is not None:
            start_from = (greedy_best[1].y, greedy_best[1].x)
        else:
            start_from = None
        out = clock.note(
            solve_placement_milp(
                terms,
                breakpoints,
                sub_params(),
                cost_weight=wc,
                value_weight=wv,
                value_cap=value_cap,
                start=start_from,
                **milp_kw,
            )
        )
        last = out
        if not out.milp.status.has_plan or out.x is None or out.y is None:
            break
        if out.milp.bound is not None:
            bound = max(bound, out.milp.bound)
        dec = PlacementDecision(out.y, out.x)
        kpis = evaluate_decision(terms, dec)
        exact = kpis.cost + wv * kpis.value
        if best is None or exact < best[0] - 1e-9:
            best = (exact, dec, kpis, out)
        model_obj = out.milp.objective if out.milp.objective is not None else exact
        approx_left = (exact - model_obj) / max(abs(exact), 1e-9)
        log.info(
            "round %d: %s exact %.6g model %.6g bound %.6g",
            rounds,
            out.milp.status.value,
            exact,
            model_obj,
            bound,
        )
        gap_now = (best[0] - max(bound, floor)) / max(abs(best[0]), 1e-10)
        if not breakpoints or (gap_now <= params.mip_gap and not restricted):
            break
        if out.milp.status is Status.OPTIMAL and approx_left <= params.mip_gap:
            break  # the chords are exact at this plan: nothing left to refine
        if rounds >= refine_rounds:
            break
        _refine(breakpoints, terms, dec)
    if best is None:
        if last is not None and last.milp.status is Status.INFEASIBLE and restricted:
            last = None  # the restriction, not the problem: say what stage was reached
        return fallback(stage, last.milp if last is not None else None)

    exact, dec, kpis, out = best
    from_greedy = greedy_best is not None and greedy_best[0] < exact - 1e-9
    if from_greedy:
        assert greedy_best is not None
        exact, dec, kpis = greedy_best[0], greedy_best[1], greedy_best[2]
    # A restricted model's MILP bound is a bound on the restricted problem only: drop it.
    if restricted:
        bound = floor
    elif math.isfinite(floor):
        bound = max(bound, floor)
    gap = max(0.0, (exact - bound) / max(abs(exact), 1e-10)) if math.isfinite(bound) else None
    # The bound is valid whichever MILP gave it (chords and the envelope never overestimate),
    # so a plan within the requested gap of it is proven optimal.
    if not breakpoints and not restricted and not from_greedy:
        # no approximation: the MILP's own verdict stands
        status = Status.OPTIMAL if out.milp.status is Status.OPTIMAL else Status.FEASIBLE
    else:  # HiGHS prints the bound to 12 significant digits: allow for that
        proven = gap is not None and gap <= params.mip_gap * 1.001 + 1e-9
        status = Status.OPTIMAL if proven else Status.FEASIBLE
    if status is Status.FEASIBLE:
        if restricted:
            why = "candidate assignments restricted to fit the time limit"
        elif remaining() <= 0.5:
            why = "time limit reached"
        else:
            why = "refinement rounds used up"
        diagnostics.append(
            f"{why}: best plan found, optimality not proven"
            + (f" (gap {gap:.3%} to the bound)" if gap is not None else "")
        )
    if from_greedy:
        diagnostics.append("the greedy plan priced lower than every MILP plan and is returned")
    model = {
        **out.size,
        "rounds": rounds,
        "model_objective": out.milp.objective,
        "optimised": "weighted" if objective is Objective.WEIGHTED else "cost",
        "candidate_depots_per_site": per_site if restricted else None,
        "plan_from": "greedy" if from_greedy else "milp",
    }
    stages_s = {
        **{k: round(v, 3) for k, v in stages.items()},
        "milp building and reading back": round(clock.built, 3),
        "milp file writing and HiGHS": round(clock.solved, 3),
    }
    return Result(
        status=status,
        runtime_s=time.perf_counter() - start,
        objective=objective_values(options, kpis.cost, kpis.value),
        bound=bound if math.isfinite(bound) else None,
        gap=gap,
        plan=placement_plan(terms, dec, name=f"{network.name}-placement-{objective.value}"),
        kpis=dataclasses.replace(kpis, model=model, stages_s=stages_s),
        diagnostics=tuple(diagnostics),
        params=params,
        solver=out.milp.solver,
    )


#: The classic CFLP form (:func:`servopt.optimizer.placement.lagrange.classic_cflp`) from this
#: many depot-site pairs on goes to the Lagrangian search and a MILP on the depots it leaves
#: undecided; below, the MILP on the whole model (the OR-Library cap set, 16-50 x 50, solves in
#: under a second) is faster. Measured at 60 s, the two paths back to back on the same shared
#: machine: few depots open (1,000 x 100), proven within 0.01% in 2-7 s against plans up to
#: 11.6% above the optimum; capacity tight (1.15 x demand, 1,000 x 100, where fixing leaves
#: 90 of 100 depots to the MILP), proven within 0.1% twice against 0.28% and 0.099%
#: unproven; 5,000 x 200 at 1.15 x demand, 3.4% against 12.2%.
LAGRANGE_ABOVE = 20_000
#: Share of the time limit the Lagrangian search may take before the MILP gets the rest.
LAGRANGE_SHARE = 0.4


def _solve_classic(
    network: ServiceNetwork,
    options: PlacementOptions,
    params: SolveParams,
    terms: PlacementTerms,
    cflp: Any,
    start: float,
    stages: dict[str, float],
) -> Result:
    """The classic CFLP at scale: Lagrangian bound and plans, reduced-cost fixing, then the
    MILP on the undecided depots (:mod:`servopt.optimizer.placement.lagrange`).

    The bound is the Lagrangian one, raised by the MILP's own bound when that MILP covers
    every assignment of the depots left undecided (its bound then holds for the whole
    problem: every plan fixing left out costs more than the incumbent it was fixed against).
    """
    from servopt.optimizer.placement.lagrange import lagrangian_search
    from servopt.optimizer.placement.milp import solve_placement_milp

    limit = params.time_limit_s * 0.95 - 0.3
    deadline = start + limit
    t0 = time.perf_counter()
    search = lagrangian_search(cflp, start + LAGRANGE_SHARE * limit, params.mip_gap)
    stages["lagrangian search"] = time.perf_counter() - t0
    n_i, n_j = len(terms.depots), len(terms.sites)
    diagnostics: list[str] = []

    def full(x_active: np.ndarray) -> np.ndarray:
        x = np.zeros((n_i, n_j))
        x[:, cflp.sites] = x_active
        return x

    if search.best_open is None or search.best_x is None:
        return Result(
            Status.NO_SOLUTION,
            time.perf_counter() - start,
            diagnostics=(
                f"no plan found within the time limit of {params.time_limit_s:g} s: the "
                "Lagrangian search priced no depot set",
            ),
            params=params,
            solver="lagrangian",
        )
    best = PlacementDecision(search.best_open.astype(float), full(search.best_x))
    best_kpis = evaluate_decision(terms, best)
    bound = search.lb
    ub_fixed = search.ub
    t0 = time.perf_counter()
    fix_open, fix_closed = search.fix()
    stages["reduced-cost fixing"] = time.perf_counter() - t0
    undecided = int((~fix_open & ~fix_closed).sum())
    milp_info: dict[str, Any] = {"ran": False}
    plan_from = "lagrangian heuristic"
    solver = "lagrangian + min-cost flow"
    gap = (best_kpis.cost - bound) / max(abs(best_kpis.cost), 1e-10)
    if gap > params.mip_gap and undecided > 0 and deadline - time.perf_counter() > 1.0:
        reduced = dataclasses.replace(
            terms,
            forced_open=terms.forced_open | {terms.depots[i] for i in np.flatnonzero(fix_open)},
            forced_closed=terms.forced_closed
            | {terms.depots[i] for i in np.flatnonzero(fix_closed)},
        )
        left = deadline - time.perf_counter()
        max_arcs = min(MODEL_SHARE * left / SECONDS_PER_ARC, MAX_ARCS)
        allowed, per_site = candidate_arcs(reduced, 1.0, 0.0, max_arcs, best.x)
        n_arcs = int(allowed.sum()) if allowed is not None else per_site * len(cflp.sites)
        overhead = 0.1 + SECONDS_PER_ARC * n_arcs
        milp_params = dataclasses.replace(params, time_limit_s=max(0.05, left - overhead))
        t0 = time.perf_counter()
        out = solve_placement_milp(
            reduced,
            {},
            milp_params,
            cost_weight=1.0,
            value_weight=0.0,
            start=(best.y, best.x),
            allowed=allowed,
            deadline=start + params.time_limit_s * 0.97 - 0.1,
        )
        stages["milp on the undecided depots"] = time.perf_counter() - t0
        solver = f"lagrangian + min-cost flow + {out.milp.solver}"
        milp_info = {
            "ran": True,
            "status": out.milp.status.value,
            "arcs": n_arcs,
            "candidate_depots_per_site": per_site if allowed is not None else None,
            "bound": out.milp.bound,
        }
        if out.milp.status.has_plan and out.x is not None and out.y is not None:
            dec = PlacementDecision(out.y, out.x)
            kpis = evaluate_decision(terms, dec)
            if kpis.cost < best_kpis.cost - 1e-9 * max(abs(best_kpis.cost), 1.0):
                best, best_kpis, plan_from = dec, kpis, "milp"
        milp_bound = out.milp.bound
        if out.milp.status is Status.OPTIMAL and milp_bound is None:
            milp_bound = out.milp.objective
        if allowed is None and milp_bound is not None:
            bound = max(bound, min(milp_bound, ub_fixed))
        elif allowed is not None:
            diagnostics.append(
                f"the MILP on the undecided depots limited each site to its {per_site} "
                "cheapest depots to fit the time limit; its bound is not used"
            )
    cost = best_kpis.cost
    bound = min(bound, cost)
    gap = max(0.0, (cost - bound) / max(abs(cost), 1e-10))
    proven = gap <= params.mip_gap * 1.001 + 1e-9
    if not proven:
        diagnostics.append(
            f"time limit reached: best plan found, optimality not proven (gap {gap:.3%} to "
            "the Lagrangian bound)"
        )
    model = {
        "method": "lagrangian",
        "subgradient_steps": search.steps,
        "depot_sets_priced": len(search.priced),
        "lagrangian_bound": search.lb,
        "fixed_open": int(fix_open.sum()),
        "fixed_closed": int(fix_closed.sum()),
        "undecided": undecided,
        "milp": milp_info,
        "optimised": "cost",
        "model_objective": cost,
        "plan_from": plan_from,
    }
    return Result(
        status=Status.OPTIMAL if proven else Status.FEASIBLE,
        runtime_s=time.perf_counter() - start,
        objective=objective_values(options, best_kpis.cost, best_kpis.value),
        bound=bound,
        gap=gap,
        plan=placement_plan(
            terms, best, name=f"{network.name}-placement-{options.objective.value}"
        ),
        kpis=dataclasses.replace(
            best_kpis, model=model, stages_s={k: round(v, 3) for k, v in stages.items()}
        ),
        diagnostics=tuple(diagnostics),
        params=params,
        solver=solver,
    )


def _fallback(
    terms: PlacementTerms,
    network: ServiceNetwork,
    greedy_best: tuple[float, PlacementDecision, PlacementKpis, Any] | None,
    greedy_why: str,
    start: float,
    params: SolveParams,
    options: PlacementOptions,
    floor: float,
    stage: str,
    diagnostics: list[str],
    milp: Any = None,
) -> Result:
    """No MILP plan: the solver's error or infeasibility when it said so; otherwise (the time
    limit) the greedy plan flagged as the fallback heuristic, or no plan with the stage the
    solve reached."""
    if milp is not None and milp.status in (Status.ERROR, Status.INFEASIBLE):
        return _no_plan(terms, milp, start, params, diagnostics)
    said = [milp.message] if milp is not None and milp.message else []
    if greedy_best is None:
        return Result(
            Status.NO_SOLUTION,
            time.perf_counter() - start,
            diagnostics=(
                *diagnostics,
                f"no plan within the time limit of {params.time_limit_s:g} s: the solve "
                f"reached {stage}",
                *said,
                f"no fallback plan: the greedy heuristic found none ({greedy_why})",
            ),
            params=params,
            solver=params.solver,
        )
    exact, dec, kpis, _ = greedy_best
    gap = max(0.0, (exact - floor) / max(abs(exact), 1e-10)) if math.isfinite(floor) else None
    kpis = dataclasses.replace(
        kpis, fallback="greedy placement (no MILP plan within the time limit)"
    )
    return Result(
        Status.FEASIBLE,
        time.perf_counter() - start,
        objective=objective_values(options, kpis.cost, kpis.value),
        bound=floor if math.isfinite(floor) else None,
        gap=gap,
        plan=placement_plan(terms, dec, name=f"{network.name}-placement-greedy"),
        kpis=kpis,
        diagnostics=(
            *diagnostics,
            f"fallback heuristic: the greedy placement, because no MILP plan was found within "
            f"the time limit of {params.time_limit_s:g} s (the solve reached {stage})",
            *said,
            "the gap is to a closed-form lower bound; optimality not proven",
        ),
        params=params,
        solver="greedy (fallback heuristic)",
    )


#: Above this many depot-site pairs, the first tangent-descent step starts from a restricted
#: model (each site may only use its ``RESTRICT_K`` cheapest depots), solved first and handed to
#: the full model as a starting incumbent.
RESTRICT_ABOVE = 20_000
RESTRICT_K = 10


def quick_start(
    terms: PlacementTerms,
    params: SolveParams,
    wc: float,
    wv: float,
    value_cap: float | None,
    linear_ss: tuple[np.ndarray, np.ndarray] | None = None,
    note: Any = lambda outcome: outcome,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A plan from the restricted model, or None (small model, or no plan found)."""
    from servopt.optimizer.placement.milp import solve_placement_milp

    n_i, n_j = len(terms.depots), len(terms.sites)
    if n_i * n_j < RESTRICT_ABOVE or n_i <= RESTRICT_K:
        return None
    score = wc * terms.cost_ij + wv * terms.downtime_ij
    if linear_ss is not None:
        score = score + wc * linear_ss[1]
    score = (
        score
        + np.where(np.array([d in terms.forced_closed for d in terms.depots]), np.inf, 0.0)[:, None]
    )
    order = np.argsort(score, axis=0)[:RESTRICT_K]  # (K, J) best depots per site
    allowed = np.zeros((n_i, n_j), dtype=bool)
    allowed[order, np.arange(n_j)[None, :]] = True
    out = note(
        solve_placement_milp(
            terms,
            {},
            params,
            cost_weight=wc,
            value_weight=wv,
            value_cap=value_cap,
            linear_ss=linear_ss,
            allowed=allowed,
        )
    )
    log.info("restricted start: %s %s", out.milp.status.value, out.milp.objective)
    if out.milp.status.has_plan and out.y is not None and out.x is not None:
        return out.y, out.x
    return None


def _descend(
    terms: PlacementTerms,
    sub_params: Any,
    wc: float,
    wv: float,
    value_cap: float | None,
    remaining: Any,
    max_steps: int = 8,
    note: Any = lambda outcome: outcome,
    initial: tuple[np.ndarray, np.ndarray] | None = None,
    milp_kw: dict[str, Any] | None = None,
) -> tuple[float, PlacementDecision, PlacementKpis, Any] | None:
    """A good first plan fast: replace each sqrt by its tangent at the current plan's pooled
    variance (a linear MILP, no binaries for the square root) and repeat. A tangent never
    underestimates a concave function, so each step's exact cost is at most the previous one's;
    it stops when the plan repeats. ``initial`` (a greedy plan) is the first step's start;
    without it, a restricted model gives one (:func:`quick_start`)."""
    from servopt.optimizer.placement.milp import solve_placement_milp

    milp_kw = milp_kw or {}

    vmax = terms.sigma2.sum(axis=0)
    variance = np.broadcast_to(vmax, terms.ss_coef.shape)  # start: tangent at full pooling
    best = None
    seen: set[bytes] = set()
    for _ in range(max_steps):
        if remaining() <= 0.5:
            break
        v = np.maximum(variance, 1e-12)
        slope = 0.5 / np.sqrt(v)  # d sqrt(V) / dV
        icpt = np.sqrt(v) - slope * v
        per_depot = (terms.ss_coef * icpt).sum(axis=1)
        per_arc = (terms.ss_coef * slope) @ terms.sigma2.T  # (I, J)
        linear = (per_depot, per_arc)
        if best is not None:
            first: tuple[np.ndarray, np.ndarray] | None = (best[1].y, best[1].x)
        elif initial is not None:
            first = initial
        elif milp_kw.get("allowed") is None:
            first = quick_start(terms, sub_params(), wc, wv, value_cap, linear, note)
        else:
            first = None
        out = note(
            solve_placement_milp(
                terms,
                {},
                sub_params(),
                cost_weight=wc,
                value_weight=wv,
                value_cap=value_cap,
                linear_ss=linear,
                start=first,
                **milp_kw,
            )
        )
        if not out.milp.status.has_plan or out.x is None or out.y is None:
            break
        dec = PlacementDecision(out.y, out.x)
        kpis = evaluate_decision(terms, dec)
        exact = kpis.cost + wv * kpis.value
        log.info("tangent step: exact %.6g", exact)
        if best is None or exact < best[0] - 1e-9:
            best = (exact, dec, kpis, out)
        key = np.round(out.x, 6).tobytes()
        if key in seen:
            break
        seen.add(key)
        variance = out.x @ terms.sigma2
    return best


def _refine(
    breakpoints: dict[tuple[int, int], list[float]], terms: PlacementTerms, dec: PlacementDecision
) -> None:
    """Add each open depot's pooled variance as a breakpoint: the chord is exact there."""
    variance = dec.x @ terms.sigma2
    for (i, p), bps in breakpoints.items():
        v = float(variance[i, p])
        if dec.y[i] > 0.5 and v > 0 and all(abs(v - b) > 1e-9 * max(v, 1.0) for b in bps):
            bps.append(v)
            bps.sort()


def _no_plan(
    terms: PlacementTerms, milp: Any, start: float, params: SolveParams, diagnostics: list[str]
) -> Result:
    status = milp.status
    if status is Status.INFEASIBLE:
        deadline = start + params.time_limit_s * 0.97 - 0.1
        diagnostics = [*diagnostics, *_explain_infeasible(terms, params, deadline)]
    elif status is Status.NO_SOLUTION:
        diagnostics = [
            *diagnostics,
            f"no plan found within the time limit of {params.time_limit_s:g} s",
        ]
    if milp.message and status is not Status.INFEASIBLE:
        diagnostics = [*diagnostics, milp.message]
    return Result(
        status,
        time.perf_counter() - start,
        diagnostics=tuple(diagnostics),
        params=params,
        solver=params.solver,
    )


def _explain_infeasible(
    terms: PlacementTerms, params: SolveParams, deadline: float | None = None
) -> list[str]:
    """Name the constraint families whose removal makes the problem feasible (as many as
    the time left before ``deadline`` allows testing)."""
    from servopt.optimizer.placement.milp import solve_placement_milp

    families: dict[str, tuple[bool, dict[str, Any]]] = {
        "the maximum expected wait": (
            bool(np.isfinite(terms.site_max_wait).any()),
            {"site_max_wait": np.full(len(terms.sites), np.inf)},
        ),
        "the share of demand within the time target": (
            terms.min_share_within is not None,
            {"min_share_within": None},
        ),
        "the cost cap (max_cost)": (terms.max_cost is not None, {"max_cost": None}),
        "the customer-downtime cap (max_value)": (
            terms.max_value is not None,
            {"max_value": None},
        ),
        "single sourcing": (terms.single_sourcing, {"single_sourcing": False}),
    }
    found = []
    n_arcs = int((terms.total_demand > 0).sum()) * len(terms.depots)
    untested = []
    for name, (active, change) in families.items():
        if not active:
            continue
        left = 10.0 if deadline is None else deadline - time.perf_counter()
        left -= SECONDS_PER_ARC * n_arcs
        if left < 0.05:
            untested.append(name)
            continue
        quick = dataclasses.replace(params, time_limit_s=min(10.0, params.time_limit_s, left))
        relaxed = dataclasses.replace(terms, **change)
        out = solve_placement_milp(
            relaxed, {}, quick, cost_weight=1.0, value_weight=0.0, deadline=deadline
        )
        if out.milp.status.has_plan:
            found.append(f"infeasible because of {name}: without it a plan exists")
    if untested:
        found.append(
            "the time limit left no time to test whether removing "
            + ", ".join(untested)
            + " would make a plan exist"
        )
    return found or [
        "infeasible: no single constraint family explains it (capacity, forced "
        "depots and the other constraints together)"
    ]


def choose_service_level(
    network: ServiceNetwork,
    levels: tuple[float, ...] = (0.8, 0.9, 0.95, 0.98, 0.99),
    options: PlacementOptions | None = None,
    params: SolveParams | None = None,
) -> Result:
    """Stock as a decision: solve at each candidate service level (the time limit shared among
    them) and return the best plan by the optimised objective.

    Higher levels hold more safety stock but expedite less and make customers wait less; the
    diagnostics list every level's figures so the trade-off is visible.
    """
    options = options or PlacementOptions()
    params = params or SolveParams()
    if not levels:
        from servopt.models.errors import BadInputError

        raise BadInputError("levels: give at least one candidate service level")
    share = dataclasses.replace(params, time_limit_s=params.time_limit_s / len(levels))
    results = []
    for level in levels:
        r = solve_placement(network, dataclasses.replace(options, service_level=level), share)
        results.append((level, r))
    found = [(lv, r) for lv, r in results if r.status.has_plan]
    notes = tuple(
        f"service level {lv:g}: {r.status.value}"
        + (
            f", cost {r.objective['cost']:,.2f}, downtime {r.objective['value']:,.2f}"
            if r.status.has_plan
            else ""
        )
        for lv, r in results
    )
    if not found:
        last = results[-1][1]
        return dataclasses.replace(last, diagnostics=last.diagnostics + notes)
    level, best = min(
        found, key=lambda t: options.score(t[1].objective["cost"], t[1].objective["value"])
    )
    return dataclasses.replace(
        best,
        kpis=dataclasses.replace(best.kpis, service_level=level),
        diagnostics=best.diagnostics + notes,
        runtime_s=sum(r.runtime_s for _, r in results),
    )
