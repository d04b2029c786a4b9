"""Dispatch's workload figures: each field pool's hours of the day (routes, expected repeat
visits, deferred drops) over its contracted hours, and the attrition the network's workforce
model gives that load."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import Plan, Workforce
from servopt.models.generate import generate_data
from servopt.models.network import ServiceNetwork
from servopt.models.workforce import attrition_yearly
from servopt.optimizer import DECISIONS


def _kpis(net: ServiceNetwork, plan: Plan):
    d = DECISIONS["dispatch"]
    return d.evaluate(net, plan, d.options()).kpis


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_pool_hours_add_up_to_the_routes_and_fewer_people_carry_more_load(seed):
    net = ServiceNetwork.model_validate(
        generate_data(sites=25, depots=3, technicians=6, jobs=30, seed=seed, journeys=0)
    )
    plan = Plan(dispatch_policy="nearest")
    k = _kpis(net, plan)
    pools = k.pools or {}
    assert sum(p.route_h for p in pools.values()) == pytest.approx(k.working_h)
    assert sum(p.route_overtime_h for p in pools.values()) == pytest.approx(k.overtime_h)
    assert pools, "the generated network has field pools with shifts"
    for pid, p in pools.items():
        pool = net.pool(pid)
        assert p.contracted_h == pytest.approx(pool.shifts[0].working_min / 60 * pool.headcount)
        work = p.route_h + p.repeat_h + p.deferred_h
        assert p.load == pytest.approx(work / p.contracted_h)
        assert p.year.attrition_yearly == pytest.approx(attrition_yearly(net.workforce, p.load))
    for dept, d in (k.departments or {}).items():
        members = [p for pid, p in pools.items() if net.pool(pid).department == dept]
        assert d.headcount == sum(p.headcount for p in members)
        assert d.leavers_per_year == pytest.approx(sum(p.year.leavers_per_year for p in members))


def test_the_workforce_model_in_the_network_sets_the_attrition():
    net = ServiceNetwork.model_validate(
        generate_data(sites=25, depots=3, technicians=6, jobs=30, seed=1, journeys=0)
    )
    plan = Plan(dispatch_policy="nearest")
    base = _kpis(net, plan).pools or {}
    calm = _kpis(net.replace(workforce=Workforce(attrition_base=0.05)), plan).pools or {}
    assert base and all(calm[p].year.attrition_yearly < base[p].year.attrition_yearly for p in base)
