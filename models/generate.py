"""Seeded generator of synthetic service networks of any size.

The same arguments and seed always give the same network (numpy's PCG64). Sites lie in a square
of ``area_km`` per side, half of them around a few city clusters; depots are spread over the
square with capacities drawn so that the total is ``capacity_ratio`` times the total demand
(binding when close to 1). Every skill a job type needs is held by at least one technician.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from servopt.models.network import ServiceNetwork

_SEGMENTS = [
    # id, downtime cost/h, value per customer, churn sensitivity, SLA on site (h), channels
    ("key-account", 900.0, 250_000.0, 0.15, 24.0, ["phone", "app", "field"]),
    ("standard", 250.0, 60_000.0, 0.08, 48.0, ["phone", "app", "field"]),
    ("remote", 180.0, 40_000.0, 0.05, 72.0, ["phone", "field"]),
    ("small-business", 80.0, 12_000.0, 0.04, 96.0, ["phone", "app", "field"]),
]


def generate_data(
    sites: int = 200,
    depots: int = 10,
    technicians: int = 40,
    seed: int = 0,
    *,
    skills: int = 4,
    part_families: int = 3,
    segments: int = 3,
    jobs: int = 0,
    journeys: int = 1,
    capacity_ratio: float = 1.4,
    capacity_share: tuple[float, float] | None = None,
    fixed_cost_range: tuple[float, float] = (40_000.0, 120_000.0),
    area_km: float = 1000.0,
    name: str | None = None,
) -> dict[str, Any]:
    """The generated network as plain data (what :func:`generate_network` validates).

    ``capacity_share=(lo, hi)`` replaces ``capacity_ratio``: each depot holds a share of the
    total demand drawn uniformly from [lo, hi] (OR-Library's large ``cap`` class: 10-30%, so
    that a few depots cover the demand); ``fixed_cost_range`` is the uniform range of the
    depots' fixed costs. Both draw from a stream of their own, so that the rest of the network
    is the same as without them.
    """
    if min(sites, depots, technicians, jobs, journeys) < 0:
        raise ValueError("sizes must be >= 0")
    if capacity_share is not None and not 0 < capacity_share[0] <= capacity_share[1]:
        raise ValueError(f"capacity_share must be 0 < lo <= hi, got {capacity_share!r}")
    if not 0 <= fixed_cost_range[0] <= fixed_cost_range[1]:
        raise ValueError(f"fixed_cost_range must be 0 <= lo <= hi, got {fixed_cost_range!r}")
    if not 1 <= skills <= 26 or not part_families >= 1 or not 1 <= segments <= len(_SEGMENTS):
        raise ValueError(f"need 1-26 skills, >= 1 part family, 1-{len(_SEGMENTS)} segments")
    rng = np.random.Generator(np.random.PCG64(seed))
    skill_ids = [f"skill-{chr(ord('a') + k)}" for k in range(skills)]
    part_ids = [f"parts-{k + 1}" for k in range(part_families)]

    # Sites: half clustered around cities, half uniform.
    n_cities = max(1, min(12, sites // 50 + 1))
    cities = rng.uniform(0.1 * area_km, 0.9 * area_km, size=(n_cities, 2))
    clustered = rng.random(sites) < 0.5
    city_of = rng.integers(0, n_cities, size=sites)
    site_xy = np.where(
        clustered[:, None],
        cities[city_of] + rng.normal(0.0, 0.04 * area_km, size=(sites, 2)),
        rng.uniform(0.0, area_km, size=(sites, 2)),
    ).clip(0.0, area_km)
    seg_of = rng.integers(0, segments, size=sites)
    demand = rng.integers(1, 40, size=(sites, part_families)).astype(float)
    job_rate = rng.integers(1, 12, size=(sites, skills)).astype(float)

    depot_xy = rng.uniform(0.0, area_km, size=(depots, 2))
    total = float(demand.sum())
    weights = rng.uniform(0.5, 1.5, size=depots)
    caps = np.ceil(weights / max(weights.sum(), 1e-12) * total * capacity_ratio)
    fixed = np.round(rng.uniform(40_000.0, 120_000.0, size=depots), 0)
    sizing = np.random.Generator(np.random.PCG64([seed, 1]))
    if capacity_share is not None:
        caps = np.ceil(sizing.uniform(*capacity_share, size=depots) * total)
    if tuple(fixed_cost_range) != (40_000.0, 120_000.0):
        fixed = np.round(sizing.uniform(*fixed_cost_range, size=depots), 0)

    data: dict[str, Any] = {
        "name": name or f"generated-s{sites}-d{depots}-t{technicians}-seed{seed}",
        "description": "Synthetic network from servopt.models.generate",
        "notes": [
            f"generate_network(sites={sites}, depots={depots}, technicians={technicians}, "
            f"seed={seed}, skills={skills}, part_families={part_families}, "
            f"segments={segments}, jobs={jobs}, journeys={journeys}, "
            f"capacity_ratio={capacity_ratio}, area_km={area_km}"
            + (
                f", capacity_share={capacity_share}, fixed_cost_range={fixed_cost_range})"
                if capacity_share is not None or tuple(fixed_cost_range) != (40_000.0, 120_000.0)
                else ")"
            )
        ],
        "travel": {
            "speed_kmh": 70.0,
            "road_factor": 1.25,
            "cost_per_km": 0.6,
            "freight_cost_per_unit_km": 0.02,
        },
        "skills": [{"id": s} for s in skill_ids],
        "channels": [
            {"id": "phone", "kind": "phone", "cost_per_contact": 6.0, "service_min": 7.0},
            {"id": "app", "kind": "app", "cost_per_contact": 0.5, "capacity_per_hour": 5000.0},
            {"id": "field", "kind": "field_visit", "cost_per_contact": 180.0},
        ],
        "segments": [
            {
                "id": sid,
                "channels": chans,
                "downtime_cost_per_hour": dc,
                "value_per_customer": val,
                "churn_sensitivity": churn,
                "sla_onsite_h": sla,
                "customers": int((seg_of == k).sum()),
            }
            for k, (sid, dc, val, churn, sla, chans) in enumerate(_SEGMENTS[:segments])
        ],
        "part_families": [
            {
                "id": p,
                "unit_cost": float(rng.integers(50, 2000)),
                "holding_rate": 0.25,
                "demand_cv": round(float(rng.uniform(0.5, 1.5)), 3),
            }
            for p in part_ids
        ],
        "depots": [
            {
                "id": f"d{i + 1}",
                "kind": "regional",
                "location": _pt(depot_xy[i]),
                "capacity": float(caps[i]),
                "fixed_cost": float(fixed[i]),
                "open_today": bool(i % 3 != 2),
            }
            for i in range(depots)
        ],
        "sites": [
            {
                "id": f"s{j + 1}",
                "location": _pt(site_xy[j]),
                "segment": _SEGMENTS[int(seg_of[j])][0],
                "job_rates": {f"job-{skill_ids[k]}": float(job_rate[j, k]) for k in range(skills)},
                "parts_demand": {part_ids[k]: float(demand[j, k]) for k in range(part_families)},
            }
            for j in range(sites)
        ],
        "job_types": [
            {
                "id": f"job-{s}",
                "skill": s,
                "duration_min": float(30 * (k % 4 + 2)),
                "first_time_fix": 0.9,
            }
            for k, s in enumerate(skill_ids)
        ],
    }
    if depots:
        data["supply_lanes"] = [
            {
                "id": f"lane-{d['id']}-{mode}",
                "destination": d["id"],
                "mode": mode,
                "lead_time_h": lt,
                "cost_per_unit": c,
            }
            for d in data["depots"]
            for mode, lt, c in (("regular", 72.0, 4.0), ("expedited", 18.0, 12.0))
        ]
    pools: list[dict[str, Any]] = []
    for t in range(technicians):
        own = {skill_ids[t % skills]}
        extra = rng.integers(0, skills, size=int(rng.integers(0, 3)))
        own.update(skill_ids[int(k)] for k in extra)
        pools.append(
            {
                "id": f"t{t + 1}",
                "home_depot": f"d{int(rng.integers(0, depots)) + 1}" if depots else None,
                "skills": {
                    s: (
                        1.0
                        if s == skill_ids[t % skills]
                        else round(float(rng.uniform(0.4, 1.0)), 2)
                    )
                    for s in sorted(own)
                },
                "cost_per_hour": float(rng.integers(35, 70)),
                "cost_per_km": 0.4,
                "overtime_cost_per_hour": 90.0,
                "max_overtime_min": 120.0,
                "shifts": [{"start_min": 480.0, "end_min": 1020.0, "break_min": 30.0}],
                "replacement_cost": 25_000.0,
            }
        )
    for k in range(technicians, skills if technicians else 0):
        # Fewer technicians than skills: someone must still hold every skill.
        held = pools[k % technicians]["skills"]
        held[skill_ids[k]] = 0.8
        pools[k % technicians]["skills"] = dict(sorted(held.items()))
    if technicians:
        pools.append(
            {
                "id": "contact-centre",
                "department": "contact-centre",
                "headcount": max(2, technicians // 10),
                "channels": ["phone"],
                "cost_per_hour": 32.0,
                "shifts": [{"start_min": 480.0, "end_min": 1080.0, "break_min": 60.0}],
            }
        )
    data["pools"] = pools
    if not technicians:
        data["job_types"] = []
        for s in data["sites"]:
            s["job_rates"] = {}
    if jobs and sites and technicians:
        js = rng.integers(0, sites, size=jobs)
        jk = rng.integers(0, skills, size=jobs)
        start = rng.integers(0, 8, size=jobs) * 60.0 + 480.0
        data["jobs"] = [
            {
                "id": f"job{n + 1}",
                "site": f"s{int(js[n]) + 1}",
                "job_type": f"job-{skill_ids[int(jk[n])]}",
                "window": [float(start[n]), float(start[n]) + 180.0],
            }
            for n in range(jobs)
        ]
    data["journeys"] = [_journey(k) for k in range(journeys)]
    return data


def _journey(k: int) -> dict[str, Any]:
    """A small service-request journey with a hand-off and a rework loop."""
    return {
        "id": f"request-{k + 1}",
        "channel": "phone",
        "start": "contact",
        "steps": [
            {"id": "contact", "department": "contact-centre", "service_min": 6.0},
            {"id": "diagnose", "department": "technical-support", "service_min": 15.0},
            {"id": "visit", "department": "field-service", "service_min": 90.0},
            {
                "id": "close",
                "department": "contact-centre",
                "service_min": 3.0,
                "value_adding": False,
            },
        ],
        "transitions": [
            {"source": "contact", "target": "diagnose"},
            {"source": "diagnose", "target": "visit", "probability": 0.7},
            {"source": "diagnose", "target": "close", "probability": 0.3},
            {"source": "visit", "target": "close", "probability": 0.85},
            {"source": "visit", "target": "diagnose", "probability": 0.15},
        ],
    }


def _pt(xy: Any) -> list[float]:
    return [round(float(xy[0]), 3), round(float(xy[1]), 3)]


def generate_network(
    sites: int = 200, depots: int = 10, technicians: int = 40, seed: int = 0, **options: Any
) -> ServiceNetwork:
    """A validated synthetic :class:`ServiceNetwork`; see :func:`generate_data` for options.

    >>> net = generate_network(sites=30, depots=3, technicians=5, seed=7)
    >>> (len(net.sites), len(net.depots), sum(p.headcount for p in net.pools if p.skills))
    (30, 3, 5)
    >>> generate_network(sites=30, depots=3, technicians=5, seed=7) == net
    True
    """
    return ServiceNetwork.model_validate(generate_data(sites, depots, technicians, seed, **options))


def working_days_per_year(network: ServiceNetwork) -> int:
    """Days a year the field works: 52 x the weekdays of the first field pool's first shift
    (260 for Monday to Friday; 260 when no pool says)."""
    for p in network.pools:
        if p.home_depot is not None and p.shifts and p.shifts[0].days:
            return 52 * len(p.shifts[0].days)
    return 260


def sample_days(network: ServiceNetwork, days: int, seed: int) -> tuple[ServiceNetwork, ...]:
    """``days`` representative working days of ``network``: copies whose ``jobs`` are drawn
    from the sites' ``job_rates`` (jobs per period, a year: Poisson with mean rate over
    :func:`working_days_per_year`), each seeded from ``seed`` and the day's number.

    A job may start from the field shift's start (the earliest first shift of the field pools;
    08:00 when none says) or up to 4 hours later, on the hour, until the shift's end, as a
    dispatcher books visits. It was reported up to ``sla_onsite_h - 4`` hours before the day's
    shift start (uniform), and its ``deadline_min`` is the report time plus the segment's
    ``sla_onsite_h`` (none without one): some fall due today, most later.

    >>> from servopt.models import load_network
    >>> net = generate_network(sites=30, depots=3, technicians=5, seed=7)
    >>> a, b = sample_days(net, 2, seed=1)
    >>> a.jobs == sample_days(net, 1, seed=1)[0].jobs and a.jobs != b.jobs
    True
    """
    if not (isinstance(days, int) and days >= 1):
        raise ValueError(f"days must be a whole number >= 1, got {days!r}")
    per_year = working_days_per_year(network)
    shifts = [p.shifts[0] for p in network.pools if p.home_depot is not None and p.shifts]
    start = min((s.start_min for s in shifts), default=480.0)
    end = max((s.end_min for s in shifts), default=1020.0)
    segments = network.index["segments"]
    out = []
    for day in range(days):
        rng = np.random.Generator(np.random.PCG64([seed, day]))
        jobs: list[dict[str, Any]] = []
        for site in network.sites:
            sla = segments[site.segment].sla_onsite_h if site.segment in segments else None
            for jt, rate in site.job_rates.items():
                for _ in range(int(rng.poisson(rate / per_year))):
                    first = start + 60.0 * float(rng.integers(0, 5))
                    job: dict[str, Any] = {
                        "id": f"day{day + 1}-job-{len(jobs) + 1:04d}",
                        "site": site.id,
                        "job_type": jt,
                        "window": (min(first, end), end),
                    }
                    if sla is not None:
                        age_h = float(rng.uniform(0.0, max(0.0, sla - 4.0)))
                        job["deadline_min"] = round(start + 60.0 * (sla - age_h), 1)
                    jobs.append(job)
        out.append(network.replace(jobs=jobs))
    return tuple(out)
