"""The cost-versus-value frontier: non-dominated points, lexicographic ends, the knee, the
proposal placed, and the command line."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import load_network, load_plan
from servopt.models.generate import generate_data
from servopt.models.network import ServiceNetwork
from servopt.optimizer import DECISIONS, SolveParams
from servopt.optimizer.cli import main
from servopt.optimizer.frontier import (
    FrontierPoint,
    dominates,
    frontier,
    knee_index,
    nondominated,
    plot_frontier,
)
from servopt.optimizer.placement import PlacementOptions
from tests.conftest import INSTANCES
from tests.optimizer.staffing.test_channels import networks as mix_networks

CASE_D = INSTANCES / "case-d-outpatient.yaml"
CASE_D_APP = INSTANCES / "case-d-outpatient.all-app.plan.yaml"


def pt(cost: float, value: float) -> FrontierPoint:
    return FrontierPoint(cost, value, "optimal", "test")


def test_dominance_and_the_filter():
    a, b, c = pt(1, 5), pt(2, 5), pt(2, 3)
    assert dominates(a, b) and not dominates(b, a)
    assert not dominates(a, c) and not dominates(c, a)
    assert not dominates(a, pt(1, 5))  # the same figures: neither dominates
    points = [b, c, a, pt(1, 5), pt(3, 3)]
    assert [points[i] for i in nondominated(points)] == [a, c]


def test_knee_is_the_point_farthest_below_the_line_between_the_ends():
    front = [pt(0, 10), pt(1, 2), pt(6, 1), pt(10, 0)]
    assert knee_index(front) == 1
    assert knee_index(front[:2]) is None  # fewer than 3 points: no knee
    assert knee_index([pt(0, 10), pt(5, 5), pt(10, 0)]) is None  # on the line: none


def _placement_net(seed: int) -> ServiceNetwork:
    data = generate_data(sites=14, depots=4, technicians=2, seed=seed, journeys=0)
    return ServiceNetwork.model_validate(data)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_placement_frontier_points_are_mutually_non_dominated_and_the_ends_lexicographic(seed):
    net = _placement_net(seed)
    d = DECISIONS["placement"]
    params = SolveParams(time_limit_s=60, seed=1)
    linear = PlacementOptions(stock=False)  # no square-root stock: each MILP is exact and fast
    fr = frontier(net, d, points=5, options=linear, params=params)
    assert fr.points, fr.diagnostics
    for i, p in enumerate(fr.points):
        assert not any(dominates(q, p) for j, q in enumerate(fr.points) if j != i)
        assert p.status == "optimal"
        again = d.evaluate(net, fr.plans[i], linear)
        assert again.objective["cost"] == pytest.approx(p.cost, rel=1e-6)
        assert again.objective["value"] == pytest.approx(p.value, rel=1e-6)
    costs = [p.cost for p in fr.points]
    assert costs == sorted(costs)
    cheapest = d.solve(net, linear, params)
    least_value = d.solve(net, replace(linear, objective="value"), params)  # lexicographic
    gap = 2e-4  # the MILPs' relative gap (1e-4) on either side
    assert fr.points[0].cost == pytest.approx(cheapest.objective["cost"], rel=gap)
    assert fr.points[-1].value == pytest.approx(least_value.objective["value"], rel=gap)
    assert fr.points[-1].cost == pytest.approx(least_value.objective["cost"], rel=gap)
    assert fr.solves >= len(fr.points) and fr.solves_per_point is not None


def test_staffing_frontier_on_case_d_dominates_the_all_app_redesign(tmp_path):
    net = load_network(CASE_D)
    proposal = load_plan(CASE_D_APP, net)
    fr = frontier(net, "staffing", points=8, params=SolveParams(time_limit_s=60), proposal=proposal)
    assert len(fr.points) >= 5
    assert fr.units.currency == "CNY" and fr.units.period == "day"
    assert fr.knee is not None and 0 < fr.knee < len(fr.points) - 1
    # The redesign overloads the windows and the phones (an endless queue): every plan beats it.
    assert math.isinf(fr.proposal.value)
    assert fr.dominating == tuple(range(len(fr.points)))
    cheap = fr.cheapest_with_value_at_most(fr.points[fr.knee].value)
    assert cheap == fr.knee
    assert fr.best_value_with_cost_at_most(fr.points[0].cost) == 0
    assert fr.best_value_with_cost_at_most(fr.points[0].cost * 0.5) is None
    out = tmp_path / "f.svg"
    plot_frontier(fr, str(out))
    assert out.read_text().lstrip().startswith("<?xml") and "proposal" in out.read_text()


def test_a_frontier_with_fewer_points_than_asked_says_so():
    net = ServiceNetwork.model_validate(
        {
            "name": "one-plan",
            "channels": [{"id": "app", "kind": "app", "capacity_per_hour": 100}],
            "segments": [{"id": "s", "channels": ["app"], "demand_per_day": 80}],
        }
    )
    fr = frontier(net, "staffing", points=6, params=SolveParams(time_limit_s=20))
    assert len(fr.points) == 1 and fr.knee is None
    assert any("1 distinct non-dominated plans found of the 6" in d for d in fr.diagnostics)


def test_the_frontier_command_writes_its_json_and_plot(tmp_path):
    js, svg = tmp_path / "f.json", tmp_path / "f.svg"
    res = CliRunner().invoke(
        main,
        [
            "frontier",
            str(CASE_D),
            "--decision",
            "staffing",
            "--points",
            "6",
            "--plan",
            str(CASE_D_APP),
            "--json",
            str(js),
            "--plot",
            str(svg),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(js.read_text())
    assert data["decision"] == "staffing" and len(data["points"]) >= 4
    assert data["units"] == {"currency": "CNY", "period": "day"}
    assert all("plan" in p and p["status"] for p in data["points"])
    assert data["proposal"]["method"] == "proposal"
    assert svg.stat().st_size > 1000
    assert "point(s) dominate the proposal" in res.output


def test_the_frontier_refuses_options_of_another_decision():
    from servopt.models import BadInputError

    with pytest.raises(BadInputError, match="must be StaffingOptions"):
        frontier(load_network(CASE_D), "staffing", options=PlacementOptions())


@settings(max_examples=15, deadline=None)
@given(net=mix_networks())
def test_staffing_frontier_points_are_non_dominated_and_start_at_the_least_cost_plan(net):
    net = net.model_copy(
        update={
            "segments": tuple(
                s.model_copy(update={"downtime_cost_per_hour": 40.0 + 20 * i})
                for i, s in enumerate(net.segments)
            )
        }
    )
    d = DECISIONS["staffing"]
    cheapest = d.solve(net, d.options(), SolveParams(time_limit_s=20))
    fr = frontier(net, d, points=5, params=SolveParams(time_limit_s=60))
    if not cheapest.status.has_plan:
        assert not fr.points and fr.diagnostics
        return
    assert fr.points
    for i, p in enumerate(fr.points):
        assert not any(dominates(q, p) for j, q in enumerate(fr.points) if j != i)
        again = d.evaluate(net, fr.plans[i], d.options())
        assert again.objective["cost"] == pytest.approx(p.cost, rel=1e-6)
    assert fr.points[0].cost == pytest.approx(cheapest.objective["cost"], rel=1e-6)
    assert fr.points[0].value <= cheapest.objective["value"] * (1 + 1e-9) + 1e-9
