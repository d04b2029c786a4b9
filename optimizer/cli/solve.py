"""``servopt solve {placement,dispatch,staffing,roster}``: optimise one decision.

Every solve takes the same objective flags (``--objective``, ``--value-weight``, ``--max-cost``,
``--max-value``), a time limit and a seed, and writes the same result (``--json``) that
``servopt evaluate`` takes back. Each decision's own flags are named as the fields of its
options class, which :func:`~servopt.optimizer.cli.common.build_options` fills; a benchmark
format's rules (:func:`servopt.models.formats.solve_rules`) apply last.
"""

from __future__ import annotations

from typing import Any

import click

from servopt.models.errors import BadInputError
from servopt.models.formats import solve_rules
from servopt.optimizer.cli.common import (
    FORMAT,
    FRACTION,
    JSON_OUT,
    NON_NEGATIVE,
    OBJECTIVE_OPTIONS,
    OCCUPANCY,
    PLAN,
    ROUNDING,
    SERVICE_LEVEL,
    SOLVE_OPTIONS,
    TARGET_SL,
    Number,
    build_options,
    field_option,
    load_input,
    report,
    reports_errors,
    time_left,
    with_options,
)
from servopt.optimizer.cli.format import format_result
from servopt.optimizer.dispatch.terms import DispatchOptions
from servopt.optimizer.placement.terms import PlacementOptions
from servopt.optimizer.staffing.roster import RosterOptions
from servopt.optimizer.staffing.terms import StaffingOptions


@click.group()
def solve() -> None:
    """Optimise a decision: placement (depots, assignments, stock), dispatch, staffing.

    Every solve reports ``cost`` (the company's cost) and ``value`` (the customers' cost) in
    the network's currency per period, optimises one of them or cost + W x value, and can cap
    either (``--max-cost``, ``--max-value``) where its method holds caps. Exit codes:
    ``servopt --help``. The ``--json`` result file can be given back to ``servopt evaluate``.

    \b
    Examples:
      servopt solve placement instances/case-a-aftersales.yaml --objective weighted \\
          --value-weight 0.01 --time-limit 60 --json plan.json
    """


#: The flags of placement, named as the fields of PlacementOptions.
PLACEMENT_FLAGS = [
    field_option(
        PlacementOptions,
        "service_level",
        "--service-level",
        type=SERVICE_LEVEL,
        help="Probability a request finds its part in stock.",
    ),
    field_option(
        PlacementOptions,
        "max_wait_h",
        "--max-wait-hours",
        type=NON_NEGATIVE,
        help="Hard maximum expected parts wait for every site.",
    ),
    field_option(
        PlacementOptions,
        "enforce_segment_max_wait",
        "--segment-max-wait/--no-segment-max-wait",
        help="Make each segment's max_wait_h a hard constraint.",
    ),
]


@solve.command(name="placement")
@click.argument("file", type=click.Path())
@FORMAT
@with_options(OBJECTIVE_OPTIONS)
@with_options(PLACEMENT_FLAGS)
@click.option(
    "--choose-service-level",
    "service_levels",
    default=None,
    metavar="L1,L2,...",
    help="Stock as a decision: try these service levels and keep the best plan.",
)
@click.option(
    "--within-hours",
    type=NON_NEGATIVE,
    default=None,
    help="With --min-share: serve that share of demand from stock within these hours.",
)
@click.option("--min-share", "min_share_within", type=FRACTION, default=None)
@click.option("--single-sourcing", is_flag=True, help="Each site served by one depot.")
@click.option("--force-open", multiple=True, metavar="DEPOT", help="Keep this depot open.")
@click.option("--force-closed", multiple=True, metavar="DEPOT", help="Keep this depot closed.")
@with_options(SOLVE_OPTIONS)
@JSON_OUT
@reports_errors
def solve_placement_cmd(
    file: str,
    fmt: str | None,
    service_levels: str | None,
    time_limit: float,
    seed: int,
    solver: str,
    mip_gap: float,
    json_out: str | None,
    **flags: Any,
) -> None:
    """Choose open depots, which depots serve each site, and stock per depot.

    cost: the company's cost per period: fixed, transport, replenishment, expediting (incl.
    air freight when road is too slow for a segment's deadline), cycle and safety stock
    (square-root pooling). value: the customers' downtime while they wait for parts. Both caps
    are held as MILP constraints (--max-cost is a budget).

    \b
    Examples:
      servopt solve placement instances/case-a-aftersales.yaml --time-limit 60
      servopt solve placement instances/case-a-aftersales.yaml --objective weighted \\
          --value-weight 0.05 --json plan.json
      servopt solve placement instances/benchmarks/orlib-cap/cap41.txt --format orlib-cap
    """
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.placement.solve import choose_service_level, solve_placement

    net = load_input(file, fmt)
    options = build_options(PlacementOptions, flags, rules=solve_rules(fmt, "placement"))
    params = SolveParams(
        time_limit_s=time_left(time_limit), seed=seed, solver=solver, mip_gap=mip_gap
    )
    if service_levels:
        result = choose_service_level(net, _service_levels(service_levels), options, params)
    else:
        result = solve_placement(net, options, params)
    report(result, json_out, format_result(result), file)


def _service_levels(text: str) -> tuple[float, ...]:
    """The levels of ``--choose-service-level L1,L2,...``, each checked like --service-level."""
    levels = []
    for part in text.split(","):
        try:
            levels.append(SERVICE_LEVEL.convert(part.strip(), None, None))
        except click.BadParameter:
            raise BadInputError(
                f"--choose-service-level: expected numbers like 0.9,0.95, each "
                f"{SERVICE_LEVEL.expected()}, got {part.strip()!r} in {text!r}"
            ) from None
    return tuple(levels)


#: The flags of dispatch, named as the fields of DispatchOptions.
DISPATCH_FLAGS = [
    field_option(
        DispatchOptions,
        "sla",
        "--sla",
        type=click.Choice(["soft", "hard"]),
        help="Job deadlines: priced per started hour late (soft) or binding (hard).",
    ),
    field_option(
        DispatchOptions,
        "drop_cost",
        "--drop-cost",
        type=NON_NEGATIVE,
        help="The company's price of leaving a job undone today, on top of the customer's "
        "downtime.",
    ),
]


@solve.command(name="dispatch")
@click.argument("file", type=click.Path())
@FORMAT
@ROUNDING
@PLAN
@click.option(
    "--policy",
    type=click.Choice(["optimise", "nearest"]),
    default="optimise",
    show_default=True,
    help="Optimise the routes, or reproduce nearest-engineer dispatch to compare against.",
)
@with_options(OBJECTIVE_OPTIONS)
@with_options(DISPATCH_FLAGS)
@click.option(
    "--iterations",
    type=Number(1, integer=True),
    default=None,
    help="Also stop after this many search iterations: the same seed then gives the same "
    "plan on any machine.",
)
@click.option(
    "--engine",
    "backend",
    type=click.Choice(["auto", "pyvrp", "exact"]),
    default="auto",
    show_default=True,
    help="Routing engine: 'exact' proves the optimum of up to 8 jobs (labels over job "
    "subsets), 'pyvrp' is the iterated local search for any size, 'auto' takes the exact "
    "method where it applies.",
)
@SOLVE_OPTIONS[0]
@SOLVE_OPTIONS[1]
@JSON_OUT
@reports_errors
def solve_dispatch_cmd(
    file: str,
    fmt: str | None,
    distance: str | None,
    plan_file: str | None,
    policy: str,
    iterations: int | None,
    time_limit: float,
    seed: int,
    json_out: str | None,
    **flags: Any,
) -> None:
    """Route field technicians to jobs: skills, windows, shifts and overtime, SLAs, drops.

    cost: the company's cost of the day: travel, labour, overtime, expected repeat visits and
    drops (--drop-cost each). value: the customers' downtime: hours late past the SLA, repeat
    and dropped jobs' downtime, at each segment's downtime_cost_per_hour. The search cannot
    hold caps: --max-cost and --max-value are refused. Every plan passes the independent route
    checker before it is reported. For a Solomon file (--format solomon) every customer must be
    served and the objective is distance only (kpis.distance in the bks.csv convention,
    kpis.routes the number of routes).

    \b
    Examples:
      servopt solve dispatch instances/case-a-aftersales.yaml --time-limit 30
      servopt solve dispatch instances/case-a-aftersales.yaml \\
          --plan instances/case-a-aftersales.cost-only.plan.yaml --policy nearest
      servopt solve dispatch instances/benchmarks/solomon/R101.txt --format solomon \\
          --time-limit 10 --json r101.json
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.dispatch.solve import solve_dispatch
    from servopt.optimizer.params import SolveParams

    net = load_input(file, fmt, distance)
    plan = load_plan(plan_file, net) if plan_file else None
    options = build_options(DispatchOptions, flags, rules=solve_rules(fmt, "dispatch"))
    result = solve_dispatch(
        net,
        options,
        SolveParams(time_limit_s=time_left(time_limit), seed=seed),
        plan=plan,
        policy=policy,
        iterations=iterations,
    )
    report(result, json_out, format_result(result), file)


#: The flags of staffing, named as the fields of StaffingOptions.
STAFFING_FLAGS = [
    field_option(
        StaffingOptions,
        "hours_per_day",
        "--hours-per-day",
        type=Number(0, 24, min_open=True),
        help="Opening hours over which each segment's demand_per_day arrives.",
    ),
    field_option(
        StaffingOptions,
        "max_occupancy",
        "--max-occupancy",
        type=OCCUPANCY,
        help="The most a staffed channel's staff may be busy, in every interval.",
    ),
    field_option(
        StaffingOptions,
        "preference_cost",
        "--preference-cost",
        type=NON_NEGATIVE,
        help="Price per contact routed to a channel the segment does not prefer.",
    ),
    field_option(
        StaffingOptions,
        "by_interval",
        "--by-interval",
        is_flag=True,
        help="Size every staffed channel per staffing interval (segments' "
        "arrival_profile) and cover the requirements with shifts.",
    ),
    field_option(
        StaffingOptions,
        "target_sl",
        "--target-sl",
        type=TARGET_SL,
        help="With --by-interval: service level to reach.",
    ),
    field_option(
        StaffingOptions,
        "target_s",
        "--target-s",
        type=NON_NEGATIVE,
        help="With --by-interval: answer-time threshold, seconds.",
    ),
]


@solve.command(name="staffing")
@click.argument("file", type=click.Path())
@PLAN
@with_options(OBJECTIVE_OPTIONS)
@with_options(STAFFING_FLAGS)
@with_options(SOLVE_OPTIONS)
@JSON_OUT
@reports_errors
def solve_staffing_cmd(
    file: str,
    plan_file: str | None,
    time_limit: float,
    seed: int,
    solver: str,
    mip_gap: float,
    json_out: str | None,
    **flags: Any,
) -> None:
    """Route each segment's demand over the channels it can use and staff the channels.

    cost: the company's cost of the day: staff on duty at the pools' hourly cost and each
    contact's channel cost. value: the customers' waiting cost of the day: each segment's
    contacts x expected wait (Erlang C, or Erlang A with abandonment priced at the segment's
    value_per_customer x churn_sensitivity where the channel has patience_min) at its
    downtime_cost_per_hour. Works on the average hour of the day (demand_per_day over
    --hours-per-day), or per staffing interval with shifts (--by-interval). Staffing cannot
    hold caps: --max-cost and --max-value are refused.

    \b
    Examples:
      servopt solve staffing instances/case-d-outpatient.yaml
      servopt solve staffing instances/case-d-outpatient.yaml --objective weighted \\
          --value-weight 1 --json staffing.json
      servopt solve staffing instances/case-d-outpatient.yaml \\
          --plan instances/case-d-outpatient.all-app.plan.yaml --json mix.json
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.staffing import solve_staffing

    net = load_input(file, None)
    plan = load_plan(plan_file, net) if plan_file else None
    options = build_options(StaffingOptions, flags)
    params = SolveParams(
        time_limit_s=time_left(time_limit), seed=seed, solver=solver, mip_gap=mip_gap
    )
    result = solve_staffing(net, options, params, plan=plan)
    report(result, json_out, format_result(result), file)


ROSTER_FLAGS = [
    field_option(
        RosterOptions, "weeks", "--weeks", type=click.IntRange(1, 52), help="Weeks to roster."
    ),
    field_option(
        RosterOptions,
        "min_rest_h",
        "--min-rest-h",
        type=Number(0, 24),
        help="Least hours between the end of one shift and the start of the next.",
    ),
    field_option(
        RosterOptions,
        "max_consecutive_days",
        "--max-consecutive-days",
        type=click.IntRange(1, None),
        help="Most working days in a row.",
    ),
    field_option(
        RosterOptions,
        "min_days_off_per_week",
        "--min-days-off",
        type=click.IntRange(0, 7),
        help="Least days off in each calendar week.",
    ),
    field_option(
        RosterOptions,
        "hours_tolerance_h",
        "--hours-tolerance-h",
        type=Number(0, 168),
        help="Weekly paid hours may differ from the contract by at most this.",
    ),
    field_option(
        RosterOptions,
        "min_proficiency",
        "--min-proficiency",
        type=Number(0, 1, min_open=True),
        help="Least proficiency to cover a skill.",
    ),
    field_option(
        RosterOptions,
        "under_cost",
        "--under-cost",
        type=NON_NEGATIVE,
        help="Price of each missing person on a requirement (default: three times the "
        "dearest shift at the dearest pool's rate).",
    ),
    field_option(
        RosterOptions,
        "fairness",
        "--fairness",
        type=click.Choice(["spread", "max"]),
        help="Fairness of weekends, nights and overtime in a pool: their spread or their max.",
    ),
    field_option(
        RosterOptions,
        "sample_days",
        "--sample-days",
        type=click.IntRange(0, 60),
        help="Field work from this many working days drawn from the sites' job rates, taken "
        "in turn (0: the file's jobs, every working day alike).",
    ),
    field_option(
        RosterOptions,
        "sample_seed",
        "--sample-seed",
        type=click.IntRange(0, 2**31 - 1),
        help="Seed of the sample days.",
    ),
]


@solve.command(name="roster")
@click.argument("file", type=click.Path())
@PLAN
@with_options(ROSTER_FLAGS)
@SOLVE_OPTIONS[0]
@SOLVE_OPTIONS[1]
@click.option(
    "--threads",
    type=click.IntRange(1, 64),
    default=None,
    help="CP-SAT threads. Default: one, a search that gives the same roster for the same "
    "seed; more run CP-SAT's parallel portfolio, stronger and not reproducible.",
)
@JSON_OUT
@reports_errors
def solve_roster_cmd(
    file: str,
    plan_file: str | None,
    time_limit: float,
    seed: int,
    threads: int | None,
    json_out: str | None,
    **flags: Any,
) -> None:
    """Roster named people on the shifts their pools must cover, over whole weeks (CP-SAT).

    Hard: one shift a day, the pool's shifts on their weekdays, leave, skills at
    --min-proficiency, --min-rest-h between shifts, --max-consecutive-days, --min-days-off a
    week, weekly hours within the contract +- --hours-tolerance-h. Priced: each missing person
    (--under-cost), overtime at the pool's rate, preferences broken, and the fairness of
    weekends, nights and overtime within each pool. What each pool must cover comes from the
    plan: field pools from dispatch's day (routes, repeat visits, part returns, deferred
    drops; --sample-days N: N days drawn from the job rates), channel pools from staffing.
    People are the pools' members, the rest generated from head counts. Reports the gap
    CP-SAT proves, each pool's load, overtime and expected leavers, and the field's work
    against the roster: overtime a person and leavers from each person's load.

    \b
    Examples:
      servopt solve roster instances/case-a-aftersales.yaml --weeks 4 --time-limit 30
      servopt solve roster instances/case-a-aftersales.yaml \\
          --plan instances/case-a-aftersales.cost-only.plan.yaml --json roster.json
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.staffing.roster_solve import solve_roster

    net = load_input(file, None)
    plan = load_plan(plan_file, net) if plan_file else None
    options = build_options(RosterOptions, flags)
    params = SolveParams(time_limit_s=time_left(time_limit), seed=seed, threads=threads)
    result = solve_roster(net, plan, options, params)
    report(result, json_out, format_result(result), file)
