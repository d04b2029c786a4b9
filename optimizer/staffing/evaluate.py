"""The staffing evaluator: cost, value and every KPI of any staffing plan, whoever wrote it.

The prices are those of :mod:`servopt.optimizer.staffing.terms` (the formulas are there); the
constraints a plan may break (accessibility, head counts, occupancy, self-service capacity,
coverage per interval) are those of :func:`servopt.optimizer.staffing.check.plan_violations`. A
plan that does not say how contacts split or who is on duty gets the network's behaviour:

- no ``channel_split`` for a segment: its contacts spread over the channels it can use in
  proportion to its ``channel_preference`` (evenly where it gives none): customers choose their
  channel, nobody routes them;
- no ``staffing``: every head on duty all day (a pool that staffs several channels split among
  them in proportion to their work).

The result's plan states both, so it can be evaluated again and checked.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.result import Kpis, Result, Units, evaluated
from servopt.optimizer.staffing.terms import (
    StaffingOptions,
    channel_rates,
    contact_price,
    day_of,
    measured,
    queue,
    served_by,
    tail_quantile,
    unanswered_after,
    wait_prices,
)


@dataclass(frozen=True)
class ChannelFigures(Kpis):
    """One channel over the day: staff on duty per interval, contacts, how busy and how long a
    contact waits (contact-weighted over the intervals; ``None``: not measurable or no
    contacts). ``staff_cost``: staff hours at the channel's rate. ``p90_wait_min``: 90% of the
    day's contacts are answered within it (``inf``: more than 10% are not answered at all, an
    overloaded interval or those who abandon; :func:`~.terms.tail_quantile`).
    ``occupancy``: contact-weighted over the intervals with staff. ``error_rate``: the share
    of its contacts handled wrongly by its staff at that occupancy, serving as many channels
    as its pools do (:func:`~servopt.models.workforce.error_rate`, the network's ``workforce``);
    ``errors_per_day``; ``error_cost``: each error done again (the channel's cost per contact
    and its service time at the staff's rate); ``error_value``: the customers it loses (the
    segment's ``value_per_customer`` x ``churn_sensitivity``). Errors are reported, not in
    the plan's cost and value."""

    staff: tuple[int, ...]
    contacts_per_day: float
    staff_hours: float
    staff_cost: float
    max_occupancy: float | None
    wait_min: float | None
    abandon_probability: float | None
    p90_wait_min: float | None = None
    occupancy: float | None = None
    error_rate: float | None = None
    errors_per_day: float = 0.0
    error_cost: float = 0.0
    error_value: float = 0.0


@dataclass(frozen=True)
class SegmentFigures(Kpis):
    """One segment over the day: contacts, their split, mean wait (minutes; ``None``: a channel
    it uses cannot be measured), its target (``max_wait_h``), and what its waiting costs.
    ``p90_wait_min``: 90% of its contacts, over its channels and the day, are answered within
    it (as :class:`ChannelFigures`)."""

    contacts_per_day: float
    split: dict[str, float]
    wait_min: float | None
    max_wait_h: float | None
    over_target: bool
    waiting_cost: float
    abandonment_cost: float
    p90_wait_min: float | None = None


@dataclass(frozen=True)
class StaffingKpis(Kpis):
    """Every staffing KPI of a plan; money in the network's currency for the day.

    ``cost`` = staff + contacts (``cost_parts``); ``value`` = waiting + abandonment
    (``value_parts``). ``intervals``: the day's intervals (start minute, hours); one of
    ``hours_per_day`` hours for the average-hour model. ``requirements``: the staff each
    interval needs for the service level (interval staffing only). ``solve`` says how a solver
    reached the plan; ``None`` for a plan only evaluated.
    """

    cost: float
    value: float
    cost_parts: dict[str, float]
    value_parts: dict[str, float]
    intervals: tuple[tuple[float, float], ...]
    channels: dict[str, ChannelFigures]
    segments: dict[str, SegmentFigures]
    segments_over_target: tuple[str, ...]
    requirements: dict[str, tuple[int, ...]] | None = None
    solve: dict[str, Any] | None = None


def default_split(network: ServiceNetwork, segment: str) -> dict[str, float]:
    """A segment's contacts over its channels in proportion to its ``channel_preference``
    (evenly where it gives none)."""
    seg = network.segment(segment)
    prefs = {c: seg.channel_preference.get(c, 0.0) for c in seg.channels}
    total = sum(prefs.values())
    if total <= 0:
        return {c: 1.0 / len(seg.channels) for c in seg.channels}
    return {c: p / total for c, p in prefs.items() if p > 0}


def all_on_duty(
    network: ServiceNetwork, plan: Plan, split: dict[str, dict[str, float]]
) -> dict[str, tuple[int, ...]]:
    """Every head on duty: a pool's people on its channel, or split among its channels in
    proportion to their work (contacts x service time; evenly without any), largest
    remainder."""
    heads = plan.headcounts(network)
    chans = network.index["channels"]
    work: dict[str, float] = {}
    for s, sp in split.items():
        d = network.segment(s).demand_per_day
        for c, share in sp.items():
            work[c] = work.get(c, 0.0) + d * share * (chans[c].service_min or 0.0)
    staff: dict[str, int] = dict.fromkeys(served_by(network, plan), 0)
    for pool, cs in plan.pool_channels(network).items():
        if not cs:
            continue
        w = [work.get(c, 0.0) for c in cs]
        if sum(w) <= 0:
            w = [1.0] * len(cs)
        exact = [heads[pool] * x / sum(w) for x in w]
        whole = [math.floor(x) for x in exact]
        left = heads[pool] - sum(whole)
        for i in sorted(range(len(cs)), key=lambda i: whole[i] - exact[i])[:left]:
            whole[i] += 1
        for c, n in zip(cs, whole, strict=True):
            staff[c] += n
    return {c: (n,) for c, n in staff.items()}


def resolve(
    network: ServiceNetwork, plan: Plan
) -> tuple[dict[str, dict[str, float]], dict[str, tuple[int, ...]], list[str]]:
    """The plan's split and staff with the defaults of the module docstring filled in, and a
    note for each default taken."""
    notes = []
    given = plan.channel_split or {}
    split = {}
    for seg in network.segments:
        if seg.demand_per_day <= 0:
            continue
        if seg.id in given:
            split[seg.id] = {c: v for c, v in given[seg.id].items() if v > 0}
        else:
            split[seg.id] = default_split(network, seg.id)
    defaulted = [s for s in split if s not in given]
    if defaulted:
        notes.append(
            f"channel split of {', '.join(defaulted)}: not in the plan; by "
            "channel_preference (evenly without one)"
        )
    if plan.staffing is None:
        staff = all_on_duty(network, plan, split)
        if staff:
            notes.append("staff: not in the plan; every head on duty all day")
    else:
        staff = {c: tuple(int(x) for x in v) for c, v in plan.staffing.items()}
    return split, staff, notes


def staffing_kpis(
    network: ServiceNetwork,
    plan: Plan,
    options: StaffingOptions,
    split: dict[str, dict[str, float]],
    staff: dict[str, tuple[int, ...]],
) -> tuple[StaffingKpis, list[str]]:
    """The figures of a resolved plan (:func:`resolve`) and the notes on what cannot be
    measured."""
    chans = network.index["channels"]
    length = max((len(v) for v in staff.values()), default=1)
    day = day_of(network, length, options.hours_per_day)
    rates = channel_rates(network, plan)
    used = sorted({c for sp in split.values() for c in sp} | set(staff))
    n_of = {c: staff.get(c, (0,) * length) for c in used}
    cost_contacts = waiting = abandon = 0.0
    ch_fig: dict[str, dict[str, Any]] = {
        c: {"contacts": 0.0, "hours": 0.0, "cost": 0.0, "occ": None, "w": 0.0, "ab": 0.0}
        for c in used
    }
    occ_sum = {c: 0.0 for c in used}  # contact-weighted occupancy
    occ_n = {c: 0.0 for c in used}  # the contacts it weighs (intervals with staff)
    lost_per = {c: 0.0 for c in used}  # the segments' loss of one customer, contact-weighted
    seg_fig: dict[str, dict[str, float]] = {
        s: {"contacts": 0.0, "w": 0.0, "wait": 0.0, "lost": 0.0} for s in split
    }
    blind: set[str] = set()
    # (weight, P(not answered within t)) per channel and per segment, over the day
    ch_tail: dict[str, list[tuple[float, Callable[[float], float]]]] = {c: [] for c in used}
    seg_tail: dict[str, list[tuple[float, Callable[[float], float]]]] = {s: [] for s in split}
    for t, hours in enumerate(day.hours):
        for c in used:
            ch = chans[c]
            n = n_of[c][t] if len(n_of[c]) > 1 else n_of[c][0]
            lam = {
                s: day.per_hour(network.segment(s).demand_per_day, s, t) * sp[c]
                for s, sp in split.items()
                if sp.get(c, 0.0) > 0
            }
            load = sum(lam.values())
            f = ch_fig[c]
            if c in rates:
                f["hours"] += n * hours
                f["cost"] += n * hours * rates[c]
            if load > 0 and ch.service_min and n > 0:
                occ = load * ch.service_min / 60.0 / n
                f["occ"] = occ if f["occ"] is None else max(f["occ"], occ)
                occ_sum[c] += load * hours * occ
                occ_n[c] += load * hours
            if load <= 0:
                continue
            if not measured(ch):
                blind.add(c)
            w, pab = queue(ch, n, load, c in rates) if measured(ch) else (0.0, 0.0)
            tail = unanswered_after(ch, n, load, c in rates)
            ch_tail[c].append((load * hours, tail))
            f["contacts"] += load * hours
            f["w"] += load * hours * w
            f["ab"] += load * hours * pab
            for s, x in lam.items():
                lost_per[c] += x * hours * wait_prices(network, s, 0.0, 1.0)[1]
                k = contact_price(network, s, c, options.preference_cost)
                cost_contacts += x * hours * k
                late, lost = wait_prices(network, s, w, pab)
                waiting += x * hours * late
                abandon += x * hours * lost
                g = seg_fig[s]
                seg_tail[s].append((x * hours, tail))
                g["contacts"] += x * hours
                g["wait"] += x * hours * w
                g["lost"] += x * hours * lost
                g["w"] += x * hours * late
    cost_staff = sum(f["cost"] for f in ch_fig.values())
    errs = _errors(
        network,
        plan,
        ch_fig,
        {c: occ_sum[c] / occ_n[c] for c in used if occ_n[c]},
        lost_per,
        rates,
    )
    channels = {
        c: ChannelFigures(
            staff=n_of[c],
            contacts_per_day=f["contacts"],
            staff_hours=f["hours"],
            staff_cost=f["cost"],
            max_occupancy=f["occ"],
            wait_min=None if c in blind or not f["contacts"] else f["w"] / f["contacts"],
            abandon_probability=None if not f["contacts"] else f["ab"] / f["contacts"],
            p90_wait_min=None if c in blind or not f["contacts"] else tail_quantile(ch_tail[c]),
            **errs.get(c, {}),
        )
        for c, f in ch_fig.items()
    }
    segments = {}
    over = []
    for s, g in seg_fig.items():
        seg = network.segment(s)
        wait = None if any(c in blind for c in split[s]) or not g["contacts"] else g["wait"]
        wait = None if wait is None else wait / g["contacts"]
        late = wait is not None and seg.max_wait_h is not None and wait > seg.max_wait_h * 60
        if late:
            over.append(s)
        segments[s] = SegmentFigures(
            contacts_per_day=g["contacts"],
            split=dict(split[s]),
            wait_min=wait,
            max_wait_h=seg.max_wait_h,
            over_target=late,
            waiting_cost=g["w"],
            abandonment_cost=g["lost"],
            p90_wait_min=None if wait is None else tail_quantile(seg_tail[s]),
        )
    notes = [
        f"channel {c!r} carries {ch_fig[c]['contacts'] / sum(day.hours):,.1f} contacts an hour "
        f"(channels[{list(chans).index(c)}].service_min) but has no service_min and no "
        "capacity_per_hour: its staff and wait are not computed (the value counts no waiting "
        "there, NaN/null, not a measured 0); give the minutes one contact takes"
        for c in sorted(blind)
    ]
    notes += [
        f"segment {s!r} waits {segments[s].wait_min:,.1f} min on average, over its target "
        f"of {segments[s].max_wait_h:g} h"
        for s in over
    ]
    kpis = StaffingKpis(
        cost=cost_staff + cost_contacts,
        value=waiting + abandon,
        cost_parts={"staff": cost_staff, "contacts": cost_contacts},
        value_parts={"waiting": waiting, "abandonment": abandon},
        intervals=tuple(zip(day.starts, day.hours, strict=True)),
        channels=channels,
        segments=segments,
        segments_over_target=tuple(over),
    )
    return kpis, notes


def _errors(
    network: ServiceNetwork,
    plan: Plan,
    ch_fig: dict[str, dict[str, Any]],
    occupancy: dict[str, float],
    lost_per: dict[str, float],
    rates: dict[str, float],
) -> dict[str, dict[str, float]]:
    """Each staffed channel's occupancy and errors (:class:`ChannelFigures`): the channels
    its staff serve at once are the most any of its pools serves with contacts."""
    from servopt.models.workforce import error_rate

    chans = network.index["channels"]
    busy = {c for c, f in ch_fig.items() if f["contacts"] > 0}
    serving: dict[str, int] = {}
    for _pool, cs in plan.pool_channels(network).items():
        live = [c for c in cs if c in busy]
        for c in live:
            serving[c] = max(serving.get(c, 1), len(live))
    out = {}
    for c, f in ch_fig.items():
        n = f["contacts"]
        if not n or c not in occupancy or c not in rates:
            continue
        occ = occupancy[c]
        rate = error_rate(network.workforce, occ, serving.get(c, 1))
        redo = chans[c].cost_per_contact + (chans[c].service_min or 0.0) / 60.0 * rates[c]
        out[c] = {
            "occupancy": occ,
            "error_rate": rate,
            "errors_per_day": rate * n,
            "error_cost": rate * n * redo,
            "error_value": rate * lost_per[c],
        }
    return out


def staffing_units(network: ServiceNetwork) -> Units:
    """Staffing's money is for one day of the staffing window: the network's currency per
    day."""
    return Units(Units.of(network).currency, "day")


def evaluate_staffing(
    network: ServiceNetwork, plan: Plan, options: StaffingOptions | None = None
) -> Result:
    """The figures of any staffing plan on ``network``, with the plan's own pool changes
    applied (head counts, channels).

    Returns a :class:`~servopt.optimizer.result.Result`: ``objective`` ``cost`` and ``value``
    (see :mod:`~servopt.optimizer.staffing.terms`; ``weighted`` under a weighted objective),
    :class:`StaffingKpis`, the plan with its split and staff stated, and ``violations``: what
    the plan breaks (:func:`~servopt.optimizer.staffing.check.plan_violations`).
    """
    from servopt.optimizer.staffing.check import plan_violations

    start = time.perf_counter()
    options = options or StaffingOptions()
    split, staff, notes = resolve(network, plan)
    if not split:
        notes.insert(
            0,
            "nothing to staff: no segment has demand_per_day, so there are no contacts to "
            "route and no channel to staff (the cost of 0 is not a saving)",
        )
    kpis, more = staffing_kpis(network, plan, options, split, staff)
    stated = plan.replace(channel_split=split, staffing=staff)
    violations = plan_violations(network, stated, options)
    units = staffing_units(network)
    return evaluated("staffing", units, options, kpis, stated, start, (*notes, *more), violations)
