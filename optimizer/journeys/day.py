"""A day of a journey, simulated: visit times per segment from queueing over the day.

Averages hide the patient who cannot use the app. This simulation (SimPy, seeded independent
replications, the conventions of :mod:`servopt.optimizer.journeys.simulate`) walks every
segment's customers through the journey over one day and reports each segment's visit time
apart, mean and 90th percentile:

* **Arrivals** follow each segment's ``demand_per_day`` spread by its ``arrival_profile`` over
  the network's staffing intervals (Poisson within each interval).
* **Staff** follow their shifts: nobody serves before the shift starts; each person takes the
  break (``break_start_min``: together; otherwise staggered over the middle of the shift) and
  finishes the case in hand first; after the shift, the staff stay until the people who
  arrived are served (the overtime is reported, not hidden as "unserved").
* **Capacity** is the resource's busy time per case: the customer's ``service_min`` (drawn
  exponential, as in the journey simulation) and the ``documentation_min`` written after the
  customer leaves (fixed). So a doctor's patients per day come out of consultation and record
  time: ``capacity_per_staff`` = the shift's working minutes / the busy minutes per case.
* **Channels**: a step done through a channel a segment can use is done there: an app has no
  queue, a kiosk queues for its ``capacity_per_hour x service_min / 60`` machines, a staffed
  channel queues for the pool that staffs it (the one of the step's department first). A
  segment that cannot use the step's channel never does: its customer uses one of the
  segment's own channels, drawn by ``channel_preference`` among those open under the plan, with
  that channel's service time. Segments without a usable channel are reported as an error.

:func:`fewest_staff_for_target` searches the fewest extra people in one pool for which every
segment's mean visit meets its target. (Adding people is not always the answer: a common lunch
hour or a clinic that opens an hour after its first patients makes a queue that no head count
removes; ``SegmentDay.queued_min`` shows where each segment's visit goes.)
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from servopt.models.entities import ChannelKind
from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.journeys.analysis import _chain, _visits, _with_extra
from servopt.optimizer.journeys.simulate import next_step
from servopt.optimizer.result import json_ready

_PERCENTILES = (50, 90)
_SELF_SERVICE = {ChannelKind.APP, ChannelKind.WEB, ChannelKind.KIOSK}


@dataclass(frozen=True)
class SegmentDay:
    """One segment's visits over the simulated day (all replications pooled).

    Attributes
    ----------
    segment
        Segment id (``"everyone"`` for all segments together).
    customers
        Customers who arrived in a day (mean over replications).
    mean_min, p50_min, p90_min
        Visit time from arrival to the end of the journey, in minutes.
    target_min
        The segment's target (its ``max_wait_h`` unless the caller gives one).
    within_target
        Share of visits within the target.
    channels
        Share of the segment's channel steps done through each channel.
    queued_min
        Minutes a customer of the segment spends in line at each resource (pool, or
        ``channel:ID`` for self-service machines), over the whole visit: where the visit goes.
    """

    segment: str
    customers: float
    mean_min: float
    p50_min: float
    p90_min: float
    target_min: float
    within_target: float
    channels: dict[str, float] = field(default_factory=dict)
    queued_min: dict[str, float] = field(default_factory=dict)

    @property
    def meets_target(self) -> bool:
        """The mean visit is within the target."""
        return self.mean_min <= self.target_min + 1e-9


@dataclass(frozen=True)
class PoolDay:
    """One staff pool's day.

    Attributes
    ----------
    pool
        Pool id.
    staff
        Head count under the plan.
    busy_min_per_case
        Minutes of the pool's time per case of the journey (expected visits x (service +
        documentation)), the model's input for throughput.
    capacity_per_staff
        Cases one person can take in a shift's working minutes (working minutes /
        ``busy_min_per_case``): the throughput that documentation time lowers. Counted in
        cases of the journey: for a pool that only some cases visit (exams), more than the
        visits it makes.
    served_per_staff
        Cases the pool finished within its shift over the simulated day, per person (each
        case once; the rest were served in overtime).
    utilisation
        Busy minutes over the shift's working minutes of all staff (above 1: overtime).
    overtime_min
        How long after the shift's end the last case was finished (mean over replications).
    """

    pool: str
    staff: int
    busy_min_per_case: float
    capacity_per_staff: float
    served_per_staff: float
    utilisation: float
    overtime_min: float


@dataclass(frozen=True)
class JourneyDay:
    """What :func:`simulate_day` measured."""

    journey: str
    replications: int
    seed: int
    segments: dict[str, SegmentDay]
    everyone: SegmentDay
    pools: dict[str, PoolDay]

    @property
    def meets_target(self) -> bool:
        """Every segment's mean visit meets its target (not only the average over all)."""
        return all(s.meets_target for s in self.segments.values())

    def to_dict(self) -> dict[str, Any]:
        return json_ready(
            {
                "journey": self.journey,
                "replications": self.replications,
                "seed": self.seed,
                "meets_target": self.meets_target,
                "segments": {k: v.__dict__ for k, v in self.segments.items()},
                "everyone": self.everyone.__dict__,
                "pools": {k: v.__dict__ for k, v in self.pools.items()},
            }
        )


@dataclass(frozen=True)
class _Server:
    """Where a customer is served at a step: a resource key, its capacity, the service time."""

    key: str | None  # None: no queue (an app)
    service_min: float
    documentation_min: float
    channel: str | None  # the channel used, when the step is done through one
    pool: str | None


def _shift_window(pool: Any) -> tuple[float, float, float, float | None]:
    """(start, end, break minutes, break start) of a pool's first shift; all day without one."""
    if not pool.shifts:
        return 0.0, 24 * 60.0, 0.0, None
    s = pool.shifts[0]
    return s.start_min, s.end_min, s.break_min, s.break_start_min


def _servers(
    network: ServiceNetwork, plan: Plan, journey: Any, segment: Any
) -> tuple[list[dict[str, _Server]], list[float]]:
    """Per step, the servers the segment's customers use by channel drawn (``""``: the step
    needs no draw), and the channel draw's probabilities over the segment's channels."""
    pools = {p.id: p for p in plan.pools(network)}
    heads = plan.headcounts(network)
    by_channel: dict[str, list[Any]] = {}
    for p in pools.values():
        for ch in p.channels:
            if heads.get(p.id, 0) > 0:
                by_channel.setdefault(ch, []).append(p)
    channels = network.index["channels"]

    def through(ch: str, step: Any, own: bool) -> _Server | None:
        c = channels[ch]
        service = step.service_min if own or c.service_min is None else c.service_min
        staff = by_channel.get(ch)
        if staff:
            pick = next((p for p in staff if p.department == step.department), staff[0])
            return _Server(pick.id, service, step.documentation_min, ch, pick.id)
        if c.capacity_per_hour is not None or c.kind in _SELF_SERVICE:
            key = f"channel:{ch}" if c.capacity_per_hour is not None and c.service_min else None
            return _Server(key, service, 0.0, ch, None)
        return None  # a staffed channel nobody staffs under the plan

    usable = [ch for ch in segment.channels if ch in channels]
    pref = np.array([segment.channel_preference.get(ch, 0.0) for ch in usable], dtype=float)
    if pref.sum() <= 0:
        pref = np.ones(len(usable))
    out: list[dict[str, _Server]] = []
    open_mask = np.ones(len(usable), dtype=bool)
    for step in journey.steps:
        if step.resource in pools:
            p = pools[step.resource]
            if heads.get(p.id, 0) <= 0:
                raise BadInputError(
                    [
                        Problem(
                            f"journeys[{journey.id}].steps[{step.id}].resource",
                            f"pool {p.id!r} has nobody under the plan, so nobody does step "
                            f"{step.id!r}: staff it or give the step another resource",
                        )
                    ]
                )
            out.append({"": _Server(p.id, step.service_min, step.documentation_min, None, p.id)})
        elif step.resource in channels and step.resource in segment.channels:
            srv = through(step.resource, step, True)
            if srv is None:
                raise BadInputError(
                    [
                        Problem(
                            f"journeys[{journey.id}].steps[{step.id}].resource",
                            f"channel {step.resource!r} is staffed by nobody under the plan",
                        )
                    ]
                )
            out.append({"": srv})
        elif step.resource in channels:
            alt = {ch: through(ch, step, False) for ch in usable}
            open_mask &= np.array([alt[ch] is not None for ch in usable])
            out.append({ch: s for ch, s in alt.items() if s is not None})
        else:
            out.append({"": _Server(None, step.service_min, step.documentation_min, None, None)})
    needs_draw = any("" not in d for d in out)
    if needs_draw and not open_mask.any():
        raise BadInputError(
            [
                Problem(
                    f"segments[{segment.id}].channels",
                    f"segment {segment.id!r} cannot use the channels of journey {journey.id!r} "
                    f"and none of its own ({', '.join(usable) or 'none'}) is open under the "
                    "plan: staff one of them or give the segment a channel it can use",
                )
            ]
        )
    probs = pref * open_mask
    probs = probs / probs.sum() if probs.sum() > 0 else open_mask / max(open_mask.sum(), 1)
    return out, probs.tolist()


def simulate_day(
    network: ServiceNetwork,
    journey: Any,
    plan: Plan | None = None,
    *,
    replications: int = 3,
    seed: int = 0,
    target_h: float | None = None,
) -> JourneyDay:
    """Simulate one day of ``journey`` under ``plan`` (module docstring); ``target_h``
    replaces every segment's ``max_wait_h`` as the visit target."""
    import simpy

    plan = plan or Plan()
    if isinstance(journey, str):
        journey = plan.journey(network, journey)
    problems: list[Problem] = []
    if not isinstance(replications, int) or replications < 1:
        problems.append(Problem("replications", f"must be >= 1, got {replications!r}"))
    if target_h is not None and not (math.isfinite(target_h) and target_h > 0):
        problems.append(Problem("target_h", f"must be > 0, got {target_h!r}"))
    segments = [
        s
        for s in network.segments
        if s.demand_per_day > 0 and (journey.segment is None or s.id == journey.segment)
    ]
    for i, s in enumerate(network.segments):
        if s in segments and not s.arrival_profile:
            problems.append(
                Problem(
                    f"segments[{i}].arrival_profile",
                    f"segment {s.id!r} has no arrival profile: the day simulation needs one "
                    "to spread its demand over the network's staffing intervals",
                )
            )
    if not segments:
        problems.append(Problem("segments", f"no segment with demand walks {journey.id!r}"))
    if problems:
        raise BadInputError(problems)

    pools = {p.id: p for p in plan.pools(network)}
    heads = plan.headcounts(network)
    steps = list(journey.steps)
    index = {s.id: k for k, s in enumerate(steps)}
    outs: list[list[tuple[int, float]]] = [[] for _ in steps]
    for t in journey.transitions:
        outs[index[t.source]].append((index[t.target], t.probability))
    routes = {s.id: _servers(network, plan, journey, s) for s in segments}
    interval = float(network.staffing_interval_min)
    t0 = float(network.staffing_start_min)

    capacity: dict[str, int] = {}
    ends = {k: _shift_window(p)[1] for k, p in pools.items()}
    for srv in (v for r in routes.values() for d in r[0] for v in d.values()):
        if srv.key is None or srv.key in capacity:
            continue
        if srv.pool is not None:
            capacity[srv.key] = int(heads.get(srv.pool, 0))
        else:
            ch = network.index["channels"][srv.key.removeprefix("channel:")]
            per_hour, minutes = ch.capacity_per_hour or 0.0, ch.service_min or 0.0
            capacity[srv.key] = max(1, math.ceil(per_hour * minutes / 60.0))

    visits: dict[str, list[float]] = {s.id: [] for s in segments}
    arrived: dict[str, list[int]] = {s.id: [] for s in segments}
    used: dict[str, dict[str, int]] = {s.id: {} for s in segments}
    queued: dict[str, dict[str, float]] = {s.id: {} for s in segments}  # minutes in line
    busy: dict[str, float] = {}
    cases: dict[str, int] = {}
    last: dict[str, list[float]] = {}
    for ss in np.random.SeedSequence(seed).spawn(replications):
        rng = np.random.Generator(np.random.PCG64(ss))
        env = simpy.Environment()
        res = {k: _queue_class()(env, capacity=c) for k, c in capacity.items() if c > 0}
        finish: dict[str, float] = {}

        def block(r: Any, at: float, length: float, env: Any = env) -> Any:
            yield env.timeout(at)
            with r.request(priority=-1) as req:
                yield req
                yield env.timeout(length)

        for key, r in res.items():
            pool = pools.get(key)
            if pool is None:
                continue
            start, end, brk, brk_at = _shift_window(pool)
            n = capacity[key]
            for i in range(n):
                if start > 0:
                    env.process(block(r, 0.0, start))
                if brk > 0:
                    if brk_at is None:  # staggered over the middle of the shift
                        lo, hi = start + 0.3 * (end - start), end - 0.3 * (end - start) - brk
                        at = lo + (max(hi, lo) - lo) * (i / max(n - 1, 1))
                    else:
                        at = brk_at
                    env.process(block(r, at, brk))

        def walk(
            seg: str,
            draw: str,
            came: float,
            env: Any = env,
            rng: np.random.Generator = rng,
            res: dict[str, Any] = res,
            finish: dict[str, float] = finish,
        ) -> Any:
            k = index[journey.start]
            seen: set[str] = set()
            servers = routes[seg][0]
            while True:
                st = steps[k]
                srv = servers[k].get("") or servers[k][draw]
                if srv.channel is not None:
                    used[seg][srv.channel] = used[seg].get(srv.channel, 0) + 1
                service = rng.exponential(srv.service_min) if srv.service_min > 0 else 0.0
                if srv.key in res:
                    with res[srv.key].request(priority=0) as req:
                        asked = env.now
                        yield req
                        queued[seg][srv.key] = queued[seg].get(srv.key, 0.0) + env.now - asked
                        yield env.timeout(service)
                        done_at = env.now
                        if srv.documentation_min > 0:
                            env.process(_document(env, res[srv.key], srv.documentation_min))
                    busy[srv.key] = busy.get(srv.key, 0.0) + service + srv.documentation_min
                    if srv.key not in seen and done_at <= ends.get(srv.key, math.inf):
                        cases[srv.key] = cases.get(srv.key, 0) + 1
                        seen.add(srv.key)
                    finish[srv.key] = max(finish.get(srv.key, 0.0), done_at)
                else:
                    yield env.timeout(service)
                _failed, nxt = next_step(rng, st.failure_prob, outs[k])
                if nxt is None:
                    visits[seg].append(env.now - came)
                    return
                k = nxt

        for seg in segments:
            profile = np.asarray(seg.arrival_profile, dtype=float)
            per = seg.demand_per_day * profile / profile.sum()
            counts = rng.poisson(per)
            probs = routes[seg.id][1]
            chans = [ch for ch in seg.channels if ch in network.index["channels"]]
            arrived[seg.id].append(int(counts.sum()))
            for j, c in enumerate(counts):
                times = t0 + interval * (j + np.sort(rng.random(int(c))))
                picks = rng.choice(len(probs), size=int(c), p=probs)
                for when, pick in zip(times, picks, strict=True):
                    env.process(_later(env, when, walk, seg.id, chans[pick]))
        env.run()
        for key in res:
            last.setdefault(key, []).append(finish.get(key, 0.0))

    target = {
        s.id: 60.0 * (target_h if target_h is not None else (s.max_wait_h or math.inf))
        for s in segments
    }

    def summary(
        seg: str,
        times: list[float],
        n: float,
        tgt: float,
        chans: dict[str, int],
        lines: dict[str, float],
    ) -> Any:
        a = np.asarray(times) if times else np.array([math.inf])
        done = max(len(times), 1)
        pct = np.percentile(a, _PERCENTILES)
        total = sum(chans.values())
        return SegmentDay(
            seg,
            n,
            float(a.mean()),
            float(pct[0]),
            float(pct[1]),
            tgt,
            float((a <= tgt).mean()),
            {ch: k / total for ch, k in sorted(chans.items())} if total else {},
            {k: w / done for k, w in sorted(lines.items())},
        )

    per_seg = {
        s.id: summary(
            s.id,
            visits[s.id],
            float(np.mean(arrived[s.id])),
            target[s.id],
            used[s.id],
            queued[s.id],
        )
        for s in segments
    }
    everyone_chans: dict[str, int] = {}
    for u in used.values():
        for ch, k in u.items():
            everyone_chans[ch] = everyone_chans.get(ch, 0) + k
    everyone_lines: dict[str, float] = {}
    for q in queued.values():
        for key, w in q.items():
            everyone_lines[key] = everyone_lines.get(key, 0.0) + w
    everyone = summary(
        "everyone",
        [t for v in visits.values() for t in v],
        float(sum(np.mean(v) for v in arrived.values())),
        min(target.values()),
        everyone_chans,
        everyone_lines,
    )
    _ids, p, _ = _chain(journey)
    v = _visits(journey, p)
    pool_days = {}
    for key in sorted(capacity):
        pool = pools.get(key)
        if pool is None:
            continue
        per_case = float(
            sum(
                v[k] * (s.service_min + s.documentation_min)
                for k, s in enumerate(steps)
                if s.resource == key
            )
        )
        start, end, brk, _ = _shift_window(pool)
        working = end - start - brk
        n = capacity[key]
        pool_days[key] = PoolDay(
            key,
            n,
            per_case,
            working / per_case if per_case > 0 else math.inf,
            cases.get(key, 0) / replications / n if n else 0.0,
            busy.get(key, 0.0) / replications / (n * working) if n else math.inf,
            float(np.mean([max(0.0, f - end) for f in last.get(key, [0.0])])),
        )
    return JourneyDay(journey.id, replications, seed, per_seg, everyone, pool_days)


def format_day(day: JourneyDay) -> str:
    """The day's figures as text: each segment's visit, then each pool's day."""
    lines = [
        f"  a simulated day ({day.replications} replications, seed {day.seed}): visit per "
        f"segment; every segment within its target: {'yes' if day.meets_target else 'no'}",
        f"  {'segment':<26}{'a day':>8}{'mean':>8}{'p90':>8}{'target':>8}{'within':>8}  channels",
    ]
    for s in [*day.segments.values(), day.everyone]:
        chans = ", ".join(f"{c} {v:.0%}" for c, v in s.channels.items())
        lines.append(
            f"  {s.segment:<26}{s.customers:>8,.0f}{s.mean_min:>6.0f} m{s.p90_min:>6.0f} m"
            f"{s.target_min:>6.0f} m{s.within_target:>8.0%}  {chans}"
        )
    for s in day.segments.values():
        where = ", ".join(
            f"{k.removeprefix('channel:')} {w:.0f}"
            for k, w in sorted(s.queued_min.items(), key=lambda kv: -kv[1])
            if w >= 0.5
        )
        lines.append(f"  {s.segment} in line (min): {where or 'nowhere'}")
    lines.append(
        f"  {'pool':<26}{'staff':>8}{'min/case':>9}{'cases/day':>10}{'in shift':>9}"
        f"{'busy':>7}{'overtime':>10}"
    )
    for p in day.pools.values():
        cap = (
            f"{p.capacity_per_staff:10.1f}" if math.isfinite(p.capacity_per_staff) else f"{'-':>10}"
        )
        lines.append(
            f"  {p.pool:<26}{p.staff:>8}{p.busy_min_per_case:>9.2f}{cap}"
            f"{p.served_per_staff:>9.1f}{p.utilisation:>7.0%}{p.overtime_min:>8.0f} m"
        )
    return "\n".join(lines)


@functools.cache
def _queue_class() -> Any:
    """SimPy's priority resource with a queue kept in order by insertion: SimPy's own sorts
    the whole queue on every request, which is quadratic in a clinic's morning queue of
    thousands (same order: priority, then arrival; ties first come, first served)."""
    import simpy
    from simpy.resources.resource import SortedQueue

    class Queue(SortedQueue):
        def append(self, item: Any) -> None:
            if self.maxlen is not None and len(self) >= self.maxlen:
                raise RuntimeError("Cannot append event. Queue is full.")
            bisect.insort_right(self, item, key=lambda e: e.key)

    class Resource(simpy.PriorityResource):
        PutQueue = Queue

    return Resource


def _later(env: Any, when: float, walk: Any, seg: str, draw: str) -> Any:
    yield env.timeout(max(0.0, when - env.now))
    yield from walk(seg, draw, env.now)


def _document(env: Any, resource: Any, minutes: float) -> Any:
    """The record written after the customer left: the server stays busy (first in line)."""
    with resource.request(priority=-1) as req:
        yield req
        yield env.timeout(minutes)


def fewest_staff_for_target(
    network: ServiceNetwork,
    journey: Any,
    plan: Plan,
    pool: str,
    *,
    most: int,
    replications: int = 3,
    seed: int = 0,
    target_h: float | None = None,
) -> tuple[Plan, JourneyDay, int] | None:
    """The fewest extra people in ``pool`` (0 to ``most``) for which every segment's mean
    visit meets its target, by bisection over the same seeded days; ``None`` when even
    ``most`` extra do not. Returns the plan with the head count, its day and the extra."""
    base = plan.headcounts(network)
    if pool not in base:
        raise BadInputError([Problem("pool", f"unknown pool {pool!r}")])

    def day(extra: int) -> tuple[Plan, JourneyDay]:
        p = _with_extra(plan, network, pool, extra)
        return p, simulate_day(
            network, journey, p, replications=replications, seed=seed, target_h=target_h
        )

    hi_plan, hi_day = day(most)
    if not hi_day.meets_target:
        return None
    lo, hi, best = -1, most, (hi_plan, hi_day)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        p, d = day(mid)
        if d.meets_target:
            hi, best = mid, (p, d)
        else:
            lo = mid
    return best[0], best[1], hi


__all__ = [
    "JourneyDay",
    "PoolDay",
    "SegmentDay",
    "fewest_staff_for_target",
    "format_day",
    "simulate_day",
]
