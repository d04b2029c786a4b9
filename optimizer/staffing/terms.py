r"""How staffing prices a plan: the one set of formulas the solver optimises and the evaluator
recomputes. Money is in the network's currency for one day of the staffing window.

A staffing plan splits each segment's contacts over the channels it can use (``channel_split``:
segment -> channel -> share) and puts staff on duty on each staffed channel (``staffing``:
channel -> staff per interval). The day is one or more intervals t of :math:`H_t` hours: one
*average hour* repeated over ``hours_per_day`` (a ``staffing`` tuple of length 1), or the
network's staffing intervals (length = the segments' ``arrival_profile``), each segment's
``demand_per_day`` spread over them by its profile.

.. math::

    \text{cost} &= \sum_t H_t \Big( \sum_c r_c\, n_{ct}
        + \sum_{s,c} \lambda_{sct} (k_c + \pi (1 - q_{sc})) \Big) \\
    \text{value} &= \sum_t H_t \sum_{s,c} \lambda_{sct} \Big( \delta_s \frac{W_c(n_{ct},
        \lambda_{ct})}{60} + P^{ab}_c(n_{ct}, \lambda_{ct})\, v_s\, \chi_s \Big)

:math:`\lambda_{sct}`: segment s's contacts per hour on channel c in interval t (its share of
the segment's rate), :math:`\lambda_{ct} = \sum_s \lambda_{sct}`; :math:`n_{ct}`: staff on duty;
:math:`r_c`: the price of a staff hour on c, the head-count-weighted mean ``cost_per_hour`` of
the pools that staff it (:func:`channel_rates`); :math:`k_c`: ``cost_per_contact``;
:math:`\pi`: ``preference_cost`` per contact on a channel the segment does not prefer
(:math:`q_{sc}`: its ``channel_preference``); :math:`\delta_s`: the segment's
``downtime_cost_per_hour`` (the price of a customer's hour of waiting); :math:`W_c`: the mean
wait in minutes, Erlang C, or Erlang A where the channel has ``patience_min`` (then
:math:`P^{ab}_c` is the probability a contact abandons, priced at the segment's
``value_per_customer`` :math:`v_s` times its ``churn_sensitivity`` :math:`\chi_s`: an abandoned
contact is a lost customer with that probability). A self-service channel (capacity, no staff)
and one whose contacts take no time wait 0; a channel with contacts and neither a service time
nor a capacity cannot be measured: its wait counts 0 and a note says so.

Objectives (:class:`~servopt.optimizer.params.ObjectiveOptions`): ``cost``, ``value`` and
``weighted``; the staffing method cannot hold a cap (``max_cost``, ``max_value``) and refuses
one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from servopt.models.entities import Channel
from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.params import Objective, ObjectiveOptions


@dataclass(frozen=True, kw_only=True)
class StaffingOptions(ObjectiveOptions):
    """How staffing prices and solves (the figures are in the module docstring).

    ``hours_per_day``: the day of the average-hour model (``demand_per_day`` over these hours);
    ``max_occupancy``: the most a staffed channel's staff may be busy (a hard limit in every
    interval); ``preference_cost``: :math:`\\pi`; ``by_interval``: staff each staffing interval
    (the segments' arrival profiles) and cover it with shifts, with every interval at least at
    service level ``target_sl`` within ``target_s`` seconds (Erlang C).
    """

    hours_per_day: float = 8.0
    max_occupancy: float = 0.85
    preference_cost: float = 0.0
    by_interval: bool = False
    target_sl: float = 0.8
    target_s: float = 20.0

    def objective_problems(self) -> list[Problem]:
        problems = super().objective_problems()
        checks = (
            ("hours_per_day", 0.0 < self.hours_per_day <= 24.0, "in (0, 24] hours"),
            ("max_occupancy", 0.0 < self.max_occupancy <= 1.0, "in (0, 1]"),
            ("preference_cost", self.preference_cost >= 0.0, "a price >= 0"),
            ("target_sl", 0.0 < self.target_sl < 1.0, "in (0, 1)"),
            ("target_s", self.target_s >= 0.0, "seconds >= 0"),
        )
        for name, ok, expected in checks:
            v = getattr(self, name)
            if not isinstance(v, int | float) or not math.isfinite(v) or not ok:
                problems.append(Problem(name, f"must be {expected}, got {v!r}"))
        return problems

    @property
    def weights(self) -> tuple[float, float]:
        """(cost weight, value weight) of the scalar the solver minimises."""
        if self.objective is Objective.COST:
            return 1.0, 0.0
        if self.objective is Objective.VALUE:
            return 0.0, 1.0
        return 1.0, self.value_weight


#: Staffing holds no cap as a constraint (its waits are not linear in the staff).
CAPS_HELD: frozenset[str] = frozenset()

#: Every input field staffing reads (see :func:`servopt.optimizer.decision.unused_inputs`).
READS = frozenset(
    {
        "network.currency",
        "network.staffing_start_min",
        "network.staffing_interval_min",
        "channels.cost_per_contact",
        "channels.service_min",
        "channels.capacity_per_hour",
        "channels.availability",
        "channels.patience_min",
        "segments.channels",
        "segments.demand_per_day",
        "segments.arrival_profile",
        "segments.downtime_cost_per_hour",
        "segments.value_per_customer",
        "segments.churn_sensitivity",
        "segments.channel_preference",
        "segments.max_wait_h",
        "pools.headcount",
        "pools.channels",
        "pools.cost_per_hour",
    }
)


def served_by(network: ServiceNetwork, plan: Plan) -> dict[str, tuple[str, ...]]:
    """The pools that staff each staffed channel under ``plan`` (its pool changes applied)."""
    out: dict[str, list[str]] = {}
    for pool_id, chans in plan.pool_channels(network).items():
        for c in chans:
            out.setdefault(c, []).append(pool_id)
    return {c: tuple(ps) for c, ps in out.items()}


def channel_rates(network: ServiceNetwork, plan: Plan) -> dict[str, float]:
    """:math:`r_c`: the price of one staff hour on each staffed channel, the head-count-weighted
    mean ``cost_per_hour`` of the pools that staff it (their plain mean when none has people)."""
    heads = plan.headcounts(network)
    out = {}
    for c, pools in served_by(network, plan).items():
        total = sum(heads[p] for p in pools)
        rates = [network.pool(p).cost_per_hour for p in pools]
        out[c] = (
            sum(network.pool(p).cost_per_hour * heads[p] for p in pools) / total
            if total
            else sum(rates) / len(rates)
        )
    return out


def contact_price(network: ServiceNetwork, segment: str, channel: str, pi: float) -> float:
    """:math:`k_c + \\pi (1 - q_{sc})`: the company's price of one contact of ``segment`` on
    ``channel``."""
    pref = network.segment(segment).channel_preference.get(channel, 0.0)
    return network.index["channels"][channel].cost_per_contact + pi * (1.0 - pref)


def measured(channel: Channel) -> bool:
    """Whether a channel's wait can be computed (a service time or a capacity)."""
    return channel.service_min is not None or channel.capacity_per_hour is not None


def queue(channel: Channel, staff: int, per_hour: float, staffed: bool) -> tuple[float, float]:
    """(mean wait in minutes, probability of abandoning) of ``channel`` with ``staff`` on duty
    and ``per_hour`` contacts an hour: Erlang C, or Erlang A with ``patience_min``. A channel
    without a service time, or self-service (a capacity and no pool ``staffed`` it), waits 0.
    Overloaded under Erlang C: ``inf``. No staff under Erlang A: everyone waits out their
    patience and leaves."""
    from servopt.optimizer.staffing.queueing import erlang_a, wait_min

    aht = (channel.service_min or 0.0) * 60.0
    if per_hour <= 0 or aht <= 0 or (not staffed and channel.capacity_per_hour is not None):
        return 0.0, 0.0
    if channel.patience_min is None:
        return wait_min(staff, per_hour, aht), 0.0
    if staff < 1:
        return channel.patience_min, 1.0
    fig = erlang_a(staff, per_hour, aht, channel.patience_min * 60.0, 0.0)
    return float(fig.asa_s) / 60.0, float(fig.abandon_probability)


def unanswered_after(
    channel: Channel, staff: int, per_hour: float, staffed: bool
) -> Callable[[float], float]:
    """t (minutes) -> the probability that a contact of ``channel`` is not answered within t
    (the service level's complement, as :func:`queue` models the channel): Erlang C's
    ``C exp(-(c - A) t / s)``, 1 when overloaded or unstaffed; under Erlang A those who abandon
    first count as not answered. 0 for a channel :func:`queue` says waits 0."""
    from servopt.optimizer.staffing.queueing import erlang_a, erlang_c

    aht = (channel.service_min or 0.0) * 60.0
    if per_hour <= 0 or aht <= 0 or (not staffed and channel.capacity_per_hour is not None):
        return lambda t: 0.0
    if staff < 1:
        return lambda t: 1.0
    if channel.patience_min is None:
        fig = erlang_c(staff, per_hour, aht, 0.0)
        if not fig.stable:
            return lambda t: 1.0
        pw, rate = float(fig.wait_probability), (staff - float(fig.offered_load)) / aht * 60.0
        return lambda t: pw * math.exp(-rate * t)
    patience = channel.patience_min * 60.0
    return lambda t: 1.0 - float(erlang_a(staff, per_hour, aht, patience, t * 60.0).service_level)


def tail_quantile(
    parts: list[tuple[float, Callable[[float], float]]], q: float = 0.9, horizon_min: float = 1e6
) -> float:
    """The wait (minutes) within which a share ``q`` of the contacts of a mixture are answered:
    the least t with sum_k w_k P_k(W > t) <= (1 - q) sum_k w_k, for ``parts`` of (weight,
    :func:`unanswered_after`); ``inf`` when even ``horizon_min`` is not enough (overloaded or
    abandoned parts weigh more than 1 - q). Bisection to 0.01 min.

    >>> round(tail_quantile([(1.0, lambda t: 0.5 * math.exp(-t / 10))]), 1)  # 10 ln 5 = 16.09
    16.1
    """
    total = sum(w for w, _ in parts)
    if total <= 0:
        return 0.0
    limit = (1.0 - q) * total

    def over(t: float) -> float:
        return sum(w * f(t) for w, f in parts if w > 0)

    if over(0.0) <= limit:
        return 0.0
    hi = 1.0
    while over(hi) > limit:
        hi *= 2.0
        if hi > horizon_min:
            return math.inf
    lo = hi / 2.0 if hi > 1.0 else 0.0
    while hi - lo > 0.01:
        mid = (lo + hi) / 2.0
        lo, hi = (lo, mid) if over(mid) <= limit else (mid, hi)
    return hi


def wait_prices(
    network: ServiceNetwork, segment: str, wait: float, abandon: float
) -> tuple[float, float]:
    """The customers' cost of one contact of ``segment`` that waits ``wait`` minutes and
    abandons with probability ``abandon``, as (waiting :math:`\\delta_s W / 60`, abandonment
    :math:`P^{ab} v_s \\chi_s`); a segment that prices neither pays 0 even for an endless wait."""
    seg = network.segment(segment)
    lost = abandon * seg.value_per_customer * seg.churn_sensitivity if abandon else 0.0
    late = seg.downtime_cost_per_hour * wait / 60.0 if seg.downtime_cost_per_hour else 0.0
    return late, lost


def wait_price(network: ServiceNetwork, segment: str, wait: float, abandon: float) -> float:
    """The sum of :func:`wait_prices`."""
    return sum(wait_prices(network, segment, wait, abandon))


@dataclass(frozen=True)
class Day:
    """The day a staffing plan is priced over: ``hours[t]`` per interval, each segment's share
    of its daily contacts in each interval, and the interval starts (minutes)."""

    hours: tuple[float, ...]
    share: dict[str, tuple[float, ...]]
    starts: tuple[float, ...]

    def per_hour(self, demand_per_day: float, segment: str, t: int) -> float:
        """Contacts an hour of a segment with ``demand_per_day`` in interval ``t``."""
        return demand_per_day * self.share[segment][t] / self.hours[t]


def day_of(network: ServiceNetwork, intervals: int, hours_per_day: float) -> Day:
    """One average hour (``intervals`` 1) or the network's staffing intervals, each segment's
    ``demand_per_day`` spread over them by its ``arrival_profile`` (evenly without one)."""
    segs = [s for s in network.segments if s.demand_per_day > 0]
    if intervals == 1:
        return Day((hours_per_day,), {s.id: (1.0,) for s in segs}, (network.staffing_start_min,))
    profiles = {len(s.arrival_profile) for s in network.segments if s.arrival_profile}
    if profiles and profiles != {intervals}:
        raise BadInputError(
            [
                Problem(
                    "staffing",
                    f"gives staff for {intervals} intervals; the network's arrival profiles have "
                    f"{profiles.pop()} (one number for the average hour, or one per interval)",
                )
            ]
        )
    dt = network.staffing_interval_min
    share = {}
    for s in segs:
        w = list(s.arrival_profile) or [1.0] * intervals
        share[s.id] = tuple(x / sum(w) for x in w)
    starts = tuple(network.staffing_start_min + t * dt for t in range(intervals))
    return Day((dt / 60.0,) * intervals, share, starts)
