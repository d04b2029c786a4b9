"""Discrete-event simulation (SimPy) of cases through a journey, to check the analytic figures
of :func:`servopt.optimizer.journeys.analysis.analyse_journey` (same conventions as
:mod:`servopt.optimizer.staffing.simulate`: seeded independent replications, 95% half-widths)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from servopt.models.errors import BadInputError, Problem
from servopt.optimizer.staffing.simulate import mean_ci95, nobody_arrived, run_problems


@dataclass(frozen=True)
class SimulatedJourney:
    """What :func:`simulate_journey` measured, over seeded independent replications.

    Only cases that arrived after the warm-up and finished (completed or failed) count.

    Attributes
    ----------
    replications
        Number of replications run.
    cases
        Cases counted, all replications together.
    end_to_end_min
        (mean over replications of the mean end-to-end minutes, 95% half-width).
    failure_rate
        (mean over replications of the share of cases that failed, 95% half-width).
    percentiles_min
        ``p50``, ``p90`` and ``p95`` of the end-to-end minutes over every counted case of
        every replication, completed and failed.
    """

    replications: int
    cases: int
    end_to_end_min: tuple[float, float]  # mean, 95% half-width
    failure_rate: tuple[float, float]
    percentiles_min: dict[str, float]  # p50, p90, p95 over completed and failed cases

    def to_dict(self) -> dict[str, Any]:
        return {
            "replications": self.replications,
            "cases": self.cases,
            "end_to_end_min": self.end_to_end_min[0],
            "end_to_end_min_ci95": self.end_to_end_min[1],
            "failure_rate": self.failure_rate[0],
            "failure_rate_ci95": self.failure_rate[1],
            "percentiles_min": dict(self.percentiles_min),
        }


def simulate_journey(
    network: Any,
    journey: Any,
    plan: Any = None,
    *,
    arrivals_per_hour: float,
    hours: float = 40.0,
    warmup_h: float = 2.0,
    replications: int = 10,
    seed: int = 0,
) -> SimulatedJourney:
    """Simulate cases through a journey's steps (SimPy): Poisson arrivals, exponential service
    at each step's pool (its head count, after the plan's changes) or staffed channel, first
    come first served, failures and transitions drawn from the journey's probabilities. Steps
    without a capacity-limited resource take their service time without queueing.

    Gives the distribution of the end-to-end time (percentiles) and checks the analytic mean of
    :func:`servopt.optimizer.journeys.analysis.analyse_journey` (exact for a Jackson network: one
    service time per pool)."""

    from servopt.models.plan import Plan

    problems: list[Problem] = []
    if not (math.isfinite(arrivals_per_hour) and arrivals_per_hour > 0):
        problems.append(Problem("arrivals_per_hour", f"must be > 0, got {arrivals_per_hour!r}"))
    run_problems(hours, warmup_h, replications, seed, problems)
    if problems:
        raise BadInputError(problems)
    plan = plan or Plan()
    if isinstance(journey, str):
        journey = plan.journey(network, journey)
    heads = plan.headcounts(network)
    staffed = plan.channel_staff(network)
    steps = {s.id: s for s in journey.steps}
    outs: dict[str, list[tuple[str, float]]] = {}
    for t in journey.transitions:
        outs.setdefault(t.source, []).append((t.target, t.probability))
    warm, horizon = warmup_h * 60.0, hours * 60.0
    capacity = {
        r: heads.get(r, staffed.get(r)) for r in {s.resource for s in journey.steps if s.resource}
    }
    times_all: list[float] = []
    means, fails, counts = [], [], []
    for ss in np.random.SeedSequence(seed).spawn(replications):
        done = _journey_replication(
            np.random.Generator(np.random.PCG64(ss)),
            journey.start,
            steps,
            outs,
            capacity,
            arrivals_per_hour,
            warm,
            horizon,
        )
        if not done:
            raise nobody_arrived("case", hours)
        durations = np.array([d for d, _ in done])
        means.append(float(durations.mean()))
        fails.append(float(np.mean([f for _, f in done])))
        counts.append(len(done))
        times_all.extend(durations.tolist())
    pct = np.percentile(np.array(times_all), [50, 90, 95])
    return SimulatedJourney(
        replications,
        int(sum(counts)),
        mean_ci95(means),
        mean_ci95(fails),
        {"p50": float(pct[0]), "p90": float(pct[1]), "p95": float(pct[2])},
    )


def next_step(rng: np.random.Generator, failure_prob: float, outs: list[tuple[Any, float]]) -> Any:
    """(failed, the next step or ``None`` when the case ends) after a step: the failure is
    drawn first, then a transition by its probability (the rest ends the journey)."""
    if rng.random() < failure_prob:
        return True, None
    u, acc = rng.random(), 0.0
    for target, p in outs:
        acc += p
        if u < acc:
            return False, target
    return False, None


def _journey_replication(
    rng: np.random.Generator,
    start: str,
    steps: dict[str, Any],
    outs: dict[str, list[tuple[str, float]]],
    capacity: dict[str, int | None],
    arrivals_per_hour: float,
    warm: float,
    horizon: float,
) -> list[tuple[float, bool]]:
    """One replication: (end-to-end minutes, failed) of every case that arrived after warm-up."""
    import simpy

    env = simpy.Environment()
    res = {
        r: simpy.Resource(env, capacity=int(c))
        for r, c in capacity.items()
        if c is not None and c > 0
    }
    done: list[tuple[float, bool]] = []

    def case(arrived: float) -> Any:
        step = start
        while True:
            st = steps[step]
            service = rng.exponential(st.service_min) if st.service_min > 0 else 0.0
            if st.resource in res:
                with res[st.resource].request() as req:
                    yield req
                    yield env.timeout(service)
            else:
                yield env.timeout(service)
            failed, nxt = next_step(rng, st.failure_prob, outs.get(step, []))
            if failed or nxt is None:
                if arrived >= warm:
                    done.append((env.now - arrived, failed))
                return
            step = nxt

    def source() -> Any:
        while env.now < warm + horizon:
            yield env.timeout(rng.exponential(60.0 / arrivals_per_hour))
            env.process(case(env.now))

    env.process(source())
    env.run(until=warm + horizon + 24 * 60.0)  # let the last cases finish
    return done
