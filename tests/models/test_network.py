from __future__ import annotations

import math

import networkx as nx
import pydantic
import pytest

from servopt.models import BadInputError, DistanceRounding, Plan, ServiceNetwork
from servopt.models.network import round_distance


def test_tiny_network_builds_with_lookups_and_totals(tiny_data):
    net = ServiceNetwork.model_validate(tiny_data)
    assert net.depot("d2").fixed_cost == 7
    assert net.site("s1").segment == "retail"
    assert net.total_demand == 9
    assert net.total_capacity == 20
    assert net.headcount == 1
    assert net.distance_km("d1", "s1") == pytest.approx(5.0)
    assert net.travel_min("d1", "s1") == pytest.approx(5.0)  # 60 km/h


def test_network_is_immutable(tiny_data):
    net = ServiceNetwork.model_validate(tiny_data)
    with pytest.raises(pydantic.ValidationError):
        net.name = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        net.depots[0].capacity = 1  # type: ignore[misc]


def test_replace_revalidates_and_leaves_the_original(tiny_data):
    net = ServiceNetwork.model_validate(tiny_data)
    smaller = net.replace(depots=[d for d in net.depots if d.id != "d2"])
    assert [d.id for d in smaller.depots] == ["d1"]
    assert [d.id for d in net.depots] == ["d1", "d2"]
    with pytest.raises(BadInputError, match=r"pools\[0\].home_depot: unknown depot 'd1'"):
        net.replace(depots=[d for d in net.depots if d.id != "d1"])


def test_graph_view_has_every_relation(tiny_data):
    g = ServiceNetwork.model_validate(tiny_data).graph()
    assert g.nodes["d1"]["kind"] == "depot" and g.nodes["s1"]["kind"] == "site"
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert kinds == {"member", "access", "home", "skill", "requires"}
    assert g.has_edge("retail", "phone") and g.has_edge("fix", "hyd")
    assert g["t1"]["hyd"]["skill"]["proficiency"] == 0.8
    assert nx.is_frozen(g)


def test_journey_graph_marks_handoffs(tiny_data):
    net = ServiceNetwork.model_validate(tiny_data)
    g = net.journeys[0].graph()
    assert g["a"]["b"] == {"probability": 0.9, "handoff": True}


@pytest.mark.parametrize(
    ("exact", "truncated"), [(5.0, 5.0), (15.2315, 15.2), (math.sqrt(2), 1.4), (0.09999, 0.0)]
)
def test_truncation_keeps_one_decimal_floor(exact, truncated):
    assert round_distance(exact, DistanceRounding.TRUNCATE_1DP) == truncated
    assert round_distance(exact, DistanceRounding.EXACT) == exact


def test_explicit_arc_overrides_travel_model(tiny_data):
    tiny_data["arcs"] = [{"depot": "d1", "site": "s1", "distance_km": 42, "travel_min": 7}]
    net = ServiceNetwork.model_validate(tiny_data)
    assert net.distance_km("s1", "d1") == 42
    assert net.travel_min("d1", "s1") == 7
    assert net.distance_km("d1", "s2") == pytest.approx(6.0)


def test_plan_head_counts_channels_and_journeys_over_the_network():
    from servopt.models import load_network, load_plan
    from tests.conftest import INSTANCES

    net = load_network(INSTANCES / "case-c-omnichannel.yaml")
    plan = load_plan(INSTANCES / "case-c-omnichannel.shared-staff.plan.yaml", net)
    assert plan.headcounts(net)["online-fulfilment"] == 8
    assert plan.headcounts(net)["staff-north"] == 18  # unchanged
    today, shared = Plan().channel_staff(net), plan.channel_staff(net)
    assert today["mini-program"] == 20  # the online team only
    assert shared["mini-program"] == 8 + 18 + 16 + 14 + 14 + 22  # stores take online orders
    b = load_network(INSTANCES / "case-b-account-opening.yaml")
    redesign = load_plan(INSTANCES / "case-b-account-opening.redesign.plan.yaml", b)
    assert redesign.journey(b, "account-opening") is redesign.journeys[0]
    assert Plan().journey(b, "account-opening") is b.journeys[0]
    with pytest.raises(BadInputError, match="journey 'nope' is neither in network"):
        Plan().journey(b, "nope")
