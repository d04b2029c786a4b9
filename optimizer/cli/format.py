"""Readable reports of a decision's result, from its typed KPIs; every money figure names its
currency and period (the result's :class:`~servopt.optimizer.result.Units`)."""

from __future__ import annotations

from servopt.optimizer.result import Result, Units


def _units(result: Result) -> Units:
    return result.units or Units("CU", "period")


def _parts(what: str, u: Units, parts: dict[str, float], digits: int) -> str:
    """One line: ``what`` in its units, then each part and its amount."""
    amounts = ", ".join(f"{n} {v:,.{digits}f}" for n, v in parts.items())
    return f"{what} ({u.currency} per {u.period}): {amounts}"


def format_placement(result: Result) -> str:
    """Open depots, the company's cost by part, the customers' downtime, waits per segment."""
    k, u = result.kpis, _units(result)
    out = [f"open depots ({k.open_depots}): " + ", ".join(k.depots)]
    out.append(f"company cost ({u.currency} per {u.period})")
    for name, v in k.cost_breakdown.items():
        out.append(f"  {name:<16} {v:>16,.2f}")
    out.append(f"  {'total':<16} {k.cost:>16,.2f}")
    out.append(
        f"customer downtime while waiting for parts {u.money(k.value)}; "
        f"cost + downtime {u.money(k.total_with_downtime)}"
    )
    out.append(
        f"expedited units {k.expedited_units:,.0f}; air-freighted units "
        f"{k.air_freight_units:,.0f}; safety stock {k.safety_stock_units:,.0f} units"
    )
    out.append(f"expected parts wait by segment (hours; downtime in {u.currency}/{u.period})")
    for seg, v in k.segments.items():
        if v.mean_wait_h is not None:
            out.append(
                f"  {seg:<22} mean {v.mean_wait_h:8.1f}  worst site "
                f"{v.max_wait_h:8.1f}  downtime {v.downtime_cost:,.0f}"
            )
    return "\n".join(out)


def format_dispatch(result: Result) -> str:
    """Routes per technician, drops with reasons, SLA per segment, cost and value by part."""
    k, u, plan = result.kpis, _units(result), result.plan
    out = [
        f"routes {k.routes}  served {k.served}  dropped {len(k.dropped)}  "
        f"distance {k.distance:,.1f} km  overtime {k.overtime_h:,.1f} h  "
        f"expected repeat visits {k.repeat_visits_expected:,.1f}"
    ]
    out.append(_parts("company cost", u, k.cost_parts, 0))
    out.append(_parts("customers' downtime", u, k.value_parts, 0))
    out.append("SLA by segment (on time / due today; dropped; deferred to tomorrow)")
    for seg, v in k.sla.items():
        att = "-" if v.attainment is None else f"{v.attainment:.1%}"
        out.append(
            f"  {seg:<22} {att:>7}  {v.on_time}/{v.with_deadline}; dropped "
            f"{v.dropped}; deferred {v.deferred}  (jobs {v.jobs})"
        )
    if plan is not None and plan.routes:
        out.append("routes (technician: jobs in order; km, back at, overtime)")
        for r, fig in zip(plan.routes, k.per_route, strict=True):
            back = fig["return_min"]
            out.append(
                f"  {r.pool}#{r.member}: {' > '.join(r.jobs)}  ({fig['distance_km']:,.1f} km, "
                f"back {int(back // 60):02d}:{int(back % 60):02d}, overtime "
                f"{fig['overtime_min']:.0f} min)"
            )
    for d in k.dropped:
        out.append(f"  dropped {d.job}: {d.reason}")
    return "\n".join(out)


def _clock(minute: float) -> str:
    return f"{int(minute // 60) % 24:02d}:{int(minute % 60):02d}"


def format_staffing(result: Result) -> str:
    """Staff and waits per channel, the split and waits per segment, cost and value by part."""
    k, u = result.kpis, _units(result)
    hours = sum(h for _, h in k.intervals)
    if len(k.intervals) == 1:
        out = [f"the average hour of a {hours:g}-hour day"]
    else:
        out = [
            f"{len(k.intervals)} intervals of {k.intervals[0][1] * 60:g} min from "
            f"{_clock(k.intervals[0][0])}"
        ]
    out.append(_parts("company cost", u, k.cost_parts, 2))
    out.append(_parts("customers' cost of waiting", u, k.value_parts, 2))
    out.append("channels (staff on duty; contacts a day; highest occupancy; mean wait)")
    for c, f in k.channels.items():
        if not f.contacts_per_day and not any(f.staff):
            continue
        staff = str(f.staff[0]) if len(set(f.staff)) == 1 else "-".join(map(str, f.staff))
        occ = "-" if f.max_occupancy is None else f"{f.max_occupancy:.0%}"
        wait = "unknown" if f.wait_min is None else f"{f.wait_min:,.2f} min"
        out.append(
            f"  channel {c:<18} staff {staff:>8}  contacts {f.contacts_per_day:>10,.1f}  "
            f"occupancy {occ:>5}  wait {wait}"
        )
    if k.requirements:
        out.append(
            f"staff needed per {k.intervals[0][1] * 60:g} min from {_clock(k.intervals[0][0])} "
            "(service level)"
        )
        for c, req in k.requirements.items():
            out.append(f"  {c:<18} {' '.join(str(r) for r in req)}")
    out.append("segments (split over channels; mean wait; target)")
    for s, g in k.segments.items():
        split = ", ".join(f"{c} {v:.0%}" for c, v in g.split.items())
        wait = "unknown" if g.wait_min is None else f"{g.wait_min:,.2f} min"
        target = "" if g.max_wait_h is None else f"  target {g.max_wait_h * 60:g} min"
        flag = "  OVER TARGET" if g.over_target else ""
        out.append(f"  {s:<24} {split:<40} wait {wait}{target}{flag}")
    return "\n".join(out)


def format_roster(result: Result) -> str:
    """Coverage, overtime, preferences and fairness of a roster, and each pool's load and
    attrition."""
    k = result.kpis
    cov = "-" if k.coverage is None else f"{k.coverage:.2%}"
    out = [
        f"roster of {k.people} people over {k.days} days: {k.shifts_worked} shifts worked",
        f"coverage   {k.covered:,} of {k.required:,} person-shifts required ({cov}); "
        f"{k.required - k.covered:,} missing",
        f"overtime   {k.overtime_h:,.1f} h; preferences broken {k.preferences_broken}",
        "cost parts " + ", ".join(f"{n} {v:,.2f}" for n, v in k.cost_parts.items()),
        "pools (paid over contracted hours; overtime a person, mean / max; weekend days and "
        "nights a person, least-most; attrition at that load, leavers a year and their cost)",
    ]
    for name, p in k.pools.items():
        year = p.year
        att = (
            "-"
            if year is None
            else f"{year.attrition_yearly:.1%}/yr {year.leavers_per_year:,.1f} leavers "
            f"{year.replacement_cost_per_year:,.0f}"
        )
        out.append(
            f"  {name:<28} {p.people:>4} people  load {p.load:>5.2f}  overtime "
            f"{p.overtime_h_mean:>5.1f}/{p.overtime_h_max:<5.1f} h  weekends "
            f"{p.weekend_days[0]}-{p.weekend_days[1]}  nights {p.nights[0]}-{p.nights[1]}  {att}"
        )
    if k.field_work:
        fw = k.field_work.values()
        people = sum(f.people for f in fw)
        over = sum(f.overtime_h for f in fw)
        weeks = k.days / 7
        out += [
            "field work against the roster (dispatch's hours; overtime shared by those on "
            "shift up to the pool's cap)",
            f"  work {sum(f.work_h for f in fw):,.0f} h, rostered {sum(f.shift_h for f in fw):,.0f}"
            f" h, overtime {over:,.0f} h ({over / max(people, 1) / weeks:.1f} h a week a person,"
            f" most {max(f.overtime_h_week_max for f in fw):.1f}), beyond the cap "
            f"{sum(f.beyond_cap_h for f in fw):,.0f} h",
            f"  expected leavers {sum(f.leavers_per_year for f in fw):,.1f} a year of {people},"
            f" replacement {sum(f.replacement_cost_per_year for f in fw):,.0f} a year",
        ]
    return "\n".join(out)


#: The report of each decision's result, by decision name.
FORMATTERS = {
    "placement": format_placement,
    "dispatch": format_dispatch,
    "staffing": format_staffing,
    "roster": format_roster,
}


def format_result(result: Result) -> str:
    """The readable report of ``result``'s decision ('' when it has no plan)."""
    if result.plan is None or result.decision not in FORMATTERS:
        return ""
    return FORMATTERS[result.decision](result)
