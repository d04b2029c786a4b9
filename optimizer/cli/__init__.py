"""The ``servopt`` command line: thin over the same API the notebooks use.

Modules: :mod:`.common` (exit codes, error reporting, the options every solve shares, reading
and writing), :mod:`.solve` and :mod:`.evaluate` (one command per decision), :mod:`.format`
(readable reports from typed KPIs), :mod:`.analyse` (queue, journey, simulate). This module
holds the main group and the commands on files: validate, describe, schema, generate.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from servopt.models.describe import describe, format_description
from servopt.models.errors import BadInputError
from servopt.models.formats import NetworkFormat
from servopt.models.io import (
    detect_kind,
    dump_text,
    json_schema,
    network_from_data,
    plan_from_data,
    plan_network_path,
    read_data,
    write_atomic,
)
from servopt.optimizer.cli.analyse import journey, queue, simulate
from servopt.optimizer.cli.assess import assess_cmd
from servopt.optimizer.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_NO_PLAN,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_VIOLATIONS,
    FORMAT,
    GENERATE_COUNT,
    ROUNDING,
    Number,
    install_signal_handlers,
    load_input,
    mark_start,
    output_option,
    reports_errors,
    seed_option,
    write_output,
)
from servopt.optimizer.cli.evaluate import evaluate
from servopt.optimizer.cli.plan import plan_cmd
from servopt.optimizer.cli.solve import solve
from servopt.optimizer.cli.sweep import sweep_cmd
from servopt.optimizer.cli.tradeoff import compare_cmd, frontier_cmd, premortem_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="servopt")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """servopt: plan service operations on cost and customer value.

    \b
    Examples:
      servopt validate instances/*.yaml
      servopt describe instances/case-a-aftersales.yaml
      servopt describe instances/benchmarks/orlib-cap/cap41.txt --format orlib-cap
      servopt generate --sites 1000 --depots 50 --technicians 200 --seed 7 -o net.yaml
      servopt schema -o network.schema.json

    \b
    Exit codes (every command):
      0    success: files valid, a plan found (optimal, or feasible at the time
           limit), a plan evaluated without violations
      1    failure: a solver that cannot run or that failed; out of memory
      2    bad input or usage: a file, field or value (the message names it),
           an output path that cannot be written (checked before any work)
      3    solve: no plan (infeasible, or none within the time limit; the
           reasons are printed)
      4    evaluate: the plan was priced and has violations (each printed)
      130  interrupted (SIGINT, Ctrl-C); 143 terminated (SIGTERM): temporary
           files removed, solver processes stopped, no output file written

    Seeds are whole numbers 0 <= seed < 2**31 (2147483648) everywhere.
    """
    mark_start()
    install_signal_handlers(ctx)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@FORMAT
@ROUNDING
def validate(files: tuple[str, ...], fmt: str | None, distance: str | None) -> None:
    """Check network and plan files; report every problem found.

    A plan file (``kind: plan``), or a solve's result file (``--json``), is also checked
    against the network it names. Every invalid file makes the run fail as bad input (exit
    codes: ``servopt --help``).

    \b
    Examples:
      servopt validate instances/*.yaml
      servopt validate instances/benchmarks/solomon/C101.txt --format solomon
    """
    bad = 0
    for f in files:
        try:
            click.echo(f"ok   {f}: {_validate_one(f, fmt, distance)}")
        except BadInputError as e:
            bad += 1
            click.echo(f"FAIL {f}: {len(e.problems)} problem(s)", err=True)
            for p in e.problems:
                click.echo(f"  {p}", err=True)
    if bad:
        click.echo(f"{bad} of {len(files)} file(s) invalid", err=True)
        sys.exit(EXIT_BAD_INPUT)


def _validate_one(path: str, fmt: str | None, distance: str | None) -> str:
    if fmt and fmt != NetworkFormat.SERVOPT:
        net = load_input(path, fmt, distance)
        return _counts(net)
    data = read_data(path)
    if detect_kind(data) == "plan":
        plan = plan_from_data(data, path)
        net_path = plan_network_path(path, plan)
        if net_path is None:
            return f"plan {plan.name!r} (names no network; not checked against one)"
        net = network_from_data(read_data(net_path), str(net_path))
        problems = plan.check_against(net)
        if problems:
            raise BadInputError(problems, path)
        return f"plan {plan.name!r} fits network {net.name!r}"
    return _counts(network_from_data(data, path))


def _counts(net: Any) -> str:
    return (
        f"network {net.name!r}: {len(net.depots)} depots, {len(net.sites)} sites, "
        f"{net.headcount} staff, {len(net.jobs)} jobs, {len(net.journeys)} journeys"
    )


@main.command(name="describe")
@click.argument("file", type=click.Path())
@FORMAT
@ROUNDING
@output_option(
    "--json",
    "json_out",
    help="Also write the figures as JSON to this file ('-' for stdout only).",
)
@reports_errors
def describe_cmd(file: str, fmt: str | None, distance: str | None, json_out: str | None) -> None:
    """A readable summary of a network.

    Counts, total demand against total capacity, skill coverage, which segments can reach which
    channels, and journey statistics (departments, hand-offs, rework loops).

    \b
    Examples:
      servopt describe instances/case-a-aftersales.yaml
      servopt describe instances/case-d-outpatient.yaml --json case-d.json
    """
    data = describe(load_input(file, fmt, distance))
    if json_out == "-":
        click.echo(json.dumps(data, indent=1))
        return
    if json_out:  # first: the file does not depend on the terminal
        write_atomic(json_out, json.dumps(data, indent=1) + "\n")
    click.echo(format_description(data))


@main.command()
@click.option(
    "--kind",
    type=click.Choice(["network", "plan"]),
    default="network",
    show_default=True,
    help="Schema of network files or of plan files.",
)
@output_option("-o", "--output", help="Write to this file instead of stdout.")
@reports_errors
def schema(kind: str, output: str | None) -> None:
    """Print the JSON Schema of instance (or plan) files.

    \b
    Examples:
      servopt schema -o network.schema.json
      servopt schema --kind plan
    """
    write_output(output, json.dumps(json_schema(kind), indent=1) + "\n")


@main.command()
@click.option("--sites", type=GENERATE_COUNT, default=200, show_default=True)
@click.option("--depots", type=GENERATE_COUNT, default=10, show_default=True)
@click.option("--technicians", type=GENERATE_COUNT, default=40, show_default=True)
@click.option(
    "--jobs",
    type=GENERATE_COUNT,
    default=0,
    show_default=True,
    help="Concrete jobs (for dispatch) to generate.",
)
@click.option("--skills", type=click.IntRange(1, 26), default=4, show_default=True)
@click.option(
    "--capacity-ratio",
    type=Number(0.01),
    default=1.4,
    show_default=True,
    help="Total depot capacity over total demand.",
)
@seed_option()
@output_option("-o", "--output", help="Output file (.yaml or .json); stdout when omitted.")
@reports_errors
def generate(
    sites: int,
    depots: int,
    technicians: int,
    jobs: int,
    skills: int,
    capacity_ratio: float,
    seed: int,
    output: str | None,
) -> None:
    """Generate a synthetic network; the same seed always gives the same file.

    \b
    Examples:
      servopt generate --sites 1000 --depots 50 --technicians 200 --seed 7 -o net.yaml
      servopt generate --sites 100 --depots 5 --technicians 20 --jobs 150 -o small.json
    """
    from servopt.models.generate import generate_data

    data = generate_data(
        sites, depots, technicians, seed, skills=skills, jobs=jobs, capacity_ratio=capacity_ratio
    )
    net = network_from_data(data, "<generated>")
    fmt = "json" if output and Path(output).suffix.lower() == ".json" else "yaml"
    write_output(output, dump_text(net, fmt))
    if output:
        click.echo(f"wrote {output}: {_counts(net)}", err=True)


for _command in (
    solve,
    evaluate,
    frontier_cmd,
    compare_cmd,
    premortem_cmd,
    plan_cmd,
    assess_cmd,
    sweep_cmd,
    queue,
    journey,
    simulate,
):
    main.add_command(_command)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILURE",
    "EXIT_NO_PLAN",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "EXIT_VIOLATIONS",
    "main",
]
