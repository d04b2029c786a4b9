"""The four case instances: valid, built from CASES.md's figures, proposals that fit."""

from __future__ import annotations

import importlib.util

import pytest
from click.testing import CliRunner

from servopt.models import load_network, load_plan
from servopt.optimizer.cli import main
from tests.conftest import INSTANCES

NETWORKS = sorted(INSTANCES.glob("case-*.yaml"))


def test_there_are_four_cases_each_with_a_proposal():
    nets = [p for p in NETWORKS if ".plan." not in p.name]
    plans = [p for p in NETWORKS if ".plan." in p.name]
    assert [p.name for p in nets] == [
        "case-a-aftersales.yaml",
        "case-b-account-opening.yaml",
        "case-c-omnichannel.yaml",
        "case-d-outpatient.yaml",
    ]
    assert {p.name.split(".")[0] for p in plans} == {p.stem for p in nets}


def test_servopt_validate_passes_on_every_instance():
    res = CliRunner().invoke(main, ["validate", *map(str, sorted(INSTANCES.glob("*.yaml")))])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("path", [p for p in NETWORKS if ".plan." in p.name], ids=lambda p: p.name)
def test_each_proposal_fits_its_network(path):
    plan = load_plan(path)
    net = load_network(INSTANCES / plan.network)
    assert plan.check_against(net) == []
    assert plan.notes, "every proposal says where its numbers come from"


def test_case_a_is_at_realistic_size(case_a):
    regional = [d for d in case_a.depots if d.kind == "regional"]
    central = [d for d in case_a.depots if d.kind == "central"]
    assert len(regional) == 20 and len(central) == 1 and central[0].forced == "open"
    field = [p for p in case_a.pools if p.department == "field-service"]
    assert sum(p.headcount for p in field) == 200
    assert 300 <= len(case_a.sites) <= 1000
    remote = [s for s in case_a.sites if s.segment == "remote-industrial"]
    for s in remote:
        assert min(case_a.distance_km(d.id, s.id) for d in regional) >= 200 * 1.3


def test_case_a_cost_only_plan_is_the_failed_redesign(case_a):
    plan = load_plan(INSTANCES / "case-a-aftersales.cost-only.plan.yaml", case_a)
    assert plan.open_depots == ("central",)
    heads = {p.id: p.headcount for p in case_a.pools}
    heads.update({c.pool: c.headcount for c in plan.pool_changes})
    field = [p.id for p in case_a.pools if p.department == "field-service"]
    assert sum(heads[p] for p in field) == 120
    untrained = [c for c in plan.pool_changes if min(c.skills.values()) < 0.5]
    assert untrained, "multi-skill without training shows as low proficiency"
    assert plan.dispatch_policy == "nearest"


def test_case_a_file_is_what_its_builder_writes():
    spec = importlib.util.spec_from_file_location("build_case_a", INSTANCES / "build_case_a.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    network, plan = mod.build()
    assert (INSTANCES / "case-a-aftersales.yaml").read_text() == mod.render(network)
    assert (INSTANCES / "case-a-aftersales.cost-only.plan.yaml").read_text() == mod.render(plan)


def test_case_d_segment_without_smartphone_cannot_reach_the_app():
    net = load_network(INSTANCES / "case-d-outpatient.yaml")
    seg = net.segment("over-60-no-smartphone")
    assert "hospital-app" not in seg.channels
    total = sum(s.demand_per_day for s in net.segments)
    assert total == 12000
    assert seg.demand_per_day == pytest.approx(12000 * 0.45 * 0.30)
    assert not net.graph().has_edge("over-60-no-smartphone", "hospital-app")


def test_case_c_display_stock_is_separate_from_capacity():
    net = load_network(INSTANCES / "case-c-omnichannel.yaml")
    assert net.depot("store-north").display_stock["sofas"] == 10
