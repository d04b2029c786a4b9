"""The pre-mortem of a proposed redesign: which of the case studies' failure modes it triggers.

:func:`premortem` prices a proposal and a baseline (today's network when none is given) with
every decision that can price both (placement, staffing, dispatch) and analyses every journey
under both, then applies the catalogue :data:`RULES`: one :class:`Finding` per rule, triggered
or not, with its threshold, the numbers behind it, the entities at fault and the source case.
A rule whose evidence the model cannot compute yet says so (``triggered`` is ``None`` and the
message names what is missing): never a silent "fine".

Rules computed (thresholds are :data:`THRESHOLDS`, each a parameter):

- ``cost-shifted`` (case A): in a decision, the company's cost falls while company plus
  customers' cost rises.
- ``hidden-expediting`` (case A: air at 3x road): placement's air freight plus expediting
  rises by more than ``expediting_rise`` of the baseline's (or from nothing).
- ``repeat-visits`` (case A: "multi-skill" without training): dispatch's expected repeat visits
  rise by more than ``repeat_rise``; the pools the proposal gives skills below full
  proficiency are named.
- ``segment-excluded`` (case D): a segment with contacts whose wait is endless or over its
  ``max_wait_h`` under the proposal and was not in the baseline; or one none of whose
  channels has staff or self-service capacity.
- ``rework-loop`` (case B): a journey's expected visits per case, hand-offs or failure rate
  rise by more than ``rework_rise``.
- ``capacity-lost`` (case D: a doctor sees 60 patients a day, not 80): a step of a journey takes
  more of its resource's time under the proposal (service plus ``documentation_min``, the
  record written after the customer leaves) and the resource that does it is overloaded
  (utilisation at or above ``capacity_utilisation``) and more loaded than in the baseline
  (which may have been overloaded already: the evidence gives both).
- ``shared-staff-overload`` (case C): a pool that staffs several channels works at an
  occupancy above ``shared_occupancy`` on one of them, higher than in the baseline.

- ``tail-waits`` (case D's patients kept over 5 h): a segment's 90th-percentile wait passes its
  ``max_wait_h`` while its mean meets it, and did not in the baseline: placement's parts waits
  (over the segment's demand, by site) and staffing's contact waits (90% answered within, over
  its channels and the day: Erlang C's or A's waiting-time distribution).

- ``overload-attrition`` (case A: 45% of engineers gone in half a year): a department's field
  staff work above ``overload_load`` of their contracted hours (routes, expected repeat visits
  and deferred drops of dispatch's sample day), or above ``overtime_h_week`` hours of route
  overtime a week each, and more than in the baseline; the evidence prices the expected
  leavers with the network's ``workforce`` model (a stated, sourced curve, not fitted to case
  A) and each pool's ``replacement_cost``.
- ``phantom-stock`` (case C: 10 sofas shown online, 0 to sell): the plan promises from display
  stock (``Plan.promise_display_stock``) and the orders that fail pass ``phantom_share`` of the
  demand served by depots with display units (placement prices them: a lower real safety
  stock, each failed promise waiting for replenishment).

Not computable yet: load and attrition of staff who are not dispatched (counter staff, doctors:
staffing reports occupancy, not hours).

**Repair**, for placement (the decision whose MILP holds a cap on value): the cheapest plan no
worse for customers than the proposal, when it is also cheaper (the frontier plan that
dominates the proposal); otherwise the cheapest plan that keeps the baseline's customer value.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.params import Objective, SolveParams
from servopt.optimizer.result import Kpis, Result, json_ready

#: Default thresholds of the rules (module docstring), each overridable.
THRESHOLDS: dict[str, float] = {
    "expediting_rise": 0.05,
    "repeat_rise": 0.10,
    "rework_rise": 0.05,
    "capacity_utilisation": 1.0,
    "overload_load": 1.0,
    "overtime_h_week": 8.0,
    "phantom_share": 0.01,
    "shared_occupancy": 0.85,
}

#: The catalogue: rule id -> (the failure in words, the case it comes from).
RULES: dict[str, tuple[str, str]] = {
    "cost-shifted": (
        "the company's cost falls but company + customers' cost rises",
        "case A: after-sales cost +2% instead of -20%, customers' downtime up",
    ),
    "hidden-expediting": (
        "air freight or expediting rises to meet waits that depot closures lengthened",
        "case A: air freight at 3x road to meet deadlines",
    ),
    "repeat-visits": (
        "first-time fix falls: jobs go to staff below full proficiency",
        "case A: engineers declared multi-skill without training, repeat visits",
    ),
    "overload-attrition": (
        "utilisation or overtime per person above its threshold, and people leave",
        "case A: 45% of engineers left in half a year",
    ),
    "segment-excluded": (
        "a segment with demand has no usable channel, or waits past its target",
        "case D: 60-plus patients without a smartphone queue at windows and kiosks",
    ),
    "tail-waits": (
        "a segment's 90th-percentile wait above its target while the mean is below it",
        "case D: outages keep patients over 5 h",
    ),
    "rework-loop": (
        "a journey's expected visits, hand-offs or failure rate rise",
        "case B: 3 checks per case, 40 -> 55 min, failures 5% -> 18%",
    ),
    "capacity-lost": (
        "a step's added time cuts a pool's throughput below its demand",
        "case D: electronic records, 80 -> 60 patients a doctor a day",
    ),
    "phantom-stock": (
        "stock counted as sellable includes display stock",
        "case C: 10 sofas shown online, 0 in the store",
    ),
    "shared-staff-overload": (
        "one pool serves several channels above the load where errors rise",
        "case C: staff serving walk-in and online orders made 30% more errors",
    ),
}


@dataclass(frozen=True)
class Finding(Kpis):
    """One rule applied: ``triggered`` (``None``: not computable on this model, said in
    ``message``), its ``threshold``, the ``evidence`` and the ``entities`` at fault."""

    rule: str
    triggered: bool | None
    message: str
    threshold: Any = None
    evidence: dict[str, Any] = field(default_factory=dict)
    entities: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class Premortem:
    """The findings (one per rule of :data:`RULES`, in its order), the figures of each plan
    per decision, the repair (or ``None``) and notes on what was left out."""

    proposal: str
    baseline: str
    findings: tuple[Finding, ...]
    figures: dict[str, dict[str, dict[str, float]]]
    repair: dict[str, Any] | None
    notes: tuple[str, ...]
    runtime_s: float

    @property
    def triggered(self) -> tuple[str, ...]:
        return tuple(f.rule for f in self.findings if f.triggered)

    def to_dict(self) -> dict[str, Any]:
        return json_ready(
            {
                "proposal": self.proposal,
                "baseline": self.baseline,
                "findings": [f.to_dict() for f in self.findings],
                "figures": self.figures,
                "repair": self.repair,
                "notes": list(self.notes),
                "runtime_s": self.runtime_s,
            }
        )

    def summary(self) -> str:
        lines = [f"pre-mortem of {self.proposal!r} against {self.baseline!r}"]
        for f in self.findings:
            mark = {True: "TRIGGERED", False: "ok       ", None: "not known"}[f.triggered]
            lines.append(f"{mark} {f.rule:<22} {f.message}")
        if self.repair is not None:
            r = self.repair
            lines.append(
                f"repair ({r['decision']}): {r['how']}: cost {r['cost']:,.2f}, value "
                f"{r['value']:,.2f} ({'dominates' if r['dominates'] else 'does not dominate'} "
                "the proposal)"
            )
        lines.extend(f"note       {n}" for n in self.notes)
        return "\n".join(lines)


def _rel_rise(before: float, after: float) -> float:
    if before == 0:
        return math.inf if after > 0 else 0.0
    return (after - before) / abs(before)


def dispatch_pair(baseline: Plan, proposal: Plan) -> tuple[Plan, Plan, str]:
    """The two plans dispatch prices, and a note when one was changed: each keeps its routes or
    its policy; a baseline with neither takes the proposal's policy (both dispatched by the
    same rule, so the comparison is of the plans, not of two dispatchers)."""
    if baseline.routes is None and baseline.dispatch_policy is None and proposal.dispatch_policy:
        return (
            baseline.replace(dispatch_policy=proposal.dispatch_policy),
            proposal,
            (f"dispatch: the baseline takes the proposal's policy ({proposal.dispatch_policy})"),
        )
    return baseline, proposal, ""


def premortem(
    network: ServiceNetwork,
    proposal: Plan,
    baseline: Plan | None = None,
    *,
    params: SolveParams | None = None,
    thresholds: dict[str, float] | None = None,
    options: dict[str, Any] | None = None,
    repair: bool = True,
) -> Premortem:
    """The pre-mortem of ``proposal`` against ``baseline`` (module docstring). ``params``: the
    time limit and seed of the repair's solves; ``thresholds``: overrides of
    :data:`THRESHOLDS`; ``options``: a decision's options by name (default: its defaults)."""
    from servopt.optimizer import DECISIONS
    from servopt.optimizer.compare import why_left_out

    start = time.perf_counter()
    params = params or SolveParams(time_limit_s=60.0)
    th = {**THRESHOLDS, **(thresholds or {})}
    baseline = baseline or Plan(name="today")
    names = (proposal.name or "proposal", baseline.name or "baseline")
    notes: list[str] = []
    results: dict[str, tuple[Result, Result]] = {}
    for name, d in DECISIONS.items():
        base_plan, prop_plan = baseline, proposal
        if name == "dispatch":
            base_plan, prop_plan, note = dispatch_pair(baseline, proposal)
            if note:
                notes.append(note)
        why = why_left_out(network, name, [base_plan, prop_plan])
        if why:
            notes.append(f"{name} left out: {why}")
            continue
        opts = (options or {}).get(name) or d.options()
        results[name] = (d.evaluate(network, base_plan, opts), d.evaluate(network, prop_plan, opts))
    journeys = _journeys(network, baseline, proposal, notes)
    findings = [
        _cost_shifted(results),
        _hidden_expediting(results, th),
        _repeat_visits(results, proposal, th),
        _overload_attrition(results, network, th),
        _segment_excluded(results, network),
        _tail_waits(results, network),
        _rework_loop(journeys, th),
        _capacity_lost(journeys, network, baseline, proposal, th),
        _phantom_stock(results, network, th),
        _shared_staff_overload(results, network, proposal, th),
    ]
    findings = [replace(f, source=RULES[f.rule][1]) for f in findings]
    figures = {
        name: {
            names[1]: {k: float(v) for k, v in b.objective.items()},
            names[0]: {k: float(v) for k, v in p.objective.items()},
        }
        for name, (b, p) in results.items()
    }
    fix = _repair(network, results, params, notes) if repair else None
    return Premortem(
        names[0],
        names[1],
        tuple(findings),
        figures,
        fix,
        tuple(notes),
        time.perf_counter() - start,
    )


_NO_DISPATCH = "dispatch cannot price these plans (no jobs or no routes)"


def _not_known(rule: str, why: str) -> Finding:
    return Finding(rule, None, f"not computed on this model: {why}")


def _cost_shifted(results: dict[str, tuple[Result, Result]]) -> Finding:
    hits, evidence = [], {}
    for name, (b, p) in results.items():
        cb, vb = b.objective["cost"], b.objective["value"]
        cp, vp = p.objective["cost"], p.objective["value"]
        evidence[name] = {"cost": [cb, cp], "value": [vb, vp], "total": [cb + vb, cp + vp]}
        if cp < cb * (1 - 1e-9) and cp + vp > (cb + vb) * (1 + 1e-9):
            hits.append(name)
    msg = (
        "; ".join(
            f"{n}: cost {evidence[n]['cost'][0]:,.0f} -> {evidence[n]['cost'][1]:,.0f} but cost "
            f"+ customers' cost {evidence[n]['total'][0]:,.0f} -> {evidence[n]['total'][1]:,.0f}"
            for n in hits
        )
        or "no decision's saving is paid for by customers beyond it"
    )
    return Finding(
        "cost-shifted", bool(hits), msg, "cost falls and cost + value rises", evidence, tuple(hits)
    )


def _tail_waits(results: dict[str, tuple[Result, Result]], network: ServiceNetwork) -> Finding:
    if "placement" not in results and "staffing" not in results:
        return _not_known("tail-waits", "neither placement nor staffing can price these plans")
    hit: list[str] = []
    evidence: dict[str, Any] = {}
    for name, kind, scale in (("placement", "parts wait", 1.0), ("staffing", "wait", 1 / 60)):
        if name not in results:
            continue
        b, p = (r.kpis for r in results[name])
        for s, v in p.segments.items():
            target = network.segment(s).max_wait_h
            before = b.segments.get(s)
            mean, tail = _mean_p90(v, name, scale)
            if target is None or mean is None or tail is None or before is None:
                continue
            mean_b, tail_b = _mean_p90(before, name, scale)
            if tail > target >= mean and not (tail_b is not None and tail_b > target):
                key = s if s not in evidence else f"{s} ({name})"
                hit.append(key)
                evidence[key] = {
                    "decision": name,
                    "kind": kind,
                    "target_h": target,
                    "mean_wait_h": [mean_b, mean],
                    "p90_wait_h": [tail_b, tail],
                }
    msg = (
        "; ".join(
            f"segment {k!r}: mean {e['kind']} {_hours(e['mean_wait_h'][1])} meets its "
            f"{e['target_h']:g} h target, but 10% of its demand waits over "
            f"{_hours(e['p90_wait_h'][1])}"
            for k, e in evidence.items()
        )
        or "no segment's tail passes its target while its mean meets it"
    )
    return Finding(
        "tail-waits",
        bool(hit),
        msg,
        "90th percentile over max_wait_h, mean within",
        evidence,
        tuple(dict.fromkeys(k.split(" (")[0] for k in hit)),
    )


def _mean_p90(v: Any, decision: str, scale: float) -> tuple[float | None, float | None]:
    """A segment's mean and 90th-percentile wait in hours, from placement's (hours) or
    staffing's (minutes) segment figures."""
    if decision == "placement":
        return v.mean_wait_h, v.p90_wait_h
    return (
        None if v.wait_min is None else v.wait_min * scale,
        None if v.p90_wait_min is None else v.p90_wait_min * scale,
    )


def _hours(h: float) -> str:
    return f"{h:,.1f} h" if h >= 1 else f"{h * 60:,.1f} min"


def _hidden_expediting(results: dict[str, tuple[Result, Result]], th: dict[str, float]) -> Finding:
    if "placement" not in results:
        return _not_known("hidden-expediting", "placement cannot price these plans")
    b, p = (r.kpis for r in results["placement"])
    before = b.cost_breakdown["outbound_air"] + b.cost_breakdown["expediting"]
    after = p.cost_breakdown["outbound_air"] + p.cost_breakdown["expediting"]
    rise = _rel_rise(before, after)
    hit = rise > th["expediting_rise"]
    slower = tuple(
        s
        for s, v in p.segments.items()
        if v.mean_wait_h is not None
        and b.segments[s].mean_wait_h is not None
        and v.mean_wait_h > b.segments[s].mean_wait_h + 1e-9
    )
    evidence = {
        "air_and_expediting": [before, after],
        "air_freight_units": [b.air_freight_units, p.air_freight_units],
        "open_depots": [b.open_depots, p.open_depots],
        "mean_wait_h": {s: [b.segments[s].mean_wait_h, p.segments[s].mean_wait_h] for s in slower},
    }
    msg = (
        f"air freight + expediting {before:,.0f} -> {after:,.0f} a period "
        f"({p.air_freight_units:,.0f} units flown), parts waits longer for "
        f"{', '.join(slower) or 'no segment'}"
    )
    return Finding("hidden-expediting", hit, msg, {"rise": th["expediting_rise"]}, evidence, slower)


def _repeat_visits(
    results: dict[str, tuple[Result, Result]], proposal: Plan, th: dict[str, float]
) -> Finding:
    if "dispatch" not in results:
        return _not_known("repeat-visits", _NO_DISPATCH)
    b, p = (r.kpis for r in results["dispatch"])
    rise = _rel_rise(b.repeat_visits_expected, p.repeat_visits_expected)
    untrained = tuple(
        c.pool for c in proposal.pool_changes if c.skills and min(c.skills.values()) < 1.0
    )
    msg = (
        f"expected repeat visits {b.repeat_visits_expected:,.1f} -> "
        f"{p.repeat_visits_expected:,.1f} a day; {len(untrained)} pool(s) given skills below "
        "full proficiency"
    )
    return Finding(
        "repeat-visits",
        rise > th["repeat_rise"],
        msg,
        {"rise": th["repeat_rise"]},
        {"repeat_visits_expected": [b.repeat_visits_expected, p.repeat_visits_expected]},
        untrained,
    )


def repeat_purchase(network: ServiceNetwork, failed: dict[str, float]) -> dict[str, Any]:
    """Repeat purchase from the segments' churn model (:meth:`Segment.churn_from`): each
    failed promise loses its customer with the segment's ``churn_sensitivity``. Per segment
    with ``customers``: customers lost per period, the change in the share who buy again, and
    the value lost."""
    out: dict[str, Any] = {}
    for seg in network.segments:
        n = failed.get(seg.id, 0.0)
        if not seg.customers or n <= 0:
            continue
        lost, change, value = seg.churn_from(n)
        out[seg.id] = {
            "failed_promises": n,
            "customers_lost": lost,
            "repeat_purchase_change": change,
            "value_lost": value,
        }
    return out


def _phantom_stock(
    results: dict[str, tuple[Result, Result]], network: ServiceNetwork, th: dict[str, float]
) -> Finding:
    if "placement" not in results:
        return _not_known("phantom-stock", "placement cannot price these plans")
    b, p = (r.kpis for r in results["placement"])
    served = sum(p.depots[d].load for d in (p.phantom or {}) if d in p.depots)
    share = p.failed_promises / served if served else 0.0
    rows = sorted(
        (
            (x.failed_promises, d, f, x)
            for d, fams in (p.phantom or {}).items()
            for f, x in fams.items()
            if x.failed_promises > 0
        ),
        key=lambda r: (-r[0], r[1], r[2]),
    )
    hit = share > th["phantom_share"] and p.failed_promises > b.failed_promises + 1e-9
    churn = repeat_purchase(network, {k: v.failed_promises for k, v in p.segments.items()})
    evidence: dict[str, Any] = {
        "failed_promises": [b.failed_promises, p.failed_promises],
        "share_of_demand_at_display_depots": share,
        "value": [b.value, p.value],
        "worst": {
            f"{d}/{f}": {
                "display": x.display,
                "in_stock_believed": x.in_stock_believed,
                "in_stock_real": x.in_stock_real,
                "failed_promises": x.failed_promises,
                "wait_h": x.wait_h,
            }
            for _, d, f, x in rows[:5]
        },
        "repeat_purchase": churn,
    }
    if rows:
        _, d, f, x = rows[0]
        msg = (
            f"{p.failed_promises:,.0f} orders a period ({share:.1%} of the demand at depots "
            f"with display stock) are promised from display units and fail; worst {d}/{f}: "
            f"{x.display:g} on show, in stock {x.in_stock_real:.0%} of requests where the plan "
            f"believes {x.in_stock_believed:.0%}, and a failed promise waits {x.wait_h:g} h "
            f"for replenishment; customers' cost {b.value:,.0f} -> "
            f"{p.value:,.0f}"
        )
        if churn:
            worst = min(churn, key=lambda k: churn[k]["repeat_purchase_change"])
            msg += (
                f"; repeat purchase {churn[worst]['repeat_purchase_change']:+.1%} for {worst} "
                f"({sum(c['customers_lost'] for c in churn.values()):,.0f} customers lost, "
                f"{sum(c['value_lost'] for c in churn.values()):,.0f} of their value)"
            )
    else:
        msg = "no order is promised from display stock"
    entities = tuple(dict.fromkeys(d for _, d, _, _ in rows))
    return Finding(
        "phantom-stock",
        hit,
        msg,
        {"share": th["phantom_share"]},
        evidence,
        entities if hit else (),
    )


def _overtime_week(kpis: Any, dept: str, network: ServiceNetwork) -> float:
    """Route overtime per person a week in ``dept`` on the sample day's routes."""
    pools = [
        (pid, x) for pid, x in (kpis.pools or {}).items() if network.pool(pid).department == dept
    ]
    heads = sum(x.headcount for _, x in pools)
    return sum(x.route_overtime_h * x.days_per_year / 52 for _, x in pools) / max(heads, 1)


def _overload_attrition(
    results: dict[str, tuple[Result, Result]], network: ServiceNetwork, th: dict[str, float]
) -> Finding:
    if "dispatch" not in results:
        return _not_known("overload-attrition", _NO_DISPATCH)
    from servopt.models.workforce import within

    b, p = (r.kpis for r in results["dispatch"])
    hit: list[str] = []
    evidence: dict[str, Any] = {}
    for dept, dp in (p.departments or {}).items():
        db = (b.departments or {}).get(dept)
        ot_b = _overtime_week(b, dept, network) if db else None
        ot_p = _overtime_week(p, dept, network)
        ot = [ot_b, ot_p]
        load_b = db.load if db else None
        over_load = dp.load > th["overload_load"] and (load_b is None or dp.load > load_b + 1e-9)
        over_time = ot_p > th["overtime_h_week"] and (ot_b is None or ot_p > ot_b + 1e-9)
        worst = sorted(
            (
                (x.load, pid)
                for pid, x in (p.pools or {}).items()
                if network.pool(pid).department == dept and x.load > th["overload_load"]
            ),
            reverse=True,
        )
        evidence[dept] = {
            "headcount": [db.headcount if db else None, dp.headcount],
            "load": [load_b, dp.load],
            "overtime_h_week_per_person": ot,
            "attrition_yearly": [db.attrition_yearly if db else None, dp.attrition_yearly],
            "attrition_half_year": [
                within(db.attrition_yearly, 0.5) if db else None,
                within(dp.attrition_yearly, 0.5),
            ],
            "leavers_per_year": [db.leavers_per_year if db else None, dp.leavers_per_year],
            "replacement_cost_per_year": [
                db.replacement_cost_per_year if db else None,
                dp.replacement_cost_per_year,
            ],
            "pools_over_threshold": len(worst),
            "most_loaded": {pid: load for load, pid in worst[:5]},
        }
        if over_load or over_time:
            hit.append(dept)

    def line(d: str) -> str:
        e = evidence[d]
        lb, lp = e["load"]
        ab, ap = e["attrition_yearly"]
        return (
            f"{d or 'field staff'}: {e['headcount'][1]} people (was {e['headcount'][0]}) at "
            f"{lp:.2f} of contracted hours (was {lb:.2f}), overtime "
            f"{e['overtime_h_week_per_person'][1]:.1f} h a week each on routes: attrition "
            f"{ab:.1%} -> {ap:.1%} a year ({e['attrition_half_year'][1]:.1%} in half a year), "
            f"{e['leavers_per_year'][0]:,.1f} -> {e['leavers_per_year'][1]:,.1f} leavers a year "
            f"costing {e['replacement_cost_per_year'][1]:,.0f}; {e['pools_over_threshold']} "
            "pool(s) over the limit"
        )

    msg = "; ".join(line(d) for d in hit) or "no department's load or overtime passes its limit"
    return Finding(
        "overload-attrition",
        bool(hit),
        msg,
        {"load": th["overload_load"], "overtime_h_week": th["overtime_h_week"]},
        evidence,
        tuple(hit),
    )


def _segment_excluded(
    results: dict[str, tuple[Result, Result]], network: ServiceNetwork
) -> Finding:
    if "staffing" not in results:
        return _not_known("segment-excluded", "no segment has contacts to staff for")
    b, p = (r.kpis for r in results["staffing"])
    hit: list[str] = []
    evidence: dict[str, Any] = {}
    for s, g in p.segments.items():
        before = b.segments[s]
        endless = g.wait_min is not None and math.isinf(g.wait_min)
        over_now = endless or g.over_target
        over_before = before.over_target or (
            before.wait_min is not None and math.isinf(before.wait_min)
        )
        if over_now and not over_before:
            hit.append(s)
            evidence[s] = {
                "wait_min": [before.wait_min, g.wait_min],
                "max_wait_h": g.max_wait_h,
                "channels": g.split,
            }
    msg = (
        "; ".join(
            f"segment {s!r} waits {evidence[s]['wait_min'][1]:,.1f} min (was "
            f"{evidence[s]['wait_min'][0]:,.1f}) on {', '.join(evidence[s]['channels'])}"
            for s in hit
        )
        or "every segment keeps a channel within its target"
    )
    return Finding(
        "segment-excluded", bool(hit), msg, "wait over max_wait_h, or endless", evidence, tuple(hit)
    )


def _journeys(
    network: ServiceNetwork, baseline: Plan, proposal: Plan, notes: list[str]
) -> dict[str, tuple[Any, Any]]:
    from servopt.optimizer.journeys.analysis import analyse_journey

    out = {}
    for j in network.journeys:
        out[j.id] = (
            analyse_journey(network, j.id, baseline, moments_of_truth=False),
            analyse_journey(network, j.id, proposal, moments_of_truth=False),
        )
    if not out:
        notes.append("no journey in the network: rework-loop and capacity-lost not applied")
    return out


def _rework_loop(journeys: dict[str, tuple[Any, Any]], th: dict[str, float]) -> Finding:
    if not journeys:
        return _not_known("rework-loop", "the network has no journey")
    hit: list[str] = []
    evidence: dict[str, Any] = {}
    for jid, (b, p) in journeys.items():
        visits = [
            sum(s["visits"] for s in b.steps.values()),
            sum(s["visits"] for s in p.steps.values()),
        ]
        figs = {
            "visits_per_case": visits,
            "handoffs": [b.handoffs, p.handoffs],
            "failure_rate": [b.failure_rate, p.failure_rate],
        }
        evidence[jid] = figs
        if any(_rel_rise(x, y) > th["rework_rise"] for x, y in figs.values()):
            hit.append(jid)
    msg = (
        "; ".join(
            f"journey {j!r}: visits per case {evidence[j]['visits_per_case'][0]:.2f} -> "
            f"{evidence[j]['visits_per_case'][1]:.2f}, hand-offs {evidence[j]['handoffs'][0]:.2f}"
            f" -> {evidence[j]['handoffs'][1]:.2f}, failures {evidence[j]['failure_rate'][0]:.1%}"
            f" -> {evidence[j]['failure_rate'][1]:.1%}"
            for j in hit
        )
        or "no journey gains visits, hand-offs or failures"
    )
    return Finding("rework-loop", bool(hit), msg, {"rise": th["rework_rise"]}, evidence, tuple(hit))


def _capacity_lost(
    journeys: dict[str, tuple[Any, Any]],
    network: ServiceNetwork,
    baseline: Plan,
    proposal: Plan,
    th: dict[str, float],
) -> Finding:
    if not journeys:
        return _not_known("capacity-lost", "the network has no journey")
    hit: list[str] = []
    evidence: dict[str, Any] = {}
    for jid, (b, p) in journeys.items():
        jb, jp = baseline.journey(network, jid), proposal.journey(network, jid)
        # The resource's time per visit: the customer's service and the record after it.
        before = {s.id: s.service_min + s.documentation_min for s in jb.steps}
        after = {s.id: s.service_min + s.documentation_min for s in jp.steps}
        for res, fig in p.resources.items():
            u = fig.get("utilisation", 0.0)
            ub = b.resources.get(res, {}).get("utilisation", 0.0)
            longer = [
                s.id
                for s in jp.steps
                if s.resource == res and s.id in before and after[s.id] > before[s.id] + 1e-9
            ]
            if u >= th["capacity_utilisation"] and u > ub + 1e-9 and longer:
                hit.append(res)
                evidence[res] = {
                    "journey": jid,
                    "utilisation": [ub, u],
                    "steps_longer": {s: [before[s], after[s]] for s in longer},
                }
    msg = (
        "; ".join(
            f"{r!r} at utilisation {evidence[r]['utilisation'][0]:.0%} -> "
            f"{evidence[r]['utilisation'][1]:.0%}: "
            + ", ".join(
                f"{s} {a:g} -> {b:g} min of its time"
                for s, (a, b) in evidence[r]["steps_longer"].items()
            )
            for r in hit
        )
        or "no resource loses the capacity its demand needs"
    )
    return Finding(
        "capacity-lost",
        bool(hit),
        msg,
        {"utilisation": th["capacity_utilisation"]},
        evidence,
        tuple(hit),
    )


def _shared_staff_overload(
    results: dict[str, tuple[Result, Result]],
    network: ServiceNetwork,
    proposal: Plan,
    th: dict[str, float],
) -> Finding:
    if "staffing" not in results:
        return _not_known("shared-staff-overload", "no segment has contacts to staff for")
    from servopt.optimizer.staffing.terms import served_by

    b, p = (r.kpis for r in results["staffing"])
    pools = served_by(network, proposal)
    shared = {pool for pool, chans in proposal.pool_channels(network).items() if len(chans) > 1}
    hit: list[str] = []
    evidence: dict[str, Any] = {}
    for c, f in p.channels.items():
        mine = shared.intersection(pools.get(c, ()))
        before = b.channels[c].max_occupancy if c in b.channels else None
        occ = f.max_occupancy
        if (
            mine
            and occ is not None
            and occ > th["shared_occupancy"]
            and (before is None or occ > before + 1e-9)
        ):
            hit.append(c)
            errors_before = b.channels[c].errors_per_day if c in b.channels else 0.0
            evidence[c] = {
                "occupancy": [before, occ],
                "pools": sorted(mine),
                "errors_per_day": [errors_before, f.errors_per_day],
                "error_rate": [b.channels[c].error_rate if c in b.channels else None, f.error_rate],
                "error_cost_per_day": [
                    b.channels[c].error_cost + b.channels[c].error_value
                    if c in b.channels
                    else 0.0,
                    f.error_cost + f.error_value,
                ],
            }

    def errors(c: str) -> str:
        e0, e1 = evidence[c]["errors_per_day"]
        if not e1:
            return ""
        rise = f" ({e1 / e0 - 1:+.0%})" if e0 else ""
        return f"; errors {e0:,.1f} -> {e1:,.1f} a day{rise}"

    msg = (
        "; ".join(
            f"channel {c!r} at occupancy {evidence[c]['occupancy'][1]:.0%}, staffed by "
            f"{', '.join(evidence[c]['pools'])}, who also serve other channels{errors(c)}"
            for c in hit
        )
        or "no shared pool works above the limit"
    )
    return Finding(
        "shared-staff-overload",
        bool(hit),
        msg,
        {"occupancy": th["shared_occupancy"]},
        evidence,
        tuple(hit),
    )


def _dominates(c1: float, v1: float, c2: float, v2: float) -> bool:
    from servopt.optimizer.frontier import FrontierPoint, dominates

    return dominates(FrontierPoint(c1, v1, "", ""), FrontierPoint(c2, v2, "", ""))


def _repair(
    network: ServiceNetwork,
    results: dict[str, tuple[Result, Result]],
    params: SolveParams,
    notes: list[str],
) -> dict[str, Any] | None:
    """Placement's repair: the cheapest plan whose customers' cost is at most the proposal's
    (the frontier plan at the proposal's value) when it also costs less, so dominates it;
    otherwise the cheapest plan that keeps the baseline's customer value. Each is one MILP
    with a cap on value; the time limit is shared between them."""
    if "placement" not in results:
        notes.append("repair: only placement (its MILP holds a cap on value) is repaired yet")
        return None
    from servopt.models.io import to_data
    from servopt.optimizer import DECISIONS

    d = DECISIONS["placement"]
    b, p = results["placement"]
    pc, pv = float(p.objective["cost"]), float(p.objective["value"])
    deadline = time.perf_counter() + params.time_limit_s
    tries = [
        # Just under the proposal's value, so that the MILP's tolerance cannot land above it.
        ("the cheapest plan no worse for customers than the proposal", pv * (1 - 1e-7)),
        ("the cheapest plan keeping the baseline's customer value", float(b.objective["value"])),
    ]
    for k, (how, cap) in enumerate(tries):
        left = deadline - time.perf_counter()
        if left < 0.1:
            notes.append(f"repair: no time left for {how}")
            return None
        share = replace(params, time_limit_s=left / (len(tries) - k))
        base = p.options if isinstance(p.options, d.options) else d.options()
        opts = replace(base, objective=Objective.COST, max_cost=None, max_value=cap)
        r = d.solve(network, opts, share)
        if not r.status.has_plan or r.plan is None:
            notes.append(f"repair: {how}: {r.status.value}")
            continue
        cost, value = float(r.objective["cost"]), float(r.objective["value"])
        dominates = _dominates(cost, value, pc, pv)
        if k == 0 and not dominates:
            continue
        return {
            "decision": "placement",
            "how": how,
            "status": r.status.value,
            "gap": r.gap,
            "cost": cost,
            "value": value,
            "dominates": dominates,
            "saves": {"cost": pc - cost, "value": pv - value},
            "plan": to_data(r.plan),
        }
    return None
