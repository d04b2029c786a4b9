"""Shift scheduling: hand-checked optimum, coverage or reported shortfall, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import BadInputError
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status
from servopt.optimizer.staffing.shifts import ShiftTemplate, candidate_shifts, schedule_shifts

EXACT = SolveParams(time_limit_s=30, mip_gap=0)


def test_candidates_leave_out_the_break():
    c = candidate_shifts(
        [ShiftTemplate("8h", 480, 480, 480, 60, days=(0,), break_after_min=240, break_min=60)],
        96,
        15.0,
    )
    (row,) = c.coverage
    assert row.sum() == (480 - 60) / 15
    assert row[32:48].all() and not row[48:52].any() and row[52:64].all()
    assert c.labels == ("8h@d0+08:00",) and c.cost[0] == pytest.approx(8.0)


def test_hand_checked_optimum():
    # 4 one-hour intervals, need 2,3,3,1; shifts: 2h at 0, 2h at 1, 2h at 2, 4h at 0 (cost 3.5)
    templates = [
        ShiftTemplate("2h", 120, 0, 120, 60, days=(0,), cost_per_hour=1.0),
        ShiftTemplate("4h", 240, 0, 0, 60, days=(0,), cost_per_hour=0.875),
    ]
    c = candidate_shifts(templates, 4, 60.0, wrap=False)
    r = schedule_shifts([2, 3, 3, 1], c, EXACT)
    assert r.status is Status.OPTIMAL
    # Best: 1 x 4h (3.5) + 1 x 2h@0 (2) + 2 x 2h@1... enumerated by brute force below.
    best = min(
        (2 * (a + b + d) + 3.5 * f, (a, b, d, f))
        for a in range(4)
        for b in range(4)
        for d in range(4)
        for f in range(4)
        if a + f >= 2 and a + b + f >= 3 and b + d + f >= 3 and d + f >= 1
    )
    assert r.cost == pytest.approx(best[0])
    assert (r.coverage >= [2, 3, 3, 1]).all() and r.under.sum() == 0


@settings(max_examples=25)
@given(
    req=st.lists(st.integers(0, 6), min_size=12, max_size=12),
    penalty=st.one_of(st.none(), st.floats(0.5, 50)),
    starts=st.lists(st.integers(0, 8), min_size=1, max_size=5, unique=True),
)
def test_every_schedule_covers_or_reports_the_shortfall(req, penalty, starts):
    templates = [
        ShiftTemplate(f"s{s}", 240, s * 60, s * 60, 60, days=(0,), cost_per_hour=1.0)
        for s in starts
    ]
    c = candidate_shifts(templates, 12, 60.0, wrap=False)
    r = schedule_shifts(req, c, EXACT, understaffing_penalty=penalty)
    covered = c.coverage.any(axis=0)
    if penalty is None and any(q > 0 and not covered[t] for t, q in enumerate(req)):
        assert r.status is Status.INFEASIBLE
        assert "no candidate shift works in them" in r.diagnostics[0]
        return
    assert r.status is Status.OPTIMAL
    need = np.array(req)
    assert (r.under == np.maximum(need - r.coverage, 0)).all()
    assert (r.over == np.maximum(r.coverage - need, 0)).all()
    if penalty is None:
        assert r.under.sum() == 0
    assert r.cost == pytest.approx(
        sum(c.cost[c.labels.index(k)] * v for k, v in r.starts.items())
        + (penalty or 0) * r.under.sum()
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: ShiftTemplate("x", 480, break_after_min=470, break_min=30).problems("t"),
            "the break must start after the shift starts and end before it ends",
        ),
        (
            lambda: candidate_shifts([ShiftTemplate("x", 0)], 10, 15.0),
            "templates[0].length_min: must be > 0, got 0",
        ),
        (
            lambda: schedule_shifts(
                [1, 2], candidate_shifts([ShiftTemplate("x", 60, days=(0,))], 4, 60.0), EXACT
            ),
            "requirements: expected 4 intervals, got (2,)",
        ),
    ],
)
def test_bad_input_is_named(call, message):
    try:
        out = call()
    except BadInputError as e:
        assert message in str(e)
    else:
        assert any(message in p.message for p in out)


def test_weekly_tours_with_two_consecutive_days_off_against_brute_force():
    import itertools

    from servopt.optimizer.staffing.shifts import consecutive_days_off

    # One interval per day; a tour works 5 consecutive days of the (cyclic) week.
    tours = consecutive_days_off(5)
    assert tours[0] == (0, 1, 2, 3, 4) and tours[3] == (0, 3, 4, 5, 6)
    c = candidate_shifts([ShiftTemplate("day", 1440, 0, 0, 60)], 7, 1440.0, wrap=False, tours=tours)
    assert len(c.labels) == 7 and (c.coverage.sum(axis=1) == 5).all()
    need = [3, 2, 2, 3, 1, 2, 0]
    r = schedule_shifts(need, c, EXACT)
    best = min(
        sum(x)
        for x in itertools.product(range(4), repeat=7)
        if all(sum(x[k] for k in range(7) if c.coverage[k, d]) >= need[d] for d in range(7))
    )
    assert r.status is Status.OPTIMAL and sum(r.starts.values()) == best
