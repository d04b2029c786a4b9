"""Journeys: the absorbing chain against hand computations, case B, monotonicity, bad input."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import BadInputError, ServiceNetwork, load_network, load_plan
from servopt.optimizer.cli import main
from servopt.optimizer.journeys.analysis import analyse_journey
from tests.conftest import INSTANCES

CASE_B = INSTANCES / "case-b-account-opening.yaml"
CASE_B_PLAN = INSTANCES / "case-b-account-opening.redesign.plan.yaml"


def loop_network(
    rework: float, fail: float = 0.0, staff: int = 3, service_b: float = 10.0, forward: float = 0.0
) -> ServiceNetwork:
    """a -> b; b -> a with ``rework``; b -> c with ``forward``; the rest of b ends it."""
    transitions = [{"source": "a", "target": "b"}]
    if rework:
        transitions.append({"source": "b", "target": "a", "probability": rework})
    steps = [
        {"id": "a", "department": "desk", "resource": "desk", "service_min": 5},
        {
            "id": "b",
            "department": "back",
            "resource": "back",
            "service_min": service_b,
            "failure_prob": fail,
        },
    ]
    if forward:
        transitions.append({"source": "b", "target": "c", "probability": forward})
        steps.append({"id": "c", "department": "desk", "resource": "desk", "service_min": 2})
    return ServiceNetwork.model_validate(
        {
            "name": "loop",
            "channels": [{"id": "counter", "kind": "counter"}],
            "segments": [{"id": "s", "channels": ["counter"], "demand_per_day": 80}],
            "pools": [
                {"id": "desk", "headcount": staff, "department": "desk", "cost_per_hour": 1.0},
                {"id": "back", "headcount": staff, "department": "back", "cost_per_hour": 1.0},
            ],
            "journeys": [
                {
                    "id": "j",
                    "segment": "s",
                    "start": "a",
                    "steps": steps,
                    "transitions": transitions,
                }
            ],
        }
    )


def test_visits_and_failure_match_the_geometric_series():
    r, f = 0.4, 0.1
    fig = analyse_journey(loop_network(r, f), "j", moments_of_truth=False)
    # Each pass through b fails with probability f, else loops back with probability r.
    loop = r * (1 - f)
    visits = 1 / (1 - loop)
    assert fig.steps["a"]["visits"] == pytest.approx(visits)
    assert fig.steps["b"]["visits"] == pytest.approx(visits)
    assert fig.failure_rate == pytest.approx(f * visits)
    assert fig.service_min == pytest.approx(15 * visits)
    assert fig.handoffs == pytest.approx(visits + loop * visits)  # a->b each pass, b->a loops


def test_waits_are_erlang_c_at_each_resource():
    from servopt.optimizer.staffing.queueing import erlang_c

    fig = analyse_journey(loop_network(0.0), "j", arrivals_per_hour=12.0, moments_of_truth=False)
    expected = erlang_c(3, 12.0, 10 * 60.0, 0.0).asa_s / 60.0
    assert fig.steps["b"]["wait_min"] == pytest.approx(expected)
    assert fig.end_to_end_min == pytest.approx(15 + fig.wait_min)


@settings(max_examples=30)
@given(r1=st.floats(0, 0.8), dr=st.floats(0, 0.15), fail=st.floats(0, 0.3), lam=st.floats(1, 15))
def test_end_to_end_never_falls_when_rework_rises(r1, dr, fail, lam):
    low = analyse_journey(
        loop_network(r1, fail, staff=6, forward=0.1),
        "j",
        arrivals_per_hour=lam,
        moments_of_truth=False,
    )
    high = analyse_journey(
        loop_network(min(r1 + dr, 0.89), fail, staff=6, forward=0.1),
        "j",
        arrivals_per_hour=lam,
        moments_of_truth=False,
    )
    assert high.end_to_end_min >= low.end_to_end_min - 1e-9


def test_case_b_before_and_after_the_redesign():
    net = load_network(CASE_B)
    before = analyse_journey(net, "account-opening")
    after = analyse_journey(net, "account-opening", load_plan(CASE_B_PLAN, net))
    assert before.end_to_end_min == pytest.approx(40, abs=3)  # [case] 40 min
    assert after.end_to_end_min == pytest.approx(55, abs=2)  # [case] 55 min
    assert before.failure_rate == pytest.approx(0.05, abs=0.005)  # [case] 5%
    assert after.failure_rate == pytest.approx(0.18, abs=0.01)  # [case] 18%
    checks = after.steps["anti-fraud-check"]["visits"] / after.steps["data-capture"]["visits"]
    assert checks == pytest.approx(3.0, abs=0.05)  # [case] verified 3 times on average
    top = after.moments_of_truth[0]
    assert "no rework 'anti-fraud-check' -> 'address-reconcile'" in top["change"]
    assert top["minutes_saved"] > 20 and top["failure_rate_after"] < after.failure_rate
    assert after.handoffs > 2 * before.handoffs  # sent back and forth between departments


def test_a_loop_that_never_ends_is_bad_input():
    with pytest.raises(BadInputError, match="form a loop left with probability 0"):
        analyse_journey(loop_network(1.0), "j", arrivals_per_hour=5.0)


def test_an_overloaded_or_empty_pool_is_named():
    fig = analyse_journey(loop_network(0.2, staff=0), "j", arrivals_per_hour=5.0)
    assert fig.end_to_end_min == float("inf")
    assert any("'desk': offered load" in u and "on 0 staff" in u for u in fig.unstable)
    assert fig.to_dict()["end_to_end_min"] is None


def test_cli_journey_json():
    res = CliRunner().invoke(
        main,
        [
            "journey",
            str(CASE_B),
            "--plan",
            str(CASE_B_PLAN),
            "--journey",
            "account-opening",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["end_to_end_min"] == pytest.approx(55.7, abs=0.1)
    assert data["failure_rate"] == pytest.approx(0.178, abs=0.001)
    bad = CliRunner().invoke(main, ["journey", str(CASE_B), "--journey", "nope"])
    assert bad.exit_code == 2 and "journey 'nope' is neither in network" in bad.output


def test_case_b_fallback_path_and_capacity_change():
    from servopt.models import Step
    from servopt.optimizer.journeys.analysis import allocate_capacity, with_fallback

    net = load_network(CASE_B)
    plan = load_plan(CASE_B_PLAN, net)
    base = analyse_journey(net, "account-opening", plan, moments_of_truth=False)
    manual = Step(id="manual-check", department="risk", resource="risk-officers", service_min=12.0)
    fb = with_fallback(
        plan.journeys[0], "anti-fraud-check", "address-reconcile", manual, "counter-rights"
    )
    after = analyse_journey(
        net, "account-opening", plan.replace(journeys=[fb]), moments_of_truth=False
    )
    assert after.end_to_end_min < base.end_to_end_min - 15
    assert after.failure_rate < base.failure_rate / 1.5
    _, steps = allocate_capacity(net, "account-opening", plan, budget_per_hour=600)
    assert steps and steps[-1].cost_per_hour <= 600
    times = [base.end_to_end_min] + [s.end_to_end_min for s in steps]
    assert all(b <= a for a, b in itertools.pairwise(times))
    assert steps[-1].end_to_end_min > after.end_to_end_min  # the fallback is worth more


def test_greedy_capacity_is_optimal_on_a_small_case():
    import itertools

    from servopt.models import Plan, PoolChange
    from servopt.optimizer.journeys.analysis import allocate_capacity

    net = loop_network(0.3, staff=7, service_b=14.0, forward=0.2)
    lam = 16.0
    _, steps = allocate_capacity(net, "j", None, budget_per_hour=4.0, arrivals_per_hour=lam)
    # Every staff member costs 1 per hour: brute force every split of 4 extra staff.
    best = min(
        analyse_journey(
            net,
            "j",
            Plan(
                pool_changes=(
                    PoolChange(pool="desk", headcount=7 + a),
                    PoolChange(pool="back", headcount=7 + b),
                )
            ),
            arrivals_per_hour=lam,
            moments_of_truth=False,
        ).end_to_end_min
        for a, b in itertools.product(range(5), repeat=2)
        if a + b <= 4
    )
    assert len(steps) == 4
    assert steps[-1].end_to_end_min == pytest.approx(best, rel=1e-9)


def test_fallback_bad_input():
    from servopt.models import Step
    from servopt.optimizer.journeys.analysis import with_fallback

    j = loop_network(0.3).journeys[0]
    with pytest.raises(BadInputError, match=r"unknown step|no transition"):
        with_fallback(j, "a", "zz", Step(id="m", service_min=1), "b")


def test_a_step_served_by_no_pool_is_bad_input_when_queues_are_computed():
    net = loop_network(0.2)
    steps = [
        st.model_copy(update={"resource": None}) if st.id == "b" else st
        for st in net.journeys[0].steps
    ]
    journey = net.journeys[0].model_copy(update={"steps": tuple(steps)})
    with pytest.raises(BadInputError, match="step 'b' takes time but no staff pool or channel"):
        analyse_journey(net, journey, arrivals_per_hour=5.0)
    # Without arrivals (structure and service time only) it is fine.
    no_demand = journey.model_copy(update={"segment": None})
    assert analyse_journey(net, no_demand, moments_of_truth=False).service_min > 0


def test_first_contact_resolution_is_the_first_pass_that_succeeds():
    """a -> b; b fails 10% of the time and sends 30% of the rest back to a: the first pass
    succeeds with probability 0.9 x 0.7; without the loop, with 0.9."""
    from servopt.models.entities import Journey, Step, Transition
    from servopt.optimizer.journeys.analysis import first_contact_resolution

    steps = (
        Step(id="a", service_min=5.0),
        Step(id="b", service_min=5.0, failure_prob=0.1),
    )
    loop = Journey(
        id="j",
        start="a",
        steps=steps,
        transitions=(
            Transition(source="a", target="b"),
            Transition(source="b", target="a", probability=0.3),
        ),
    )
    assert first_contact_resolution(loop) == pytest.approx(0.63)
    straight = loop.model_copy(update={"transitions": loop.transitions[:1]})
    assert first_contact_resolution(straight) == pytest.approx(0.9)


def test_case_b_redesign_resolves_fewer_cases_first_time():
    net = load_network(INSTANCES / "case-b-account-opening.yaml")
    plan = load_plan(INSTANCES / "case-b-account-opening.redesign.plan.yaml", net)
    today = analyse_journey(net, "account-opening", moments_of_truth=False)
    after = analyse_journey(net, "account-opening", plan, moments_of_truth=False)
    assert after.first_contact_resolution < today.first_contact_resolution
    assert 0 <= after.waiting_share <= 1
