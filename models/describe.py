"""A readable summary of a network: counts, demand against capacity, skill coverage, channel
access per segment and journey statistics. Pure data (:func:`describe`) and text
(:func:`format_description`)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from servopt.models.network import COLLECTIONS, ServiceNetwork


def journey_stats(journey: Any) -> dict[str, Any]:
    """Steps, departments, hand-offs and rework loops of one journey (structure only; timing
    with queueing and rework is the staffing solver's job)."""
    g = journey.graph()
    handoffs = sum(1 for _, _, d in g.edges(data=True) if d["handoff"])
    # A rework edge closes a cycle and leads back to a step no further from the start than its
    # source (so the forward edge of a two-step loop is not counted).
    depth = nx.single_source_shortest_path_length(g, journey.start)
    rework = sum(
        1 for u, v in g.edges if nx.has_path(g, v, u) and depth.get(v, 0) <= depth.get(u, 0)
    )
    service = sum(s.service_min for s in journey.steps)
    value_adding = sum(s.service_min for s in journey.steps if s.value_adding)
    return {
        "steps": len(journey.steps),
        "departments": len({s.department for s in journey.steps if s.department}),
        "handoff_edges": handoffs,
        "rework_edges": rework,
        "nominal_service_min": service,
        "value_adding_share": value_adding / service if service else None,
    }


def describe(net: ServiceNetwork) -> dict[str, Any]:
    """Summary figures of ``net`` as plain data (JSON-ready)."""
    counts = {c: len(getattr(net, c)) for c in COLLECTIONS}
    counts["arcs"] = len(net.arcs)
    counts["headcount"] = net.headcount
    by_family: dict[str, float] = defaultdict(float)
    for s in net.sites:
        for pf, q in s.parts_demand.items():
            by_family[pf] += q
    cap = net.total_capacity
    open_today = [d.id for d in net.depots if d.open_today]
    cap_today = sum(
        d.capacity if d.capacity is not None else math.inf for d in net.depots if d.open_today
    )
    jt_of_skill: dict[str, list[str]] = defaultdict(list)
    for jt in net.job_types:
        jt_of_skill[jt.skill].append(jt.id)
    jobs_per_type = Counter(j.job_type for j in net.jobs)
    rate_per_type: dict[str, float] = defaultdict(float)
    for s in net.sites:
        for jt_id, r in s.job_rates.items():
            rate_per_type[jt_id] += r
    skills = {}
    for sk in net.skills:
        holders = [p for p in net.pools if sk.id in p.skills]
        heads = sum(p.headcount for p in holders)
        skills[sk.id] = {
            "headcount": heads,
            "mean_proficiency": (
                sum(p.skills[sk.id] * p.headcount for p in holders) / heads if heads else None
            ),
            "job_types": jt_of_skill.get(sk.id, []),
            "jobs_per_period": sum(rate_per_type[j] for j in jt_of_skill.get(sk.id, [])),
            "jobs_listed": sum(jobs_per_type[j] for j in jt_of_skill.get(sk.id, [])),
        }
    staffed = {ch for p in net.pools if p.headcount for ch in p.channels}
    segments = {}
    sites_per_seg = Counter(s.segment for s in net.sites)
    for seg in net.segments:
        segments[seg.id] = {
            "sites": sites_per_seg.get(seg.id, 0),
            "customers": seg.customers,
            "demand_per_day": seg.demand_per_day,
            "channels": list(seg.channels),
            "downtime_cost_per_hour": seg.downtime_cost_per_hour,
            "channels_without_capacity": [
                c
                for c in seg.channels
                if c in net.index["channels"]
                and c not in staffed
                and net.index["channels"][c].capacity_per_hour is None
                and net.index["channels"][c].kind not in ("field_visit", "delivery")
            ],
        }
    return {
        "name": net.name,
        "description": net.description,
        "counts": counts,
        "demand": {
            "total": net.total_demand,
            "by_part_family": dict(by_family),
            "capacity_all_depots": cap if math.isfinite(cap) else None,
            "capacity_open_today": cap_today if math.isfinite(cap_today) else None,
            "depots_open_today": len(open_today),
            "utilisation_if_all_open": (
                net.total_demand / cap if math.isfinite(cap) and cap > 0 else None
            ),
        },
        "skills": skills,
        "segments": segments,
        "journeys": {j.id: journey_stats(j) for j in net.journeys},
    }


def format_description(d: dict[str, Any]) -> str:
    """Plain-text rendering of :func:`describe`'s data."""
    c = d["counts"]
    out = [f"network {d['name']}" + (f": {d['description']}" if d["description"] else "")]
    out.append(
        f"  {c['depots']} depots, {c['sites']} sites, {c['segments']} segments, "
        f"{c['channels']} channels, {c['pools']} staff pools ({c['headcount']} staff), "
        f"{c['skills']} skills, {c['job_types']} job types, {c['jobs']} jobs, "
        f"{c['part_families']} part families, {c['supply_lanes']} supply lanes, "
        f"{c['journeys']} journeys"
    )
    dm = d["demand"]
    if c["sites"] or c["depots"]:
        out.append("demand and capacity (per period)")
        cap = dm["capacity_all_depots"]
        cap_s = f"{cap:,.0f}" if cap is not None else "unlimited"
        util = dm["utilisation_if_all_open"]
        out.append(
            f"  demand {dm['total']:,.0f}; capacity of all depots {cap_s}"
            + (f" (demand is {util:.1%} of it)" if util is not None else "")
        )
        today = dm["capacity_open_today"]
        out.append(
            f"  open today: {dm['depots_open_today']} depots, capacity {today:,.0f}"
            if today is not None
            else f"  open today: {dm['depots_open_today']} depots, capacity unlimited"
        )
        for pf, q in dm["by_part_family"].items():
            out.append(f"    {pf}: {q:,.0f}")
    if d["skills"]:
        out.append("skill coverage")
        for sk, s in d["skills"].items():
            prof = f"{s['mean_proficiency']:.2f}" if s["mean_proficiency"] is not None else "-"
            warn = "  <- NO ONE HAS IT" if s["job_types"] and not s["headcount"] else ""
            out.append(
                f"  {sk:<22} staff {s['headcount']:>5}  mean proficiency {prof:>4}  "
                f"jobs/period {s['jobs_per_period']:>10,.0f}  jobs listed "
                f"{s['jobs_listed']:>5}{warn}"
            )
    if d["segments"]:
        out.append("segments and the channels they can use")
        for seg, s in d["segments"].items():
            size = (
                f"demand/day {s['demand_per_day']:>7,.0f}"
                if s["demand_per_day"]
                else f"sites {s['sites']:>5}"
            )
            line = f"  {seg:<26} {size}  channels: {', '.join(s['channels'])}"
            if s["channels_without_capacity"]:
                line += f"  (no staff or capacity: {', '.join(s['channels_without_capacity'])})"
            out.append(line)
    if d["journeys"]:
        out.append("journeys")
        for jid, j in d["journeys"].items():
            va = f"{j['value_adding_share']:.0%}" if j["value_adding_share"] is not None else "-"
            out.append(
                f"  {jid:<26} {j['steps']} steps, {j['departments']} departments, "
                f"{j['handoff_edges']} hand-offs, {j['rework_edges']} rework loops, "
                f"{j['nominal_service_min']:g} min of service ({va} value-adding)"
            )
    return "\n".join(out)
