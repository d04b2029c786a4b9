"""Placement: known optima, hand-checked answers, statuses, infeasibility explained,
and properties over generated networks. Every solved plan goes through the checker."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import Plan, ServiceNetwork, load_network
from servopt.models.generate import generate_network
from servopt.optimizer.params import SolveParams
from servopt.optimizer.placement.check import check_placement_plan, recompute_placement
from servopt.optimizer.placement.evaluate import evaluate_placement
from servopt.optimizer.placement.solve import pwl_max_relative_error, solve_placement
from servopt.optimizer.placement.terms import PlacementOptions
from servopt.optimizer.result import Status

CFLP = PlacementOptions.cflp()
EXACT = SolveParams(time_limit_s=60, mip_gap=1e-9)


def solved(net: ServiceNetwork, options: PlacementOptions = CFLP, params=EXACT, **kw):
    """Solve, then check the plan independently and the reported objective."""
    r = solve_placement(net, options, params, **kw)
    if r.status.has_plan:
        assert check_placement_plan(net, r.plan, options, reported=r.objective) == []
        again = evaluate_placement(net, r.plan, options)
        assert again.objective["cost"] == pytest.approx(r.objective["cost"], rel=1e-9)
    return r


def read_optima(folder) -> dict[str, float]:
    with open(folder / "optimal.csv") as f:
        return {r["instance"]: float(r["optimal_cost"]) for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def optima(orlib):
    return read_optima(orlib)  # the 8 vendored instances below


@pytest.mark.parametrize(
    "name", ["cap41", "cap44", "cap64", "cap71", "cap101", "cap123", "cap131", "cap134"]
)
def test_orlib_published_optimum(orlib, optima, name):
    net = load_network(orlib / f"{name}.txt", "orlib-cap")
    r = solved(net)
    assert r.status is Status.OPTIMAL
    assert r.objective["cost"] == pytest.approx(optima[name], rel=1e-6)
    assert r.gap is not None and r.gap <= 1e-6
    assert r.kpis.model["model_objective"] == pytest.approx(r.objective["cost"], rel=1e-9)


def _two_by_two(**depot_changes) -> ServiceNetwork:
    """Two depots, two sites; costs small enough to check by hand."""
    depots = [
        {"id": "a", "location": [0, 0], "capacity": 10, "fixed_cost": 100},
        {"id": "b", "location": [10, 0], "capacity": 10, "fixed_cost": 60},
    ]
    for d in depots:
        d.update(depot_changes.get(d["id"], {}))
    return ServiceNetwork.model_validate(
        {
            "name": "2x2",
            "channels": [{"id": "c", "kind": "delivery"}],
            "segments": [{"id": "s", "channels": ["c"]}],
            "part_families": [{"id": "p"}],
            "depots": depots,
            "sites": [
                {"id": "n1", "location": [1, 0], "segment": "s", "parts_demand": {"p": 6}},
                {"id": "n2", "location": [9, 0], "segment": "s", "parts_demand": {"p": 6}},
            ],
            "travel": {"freight_cost_per_unit_km": 1.0},
        }
    )


def test_hand_checked_two_by_two():
    # Both open: 100 + 60 + 6*1 + 6*1 = 172. Only one open: capacity 10 < 12, split needed:
    # impossible. So both open, each site from its near depot.
    r = solved(_two_by_two())
    assert r.status is Status.OPTIMAL and r.objective["cost"] == pytest.approx(172)
    assert r.plan.shares() == {"n1": {"a": 1.0}, "n2": {"b": 1.0}}
    # With capacity 12 at b, b alone serves both: 60 + 6*9 + 6*1 = 120 < 172.
    r = solved(_two_by_two(b={"capacity": 12}))
    assert r.objective["cost"] == pytest.approx(120) and r.plan.open_depots == ("b",)


def test_demand_above_all_capacity_is_explained_before_solving():
    net = _two_by_two(a={"capacity": 5}, b={"capacity": 5})
    r = solve_placement(net, CFLP, EXACT)
    assert r.status is Status.INFEASIBLE and r.plan is None
    assert r.diagnostics == ("demand 12 exceeds the capacity of all depots that may open, 10",)


def test_contradictory_forced_depots():
    net = _two_by_two(a={"forced": "open"})
    r = solve_placement(net, PlacementOptions(force_closed=frozenset({"a"}), stock=False), EXACT)
    assert r.status is Status.INFEASIBLE
    assert "depot 'a' is forced both open and closed" in r.diagnostics


def test_site_out_of_reach_of_the_maximum_wait():
    net = _two_by_two()
    r = solve_placement(net, PlacementOptions(max_wait_h=1.0, stock=False), EXACT)
    assert r.status is Status.INFEASIBLE
    assert any(
        "site 'n1' (segment 's') cannot get parts within 1 h from any depot: the best "
        "is 'a' at 12.1 h" in d
        for d in r.diagnostics
    ), r.diagnostics


def test_cost_cap_infeasibility_is_named_after_the_solve():
    net = _two_by_two(b={"capacity": 12})
    r = solve_placement(net, PlacementOptions.cflp(max_cost=100.0), EXACT)
    assert r.status is Status.INFEASIBLE
    assert r.diagnostics[0] == (
        "infeasible because of the cost cap (max_cost): without it a plan exists"
    )


def test_cost_cap_below_forced_fixed_cost_is_explained_before_solving():
    net = _two_by_two(a={"forced": "open"})
    r = solve_placement(net, PlacementOptions(stock=False, max_cost=50.0), EXACT)
    assert "max_cost 50 is below the fixed cost of the depots forced open, 100" in r.diagnostics


def test_value_cap_is_held_and_an_impossible_one_explained():
    net = _no_safety_stock(generate_network(sites=30, depots=5, technicians=0, seed=3))
    by_cost = solved(net, PlacementOptions(), EXACT)
    by_value = solved(net, PlacementOptions(objective="value"), EXACT)
    lo, hi = by_value.objective["value"], by_cost.objective["value"]
    assert lo < hi
    cap = (lo + hi) / 2
    capped = solved(net, PlacementOptions(max_value=cap), EXACT)
    assert capped.status is Status.OPTIMAL
    assert lo - 1e-6 <= capped.objective["value"] <= cap * (1 + 1e-9)
    assert by_cost.objective["cost"] <= capped.objective["cost"] <= by_value.objective["cost"]
    none = solve_placement(net, PlacementOptions(max_value=lo * 0.5), EXACT)
    assert none.status is Status.INFEASIBLE
    assert (
        "infeasible because of the customer-downtime cap (max_value): without it a plan exists"
        in none.diagnostics
    )


def test_a_plans_depots_fix_the_open_set_and_the_result_names_its_decision():
    net = _no_safety_stock(generate_network(sites=30, depots=5, technicians=0, seed=3))
    best = solved(net, PlacementOptions(), EXACT)
    extra = next(d.id for d in net.depots if d.id not in best.plan.open_depots)
    chosen = (*best.plan.open_depots, extra)
    r = solved(net, PlacementOptions(), EXACT, plan=Plan(open_depots=chosen))
    assert r.status is Status.OPTIMAL and set(r.plan.open_depots) == set(chosen)
    assert r.objective["cost"] > best.objective["cost"]
    assert r.decision == "placement" and r.units.currency == "CU"
    assert r.options.force_closed == {d.id for d in net.depots} - set(chosen)


def test_unknown_forced_depot_is_bad_input():
    from servopt.models import BadInputError

    with pytest.raises(BadInputError, match="unknown depot 'zz'"):
        solve_placement(_two_by_two(), PlacementOptions(force_open=frozenset({"zz"})), EXACT)


def test_time_limit_gives_feasible_or_no_solution_never_optimal():
    net = generate_network(sites=400, depots=60, technicians=0, seed=3, capacity_ratio=1.1)
    r = solve_placement(net, CFLP, SolveParams(time_limit_s=0.3))
    assert r.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    if r.status is Status.FEASIBLE:
        assert check_placement_plan(net, r.plan, CFLP) == []
        assert r.gap is None or r.gap > 0
    else:
        assert r.plan is None
        assert any("no plan found within the time limit" in d for d in r.diagnostics)


def test_same_seed_same_plan():
    # A solve that finishes within its limit (a run cut by the clock may stop anywhere).
    net = _no_safety_stock(
        generate_network(sites=60, depots=8, technicians=0, seed=5, capacity_ratio=1.2)
    )
    a = solve_placement(net, params=SolveParams(time_limit_s=30, seed=4))
    b = solve_placement(net, params=SolveParams(time_limit_s=30, seed=4))
    assert a.status is Status.OPTIMAL
    assert a.plan == b.plan and a.objective == b.objective
    assert a.params.seed == 4 and a.params.time_limit_s == 30


def test_full_model_with_safety_stock_reports_a_valid_bound_and_gap():
    """Brute force on a tiny instance: every single-sourcing plan priced exactly. The solver's
    plan must be within its reported gap of the true optimum, and its bound below it."""
    import itertools

    from servopt.models import Assignment

    net = generate_network(
        sites=5, depots=3, technicians=0, seed=2, capacity_ratio=3.0, part_families=2
    )
    opts = PlacementOptions(single_sourcing=True)
    r = solved(net, opts, SolveParams(time_limit_s=10, mip_gap=1e-6))
    assert r.status.has_plan and r.kpis.cost_breakdown["holding_safety"] > 0
    best = float("inf")
    for choice in itertools.product([d.id for d in net.depots], repeat=len(net.sites)):
        plan = Plan(
            open_depots=tuple(sorted(set(choice))),
            assignments=tuple(
                Assignment(site=s.id, depot=d) for s, d in zip(net.sites, choice, strict=True)
            ),
        )
        if check_placement_plan(net, plan, opts) == []:
            best = min(best, evaluate_placement(net, plan, opts).objective["cost"])
    assert r.bound <= best + 1e-6
    assert r.objective["cost"] >= best - 1e-6
    assert r.objective["cost"] - best <= r.gap * r.objective["cost"] + 1e-6


def test_milp_coefficients_match_the_evaluator_without_the_square_root():
    """Waits, downtime, air freight, expediting and cycle stock are linear and exact in the
    MILP: with no safety stock (demand_cv 0) its objective equals the evaluator's."""
    net = _no_safety_stock(generate_network(sites=60, depots=8, technicians=0, seed=9))
    for objective in ("cost", "weighted"):
        r = solved(net, PlacementOptions(objective=objective, value_weight=0.02), EXACT)
        assert r.status is Status.OPTIMAL
        key = "weighted" if objective == "weighted" else "cost"
        assert r.kpis.model["model_objective"] == pytest.approx(r.objective[key], rel=1e-9)


def _no_safety_stock(net: ServiceNetwork) -> ServiceNetwork:
    return net.replace(
        part_families=[pf.model_copy(update={"demand_cv": 0.0}) for pf in net.part_families]
    )


def test_pwl_error_bound_is_what_the_docstring_says():
    assert pwl_max_relative_error(4.0) == pytest.approx(0.0572, abs=5e-4)
    assert pwl_max_relative_error(1.1 / 0.9) < 0.0013


def test_evaluator_and_checker_agree_on_hand_written_plans(case_a):
    from servopt.models import load_plan
    from tests.conftest import INSTANCES

    proposal = load_plan(INSTANCES / "case-a-aftersales.cost-only.plan.yaml", case_a)
    for plan in (Plan(), proposal):
        k = evaluate_placement(case_a, plan).kpis
        r = recompute_placement(case_a, plan)
        assert k.cost == pytest.approx(r["cost"], rel=1e-9)
        assert k.value == pytest.approx(r["value"], rel=1e-9)
        for key, v in k.cost_breakdown.items():
            assert v == pytest.approx(r["breakdown"].get(key, 0.0), rel=1e-9, abs=1e-6)


# ------------------------------------------------------------------ properties
small = st.builds(
    lambda seed, sites, depots, ratio: generate_network(
        sites=sites, depots=depots, technicians=0, seed=seed, capacity_ratio=ratio, part_families=2
    ),
    seed=st.integers(0, 10**6),
    sites=st.integers(2, 14),
    depots=st.integers(2, 5),
    ratio=st.floats(1.05, 2.5),
)
MODELS = st.sampled_from(["cflp", "full"])


def _options(kind: str) -> PlacementOptions:
    return CFLP if kind == "cflp" else PlacementOptions()


def _net(net: ServiceNetwork, kind: str) -> ServiceNetwork:
    # The full model (waits, downtime, air, expediting) without the square root, so that the
    # optimum is exact and the properties are checked without a gap.
    return net if kind == "cflp" else _no_safety_stock(net)


def _tol(r) -> float:
    return max(1e-6, r.gap or 0.0) * abs(r.objective["cost"]) + 1e-6


@settings(max_examples=12)
@given(net=small, kind=MODELS)
def test_solver_objective_equals_evaluator_and_checker(net, kind):
    opts, net = _options(kind), _net(net, kind)
    r = solved(net, opts, SolveParams(time_limit_s=30, mip_gap=1e-7))
    assert r.status is Status.OPTIMAL
    model = r.kpis.model["model_objective"]
    assert model == pytest.approx(r.objective["cost"], rel=1e-6, abs=1e-6)


@settings(max_examples=10)
@given(net=small, kind=MODELS, drop=st.integers(0, 10))
def test_removing_a_candidate_depot_never_lowers_the_optimal_cost(net, kind, drop):
    opts, net = _options(kind), _net(net, kind)
    params = SolveParams(time_limit_s=30, mip_gap=1e-7)
    full = solved(net, opts, params)
    victim = net.depots[drop % len(net.depots)].id
    fewer = solved(
        net, opts.__class__(**{**opts.__dict__, "force_closed": frozenset({victim})}), params
    )
    if fewer.status is Status.INFEASIBLE:
        return
    assert fewer.objective["cost"] >= full.objective["cost"] - _tol(full)


@settings(max_examples=10)
@given(net=small, kind=MODELS, which=st.integers(0, 10), more=st.floats(1.0, 3.0))
def test_raising_a_capacity_never_raises_the_optimal_cost(net, kind, which, more):
    opts, net = _options(kind), _net(net, kind)
    params = SolveParams(time_limit_s=30, mip_gap=1e-7)
    base = solved(net, opts, params)
    k = which % len(net.depots)
    bigger = net.replace(
        depots=[
            d if i != k else d.model_copy(update={"capacity": d.capacity * more})
            for i, d in enumerate(net.depots)
        ]
    )
    r = solved(bigger, opts, params)
    assert r.objective["cost"] <= base.objective["cost"] + _tol(base)


@settings(max_examples=10)
@given(net=small, kind=MODELS)
def test_forcing_the_optimal_depots_open_gives_the_same_cost(net, kind):
    opts, net = _options(kind), _net(net, kind)
    params = SolveParams(time_limit_s=30, mip_gap=1e-7)
    r = solved(net, opts, params)
    pinned = opts.__class__(**{**opts.__dict__, "force_open": frozenset(r.plan.open_depots)})
    again = solved(net, pinned, params)
    assert again.objective["cost"] == pytest.approx(r.objective["cost"], abs=2 * _tol(r))


# ------------------------------------------------------------------ case A
@pytest.fixture(scope="module")
def case_a_plans(case_a):
    from servopt.models import load_plan
    from tests.conftest import INSTANCES

    proposal = load_plan(INSTANCES / "case-a-aftersales.cost-only.plan.yaml", case_a)
    return evaluate_placement(case_a, Plan()).kpis, evaluate_placement(case_a, proposal).kpis


def test_case_a_cost_only_proposal_fails_as_the_case_says(case_a_plans):
    today, proposal = case_a_plans
    remote = "remote-industrial"
    assert today.segments[remote].mean_wait_h / 24 == pytest.approx(3, abs=0.3)
    assert proposal.segments[remote].mean_wait_h / 24 == pytest.approx(7, abs=0.5)
    flown = proposal.cost_breakdown["outbound_air"] + proposal.cost_breakdown["expediting"]
    assert flown > 10 * (today.cost_breakdown["outbound_air"] + today.cost_breakdown["expediting"])
    assert proposal.air_freight_units > 0 == today.air_freight_units
    # What management saw: a lower company cost. What it cost in all: more.
    assert proposal.cost < today.cost
    assert proposal.total_with_downtime > today.total_with_downtime


def test_case_a_solver_beats_the_proposal_on_cost_and_downtime(case_a, case_a_plans):
    _, proposal = case_a_plans
    r = solve_placement(
        case_a,
        PlacementOptions(objective="weighted", value_weight=0.01),
        SolveParams(time_limit_s=20),
    )
    assert r.status.has_plan
    assert check_placement_plan(case_a, r.plan, PlacementOptions(), reported=r.objective) == []
    assert r.objective["cost"] < proposal.cost
    assert r.objective["value"] < proposal.value


def test_stock_as_a_decision_picks_the_best_service_level():
    from servopt.optimizer.placement.solve import choose_service_level

    net = _no_safety_stock(generate_network(sites=30, depots=4, technicians=0, seed=8))
    r = choose_service_level(
        net,
        (0.8, 0.95, 0.99),
        PlacementOptions(objective="weighted", value_weight=0.05),
        SolveParams(time_limit_s=30),
    )
    assert r.status.has_plan and r.kpis.service_level in (0.8, 0.95, 0.99)
    each = {}
    for level in (0.8, 0.95, 0.99):
        one = solve_placement(
            net,
            PlacementOptions(service_level=level, objective="weighted", value_weight=0.05),
            SolveParams(time_limit_s=30),
        )
        each[level] = one.objective["weighted"]
    assert r.objective["weighted"] == pytest.approx(min(each.values()), rel=1e-6)
    assert sum("service level" in d for d in r.diagnostics) == 3


def test_options_are_validated_with_the_field_named():
    from servopt.models import BadInputError

    with pytest.raises(BadInputError) as e:
        PlacementOptions(service_level=1.2, within_hours=24, max_cost=-1)
    text = str(e.value)
    assert "service_level: must be in [0.5, 0.9999], got 1.2" in text
    assert "max_cost: must be a finite number >= 0, got -1" in text
    assert "within_hours and min_share_within go together" in text


@pytest.mark.slow
def test_all_orlib_instances_reach_their_published_optimum(orlib_full):
    for name, optimum in read_optima(orlib_full).items():
        r = solved(load_network(orlib_full / f"{name}.txt", "orlib-cap"))
        assert r.status is Status.OPTIMAL, name
        assert r.objective["cost"] == pytest.approx(optimum, rel=1e-6), name


def test_value_objective_minimises_downtime_first():
    net = _no_safety_stock(generate_network(sites=50, depots=6, technicians=0, seed=4))
    by_cost = solved(net, PlacementOptions(), EXACT)
    by_value = solved(net, PlacementOptions(objective="value"), EXACT)
    assert by_value.status is Status.OPTIMAL
    assert by_value.objective["value"] <= by_cost.objective["value"] + 1e-6
    assert any("least customer downtime" in d for d in by_value.diagnostics)
    # Among plans with that downtime, cost is minimised: the weighted optimum with a huge
    # weight cannot be cheaper at the same downtime.
    heavy = solved(net, PlacementOptions(objective="weighted", value_weight=1e6), EXACT)
    assert heavy.objective["value"] >= by_value.objective["value"] - 1e-6 * abs(
        by_value.objective["value"]
    )
