"""The simulation: seeded, and in agreement with Erlang C (slow tier) and Erlang A."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from servopt.models import BadInputError
from servopt.optimizer.cli import main
from servopt.optimizer.staffing.queueing import erlang_a, erlang_c
from servopt.optimizer.staffing.simulate import simulate_interval


def test_same_seed_same_figures():
    a = simulate_interval(5, 60, 240, hours=5, replications=3, seed=9)
    b = simulate_interval(5, 60, 240, hours=5, replications=3, seed=9)
    c = simulate_interval(5, 60, 240, hours=5, replications=3, seed=10)
    assert a == b and a != c


def test_erlang_a_agreement_short_run():
    sim = simulate_interval(10, 180, 200, patience_s=120, hours=40, replications=8, seed=1)
    exact = erlang_a(10, 180, 200, 120, 20)
    assert sim.abandon_probability[0] == pytest.approx(exact.abandon_probability, abs=0.01)
    assert sim.wait_probability[0] == pytest.approx(exact.wait_probability, abs=0.03)
    assert sim.service_level[0] == pytest.approx(exact.service_level, abs=0.03)


@pytest.mark.slow
@pytest.mark.parametrize(("rho", "replications"), [(0.5, 20), (0.7, 20), (0.9, 40)])
def test_simulation_agrees_with_erlang_c(rho, replications):
    c, aht = 10, 200.0
    lam = rho * c * 3600 / aht
    sim = simulate_interval(c, lam, aht, hours=300, warmup_h=2, replications=replications, seed=11)
    exact = erlang_c(c, lam, aht, 20)
    assert sim.asa_s[1] / exact.asa_s < 0.06, "not enough replications to check to 5%"
    assert sim.wait_probability[0] == pytest.approx(exact.wait_probability, abs=0.02)
    assert sim.asa_s[0] == pytest.approx(exact.asa_s, rel=0.05)
    assert sim.occupancy[0] == pytest.approx(rho, abs=0.01)


def test_bad_input():
    with pytest.raises(BadInputError) as e:
        simulate_interval(0, -5, 100, replications=1)
    text = str(e.value)
    assert "agents: must be a whole number >= 1, got 0" in text
    assert "arrivals_per_hour: must be finite and > 0, got -5" in text
    assert "replications: need at least 2" in text


def test_cli_simulate_json():
    res = CliRunner().invoke(
        main,
        [
            "simulate",
            "--agents",
            "5",
            "--arrivals-per-hour",
            "60",
            "--aht-s",
            "240",
            "--hours",
            "3",
            "--replications",
            "2",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["analytic"]["wait_probability"] == pytest.approx(
        erlang_c(5, 60, 240).wait_probability
    )
    assert 0 <= data["simulated"]["wait_probability"] <= 1


def test_journey_simulation_agrees_with_the_analysis_case_b():
    from servopt.models import load_network, load_plan
    from servopt.optimizer.journeys.analysis import analyse_journey
    from servopt.optimizer.journeys.simulate import simulate_journey
    from tests.conftest import INSTANCES

    net = load_network(INSTANCES / "case-b-account-opening.yaml")
    plan = load_plan(INSTANCES / "case-b-account-opening.redesign.plan.yaml", net)
    exact = analyse_journey(net, "account-opening", plan, moments_of_truth=False)
    sim = simulate_journey(
        net, "account-opening", plan, arrivals_per_hour=30, hours=100, replications=10, seed=2
    )
    mean, half = sim.end_to_end_min
    assert abs(mean - exact.end_to_end_min) <= max(3 * half, 0.03 * exact.end_to_end_min)
    assert sim.failure_rate[0] == pytest.approx(exact.failure_rate, abs=0.01)
    p = sim.percentiles_min
    assert p["p50"] < mean < p["p90"] < p["p95"]  # a long right tail: the rework loop
    again = simulate_journey(
        net, "account-opening", plan, arrivals_per_hour=30, hours=100, replications=10, seed=2
    )
    assert again == sim
