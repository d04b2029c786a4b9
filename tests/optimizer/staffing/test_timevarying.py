"""Queues over a day: hand-checked fluid waits, Erlang C when underloaded, unserved at close."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import BadInputError
from servopt.optimizer.staffing.queueing import erlang_c
from servopt.optimizer.staffing.timevarying import day_queue


def test_hand_checked_rush():
    # 120 arrive in the first hour, one server at 1 min each: 60 served per hour.
    q = day_queue([120, 0, 0], 1, 1.0, 60.0)
    # The middle arrival of hour 1 is the 60th in line: served at minute 60, arrived at 30.
    assert q.wait_min[0] == pytest.approx(30.0)
    assert q.backlog_end.tolist() == [60.0, 0.0, 0.0]
    assert q.unserved_at_close == 0 and q.mean_wait_min == pytest.approx(30.0)


def test_closed_interval_waits_for_opening():
    q = day_queue([30, 0], [0, 1], 1.0, 60.0)
    # Arrivals in a closed hour; the middle one (15th) is served 15 min into the next hour.
    assert q.wait_min[0] == pytest.approx(60 - 30 + 15)


def test_underloaded_day_is_erlang_c():
    q = day_queue([100, 100], 10, 5.0, 60.0)  # 100/h x 5 min = 8.33 Erlangs on 10
    expected = erlang_c(10, 100, 300, 0).asa_s / 60
    assert q.wait_min.tolist() == pytest.approx([expected, expected])
    assert q.backlog_end.tolist() == [0.0, 0.0]


def test_overloaded_day_leaves_people_unserved():
    q = day_queue([100, 100], 1, 1.0, 60.0)
    assert q.unserved_at_close == pytest.approx(80)
    assert q.served_per_staff == pytest.approx(120)


@settings(max_examples=40)
@given(
    arr=st.lists(st.floats(0, 200), min_size=1, max_size=12),
    staff=st.integers(1, 20),
    more=st.integers(0, 10),
    s=st.floats(1, 15),
)
def test_more_staff_never_lengthens_waits(arr, staff, more, s):
    a = day_queue(arr, staff, s, 30.0)
    b = day_queue(arr, staff + more, s, 30.0)
    assert b.unserved_at_close <= a.unserved_at_close + 1e-9
    assert (b.backlog_end <= a.backlog_end + 1e-9).all()
    served = np.sum(arr) - a.unserved_at_close
    assert served >= -1e-9


def test_bad_input():
    with pytest.raises(BadInputError) as e:
        day_queue([-1, 2], 1, 0, 15)
    assert "arrivals_per_interval: must be finite and >= 0" in str(e.value)
    assert "service_min: must be > 0, got 0" in str(e.value)
