"""The evaluator: every KPI of a plan on a network, whoever wrote the plan.

Independent of the solvers: it never looks at a solver's model, only at the plan's decisions and
the model's definition in :mod:`servopt.optimizer.placement.terms`. A hand-written plan (case A's
cost-only proposal) and an optimised one are priced on the same terms. Every solver's result is
re-evaluated here, and the tests assert the solver's own objective equals this one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Assignment, Plan
from servopt.optimizer.placement.terms import (
    HOURS_PER_YEAR,
    PlacementOptions,
    PlacementTerms,
    build_terms,
)
from servopt.optimizer.result import Kpis, Result, Units, evaluated


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value at or below which a share ``q`` of the weight lies.

    >>> weighted_quantile(np.array([10.0, 50.0, 20.0]), np.array([8.0, 1.0, 1.0]), 0.9)
    20.0
    """
    order = np.argsort(values)
    cum = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][int(np.searchsorted(cum, q - 1e-12))])


@dataclass(frozen=True)
class SegmentWaits(Kpis):
    """One segment's parts waits under a placement plan (hours; money per period).

    ``mean_wait_h`` and ``p90_wait_h`` weigh each site's expected wait by its demand: 90% of
    the segment's demand is at sites whose expected wait is at most ``p90_wait_h`` (a tail
    across the segment's sites, not within one site's wait); ``max_wait_h``: the worst site.
    ``failed_promises``: the segment's orders per period promised from display stock that
    fail (:func:`phantom_gap`).
    """

    sites: int
    demand: float
    mean_wait_h: float | None
    max_wait_h: float | None
    downtime_cost: float
    p90_wait_h: float | None = None
    failed_promises: float = 0.0


@dataclass(frozen=True)
class DepotUse(Kpis):
    """One open depot: parts demand it serves per period, its capacity and stock (units)."""

    load: float
    capacity: float | None
    utilisation: float | None
    safety_stock: float
    cycle_stock: float


@dataclass(frozen=True)
class ShareWithin(Kpis):
    """The share of parts demand served from stock within ``hours``."""

    hours: float
    share: float | None


@dataclass(frozen=True)
class PhantomStock(Kpis):
    """One depot and family whose display units a plan promises from
    (``Plan.promise_display_stock``): the units on show, the safety stock the model holds, the
    probability a request finds a part to sell as the plan believes it and as it is, and the
    promises that fail per period (units), each waiting ``wait_h`` (the depot's stock-out
    delay: its replenishment or expedited lead time)."""

    display: float
    safety_stock: float
    in_stock_believed: float
    in_stock_real: float
    failed_promises: float
    wait_h: float = 0.0


@dataclass(frozen=True)
class PlacementKpis(Kpis):
    """Every placement KPI of a plan. Money in the network's currency per its period.

    ``cost`` is the company's cost (the sum of ``cost_breakdown``: fixed, outbound road and air,
    replenishment, expediting, cycle, safety and display stock holding, and ``failed_promises``:
    expediting the orders promised from display stock); ``value`` the customers' cost (critical
    parts' downtime while they wait). ``failed_promises`` (units per period) and ``phantom``
    (depot -> family -> :class:`PhantomStock`) are non-zero only for a plan that promises from
    display stock. ``model``, ``stages_s`` and ``fallback`` say how
    a solver reached the plan (``None`` for a plan only evaluated).
    """

    cost: float
    value: float
    total_with_downtime: float
    cost_breakdown: dict[str, float]
    open_depots: int
    demand: float
    mean_wait_h: float | None
    expedited_units: float
    air_freight_units: float
    safety_stock_units: float
    cycle_stock_units: float
    segments: dict[str, SegmentWaits]
    depots: dict[str, DepotUse]
    share_within_h: ShareWithin | None = None
    assignment: str | None = None
    service_level: Any = None
    model: dict[str, Any] | None = None
    stages_s: dict[str, float] | None = None
    fallback: str | None = None
    failed_promises: float = 0.0
    phantom: dict[str, dict[str, PhantomStock]] | None = None


@dataclass(frozen=True)
class PlacementDecision:
    """A placement plan as arrays: open depots ``y`` (I,) and shares ``x`` (I, J)."""

    y: np.ndarray
    x: np.ndarray
    assumed_nearest: bool = False


def decision_from_plan(net: ServiceNetwork, plan: Plan, terms: PlacementTerms) -> PlacementDecision:
    """The arrays of ``plan``. Without assignments, every site goes to its nearest open depot
    (by road distance), which is what a plan that only names open depots implies."""
    di, sj = terms.depot_index(), terms.site_index()
    y = np.zeros(len(terms.depots))
    for d in plan.open_depot_ids(net):
        y[di[d]] = 1.0
    x = np.zeros((len(terms.depots), len(terms.sites)))
    if plan.assignments is not None:
        for a in plan.assignments:
            x[di[a.depot], sj[a.site]] += a.share
        return PlacementDecision(y, x)
    open_idx = np.flatnonzero(y > 0.5)
    if len(open_idx) and len(terms.sites):
        dist = np.array(
            [[net.distance_km(terms.depots[i], s) for s in terms.sites] for i in open_idx]
        )
        x[open_idx[np.argmin(dist, axis=0)], np.arange(len(terms.sites))] = 1.0
    return PlacementDecision(y, x, assumed_nearest=True)


def placement_plan(terms: PlacementTerms, dec: PlacementDecision, name: str = "") -> Plan:
    """A :class:`Plan` with open depots, assignments and stock levels from arrays."""
    ss_units, cycle_units = stock_units(terms, dec)
    stock = {}
    for i in np.flatnonzero(dec.y > 0.5):
        levels = {
            p: round(float(ss_units[i, k] + cycle_units[i, k]), 3)
            for k, p in enumerate(terms.families)
            if ss_units[i, k] + cycle_units[i, k] > 0
        }
        if levels:
            stock[terms.depots[i]] = levels
    assignments = [
        Assignment(site=terms.sites[j], depot=terms.depots[i], share=min(1.0, float(dec.x[i, j])))
        for i, j in zip(*np.nonzero(dec.x > 1e-9), strict=True)
    ]
    site_at = terms.site_index()
    assignments.sort(key=lambda a: (site_at[a.site], a.depot))
    return Plan(
        name=name,
        open_depots=tuple(terms.depots[i] for i in np.flatnonzero(dec.y > 0.5)),
        assignments=tuple(assignments),
        stock=stock or None,
    )


def stock_units(terms: PlacementTerms, dec: PlacementDecision) -> tuple[np.ndarray, np.ndarray]:
    """Safety and cycle stock per depot and family (I, P): ``z sqrt(L V)`` and half a review
    period of the assigned demand."""
    variance = dec.x @ terms.sigma2  # (I, P)
    ss = terms.ss_units_coef * np.sqrt(np.maximum(variance, 0.0))
    cycle = (dec.x @ terms.demand) * (terms.review_years / 2.0 * terms.stock_model)
    return ss, cycle


@dataclass(frozen=True)
class PartsAccess:
    """Where a field job finds its part under a placement plan (:func:`parts_access`).

    ``fill[(depot, family)]``: the probability that the depot has a request's part on the
    shelf: the plan's service level where the depot is open and holds stock of the family
    (less the failed promises of display stock, :func:`phantom_gap`, when the plan counts
    it), 0 at a closed depot or one holding none. ``wait_h[(site, family)]``: the expected
    hours until a part shipped from the site's serving depots reaches the site (placement's
    own wait: road or air from the depot, plus the stock-out delay).
    """

    fill: dict[tuple[str, str], float]
    wait_h: dict[tuple[str, str], float]

    def fill_at(self, depot: str | None, family: str) -> float:
        return self.fill.get((depot or "", family), 0.0)


def parts_access(
    network: ServiceNetwork, plan: Plan, options: PlacementOptions | None = None
) -> PartsAccess:
    """:class:`PartsAccess` of ``plan`` on ``network``: the link from placement to dispatch
    (a job needing a part finds it at its technician's depot, or waits for its delivery)."""
    terms = build_terms(network, options or PlacementOptions())
    dec = decision_from_plan(network, plan, terms)
    held = (dec.x @ terms.demand) > 0  # (I, P): the depot stocks the family for its sites
    gap = phantom_gap(terms, dec) if plan.promise_display_stock else np.zeros_like(terms.display)
    fill = {}
    for i, d in enumerate(terms.depots):
        for k, f in enumerate(terms.families):
            if dec.y[i] > 0.5 and held[i, k]:
                fill[d, f] = float(terms.alpha[k] - gap[i, k]) if terms.stock_model else 1.0
    served = dec.x.sum(axis=0)  # (J,)
    used = np.where(dec.x[:, :, None] > 0, terms.wait_ijp, 0.0)  # no 0 x inf
    wait = np.einsum("ij,ijp->jp", dec.x, used)
    wait_h = {
        (s, f): float(wait[j, k] / served[j])
        for j, s in enumerate(terms.sites)
        if served[j] > 1e-9
        for k, f in enumerate(terms.families)
    }
    return PartsAccess(fill, wait_h)


def evaluate_placement(
    network: ServiceNetwork, plan: Plan, options: PlacementOptions | None = None
) -> Result:
    """Every placement figure of ``plan`` on ``network``, whoever wrote the plan.

    Returns a :class:`~servopt.optimizer.result.Result` with ``objective`` ``cost`` (the
    company's cost per period) and ``value`` (customer downtime per period), plus ``weighted``
    under a weighted objective; :class:`PlacementKpis`; and ``violations``: what the plan breaks
    (:func:`~servopt.optimizer.placement.check.check_placement_plan`: capacity, forced depots,
    waits, caps). A plan without assignments is served from its nearest open depots. A plan
    that gives ``stock`` is priced at the stock the model holds for its service level, and each
    depot and family where the plan's figure differs is said in ``diagnostics``. A plan that
    promises from display stock pays for the promises that fail (:func:`phantom_gap`).
    """
    from servopt.optimizer.placement.check import check_placement_plan

    start = time.perf_counter()
    options = options or PlacementOptions()
    terms = build_terms(network, options)
    dec = decision_from_plan(network, plan, terms)
    kpis = evaluate_decision(terms, dec, promise_display=plan.promise_display_stock)
    notes = list(stock_differences(plan, placement_plan(terms, dec)))
    violations = check_placement_plan(network, plan, options)
    return evaluated("placement", Units.of(network), options, kpis, plan, start, notes, violations)


def stock_differences(plan: Plan, priced: Plan, rel: float = 1e-3) -> list[str]:
    """One sentence per depot and family where ``plan`` states a stock other than the one the
    evaluation prices (``priced.stock``)."""
    if plan.stock is None:
        return []
    held = priced.stock or {}
    out = []
    for depot in sorted(set(plan.stock) | set(held)):
        mine, model = plan.stock.get(depot, {}), held.get(depot, {})
        for fam in sorted(set(mine) | set(model)):
            a, b = float(mine.get(fam, 0.0)), float(model.get(fam, 0.0))
            if abs(a - b) > rel * max(abs(b), 1.0):
                out.append(
                    f"stock at {depot!r}, family {fam!r}: the plan says {a:,.1f} units, the "
                    f"model holds {b:,.1f} for the service level; the evaluation prices {b:,.1f}"
                )
    return out


def phantom_gap(terms: PlacementTerms, dec: PlacementDecision) -> np.ndarray:
    """(I, P): how much less often a request finds a part to sell when the plan counts the
    display units D in its stock position: ``alpha_p - Phi(z_p - D_ip / sigma_ip)``, with
    ``sigma_ip = sqrt(L_i V_ip)`` the lead-time demand's deviation (the safety stock over z);
    where that deviation is 0 and the depot serves demand, every display unit is a shortfall
    (gap ``alpha_p``)."""
    if not terms.stock_model:
        return np.zeros_like(terms.display)
    variance = dec.x @ terms.sigma2  # (I, P)
    sigma = np.sqrt(np.maximum(variance, 0.0) * terms.lead_h[:, None] / HOURS_PER_YEAR)
    served = (dec.x @ terms.demand) > 0
    cdf = np.vectorize(NormalDist().cdf, otypes=[float])
    with np.errstate(divide="ignore", invalid="ignore"):
        shifted = np.where(
            sigma > 0, terms.z[None, :] - terms.display / np.where(sigma > 0, sigma, 1.0), -np.inf
        )
    real = np.where(np.isfinite(shifted), cdf(np.where(np.isfinite(shifted), shifted, 0.0)), 0.0)
    gap = np.where(served & (terms.display > 0), terms.alpha[None, :] - real, 0.0)
    return np.maximum(gap, 0.0)


def evaluate_decision(
    terms: PlacementTerms, dec: PlacementDecision, promise_display: bool = False
) -> PlacementKpis:
    """Every KPI of the decision ``dec`` on the model ``terms`` (the solver's pricing);
    ``promise_display``: the plan promises from display stock (:func:`phantom_gap`)."""
    x, y = dec.x, dec.y
    ss_units, cycle_units = stock_units(terms, dec)
    gap = phantom_gap(terms, dec) if promise_display else np.zeros_like(terms.display)
    # Failed promises per depot, site and family, and the wait each adds.
    failed_ijp = x[:, :, None] * terms.demand[None, :, :] * gap[:, None, :]
    extra_wait = gap[:, None, :] * terms.delay_h[:, None, None]
    breakdown = {
        "fixed": float((terms.fixed - terms.display_hold) @ y),
        "holding_display": float(terms.display_hold @ y),
        "outbound_road": float((terms.outbound_road_ij * x).sum()),
        "outbound_air": float((terms.outbound_air_ij * x).sum()),
        "replenishment": float((terms.replenish_ij * x).sum()),
        "expediting": float((terms.expedite_ij * x).sum()),
        "holding_cycle": float((terms.cycle_hold_ij * x).sum()),
        "holding_safety": float((ss_units * terms.unit_holding[None, :]).sum()),
        "failed_promises": float((failed_ijp.sum(axis=(1, 2)) * terms.expedite_unit).sum()),
    }
    cost = sum(breakdown.values())
    extra_down = (
        float(terms.service_on)
        * (failed_ijp * terms.delay_h[:, None, None] * terms.critical[None, None, :]).sum(axis=2)
        * terms.downtime_rate[None, :]
    )
    downtime_ij = terms.downtime_ij + extra_down
    safe = np.where(terms.total_demand > 0, terms.total_demand, 1.0)
    wait_ij = terms.wait_ij + (terms.demand[None, :, :] * extra_wait).sum(axis=2) / safe[None, :]
    downtime = float((downtime_ij * x).sum())
    served = x.sum(axis=0)
    site_wait = (wait_ij * x).sum(axis=0) / np.where(served > 0, served, 1.0)
    segments: dict[str, SegmentWaits] = {}
    for seg in dict.fromkeys(terms.segment_of_site):
        idx = [j for j, s in enumerate(terms.segment_of_site) if s == seg]
        w = terms.total_demand[idx]
        waits = site_wait[idx]
        has = w.sum() > 0
        segments[seg] = SegmentWaits(
            sites=len(idx),
            demand=float(w.sum()),
            mean_wait_h=float(w @ waits / w.sum()) if has else None,
            max_wait_h=float(waits[w > 0].max()) if has else None,
            downtime_cost=float((downtime_ij[:, idx] * x[:, idx]).sum()),
            p90_wait_h=weighted_quantile(waits, w, 0.9) if has else None,
            failed_promises=float(failed_ijp[:, idx, :].sum()),
        )
    stockout = terms.demand @ (1.0 - terms.alpha) * terms.stock_model
    failed = float(failed_ijp.sum())
    expedited_units = float(((terms.expedites[:, None] * x) @ stockout).sum()) + float(
        (failed_ijp.sum(axis=(1, 2)) * terms.expedites).sum()
    )
    air_units = float((terms.air_ijp * terms.demand[None, :, :] * x[:, :, None]).sum())
    load = x @ terms.total_demand
    depots = {
        terms.depots[i]: DepotUse(
            load=float(load[i]),
            capacity=None if np.isinf(terms.capacity[i]) else float(terms.capacity[i]),
            utilisation=(
                float(load[i] / terms.capacity[i])
                if np.isfinite(terms.capacity[i]) and terms.capacity[i] > 0
                else None
            ),
            safety_stock=float(ss_units[i].sum()),
            cycle_stock=float(cycle_units[i].sum()),
        )
        for i in np.flatnonzero(y > 0.5)
    }
    total_demand = float(terms.total_demand.sum())
    within = None
    if terms.within_hours is not None:
        within = ShareWithin(
            hours=terms.within_hours,
            share=float((terms.within_ij * x).sum() / total_demand) if total_demand else None,
        )
    return PlacementKpis(
        cost=cost,
        value=downtime,
        total_with_downtime=cost + downtime,
        cost_breakdown=breakdown,
        open_depots=int((y > 0.5).sum()),
        demand=total_demand,
        mean_wait_h=(
            float(terms.total_demand @ site_wait / total_demand) if total_demand else None
        ),
        expedited_units=expedited_units,
        air_freight_units=air_units,
        safety_stock_units=float(ss_units.sum()),
        cycle_stock_units=float(cycle_units.sum()),
        segments=segments,
        depots=depots,
        share_within_h=within,
        assignment=(
            "nearest open depot (the plan gives no assignments)" if dec.assumed_nearest else None
        ),
        failed_promises=failed,
        phantom=_phantom(terms, dec, gap, failed_ijp, ss_units) if promise_display else None,
    )


def _phantom(
    terms: PlacementTerms,
    dec: PlacementDecision,
    gap: np.ndarray,
    failed_ijp: np.ndarray,
    ss_units: np.ndarray,
) -> dict[str, dict[str, PhantomStock]]:
    out: dict[str, dict[str, PhantomStock]] = {}
    failed = failed_ijp.sum(axis=1)  # (I, P)
    for i in np.flatnonzero(dec.y > 0.5):
        rows = {
            p: PhantomStock(
                display=float(terms.display[i, k]),
                safety_stock=float(ss_units[i, k]),
                in_stock_believed=float(terms.alpha[k]),
                in_stock_real=float(terms.alpha[k] - gap[i, k]),
                failed_promises=float(failed[i, k]),
                wait_h=float(terms.delay_h[i]),
            )
            for k, p in enumerate(terms.families)
            if terms.display[i, k] > 0
        }
        if rows:
            out[terms.depots[i]] = rows
    return out
