"""The economics of placement: what serving site j from depot i costs and how long it makes the
customer wait. One definition, used by the solver (to build its MILP) and by the evaluator (to
price any plan), so that both speak of the same model.

Per unit of parts demand of family p at site j served from depot i (all per period, a year):

* outbound shipping by road: ``freight_cost_per_unit_km * dist(i, j)``, transit
  ``freight_handling_h + dist(i, j) / freight_kmh`` hours (an explicit arc's ``transport_cost``
  replaces the road cost: the OR-Library convention);
* replenishment of depot i on its regular lane: ``cost_per_unit`` of that lane, lead time L_i;
* a stock-out, with probability 1 - alpha_p (alpha_p: the service level, the probability that a
  request finds the part in stock): the depot expedites on its expedited lane (cost per unit,
  lead time L^e_i) or, without one, waits for the regular lane (L_i);
* expected wait w_ijp = transit_ij + (1 - alpha_p) * delay_i hours;
* air freight when late: when road shipping would make the expected wait exceed the segment's
  maximum wait (``max_wait_h``), the part flies: ``air_cost_factor`` times the road cost,
  ``air_transit_h`` hours (case A's air freight "to meet deadlines");
* customer downtime: ``critical_share_p * downtime_cost_per_hour(segment of j) * w_ijp``;
* cycle stock: half a review period of demand, held at ``unit_cost_p * holding_rate_p``;
* display stock (``depots.display_stock``): units on show, not for sale, held at
  ``unit_cost_p * holding_rate_p`` while the depot is open (part of its fixed cost in the
  MILP, ``holding_display`` in the figures). A plan that promises from them
  (``Plan.promise_display_stock``) counts them in the stock position, so its real safety stock
  is D_ip units lower: a request finds the part with probability
  ``Phi(z_p - D_ip / sqrt(L_i V_ip))`` instead of alpha_p, and each difference is a promise
  that fails: expedited (or waiting for the regular lane) as a stock-out is, its wait priced as
  downtime (:func:`servopt.optimizer.placement.evaluate.phantom_gap`);
* safety stock of depot i, family p: ``z_p * sqrt(L_i * V_ip)`` units with
  ``V_ip = sum_j sigma_jp^2 x_ij``, ``sigma_jp = demand_cv_p * d_jp`` (per year, L_i in years,
  z_p = Phi^-1(alpha_p)). Pooling demand in fewer depots lowers the total: the square-root law.
  The sum of ``sigma^2 x`` (not ``x^2``) is exact for single sourcing and an upper bound on the
  variance of split demand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from servopt.models.entities import DistanceRounding, LaneMode
from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.optimizer.params import ObjectiveOptions

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True, kw_only=True)
class PlacementOptions(ObjectiveOptions):
    """What the placement model includes and which constraints a planner sets.

    The objective fields (``objective``, ``value_weight``, ``max_cost``, ``max_value``) are
    :class:`~servopt.optimizer.params.ObjectiveOptions`'; placement holds both caps as MILP
    constraints: ``max_cost`` on the cost per period (a budget), ``max_value`` on the customer
    downtime per period.

    Parameters
    ----------
    service_level
        alpha: probability a request finds its part in stock, one value for every family or a
        mapping family -> value, in [0.5, 0.9999]. Sets safety stock (z = Phi^-1(alpha)).
    review_period_days
        Replenishment review period; cycle stock is half a period of demand.
    stock, expediting, service, air_when_late
        Switch the holding/replenishment terms, the expediting terms, the customer side
        (waits, downtime) and the air-freight policy on or off. All off (and no lanes) is
        exactly the classic capacitated facility location problem.
    max_wait_h
        Maximum expected parts wait (hours) for every site; ``None`` keeps the segments' own
        ``max_wait_h`` for the air policy only, without a hard constraint.
    enforce_segment_max_wait
        Make each segment's ``max_wait_h`` a hard constraint on its sites' expected waits.
    within_hours, min_share_within
        At least ``min_share_within`` of all demand served from stock within ``within_hours``.
    single_sourcing
        Each site served by exactly one depot.
    force_open, force_closed
        Depots pinned by the planner in addition to the network's ``forced`` field.
    depot_credit
        ``(depot, amount)`` pairs: a saving per period elsewhere in the operation that the
        depot brings while open (the joint plan's feedback from dispatch: part-return visits
        its stock avoids, :mod:`servopt.optimizer.joint`). Subtracted from the depot's fixed
        cost, so the cost this model reports includes it; price the plan without it to compare.
    """

    service_level: float | dict[str, float] = 0.95
    review_period_days: float = 7.0
    stock: bool = True
    expediting: bool = True
    service: bool = True
    air_when_late: bool = True
    max_wait_h: float | None = None
    enforce_segment_max_wait: bool = False
    within_hours: float | None = None
    min_share_within: float | None = None
    single_sourcing: bool = False
    force_open: frozenset[str] = field(default_factory=frozenset)
    force_closed: frozenset[str] = field(default_factory=frozenset)
    depot_credit: tuple[tuple[str, float], ...] = ()

    def objective_problems(self) -> list[Problem]:
        problems = super().objective_problems()
        levels = (
            self.service_level.values()
            if isinstance(self.service_level, dict)
            else [self.service_level]
        )
        for a in levels:
            if not (isinstance(a, int | float) and 0.5 <= a <= 0.9999):
                problems.append(Problem("service_level", f"must be in [0.5, 0.9999], got {a!r}"))
        for name in ("review_period_days", "max_wait_h", "within_hours"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                problems.append(Problem(name, f"must be a finite number >= 0, got {v!r}"))
        if self.min_share_within is not None and not 0 <= self.min_share_within <= 1:
            problems.append(
                Problem("min_share_within", f"must be in [0, 1], got {self.min_share_within!r}")
            )
        if (self.min_share_within is None) != (self.within_hours is None):
            problems.append(
                Problem(
                    "within_hours",
                    "within_hours and min_share_within go together; give both or neither",
                )
            )
        object.__setattr__(self, "force_open", frozenset(self.force_open))
        object.__setattr__(self, "force_closed", frozenset(self.force_closed))
        return problems

    @classmethod
    def cflp(cls, **kwargs: Any) -> PlacementOptions:
        """Stock, expediting and service terms off: the classic CFLP (OR-Library's
        ``cap`` problems; :data:`servopt.models.formats.SOLVE_RULES`)."""
        from servopt.models.formats import NetworkFormat, solve_rules

        return cls(**solve_rules(NetworkFormat.ORLIB_CAP, "placement"), **kwargs)


@dataclass(frozen=True)
class PlacementTerms:
    """Arrays of the placement model for one network and one set of options.

    Shapes: I depots, J sites, P part families. Coefficients named ``*_ij`` are per unit of
    x_ij (the share of site j served from depot i), i.e. already multiplied by j's demand.
    """

    depots: tuple[str, ...]
    sites: tuple[str, ...]
    families: tuple[str, ...]
    demand: np.ndarray  # (J, P) units per period
    total_demand: np.ndarray  # (J,)
    fixed: np.ndarray  # (I,) the depot's fixed cost plus holding its display stock
    display: np.ndarray  # (I, P) display units (not for sale)
    display_hold: np.ndarray  # (I,) holding cost of the display units
    expedite_unit: np.ndarray  # (I,) cost per unit expedited (0 when not expedited)
    delay_h: np.ndarray  # (I,) a stock-out's delay: expedited or regular lead time
    z: np.ndarray  # (P,) Phi^-1(alpha)
    critical: np.ndarray  # (P,) critical share
    downtime_rate: np.ndarray  # (J,) the site's segment's downtime cost per hour
    service_on: bool
    capacity: np.ndarray  # (I,) inf = unlimited
    forced_open: frozenset[str]
    forced_closed: frozenset[str]
    lane_origin: tuple[str | None, ...]  # (I,) depot that replenishes i, None: supplier/none
    lead_h: np.ndarray  # (I,) regular lead time
    expedites: np.ndarray  # (I,) bool: stock-outs are expedited
    outbound_road_ij: np.ndarray  # (I, J)
    outbound_air_ij: np.ndarray  # (I, J)
    replenish_ij: np.ndarray  # (I, J)
    expedite_ij: np.ndarray  # (I, J)
    cycle_hold_ij: np.ndarray  # (I, J)
    downtime_ij: np.ndarray  # (I, J)
    wait_ijp: np.ndarray  # (I, J, P) expected wait, hours
    wait_ij: np.ndarray  # (I, J) demand-weighted expected wait, hours
    air_ijp: np.ndarray  # (I, J, P) bool: shipped by air
    within_ij: np.ndarray  # (I, J) demand served from stock within T hours
    ss_coef: np.ndarray  # (I, P) safety-stock cost per sqrt(variance unit)
    ss_units_coef: np.ndarray  # (I, P) safety-stock units per sqrt(variance unit)
    sigma2: np.ndarray  # (J, P)
    alpha: np.ndarray  # (P,)
    unit_holding: np.ndarray  # (P,)
    review_years: float
    segment_of_site: tuple[str, ...]
    site_max_wait: np.ndarray  # (J,) hard cap on expected wait (inf = none)
    within_hours: float | None
    stock_model: bool
    single_sourcing: bool
    max_cost: float | None
    max_value: float | None
    min_share_within: float | None

    @property
    def cost_ij(self) -> np.ndarray:
        """Every linear cost of an assignment (outbound, replenishment, expediting, cycle)."""
        return (
            self.outbound_road_ij
            + self.outbound_air_ij
            + self.replenish_ij
            + self.expedite_ij
            + self.cycle_hold_ij
        )

    def depot_index(self) -> dict[str, int]:
        return {d: i for i, d in enumerate(self.depots)}

    def site_index(self) -> dict[str, int]:
        return {s: j for j, s in enumerate(self.sites)}


def _distances(net: ServiceNetwork) -> np.ndarray:
    dxy = np.array([d.location for d in net.depots], dtype=float).reshape(-1, 2)
    sxy = np.array([s.location for s in net.sites], dtype=float).reshape(-1, 2)
    dist = net.travel.road_factor * np.hypot(
        dxy[:, None, 0] - sxy[None, :, 0], dxy[:, None, 1] - sxy[None, :, 1]
    )
    if net.travel.rounding is DistanceRounding.TRUNCATE_1DP:
        dist = np.floor(dist * 10.0 + 1e-9) / 10.0
    return dist


def build_terms(net: ServiceNetwork, options: PlacementOptions) -> PlacementTerms:
    """Compute every coefficient of the placement model (see the module docstring)."""
    depots = tuple(d.id for d in net.depots)
    sites = tuple(s.id for s in net.sites)
    families = tuple(pf.id for pf in net.part_families)
    di = {d: i for i, d in enumerate(depots)}
    sj = {s: j for j, s in enumerate(sites)}
    fp = {p: k for k, p in enumerate(families)}
    n_i, n_j, n_p = len(depots), len(sites), len(families)

    demand = np.zeros((n_j, n_p))
    for j, s in enumerate(net.sites):
        for p, q in s.parts_demand.items():
            demand[j, fp[p]] += q
    total = demand.sum(axis=1)

    unknown = sorted((options.force_open | options.force_closed) - set(depots))
    if unknown:
        raise BadInputError(
            [Problem("force_open/force_closed", f"unknown depot {d!r}") for d in unknown]
        )
    credit = np.zeros(n_i)
    for dep, amount in options.depot_credit:
        if dep not in di or not math.isfinite(amount):
            raise BadInputError(
                [
                    Problem(
                        "depot_credit", f"expected a known depot and a finite amount, got {dep!r}"
                    )
                ]
            )
        credit[di[dep]] += amount
    forced_open = frozenset(d.id for d in net.depots if d.forced == "open") | options.force_open
    forced_closed = (
        frozenset(d.id for d in net.depots if d.forced == "closed") | options.force_closed
    )

    fams = net.part_families
    if isinstance(options.service_level, dict):
        missing = sorted(set(options.service_level) - set(families))
        if missing:
            raise BadInputError(
                [Problem(f"service_level.{m}", "unknown part family") for m in missing]
            )
        alpha = np.array([options.service_level.get(p, 0.95) for p in families])
    else:
        alpha = np.full(n_p, float(options.service_level))
    z = np.array([NormalDist().inv_cdf(a) for a in alpha])
    unit_holding = np.array([pf.unit_cost * pf.holding_rate for pf in fams])
    crit = np.array([pf.critical_share for pf in fams])
    sigma2 = (demand * np.array([pf.demand_cv for pf in fams])[None, :]) ** 2

    # Lanes into each depot.
    lead = np.zeros(n_i)
    repl = np.zeros(n_i)
    exp_cost = np.zeros(n_i)
    delay = np.zeros(n_i)
    has_exp = np.zeros(n_i, dtype=bool)
    origin: list[str | None] = [None] * n_i
    for lane in net.supply_lanes:
        i = di.get(lane.destination)
        if i is None:
            continue  # a lane straight to a site is not part of depot replenishment
        if lane.mode is LaneMode.REGULAR and not lead[i] and not repl[i]:
            lead[i], repl[i], origin[i] = lane.lead_time_h, lane.cost_per_unit, lane.origin
        elif lane.mode is LaneMode.EXPEDITED and not has_exp[i]:
            has_exp[i], exp_cost[i], delay[i] = True, lane.cost_per_unit, lane.lead_time_h
    expedites = has_exp & bool(options.expediting)
    delay = np.where(expedites, delay, lead)

    dist = _distances(net)
    tr = net.travel
    road_unit = tr.freight_cost_per_unit_km * dist  # (I, J)
    explicit_cost = np.full((n_i, n_j), np.nan)
    for a in net.arcs:
        i, j = di[a.depot], sj[a.site]
        if a.distance_km is not None:
            dist[i, j] = a.distance_km
            road_unit[i, j] = tr.freight_cost_per_unit_km * a.distance_km
        if a.transport_cost is not None:
            explicit_cost[i, j] = a.transport_cost
    transit_road = tr.freight_handling_h + dist / tr.freight_kmh

    seg_of = tuple(s.segment for s in net.sites)
    seg = net.index["segments"]
    dc = np.array([seg[s].downtime_cost_per_hour for s in seg_of]) if n_j else np.zeros(0)
    seg_cap = (
        np.array([seg[s].max_wait_h if seg[s].max_wait_h is not None else np.inf for s in seg_of])
        if n_j
        else np.zeros(0)
    )
    # Without the stock model every request is served from the depot's shelf.
    stockout = (1.0 - alpha) if options.stock else np.zeros(n_p)
    wait_road = transit_road[:, :, None] + stockout[None, None, :] * delay[:, None, None]
    air_cap = seg_cap if options.max_wait_h is None else np.minimum(seg_cap, options.max_wait_h)
    if options.air_when_late and options.service:
        air = wait_road > air_cap[None, :, None] + 1e-9
        air &= (tr.air_transit_h + stockout[None, None, :] * delay[:, None, None]) < wait_road
    else:
        air = np.zeros_like(wait_road, dtype=bool)
    wait = np.where(
        air, tr.air_transit_h + stockout[None, None, :] * delay[:, None, None], wait_road
    )

    dem = demand[None, :, :]  # (1, J, P)
    out_unit = np.broadcast_to(road_unit[:, :, None], wait.shape)
    outbound_road = (dem * out_unit * ~air).sum(axis=2)
    outbound_air = (dem * out_unit * air * tr.air_cost_factor).sum(axis=2)
    has_explicit = ~np.isnan(explicit_cost)
    outbound_road = np.where(has_explicit, np.nan_to_num(explicit_cost), outbound_road)
    outbound_air = np.where(has_explicit, 0.0, outbound_air)

    use_stock = 1.0 if options.stock else 0.0
    replenish = use_stock * repl[:, None] * total[None, :]
    expedite = use_stock * (exp_cost * expedites)[:, None] * (demand @ (1.0 - alpha))[None, :]
    review_years = options.review_period_days / 365.0
    cycle = use_stock * np.broadcast_to(
        (demand * unit_holding[None, :]).sum(axis=1) * review_years / 2.0, (n_i, n_j)
    )
    downtime = (
        (options.service * 1.0) * (dem * wait * crit[None, None, :]).sum(axis=2) * dc[None, :]
    )
    safe_total = np.where(total > 0, total, 1.0)
    wait_avg = (dem * wait).sum(axis=2) / safe_total[None, :]
    if options.within_hours is not None:
        transit = np.where(air, tr.air_transit_h, transit_road[:, :, None])
        within = (dem * alpha[None, None, :] * (transit <= options.within_hours)).sum(axis=2)
    else:
        within = np.zeros((n_i, n_j))
    ss_units = use_stock * z[None, :] * np.sqrt(lead[:, None] / HOURS_PER_YEAR)
    ss_coef = ss_units * unit_holding[None, :]

    display = np.zeros((n_i, n_p))
    for i, d in enumerate(net.depots):
        for p, q in d.display_stock.items():
            display[i, fp[p]] = q
    display_hold = use_stock * display @ unit_holding

    cap = np.array([d.capacity if d.capacity is not None else np.inf for d in net.depots])
    site_cap = np.full(n_j, np.inf)
    if options.enforce_segment_max_wait:
        site_cap = np.minimum(site_cap, seg_cap)
    if options.max_wait_h is not None:
        site_cap = np.minimum(site_cap, options.max_wait_h)
    return PlacementTerms(
        depots=depots,
        sites=sites,
        families=families,
        demand=demand,
        total_demand=total,
        fixed=np.array([d.fixed_cost for d in net.depots]) + display_hold - credit,
        display=display,
        display_hold=display_hold,
        expedite_unit=exp_cost * expedites,
        delay_h=delay,
        z=z,
        critical=crit,
        downtime_rate=dc,
        service_on=bool(options.service),
        capacity=cap,
        forced_open=forced_open,
        forced_closed=forced_closed,
        lane_origin=tuple(origin),
        lead_h=lead,
        expedites=expedites,
        outbound_road_ij=outbound_road,
        outbound_air_ij=outbound_air,
        replenish_ij=replenish,
        expedite_ij=np.asarray(expedite, dtype=float),
        cycle_hold_ij=np.array(cycle),
        downtime_ij=downtime,
        wait_ijp=wait,
        wait_ij=wait_avg,
        air_ijp=air,
        within_ij=within,
        ss_coef=ss_coef,
        ss_units_coef=ss_units,
        sigma2=sigma2,
        alpha=alpha,
        unit_holding=unit_holding,
        review_years=review_years,
        segment_of_site=seg_of,
        site_max_wait=site_cap,
        within_hours=options.within_hours,
        stock_model=options.stock,
        single_sourcing=options.single_sourcing,
        max_cost=options.max_cost,
        max_value=options.max_value,
        min_share_within=options.min_share_within,
    )


#: Every input field placement reads (see :func:`servopt.optimizer.decision.unused_inputs`).
READS = frozenset(
    {
        "network.period",
        "network.currency",
        "network.travel",
        "depots.location",
        "depots.capacity",
        "depots.fixed_cost",
        "depots.open_today",
        "depots.forced",
        "depots.display_stock",
        "sites.location",
        "sites.segment",
        "sites.parts_demand",
        "segments.downtime_cost_per_hour",
        "segments.max_wait_h",
        "part_families.unit_cost",
        "part_families.holding_rate",
        "part_families.demand_cv",
        "part_families.critical_share",
        "supply_lanes.origin",
        "supply_lanes.destination",
        "supply_lanes.mode",
        "supply_lanes.lead_time_h",
        "supply_lanes.cost_per_unit",
        "arcs.depot",
        "arcs.site",
        "arcs.distance_km",
        "arcs.transport_cost",
    }
)
