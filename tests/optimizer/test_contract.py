"""One contract for every decision: solve -> evaluate -> check through ``DECISIONS``, the same
result keys, refused caps, and the command line's solve -> evaluate round trip."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import BadInputError, ServiceNetwork
from servopt.models.generate import generate_data
from servopt.optimizer import DECISIONS, SolveParams
from servopt.optimizer.cli import main
from servopt.optimizer.staffing import StaffingOptions, evaluate_staffing, solve_staffing
from tests.conftest import INSTANCES
from tests.optimizer.staffing.test_channels import networks as mix_networks


def contract_network(seed: int) -> ServiceNetwork:
    """A generated network with work for every decision: parts demand (placement), six jobs
    (dispatch) and contacts on every segment (staffing), waiting priced."""
    data = generate_data(sites=25, depots=4, technicians=6, seed=seed, jobs=6, journeys=0)
    for k, seg in enumerate(data["segments"]):
        seg["demand_per_day"] = 150.0 + 100.0 * k
        seg["downtime_cost_per_hour"] = seg.get("downtime_cost_per_hour") or 40.0
    for pool in data["pools"]:
        if pool.get("channels"):
            pool["headcount"] = max(pool.get("headcount", 1), 12)
    return ServiceNetwork.model_validate(data)


@pytest.mark.parametrize("objective", ["cost", "weighted"])
@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_every_decision_solves_evaluates_and_checks_the_same_way(name, objective):
    d = DECISIONS[name]
    net = contract_network(3)
    options = d.options(objective=objective, value_weight=0.5)
    r = d.solve(net, options, SolveParams(time_limit_s=20, seed=1))
    assert r.decision == name and r.status.has_plan, r.summary()
    assert d.check(net, r) == []
    e = d.evaluate(net, r.plan, options)
    assert e.decision == name and not e.violations, e.violations
    for key in ("cost", "value"):
        assert e.objective[key] == pytest.approx(r.objective[key], rel=1e-6)
    if objective == "weighted":
        w = r.objective["cost"] + 0.5 * r.objective["value"]
        assert r.objective["weighted"] == pytest.approx(w, rel=1e-9)
    data = json.loads(json.dumps(r.to_dict()))
    assert data["decision"] == name and data["status"] == r.status.value
    assert {"cost", "value"} <= set(data["objective"])
    assert data["units"]["currency"] == net.currency and data["units"]["period"]


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_a_cap_the_method_cannot_hold_is_refused_and_one_it_can_is_kept(name):
    d = DECISIONS[name]
    net = contract_network(4)
    for cap in ("max_cost", "max_value"):
        options = d.options(**{cap: 1e12})
        if cap in d.caps:
            assert d.solve(net, options, SolveParams(time_limit_s=20)).status.has_plan
        else:
            with pytest.raises(BadInputError, match=f"{name} cannot hold {cap}"):
                d.solve(net, options, SolveParams(time_limit_s=20))


# --------------------------------------------------------------- staffing under its objectives
@settings(max_examples=25, deadline=None)
@given(net=mix_networks(), weight=st.sampled_from([0.1, 1.0, 10.0]))
def test_staffing_objectives_never_lose_to_the_cost_plan_and_pass_the_checker(net, weight):
    net = net.model_copy(
        update={
            "segments": tuple(
                s.model_copy(update={"downtime_cost_per_hour": 30.0 + 10 * i})
                for i, s in enumerate(net.segments)
            )
        }
    )
    params = SolveParams(time_limit_s=20, seed=0)
    weighted = StaffingOptions(objective="weighted", value_weight=weight)
    cheap = solve_staffing(net, StaffingOptions(), params)
    if not cheap.status.has_plan:
        assert cheap.diagnostics
        return
    best = solve_staffing(net, weighted, params)
    assert DECISIONS["staffing"].check(net, best) == []
    assert not best.violations
    for seg in net.segments:  # accessibility: never a channel the segment cannot use
        assert set(best.plan.channel_split[seg.id]) <= set(seg.channels)
    priced = evaluate_staffing(net, cheap.plan, weighted).objective["weighted"]
    assert best.objective["weighted"] <= priced * (1 + 1e-9) + 1e-9
    least_wait = solve_staffing(net, StaffingOptions(objective="value"), params)
    assert least_wait.objective["value"] <= cheap.objective["value"] * (1 + 1e-9) + 1e-9


def test_staffing_same_seed_same_plan():
    net = contract_network(5)
    options = StaffingOptions(objective="weighted", value_weight=2.0)
    a = solve_staffing(net, options, SolveParams(time_limit_s=20, seed=7))
    b = solve_staffing(net, options, SolveParams(time_limit_s=20, seed=7))
    assert a.plan == b.plan and a.objective == b.objective


def test_a_shared_pool_is_never_counted_twice():
    """Store staff who serve walk-in and online orders (case C) are one set of people: the mix
    cannot put all of them on both channels."""
    net = ServiceNetwork.model_validate(
        {
            "name": "shared",
            "channels": [
                {"id": "walk-in", "kind": "counter", "service_min": 6},
                {"id": "online", "kind": "app", "service_min": 6},
            ],
            "segments": [
                {"id": "shoppers", "channels": ["walk-in"], "demand_per_day": 8 * 60},
                {"id": "online-buyers", "channels": ["online"], "demand_per_day": 8 * 60},
            ],
            "pools": [
                {
                    "id": "store-staff",
                    "headcount": 14,
                    "channels": ["walk-in", "online"],
                    "cost_per_hour": 20,
                }
            ],
        }
    )
    # 60 contacts an hour of 6 minutes = 6 Erlangs per channel: at 85% each needs 8, 16 > 14.
    r = solve_staffing(net)
    assert r.status.value == "infeasible" and r.diagnostics
    ok = net.model_copy(update={"pools": (net.pools[0].model_copy(update={"headcount": 16}),)})
    r = solve_staffing(ok)
    assert r.status.has_plan and sum(n for (n,) in r.plan.staffing.values()) <= 16


def test_evaluating_a_plan_that_sends_a_segment_to_a_channel_it_cannot_use_says_so():
    from servopt.models import load_network

    net = load_network(INSTANCES / "case-d-outpatient.yaml")
    r = solve_staffing(net)
    split = dict(r.plan.channel_split)
    split["over-60-no-smartphone"] = {"hospital-app": 1.0}
    e = evaluate_staffing(net, r.plan.replace(channel_split=split))
    assert any(
        "'over-60-no-smartphone' is sent to channel 'hospital-app'" in v for v in e.violations
    )


# --------------------------------------------------------------- the command line round trip
CLI_CASES = [
    ("placement", INSTANCES / "benchmarks" / "orlib-cap" / "cap41.txt", ["--format", "orlib-cap"]),
    (
        "dispatch",
        INSTANCES / "case-a-aftersales.yaml",
        ["--time-limit", "5", "--iterations", "300"],
    ),
    ("staffing", INSTANCES / "case-d-outpatient.yaml", ["--objective", "weighted"]),
    ("staffing", INSTANCES / "case-d-outpatient.yaml", ["--by-interval"]),
]


@pytest.mark.parametrize(("name", "path", "extra"), CLI_CASES)
def test_solve_then_evaluate_its_json_gives_the_same_cost_and_value(tmp_path, name, path, extra):
    solved, evaluated = tmp_path / "r.json", tmp_path / "e.json"
    runner = CliRunner()
    res = runner.invoke(main, ["solve", name, str(path), *extra, "--json", str(solved)])
    assert res.exit_code == 0, res.output
    fmt = extra[:2] if extra[:1] == ["--format"] else []
    res = runner.invoke(main, ["evaluate", name, str(solved), *fmt, "--json", str(evaluated)])
    assert res.exit_code == 0, res.output
    a, b = json.loads(solved.read_text()), json.loads(evaluated.read_text())
    for data in (a, b):
        assert data["decision"] == name and data["status"]
        assert data["units"]["currency"] and data["units"]["period"]
    for key in ("cost", "value"):
        assert b["objective"][key] == pytest.approx(a["objective"][key], rel=1e-6)


def test_a_staffing_solve_warns_of_fields_no_decision_reads():
    from servopt.models import load_network

    r = solve_staffing(load_network(INSTANCES / "case-c-omnichannel.yaml"))
    notes = [d for d in r.diagnostics if d.startswith("unused by staffing")]
    assert any("segments.customers (set for 3 of 3 segments)" in n for n in notes), notes
    # Read by dispatch (workload by department), so not reported.
    assert not any("pools.department" in n for n in notes)


@pytest.mark.parametrize("name", ["placement", "staffing"])
def test_a_training_cost_no_decision_prices_is_said_not_dropped_silently(name):
    from servopt.models import Plan, PoolChange, load_network

    net = load_network(INSTANCES / "case-d-outpatient.yaml")
    d = DECISIONS[name]
    plain = d.evaluate(net, Plan(), d.options())
    trained = Plan(pool_changes=(PoolChange(pool="doctors", training_cost=5000.0),))
    r = d.evaluate(net, trained, d.options())
    assert any("training (training_cost) is not priced" in n for n in r.diagnostics)
    assert not any("training_cost" in n for n in plain.diagnostics)
    assert r.objective["cost"] == pytest.approx(plain.objective["cost"])
