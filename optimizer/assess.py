"""The method of a redesign as one workflow: current state, process map, moments of truth,
the cost-versus-value frontier, the pre-mortem of a proposal, a recommended plan and the KPIs
to monitor (seed 002 of the cases: current state -> needs -> process map -> moments of truth
-> redesign -> monitoring).

:func:`assess` runs the chain on a network (and a proposal) within one time limit, each
stage with its share of what is left: today's figures by every decision that can price the
network; each journey analysed today with its moments of truth; the frontier of the
network's main decision (placement where there are depots and parts demand, else staffing
where segments bring contacts, else dispatch) with the proposal on it; the pre-mortem of the
proposal; the joint plan where there is field work to plan (:mod:`servopt.optimizer.joint`),
else the frontier's knee, as the recommended plan; and the KPIs to monitor, each with today's
figure, the proposal's, the recommended plan's and a target with its reason. Where the
segments walking a journey have arrival profiles, each plan's day of the journey is
simulated (:mod:`servopt.optimizer.journeys.day`) and each segment's visit, mean and 90th
percentile, is one of those KPIs. :mod:`servopt.optimizer.report` writes it as one HTML file.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from servopt.models.describe import describe
from servopt.models.errors import BadInputError
from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.frontier import Frontier
from servopt.optimizer.joint import JointOptions, JointPlan
from servopt.optimizer.params import SolveParams
from servopt.optimizer.premortem import Premortem
from servopt.optimizer.result import Kpis, Result

__all__ = ["Assessment", "Monitor", "assess", "main_decision"]


@dataclass(frozen=True)
class Monitor(Kpis):
    """One KPI to monitor: its figure today, under the proposal and under the recommended
    plan (``None``: not measured there), the target and why."""

    kpi: str
    unit: str
    today: float | None
    proposal: float | None
    recommended: float | None
    target: str
    why: str


@dataclass(frozen=True)
class Assessment:
    """What :func:`assess` found, stage by stage (module docstring)."""

    network: ServiceNetwork
    proposal: Plan | None
    description: dict[str, Any]
    today: dict[str, Result]
    journeys: dict[str, Any]
    journeys_proposal: dict[str, Any]
    decision: str | None
    frontier: Frontier | None
    premortem: Premortem | None
    joint: JointPlan | None
    recommended: str
    recommended_plan: Plan
    monitor: tuple[Monitor, ...]
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)
    days: dict[str, dict[str, Any]] = field(default_factory=dict)  # plan -> journey -> JourneyDay

    def to_dict(self) -> dict[str, Any]:
        from servopt.optimizer.result import json_ready

        return json_ready(
            {
                "network": self.network.name,
                "proposal": self.proposal.name if self.proposal else None,
                "description": self.description,
                "today": {n: dict(r.objective) for n, r in self.today.items()},
                "journeys": {j: f.to_dict() for j, f in self.journeys.items()},
                "journeys_proposal": {j: f.to_dict() for j, f in self.journeys_proposal.items()},
                "decision": self.decision,
                "frontier": None
                if self.frontier is None
                else {
                    "points": [p.to_dict() for p in self.frontier.points],
                    "knee": self.frontier.knee,
                    "proposal": self.frontier.proposal.to_dict()
                    if self.frontier.proposal
                    else None,
                },
                "premortem": self.premortem.to_dict() if self.premortem else None,
                "joint": self.joint.to_dict() if self.joint else None,
                "recommended": self.recommended,
                "monitor": [m.to_dict() for m in self.monitor],
                "seconds": self.seconds,
                "notes": list(self.notes),
            }
        )


def main_decision(network: ServiceNetwork) -> str | None:
    """The decision the frontier is drawn for: placement where there are depots and parts
    demand, else staffing where segments bring contacts, else dispatch where there are jobs."""
    if network.depots and any(s.parts_demand for s in network.sites):
        return "placement"
    if any(s.demand_per_day > 0 for s in network.segments):
        return "staffing"
    if network.jobs:
        return "dispatch"
    return None


def _field_work(network: ServiceNetwork) -> bool:
    return any(p.home_depot and p.headcount for p in network.pools) and any(
        s.job_rates for s in network.sites
    )


def assess(
    network: ServiceNetwork,
    proposal: Plan | None = None,
    params: SolveParams | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    frontier_points: int = 5,
    joint: JointOptions | None = None,
) -> Assessment:
    """Run the method's chain on ``network`` (module docstring) within ``params``' time limit
    (default 480 s), the seed going to every solve."""
    from servopt.optimizer import DECISIONS
    from servopt.optimizer.compare import why_left_out
    from servopt.optimizer.frontier import frontier
    from servopt.optimizer.joint import plan_joint
    from servopt.optimizer.journeys.analysis import analyse_journey
    from servopt.optimizer.premortem import premortem

    start = time.perf_counter()
    params = params or SolveParams(time_limit_s=480.0)
    end = start + 0.95 * params.time_limit_s
    say = progress or (lambda _m: None)
    notes: list[str] = []
    today_plan = Plan(name="today")

    def share(fraction: float) -> SolveParams:
        left = max(1.0, end - time.perf_counter())
        return SolveParams(time_limit_s=max(1.0, left * fraction), seed=params.seed)

    say("current state")
    today: dict[str, Result] = {}
    for name, d in DECISIONS.items():
        if why_left_out(network, name, [today_plan]):
            continue
        if name == "dispatch":
            today_plan_d = today_plan.replace(dispatch_policy="nearest")
            today[name] = d.evaluate(network, today_plan_d, d.options())
        else:
            today[name] = d.evaluate(network, today_plan, d.options())
    say("process map and moments of truth")
    journeys = {j.id: analyse_journey(network, j.id) for j in network.journeys}
    journeys_proposal = (
        {
            j.id: analyse_journey(network, j.id, proposal, moments_of_truth=False)
            for j in network.journeys
        }
        if proposal is not None
        else {}
    )
    decision = main_decision(network)
    joint_plan = None
    pm = None
    fr = None
    plan_time = _field_work(network)
    if proposal is not None:
        say("pre-mortem of the proposal")
        pm = premortem(network, proposal, params=share(0.25 if plan_time else 0.4))
    if decision is not None:
        say(f"frontier of {decision}")
        d = DECISIONS[decision]
        on_plan = (
            proposal
            if proposal is not None and not why_left_out(network, decision, [proposal])
            else None
        )
        fr = frontier(
            network,
            d,
            points=frontier_points,
            params=share(0.5 if plan_time else 0.9),
            proposal=on_plan,
        )
    if plan_time:
        say("the joint plan")
        joint_plan = plan_joint(
            network,
            proposal,
            joint or JointOptions(),
            share(0.95),
            progress=lambda m: say(f"  {m}"),
        )
    if joint_plan is not None:
        recommended, rec_plan = "joint plan", joint_plan.plans["joint"]
    elif fr is not None and fr.knee is not None:
        recommended, rec_plan = f"{decision} frontier's knee", fr.plans[fr.knee]
    else:
        recommended, rec_plan = "today", today_plan
        notes.append("no plan to recommend over today's: no frontier knee and no field work")

    def priced(plan: Plan | None) -> dict[str, Result]:
        """``plan`` by the decisions that priced today (dispatch's sample days are the joint
        plan's)."""
        if plan is None:
            return {}
        return {
            name: d.evaluate(network, plan, d.options())
            for name, d in DECISIONS.items()
            if name in today and name != "dispatch" and not why_left_out(network, name, [plan])
        }

    rec_results, prop_results = priced(rec_plan), priced(proposal)
    monitor = _monitor(network, today, prop_results, rec_results, joint_plan, proposal)
    days: dict[str, dict[str, Any]] = {}
    if network.journeys:
        say("a day of each journey, per segment")
        days = _days(
            network,
            {"today": today_plan, "proposal": proposal, "recommended": rec_plan},
            params.seed,
            notes,
        )
        monitor.extend(_day_monitor(days))
    for jid, f in journeys.items():
        g = journeys_proposal.get(jid)
        monitor.append(
            Monitor(
                f"first-contact resolution, {jid}",
                "share",
                f.first_contact_resolution,
                g.first_contact_resolution if g else None,
                None,
                "no lower than today's",
                "cases resolved on the first pass, no rework (seed 001: 61% diagnosed)",
            )
        )
    return Assessment(
        network=network,
        proposal=proposal,
        description=describe(network),
        today=today,
        journeys=journeys,
        journeys_proposal=journeys_proposal,
        decision=decision,
        frontier=fr,
        premortem=pm,
        joint=joint_plan,
        recommended=recommended,
        recommended_plan=rec_plan,
        monitor=tuple(monitor),
        seconds=time.perf_counter() - start,
        notes=tuple(notes),
        days=days,
    )


def _days(
    network: ServiceNetwork, plans: dict[str, Plan | None], seed: int, notes: list[str]
) -> dict[str, dict[str, Any]]:
    """Each journey's simulated day under each plan (two replications), where the network
    gives what the simulation needs (arrival profiles); otherwise a note says why not."""
    from servopt.optimizer.journeys.day import simulate_day

    out: dict[str, dict[str, Any]] = {}
    done: dict[str, dict[str, Any]] = {}  # by what the simulation reads of a plan
    for name, plan in plans.items():
        if plan is None:
            continue
        key = repr((plan.pool_changes, plan.journeys))
        if key in done:  # e.g. a recommended plan that changes no staff or journey
            out[name] = done[key]
            continue
        for j in network.journeys:
            try:
                day = simulate_day(network, j.id, plan, replications=2, seed=seed)
            except BadInputError as err:
                if name == "today":
                    notes.append(f"no simulated day of journey {j.id!r}: {err}")
                continue
            out.setdefault(name, {})[j.id] = day
        done[key] = out.get(name, {})
    return out


def _day_monitor(days: dict[str, dict[str, Any]]) -> list[Monitor]:
    """Each segment's visit over a simulated day, mean and 90th percentile, against its
    target."""
    out = []
    for jid, today in days.get("today", {}).items():
        for seg, f in today.segments.items():
            for stat, label in (("mean_min", "visit"), ("p90_min", "visit p90")):

                def of(plan: str, jid: str = jid, seg: str = seg, stat: str = stat) -> float | None:
                    d = days.get(plan, {}).get(jid)
                    return None if d is None else getattr(d.segments[seg], stat)

                out.append(
                    Monitor(
                        f"{label}, {jid} {seg}",
                        "min",
                        of("today"),
                        of("proposal"),
                        of("recommended"),
                        f"<= {f.target_min:g}",
                        "the segment's own visit over a simulated day (queues over the day, "
                        "shifts and breaks, the channels it can use), not the average of all",
                    )
                )
    return out


def _segment_figure(seg: str, what: str) -> Callable[[Any], float | None]:
    """A :class:`~servopt.optimizer.joint.SegmentYear` figure of a plan's year, if it has
    the segment."""

    def get(f: Any) -> float | None:
        y = f.segments.get(seg)
        return None if y is None else getattr(y, what)

    return get


def _monitor(
    network: ServiceNetwork,
    today: dict[str, Result],
    proposal: dict[str, Result],
    recommended: dict[str, Result],
    joint: JointPlan | None,
    plan: Plan | None,
) -> list[Monitor]:
    """The KPIs to monitor, with targets: parts waits per segment (mean and 90th percentile
    against the segment's ``max_wait_h``), contact waits per segment, staff occupancy, and,
    from the joint plan, first-time fix, field load, overtime and leavers."""
    out: list[Monitor] = []

    def seg_of(res: dict[str, Result], decision: str, seg: str, attr: str) -> float | None:
        r = res.get(decision)
        if r is None:
            return None
        s = r.kpis.segments.get(seg) if r.kpis.segments else None
        v = getattr(s, attr, None) if s is not None else None
        return None if v is None or not math.isfinite(v) else float(v)

    if "placement" in today:
        for seg in network.segments:
            if seg.id not in today["placement"].kpis.segments:
                continue
            target = f"<= {seg.max_wait_h:g} h" if seg.max_wait_h else "no contractual target"
            for attr, label in (("mean_wait_h", "mean"), ("p90_wait_h", "90th percentile")):
                out.append(
                    Monitor(
                        f"parts wait, {seg.id}, {label}",
                        "h",
                        seg_of(today, "placement", seg.id, attr),
                        seg_of(proposal, "placement", seg.id, attr),
                        seg_of(recommended, "placement", seg.id, attr),
                        target,
                        "the segment's max_wait_h: every segment, not on average",
                    )
                )
    if "staffing" in today:
        for seg in network.segments:
            if seg.id not in today["staffing"].kpis.segments:
                continue
            target = f"<= {seg.max_wait_h * 60:g} min" if seg.max_wait_h else "no target"
            out.append(
                Monitor(
                    f"contact wait, {seg.id}, 90th percentile",
                    "min",
                    seg_of(today, "staffing", seg.id, "p90_wait_min"),
                    seg_of(proposal, "staffing", seg.id, "p90_wait_min"),
                    seg_of(recommended, "staffing", seg.id, "p90_wait_min"),
                    target,
                    "the segment's max_wait_h, for 90% of its contacts",
                )
            )
        for c, f in today["staffing"].kpis.channels.items():
            if f.occupancy is None:
                continue

            def occ(res: dict[str, Result], ch: str = c) -> float | None:
                r = res.get("staffing")
                g = r.kpis.channels.get(ch) if r is not None else None
                return None if g is None else g.occupancy

            out.append(
                Monitor(
                    f"occupancy, {c}",
                    "share",
                    f.occupancy,
                    occ(proposal),
                    occ(recommended),
                    "<= 0.85",
                    "above it errors and waits climb (shared-staff-overload, the errors model)",
                )
            )
    if joint is not None:
        figs = joint.figures
        name = plan.name if plan is not None else None

        def jf(key: str, get: Callable[[Any], float | None]) -> float | None:
            f = figs.get(key)
            return None if f is None else get(f)

        rows: list[tuple[str, str, Callable[[Any], float | None], str, str]] = [
            (
                "first-time fix",
                "share",
                lambda f: f.first_time_fix,
                "no lower than the recommended plan's",
                "repeat visits cost engineers' hours and customers' downtime (repeat-visits)",
            ),
            (
                "field load",
                "hours over contract",
                lambda f: f.field_load,
                f"<= {network.workforce.reference_load:g}-1.0",
                "above it overtime, then leavers (overload-attrition)",
            ),
            (
                "overtime a year",
                "h",
                lambda f: f.hours["overtime"],
                "no higher than the recommended plan's",
                "the first sign of overload",
            ),
            (
                "leavers a year",
                "people",
                lambda f: f.leavers_per_year,
                "no higher than the recommended plan's",
                "each costs a replacement (hiring and training)",
            ),
            (
                "air freight and expediting a year",
                network.currency or "money",
                lambda f: f.cost_parts["air_and_expediting"],
                "no higher than the recommended plan's",
                "hidden expediting eats visible savings (hidden-expediting)",
            ),
        ]
        for seg in network.segments:
            years = [f.segments[seg.id] for f in figs.values() if seg.id in f.segments]
            if not years:
                continue
            rows += [
                (
                    f"field jobs on time, {seg.id}",
                    "share",
                    _segment_figure(seg.id, "attainment"),
                    "no lower than the recommended plan's",
                    "each miss may lose the customer (churn_sensitivity)",
                ),
                (
                    f"customers lost to field misses a year, {seg.id}",
                    "customers",
                    _segment_figure(seg.id, "customers_lost"),
                    "no higher than the recommended plan's",
                    f"repeat purchase: the segment's field channels carry "
                    f"{years[0].field_value:,.0f} {network.currency} of its customers' value "
                    "(channel_preference)",
                ),
            ]
        for label, unit, get, target, why in rows:
            out.append(
                Monitor(
                    label,
                    unit,
                    jf("today", get),
                    jf(name, get) if name else None,
                    jf("joint", get),
                    target,
                    why,
                )
            )
    return out
