"""Placement: which depots are open, which depots serve each site, how much stock each holds.

This module holds the solver-independent part (options, pre-solve checks in domain words, the
refinement loop, the result); the MILP itself is built in PuLP by
:mod:`servopt.optimizer.backends.placement_milp`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any

import numpy as np

from servopt.models.network import ServiceNetwork
from servopt.optimizer.evaluate import PlacementDecision, evaluate_decision, placement_plan
from servopt.optimizer.params import Objective, SolveParams
from servopt.optimizer.placement_terms import PlacementOptions, PlacementTerms, build_terms
from servopt.optimizer.result import Result, Status

log = logging.getLogger("servopt.placement")

#: Initial breakpoints per depot and family: 0 and Vmax * 4**-k for k = K-1 .. 0.
PWL_SEGMENTS = 8
PWL_RATIO = 4.0


class _Clock:
    """The solve's time budget. Building a large model in PuLP and reading the answer back take
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
        return outcome


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
    if terms.budget is not None:
        fixed = sum(float(terms.fixed[di[d]]) for d in terms.forced_open if d in di)
        if fixed > terms.budget:
            out.append(
                f"budget {terms.budget:,.0f} is below the fixed cost of the depots "
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


def initial_breakpoints(
    terms: PlacementTerms, segments: int = PWL_SEGMENTS
) -> dict[tuple[int, int], list[float]]:
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
    objective: Objective | str = Objective.COST,
    value_weight: float = 1.0,
    refine_rounds: int = 4,
) -> Result:
    r"""Choose open depots, assignments and stock to minimise cost, customer downtime or both.

    Formulation (I depots, J sites, P part families; see
    :mod:`servopt.optimizer.placement_terms` for every coefficient):

    .. math::

        \min\; & w_c \Big(\sum_i f_i y_i + \sum_{ij} c_{ij} x_{ij}
                 + \sum_{ip} s_{ip} \sqrt{V_{ip}}\Big) + w_v \sum_{ij} g_{ij} x_{ij} \\
        \text{s.t.}\; & \sum_i x_{ij} = 1 \quad \forall j \text{ with demand}   && (1)\\
            & \sum_j D_j x_{ij} \le Q_i y_i \quad \forall i                      && (2)\\
            & x_{ij} \le y_i                                                     && (3)\\
            & V_{ip} = \sum_j \sigma^2_{jp} x_{ij}                               && (4)\\
            & \sum_i w_{ij} x_{ij} \le W_j \quad \text{(max expected wait)}      && (5)\\
            & \sum_{ij} t_{ij} x_{ij} \ge s \sum_j D_j \quad \text{(share within T)} && (6)\\
            & \text{cost} \le B \quad \text{(budget)}                            && (7)\\
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

    Every plan is priced exactly by the evaluator; the best is returned, with the best valid
    bound. The status is ``optimal`` only when that gap is within ``params.mip_gap``.

    Objectives: ``cost`` (w_c = 1, w_v = 0); ``value`` (customer downtime: minimised first, then
    cost at that downtime); ``weighted`` (w_c = 1, w_v = ``value_weight``).

    Returns a :class:`Result` whose ``objective`` holds the exact ``cost`` and ``value`` of the
    plan (and ``weighted``), ``bound`` and ``gap`` on the optimised objective, and ``kpis`` from
    :func:`servopt.optimizer.evaluate.evaluate_placement`. Infeasible inputs return status
    ``infeasible`` with the reasons in ``diagnostics``; a time limit returns the best plan as
    ``feasible`` with its gap, or ``no_solution``.
    """
    from servopt.optimizer.backends.placement_milp import solve_placement_milp

    start = time.perf_counter()
    options = options or PlacementOptions()
    params = params or SolveParams()
    objective = Objective(objective)
    if not (math.isfinite(value_weight) and value_weight >= 0):
        from servopt.models.errors import BadInputError

        raise BadInputError(f"value_weight must be a finite number >= 0, got {value_weight!r}")
    terms = build_terms(network, options)
    reasons = presolve_problems(terms)
    if reasons:
        return Result(
            Status.INFEASIBLE,
            time.perf_counter() - start,
            diagnostics=tuple(reasons),
            params=params,
            solver=params.solver,
        )

    clock = _Clock(params, start, 0.1 + 2e-5 * len(terms.depots) * len(terms.sites))
    remaining, sub_params = clock.remaining, clock.params

    diagnostics: list[str] = []
    value_cap = None
    if objective is Objective.VALUE:
        first = clock.note(
            solve_placement_milp(terms, {}, sub_params(), cost_weight=0.0, value_weight=1.0)
        )
        if not first.milp.status.has_plan or first.model_value is None:
            return _no_plan(terms, first.milp, start, params, diagnostics)
        value_cap = first.model_value * (1 + 1e-7) + 1e-6
        diagnostics.append(
            f"least customer downtime {first.model_value:,.2f} "
            f"({first.milp.status.value}); cost minimised at that downtime"
        )
    # Cost is always optimised; "weighted" adds the downtime, "value" caps it at its minimum.
    wc, wv = 1.0, (value_weight if objective is Objective.WEIGHTED else 0.0)

    breakpoints = initial_breakpoints(terms)
    best: tuple[float, PlacementDecision, dict[str, Any], Any] | None = None
    bound = -math.inf
    last = None
    if breakpoints:
        best = _descend(
            terms,
            lambda: sub_params(0.5),
            wc,
            wv,
            value_cap,
            lambda: sub_params(0.5).time_limit_s,
            note=clock.note,
        )
        if best is not None:
            breakpoints = focused_breakpoints(terms, best[1])
            # A valid bound fast: sqrt replaced by its convex envelope on [0, Vmax], the chord.
            vmax = np.maximum(terms.sigma2.sum(axis=0), 1e-300)
            per_arc = (terms.ss_coef / np.sqrt(vmax)[None, :]) @ terms.sigma2.T
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
                )
            )
            last = env
            if env.milp.bound is not None:
                bound = env.milp.bound
            if env.x is not None and env.y is not None:
                env_dec = PlacementDecision(env.y, env.x)
                env_kpis = evaluate_decision(terms, env_dec)
                env_exact = env_kpis["cost"] + wv * env_kpis["value"]
                if env_exact < best[0] - 1e-9:
                    best = (env_exact, env_dec, env_kpis, env)
            log.info("envelope bound %.6g (%s)", bound, env.milp.status.value)
    rounds = 0
    while remaining() > 0.5 or best is None:
        rounds += 1
        # (No restricted start here: measured on 100 x 1,000 it cost more than it saved.)
        start_from = (best[1].y, best[1].x) if best is not None else None
        out = clock.note(
            solve_placement_milp(
                terms,
                breakpoints,
                sub_params(),
                cost_weight=wc,
                value_weight=wv,
                value_cap=value_cap,
                start=start_from,
            )
        )
        last = out
        if not out.milp.status.has_plan or out.x is None or out.y is None:
            break
        if out.milp.bound is not None:
            bound = max(bound, out.milp.bound)
        dec = PlacementDecision(out.y, out.x)
        kpis = evaluate_decision(terms, dec)
        exact = kpis["cost"] + wv * kpis["value"]
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
        gap_now = (best[0] - bound) / max(abs(best[0]), 1e-10)
        if not breakpoints or gap_now <= params.mip_gap:
            break
        if out.milp.status is Status.OPTIMAL and approx_left <= params.mip_gap:
            break  # the chords are exact at this plan: nothing left to refine
        if rounds >= refine_rounds:
            break
        _refine(breakpoints, terms, dec)
    if best is None:
        assert last is not None
        return _no_plan(terms, last.milp, start, params, diagnostics)

    exact, dec, kpis, out = best
    gap = max(0.0, (exact - bound) / max(abs(exact), 1e-10)) if math.isfinite(bound) else None
    # The bound is valid whichever MILP gave it (chords and the envelope never overestimate),
    # so a plan within the requested gap of it is proven optimal.
    if not breakpoints:  # no approximation: the MILP's own verdict stands
        status = Status.OPTIMAL if out.milp.status is Status.OPTIMAL else Status.FEASIBLE
    else:  # HiGHS prints the bound to 12 significant digits: allow for that
        proven = gap is not None and gap <= params.mip_gap * 1.001 + 1e-9
        status = Status.OPTIMAL if proven else Status.FEASIBLE
    if status is Status.FEASIBLE:
        why = "time limit reached" if remaining() <= 0.5 else "refinement rounds used up"
        diagnostics.append(
            f"{why}: best plan found, optimality not proven"
            + (f" (gap {gap:.3%} to the bound)" if gap is not None else "")
        )
    objective_values = {"cost": kpis["cost"], "value": kpis["value"]}
    if objective is Objective.WEIGHTED:
        objective_values["weighted"] = kpis["cost"] + value_weight * kpis["value"]
    kpis = dict(kpis)
    kpis["model"] = {
        **out.size,
        "rounds": rounds,
        "model_objective": out.milp.objective,
        "optimised": "weighted" if objective is Objective.WEIGHTED else "cost",
    }
    return Result(
        status=status,
        runtime_s=time.perf_counter() - start,
        objective=objective_values,
        bound=bound if math.isfinite(bound) else None,
        gap=gap,
        plan=placement_plan(terms, dec, name=f"{network.name}-placement-{objective.value}"),
        kpis=kpis,
        diagnostics=tuple(diagnostics),
        params=params,
        solver=out.milp.solver,
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
    from servopt.optimizer.backends.placement_milp import solve_placement_milp

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
) -> tuple[float, PlacementDecision, dict[str, Any], Any] | None:
    """A good first plan fast: replace each sqrt by its tangent at the current plan's pooled
    variance (a linear MILP, no binaries for the square root) and repeat. A tangent never
    underestimates a concave function, so each step's exact cost is at most the previous one's;
    it stops when the plan repeats."""
    from servopt.optimizer.backends.placement_milp import solve_placement_milp

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
        first = (
            quick_start(terms, sub_params(), wc, wv, value_cap, linear, note)
            if best is None
            else (best[1].y, best[1].x)
        )
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
            )
        )
        if not out.milp.status.has_plan or out.x is None or out.y is None:
            break
        dec = PlacementDecision(out.y, out.x)
        kpis = evaluate_decision(terms, dec)
        exact = kpis["cost"] + wv * kpis["value"]
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
        diagnostics = [*diagnostics, *_explain_infeasible(terms, params)]
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


def _explain_infeasible(terms: PlacementTerms, params: SolveParams) -> list[str]:
    """Name the constraint families whose removal makes the problem feasible."""
    from servopt.optimizer.backends.placement_milp import solve_placement_milp

    families: dict[str, tuple[bool, dict[str, Any]]] = {
        "the maximum expected wait": (
            bool(np.isfinite(terms.site_max_wait).any()),
            {"site_max_wait": np.full(len(terms.sites), np.inf)},
        ),
        "the share of demand within the time target": (
            terms.min_share_within is not None,
            {"min_share_within": None},
        ),
        "the budget": (terms.budget is not None, {"budget": None}),
        "single sourcing": (terms.single_sourcing, {"single_sourcing": False}),
    }
    found = []
    quick = dataclasses.replace(params, time_limit_s=min(10.0, params.time_limit_s))
    for name, (active, change) in families.items():
        if not active:
            continue
        relaxed = dataclasses.replace(terms, **change)
        out = solve_placement_milp(relaxed, {}, quick, cost_weight=1.0, value_weight=0.0)
        if out.milp.status.has_plan:
            found.append(f"infeasible because of {name}: without it a plan exists")
    return found or [
        "infeasible: no single constraint family explains it (capacity, forced "
        "depots and the other constraints together)"
    ]


def choose_service_level(
    network: ServiceNetwork,
    levels: tuple[float, ...] = (0.8, 0.9, 0.95, 0.98, 0.99),
    options: PlacementOptions | None = None,
    params: SolveParams | None = None,
    *,
    objective: Objective | str = Objective.COST,
    value_weight: float = 1.0,
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
    key = "weighted" if Objective(objective) is Objective.WEIGHTED else "cost"
    results = []
    for level in levels:
        r = solve_placement(
            network,
            dataclasses.replace(options, service_level=level),
            share,
            objective=objective,
            value_weight=value_weight,
        )
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
    level, best = min(found, key=lambda t: t[1].objective[key])
    kpis = {**best.kpis, "service_level": level}
    return dataclasses.replace(
        best,
        kpis=kpis,
        diagnostics=best.diagnostics + notes,
        runtime_s=sum(r.runtime_s for _, r in results),
    )
