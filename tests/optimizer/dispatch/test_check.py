"""The route checker on hand-checked routes and on a Solomon instance's conventions."""

from __future__ import annotations

import pytest

from servopt.models import Plan, Route, ServiceNetwork, load_network
from servopt.optimizer.dispatch.check import check_routes


def small(**pool_changes) -> ServiceNetwork:
    pool = {
        "id": "t",
        "home_depot": "d",
        "headcount": 2,
        "skills": {"hyd": 0.8},
        "cost_per_hour": 60.0,
        "cost_per_km": 1.0,
        "vehicle_capacity": 10,
        "overtime_cost_per_hour": 90.0,
        "max_overtime_min": 30.0,
        "shifts": [{"start_min": 480, "end_min": 600}],
    }
    pool.update(pool_changes)
    return ServiceNetwork.model_validate(
        {
            "name": "routes",
            "travel": {"speed_kmh": 60.0},
            "skills": [{"id": "hyd"}, {"id": "elec"}],
            "channels": [{"id": "f", "kind": "field_visit"}],
            "segments": [{"id": "s", "channels": ["f"]}],
            "depots": [{"id": "d", "location": [0, 0]}],
            "sites": [
                {"id": "a", "location": [30, 0], "segment": "s"},
                {"id": "b", "location": [30, 40], "segment": "s"},
            ],
            "pools": [pool, {"id": "e", "home_depot": "d", "skills": {"elec": 1.0}}],
            "job_types": [
                {"id": "fix", "skill": "hyd", "duration_min": 20},
                {"id": "wire", "skill": "elec", "duration_min": 10},
            ],
            "jobs": [
                {"id": "j1", "site": "a", "job_type": "fix", "window": [480, 540], "quantity": 4},
                {"id": "j2", "site": "b", "job_type": "fix", "window": [560, 600], "quantity": 5},
                {"id": "j3", "site": "b", "job_type": "wire"},
            ],
        }
    )


def test_hand_checked_route():
    net = small()
    fig = check_routes(net, Plan(routes=(Route(pool="t", jobs=("j1", "j2")),)))
    # d->a 30 km (30 min): 510, +20 -> 530; a->b 40 km: 570 (window 560-600 ok), +20 -> 590;
    # b->d 50 km: 640; shift ends 600: 40 min over, 30 allowed.
    assert fig.distance_km == pytest.approx(120)
    assert fig.overtime_min == pytest.approx(40)
    assert fig.violations == (
        "routes[0]: back at 640.00, 40.00 min after the shift ends at 600 (overtime allowed: 30)",
    )
    assert fig.unserved == ("j3",)
    assert fig.cost == pytest.approx(120 * 1.0 + 120 / 60 * 60 + 40 / 60 * 90)


def test_skill_window_capacity_and_duplicates_are_caught():
    net = small(vehicle_capacity=8, max_overtime_min=120)
    plan = Plan(
        routes=(Route(pool="t", jobs=("j2", "j3", "j1")), Route(pool="t", member=1, jobs=("j1",)))
    )
    text = "\n".join(check_routes(net, plan).violations)
    assert "job 'j3' needs skill 'elec'" in text
    assert "job 'j1' reached at" in text and "after its window closes at 540" in text
    assert "load 9 above the vehicle capacity 8" in text
    assert "job 'j1' is already on routes[0]" in text  # from the plan's own reference check


def test_solomon_convention_one_customer_route(solomon):
    net = load_network(solomon / "C101.txt", "solomon")
    fig = check_routes(net, Plan(routes=(Route(pool="vehicles", jobs=("j5",)),)))
    # depot (40,50) to c5 (42,65): sqrt(229) = 15.13 -> 15.1 each way (bks.csv convention)
    assert fig.distance_km == pytest.approx(30.2)
    assert fig.violations == ()
    assert len(fig.unserved) == 99
