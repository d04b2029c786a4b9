"""The first solution dispatch's search starts from (routing.construct.cheapest_insertion), on
dispatch's own translation, against the independent route checker."""

from __future__ import annotations

from servopt.models import ServiceNetwork
from servopt.models.generate import generate_network
from servopt.models.plan import Plan
from servopt.optimizer.dispatch.check import check_routes
from servopt.optimizer.dispatch.nearest import field_pools, screen
from servopt.optimizer.dispatch.solve import _decode, _Translation, translate
from servopt.optimizer.dispatch.terms import DispatchOptions, job_prices
from servopt.optimizer.routing.construct import cheapest_insertion
from servopt.optimizer.routing.problem import RoutingSolution
from servopt.optimizer.routing.pyvrp_engine import _solution, problem_data
from tests.optimizer.dispatch.test_dispatch import network, pool


def construct(net: ServiceNetwork, options: DispatchOptions) -> tuple[_Translation, Plan]:
    pools = field_pools(net)
    screened = screen(net, pools, options)
    jobs = [j for j in net.jobs if j.id not in screened]
    tr = translate(net, pools, jobs, job_prices(net, options, Plan()), options)
    routes = cheapest_insertion(tr.problem)
    plan = Plan().replace(routes=_decode(tr, RoutingSolution(routes, None, True, 0.0)))
    return tr, plan


def served(plan: Plan) -> list[str]:
    return sorted(j for r in plan.routes for j in r.jobs)


def test_places_every_job_when_there_is_room_and_respects_skills() -> None:
    # t1 needs s1 at 0.5: only p0 qualifies; p1 (s2 only) takes the t2 jobs or none.
    jobs = [
        {"xy": (5 * k, 3 * k), "job_type": "t1" if k % 2 else "t2", "window": [480.0, 720.0]}
        for k in range(6)
    ]
    pools = [
        pool("p0", "d1", {"s1": 1.0, "s2": 0.7}, headcount=2),
        pool("p1", "d2", {"s2": 1.0}, headcount=1),
    ]
    net = network(jobs, pools)
    _, plan = construct(net, DispatchOptions())
    assert served(plan) == [f"j{k}" for k in range(6)]
    assert check_routes(net, plan).violations == ()
    for r in plan.routes:
        if r.pool == "p1":
            assert all(net.index["jobs"][j].job_type == "t2" for j in r.jobs)


def test_keeps_out_what_no_route_can_take_in_its_window() -> None:
    # Two 40-min jobs at one site, both to start within the same 30 min: one technician can
    # do one of them, two can do both.
    jobs = [{"xy": (10, 0), "job_type": "t1", "window": [540.0, 570.0]} for _ in range(2)]
    one = network([dict(j) for j in jobs], [pool("p0", "d1", {"s1": 1.0, "s2": 1.0}, headcount=1)])
    _, plan = construct(one, DispatchOptions())
    assert len(served(plan)) == 1
    assert check_routes(one, plan).violations == ()
    two = network([dict(j) for j in jobs], [pool("p0", "d1", {"s1": 1.0, "s2": 1.0}, headcount=2)])
    _, plan = construct(two, DispatchOptions())
    assert served(plan) == ["j0", "j1"]
    assert len(plan.routes) == 2 and check_routes(two, plan).violations == ()


def test_generated_network_routes_pass_the_checker_and_are_deterministic() -> None:
    # Technicians with 1-3 of 4 skills, windows and shifts with overtime; soft SLAs give
    # jobs lateness bands (mutually exclusive visits) under the weighted objective.
    net = generate_network(sites=150, depots=4, technicians=12, seed=3, jobs=90)
    for options in (DispatchOptions(), DispatchOptions(objective="weighted")):
        tr, plan = construct(net, options)
        assert check_routes(net, plan).violations == ()
        jobs = [j for r in plan.routes for j in r.jobs]
        assert len(jobs) == len(set(jobs)) > 0.5 * len(tr.jobs)  # each job at most once
        assert cheapest_insertion(tr.problem) == cheapest_insertion(tr.problem)
        # PyVRP agrees, or the engine would drop the construction for a random start.
        data = problem_data(tr.problem)
        assert _solution(data, cheapest_insertion(tr.problem)).is_feasible()
