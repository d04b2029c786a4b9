"""The PuLP adapter: both solvers, statuses kept apart, seeds and limits honoured."""

from __future__ import annotations

import pulp
import pytest

from servopt.models import SolverUnavailableError, load_network
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status
from servopt.optimizer.solvers.milp import available_solvers, solve_milp

CAP41_OPTIMUM = 1040444.375  # OR-Library capopt


def cflp(net) -> pulp.LpProblem:
    """The classic split-demand CFLP on an OR-Library network (test-local formulation)."""
    prob = pulp.LpProblem("cflp", pulp.LpMinimize)
    y = {d.id: pulp.LpVariable(f"y_{d.id}", cat="Binary") for d in net.depots}
    x = {(a.depot, a.site): pulp.LpVariable(f"x_{a.depot}_{a.site}", 0, 1) for a in net.arcs}
    prob += pulp.lpSum(d.fixed_cost * y[d.id] for d in net.depots) + pulp.lpSum(
        a.transport_cost * x[a.depot, a.site] for a in net.arcs
    )
    for s in net.sites:
        prob += pulp.lpSum(x[d.id, s.id] for d in net.depots) == 1
        for d in net.depots:
            prob += x[d.id, s.id] <= y[d.id]
    for d in net.depots:
        prob += pulp.lpSum(s.demand * x[d.id, s.id] for s in net.sites) <= d.capacity * y[d.id]
    return prob


def test_both_solvers_are_available_here():
    assert available_solvers() == ["highs", "cbc"]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_both_solvers_reach_the_published_optimum_of_cap41(orlib, solver):
    prob = cflp(load_network(orlib / "cap41.txt", "orlib-cap"))
    out = solve_milp(prob, SolveParams(time_limit_s=60, solver=solver, mip_gap=1e-9))
    assert out.status is Status.OPTIMAL
    assert out.objective == pytest.approx(CAP41_OPTIMUM, rel=1e-6)
    assert out.bound == pytest.approx(CAP41_OPTIMUM, rel=1e-6)
    assert out.gap is not None and out.gap <= 1e-6
    opened = sorted(v.name for v in prob.variables() if v.name.startswith("y_") and v.value() > 0.5)
    assert opened  # the values are on the variables


def knapsack(n: int = 60) -> pulp.LpProblem:
    import random

    rnd = random.Random(4)
    w = [rnd.randint(20, 60) for _ in range(n)]
    v = [wi + rnd.randint(-5, 5) for wi in w]
    prob = pulp.LpProblem("ks", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(n)]
    prob += pulp.lpSum(vi * xi for vi, xi in zip(v, x, strict=True))
    prob += pulp.lpSum(wi * xi for wi, xi in zip(w, x, strict=True)) <= sum(w) // 2
    return prob


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_same_optimum_and_same_seed_same_answer(solver):
    a = solve_milp(knapsack(), SolveParams(solver=solver, seed=7, mip_gap=0))
    b = solve_milp(knapsack(), SolveParams(solver=solver, seed=7, mip_gap=0))
    assert a.status is Status.OPTIMAL and a.objective == b.objective
    other = solve_milp(
        knapsack(), SolveParams(solver="cbc" if solver == "highs" else "highs", mip_gap=0)
    )
    assert other.objective == pytest.approx(a.objective)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_infeasible_is_a_status_not_a_crash(solver):
    prob = pulp.LpProblem("inf", pulp.LpMinimize)
    x = pulp.LpVariable("x", 0, 1, cat="Integer")
    prob += x
    prob += x >= 2
    out = solve_milp(prob, SolveParams(solver=solver))
    assert out.status is Status.INFEASIBLE
    assert out.objective is None and out.bound is None and out.gap is None


def test_time_limit_is_never_reported_as_optimal():
    """A MILP far from solved in 0.2 s: HiGHS returns its incumbent as FEASIBLE with a gap,
    or NO_SOLUTION; never OPTIMAL (PuLP's HiGHS_CMD and CBC would say 'Optimal')."""
    import random

    rnd = random.Random(1)
    m, n = 40, 300
    prob = pulp.LpProblem("big", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y{i}", cat="Binary") for i in range(m)]
    x = {(i, j): pulp.LpVariable(f"x{i}_{j}", 0, 1) for i in range(m) for j in range(n)}
    d = [rnd.randint(5, 30) for _ in range(n)]
    prob += pulp.lpSum(rnd.randint(500, 900) * y[i] for i in range(m)) + pulp.lpSum(
        rnd.randint(1, 100) * d[j] * x[i, j] for i in range(m) for j in range(n)
    )
    for j in range(n):
        prob += pulp.lpSum(x[i, j] for i in range(m)) == 1
    for i in range(m):
        prob += pulp.lpSum(d[j] * x[i, j] for j in range(n)) <= 150 * y[i]
    out = solve_milp(prob, SolveParams(solver="highs", time_limit_s=0.2))
    assert out.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    if out.status is Status.FEASIBLE:
        assert out.gap is not None and out.gap > 0 and out.bound < out.objective


def test_unknown_solver_is_a_clear_error():
    with pytest.raises(SolverUnavailableError, match="unknown solver 'gurobi-magic'"):
        solve_milp(knapsack(), SolveParams(solver="gurobi-magic"))
