"""``servopt sweep``: many scenarios of one decision, one table.

Thin over :func:`servopt.optimizer.sweep.sweep`, which a notebook calls the same way.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import replace
from typing import Any

import click

from servopt.optimizer.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_NO_PLAN,
    FORMAT,
    ROUNDING,
    Number,
    load_input,
    output_option,
    reports_errors,
    time_left,
    write_output,
)


def _exit_code(statuses: list[str]) -> int:
    """The worst outcome among the scenarios: a change refused 2, a scenario failed 1, one
    without a plan (infeasible, none in time, skipped) 3, else 0."""
    if "bad_input" in statuses:
        return EXIT_BAD_INPUT
    if "error" in statuses:
        return EXIT_FAILURE
    if any(s not in ("optimal", "feasible") for s in statuses):
        return EXIT_NO_PLAN
    return 0


@click.command(name="sweep")
@click.argument("file", type=click.Path())
@click.option(
    "--grid",
    "grid_file",
    type=click.Path(),
    required=True,
    help="The grid file (YAML or JSON): decision, options, params, and grid or scenarios.",
)
@click.option(
    "--backend",
    type=click.Choice(["serial", "processes", "dask"]),
    default=None,
    help="Where the scenarios run: this process, local processes (default), or Dask "
    "(a LocalCluster, or the cluster of --scheduler; needs the 'dask' extra).",
)
@click.option(
    "--workers",
    type=Number(1, 1024, integer=True),
    default=None,
    help="Local processes or LocalCluster workers (default: this machine's cores; with "
    "--scheduler, the cluster's own).",
)
@click.option(
    "--scheduler",
    default=None,
    help="Address of a Dask scheduler (tcp://host:8786): run on that cluster (implies "
    "--backend dask).",
)
@click.option(
    "--time-limit",
    "time_limit",
    type=Number(0.01),
    default=None,
    help="Seconds for the whole sweep, reading the input included (default: the grid's "
    "time_limit_s, else none beyond each scenario's own params.time_limit_s).",
)
@FORMAT
@ROUNDING
@output_option(
    "--json",
    "json_out",
    help="Write the table as JSON (decision, units, backend, rows with their parameters) to "
    "this file; '-' for stdout, and then nothing else on stdout.",
)
@output_option("--csv", "csv_out", help="Write the table as CSV to this file ('-': stdout).")
@reports_errors
def sweep_cmd(
    file: str,
    grid_file: str,
    backend: str | None,
    workers: int | None,
    scheduler: str | None,
    time_limit: float | None,
    fmt: str | None,
    distance: str | None,
    json_out: str | None,
    csv_out: str | None,
) -> None:
    """Solve a grid or a list of scenarios of one decision and tabulate them.

    Each scenario changes options (options.service_level, options.value_weight), solve
    parameters (params.seed, params.time_limit_s), network fields by path
    (pools[id=ID].headcount, segments[id=ID].downtime_cost_per_hour) or demand
    (demand_scale: 1.2) and is solved through the decision's solve, with its own time limit
    and seed; the table has one row per scenario: its parameters, status, cost, value,
    objective, gap, seconds and error. A scenario that fails is a row, and the sweep goes on.
    The table is the same on every backend. Progress on stderr.

    Exit code: 0 when every scenario has a plan; otherwise the worst: 2 a change refused,
    1 a scenario failed, 3 one without a plan (infeasible, none in time, skipped by
    --time-limit). The table is written in every case.

    \b
    Grid file:
      decision: placement
      options: {objective: weighted}
      params: {time_limit_s: 20, seed: 1, mip_gap: 0.01, threads: 1}
      grid:
        options.service_level: [0.9, 0.95, 0.98, 0.99]
        options.value_weight: [0.001, 0.003, 0.01, 0.03]

    \b
    Examples:
      servopt sweep instances/case-d-outpatient.yaml \\
          --grid instances/sweeps/case-d-staffing.grid.yaml --workers 2 --json sweep.json
      servopt sweep instances/case-a-aftersales.yaml \\
          --grid instances/sweeps/case-a-placement.grid.yaml --backend dask --workers 2
    """
    from servopt.models.errors import BadInputError, Problem
    from servopt.models.formats import solve_rules
    from servopt.optimizer.sweep import load_grid, sweep

    if json_out == "-" and csv_out == "-":
        raise BadInputError([Problem("--csv", "only one of --json and --csv can be '-'")])
    net = load_input(file, fmt, distance)
    grid = load_grid(grid_file)
    grid.check(net)
    scenarios: Any = grid.scenarios
    rules = solve_rules(fmt, grid.decision)
    if rules:
        fixed = sorted(
            {p for s in scenarios for p in s.changes if p.removeprefix("options.") in rules}
        )
        if fixed:
            raise BadInputError(
                [Problem(p, f"is fixed by --format {fmt}") for p in fixed], grid_file
            )
        scenarios = [replace(s, options={**s.options, **rules}) for s in scenarios]
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        # Dask's own INFO lines (scheduler and workers starting, keys cancelled) only with -v;
        # read when dask.distributed is imported, here and in its worker processes.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    limit = time_limit if time_limit is not None else grid.time_limit_s
    with click.progressbar(
        length=len(scenarios),
        label=f"sweep of {len(scenarios)} scenarios",
        file=sys.stderr,
        show_pos=True,
        item_show_func=lambda name: name,
    ) as bar:
        table = sweep(
            net,
            scenarios,
            backend=backend or ("dask" if scheduler else "processes"),
            workers=workers,
            scheduler=scheduler,
            time_limit_s=None if limit is None else time_left(limit),
            keep_results=False,
            progress=lambda row, done, total: bar.update(1, row.scenario),
        )
    if json_out:
        write_output(json_out, json.dumps(table.to_dict(), indent=1) + "\n")
    if csv_out:
        write_output(csv_out, table.to_csv())
    if "-" not in (json_out, csv_out):
        click.echo(table.summary())
    code = _exit_code([r.status for r in table.rows])
    if code:
        bad = sum(not r.has_plan for r in table.rows)
        click.echo(f"{bad} of {len(table.rows)} scenario(s) without a plan", err=True)
        sys.exit(code)
