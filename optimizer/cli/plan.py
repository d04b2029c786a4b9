"""``servopt plan``: one plan for placement, staffing and dispatch, priced per year.

Thin over :func:`servopt.optimizer.joint.plan_joint`, which any notebook calls the same way.
"""

from __future__ import annotations

import json

import click

from servopt.optimizer.cli.common import (
    JSON_OUT,
    Number,
    load_input,
    reports_errors,
    seed_option,
    time_left,
    write_output,
)


@click.command(name="plan")
@click.argument("network_file", type=click.Path())
@click.option(
    "--proposal",
    "proposal_file",
    type=click.Path(),
    default=None,
    help="A proposed redesign to price beside today's, the sequential and the joint plan.",
)
@click.option(
    "--objective",
    type=click.Choice(["cost", "value", "weighted"]),
    default="weighted",
    show_default=True,
    help="What the joint plan minimises a year: cost, downtime, or cost + W x downtime.",
)
@click.option(
    "--value-weight", type=Number(0), default=1.0, show_default=True, help="W of weighted."
)
@click.option(
    "--days", type=click.IntRange(1, 30), default=5, show_default=True, help="Sample days."
)
@click.option(
    "--rounds", type=click.IntRange(0, 20), default=5, show_default=True, help="Most rounds."
)
@click.option(
    "--time-limit",
    "time_limit",
    type=Number(1.0),
    default=300.0,
    show_default=True,
    help="Seconds for the whole search, reading the input included.",
)
@seed_option("Seed of the sample days and of every solve (0 <= seed < 2**31).")
@JSON_OUT
@reports_errors
def plan_cmd(
    network_file: str,
    proposal_file: str | None,
    objective: str,
    value_weight: float,
    days: int,
    rounds: int,
    time_limit: float,
    seed: int,
    json_out: str | None,
) -> None:
    """One plan for depots and stock, field head counts and dispatch that see each other.

    Prices today's network, the proposal (if given), the sequential plan (placement, then
    staffing from the job rates, then dispatch) and the joint plan (rounds that feed
    dispatch's return visits back into placement and size each field pool from its measured
    hours, kept while the year's objective falls), all per year on the same sample days:
    depots, stock, freight, labour, overtime, contractors, travel, subcontracted jobs and
    leavers; and the customers' downtime. Progress on stderr, one line per plan and round.

    \b
    Examples:
      servopt plan instances/case-a-aftersales.yaml \\
          --proposal instances/case-a-aftersales.cost-only.plan.yaml --json r.json
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.joint import JointOptions, plan_joint
    from servopt.optimizer.params import Objective, SolveParams

    net = load_input(network_file, None)
    proposal = load_plan(proposal_file, net) if proposal_file else None
    if proposal is not None and not proposal.name:
        proposal = proposal.replace(name="proposal")
    options = JointOptions(
        objective=Objective(objective), value_weight=value_weight, days=days, rounds=rounds
    )
    result = plan_joint(
        net,
        proposal,
        options,
        SolveParams(time_limit_s=time_left(time_limit), seed=seed),
        progress=lambda msg: click.echo(msg, err=True),
    )
    if json_out:
        write_output(json_out, json.dumps(result.to_dict(), indent=1) + "\n")
    if json_out != "-":
        click.echo(result.summary(net.currency or ""))
