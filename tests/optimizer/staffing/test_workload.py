from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servopt.models import BadInputError
from servopt.optimizer.staffing.workload import AttritionCurve, pool_workload


def test_default_curve_reproduces_case_a():
    curve = AttritionCurve()
    # 200 engineers at 75% load; the same work on 120 engineers is 1.25x their hours.
    assert curve.yearly(0.75) == pytest.approx(0.14, abs=0.01)
    assert curve.within(0.75 * 200 / 120, 0.5) == pytest.approx(0.45, abs=0.01)  # [case]


@given(a=st.floats(0, 2), b=st.floats(0, 2))
def test_attrition_never_falls_as_load_rises(a, b):
    lo, hi = sorted((a, b))
    curve = AttritionCurve()
    assert curve.yearly(hi) >= curve.yearly(lo)
    assert 0.12 <= curve.yearly(lo) <= 0.85


def test_pool_workload_prices_overtime_and_leavers():
    w = pool_workload(
        120 * 1800 * 1.25, 120, 1800, replacement_cost=60_000, overtime_cost_per_hour=180
    )
    assert w.load == pytest.approx(1.25)
    assert w.overtime_hours_per_person == pytest.approx(450)
    assert w.leavers_per_year == pytest.approx(120 * AttritionCurve().yearly(1.25))
    assert w.replacement_cost_per_year == pytest.approx(w.leavers_per_year * 60_000)
    assert w.overtime_cost_per_year == pytest.approx(120 * 450 * 180)


def test_bad_input_named():
    with pytest.raises(BadInputError, match="headcount: must be a whole number >= 1, got 0"):
        pool_workload(100, 0, 1800)
    with pytest.raises(BadInputError, match="need 0 <= base <= peak <= 1"):
        AttritionCurve(base=0.9, peak=0.5)
