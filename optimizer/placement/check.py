"""Independent checkers of plans: feasibility, and the objective recomputed from scratch.

Each checker works from the network's entities and the plan's decisions with plain loops, on
purpose sharing no code with the solver or the vectorised evaluator: a certificate that a
solver's output is what it claims (networkx's flow checkers are the model). Every solver's
output passes through one in the tests.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from statistics import NormalDist

from servopt.models.entities import LaneMode
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.placement.terms import HOURS_PER_YEAR, PlacementOptions
from servopt.optimizer.result import Result

_REL = 1e-6


def _close(a: float, b: float, rel: float = _REL) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def placement_shares(net: ServiceNetwork, plan: Plan) -> dict[str, dict[str, float]]:
    """site -> depot -> share; nearest open depot (by distance) when the plan gives none."""
    if plan.assignments is not None:
        return plan.shares()
    opened = plan.open_depot_ids(net)
    out: dict[str, dict[str, float]] = {}
    for s in net.sites:
        if opened:
            best = min(opened, key=lambda d: (net.distance_km(d, s.id), opened.index(d)))
            out[s.id] = {best: 1.0}
    return out


def recompute_placement(
    net: ServiceNetwork, plan: Plan, options: PlacementOptions | None = None
) -> dict[str, float | dict]:
    """Cost, downtime and per-site expected waits of a placement plan, by plain loops."""
    o = options or PlacementOptions()
    tr = net.travel
    fams = {p.id: p for p in net.part_families}

    def alpha(p: str) -> float:
        sl = o.service_level
        return float(sl.get(p, 0.95)) if isinstance(sl, dict) else float(sl)

    regular: dict[str, tuple[float, float]] = {}
    expedited: dict[str, tuple[float, float]] = {}
    for lane in net.supply_lanes:
        if lane.destination in net.index["depots"]:
            book = regular if lane.mode is LaneMode.REGULAR else expedited
            book.setdefault(lane.destination, (lane.lead_time_h, lane.cost_per_unit))
    shares = placement_shares(net, plan)
    opened = plan.open_depot_ids(net)
    cost: defaultdict[str, float] = defaultdict(float)
    for d in opened:
        cost["fixed"] += net.depot(d).fixed_cost
        if o.stock:
            for p, q in net.depot(d).display_stock.items():
                cost["holding_display"] += q * fams[p].unit_cost * fams[p].holding_rate
    downtime = 0.0
    # (depot, family) -> [(site, units, exp_lead, exp_cost, downtime per unit-hour)]
    promised: defaultdict[tuple[str, str], list[tuple[str, float, float, float, float]]] = (
        defaultdict(list)
    )
    within = 0.0
    waits: dict[str, float] = {}
    variance: dict[tuple[str, str], float] = defaultdict(float)
    for site in net.sites:
        seg = net.segment(site.segment)
        cap = seg.max_wait_h if seg.max_wait_h is not None else math.inf
        if o.max_wait_h is not None:
            cap = min(cap, o.max_wait_h)
        demand = site.demand
        site_wait = 0.0
        for d, share in shares.get(site.id, {}).items():
            lead, repl = regular.get(d, (0.0, 0.0))
            exp_lead, exp_cost = expedited.get(d, (lead, 0.0))
            if not o.expediting:
                exp_lead, exp_cost = lead, 0.0
            arc = net.arc(d, site.id)
            dist = net.distance_km(d, site.id)
            for p, q in site.parts_demand.items():
                units = q * share
                out_unit = tr.freight_cost_per_unit_km * dist
                miss = (1 - alpha(p)) if o.stock else 0.0
                wait = tr.freight_handling_h + dist / tr.freight_kmh + miss * exp_lead
                flown = False
                road_transit = tr.freight_handling_h + dist / tr.freight_kmh
                if o.air_when_late and o.service and wait > cap + 1e-9:
                    air_wait = tr.air_transit_h + miss * exp_lead
                    flown = air_wait < wait
                    wait = min(wait, air_wait)
                if arc is None or arc.transport_cost is None:
                    key = "outbound_air" if flown else "outbound_road"
                    cost[key] += units * out_unit * (tr.air_cost_factor if flown else 1.0)
                if o.stock:
                    pf = fams[p]
                    cost["replenishment"] += units * repl
                    cost["expediting"] += units * miss * exp_cost
                    cost["holding_cycle"] += (
                        units * o.review_period_days / 365 / 2 * pf.unit_cost * pf.holding_rate
                    )
                    variance[d, p] += (pf.demand_cv * q) ** 2 * share
                promised[d, p].append(
                    (
                        site.id,
                        units,
                        exp_lead,
                        exp_cost,
                        fams[p].critical_share * seg.downtime_cost_per_hour * o.service,
                    )
                )
                if o.service:
                    downtime += units * fams[p].critical_share * seg.downtime_cost_per_hour * wait
                site_wait += units * wait
                transit = tr.air_transit_h if flown else road_transit
                if o.within_hours is not None and transit <= o.within_hours:
                    within += units * alpha(p)
            if arc is not None and arc.transport_cost is not None:
                cost["outbound_road"] += arc.transport_cost * share
        if demand > 0:
            waits[site.id] = site_wait / demand
    for (d, p), v in variance.items():
        pf = fams[p]
        lead = regular.get(d, (0.0, 0.0))[0]
        z = NormalDist().inv_cdf(alpha(p))
        cost["holding_safety"] += (
            pf.unit_cost * pf.holding_rate * z * math.sqrt(lead / HOURS_PER_YEAR * v)
        )
    if plan.promise_display_stock and o.stock:
        # Display units in the stock position: the real safety stock is that much lower.
        for (d, p), rows in promised.items():
            shown = net.depot(d).display_stock.get(p, 0.0)
            if shown <= 0 or not sum(r[1] for r in rows):
                continue
            lead = regular.get(d, (0.0, 0.0))[0]
            sd = math.sqrt(lead / HOURS_PER_YEAR * variance[d, p])
            z = NormalDist().inv_cdf(alpha(p))
            real = NormalDist().cdf(z - shown / sd) if sd > 0 else 0.0
            gap = max(0.0, alpha(p) - real)
            for site_id, units, exp_lead, exp_cost, rate in rows:
                cost["failed_promises"] += units * gap * exp_cost
                downtime += units * gap * exp_lead * rate
                waits[site_id] += units * gap * exp_lead / net.site(site_id).demand
    return {
        "cost": sum(cost.values()),
        "value": downtime,
        "breakdown": dict(cost),
        "site_wait_h": waits,
        "within_units": within,
    }


def check_placement_plan(
    net: ServiceNetwork,
    plan: Plan,
    options: PlacementOptions | None = None,
    reported: Mapping[str, float] | None = None,
) -> list[str]:
    """Every violation of ``plan`` on ``net`` (empty when it is feasible and, with
    ``reported``, when the reported ``cost``/``value`` equal the recomputed ones)."""
    o = options or PlacementOptions()
    out: list[str] = []
    out += [f"{p.path}: {p.message}" for p in plan.check_against(net)]
    if out:
        return out
    opened = set(plan.open_depot_ids(net))
    forced_open = {d.id for d in net.depots if d.forced == "open"} | set(o.force_open)
    forced_closed = {d.id for d in net.depots if d.forced == "closed"} | set(o.force_closed)
    out += [f"depot {d!r} must be open" for d in sorted(forced_open - opened)]
    out += [f"depot {d!r} must be closed" for d in sorted(forced_closed & opened)]
    for lane in net.supply_lanes:
        if (
            lane.mode is LaneMode.REGULAR
            and lane.destination in opened
            and lane.origin is not None
            and lane.origin not in opened
        ):
            out.append(
                f"depot {lane.destination!r} is open but {lane.origin!r}, which "
                "replenishes it, is closed"
            )
    shares = placement_shares(net, plan)
    load: dict[str, float] = defaultdict(float)
    for site in net.sites:
        if site.demand <= 0:
            continue
        mine = shares.get(site.id, {})
        total = sum(mine.values())
        if not _close(total, 1.0):
            out.append(f"site {site.id!r}: shares sum to {total:.6g}, expected 1")
        for d, share in mine.items():
            if d not in opened:
                out.append(f"site {site.id!r} is served from closed depot {d!r}")
            load[d] += share * site.demand
        if o.single_sourcing and not (len(mine) == 1 and _close(total, 1.0)):
            out.append(
                f"site {site.id!r} is served by {len(mine)} depots; single sourcing expects one"
            )
    for d, used in load.items():
        cap = net.depot(d).capacity
        if cap is not None and used > cap * (1 + _REL) + _REL:
            out.append(f"depot {d!r} ships {used:,.6g}, above its capacity {cap:,.6g}")
    figures = recompute_placement(net, plan, o)
    waits = figures["site_wait_h"]
    assert isinstance(waits, dict)
    for site in net.sites:
        seg = net.segment(site.segment)
        caps = [o.max_wait_h] if o.max_wait_h is not None else []
        if o.enforce_segment_max_wait and seg.max_wait_h is not None:
            caps.append(seg.max_wait_h)
        if caps and site.id in waits and waits[site.id] > min(caps) * (1 + _REL) + _REL:
            out.append(
                f"site {site.id!r}: expected parts wait {waits[site.id]:.2f} h, above "
                f"the maximum {min(caps):g} h"
            )
    if o.min_share_within is not None and net.total_demand > 0:
        share = float(figures["within_units"]) / net.total_demand  # type: ignore[arg-type]
        if share < o.min_share_within - _REL:
            out.append(
                f"{share:.4%} of demand is served from stock within {o.within_hours:g} "
                f"h, below the required {o.min_share_within:.4%}"
            )
    for cap_name, key in (("max_cost", "cost"), ("max_value", "value")):
        limit = getattr(o, cap_name)
        if limit is not None and float(figures[key]) > limit * (1 + _REL) + _REL:  # type: ignore[arg-type]
            out.append(f"{key} {figures[key]:,.2f} is above {cap_name} {limit:,.2f}")
    if reported is not None:
        for key in ("cost", "value"):
            if key in reported and not _close(float(reported[key]), float(figures[key])):  # type: ignore[arg-type]
                out.append(
                    f"reported {key} {reported[key]:,.6f} differs from the recomputed "
                    f"{figures[key]:,.6f}"
                )
    return out


def check_placement(network: ServiceNetwork, result: Result) -> list[str]:
    """The decision contract's check: :func:`check_placement_plan` of ``result``'s plan under its
    options, with its reported ``cost`` and ``value``. Empty when the result holds."""
    if result.plan is None:
        return [] if not result.status.has_plan else ["the result has no plan"]
    options = result.options if isinstance(result.options, PlacementOptions) else None
    return check_placement_plan(network, result.plan, options, reported=result.objective)
