"""Channels by segment: accessibility is structural, demand is served, waits follow."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import ServiceNetwork, load_network
from servopt.optimizer.result import Status
from servopt.optimizer.staffing.channels import plan_channels
from servopt.optimizer.staffing.queueing import erlang_c
from tests.conftest import INSTANCES

KINDS = {
    "phone": ("phone", 5.0, None),
    "counter": ("counter", 4.0, None),
    "app": ("app", None, 400.0),
    "kiosk": ("kiosk", None, 60.0),
}


@st.composite
def networks(draw):
    channels = [
        {
            "id": c,
            "kind": k,
            "cost_per_contact": draw(st.floats(0.1, 10)),
            **({"service_min": m} if m else {}),
            **({"capacity_per_hour": cap} if cap else {}),
        }
        for c, (k, m, cap) in KINDS.items()
    ]
    segments = []
    for i in range(draw(st.integers(1, 4))):
        usable = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=4, unique=True))
        segments.append(
            {"id": f"seg{i}", "channels": usable, "demand_per_day": draw(st.floats(8, 400))}
        )
    pools = [
        {
            "id": "agents",
            "headcount": draw(st.integers(0, 30)),
            "channels": ["phone"],
            "cost_per_hour": 30.0,
        },
        {
            "id": "clerks",
            "headcount": draw(st.integers(0, 30)),
            "channels": ["counter"],
            "cost_per_hour": 25.0,
        },
    ]
    return ServiceNetwork.model_validate(
        {"name": "mix", "channels": channels, "segments": segments, "pools": pools}
    )


@settings(max_examples=40)
@given(net=networks())
def test_no_segment_is_ever_assigned_to_a_channel_it_cannot_use(net):
    mix = plan_channels(net)
    if mix.status is Status.INFEASIBLE:
        assert mix.diagnostics
        return
    assert mix.status is Status.OPTIMAL
    for seg in net.segments:
        flows = mix.flows.get(seg.id, {})
        assert set(flows) <= set(seg.channels)
        assert sum(flows.values()) == pytest.approx(seg.demand_per_day / 8.0, rel=1e-6)
    for c, n in mix.staff.items():
        load = sum(f.get(c, 0.0) for f in mix.flows.values()) * KINDS[c][1] / 60.0
        assert load <= 0.85 * n + 1e-6


def test_a_segment_whose_channels_have_no_staff_is_explained():
    net = ServiceNetwork.model_validate(
        {
            "name": "x",
            "channels": [{"id": "counter", "kind": "counter", "service_min": 4}],
            "segments": [{"id": "elderly", "channels": ["counter"], "demand_per_day": 100}],
            "pools": [{"id": "clerks", "headcount": 0, "channels": ["counter"]}],
        }
    )
    mix = plan_channels(net)
    assert mix.status is Status.INFEASIBLE
    assert "the channels these segments can use lack the staff" in mix.diagnostics[-1]


def test_case_d_elderly_without_smartphones_never_reach_the_app():
    net = load_network(INSTANCES / "case-d-outpatient.yaml")
    mix = plan_channels(net)
    assert mix.status is Status.OPTIMAL
    assert "hospital-app" not in mix.flows["over-60-no-smartphone"]
    assert "kiosk" not in mix.flows["over-60-no-smartphone"]
    for c, n in mix.staff.items():
        load = sum(f.get(c, 0.0) for f in mix.flows.values())
        if load and n:
            aht = net.index["channels"][c].service_min * 60
            assert mix.channel_wait_min[c] == pytest.approx(erlang_c(n, load, aht, 0.0).asa_s / 60)


def _phone_net(heads: int, max_wait_h: float | None) -> ServiceNetwork:
    seg = {"id": "callers", "channels": ["phone"], "demand_per_day": 800}
    if max_wait_h is not None:
        seg["max_wait_h"] = max_wait_h
    return ServiceNetwork.model_validate(
        {
            "name": "phones",
            "channels": [{"id": "phone", "kind": "phone", "service_min": 6}],
            "segments": [seg],
            "pools": [
                {"id": "agents", "headcount": heads, "channels": ["phone"], "cost_per_hour": 30.0}
            ],
        }
    )


def test_wait_targets_raise_staff_to_the_least_that_meets_them():
    loose = plan_channels(_phone_net(40, None))
    tight = plan_channels(_phone_net(40, 0.5 / 60))  # 30 seconds
    assert tight.staff["phone"] > loose.staff["phone"]
    assert tight.segment_wait_min["callers"] <= 0.5 and not tight.segments_over_target
    fewer = tight.staff["phone"] - 1
    assert erlang_c(fewer, 100.0, 360.0, 0.0).asa_s / 60 > 0.5  # one fewer would miss it


def test_a_target_the_pools_cannot_meet_is_reported():
    mix = plan_channels(_phone_net(12, 0.1 / 60))
    assert mix.status is Status.OPTIMAL and mix.segments_over_target == ("callers",)
    assert any(
        "channel 'phone' would need" in d and "its pools have 12" in d for d in mix.diagnostics
    )


def test_staff_by_interval_sizes_each_interval_and_covers_it_with_shifts():
    from servopt.optimizer.staffing.channels import staff_by_interval
    from servopt.optimizer.staffing.queueing import size_agents

    net = load_network(INSTANCES / "case-d-outpatient.yaml")
    r = staff_by_interval(net)
    assert r.status is Status.OPTIMAL
    by = {c.channel: c for c in r.channels}
    phone = by["phone-booking"]
    # Recompute the requirement of the peak hour from the segments' profiles and the mix.
    weights = net.segment("under-60").arrival_profile
    share = weights[1] / sum(weights)
    calls = sum(
        seg.demand_per_day
        * share
        * r.mix.flows[seg.id].get("phone-booking", 0.0)
        / sum(r.mix.flows[seg.id].values())
        for seg in net.segments
        if seg.id in r.mix.flows
    )
    expected = size_agents(
        [calls], 4.0 * 60, target_sl=0.8, target_s=20, max_occupancy=0.85
    ).scheduled[0]
    assert phone.requirements[1] == expected
    cov = phone.schedule.coverage
    assert (cov >= phone.requirements).all() and phone.schedule.under.sum() == 0


def test_arrival_profiles_of_different_lengths_are_bad_input():
    from servopt.models import BadInputError

    with pytest.raises(BadInputError, match="arrival profiles have different lengths"):
        ServiceNetwork.model_validate(
            {
                "name": "x",
                "channels": [{"id": "app", "kind": "app"}],
                "segments": [
                    {"id": "a", "channels": ["app"], "arrival_profile": [1, 2]},
                    {"id": "b", "channels": ["app"], "arrival_profile": [1, 2, 3]},
                ],
            }
        )
