from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servopt.models import BadInputError, Workforce
from servopt.models.workforce import attrition_yearly, pool_workload, within


def test_default_model_is_the_stated_one():
    w = Workforce()
    # The base rate at the reference load, and the odds x1.23 per 1/6 more load (Aiken 2002).
    assert attrition_yearly(w, 0.85) == pytest.approx(0.12)
    odds = [attrition_yearly(w, u) / (1 - attrition_yearly(w, u)) for u in (0.85, 0.85 + 1 / 6)]
    assert odds[1] / odds[0] == pytest.approx(1.23)
    # Not fitted to case A: 200 engineers at 75% load cut to 120 (1.25x) is far from 45%.
    assert within(attrition_yearly(w, 1.25), 0.5) < 0.2


@given(
    a=st.floats(0, 5),
    b=st.floats(0, 5),
    base=st.floats(0.01, 0.9),
    ratio=st.floats(1.0, 3.0),
)
def test_attrition_never_falls_as_load_rises(a, b, base, ratio):
    lo, hi = sorted((a, b))
    w = Workforce(attrition_base=base, odds_ratio=ratio)
    assert attrition_yearly(w, hi) >= attrition_yearly(w, lo)
    assert 0.0 < attrition_yearly(w, lo) < 1.0 or math.isclose(attrition_yearly(w, lo), 1.0)


def test_pool_workload_prices_overtime_and_leavers():
    w = pool_workload(
        120 * 1800 * 1.25, 120, 1800, replacement_cost=60_000, overtime_cost_per_hour=180
    )
    assert w.load == pytest.approx(1.25)
    assert w.overtime_hours_per_person == pytest.approx(450)
    assert w.leavers_per_year == pytest.approx(120 * attrition_yearly(Workforce(), 1.25))
    assert w.replacement_cost_per_year == pytest.approx(w.leavers_per_year * 60_000)
    assert w.overtime_cost_per_year == pytest.approx(120 * 450 * 180)


def test_bad_input_named():
    with pytest.raises(BadInputError, match="headcount: must be a whole number >= 1, got 0"):
        pool_workload(100, 0, 1800)
    with pytest.raises(ValueError, match="attrition_base"):
        Workforce(attrition_base=1.5)
