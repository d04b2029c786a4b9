"""The day simulation: throughput from documentation time, segments kept off channels they cannot
use, waits per segment, breaks and overtime, and the search for the fewest extra staff."""

from __future__ import annotations

import math

import pytest

from servopt.models import Plan, load_network, load_plan
from servopt.models.errors import BadInputError
from servopt.models.plan import PoolChange
from servopt.optimizer.journeys.analysis import analyse_journey
from servopt.optimizer.journeys.day import fewest_staff_for_target, simulate_day
from tests.conftest import REPO

CASE_D = REPO / "instances" / "case-d-outpatient.yaml"
SHARE = 0.05  # of case D's patients and staff: 600 patients a day, 8 doctors


@pytest.fixture(scope="module")
def small():
    """Case D at 5% of its size: same shapes, a fraction of the people."""
    net = load_network(CASE_D)
    return net.replace(
        segments=[
            s.model_copy(update={"demand_per_day": s.demand_per_day * SHARE}) for s in net.segments
        ],
        pools=[
            p.model_copy(update={"headcount": max(1, round(p.headcount * SHARE))})
            if p.headcount
            else p
            for p in net.pools
        ],
    )


def _all_app(net):
    plan = load_plan(
        REPO / "instances" / "case-d-outpatient.all-app.plan.yaml", load_network(CASE_D)
    )
    heads = {"registration-clerks": 1, "cashiers": 1}
    return plan.replace(
        pool_changes=[c.model_copy(update={"headcount": heads[c.pool]}) for c in plan.pool_changes]
    )


def test_doctors_patients_a_day_come_from_consultation_and_record_time(small):
    before = simulate_day(small, "outpatient-visit", replications=1).pools["doctors"]
    after = simulate_day(small, "outpatient-visit", _all_app(small), replications=1).pools[
        "doctors"
    ]
    # 480 clinic minutes / (4 + 0.5 + 0.58 x 2.5) and / (4 + 2.5 + 0.58 x 2.5)
    assert before.capacity_per_staff == pytest.approx(480 / 5.95, rel=1e-9)
    assert after.capacity_per_staff == pytest.approx(480 / 7.95, rel=1e-9)
    assert round(before.capacity_per_staff) == 81 and round(after.capacity_per_staff) == 60
    # With more patients than the shift can take, the doctors see their capacity within the
    # shift (+-12%, the randomness of one day) and the rest in overtime.
    assert after.served_per_staff == pytest.approx(after.capacity_per_staff, rel=0.12)
    assert after.overtime_min > 60 and after.utilisation > 1.1


def test_the_analytic_load_counts_documentation(small):
    figs = analyse_journey(small, "outpatient-visit", arrivals_per_hour=60.0)
    assert figs.resources["doctors"]["offered_load"] == pytest.approx(60 * 5.95 / 60)


def test_a_segment_never_uses_a_channel_it_cannot_and_its_harm_shows(small):
    day = simulate_day(small, "outpatient-visit", _all_app(small), replications=2, seed=3)
    seg = {s.id: s for s in small.segments}
    for sid, figs in day.segments.items():
        assert set(figs.channels) <= set(seg[sid].channels), sid
    assert day.segments["under-60"].channels == {"hospital-app": 1.0}
    no_phone = day.segments["over-60-no-smartphone"]
    assert no_phone.channels and "hospital-app" not in no_phone.channels
    # Queueing at one window for register, triage and payment: far longer than the app users.
    assert no_phone.mean_min > 1.5 * day.segments["under-60"].mean_min
    assert no_phone.p90_min > no_phone.mean_min
    assert not day.meets_target


def test_a_segment_left_without_a_channel_is_named(small):
    closed = _all_app(small).replace(
        pool_changes=[
            PoolChange(pool="registration-clerks", headcount=0),
            PoolChange(pool="cashiers", headcount=0),
        ]
    )
    with pytest.raises(BadInputError) as err:
        simulate_day(small, "outpatient-visit", closed, replications=1)
    text = str(err.value)
    assert "segments[over-60-no-smartphone].channels" in text and "window" in text


def test_a_step_whose_pool_has_nobody_is_named(small):
    with pytest.raises(BadInputError, match=r"steps\[pharmacy\].resource"):
        simulate_day(
            small,
            "outpatient-visit",
            Plan(pool_changes=(PoolChange(pool="pharmacists", headcount=0),)),
            replications=1,
        )


def test_same_seed_same_day_and_the_seed_matters(small):
    a = simulate_day(small, "outpatient-visit", replications=1, seed=5)
    b = simulate_day(small, "outpatient-visit", replications=1, seed=5)
    c = simulate_day(small, "outpatient-visit", replications=1, seed=6)
    assert a == b
    assert a.everyone.mean_min != c.everyone.mean_min


def test_a_common_lunch_hour_makes_the_queue_longer_than_a_staggered_one(small):
    doctors = next(p for p in small.pools if p.id == "doctors")
    staggered = Plan(
        pool_changes=(
            PoolChange(
                pool="doctors",
                shifts=(doctors.shifts[0].model_copy(update={"break_start_min": None}),),
            ),
        )
    )
    common = simulate_day(small, "outpatient-visit", replications=2, seed=1)
    spread = simulate_day(small, "outpatient-visit", staggered, replications=2, seed=1)
    assert spread.everyone.mean_min < common.everyone.mean_min


def test_fewest_extra_doctors_is_the_least_that_meets_every_segment(small):
    # Every other pool doubled, so that the doctors are what stands between the day and 2 h.
    roomy = Plan(
        pool_changes=tuple(
            PoolChange(pool=p.id, headcount=2 * p.headcount)
            for p in small.pools
            if p.id != "doctors" and p.headcount
        )
    )
    found = fewest_staff_for_target(
        small, "outpatient-visit", roomy, "doctors", most=12, replications=1, seed=2, target_h=2.0
    )
    assert found is not None
    plan, day, extra = found
    assert day.meets_target and extra >= 1
    assert plan.headcounts(small)["doctors"] == 8 + extra
    fewer = simulate_day(
        small,
        "outpatient-visit",
        roomy.replace(
            pool_changes=[*roomy.pool_changes, PoolChange(pool="doctors", headcount=7 + extra)]
        ),
        replications=1,
        seed=2,
        target_h=2.0,
    )
    assert not fewer.meets_target
    assert all(math.isfinite(s.p90_min) for s in day.segments.values())


def test_bad_arguments_are_named(small):
    with pytest.raises(BadInputError, match="replications"):
        simulate_day(small, "outpatient-visit", replications=0)
    with pytest.raises(BadInputError, match="target_h"):
        simulate_day(small, "outpatient-visit", target_h=-1.0)
