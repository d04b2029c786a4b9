"""The classic CFLP at scale (:mod:`servopt.optimizer.placement.lagrange`): the Lagrangian bound
never above the MILP optimum, reduced-cost fixing never cutting off a better plan, the covering
knapsack and the transportation problem against brute force and the MILP, and the solve path
it drives (checked plans, consistent gaps, seeds, time limits)."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import Plan
from servopt.models.generate import generate_network
from servopt.optimizer.params import SolveParams
from servopt.optimizer.placement.check import check_placement_plan
from servopt.optimizer.placement.lagrange import (
    classic_cflp,
    cover,
    lagrangian_search,
)
from servopt.optimizer.placement.milp import solve_placement_milp
from servopt.optimizer.placement.solve import LAGRANGE_ABOVE, solve_placement
from servopt.optimizer.placement.terms import PlacementOptions, build_terms
from servopt.optimizer.result import Status
from servopt.optimizer.solvers.flow import transport

CFLP = PlacementOptions.cflp()
EXACT = SolveParams(time_limit_s=30, mip_gap=1e-9)

few_open = st.builds(
    lambda seed, sites, depots, lo, width: generate_network(
        sites=sites,
        depots=depots,
        technicians=0,
        seed=seed,
        capacity_share=(lo, lo + width),
        fixed_cost_range=(500.0, 5_000.0),
    ),
    seed=st.integers(0, 10**6),
    sites=st.integers(3, 16),
    depots=st.integers(2, 7),
    lo=st.floats(0.2, 0.6),
    width=st.floats(0.0, 0.5),
)


def _optimum(terms) -> float:
    out = solve_placement_milp(terms, {}, EXACT, cost_weight=1.0, value_weight=0.0)
    assert out.milp.status is Status.OPTIMAL
    return out.milp.objective


@settings(max_examples=15)
@given(net=few_open)
def test_lagrangian_bound_never_exceeds_the_optimum_and_fixing_keeps_it(net):
    terms = build_terms(net, CFLP)
    d = classic_cflp(terms)
    assert d is not None
    if d.capacity.sum() < d.total:
        return  # infeasible: no optimum to compare with
    s = lagrangian_search(d, time.perf_counter() + 30, gap=0.0, max_steps=200)
    opt = _optimum(terms)
    tol = 1e-7 * abs(opt) + 1e-6
    assert s.lb <= opt + tol
    assert s.ub >= opt - tol  # a priced plan is a plan
    fix_open, fix_closed = s.fix()
    reduced = replace(
        terms,
        forced_open=terms.forced_open | {terms.depots[i] for i in np.flatnonzero(fix_open)},
        forced_closed=terms.forced_closed | {terms.depots[i] for i in np.flatnonzero(fix_closed)},
    )
    # Every plan the fixing cuts off costs more than the incumbent: the optimum survives.
    assert _optimum(reduced) <= opt + tol


@settings(max_examples=40)
@given(
    q=st.lists(st.integers(1, 40), min_size=1, max_size=8),
    v=st.lists(st.floats(-50, 100), min_size=8, max_size=8),
    share=st.floats(0.05, 1.0),
    must=st.integers(0, 255),
    may=st.integers(0, 255),
)
def test_cover_knapsack_is_exact_on_whole_capacities(q, v, share, must, may):
    n = len(q)
    qa, va = np.array(q, dtype=float), np.array(v[:n])
    must_a = np.array([(must >> k) & 1 == 1 for k in range(n)]) & np.array(
        [(may >> k) & 1 == 1 for k in range(n)]
    )
    may_a = np.array([(may >> k) & 1 == 1 for k in range(n)])
    need = math.ceil(share * qa.sum())
    best = math.inf
    for pick in itertools.product([0, 1], repeat=n):
        y = np.array(pick, dtype=bool)
        if (y & ~may_a).any() or (must_a & ~y).any() or qa[y].sum() < need:
            continue
        best = min(best, float(va[y].sum()))
    value, y = cover(va, qa, need, must_a, may_a)
    if math.isinf(best):
        assert y is None
        return
    assert value == pytest.approx(best, abs=1e-9)
    assert y is not None and qa[y].sum() >= need and (y >= must_a).all() and not (y & ~may_a).any()


def test_cover_knapsack_on_a_coarse_grid_stays_below_the_optimum():
    rng = np.random.default_rng(3)
    q = rng.integers(10_000, 40_000, size=12).astype(float)
    v = rng.uniform(1, 100, size=12)
    need = 0.6 * q.sum()  # over 20,000 grid cells: capacities rounded up
    none, every = np.zeros(12, dtype=bool), np.ones(12, dtype=bool)
    best = min(
        float(v[np.array(p, dtype=bool)].sum())
        for p in itertools.product([0, 1], repeat=12)
        if q[np.array(p, dtype=bool)].sum() >= need
    )
    value, _ = cover(v, q, need, none, every)
    assert value <= best + 1e-9
    assert value >= 0.9 * best  # and still close


@settings(max_examples=8)
@given(net=few_open, pick=st.integers(1, 2**7 - 1))
def test_transport_prices_a_depot_set_as_the_milp_does(net, pick):
    terms = build_terms(net, CFLP)
    d = classic_cflp(terms)
    assert d is not None
    chosen = [i for i in range(len(net.depots)) if (pick >> i) & 1] or [0]
    x = transport(d.cost[chosen], d.capacity[chosen], d.demand)
    fixed_set = Plan(open_depots=tuple(net.depots[i].id for i in chosen))
    r = solve_placement(net, CFLP, EXACT, plan=fixed_set)
    if x is None:
        assert d.capacity[chosen].sum() < d.total
        assert r.status is Status.INFEASIBLE
        return
    assert np.allclose(x.sum(axis=0), 1.0)
    assert ((x * d.demand[None, :]).sum(axis=1) <= d.capacity[chosen] * (1 + 1e-9)).all()
    flow_cost = float(d.fixed[chosen].sum() + (d.cost[chosen] * x).sum())
    assert flow_cost == pytest.approx(r.objective["cost"], rel=1e-6)


# ------------------------------------------------------------- the solve path at scale
def _mid(seed: int):
    """300 sites x 70 depots (21,000 pairs: the Lagrangian path), the few-open class."""
    net = generate_network(
        sites=300,
        depots=70,
        technicians=0,
        seed=seed,
        capacity_share=(0.1, 0.3),
        fixed_cost_range=(8_000.0, 24_000.0),
    )
    assert len(net.sites) * len(net.depots) >= LAGRANGE_ABOVE
    return net


def test_large_cflp_takes_the_lagrangian_path_with_a_true_gap():
    mid = _mid(3)  # proven in about 3 s, 4 depots left to the MILP
    params = SolveParams(time_limit_s=20, seed=3)
    a = solve_placement(mid, CFLP, params)
    assert a.kpis.model["method"] == "lagrangian"
    assert a.kpis.model["milp"]["ran"]
    assert a.status.has_plan
    assert check_placement_plan(mid, a.plan, CFLP, reported=a.objective) == []
    cost = a.objective["cost"]
    assert a.bound is not None and a.bound <= cost + 1e-9
    assert a.gap == pytest.approx((cost - a.bound) / cost, abs=1e-12)
    assert a.kpis.model["lagrangian_bound"] <= a.bound + 1e-9
    if a.status is Status.OPTIMAL:
        assert a.gap <= params.mip_gap * 1.001 + 1e-9
    b = solve_placement(mid, CFLP, params)
    assert a.plan == b.plan and a.objective == b.objective and b.params.seed == 3


def test_large_cflp_respects_the_time_limit():
    mid = _mid(4)  # 18 s at a 20 s limit: the MILP stage runs into the limit
    limit = 2.0
    t0 = time.perf_counter()
    r = solve_placement(mid, CFLP, SolveParams(time_limit_s=limit, mip_gap=0.0))
    assert time.perf_counter() - t0 <= limit * 1.1 + 0.3
    assert r.runtime_s <= limit * 1.1
    if r.status.has_plan:
        assert check_placement_plan(mid, r.plan, CFLP, reported=r.objective) == []
        assert r.bound is not None and r.bound <= r.objective["cost"] + 1e-9
