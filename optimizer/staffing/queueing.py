"""Queueing for staffing: Erlang C (M/M/c) and Erlang A (M/M/c+M), vectorised over intervals.

Symbols (per interval): arrival rate lambda (per hour), mean handling time s (seconds), offered
load A = lambda s / 3600 (Erlangs), c agents, target answer time T (seconds), mean patience
theta (seconds; Erlang A abandonment rate gamma = 1/theta).

Erlang C (Erlang 1917; e.g. Gans, Koole & Mandelbaum 2003, eq. 2-4), for c > A:

* Erlang B by the stable recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1));
* probability of waiting C(c, A) = c B(c) / (c - A (1 - B(c)));
* service level SL(T) = 1 - C exp(-(c - A) T / s);
* average speed of answer ASA = C s / (c - A);  occupancy rho = A / c.

For c <= A the queue is unstable: C = 1, SL = 0, ASA = inf, reported with ``stable`` False.

Erlang A (Palm 1943; Garnett, Mandelbaum & Reiman 2002): the birth-death chain with births
lambda and deaths n mu (n <= c) or c mu + (n - c) gamma (n > c) is always stable. Its stationary
distribution is computed in log space (no overflow at thousands of agents) and summed until the
tail is below 1e-16: P(wait) = P(N >= c); P(abandon) = E[(N - c)+] gamma / lambda;
ASA = E[(N - c)+] / lambda (Little, over all arrivals); occupancy = E[min(N, c)] / c; SL(T) is the
probability that an arrival is answered within T, from the transient chain of its queue
position (uniformisation).

Sizing finds the fewest agents with SL >= target and occupancy <= max_occupancy, then divides by
(1 - shrinkage) and rounds up for the staff to schedule. Up to 10,000 agents Erlang C sizing is
one pass of the recursion; above, a search from the occupancy and stability bound (steps
doubling, then bisection: SL rises with c) with each B(c, A) summed over the O(sqrt A) terms
that matter, so a load of 5e7 Erlangs takes milliseconds; Erlang A searches the same way.
Loads beyond ``MAX_OFFERED_LOAD`` (Erlang A: ``MAX_OFFERED_LOAD_A``) are refused as bad input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from servopt.models.errors import BadInputError, Problem

_TAIL = 1e-16
_RECURSION_MAX = 10_000  # above this many agents, Erlang B from a window of its terms
MAX_OFFERED_LOAD = 1e9  # Erlangs: beyond any service operation, and beyond float accuracy
MAX_OFFERED_LOAD_A = 1e5  # Erlang A builds the whole birth-death chain: O(agents) per figure
_MAX_UNIFORM_WORK = 6e8  # Erlang A service level: steps x states of the uniformised chain (~5 s)


class QueueModel(StrEnum):
    """The queue model :func:`size_agents` sizes with.

    ``erlang-c``: M/M/c, nobody abandons (:func:`erlang_c`). ``erlang-a``: M/M/c+M, waiting
    callers abandon with exponential patience (:func:`erlang_a`); it needs ``patience_s``.
    """

    ERLANG_C = "erlang-c"
    ERLANG_A = "erlang-a"


@dataclass(frozen=True)
class QueueFigures:
    """Figures of one interval (or arrays, one entry per interval)."""

    agents: Any
    offered_load: Any
    wait_probability: Any
    service_level: Any
    asa_s: Any
    occupancy: Any
    abandon_probability: Any
    stable: Any

    def to_dict(self) -> dict[str, Any]:
        from servopt.optimizer.result import json_ready

        return json_ready({k: getattr(self, k) for k in self.__dataclass_fields__})


def _check(
    arrivals_per_hour: Any,
    aht_s: Any,
    target_s: Any = 0.0,
    patience_s: Any = None,
    agents: Any = None,
) -> None:
    problems = []
    lam = np.asarray(arrivals_per_hour, dtype=float)
    aht = np.asarray(aht_s, dtype=float)
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        problems.append(
            Problem("arrivals_per_hour", f"must be finite and > 0, got {_first_bad(lam, lam > 0)}")
        )
    if not np.all(np.isfinite(aht)) or np.any(aht <= 0):
        problems.append(Problem("aht_s", f"must be finite and > 0, got {_first_bad(aht, aht > 0)}"))
    elif not problems:
        lam_b, aht_b = np.broadcast_arrays(lam, aht)
        load = lam_b * aht_b / 3600.0
        most = MAX_OFFERED_LOAD if patience_s is None else MAX_OFFERED_LOAD_A
        if np.any(load > most):
            worst = float(np.max(load))
            problems.append(
                Problem(
                    "arrivals_per_hour",
                    f"offered load arrivals_per_hour x aht_s / 3600 = {worst:.4g} Erlangs "
                    f"(as many agents busy at once) is beyond what "
                    f"{'Erlang C' if patience_s is None else 'Erlang A'} is computed for here "
                    f"(at most {most:.0e}); check the units: arrivals per hour, handling "
                    "time in seconds",
                )
            )
    t = np.asarray(target_s, dtype=float)
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        problems.append(
            Problem("target_s", f"must be finite and >= 0, got {_first_bad(t, t >= 0)}")
        )
    if patience_s is not None:
        pat = np.asarray(patience_s, dtype=float)
        if not np.all(np.isfinite(pat)) or np.any(pat <= 0):
            problems.append(
                Problem("patience_s", f"must be finite and > 0, got {_first_bad(pat, pat > 0)}")
            )
    if agents is not None:
        c = np.asarray(agents)
        if patience_s is not None and np.all(c >= 1) and np.any(c > 10 * MAX_OFFERED_LOAD_A):
            problems.append(
                Problem(
                    "agents",
                    f"Erlang A is computed here for at most {10 * MAX_OFFERED_LOAD_A:.0e} "
                    f"agents, got {np.max(c)}",
                )
            )
        if np.any(c < 1) or np.any(c != np.floor(c)):
            problems.append(
                Problem(
                    "agents",
                    f"must be whole numbers >= 1, got "
                    f"{_first_bad(c, (c >= 1) & (c == np.floor(c)))}",
                )
            )
    if problems:
        raise BadInputError(problems)


def _first_bad(values: np.ndarray, ok: np.ndarray) -> Any:
    flat, good = np.ravel(values), np.ravel(ok) & np.isfinite(np.ravel(values).astype(float))
    bad = np.flatnonzero(~good)
    return flat[bad[0]].item() if len(bad) else None


# --------------------------------------------------------------------------- Erlang C
def erlang_b(agents: Any, load: Any) -> np.ndarray:
    """Erlang B blocking probability B(c, A) by the stable recursion, vectorised; above
    ``_RECURSION_MAX`` agents, from the window of terms that matter (:func:`_erlang_b_one`),
    so that the cost grows with sqrt(A), not with c."""
    c = np.asarray(agents, dtype=np.int64)
    a = np.asarray(load, dtype=float)
    c, a = np.broadcast_arrays(c, a)
    top = int(c.max()) if c.size else 0
    if top > _RECURSION_MAX:
        flat = [_erlang_b_one(int(ci), float(ai)) for ci, ai in zip(c.flat, a.flat, strict=True)]
        return np.array(flat, dtype=float).reshape(a.shape)
    b = np.ones(a.shape)
    out = np.ones(a.shape)
    for k in range(1, top + 1):
        b = a * b / (k + a * b)
        out = np.where(c == k, b, out)
    return out


def _erlang_b_one(c: int, a: float) -> float:
    """B(c, A) = 1 / r with r = sum_{m=0..c} t_m, t_0 = 1, t_m = t_{m-1} (c - m + 1) / A (the
    Erlang B sum read from state c down). The terms rise while (c - m + 1) / A >= 1, peak at
    m* = c + 1 - A (or 0) and fall off both sides like exp(-(m - m*)^2 / 2A), so the terms
    more than 12 sqrt(A) + 60 away from the peak are below e^-72 of it and are left out; the
    window's first term comes from log-gamma. Exact to rounding for any c and A."""
    if c <= 0:
        return 1.0
    log_a = math.log(a)
    peak = min(max(math.floor(c + 1 - a), 0), c)
    width = math.ceil(12.0 * math.sqrt(a) + 60.0)
    lo, hi = max(0, peak - width), min(c, peak + width)
    first = math.lgamma(c + 1) - math.lgamma(c - lo + 1) - lo * log_a if lo else 0.0
    m = np.arange(lo + 1, hi + 1, dtype=float)
    logs = first + np.concatenate([[0.0], np.cumsum(np.log(c - m + 1.0) - log_a)])
    top = float(logs.max())
    return math.exp(-(top + math.log(float(np.exp(logs - top).sum()))))


def erlang_c(agents: Any, arrivals_per_hour: Any, aht_s: Any, target_s: Any = 20.0) -> QueueFigures:
    """Erlang C figures for given agents (scalars or arrays broadcast together)."""
    _check(arrivals_per_hour, aht_s, target_s, agents=agents)
    c = np.asarray(agents, dtype=float)
    s = np.asarray(aht_s, dtype=float)
    a = np.asarray(arrivals_per_hour, dtype=float) * s / 3600.0
    c, a, s, t = np.broadcast_arrays(c, a, s, np.asarray(target_s, dtype=float))
    b = erlang_b(c.astype(np.int64), a)
    stable = c > a
    with np.errstate(divide="ignore", invalid="ignore"):
        pw = np.where(stable, c * b / (c - a * (1.0 - b)), 1.0)
        sl = np.where(stable, 1.0 - pw * np.exp(-(c - a) * t / s), 0.0)
        asa = np.where(stable, pw * s / (c - a), np.inf)
    return _figures(c, a, pw, sl, asa, np.minimum(a / c, 1.0), np.zeros(a.shape), stable)


def _figures(
    c: np.ndarray,
    a: np.ndarray,
    pw: np.ndarray,
    sl: np.ndarray,
    asa: np.ndarray,
    occ: np.ndarray,
    ab: np.ndarray,
    stable: np.ndarray,
) -> QueueFigures:
    if c.ndim == 0:
        return QueueFigures(
            int(c), float(a), float(pw), float(sl), float(asa), float(occ), float(ab), bool(stable)
        )
    return QueueFigures(c.astype(np.int64), a, pw, sl, asa, occ, ab, stable)


def wait_min(agents: int, arrivals_per_hour: float, aht_s: float) -> float:
    """Erlang C average wait in minutes; ``inf`` when the queue is overloaded or unstaffed (and
    0 when nothing arrives)."""
    if arrivals_per_hour <= 0:
        return 0.0
    if agents < 1:
        return math.inf
    return float(erlang_c(agents, arrivals_per_hour, aht_s, 0.0).asa_s) / 60.0


# --------------------------------------------------------------------------- Erlang A
def _erlang_a_one(
    c: int, lam: float, mu: float, gamma: float, t: float
) -> tuple[float, float, float, float, float]:
    """(P(wait), SL(t), ASA, occupancy, P(abandon)) for one M/M/c+M interval (rates per s)."""
    # log pi_n, n = 0..c: n log(a) - log n!  (a = lam / mu)
    a = lam / mu
    n = np.arange(c + 1)
    logp = n * math.log(a) - np.array([math.lgamma(k + 1) for k in n])
    # queue part: pi_{c+m} = pi_c * prod_{i=1..m} lam / (c mu + i gamma), until the tail is tiny
    tail = [0.0]
    m = 0
    top_so_far = float(logp.max())
    while True:
        m += 1
        step = math.log(lam) - math.log(c * mu + m * gamma)
        tail.append(tail[-1] + step)
        here = float(logp[-1] + tail[-1])
        top_so_far = max(top_so_far, here)
        if step < 0 and here - top_so_far < math.log(_TAIL) - 5:
            break
        if m > 10_000_000:  # pragma: no cover - cannot happen with gamma > 0
            raise RuntimeError("Erlang A tail did not converge")
    logq = logp[-1] + np.array(tail[1:])
    top = max(logp.max(), logq.max())
    p = np.exp(logp - top)
    q = np.exp(logq - top)
    z = p.sum() + q.sum()
    p, q = p / z, q / z
    waiting = np.arange(1, len(q) + 1)  # customers in queue at states c+1, c+2, ...
    lq = float(waiting @ q)
    p_wait = float(p[c] + q.sum())
    p_ab = lq * gamma / lam
    busy = float(n @ p + c * q.sum())
    asa = lq / lam
    # SL: answered within t. An arrival finding c+m in system has m ahead (m = 0..).
    start = np.concatenate([[p[c]], q])  # m = 0, 1, ...
    served_within = _answered_within(start, c * mu, gamma, t)
    sl = float(p[:c].sum() + served_within)
    return p_wait, sl, asa, busy / c, p_ab


def _answered_within(start: np.ndarray, cmu: float, gamma: float, t: float) -> float:
    """Probability mass (from ``start`` over m customers ahead) served within ``t``: each step
    m -> m-1 at rate cmu + m gamma, served from m = 0 at rate cmu, own abandonment gamma."""
    if t <= 0 or float(start.sum()) < 1e-15:
        return 0.0  # no wait to time, or a waiting mass below rounding
    size = len(start)
    ms = np.arange(size)
    rate_down = cmu + ms * gamma
    lam_u = float(rate_down.max() + gamma)  # uniformisation rate
    x = start.astype(float).copy()
    served = 0.0
    total = 0.0
    mean = lam_u * t
    kmax = int(mean + 10 * math.sqrt(mean) + 20)
    if kmax * size > _MAX_UNIFORM_WORK:
        raise BadInputError(
            [
                Problem(
                    "target_s",
                    f"Erlang A's service level within {t:g} s would take {kmax:,} steps of its "
                    f"transient chain over {size:,} queue states (agents x target_s / aht_s is "
                    f"too large for it); use Erlang C or a shorter target at this size",
                )
            ]
        )
    logw = -mean  # log Poisson weight for k = 0
    for k in range(kmax + 1):
        total += math.exp(logw) * served
        # one uniformised step
        moved = x * (rate_down / lam_u)
        served += moved[0]
        stay = x * (1.0 - (rate_down + gamma) / lam_u)
        x = stay
        x[:-1] += moved[1:]
        logw += math.log(mean) - math.log(k + 1)
    return total


def erlang_a(
    agents: Any, arrivals_per_hour: Any, aht_s: Any, patience_s: Any, target_s: Any = 20.0
) -> QueueFigures:
    """Erlang A figures for given agents (scalars or arrays broadcast together)."""
    _check(arrivals_per_hour, aht_s, target_s, patience_s, agents)
    arrs = np.broadcast_arrays(
        np.asarray(agents, dtype=np.int64),
        np.asarray(arrivals_per_hour, dtype=float),
        np.asarray(aht_s, dtype=float),
        np.asarray(patience_s, dtype=float),
        np.asarray(target_s, dtype=float),
    )
    c, lam, s, pat, t = (np.atleast_1d(x) for x in arrs)
    out = np.array(
        [
            _erlang_a_one(int(ci), li / 3600.0, 1.0 / si, 1.0 / pi, ti)
            for ci, li, si, pi, ti in zip(c, lam, s, pat, t, strict=True)
        ]
    ).reshape(len(c), 5)
    a = lam * s / 3600.0
    fig = _figures(
        c.astype(float),
        a,
        out[:, 0],
        out[:, 1],
        out[:, 2],
        out[:, 3],
        out[:, 4],
        np.ones(len(c), dtype=bool),
    )
    if arrs[0].ndim == 0:
        return QueueFigures(
            int(c[0]),
            float(a[0]),
            float(out[0, 0]),
            float(out[0, 1]),
            float(out[0, 2]),
            float(out[0, 3]),
            float(out[0, 4]),
            True,
        )
    return fig


# --------------------------------------------------------------------------- sizing
@dataclass(frozen=True)
class Sizing:
    """Agents needed per interval (``agents``) and staff to schedule after shrinkage."""

    agents: np.ndarray
    scheduled: np.ndarray
    figures: QueueFigures


def size_agents(
    arrivals_per_hour: Any,
    aht_s: Any,
    *,
    target_sl: float = 0.8,
    target_s: float = 20.0,
    max_occupancy: float = 0.85,
    shrinkage: float = 0.0,
    model: QueueModel | str = QueueModel.ERLANG_C,
    patience_s: Any = None,
) -> Sizing:
    """The fewest agents per interval with SL >= ``target_sl`` within ``target_s`` seconds and
    occupancy <= ``max_occupancy``; ``scheduled`` = ceil(agents / (1 - shrinkage)).

    Erlang C sizing is one vectorised pass of the Erlang B recursion over all intervals (a
    search for intervals needing more than 10,000 agents: see the module docstring).
    """
    model = QueueModel(model)
    problems = []
    if not 0 < target_sl < 1:
        problems.append(
            Problem(
                "target_sl",
                f"must be in (0, 1): a target of {target_sl!r} "
                "cannot be met with finitely many agents"
                if target_sl >= 1
                else f"must be in (0, 1), got {target_sl!r}",
            )
        )
    if not 0 < max_occupancy <= 1:
        problems.append(Problem("max_occupancy", f"must be in (0, 1], got {max_occupancy!r}"))
    if not 0 <= shrinkage < 1:
        problems.append(Problem("shrinkage", f"must be in [0, 1), got {shrinkage!r}"))
    if model is QueueModel.ERLANG_A and patience_s is None:
        problems.append(Problem("patience_s", "Erlang A needs the mean patience"))
    if problems:
        raise BadInputError(problems)
    _check(arrivals_per_hour, aht_s, target_s, patience_s if model is QueueModel.ERLANG_A else None)
    lam, s = np.broadcast_arrays(
        np.atleast_1d(np.asarray(arrivals_per_hour, dtype=float)),
        np.atleast_1d(np.asarray(aht_s, dtype=float)),
    )
    a = lam * s / 3600.0
    if model is QueueModel.ERLANG_C:
        agents = _size_erlang_c(a, s, target_sl, target_s, max_occupancy)
        figs = erlang_c(agents, lam, s, target_s)
    else:
        pat = np.broadcast_to(np.asarray(patience_s, dtype=float), lam.shape)
        agents = np.array(
            [
                _size_erlang_a_one(*x, target_sl, target_s, max_occupancy)
                for x in zip(lam, s, pat, strict=True)
            ],
            dtype=np.int64,
        )
        figs = erlang_a(agents, lam, s, pat, target_s)
    scheduled = np.ceil(agents / (1.0 - shrinkage) - 1e-9).astype(np.int64)
    return Sizing(agents, scheduled, figs)


def _size_erlang_c(
    a: np.ndarray, s: np.ndarray, target_sl: float, target_s: float, max_occ: float
) -> np.ndarray:
    need_occ = np.maximum(np.ceil(a / max_occ - 1e-12), 1)  # occupancy A / c <= max
    lower = np.maximum(np.floor(a) + 1, need_occ)  # and a stable queue, c > A
    found = np.zeros(a.shape, dtype=np.int64)
    big = lower > _RECURSION_MAX
    for i in np.flatnonzero(big):  # a search over c, each B(c, A) from a window of terms
        ai, si = float(a[i]), float(s[i])
        found[i] = _search_up(
            int(lower[i]),
            lambda c, ai=ai, si=si: _erlang_c_sl(c, ai, si, target_s) >= target_sl - 1e-12,
        )
    found[~big] = _size_by_recursion(a[~big], s[~big], lower[~big], target_sl, target_s)
    return found


def _erlang_c_sl(c: int, a: float, s: float, target_s: float) -> float:
    """Erlang C service level of c agents at load a (c > a)."""
    b = _erlang_b_one(c, a)
    pw = c * b / (c - a * (1.0 - b))
    return 1.0 - pw * math.exp(-(c - a) * target_s / s)


def _search_up(lower: int, ok: Any) -> int:
    """The least c >= ``lower`` with ``ok(c)``, for ``ok`` false then true as c grows
    (service level rises with agents): steps doubling from 1, then bisection; O(log) calls."""
    if ok(lower):
        return lower
    bad, step = lower, 1
    while not ok(lower + step):
        bad = lower + step
        step *= 2
    good = lower + step
    while good - bad > 1:
        mid = (bad + good) // 2
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good


def _size_by_recursion(
    a: np.ndarray, s: np.ndarray, lower: np.ndarray, target_sl: float, target_s: float
) -> np.ndarray:
    """Sizing in one vectorised pass of the Erlang B recursion over all intervals."""
    found = np.zeros(a.shape, dtype=np.int64)
    b = np.ones(a.shape)
    k = 0
    while not found.all():
        k += 1
        b = a * b / (k + a * b)
        cand = (found == 0) & (k >= lower)
        if cand.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                pw = k * b / (k - a * (1.0 - b))
                sl = 1.0 - pw * np.exp(-(k - a) * target_s / s)
            ok = cand & (sl >= target_sl - 1e-12)
            found[ok] = k
    return found


def _size_erlang_a_one(
    lam: float, s: float, pat: float, target_sl: float, target_s: float, max_occ: float
) -> int:
    a = lam * s / 3600.0

    def ok(c: int) -> bool:
        _, sl, _, occ, _ = _erlang_a_one(c, lam / 3600.0, 1.0 / s, 1.0 / pat, target_s)
        return sl >= target_sl - 1e-12 and occ <= max_occ + 1e-12

    # SL rises and occupancy falls with agents: search up from the occupancy bound.
    return _search_up(max(1, math.ceil(a / max_occ - 1e-12)), ok)
