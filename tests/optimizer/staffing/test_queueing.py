"""Erlang C and A against independent exact computations; sizing properties; bad input."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from servopt.models import BadInputError
from servopt.optimizer.staffing.queueing import erlang_a, erlang_c, size_agents

mp.mp.dps = 60


def exact_erlang_c(c: int, a: float, s: float, t: float) -> tuple[float, float, float]:
    """P(wait), SL(t), ASA from the textbook sums in 60-digit arithmetic."""
    a_ = mp.mpf(a)
    head = mp.fsum(a_**k / mp.factorial(k) for k in range(c))
    last = a_**c / mp.factorial(c) * c / (c - a_)
    pw = last / (head + last)
    sl = 1 - pw * mp.e ** (-(c - a_) * t / s)
    asa = pw * s / (c - a_)
    return float(pw), float(sl), float(asa)


@settings(max_examples=60)
@given(
    c=st.integers(1, 3000), util=st.floats(0.05, 0.995), s=st.floats(10, 1800), t=st.floats(0, 300)
)
@example(c=2500, util=0.97, s=300.0, t=20.0)
@example(c=1, util=0.5, s=60.0, t=0.0)
def test_erlang_c_matches_the_exact_sums(c, util, s, t):
    a = c * util
    lam = a * 3600.0 / s
    f = erlang_c(c, lam, s, t)
    pw, sl, asa = exact_erlang_c(c, a, s, t)
    assert f.wait_probability == pytest.approx(pw, abs=1e-9)
    assert f.service_level == pytest.approx(sl, abs=1e-9)
    assert f.asa_s == pytest.approx(asa, rel=1e-9, abs=1e-9)
    assert f.occupancy == pytest.approx(util, rel=1e-12)


def chain_erlang_a(c: int, lam: float, mu: float, gamma: float) -> tuple[float, float, float]:
    """P(wait), P(abandon), ASA from the birth-death generator solved as a linear system."""
    # Truncate where the queue probability is negligible.
    extra = int(max(50, 10 * math.sqrt(max(lam / gamma, 1)) + lam / gamma * 2))
    n = c + extra + 1
    q = np.zeros((n, n))
    for k in range(n):
        if k + 1 < n:
            q[k, k + 1] = lam
        if k > 0:
            q[k, k - 1] = min(k, c) * mu + max(k - c, 0) * gamma
        q[k, k] = -q[k].sum()
    a_mat = np.vstack([q.T[:-1], np.ones(n)])  # pi Q = 0, sum pi = 1
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    pi = np.linalg.solve(a_mat, rhs)
    queue = np.maximum(np.arange(n) - c, 0)
    lq = float(queue @ pi)
    return float(pi[c:].sum()), lq * gamma / lam, lq / lam


@settings(max_examples=25)
@given(
    c=st.integers(1, 400),
    util=st.floats(0.2, 1.6),
    s=st.floats(30, 600),
    patience=st.floats(20, 900),
)
@example(c=2100, util=1.02, s=240.0, patience=180.0)
def test_erlang_a_matches_the_birth_death_chain(c, util, s, patience):
    lam_h = c * util * 3600.0 / s
    f = erlang_a(c, lam_h, s, patience, 20.0)
    pw, pab, asa = chain_erlang_a(c, lam_h / 3600.0, 1.0 / s, 1.0 / patience)
    assert f.wait_probability == pytest.approx(pw, abs=1e-9)
    assert f.abandon_probability == pytest.approx(pab, abs=1e-9)
    assert f.asa_s == pytest.approx(asa, rel=1e-8, abs=1e-9)


def exact_answered_within(c, lam, mu, gamma, t, pi_c_and_queue, head):
    """SL of Erlang A: competing risks, then the hypoexponential CDF in 60 digits."""
    total = mp.mpf(head)
    for m, mass in enumerate(pi_c_and_queue):
        if mass < 1e-18:
            continue
        rates = [mp.mpf(c * mu + (i + 1) * gamma) for i in range(m + 1)]
        served = mp.fprod((c * mu + i * gamma) / (c * mu + (i + 1) * gamma) for i in range(m + 1))
        cdf = 1 - mp.fsum(
            mp.fprod(rates[j] / (rates[j] - rates[i]) for j in range(len(rates)) if j != i)
            * mp.e ** (-rates[i] * t)
            for i in range(len(rates))
        )
        total += mass * served * cdf
    return float(total)


@settings(max_examples=15)
@given(
    c=st.integers(1, 12),
    util=st.floats(0.3, 1.3),
    s=st.floats(60, 400),
    patience=st.floats(30, 400),
    t=st.floats(1, 120),
)
def test_erlang_a_service_level_matches_the_hypoexponential(c, util, s, patience, t):
    lam = c * util / s
    mu, gamma = 1.0 / s, 1.0 / patience
    # stationary distribution from the chain (long enough queue)
    n = c + 200
    rates_up = lam
    logp = [0.0]
    for k in range(1, n):
        down = min(k, c) * mu + max(k - c, 0) * gamma
        logp.append(logp[-1] + math.log(rates_up / down))
    p = np.exp(np.array(logp) - max(logp))
    p /= p.sum()
    expected = exact_answered_within(c, lam, mu, gamma, t, p[c : 60 + c], p[:c].sum())
    f = erlang_a(c, lam * 3600.0, s, patience, t)
    assert f.service_level == pytest.approx(expected, abs=1e-9)


def test_erlang_a_tends_to_erlang_c_with_infinite_patience():
    c_fig = erlang_c(12, 200, 180, 20)
    a_fig = erlang_a(12, 200, 180, 1e9, 20)
    assert a_fig.wait_probability == pytest.approx(c_fig.wait_probability, rel=1e-5)
    assert a_fig.service_level == pytest.approx(c_fig.service_level, rel=1e-5)


def test_textbook_value():
    # A = 10 Erlangs on 12 agents: P(wait) = 0.4494 (standard Erlang C tables).
    assert erlang_c(12, 200, 180).wait_probability == pytest.approx(0.44939, abs=1e-5)


def test_unstable_erlang_c_is_flagged_not_a_number():
    f = erlang_c(10, 200, 180)  # A = 10 on 10 agents
    assert f.stable is False and f.wait_probability == 1.0 and math.isinf(f.asa_s)


# ------------------------------------------------------------------------ sizing
def test_sizing_meets_the_targets_with_the_fewest_agents():
    lam = np.array([50.0, 200.0, 900.0, 3000.0])
    out = size_agents(lam, 240.0, target_sl=0.8, target_s=20, max_occupancy=0.9)
    for k in range(len(lam)):
        c = int(out.agents[k])
        ok = erlang_c(c, lam[k], 240.0, 20)
        assert ok.service_level >= 0.8 and ok.occupancy <= 0.9
        worse = erlang_c(c - 1, lam[k], 240.0, 20)
        assert worse.service_level < 0.8 or worse.occupancy > 0.9 or not worse.stable


def test_shrinkage_rounds_up_the_staff_to_schedule():
    out = size_agents([200.0], 180.0, shrinkage=0.3)
    assert out.scheduled[0] == math.ceil(out.agents[0] / 0.7)


@settings(max_examples=40)
@given(
    lam=st.floats(1, 5000),
    more=st.floats(0, 500),
    aht=st.floats(30, 900),
    sl=st.floats(0.5, 0.95),
    stricter=st.floats(0, 0.04),
)
def test_sizing_is_monotone(lam, more, aht, sl, stricter):
    base = size_agents([lam], aht, target_sl=sl).agents[0]
    assert size_agents([lam + more], aht, target_sl=sl).agents[0] >= base
    assert size_agents([lam], aht, target_sl=sl + stricter).agents[0] >= base


def test_erlang_a_sizing_uses_fewer_agents_when_callers_abandon():
    c = size_agents([400.0], 240.0, target_sl=0.8).agents[0]
    a = size_agents([400.0], 240.0, target_sl=0.8, model="erlang-a", patience_s=60).agents[0]
    assert a <= c


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"arrivals_per_hour": 0, "aht_s": 180},
            "arrivals_per_hour: must be finite and > 0, got 0",
        ),
        ({"arrivals_per_hour": 100, "aht_s": -1}, "aht_s: must be finite and > 0, got -1"),
        (
            {"arrivals_per_hour": 100, "aht_s": 180, "target_sl": 1.0},
            "target_sl: must be in (0, 1): a target of 1.0 cannot be met with finitely many agents",
        ),
        (
            {"arrivals_per_hour": 100, "aht_s": 180, "max_occupancy": 1.2},
            "max_occupancy: must be in (0, 1], got 1.2",
        ),
        (
            {"arrivals_per_hour": 100, "aht_s": 180, "model": "erlang-a"},
            "patience_s: Erlang A needs the mean patience",
        ),
    ],
)
def test_bad_input_is_named(kwargs, message):
    lam = kwargs.pop("arrivals_per_hour")
    aht = kwargs.pop("aht_s")
    with pytest.raises(BadInputError) as e:
        size_agents([lam], aht, **kwargs)
    assert message in str(e.value)
