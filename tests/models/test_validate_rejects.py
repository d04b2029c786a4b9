"""`validate` rejects what a solver or `journey` would reject for a reason in the network alone."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import BadInputError, load_network
from servopt.models.checks import closed_loops
from servopt.models.io import network_from_data, plan_from_data
from servopt.optimizer.cli import main
from servopt.optimizer.journeys.analysis import analyse_journey


def network(
    transitions: list[dict[str, Any]],
    *,
    steps: list[dict[str, Any]] | None = None,
    demand: float = 80.0,
    segment: str | None = "s",
) -> dict[str, Any]:
    steps = steps or [
        {"id": sid, "resource": "desk", "service_min": 5.0} for sid in ("a", "b", "c")
    ]
    journey: dict[str, Any] = {"id": "j", "start": "a", "steps": steps}
    journey["transitions"] = transitions
    if segment:
        journey["segment"] = segment
    return {
        "kind": "network",
        "name": "loops",
        "channels": [{"id": "counter", "kind": "counter"}],
        "segments": [{"id": "s", "channels": ["counter"], "demand_per_day": demand}],
        "pools": [{"id": "desk", "headcount": 20, "cost_per_hour": 1.0}],
        "journeys": [journey],
    }


TRAP = [
    {"source": "a", "target": "b"},
    {"source": "b", "target": "c"},
    {"source": "c", "target": "b"},
]


def test_a_loop_that_can_never_be_left_is_rejected_on_load_with_file_and_field(tmp_path):
    path = tmp_path / "trap.yaml"
    path.write_text(yaml.safe_dump(network(TRAP)))
    with pytest.raises(BadInputError) as e:
        load_network(path)
    (problem,) = e.value.problems
    assert problem.file == str(path)
    assert problem.path == "journeys[0].transitions"
    assert "steps 'b', 'c' form a loop that can never be left" in problem.message


def test_validate_exits_2_on_the_trap_and_names_it(tmp_path):
    path = tmp_path / "trap.yaml"
    path.write_text(yaml.safe_dump(network(TRAP)))
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert f"{path}: journeys[0].transitions: steps 'b', 'c' form a loop" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    "change",
    [
        {"source": "c", "target": "b", "probability": 0.5},  # c ends half the time
        {"source": "c", "target": "b", "probability": 1.0, "fail": True},  # c can fail
    ],
)
def test_a_loop_with_a_way_out_is_accepted(change):
    transitions = [*TRAP[:2], {k: v for k, v in change.items() if k != "fail"}]
    steps = [{"id": sid, "resource": "desk", "service_min": 5.0} for sid in ("a", "b", "c")]
    if change.get("fail"):
        steps[2]["failure_prob"] = 0.1
    net = network_from_data(network(transitions, steps=steps))
    fig = analyse_journey(net, "j", moments_of_truth=False)
    assert fig.end_to_end_min > 0


def test_a_self_loop_with_probability_1_is_a_trap():
    net = network([{"source": "a", "target": "b"}, {"source": "b", "target": "b"}])
    with pytest.raises(BadInputError, match=r"steps 'b' form a loop that can never be left"):
        network_from_data(net)


def test_a_redesigned_journey_in_a_plan_is_checked_too():
    net = network_from_data(network(TRAP[:2]))
    plan = plan_from_data(
        {
            "kind": "plan",
            "journeys": [
                {
                    "id": "j",
                    "segment": "s",
                    "start": "a",
                    "steps": [
                        {"id": sid, "resource": "desk", "service_min": 5.0}
                        for sid in ("a", "b", "c")
                    ],
                    "transitions": TRAP,
                }
            ],
        }
    )
    problems = plan.check_against(net)
    assert any("form a loop that can never be left" in p.message for p in problems)


def test_a_step_without_a_resource_is_rejected_when_demand_enters_the_journey():
    steps = [
        {"id": "a", "resource": "desk", "service_min": 5.0},
        {"id": "b", "service_min": 4.0},
    ]
    with pytest.raises(BadInputError) as e:
        network_from_data(network([{"source": "a", "target": "b"}], steps=steps))
    assert [p.path for p in e.value.problems] == ["journeys[0].steps[1].resource"]
    assert "step 'b' takes time but no staff pool or channel serves it" in str(e.value)
    # No demand enters it: structure and service time only, which needs no resource.
    for data in (
        network([{"source": "a", "target": "b"}], steps=steps, demand=0.0),
        network([{"source": "a", "target": "b"}], steps=steps, segment=None),
    ):
        net = network_from_data(data)
        assert analyse_journey(net, "j", moments_of_truth=False).service_min == 9.0


def test_a_channel_journey_takes_the_demand_of_every_segment_that_can_use_the_channel():
    data = network(TRAP[:2], segment=None)
    data["journeys"][0]["channel"] = "counter"
    data["segments"].append({"id": "t", "channels": ["counter"], "demand_per_day": 40.0})
    data["channels"].append({"id": "app", "kind": "app"})
    data["segments"].append({"id": "u", "channels": ["app"], "demand_per_day": 1000.0})
    fig = analyse_journey(network_from_data(data), "j", moments_of_truth=False)
    assert fig.arrivals_per_hour == pytest.approx((80.0 + 40.0) / 8.0)


def test_removing_a_rework_loop_that_would_trap_cases_is_not_offered_as_a_moment():
    # a -> b -> c; c -> a (rework, 0.5), c -> b (0.5); a ends half the time. Removing the
    # rework moves its share to c -> b, which would make b, c a trap.
    transitions = [
        {"source": "a", "target": "b", "probability": 0.5},
        {"source": "b", "target": "c"},
        {"source": "c", "target": "a", "probability": 0.5},
        {"source": "c", "target": "b", "probability": 0.5},
    ]
    net = network_from_data(network(transitions))
    fig = analyse_journey(net, "j")
    assert not any("'c' -> 'a'" in m["change"] for m in fig.moments_of_truth)
    assert any("'c' -> 'b'" in m["change"] for m in fig.moments_of_truth)


@st.composite
def journeys(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(2, 4))
    ids = [f"s{i}" for i in range(n)]
    steps = [
        {
            "id": sid,
            "resource": draw(st.sampled_from(["desk", None])),
            "service_min": draw(st.sampled_from([0.0, 2.0, 5.0])),
            "failure_prob": draw(st.sampled_from([0.0, 0.0, 0.1])),
        }
        for sid in ids
    ]
    edges = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=6, unique=True)
    )
    transitions = [
        {"source": a, "target": b, "probability": draw(st.sampled_from([0.3, 0.5, 1.0]))}
        for a, b in edges
    ]
    data = network(transitions, steps=steps, demand=draw(st.sampled_from([0.0, 40.0, 40.0])))
    data["journeys"][0]["start"] = "s0"
    return data


@settings(max_examples=200, deadline=None)
@given(journeys())
def test_whatever_loads_the_journey_analysis_accepts(data):
    """Part 7 of issue 9 as a property: no network that loads is rejected by `journey`."""
    try:
        net = network_from_data(data)
    except BadInputError:
        return
    analyse_journey(net, "j")  # must not raise BadInputError
    assert not closed_loops(net.journeys[0])
