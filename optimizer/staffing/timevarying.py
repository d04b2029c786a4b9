"""Queues over a day: when demand exceeds capacity for hours, a backlog builds and carries over.

Steady-state formulas (Erlang C) only hold while arrivals stay below capacity; a clinic that
opens with a morning rush, or a team that lost capacity, runs overloaded for part of the day and
the waits come from the backlog, not from randomness. This module combines both, interval by
interval (a "fluid plus stationary" approximation, in the spirit of Green, Kolesar & Whitt 2007
and the fluid models of Mandelbaum et al.):

* cumulative arrivals A and fluid first-come-first-served departures D, with D growing at the
  capacity c_t / s while there is a backlog (D never passes A);
* the wait of an arrival is the horizontal distance between the two curves: the time until the
  departures reach its place in line; when there is no backlog, the Erlang C wait of that
  interval's stationary queue is added (the randomness the fluid leaves out);
* at closing, A - D is the number of people not served within the day (excluded from the mean
  wait, reported on their own).

Exact for a deterministic fluid, and tends to Erlang C when the load stays below capacity; the
simulation (:mod:`servopt.optimizer.staffing.simulate`) is the check for anything in between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from servopt.models.errors import BadInputError, Problem
from servopt.optimizer.staffing.queueing import wait_min


@dataclass(frozen=True)
class DayQueue:
    """A day's queue interval by interval, from :func:`day_queue` (module docstring).

    Attributes
    ----------
    interval_min
        Length of one interval in minutes.
    arrivals
        Arrivals in each interval.
    staff
        Staff on duty in each interval.
    backlog_end
        People waiting beyond the stationary queue at the end of each interval (fluid
        arrivals less departures).
    wait_min
        Expected wait in minutes of an arrival in the middle of each interval (``inf``: not
        served before closing).
    mean_wait_min
        Arrival-weighted mean wait over the intervals whose arrivals are served that day
        (``inf`` when none is; 0 when nobody arrives).
    unserved_at_close
        Arrivals not served by the end of the last interval.
    served_per_staff
        People served over the day per staff member on duty (the mean over the intervals
        with staff; 0 when nobody is on duty).
    """

    interval_min: float
    arrivals: np.ndarray  # per interval
    staff: np.ndarray
    backlog_end: np.ndarray  # people waiting beyond the stationary queue, end of each interval
    wait_min: np.ndarray  # expected wait of an arrival in each interval
    mean_wait_min: float  # arrival-weighted over those served that day (inf: none; 0: no arrivals)
    unserved_at_close: float
    served_per_staff: float  # over the day, per staff member on duty (mean)

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()
        }


def day_queue(
    arrivals_per_interval: Any, staff: Any, service_min: float, interval_min: float
) -> DayQueue:
    """Backlog and waits interval by interval (see the module docstring)."""
    lam = np.asarray(arrivals_per_interval, dtype=float)
    c = np.broadcast_to(np.asarray(staff, dtype=float), lam.shape)
    problems = []
    if lam.ndim != 1 or not len(lam):
        problems.append(Problem("arrivals_per_interval", "must be a non-empty list"))
    elif not np.all(np.isfinite(lam)) or np.any(lam < 0):
        problems.append(Problem("arrivals_per_interval", "must be finite and >= 0"))
    if np.any(c < 0) or not np.all(np.isfinite(c)):
        problems.append(Problem("staff", "must be finite and >= 0"))
    if not service_min > 0:
        problems.append(Problem("service_min", f"must be > 0, got {service_min!r}"))
    if not interval_min > 0:
        problems.append(Problem("interval_min", f"must be > 0, got {interval_min!r}"))
    if problems:
        raise BadInputError(problems)
    n = len(lam)
    mu = c / service_min * interval_min  # services per interval at full capacity
    # Cumulative arrivals and (fluid, FIFO) departures at the interval boundaries.
    arr_cum = np.concatenate([[0.0], np.cumsum(lam)])
    dep_cum = np.zeros(n + 1)
    for t in range(n):
        dep_cum[t + 1] = min(arr_cum[t + 1], dep_cum[t] + mu[t])
    backlog = arr_cum[1:] - dep_cum[1:]
    wait = np.full(n, np.inf)
    for t in range(n):
        if lam[t] <= 0:
            wait[t] = 0.0
            continue
        target = arr_cum[t] + lam[t] / 2.0  # the arrival in the middle of the interval
        k = int(np.searchsorted(dep_cum, target - 1e-9, side="left"))
        if k > n:
            continue  # not served before closing
        k = max(k, 1)
        lo = dep_cum[k - 1]
        # While there is a backlog, departures run at full capacity from the interval's start.
        frac = min(1.0, (target - lo) / mu[k - 1]) if mu[k - 1] > 0 else 1.0
        served_at = (k - 1 + frac) * interval_min
        clear = max(0.0, served_at - (t + 0.5) * interval_min)
        stationary = 0.0
        start_backlog = arr_cum[t] - dep_cum[t]
        if start_backlog <= 1e-9 and backlog[t] <= 1e-9 and 0 < lam[t] < mu[t]:
            per_hour = lam[t] * 60.0 / interval_min
            stationary = wait_min(int(c[t]), per_hour, service_min * 60.0)
        wait[t] = clear + stationary
    served = dep_cum[-1]
    finite = np.isfinite(wait)
    weight = lam * finite
    # Over the arrivals served that day (those not served by closing are unserved_at_close);
    # when nobody who arrived is served, the wait is unbounded, not 0.
    mean_wait = (
        float((weight * np.where(finite, wait, 0.0)).sum() / weight.sum())
        if weight.sum()
        else math.inf
        if lam.sum() > 0
        else 0.0
    )
    on_duty = c[c > 0].mean() if (c > 0).any() else 0.0
    return DayQueue(
        interval_min,
        lam,
        np.asarray(c),
        backlog,
        wait,
        mean_wait,
        float(arr_cum[-1] - served),
        float(served / on_duty) if on_duty else 0.0,
    )
