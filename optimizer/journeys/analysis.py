r"""Journeys: expected end-to-end time, failure rate, hand-offs and moments of truth.

A journey is an absorbing Markov chain over its steps. With P the matrix of transition
probabilities among steps (already multiplied by 1 - f_i, f_i the step's failure probability)
and N = (I - P)^{-1} its fundamental matrix (Kemeny & Snell 1960), the expected visits to each
step are v = e_start N, and

* failure rate = sum_i v_i f_i;
* expected service time = sum_i v_i s_i;
* expected hand-offs = sum_ij v_i P_ij [department_i != department_j];
* expected end-to-end time = sum_i v_i (s_i + W_i), where W_i is the queueing wait at the step's
  resource: Erlang C (M/M/c) for a staff pool (c = its head count, after a plan's changes) or a
  staffed channel, with the arrivals of every step of this journey that uses the resource
  (lambda v_i) and their service times; a self-service channel with ``capacity_per_hour`` has no
  queue while its load stays below capacity. A resource whose load reaches its capacity makes
  the wait infinite and is named in ``unstable``.

Moments of truth rank what moves the end-to-end time most: each step made 10% faster (queueing
included), and each rework loop removed (its probability moved to the step's other exits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from typing import Any

import networkx as nx
import numpy as np

from servopt.models.checks import closed_loop_problems, closed_loops, journey_segments
from servopt.models.entities import Journey
from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.result import json_ready
from servopt.optimizer.staffing.queueing import wait_min


@dataclass(frozen=True)
class JourneyFigures:
    """Expected figures of one case through a journey (see the module docstring).

    Attributes
    ----------
    journey
        The journey's id.
    arrivals_per_hour
        Cases entering the journey per hour; None: no arrival rate, so no waits.
    end_to_end_min, service_min, wait_min
        Expected minutes per case end to end, in service and queueing (``inf`` end to end and
        waiting when a resource is overloaded).
    failure_rate
        Probability that a case ends in a failed step.
    handoffs
        Expected transitions per case between steps of different departments.
    departments
        Number of distinct (named) departments among the steps.
    value_adding_share
        Share of the end-to-end time spent in service at value-adding steps (0 when the
        end-to-end time is 0 or infinite).
    steps
        Per step id: expected ``visits`` per case, ``service_min``, ``wait_min`` per visit
        and ``failure_prob``.
    resources
        Per pool or channel used: ``arrivals_per_hour`` and, as they apply,
        ``offered_load`` (Erlangs), ``staff``, ``utilisation`` and ``wait_min``.
    unstable
        The overloaded resources, in words.
    first_contact_resolution
        Probability that a case ends successfully on its first pass: no rework loop taken,
        no step failed (:func:`first_contact_resolution`).
    waiting_share
        Share of the end-to-end time spent waiting (0 when it is 0 or infinite).
    moments_of_truth
        Changes ranked by ``minutes_saved`` end to end (each step 10% faster, each rework
        loop removed, the latter with ``failure_rate_after``).
    arrivals_from
        Where ``arrivals_per_hour`` comes from, in words (``given`` when passed in).
    """

    journey: str
    arrivals_per_hour: float | None
    end_to_end_min: float
    service_min: float
    wait_min: float
    failure_rate: float
    handoffs: float
    departments: int
    value_adding_share: float
    steps: dict[str, dict[str, float]]
    resources: dict[str, dict[str, float]]
    unstable: tuple[str, ...] = ()
    moments_of_truth: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    arrivals_from: str = ""  # where arrivals_per_hour comes from, in words
    first_contact_resolution: float | None = None

    @property
    def waiting_share(self) -> float:
        """Share of the end-to-end time spent waiting (0 when it is 0 or infinite)."""
        e = self.end_to_end_min
        return self.wait_min / e if e and math.isfinite(e) else 0.0

    def to_dict(self) -> dict[str, Any]:
        return json_ready({k: getattr(self, k) for k in self.__dataclass_fields__})


def _chain(
    journey: Journey, probs: dict[tuple[str, str], float] | None = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    ids = [s.id for s in journey.steps]
    idx = {s: k for k, s in enumerate(ids)}
    fail = np.array([s.failure_prob for s in journey.steps])
    p = np.zeros((len(ids), len(ids)))
    for t in journey.transitions:
        prob = probs.get((t.source, t.target), t.probability) if probs else t.probability
        p[idx[t.source], idx[t.target]] += prob
    p *= (1.0 - fail)[:, None]
    return ids, p, fail


def first_contact_resolution(journey: Journey) -> float:
    """Probability that a case of ``journey`` ends successfully on its first pass: it takes no
    rework transition (one back to a step no farther from the start that can lead back to
    it: a loop's way back) and no step fails.

    The chain without its rework transitions (their probability is the first pass's loss,
    not spread over the other ways on) is acyclic; the first pass succeeds at a step with
    probability ``(1 - failure) (1 - its transitions' total)``, summed over the expected
    visits from the start.
    """
    import networkx as nx

    graph = journey.graph()
    ids, p, fail = _chain(journey)
    idx = {s: k for k, s in enumerate(ids)}
    depth = nx.single_source_shortest_path_length(graph, journey.start)
    first = p.copy()
    for t in journey.transitions:
        back = depth.get(t.target, 0) <= depth.get(t.source, 0)
        if back and nx.has_path(graph, t.target, t.source):
            first[idx[t.source], idx[t.target]] = 0.0
    visits = np.linalg.inv(np.eye(len(ids)) - first)[idx[journey.start]]
    out_total = np.array(
        [sum(t.probability for t in journey.transitions if t.source == s) for s in ids]
    )
    ends = (1.0 - fail) * np.clip(1.0 - out_total, 0.0, 1.0)
    return float(np.clip(visits @ ends, 0.0, 1.0))


def _visits(
    journey: Journey, p: np.ndarray, probs: dict[tuple[str, str], float] | None = None
) -> np.ndarray:
    n = len(p)
    loops = closed_loop_problems(f"journeys[{journey.id}]", journey, probs)
    if loops:
        raise BadInputError(loops)
    try:
        fundamental = np.linalg.inv(np.eye(n) - p)
    except np.linalg.LinAlgError:
        fundamental = None
    if fundamental is None or not np.all(np.isfinite(fundamental)) or np.any(fundamental < -1e-9):
        raise BadInputError(
            [
                Problem(
                    f"journeys[{journey.id}]",
                    "a loop of steps is left with probability 1: the journey never ends "
                    "(give a loop step an exit or a failure probability)",
                )
            ]
        )
    start = [s.id for s in journey.steps].index(journey.start)
    return np.maximum(fundamental[start], 0.0)


def analyse_journey(
    network: ServiceNetwork,
    journey: Journey | str,
    plan: Plan | None = None,
    *,
    arrivals_per_hour: float | None = None,
    hours_per_day: float = 8.0,
    moments_of_truth: bool = True,
) -> JourneyFigures:
    """Expected end-to-end figures of a journey (see the module docstring).

    ``journey`` is a journey or its id; a ``plan``'s redesigned journey of the same id replaces
    the network's, and its pool changes set the head counts. Arrivals default to the demand
    that enters the journey (:func:`journey_arrivals_per_hour`: its segment's, or that of every
    segment that can use its channel, ``demand_per_day`` over ``hours_per_day``); without
    arrivals (none given, no demand enters it), waits are 0 and only structure and service
    times are reported.
    """
    plan = plan or Plan()
    if isinstance(journey, str):
        journey = plan.journey(network, journey)
    else:  # a redesign of the same journey in the plan takes its place
        journey = next((j for j in plan.journeys if j.id == journey.id), journey)
    source = "given"
    if arrivals_per_hour is None:
        arrivals_per_hour = journey_arrivals_per_hour(network, journey, hours_per_day)
        segs = [s for s in journey_segments(network.segments, journey) if s.demand_per_day > 0]
        source = (
            f"demand_per_day of segment{'s' if len(segs) > 1 else ''} "
            f"{', '.join(s.id for s in segs)}: {sum(s.demand_per_day for s in segs):,.6g} a "
            f"day over {hours_per_day:g} h"
            if arrivals_per_hour is not None
            else ""
        )
    if arrivals_per_hour is not None and not (
        arrivals_per_hour > 0 and math.isfinite(arrivals_per_hour)
    ):
        raise BadInputError(f"arrivals_per_hour must be > 0, got {arrivals_per_hour!r}")
    heads = plan.headcounts(network)
    base = _figures(network, journey, plan, heads, arrivals_per_hour, None, None)
    base = dataclass_replace(
        base, arrivals_from=source, first_contact_resolution=first_contact_resolution(journey)
    )
    if not moments_of_truth or not math.isfinite(base.end_to_end_min):
        return base  # with an overloaded resource the first fix is its capacity
    moments: list[dict[str, Any]] = []
    for step in journey.steps:
        faster = _figures(network, journey, plan, heads, arrivals_per_hour, None, {step.id: 0.9})
        moments.append(
            {
                "change": f"step {step.id!r} 10% faster",
                "minutes_saved": base.end_to_end_min - faster.end_to_end_min,
            }
        )
    graph = journey.graph()
    for t in journey.transitions:
        # A rework loop: the transition lies on a cycle, and its step has another way on.
        if nx.has_path(graph, t.target, t.source):
            probs = _without(journey, t.source, t.target)
            if probs is None or closed_loops(journey, probs):
                continue  # no other way on, or removing it would trap cases in another loop
            fixed = _figures(network, journey, plan, heads, arrivals_per_hour, probs, None)
            moments.append(
                {
                    "change": f"no rework {t.source!r} -> {t.target!r} (p {t.probability:g})",
                    "minutes_saved": base.end_to_end_min - fixed.end_to_end_min,
                    "failure_rate_after": fixed.failure_rate,
                }
            )
    moments.sort(key=lambda m: -float(m["minutes_saved"]))
    return JourneyFigures(**{**base.__dict__, "moments_of_truth": tuple(moments)})


def journey_arrivals_per_hour(
    network: ServiceNetwork, journey: Journey, hours_per_day: float = 8.0
) -> float | None:
    """Cases per hour entering ``journey`` from the network: the ``demand_per_day`` of the
    segments that enter it (its ``segment``; without one, every segment that can use its
    ``channel``: :func:`servopt.models.checks.journey_segments`) over ``hours_per_day``, the
    convention of the channel mix (:func:`servopt.optimizer.staffing.channels.plan_channels`). None
    when no demand enters it."""
    if not (hours_per_day > 0 and math.isfinite(hours_per_day)):
        raise BadInputError([Problem("hours_per_day", f"must be > 0, got {hours_per_day!r}")])
    per_day = sum(s.demand_per_day for s in journey_segments(network.segments, journey))
    return per_day / hours_per_day if per_day > 0 else None


def _without(journey: Journey, source: str, target: str) -> dict[tuple[str, str], float] | None:
    """Probabilities with the loop source -> target removed, its share moved to the source's
    other exits in proportion (None when the loop is the only exit)."""
    outs = [t for t in journey.transitions if t.source == source]
    loop = next(t for t in outs if t.target == target)
    others = [t for t in outs if t.target != target]
    rest = sum(t.probability for t in others)
    if rest <= 0:
        return None
    scale = (rest + loop.probability) / rest
    probs = {(t.source, t.target): t.probability * scale for t in others}
    probs[(source, target)] = 0.0
    return probs


def _figures(
    network: ServiceNetwork,
    journey: Journey,
    plan: Plan,
    heads: dict[str, int],
    lam: float | None,
    probs: dict[tuple[str, str], float] | None,
    speed: dict[str, float] | None,
) -> JourneyFigures:
    ids, p, fail = _chain(journey, probs)
    v = _visits(journey, p, probs)
    service = np.array([s.service_min * (speed or {}).get(s.id, 1.0) for s in journey.steps])
    # The resource is busy for the service and the record written after the customer leaves.
    busy = service + np.array([s.documentation_min for s in journey.steps])
    dept = [s.department for s in journey.steps]
    handoffs = float(
        sum(v[i] * p[i, j] for i in range(len(ids)) for j in range(len(ids)) if dept[i] != dept[j])
    )
    wait = np.zeros(len(ids))
    resources: dict[str, dict[str, float]] = {}
    unstable: list[str] = []
    staffed = plan.channel_staff(network)
    if lam is not None:
        idle = [s.id for s in journey.steps if s.resource is None and s.service_min > 0]
        if idle:
            raise BadInputError(
                [
                    Problem(
                        f"journeys[{journey.id}].steps[{sid}].resource",
                        f"step {sid!r} takes time but no staff pool or channel serves it, so its "
                        "queue cannot be computed; name the pool or channel that does it",
                    )
                    for sid in idle
                ]
            )
        by_res: dict[str, list[int]] = {}
        for k, s in enumerate(journey.steps):
            if s.resource is not None and busy[k] > 0:
                by_res.setdefault(s.resource, []).append(k)
        for res, ks in by_res.items():
            rate = lam * float(v[ks].sum())  # per hour
            work = lam * float(v[ks] @ busy[ks]) / 60.0  # Erlangs
            if rate <= 0:
                continue
            mean_s = work * 60.0 / rate  # minutes
            channel = network.index["channels"].get(res)
            if res in heads:
                c = heads[res]
            elif channel is not None and res in staffed:
                c = staffed[res]
            elif channel is not None and channel.capacity_per_hour is not None:
                load = rate / channel.capacity_per_hour
                resources[res] = {"arrivals_per_hour": rate, "utilisation": load}
                if load >= 1:
                    unstable.append(
                        f"channel {res!r}: {rate:,.1f} arrivals per hour against a "
                        f"capacity of {channel.capacity_per_hour:,.1f}"
                    )
                    wait[ks] = math.inf
                continue
            else:
                resources[res] = {"arrivals_per_hour": rate, "offered_load": work}
                continue  # no capacity given: no queue modelled
            w = wait_min(c, rate, mean_s * 60.0)
            wait[ks] = w
            resources[res] = {
                "arrivals_per_hour": rate,
                "offered_load": work,
                "staff": float(c),
                "utilisation": work / c if c else math.inf,
                "wait_min": w,
            }
            if not math.isfinite(w):
                unstable.append(f"{res!r}: offered load {work:.2f} Erlangs on {c} staff")
    service_total = float(v @ service)
    wait_total = float(v @ wait) if np.all(np.isfinite(wait)) else math.inf
    e2e = service_total + wait_total
    va = float(sum(v[k] * service[k] for k, s in enumerate(journey.steps) if s.value_adding))
    steps = {
        s: {
            "visits": float(v[k]),
            "service_min": float(service[k]),
            "wait_min": float(wait[k]),
            "failure_prob": float(fail[k]),
        }
        for k, s in enumerate(ids)
    }
    return JourneyFigures(
        journey=journey.id,
        arrivals_per_hour=lam,
        end_to_end_min=e2e,
        service_min=service_total,
        wait_min=wait_total,
        failure_rate=float(v @ fail),
        handoffs=handoffs,
        departments=len({d for d in dept if d}),
        value_adding_share=va / e2e if e2e and math.isfinite(e2e) else 0.0,
        steps=steps,
        resources=resources,
        unstable=tuple(unstable),
    )


def format_journey(f: JourneyFigures) -> str:
    """A journey's figures as a plain-text report (no trailing newline).

    A heading with the arrival rate and its source, the end-to-end, service and waiting
    minutes, failure rate, hand-offs and value-adding share, a line per unstable resource,
    a table of steps (visits, service, wait per visit, failure), and the top five moments of
    truth when there are any.
    """
    lines = [
        f"journey {f.journey}"
        + (
            f" at {f.arrivals_per_hour:,.1f} arrivals per hour"
            + (f" ({f.arrivals_from})" if f.arrivals_from and f.arrivals_from != "given" else "")
            if f.arrivals_per_hour
            else " (no arrival rate: no waits)"
        )
    ]
    e2e = f"{f.end_to_end_min:.1f}" if math.isfinite(f.end_to_end_min) else "unbounded"
    lines.append(
        f"  end to end {e2e} min (service {f.service_min:.1f}, waiting "
        f"{f.wait_min:.1f}); failure rate {f.failure_rate:.1%}; "
        f"{f.handoffs:.2f} hand-offs across {f.departments} departments; "
        f"value-adding {f.value_adding_share:.0%}"
    )
    for msg in f.unstable:
        lines.append(f"  UNSTABLE {msg}: the queue grows without bound")
    lines.append("  step                      visits  service  wait/visit  failure")
    for s, d in f.steps.items():
        lines.append(
            f"  {s:<24} {d['visits']:7.2f} {d['service_min']:8.1f} "
            f"{d['wait_min']:11.2f} {d['failure_prob']:8.1%}"
        )
    if f.moments_of_truth:
        lines.append("  moments of truth (minutes saved end to end)")
        for m in f.moments_of_truth[:5]:
            lines.append(f"    {m['minutes_saved']:7.2f}  {m['change']}")
    return "\n".join(lines)


def with_fallback(
    journey: Journey, step: str, rework_target: str, fallback: Any, resume: str
) -> Journey:
    """The journey with a fallback path: when ``step`` would send the case back to
    ``rework_target`` (its rework loop), it goes to ``fallback`` (a :class:`Step`, e.g. a manual
    check) and then on to ``resume`` instead. The loop's probability is kept; only where it
    leads changes."""
    from servopt.models.entities import Transition

    ids = {s.id for s in journey.steps}
    problems = []
    if fallback.id in ids:
        problems.append(Problem("fallback.id", f"step {fallback.id!r} already exists"))
    for name, v in (("step", step), ("rework_target", rework_target), ("resume", resume)):
        if v not in ids:
            problems.append(Problem(name, f"unknown step {v!r} in journey {journey.id!r}"))
    loop = [t for t in journey.transitions if t.source == step and t.target == rework_target]
    if not loop and not problems:
        problems.append(Problem("rework_target", f"no transition {step!r} -> {rework_target!r}"))
    if problems:
        raise BadInputError(problems)
    transitions = [t for t in journey.transitions if t not in loop]
    transitions.append(Transition(source=step, target=fallback.id, probability=loop[0].probability))
    transitions.append(Transition(source=fallback.id, target=resume))
    return journey.model_copy(
        update={"steps": (*journey.steps, fallback), "transitions": tuple(transitions)}
    )


@dataclass(frozen=True)
class CapacityStep:
    """One person added by :func:`allocate_capacity`, and where it leaves the journey.

    Attributes
    ----------
    resource
        The staff pool that got one more person.
    staff_after
        The pool's head count after this step.
    end_to_end_min
        The journey's expected end-to-end minutes after this step.
    cost_per_hour
        Extra cost per hour spent so far, this step included (cumulative, in the pools'
        ``cost_per_hour`` money).
    """

    resource: str
    staff_after: int
    end_to_end_min: float
    cost_per_hour: float


def allocate_capacity(
    network: ServiceNetwork,
    journey: Journey | str,
    plan: Plan | None = None,
    *,
    budget_per_hour: float,
    target_min: float | None = None,
    arrivals_per_hour: float | None = None,
    hours_per_day: float = 8.0,
    max_steps: int = 200,
) -> tuple[Plan, tuple[CapacityStep, ...]]:
    """Add staff one at a time where it cuts the end-to-end time most per unit of cost, until
    the budget (extra cost per hour) is spent or ``target_min`` is met.

    Waits at an M/M/c queue are convex and decreasing in c, so this greedy marginal allocation
    is the optimal way to spend a budget in whole staff (Fox 1966 for separable convex costs).
    Returns the plan with the new head counts, and each step taken.
    """
    if not budget_per_hour >= 0:
        raise BadInputError(f"budget_per_hour must be >= 0, got {budget_per_hour!r}")
    plan = plan or Plan()
    kwargs = {
        "arrivals_per_hour": arrivals_per_hour,
        "hours_per_day": hours_per_day,
        "moments_of_truth": False,
    }
    current = analyse_journey(network, journey, plan, **kwargs)  # type: ignore[arg-type]
    resources = [r for r in current.resources if r in network.index["pools"]]
    free = [r for r in resources if network.pool(r).cost_per_hour <= 0]
    if free:
        raise BadInputError(
            [
                Problem(
                    f"pools[{r}].cost_per_hour",
                    "allocating a budget needs a cost per hour for every pool the journey uses",
                )
                for r in free
            ]
        )
    spent = 0.0
    taken: list[CapacityStep] = []
    for _ in range(max_steps):
        if target_min is not None and current.end_to_end_min <= target_min:
            break
        best = None
        for r in resources:
            cost = network.pool(r).cost_per_hour
            if spent + cost > budget_per_hour + 1e-9:
                continue
            trial = _with_extra(plan, network, r)
            fig = analyse_journey(network, journey, trial, **kwargs)  # type: ignore[arg-type]
            if math.isfinite(current.end_to_end_min):
                gain = current.end_to_end_min - fig.end_to_end_min
            else:  # overloaded: relieve the most loaded resource first
                res = current.resources[r]
                gain = res.get("offered_load", 0.0) / max(res.get("staff", 0.0), 0.5)
            score = gain / cost if cost > 0 else gain
            if gain > 1e-9 and (best is None or score > best[0]):
                best = (score, r, trial, fig, cost)
        if best is None:
            break
        _, r, plan, current, cost = best
        spent += cost
        taken.append(CapacityStep(r, plan.headcounts(network)[r], current.end_to_end_min, spent))
    return plan, tuple(taken)


def _with_extra(plan: Plan, network: ServiceNetwork, pool: str, extra: int = 1) -> Plan:
    """The plan with ``extra`` more people in ``pool`` (its other changes kept)."""
    from servopt.models.plan import PoolChange

    now = plan.headcounts(network)[pool]
    changes = list(plan.pool_changes)
    for k, c in enumerate(changes):
        if c.pool == pool:
            changes[k] = c.model_copy(update={"headcount": now + extra})
            return plan.replace(pool_changes=changes)
    changes.append(PoolChange(pool=pool, headcount=now + extra))
    return plan.replace(pool_changes=changes)
