"""Discrete-event simulation (SimPy) of a staffed interval, to check the analytic figures.

An M/M/c queue, or M/M/c+M with exponential patience: Poisson arrivals, exponential handling
times, first come first served, callers abandoning when their patience runs out before an agent
is free. Each replication runs ``warmup_h`` hours (discarded) then ``hours`` hours measured;
replications use independent seeded streams (numpy's SeedSequence), so the same ``seed`` gives
the same figures. Reported: mean over replications and a 95% confidence half-width
(normal approximation) of the probability of waiting, the service level (answered within
``target_s``), the average wait of all callers, occupancy and abandonment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from servopt.models.errors import BadInputError, Problem
from servopt.optimizer.params import seed_problem


def run_problems(
    hours: float, warmup_h: float, replications: int, seed: int, problems: list[Problem]
) -> None:
    """Append the problems with the run's length, replications and seed to ``problems``."""
    if not (isinstance(hours, int | float) and math.isfinite(hours) and hours > 0):
        problems.append(Problem("hours", f"must be finite and > 0, got {hours!r}"))
    if not (isinstance(warmup_h, int | float) and math.isfinite(warmup_h) and warmup_h >= 0):
        problems.append(Problem("warmup_h", f"must be finite and >= 0, got {warmup_h!r}"))
    if not isinstance(replications, int) or isinstance(replications, bool) or replications < 2:
        problems.append(
            Problem(
                "replications",
                f"need at least 2 (a whole number) for a confidence interval, got {replications!r}",
            )
        )
    seed_wrong = seed_problem(seed)
    if seed_wrong is not None:
        problems.append(seed_wrong)


def nobody_arrived(what: str, hours: float) -> BadInputError:
    """The error for a replication in which no ``what`` (caller, case) arrived.

    Returned, not raised: the caller raises it. It is reported on ``hours`` and asks for a
    longer simulation or more arrivals.
    """
    return BadInputError(
        [
            Problem(
                "hours",
                f"no {what} arrived in the {hours:g} measured hours of a replication: "
                "simulate longer or with more arrivals",
            )
        ]
    )


def mean_ci95(values: Any) -> tuple[float, float]:
    """Mean over replications and the half-width of its 95% confidence interval (normal
    approximation)."""
    a = np.asarray(values, dtype=float)
    z = NormalDist().inv_cdf(0.975)
    return float(a.mean()), float(z * a.std(ddof=1) / math.sqrt(len(a)))


@dataclass(frozen=True)
class SimulatedFigures:
    """What :func:`simulate_interval` measured: each figure as (mean over replications, 95%
    half-width).

    Callers count when they arrived after the warm-up and were answered or abandoned before
    the end of the run.

    Attributes
    ----------
    replications
        Number of replications run.
    callers
        Callers counted, all replications together.
    wait_probability
        Share of callers who waited (those who abandoned included).
    service_level
        Share of callers answered within ``target_s``.
    asa_s
        Average wait in seconds over all callers (abandoners until they left).
    occupancy
        Agents' busy time in the measured window over the agents' time.
    abandon_probability
        Share of callers who abandoned.
    """

    replications: int
    callers: int
    wait_probability: tuple[float, float]
    service_level: tuple[float, float]
    asa_s: tuple[float, float]
    occupancy: tuple[float, float]
    abandon_probability: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"replications": self.replications, "callers": self.callers}
        for k in ("wait_probability", "service_level", "asa_s", "occupancy", "abandon_probability"):
            mean, half = getattr(self, k)
            out[k] = mean
            out[f"{k}_ci95"] = half
        return out


def _one(
    env_seed: np.random.SeedSequence,
    agents: int,
    lam_s: float,
    aht_s: float,
    patience_s: float | None,
    target_s: float,
    warmup_s: float,
    horizon_s: float,
) -> tuple[float, ...]:
    import simpy

    rng = np.random.Generator(np.random.PCG64(env_seed))
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    stats = {"n": 0, "waited": 0, "within": 0, "wait": 0.0, "abandoned": 0}
    busy = [0.0]

    def caller(arrived: float) -> Any:
        measured = arrived >= warmup_s
        with desk.request() as req:
            if patience_s is None:
                yield req
            else:
                result = yield req | env.timeout(rng.exponential(patience_s))
                if req not in result:
                    if measured:
                        stats["n"] += 1
                        stats["waited"] += 1
                        stats["abandoned"] += 1
                        stats["wait"] += env.now - arrived
                    return
            waited = env.now - arrived
            if measured:
                stats["n"] += 1
                stats["waited"] += waited > 1e-12
                stats["within"] += waited <= target_s
                stats["wait"] += waited
            service = rng.exponential(aht_s)
            start = env.now
            yield env.timeout(service)
            # busy time inside the measured window only
            lo, hi = max(start, warmup_s), min(start + service, warmup_s + horizon_s)
            if hi > lo:
                busy[0] += hi - lo

    def source() -> Any:
        while True:
            yield env.timeout(rng.exponential(1.0 / lam_s))
            if env.now > warmup_s + horizon_s:
                return
            env.process(caller(env.now))

    env.process(source())
    env.run(until=warmup_s + horizon_s)
    # Callers still waiting or in service at the end are not counted (a short tail after a long
    # measured window).
    return (
        stats["n"],
        stats["waited"],
        stats["within"],
        stats["wait"],
        busy[0] / (agents * horizon_s),
        stats["abandoned"],
    )


def simulate_interval(
    agents: int,
    arrivals_per_hour: float,
    aht_s: float,
    *,
    patience_s: float | None = None,
    target_s: float = 20.0,
    hours: float = 8.0,
    warmup_h: float = 1.0,
    replications: int = 10,
    seed: int = 0,
) -> SimulatedFigures:
    """Simulate one staffed interval (see the module docstring)."""
    problems: list[Problem] = []
    if not (isinstance(agents, int) and agents >= 1):
        problems.append(Problem("agents", f"must be a whole number >= 1, got {agents!r}"))
    for name, v in (("arrivals_per_hour", arrivals_per_hour), ("aht_s", aht_s)):
        if not (math.isfinite(v) and v > 0):
            problems.append(Problem(name, f"must be finite and > 0, got {v!r}"))
    if patience_s is not None and not (math.isfinite(patience_s) and patience_s > 0):
        problems.append(Problem("patience_s", f"must be finite and > 0, got {patience_s!r}"))
    if not (math.isfinite(target_s) and target_s >= 0):
        problems.append(Problem("target_s", f"must be finite and >= 0, got {target_s!r}"))
    run_problems(hours, warmup_h, replications, seed, problems)
    if problems:
        raise BadInputError(problems)
    seeds = np.random.SeedSequence(seed).spawn(replications)
    rows = np.array(
        [
            _one(
                s,
                agents,
                arrivals_per_hour / 3600.0,
                aht_s,
                patience_s,
                target_s,
                warmup_h * 3600.0,
                hours * 3600.0,
            )
            for s in seeds
        ],
        dtype=float,
    )
    n = rows[:, 0]
    if (n == 0).any():
        raise nobody_arrived("caller", hours)
    return SimulatedFigures(
        replications=replications,
        callers=int(n.sum()),
        wait_probability=mean_ci95(rows[:, 1] / n),
        service_level=mean_ci95(rows[:, 2] / n),
        asa_s=mean_ci95(rows[:, 3] / n),
        occupancy=mean_ci95(rows[:, 4]),
        abandon_probability=mean_ci95(rows[:, 5] / n),
    )
