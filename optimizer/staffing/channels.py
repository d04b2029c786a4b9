r"""Channels by segment: which channels carry each segment's demand, and the staff behind them.

.. math::

    \min\; & \sum_{(s,c) \in E} (k_c + \pi (1 - q_{sc})) f_{sc} + \sum_{c \in S} h_c n_c \\
    \text{s.t.}\; & \sum_{c: (s,c) \in E} f_{sc} = d_s \quad \forall s           && (1)\\
        & \sum_s f_{sc} \, a_c / 60 \le \rho_{\max} n_c \quad \forall c \in S    && (2)\\
        & \sum_s f_{sc} \le K_c \quad \forall c \text{ self-service}          && (3)\\
        & n_c = \sum_{p \in P_c} x_{pc} \quad \forall c \in S,\qquad
          \sum_{c: p \in P_c} x_{pc} \le H_p \quad \forall p                    && (4)\\
        & n_c \in \mathbb{Z}_{\ge 0},\; x \ge 0,\; f \ge 0

E: the accessibility edges (a segment has no variable for a channel it cannot use, so it can
never be assigned to one); d_s: the segment's contacts per hour (``demand_per_day`` over
``hours_per_day``); k_c: cost per contact; q_sc in [0, 1]: the segment's preference for the
channel, priced at pi per contact not on a preferred channel; S: staffed channels (those a pool
lists), a_c their handling time in minutes, n_c the staff on duty, h_c the price of a staff
hour (:func:`~servopt.optimizer.staffing.terms.channel_rates`); P_c the pools that staff c, H_p
a pool's head count and x_pc its people on c (4: a pool that staffs two channels splits its
people, never counted on both; x may be fractional, as integer n_c and H_p admit an integer
split, the transportation polytope being integral); K_c: a self-service channel's capacity per
hour.
The expected wait of each segment follows from Erlang C at each staffed channel with the
resulting load and staff, weighted by the segment's flows; segments whose wait exceeds their
``max_wait_h`` are reported.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from typing import Any

import numpy as np

from servopt.models.errors import BadInputError
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status, json_ready
from servopt.optimizer.staffing.queueing import wait_min
from servopt.optimizer.staffing.terms import channel_rates, served_by


@dataclass(frozen=True)
class ChannelMix:
    """The channel mix of the average hour, from :func:`plan_channels`.

    Attributes
    ----------
    status
        The mix's status; without a mix, ``diagnostics`` says why.
    runtime_s
        Seconds the mix took, every re-solve for wait targets included.
    cost_per_hour
        The mix's objective (module docstring): contact costs, preference penalties and
        staff hours, per hour; None without a mix.
    flows
        Segment -> channel -> contacts per hour.
    staff
        Staffed channel -> staff on duty (n_c). A channel carrying contacts with neither a
        ``service_min`` nor a ``capacity_per_hour`` is left out here and in
        ``channel_wait_min`` (said in ``diagnostics``).
    channel_wait_min
        Staffed channel -> Erlang C average wait in minutes (0 when contacts take no time,
        ``inf`` when the channel is overloaded or unstaffed).
    segment_wait_min
        Segment -> its flows' weighted average wait in minutes (NaN when it uses a channel
        whose wait cannot be computed).
    segments_over_target
        Segments whose wait exceeds their ``max_wait_h``.
    diagnostics
        Why there is no mix, or what could not be met or computed, in words.
    """

    status: Status
    runtime_s: float
    cost_per_hour: float | None = None
    flows: dict[str, dict[str, float]] = field(default_factory=dict)  # segment -> channel -> /h
    staff: dict[str, int] = field(default_factory=dict)
    channel_wait_min: dict[str, float] = field(default_factory=dict)
    segment_wait_min: dict[str, float] = field(default_factory=dict)
    segments_over_target: tuple[str, ...] = ()
    diagnostics: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return json_ready({k: getattr(self, k) for k in self.__dataclass_fields__})


def plan_channels(
    network: ServiceNetwork,
    plan: Plan | None = None,
    params: SolveParams | None = None,
    *,
    hours_per_day: float = 8.0,
    max_occupancy: float = 0.85,
    preference_cost: float = 0.0,
    wait_targets: bool = True,
) -> ChannelMix:
    """Assign each segment's demand to channels it can use and staff the channels (see the
    module docstring). Head counts after the plan's pool changes cap the staff.

    With ``wait_targets``, a segment whose expected wait exceeds its ``max_wait_h`` gets the
    channels it uses staffed (Erlang C) for that wait, and the mix is solved again with those
    staff levels as lower bounds, until every target is met or a channel's pools run out of
    people (said in ``diagnostics``). Meeting the target on each channel a segment uses is
    sufficient, not necessary: the staffing can be slightly more than the least."""
    from servopt.optimizer.staffing.channel_milp import solve_channel_milp

    start = time.perf_counter()
    params = params or SolveParams()
    if not 0 < max_occupancy <= 1:
        raise BadInputError(f"max_occupancy must be in (0, 1], got {max_occupancy!r}")
    if not hours_per_day > 0:
        raise BadInputError(f"hours_per_day must be > 0, got {hours_per_day!r}")
    plan = plan or Plan()
    heads = plan.headcounts(network)
    pools = served_by(network, plan)
    channels = network.index["channels"]
    staffed = plan.channel_staff(network)
    hourly = channel_rates(network, plan)
    demand = {
        s.id: s.demand_per_day / hours_per_day for s in network.segments if s.demand_per_day > 0
    }
    if not demand:
        return ChannelMix(
            Status.OPTIMAL,
            time.perf_counter() - start,
            0.0,
            diagnostics=(
                "nothing to staff: no segment has demand_per_day, so there are no contacts "
                "to route and no channel to staff (the cost of 0 is not a saving); give each "
                "segment's contacts per day to size its channels",
            ),
        )
    reasons = []
    for seg in network.segments:
        if seg.id not in demand:
            continue
        usable = [
            c
            for c in seg.channels
            if c in staffed
            or channels[c].capacity_per_hour is not None
            or channels[c].service_min in (None, 0)
        ]
        if not usable:
            reasons.append(
                f"segment {seg.id!r} can only use {', '.join(seg.channels)}, and none of "
                "them has staff or self-service capacity"
            )
    if reasons:
        return ChannelMix(
            Status.INFEASIBLE, time.perf_counter() - start, diagnostics=tuple(reasons)
        )
    min_staff: dict[str, int] = {}
    notes: list[str] = []
    for _ in range(20):
        out = solve_channel_milp(
            network,
            demand,
            heads,
            {c: set(pools[c]) for c in staffed},
            hourly,
            max_occupancy,
            preference_cost,
            params,
            min_staff,
        )
        if not out.status.has_plan:
            reasons = [*notes, out.message] if out.message else list(notes)
            if out.status is Status.INFEASIBLE:
                reasons.append(
                    "the channels these segments can use lack the staff or capacity "
                    "for their demand at the maximum occupancy"
                )
            return ChannelMix(out.status, time.perf_counter() - start, diagnostics=tuple(reasons))
        flows, staff = out.flows, out.staff
        wait_ch, wait_seg, over = _waits(network, flows, staff)
        if not over or not wait_targets:
            break
        # Staff each channel an over-target segment uses for the strictest target on it.
        raised = False
        for c in sorted({c for s in over for c in flows[s] if c in staffed}):
            users = [s for s in flows if c in flows[s]]
            target_min = min((network.segment(s).max_wait_h or math.inf) * 60.0 for s in users)
            need = _staff_for_wait(network, c, sum(flows[s][c] for s in users), target_min)
            if need is None or need > staffed[c]:
                notes.append(
                    f"channel {c!r} would need {need or 'more than any'} staff for a "
                    f"wait of {target_min:g} min; its pools have {staffed[c]}"
                )
                continue
            if need > staff[c]:
                min_staff[c] = need
                raised = True
        if not raised:
            break
    blind = _unmeasured(network, flows)
    for c, (i, rate, users) in blind.items():
        notes.append(
            f"channel {c!r} carries {rate:,.1f} contacts an hour (segment"
            f"{'s' if len(users) > 1 else ''} {', '.join(users)}) but has no service_min "
            f"(channels[{i}].service_min) and no capacity_per_hour: the mix treats it as "
            "needing no staff, so its staff and wait are not computed (NaN, null in JSON, "
            "not 0); give the minutes one contact takes"
        )
    return ChannelMix(
        Status.OPTIMAL if out.status is Status.OPTIMAL else Status.FEASIBLE,
        time.perf_counter() - start,
        out.cost,
        flows,
        {c: n for c, n in staff.items() if c not in blind},
        {c: w for c, w in wait_ch.items() if c not in blind},
        wait_seg,
        tuple(over),
        tuple(dict.fromkeys(notes)),
    )


def _unmeasured(
    network: ServiceNetwork, flows: dict[str, dict[str, float]]
) -> dict[str, tuple[int, float, list[str]]]:
    """Channels that carry contacts but have neither a service time nor a capacity, so that
    nothing bounds them and no wait can be computed: channel -> (index, contacts an hour,
    segments)."""
    out: dict[str, tuple[int, float, list[str]]] = {}
    for i, ch in enumerate(network.channels):
        if ch.service_min is not None or ch.capacity_per_hour is not None:
            continue
        users = [s for s, f in flows.items() if f.get(ch.id, 0.0) > 0]
        if users:
            out[ch.id] = (i, sum(flows[s][ch.id] for s in users), users)
    return out


def _waits(
    network: ServiceNetwork, flows: dict[str, dict[str, float]], staff: dict[str, int]
) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """Erlang C wait per staffed channel, flow-weighted wait per segment, segments over target.

    A channel that carries contacts with neither a service time nor a capacity has no
    computable wait: NaN (JSON null), and so has every segment using it; a self-service
    channel (capacity, no staff) or one whose contacts take 0 minutes waits 0."""
    channels = network.index["channels"]
    blind = _unmeasured(network, flows)
    wait_ch: dict[str, float] = {}
    for c, n in staff.items():
        load_h = sum(flows[s].get(c, 0.0) for s in flows)
        aht = (channels[c].service_min or 0.0) * 60.0
        wait_ch[c] = math.nan if c in blind else wait_min(n, load_h, aht) if aht > 0 else 0.0
    wait_seg: dict[str, float] = {}
    over: list[str] = []
    for s, f in flows.items():
        total = sum(f.values())
        wait_seg[s] = (
            math.nan
            if any(c in blind for c in f)
            else sum(v * wait_ch.get(c, 0.0) for c, v in f.items()) / total
            if total
            else 0.0
        )
        target = network.segment(s).max_wait_h
        if target is not None and wait_seg[s] > target * 60.0 + 1e-9:
            over.append(s)
    return wait_ch, wait_seg, over


def _staff_for_wait(
    network: ServiceNetwork, channel: str, load_per_hour: float, target_min: float
) -> int | None:
    """Fewest staff whose Erlang C average wait is at most ``target_min`` (None: no target)."""
    aht = (network.index["channels"][channel].service_min or 0.0) * 60.0
    if not math.isfinite(target_min):
        return None
    if aht <= 0 or load_per_hour <= 0:
        return 0
    from servopt.optimizer.staffing.queueing import _search_up

    # The wait falls as staff are added: search up from the least stable staffing.
    return _search_up(
        int(load_per_hour * aht / 3600.0) + 1,
        lambda n: wait_min(n, load_per_hour, aht) <= target_min,
    )


@dataclass(frozen=True)
class ChannelSchedule:
    """One staffed channel's staffing by interval, from :func:`staff_by_interval`.

    Attributes
    ----------
    channel
        The channel's id.
    requirements
        Staff to schedule in each staffing interval (Erlang C sizing after shrinkage, or as
        ``raise_requirement`` raised it).
    schedule
        The :class:`~servopt.optimizer.staffing.shifts.ShiftSchedule` covering them.
    """

    channel: str
    requirements: tuple[int, ...]
    schedule: Any  # servopt.optimizer.staffing.shifts.ShiftSchedule


@dataclass(frozen=True)
class IntervalStaffing:
    """Staff per interval and shifts for every staffed channel."""

    status: Status
    mix: ChannelMix
    interval_min: float
    start_min: float
    channels: tuple[ChannelSchedule, ...] = ()
    diagnostics: tuple[str, ...] = ()

    @property
    def cost(self) -> float:
        return sum(c.schedule.cost or 0.0 for c in self.channels)

    def to_dict(self) -> dict[str, Any]:
        return json_ready(
            {
                "status": self.status,
                "interval_min": self.interval_min,
                "start_min": self.start_min,
                "mix": self.mix.to_dict(),
                "shift_cost": self.cost,
                "channels": {
                    c.channel: {
                        "requirements": list(c.requirements),
                        "status": c.schedule.status,
                        "cost": c.schedule.cost,
                        "starts": c.schedule.starts,
                        "under": c.schedule.under,
                        "over": c.schedule.over,
                    }
                    for c in self.channels
                },
                "diagnostics": list(self.diagnostics),
            }
        )


def staff_by_interval(
    network: ServiceNetwork,
    plan: Plan | None = None,
    params: SolveParams | None = None,
    *,
    target_sl: float = 0.8,
    target_s: float = 20.0,
    max_occupancy: float = 0.85,
    shrinkage: float = 0.0,
    templates: Any = None,
    preference_cost: float = 0.0,
    raise_requirement: Any = None,
) -> IntervalStaffing:
    """Interval-by-interval staffing of every staffed channel, then shifts.

    The channel mix of the average hour (:func:`plan_channels`) fixes each segment's shares of
    its channels; each segment's ``demand_per_day`` is spread over the network's staffing
    intervals by its ``arrival_profile``; each staffed channel is sized per interval with Erlang C
    (service level ``target_sl`` within ``target_s`` seconds, occupancy at most
    ``max_occupancy``, then shrinkage), and its requirements are covered by the cheapest shifts
    (default templates: 8 hours with an hour's break, and 4 hours, starting at any interval,
    those that fit in the staffing window; a window under 4 hours is one shift).
    ``raise_requirement(channel, per_hour, requirements, users)`` may raise a channel's
    requirements (``users``: each segment's contacts an hour on it per interval).
    """
    from servopt.optimizer.staffing.queueing import size_agents
    from servopt.optimizer.staffing.shifts import ShiftTemplate, candidate_shifts, schedule_shifts

    params = params or SolveParams()
    dt, t0 = network.staffing_interval_min, network.staffing_start_min
    lengths = {len(s.arrival_profile) for s in network.segments if s.arrival_profile}
    n = lengths.pop() if lengths else max(1, round(8 * 60 / dt))
    mix = plan_channels(
        network,
        plan,
        params,
        hours_per_day=n * dt / 60.0,
        max_occupancy=max_occupancy,
        preference_cost=preference_cost,
    )
    if not mix.status.has_plan:
        return IntervalStaffing(mix.status, mix, dt, t0, diagnostics=mix.diagnostics)
    channels = network.index["channels"]
    per_hour: dict[str, np.ndarray] = {c: np.zeros(n) for c in mix.staff}
    users: dict[str, dict[str, np.ndarray]] = {c: {} for c in mix.staff}
    for seg in network.segments:
        if seg.id not in mix.flows:
            continue
        weights = np.array(seg.arrival_profile or [1.0] * n, dtype=float)
        per_interval = seg.demand_per_day * weights / weights.sum()
        total = sum(mix.flows[seg.id].values())
        for c, flow in mix.flows[seg.id].items():
            if c in per_hour:
                mine = per_interval * (flow / total) * 60.0 / dt
                per_hour[c] += mine
                users[c][seg.id] = mine
    if templates is None:
        # 8 hours with an hour's break and 4 hours, where they fit in the staffing window; a
        # window shorter than 4 hours is one shift of its own length.
        span = n * dt
        templates = []
        if span >= 480:
            templates.append(
                ShiftTemplate(
                    "8h", 480, t0, t0 + span - 480, dt, days=(0,), break_after_min=240, break_min=60
                )
            )
        if span >= 240:
            templates.append(ShiftTemplate("4h", 240, t0, t0 + span - 240, dt, days=(0,)))
        if not templates:
            templates.append(ShiftTemplate(f"{span:g}min", span, t0, t0, dt, days=(0,)))
    out = []
    notes = list(mix.diagnostics)
    for c, lam in per_hour.items():
        req = np.zeros(n, dtype=int)
        busy = lam > 0
        aht = (channels[c].service_min or 0.0) * 60.0
        if busy.any() and aht > 0:
            req[busy] = size_agents(
                lam[busy],
                aht,
                target_sl=target_sl,
                target_s=target_s,
                max_occupancy=max_occupancy,
                shrinkage=shrinkage,
            ).scheduled
        if raise_requirement is not None:
            req = np.asarray(raise_requirement(c, lam, req, users[c]), dtype=int)
        # Shift templates live on the clock; shift them to the staffing window's intervals.
        pools = [p for p in network.pools if c in p.channels]
        rate = (sum(p.cost_per_hour for p in pools) / len(pools)) if pools else 1.0
        shifted = [
            dataclass_replace(
                tp,
                earliest_min=tp.earliest_min - t0,
                latest_min=tp.latest_min - t0,
                cost_per_hour=rate,
            )
            for tp in templates
        ]
        cands = candidate_shifts(shifted, n, dt, wrap=False)
        sched = schedule_shifts(req, cands, params)
        if sched.status is Status.INFEASIBLE:
            notes.extend(sched.diagnostics)
        out.append(ChannelSchedule(c, tuple(int(r) for r in req), sched))
    status = (
        Status.OPTIMAL
        if all(c.schedule.status is Status.OPTIMAL for c in out)
        else Status.FEASIBLE
        if all(c.schedule.status.has_plan for c in out)
        else Status.INFEASIBLE
    )
    return IntervalStaffing(status, mix, dt, t0, tuple(out), tuple(notes))
