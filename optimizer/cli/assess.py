"""``servopt assess``: the method's chain on a network and a proposal, as one HTML report.

Thin over :func:`servopt.optimizer.assess.assess` and
:func:`servopt.optimizer.report.write_report`, which any notebook calls the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

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


@click.command(name="assess")
@click.argument("network_file", type=click.Path())
@click.option(
    "--proposal",
    "proposal_file",
    type=click.Path(),
    default=None,
    help="The proposed redesign to check (pre-mortem) and place on the frontier.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="Folder for the report (index.html); made if missing.",
)
@click.option(
    "--time-limit",
    "time_limit",
    type=Number(10.0),
    default=480.0,
    show_default=True,
    help="Seconds for the whole chain, reading the input included.",
)
@click.option(
    "--points", type=click.IntRange(2, 20), default=5, show_default=True, help="Frontier points."
)
@seed_option("Seed of every solve and of the sample days (0 <= seed < 2**31).")
@JSON_OUT
@reports_errors
def assess_cmd(
    network_file: str,
    proposal_file: str | None,
    out_dir: str,
    time_limit: float,
    points: int,
    seed: int,
    json_out: str | None,
) -> None:
    """Current state, process map, moments of truth, frontier, pre-mortem of the proposal,
    recommended plan and the KPIs to monitor, in one HTML file (OUT/index.html: figures inline
    as SVG, nothing to fetch, works offline). Progress on stderr.

    \b
    Examples:
      servopt assess instances/case-a-aftersales.yaml \\
          --proposal instances/case-a-aftersales.cost-only.plan.yaml --out report/
    """
    from servopt.models.errors import BadInputError, Problem
    from servopt.models.io import load_plan
    from servopt.optimizer.assess import assess
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.report import write_report

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BadInputError([Problem("--out", f"cannot make folder {out_dir!r}: {err}")]) from err
    net = load_input(network_file, None)
    proposal = load_plan(proposal_file, net) if proposal_file else None
    a = assess(
        net,
        proposal,
        SolveParams(time_limit_s=time_left(time_limit), seed=seed),
        progress=lambda m: click.echo(m, err=True),
        frontier_points=points,
    )
    size = write_report(a, str(out / "index.html"))
    if json_out:
        write_output(json_out, json.dumps(a.to_dict(), indent=1) + "\n")
    if json_out != "-":
        click.echo(
            f"wrote {out / 'index.html'} ({size / 1e6:.2f} MB) in {a.seconds:.0f} s; "
            f"recommended: {a.recommended}"
        )
        if a.premortem is not None:
            hits = ", ".join(a.premortem.triggered) or "none"
            click.echo(f"pre-mortem of {a.premortem.proposal}: triggered {hits}")
