"""An independent check of staffing plans: what a plan breaks, and a result's cost and value
recomputed apart from the solver and the evaluator.

:func:`plan_violations` is the one list of staffing's constraints (the evaluator reports them):

- accessibility: a segment's contacts only on channels it lists (case D: a patient who cannot
  use a smartphone is never served by the app);
- every segment's shares sum to 1;
- head counts: the staff on duty in every interval can be drawn from the pools that staff each
  channel, a pool's people split among its channels (a maximum flow from pools to channels,
  networkx, must carry every staff member);
- occupancy: a staffed channel's work per hour is at most ``max_occupancy`` x its staff (a
  queue at or over 1 never empties); self-service within ``capacity_per_hour`` x
  ``availability``;
- coverage (interval staffing): every interval at least at the service level ``target_sl``
  within ``target_s`` seconds (Erlang C).

:func:`check_staffing` also recomputes ``cost`` and ``value`` with its own queueing (Erlang B by
its recursion, Erlang A by summing its birth-death chain), not the solver's or the evaluator's.
"""

from __future__ import annotations

import math

import networkx as nx

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.result import Result
from servopt.optimizer.staffing.terms import StaffingOptions, channel_rates, day_of, served_by

_REL = 1e-6


def _per_hour(network: ServiceNetwork, plan: Plan, options: StaffingOptions) -> list[dict]:
    """Contacts per hour of each (segment, channel) in each interval of the plan's day
    (:func:`~servopt.optimizer.staffing.terms.day_of`), and the interval's hours:
    [{"hours": h, "rate": {(s, c): rate}}]."""
    length = max((len(v) for v in (plan.staffing or {}).values()), default=1)
    day = day_of(network, length, options.hours_per_day)
    out = []
    for t, hours in enumerate(day.hours):
        rate = {
            (s.id, c): day.per_hour(s.demand_per_day, s.id, t) * share
            for s in network.segments
            if s.demand_per_day > 0
            for c, share in (plan.channel_split or {}).get(s.id, {}).items()
        }
        out.append({"hours": hours, "rate": rate})
    return out


def staff_fits(
    heads: dict[str, int], pools: dict[str, tuple[str, ...]], staff: dict[str, int]
) -> bool:
    """Whether ``staff`` (channel -> people on duty) can be drawn from the pools that staff each
    channel (``pools``), a pool's ``heads`` split among its channels: a maximum flow from
    pools to channels carries every staff member (a plain sum per channel when no pool with
    people staffs two channels)."""
    shared = any(heads[p] and sum(p in ps for ps in pools.values()) > 1 for p in heads)
    if not shared:
        return all(n <= sum(heads[p] for p in pools.get(c, ())) for c, n in staff.items() if n)
    g = nx.DiGraph()
    for c, ps in pools.items():
        g.add_edge(("c", c), "sink", capacity=staff.get(c, 0))
        for p in ps:
            g.add_edge("source", ("p", p), capacity=heads[p])
            g.add_edge(("p", p), ("c", c), capacity=heads[p])
    need = sum(staff.get(c, 0) for c in pools)
    return need == 0 or nx.maximum_flow_value(g, "source", "sink") >= need


def _staff(plan: Plan, channel: str, t: int) -> int:
    v = (plan.staffing or {}).get(channel, (0,))
    return int(v[t] if len(v) > 1 else v[0])


def plan_violations(network: ServiceNetwork, plan: Plan, options: StaffingOptions) -> list[str]:
    """What a staffing plan with its split and staff stated breaks (module docstring)."""
    out = []
    chans = network.index["channels"]
    split = plan.channel_split or {}
    for seg in network.segments:
        if seg.demand_per_day <= 0:
            continue
        mine = split.get(seg.id)
        if not mine:
            out.append(f"segment {seg.id!r}: its {seg.demand_per_day:g} contacts a day go nowhere")
            continue
        for c, share in mine.items():
            if share > 0 and c not in seg.channels:
                out.append(
                    f"segment {seg.id!r} is sent to channel {c!r} ({share:.0%} of its contacts), "
                    f"which it cannot use (it can use: {', '.join(seg.channels)})"
                )
        if abs(sum(mine.values()) - 1.0) > 1e-6:
            out.append(f"segment {seg.id!r}: shares sum to {sum(mine.values()):g}, not 1")
    pools = served_by(network, plan)
    heads = plan.headcounts(network)
    for c, per_interval in (plan.staffing or {}).items():
        if c not in pools and any(per_interval):
            out.append(f"channel {c!r} has staff on duty, but no pool staffs it")
    days = _per_hour(network, plan, options)
    for t, day in enumerate(days):
        when = "" if len(days) == 1 else f" in interval {t}"
        on_duty = {c: _staff(plan, c, t) for c in pools}
        if not staff_fits(heads, pools, on_duty):
            out.append(
                f"staff on duty{when} ({sum(on_duty.values())}) cannot be drawn from the pools' "
                f"head counts ({', '.join(f'{c} {n}' for c, n in on_duty.items())})"
            )
        load: dict[str, float] = {}
        for (_s, c), r in day["rate"].items():
            load[c] = load.get(c, 0.0) + r
        for c, lam in load.items():
            ch = chans[c]
            if lam <= 0:
                continue
            if c in pools and ch.service_min:
                n = _staff(plan, c, t)
                work = lam * ch.service_min / 60.0
                if work > options.max_occupancy * n + 1e-9:
                    occ = f"occupancy {work / n:.0%}" if n else "no staff"
                    out.append(
                        f"channel {c!r}{when}: {work:,.2f} Erlangs of work on {n} staff "
                        f"({occ}; at most {options.max_occupancy:.0%})"
                        + (": the queue never empties" if work >= n else "")
                    )
            elif ch.capacity_per_hour is not None:
                if lam > ch.capacity_per_hour * ch.availability + 1e-9:
                    out.append(
                        f"channel {c!r}{when}: {lam:,.1f} contacts an hour over its capacity "
                        f"{ch.capacity_per_hour * ch.availability:,.1f}"
                    )
            elif ch.service_min:
                out.append(f"channel {c!r}{when}: {lam:,.1f} contacts an hour and no staff")
            if options.by_interval and len(days) > 1 and c in pools and ch.service_min:
                sl = _erlang_c_sl(_staff(plan, c, t), lam, ch.service_min * 60.0, options.target_s)
                if sl < options.target_sl - 1e-9:
                    out.append(
                        f"channel {c!r}{when}: service level {sl:.1%} within "
                        f"{options.target_s:g} s, under the target {options.target_sl:.0%}"
                    )
    return out


def _erlang_b(n: int, a: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def _erlang_c_sl(n: int, lam: float, aht_s: float, target_s: float) -> float:
    a = lam * aht_s / 3600.0
    if n <= a:
        return 0.0
    b = _erlang_b(n, a)
    pw = n * b / (n - a * (1.0 - b))
    return 1.0 - pw * math.exp(-(n - a) * target_s / aht_s)


def _wait_and_abandon(n: int, lam: float, aht_s: float, patience_s: float | None):
    """Mean wait (minutes) and abandonment probability, computed here: Erlang C from Erlang B,
    Erlang A by summing the birth-death chain's stationary distribution."""
    if lam <= 0 or aht_s <= 0:
        return 0.0, 0.0
    a = lam * aht_s / 3600.0
    if patience_s is None:
        if n <= a:
            return math.inf, 0.0
        b = _erlang_b(n, a)
        pw = n * b / (n - a * (1.0 - b))
        return pw * aht_s / (n - a) / 60.0, 0.0
    if n < 1:
        return patience_s / 60.0, 1.0
    lam_s, mu, gamma = lam / 3600.0, 1.0 / aht_s, 1.0 / patience_s
    logp = [0.0]
    for k in range(1, n + 1):
        logp.append(logp[-1] + math.log(lam_s / (k * mu)))
    m = 0
    queue_logp = []
    last = logp[-1]
    top = max(logp)
    while True:
        m += 1
        last += math.log(lam_s / (n * mu + m * gamma))
        queue_logp.append(last)
        top = max(top, last)
        if last - top < -60 and lam_s < n * mu + m * gamma:
            break
    z = sum(math.exp(x - top) for x in logp) + sum(math.exp(x - top) for x in queue_logp)
    lq = sum((i + 1) * math.exp(x - top) for i, x in enumerate(queue_logp)) / z
    return lq / lam_s / 60.0, lq * gamma / lam_s


def check_staffing(network: ServiceNetwork, result: Result) -> list[str]:
    """The decision contract's check of ``result`` on ``network``: what its plan breaks
    (:func:`plan_violations`), and its reported ``cost`` and ``value`` recomputed with this
    module's own queueing. Empty when it holds."""
    plan = result.plan
    if plan is None:
        return [] if not result.status.has_plan else ["the result has no plan"]
    options = result.options if isinstance(result.options, StaffingOptions) else StaffingOptions()
    out = plan_violations(network, plan, options)
    chans = network.index["channels"]
    rates = channel_rates(network, plan)
    cost = value = 0.0
    for t, day in enumerate(_per_hour(network, plan, options)):
        h = day["hours"]
        cost += sum(_staff(plan, c, t) * rates[c] * h for c in plan.staffing or {} if c in rates)
        load: dict[str, float] = {}
        for (_s, c), r in day["rate"].items():
            load[c] = load.get(c, 0.0) + r
        for (s, c), r in day["rate"].items():
            seg, ch = network.segment(s), chans[c]
            pref = seg.channel_preference.get(c, 0.0)
            cost += r * h * (ch.cost_per_contact + options.preference_cost * (1.0 - pref))
            if not ch.service_min or (c not in rates and ch.capacity_per_hour is not None):
                continue  # no time taken, or self-service: no wait
            w, pab = _wait_and_abandon(
                _staff(plan, c, t),
                load[c],
                ch.service_min * 60.0,
                None if ch.patience_min is None else ch.patience_min * 60.0,
            )
            if seg.downtime_cost_per_hour:
                value += r * h * seg.downtime_cost_per_hour * w / 60.0
            value += r * h * pab * seg.value_per_customer * seg.churn_sensitivity
    for key, mine in (("cost", cost), ("value", value)):
        if key in result.objective:
            theirs = float(result.objective[key])
            if math.isinf(mine) and math.isinf(theirs):
                continue
            if not abs(theirs - mine) <= _REL * max(abs(mine), 1.0):
                out.append(f"reported {key} {theirs:,.6f} differs from the recomputed {mine:,.6f}")
    return out
