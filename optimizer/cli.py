"""The ``servopt`` command line: thin over the same API the notebooks use.

Exit codes: 0 success; 2 bad input (a file, field or value; the message names it) or a usage
error; 1 any other failure the tool reports (a solver that cannot run). A user mistake never ends
in a traceback.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from servopt.models.describe import describe, format_description
from servopt.models.errors import BadInputError, ServoptError
from servopt.models.io import (
    NetworkFormat,
    detect_kind,
    dump_text,
    json_schema,
    load_network,
    network_from_data,
    plan_from_data,
    plan_network_path,
    read_data,
    write_atomic,
)

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def reports_errors(fn: F) -> F:
    """Turn servopt's errors into a message on stderr and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BadInputError as e:
            _fail(f"error: {e}", EXIT_BAD_INPUT)
        except ServoptError as e:
            _fail(f"error: {e}", EXIT_FAILURE)
        except OSError as e:  # writing an output file
            _fail(f"error: {e.filename or ''}: {e.strerror}", EXIT_BAD_INPUT)

    return wrapper  # type: ignore[return-value]


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in NetworkFormat]),
    default=None,
    help="Input format: servopt YAML/JSON (default), or a benchmark: orlib-cap, solomon.",
)
ROUNDING = click.option(
    "--distance",
    type=click.Choice(["truncate_1dp", "exact"]),
    default=None,
    help="Solomon only: arc distances truncated to one decimal (the bks.csv convention, "
    "default) or exact.",
)


def _load(path: str, fmt: str | None, distance: str | None = None) -> Any:
    options = {"rounding": distance} if distance and fmt == NetworkFormat.SOLOMON else {}
    if distance and fmt != NetworkFormat.SOLOMON:
        raise BadInputError(
            f"--distance applies to --format solomon only, got --format {fmt or 'servopt'}", path
        )
    return load_network(path, fmt, **options)


def _write_output(path: str | None, text: str) -> None:
    if path is None or path == "-":
        click.echo(text, nl=not text.endswith("\n"))
    else:
        write_atomic(path, text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="servopt")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def main(verbose: int) -> None:
    """servopt: plan service operations on cost and customer value.

    \b
    Examples:
      servopt validate instances/*.yaml
      servopt describe instances/case-a-aftersales.yaml
      servopt describe ../shared/benchmarks/orlib-cap/cap41.txt --format orlib-cap
      servopt generate --sites 1000 --depots 50 --technicians 200 --seed 7 -o net.yaml
      servopt schema -o network.schema.json
    """
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@FORMAT
@ROUNDING
def validate(files: tuple[str, ...], fmt: str | None, distance: str | None) -> None:
    """Check network and plan files; report every problem found.

    A plan file (``kind: plan``) is also checked against the network it names.
    Exit code 0 when every file is valid, 2 otherwise.

    \b
    Examples:
      servopt validate instances/*.yaml
      servopt validate ../shared/benchmarks/solomon/C101.txt --format solomon
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
        net = _load(path, fmt, distance)
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
@click.option(
    "--json",
    "json_out",
    type=click.Path(),
    default=None,
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
    data = describe(_load(file, fmt, distance))
    if json_out == "-":
        click.echo(json.dumps(data, indent=1))
        return
    click.echo(format_description(data))
    if json_out:
        write_atomic(json_out, json.dumps(data, indent=1) + "\n")


@main.command()
@click.option(
    "--kind",
    type=click.Choice(["network", "plan"]),
    default="network",
    show_default=True,
    help="Schema of network files or of plan files.",
)
@click.option(
    "-o", "--output", type=click.Path(), default=None, help="Write to this file instead of stdout."
)
@reports_errors
def schema(kind: str, output: str | None) -> None:
    """Print the JSON Schema of instance (or plan) files.

    \b
    Examples:
      servopt schema -o network.schema.json
      servopt schema --kind plan
    """
    _write_output(output, json.dumps(json_schema(kind), indent=1) + "\n")


@main.command()
@click.option("--sites", type=click.IntRange(min=0), default=200, show_default=True)
@click.option("--depots", type=click.IntRange(min=0), default=10, show_default=True)
@click.option("--technicians", type=click.IntRange(min=0), default=40, show_default=True)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Concrete jobs (for dispatch) to generate.",
)
@click.option("--skills", type=click.IntRange(1, 26), default=4, show_default=True)
@click.option(
    "--capacity-ratio",
    type=click.FloatRange(min=0.01),
    default=1.4,
    show_default=True,
    help="Total depot capacity over total demand.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    default=None,
    help="Output file (.yaml or .json); stdout when omitted.",
)
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
    _write_output(output, dump_text(net, fmt))
    if output:
        click.echo(f"wrote {output}: {_counts(net)}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
