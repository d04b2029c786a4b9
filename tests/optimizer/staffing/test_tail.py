"""Percentiles of the wait: the mixture quantile against Erlang C's closed form and Erlang A's
service level."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import Channel
from servopt.optimizer.staffing.queueing import erlang_a, erlang_c
from servopt.optimizer.staffing.terms import tail_quantile, unanswered_after


@given(
    agents=st.integers(1, 60),
    util=st.floats(0.3, 0.98),
    aht_min=st.floats(1.0, 20.0),
)
def test_erlang_c_percentile_is_the_closed_form(agents, util, aht_min):
    per_hour = agents * util * 60.0 / aht_min
    ch = Channel(id="c", kind="phone", service_min=aht_min)
    p90 = tail_quantile([(1.0, unanswered_after(ch, agents, per_hour, True))])
    fig = erlang_c(agents, per_hour, aht_min * 60.0, 0.0)
    pw, rate = float(fig.wait_probability), (agents - float(fig.offered_load)) / aht_min
    exact = 0.0 if pw <= 0.1 else math.log(pw / 0.1) / rate
    assert p90 == pytest.approx(exact, abs=0.011)


@settings(max_examples=15, deadline=None)
@given(agents=st.integers(1, 12), util=st.floats(0.5, 1.3), patience=st.floats(2.0, 30.0))
def test_erlang_a_percentile_meets_the_service_level(agents, util, patience):
    aht = 5.0
    per_hour = agents * util * 60.0 / aht
    ch = Channel(id="c", kind="phone", service_min=aht, patience_min=patience)
    p90 = tail_quantile([(1.0, unanswered_after(ch, agents, per_hour, True))], horizon_min=600)
    sl = lambda t: float(erlang_a(agents, per_hour, aht * 60, patience * 60, t * 60).service_level)  # noqa: E731
    if math.isinf(p90):
        assert sl(600.0) < 0.9
    elif p90 > 0:
        assert sl(p90) >= 0.9 - 1e-9 and sl(max(p90 - 0.011, 0.0)) < 0.9 + 1e-9


def test_a_mixture_of_a_calm_and_an_overloaded_part():
    calm = Channel(id="c", kind="phone", service_min=5.0)
    fine = unanswered_after(calm, 10, 60.0, True)  # 5 Erlangs on 10 agents
    jammed = unanswered_after(calm, 2, 60.0, True)  # 5 Erlangs on 2: never answered
    assert tail_quantile([(95.0, fine), (5.0, jammed)]) < 5.0
    assert math.isinf(tail_quantile([(85.0, fine), (15.0, jammed)]))
    assert tail_quantile([]) == 0.0
