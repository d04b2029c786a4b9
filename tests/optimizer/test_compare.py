"""Plans side by side: every figure of every decision that can price them, with differences."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from servopt.models import Plan, load_network, load_plan
from servopt.optimizer.cli import main
from servopt.optimizer.compare import compare
from tests.conftest import INSTANCES

CASE_A = INSTANCES / "case-a-aftersales.yaml"
CASE_A_COST_ONLY = INSTANCES / "case-a-aftersales.cost-only.plan.yaml"
CASE_D = INSTANCES / "case-d-outpatient.yaml"
CASE_D_APP = INSTANCES / "case-d-outpatient.all-app.plan.yaml"


def test_case_a_cost_only_plan_shows_air_freight_and_downtime_that_today_does_not_have():
    net = load_network(CASE_A)
    c = compare(net, [("today", Plan()), ("cost-only", load_plan(CASE_A_COST_ONLY, net))])
    assert c.plans == ("today", "cost-only")
    air = c.row("placement.cost_breakdown.outbound_air")
    assert air[0] == 0 and air[1] > 0
    cost, value = c.row("placement.objective.cost"), c.row("placement.objective.value")
    assert cost[1] < cost[0] and value[1] > value[0]  # cheaper for the company, dearer for all
    remote = c.row("placement.segments.remote-industrial.mean_wait_h")
    assert remote[1] > 2 * remote[0]
    assert any(n.startswith("dispatch left out") for n in c.notes)  # today has no routes
    data = c.to_dict()
    row = next(r for r in data["rows"] if r["name"] == "placement.objective.cost")
    assert row["differences"][0]["abs"] == pytest.approx(cost[1] - cost[0])
    assert row["differences"][0]["rel"] == pytest.approx((cost[1] - cost[0]) / cost[0])


def test_a_plan_compared_with_itself_differs_in_nothing():
    net = load_network(CASE_D)
    plan = load_plan(CASE_D_APP, net)
    c = compare(net, [("a", plan), ("b", plan)])
    for name, (x, y) in c.rows:
        assert x == y or (x is not None and math.isinf(x) and x == y), name


def test_case_d_all_app_shows_endless_waits_and_the_violations():
    net = load_network(CASE_D)
    c = compare(net, [("today", Plan()), ("all-app", load_plan(CASE_D_APP, net))])
    assert math.isinf(c.row("staffing.segments.over-60-no-smartphone.wait_min")[1])
    # The phones, staffed by what is left of the registration clerks (16 of 70), overflow.
    assert c.row("staffing.violations") == (0.0, 1.0)
    assert c.row("staffing.channels.phone-booking.occupancy")[1] > 1.0
    assert any("placement left out: no site has parts demand" in n for n in c.notes)


def test_the_compare_command(tmp_path):
    out = tmp_path / "c.json"
    res = CliRunner().invoke(main, ["compare", str(CASE_D), str(CASE_D_APP), "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["plans"] == ["today", "case-d-all-app"]
    assert data["units"]["staffing"] == {"currency": "CNY", "period": "day"}
    assert "VIOLATION staffing / case-d-all-app" in res.output
