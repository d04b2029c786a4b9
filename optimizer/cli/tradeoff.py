"""``servopt frontier`` and ``servopt compare``: the trade-off between the company's cost and
the customers' cost, and plans side by side.

Thin over :func:`servopt.optimizer.frontier.frontier` and
:func:`servopt.optimizer.compare.compare`, which any notebook calls the same way.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from servopt.models.formats import solve_rules
from servopt.optimizer.cli.common import (
    EXIT_NO_PLAN,
    FORMAT,
    JSON_OUT,
    ROUNDING,
    SOLVE_OPTIONS,
    Number,
    build_options,
    load_input,
    output_option,
    reports_errors,
    time_left,
    write_output,
)


@click.command(name="frontier")
@click.argument("file", type=click.Path())
@click.option(
    "--decision",
    type=click.Choice(["placement", "dispatch", "staffing"]),
    required=True,
    help="The decision whose plans are traded off.",
)
@click.option(
    "--points",
    type=Number(2, 200, integer=True),
    default=8,
    show_default=True,
    help="How many plans at most, the two ends included.",
)
@click.option(
    "--plan",
    "proposal_file",
    type=click.Path(),
    default=None,
    help="A proposal (plan file) to price on the same model and place on the chart.",
)
@FORMAT
@ROUNDING
@SOLVE_OPTIONS[0]
@SOLVE_OPTIONS[1]
@JSON_OUT
@output_option("--plot", "plot_out", help="Draw the frontier to this file (.svg or .png).")
@reports_errors
def frontier_cmd(
    file: str,
    decision: str,
    points: int,
    proposal_file: str | None,
    fmt: str | None,
    distance: str | None,
    time_limit: float,
    seed: int,
    json_out: str | None,
    plot_out: str | None,
) -> None:
    """The plans no other plan beats on both the company's cost and the customers' cost.

    Ends: the least-cost plan and the least-value plan, each lexicographic. Between them:
    AUGMECON2 (the augmented epsilon-constraint method, a cap on value held by the MILP) for
    placement; weighted sums with adaptive weights for dispatch and staffing, whose methods
    cannot hold a cap (these find the plans on the convex hull of the front only). Every point
    is priced by the decision's evaluator and keeps its solve's status (feasible: stopped by
    the time limit, not proven). The knee is the point farthest from the line between the ends.
    --time-limit is for the whole frontier. With --plan the proposal is priced on the same
    model and the points that dominate it are marked (*).

    \b
    Examples:
      servopt frontier instances/case-a-aftersales.yaml --decision placement --points 8 \\
          --plan instances/case-a-aftersales.cost-only.plan.yaml --plot frontier.svg
      servopt frontier instances/case-d-outpatient.yaml --decision staffing --time-limit 30
    """
    from servopt.models.io import load_plan
    from servopt.optimizer import DECISIONS
    from servopt.optimizer.frontier import frontier, plot_frontier
    from servopt.optimizer.params import SolveParams

    net = load_input(file, fmt, distance)
    d = DECISIONS[decision]
    proposal = load_plan(proposal_file, net) if proposal_file else None
    options = build_options(d.options, {}, rules=solve_rules(fmt, decision))
    fr = frontier(
        net,
        d,
        points=points,
        options=options,
        params=SolveParams(time_limit_s=time_left(time_limit), seed=seed),
        proposal=proposal,
    )
    if json_out:
        write_output(json_out, json.dumps(fr.to_dict(), indent=1) + "\n")
    if plot_out and fr.points:
        plot_frontier(fr, plot_out)
    if json_out != "-":
        click.echo(fr.summary())
    if not fr.points:
        sys.exit(EXIT_NO_PLAN)


@click.command(name="compare")
@click.argument("network_file", type=click.Path())
@click.argument("plan_files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--today/--no-today",
    default=True,
    show_default=True,
    help="Put today's network (an empty plan) first, as the baseline.",
)
@JSON_OUT
@reports_errors
def compare_cmd(
    network_file: str, plan_files: tuple[str, ...], today: bool, json_out: str | None
) -> None:
    """Plans side by side on the full model, with differences against the first.

    Each PLAN is a plan file or a solve's --json result. Every decision that can price every
    plan does (placement always; staffing when segments have contacts; dispatch when every
    plan has routes or a dispatch_policy): the objective (cost, value), violations, and every
    number of its KPIs, then the difference and % against the baseline (today's network, or
    the first PLAN with --no-today).

    \b
    Examples:
      servopt compare instances/case-a-aftersales.yaml \\
          instances/case-a-aftersales.cost-only.plan.yaml
      servopt compare instances/case-d-outpatient.yaml \\
          instances/case-d-outpatient.all-app.plan.yaml --json compare.json
    """
    from servopt.models.errors import BadInputError
    from servopt.models.io import plan_from_data, read_data
    from servopt.models.plan import Plan
    from servopt.optimizer.compare import compare

    net = load_input(network_file, None)
    plans: list[tuple[str, Plan]] = [("today", Plan())] if today else []
    for f in plan_files:
        plan = plan_from_data(read_data(f), f)
        problems = plan.check_against(net)
        if problems:
            raise BadInputError(problems, f)
        plans.append((plan.name or Path(f).stem, plan))
    result = compare(net, plans)
    if json_out:
        write_output(json_out, json.dumps(result.to_dict(), indent=1) + "\n")
    if json_out != "-":
        click.echo(result.table())


@click.command(name="premortem")
@click.argument("network_file", type=click.Path())
@click.option("--plan", "plan_file", type=click.Path(), required=True, help="The proposal.")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(),
    default=None,
    help="The plan to compare against (default: today's network).",
)
@click.option(
    "--repair/--no-repair",
    default=True,
    show_default=True,
    help="Also solve the cheapest placement that keeps the baseline's customer value.",
)
@SOLVE_OPTIONS[0]
@SOLVE_OPTIONS[1]
@JSON_OUT
@reports_errors
def premortem_cmd(
    network_file: str,
    plan_file: str,
    baseline_file: str | None,
    repair: bool,
    time_limit: float,
    seed: int,
    json_out: str | None,
) -> None:
    """Which failure modes of the case studies a proposal triggers, before anyone builds it.

    The proposal and the baseline are priced by every decision that can price both and every
    journey is analysed under both; each rule of the catalogue (cost-shifted,
    hidden-expediting, repeat-visits, overload-attrition, segment-excluded, tail-waits,
    rework-loop, capacity-lost, phantom-stock, shared-staff-overload) gives one finding:
    triggered, not triggered, or not computable on this model (said why), with its
    threshold, evidence and the entities at fault. Then a repair for placement: the cheapest
    plan that keeps the baseline's customer value. Exit 0 whatever it finds.

    \b
    Examples:
      servopt premortem instances/case-a-aftersales.yaml \\
          --plan instances/case-a-aftersales.cost-only.plan.yaml --time-limit 60
      servopt premortem instances/case-b-account-opening.yaml \\
          --plan instances/case-b-account-opening.redesign.plan.yaml --json findings.json
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.premortem import premortem

    net = load_input(network_file, None)
    proposal = load_plan(plan_file, net)
    baseline = load_plan(baseline_file, net) if baseline_file else None
    pm = premortem(
        net,
        proposal,
        baseline,
        params=SolveParams(time_limit_s=time_left(time_limit), seed=seed),
        repair=repair,
    )
    if json_out:
        write_output(json_out, json.dumps(pm.to_dict(), indent=1) + "\n")
    if json_out != "-":
        click.echo(pm.summary())
