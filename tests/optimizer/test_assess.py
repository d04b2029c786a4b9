"""``servopt assess``: the method's chain and its one-file HTML report."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from servopt.models.generate import generate_network
from servopt.models.io import save
from servopt.models.plan import Plan, PoolChange
from servopt.optimizer.assess import assess, main_decision
from servopt.optimizer.cli import main
from servopt.optimizer.joint import JointOptions
from servopt.optimizer.params import SolveParams
from servopt.optimizer.premortem import RULES
from servopt.optimizer.report import render_html


class _Page(HTMLParser):
    """Counts inline SVG figures and collects the tables' rows and every URL-like attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs = 0
        self.tables: list[list[list[str]]] = []
        self.refs: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svgs += 1
        if tag == "table":
            self.tables.append([])
        if tag == "tr":
            self._row = []
        if tag in ("td", "th"):
            self._cell = []
        for name, value in attrs:
            if name in ("href", "src", "xlink:href") and value and not value.startswith("#"):
                self.refs.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _case():
    net = generate_network(sites=40, depots=4, technicians=10, seed=5, jobs=0, journeys=1)
    proposal = Plan(
        name="cut",
        open_depots=(net.depots[0].id,),
        pool_changes=tuple(
            PoolChange(pool=p.id, headcount=max(1, p.headcount // 2))
            for p in net.pools
            if p.home_depot
        ),
    )
    return net, proposal


def test_the_report_has_every_stage_its_figures_and_nothing_to_fetch() -> None:
    net, proposal = _case()
    assert main_decision(net) == "placement"
    a = assess(
        net,
        proposal,
        SolveParams(time_limit_s=90, seed=1),
        frontier_points=3,
        joint=JointOptions(days=1, rounds=1, iterations=200),
    )
    page = render_html(a)
    parsed = _Page()
    parsed.feed(page)
    assert parsed.svgs >= 5  # map, journey, frontier, waits, costs
    assert "http://" not in page and "https://" not in page
    assert parsed.refs == []
    assert len(page.encode()) < 2_000_000
    findings = next(t for t in parsed.tables if t and t[0][:2] == ["rule", "finding"])
    assert [row[0] for row in findings[1:]] == list(RULES)
    for h in ("1. Current state", "Process map", "Moments of truth", "Pre-mortem", "monitor"):
        assert h in page
    assert a.recommended == "joint plan"
    assert {m.kpi for m in a.monitor} >= {"first-time fix", "leavers a year"}
    lost = [m for m in a.monitor if m.kpi.startswith("customers lost to field misses")]
    assert lost and all(m.today is not None and m.today >= 0 for m in lost)


def test_cli_assess_writes_the_report_and_refuses_bad_input(tmp_path: Path) -> None:
    net, proposal = _case()
    save(net, tmp_path / "net.yaml")
    save(proposal.replace(network="net.yaml"), tmp_path / "cut.plan.yaml")
    out = tmp_path / "report"
    r = CliRunner().invoke(
        main,
        [
            "assess",
            str(tmp_path / "net.yaml"),
            "--proposal",
            str(tmp_path / "cut.plan.yaml"),
            "--out",
            str(out),
            "--points",
            "2",
            "--time-limit",
            "60",
            "--json",
            str(tmp_path / "a.json"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (out / "index.html").stat().st_size > 10_000
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["recommended"] and data["premortem"]["findings"]
    bad = CliRunner().invoke(main, ["assess", str(tmp_path / "none.yaml"), "--out", str(out)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_a_journey_with_arrival_profiles_gets_each_segments_visit_over_a_day() -> None:
    """Case D at 5% of its size: the report shows every segment's visit under today's plan and
    the proposal, mean and 90th percentile, as KPIs and as charts."""
    from servopt.models import load_network, load_plan
    from tests.conftest import REPO

    full = load_network(REPO / "instances" / "case-d-outpatient.yaml")
    net = full.replace(
        segments=[
            s.model_copy(update={"demand_per_day": s.demand_per_day * 0.05}) for s in full.segments
        ],
        pools=[
            p.model_copy(update={"headcount": max(1, round(p.headcount * 0.05))})
            if p.headcount
            else p
            for p in full.pools
        ],
    )
    proposal = load_plan(REPO / "instances" / "case-d-outpatient.all-app.plan.yaml", full).replace(
        pool_changes=[PoolChange(pool="registration-clerks", headcount=1)]
    )
    a = assess(net, proposal, SolveParams(time_limit_s=60, seed=2), frontier_points=3)
    assert set(a.days) >= {"today", "proposal"}
    visits = {m.kpi: m for m in a.monitor if m.kpi.startswith("visit")}
    no_phone = visits["visit, outpatient-visit over-60-no-smartphone"]
    assert no_phone.proposal is not None and no_phone.today is not None
    assert no_phone.proposal > no_phone.today  # the segment the app left out
    assert visits["visit p90, outpatient-visit over-60-no-smartphone"].proposal > no_phone.proposal
    page = render_html(a)
    assert "visit per segment over a simulated day: mean" in page
    assert "90th percentile" in page
