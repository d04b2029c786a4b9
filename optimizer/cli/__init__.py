"""The ``servopt`` command line: thin over the same API the notebooks use.

The exit codes are documented in one place, the main group's help (``servopt --help``), and
defined once, as the ``EXIT_*`` constants below. A user mistake never ends in a traceback;
SIGINT and SIGTERM end a run through ``SystemExit``, so every ``finally`` block (temporary
folders, solver child processes) runs.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from servopt.models.describe import describe, format_description
from servopt.models.errors import BadInputError, ServoptError
from servopt.models.formats import NetworkFormat, load_network
from servopt.models.io import (
    check_writable,
    detect_kind,
    dump_text,
    json_schema,
    network_from_data,
    plan_from_data,
    plan_network_path,
    read_data,
    write_atomic,
)
from servopt.optimizer.params import SEED_LIMIT

EXIT_OK = 0
EXIT_FAILURE = 1  # a failure the tool reports: a solver that cannot run or that failed
EXIT_BAD_INPUT = 2  # bad input (a file, field, value or output path) or a usage error
EXIT_NO_PLAN = 3  # the solve ran and answered: infeasible, or no plan within the time limit
EXIT_VIOLATIONS = 4  # evaluate: the plan was priced and breaks constraints
EXIT_SIGINT = 128 + signal.SIGINT  # 130: interrupted (Ctrl-C)
EXIT_SIGTERM = 128 + signal.SIGTERM  # 143: terminated

#: Simulations that would draw more arrivals than this in all are refused at the command
#: line, an answer instead of a hang: SimPy ran about 50,000 callers a second here (measured:
#: 190,000 callers of `servopt simulate` in 4 s), so the cap is under a minute of simulation.
MAX_SIMULATED_ARRIVALS = 2_000_000

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
        except MemoryError:
            _fail(
                "error: out of memory: the instance or the run is too large for this machine",
                EXIT_FAILURE,
            )
        except BrokenPipeError:
            raise  # stdout closed (`| head`): click ends quietly with exit 1
        except OSError as e:  # writing an output file (write_atomic names the path given)
            where = f"{e.filename}: " if e.filename else ""
            _fail(f"error: {where}cannot write: {e.strerror or e}", EXIT_BAD_INPUT)

    return wrapper  # type: ignore[return-value]


class Number(click.ParamType):
    """A finite number in a range: NaN and infinities are refused, as are values out of range.

    ``integer``: a whole number. The message names the option, the value and the range.
    """

    def __init__(
        self,
        min: float | None = None,
        max: float | None = None,
        *,
        min_open: bool = False,
        max_open: bool = False,
        integer: bool = False,
        note: str = "",
    ) -> None:
        self.min, self.max = min, max
        self.min_open, self.max_open = min_open, max_open
        self.integer = integer
        self.note = note
        self.name = "integer" if integer else "float"

    def expected(self) -> str:
        def show(x: float) -> str:
            return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"

        what = "a whole number" if self.integer else "a finite number"
        parts = []
        if self.min is not None:
            parts.append(f"{'>' if self.min_open else '>='} {show(self.min)}")
        if self.max is not None:
            parts.append(f"{'<' if self.max_open else '<='} {show(self.max)}")
        text = f"{what} {' and '.join(parts)}" if parts else what
        return f"{text} {self.note}" if self.note else text

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, bool):
            self.fail(f"expected {self.expected()}, got {value!r}", param, ctx)
        v: float
        try:
            v = int(value) if self.integer else float(value)
        except (TypeError, ValueError, OverflowError):
            self.fail(f"expected {self.expected()}, got {value!r}", param, ctx)
        if self.integer and isinstance(value, float) and value != v:
            self.fail(f"expected {self.expected()}, got {value!r}", param, ctx)
        low = self.min is not None and (v <= self.min if self.min_open else v < self.min)
        high = self.max is not None and (v >= self.max if self.max_open else v > self.max)
        if not math.isfinite(v) or low or high:
            self.fail(f"expected {self.expected()}, got {value!r}", param, ctx)
        return v


POSITIVE = Number(0, min_open=True)
NON_NEGATIVE = Number(0)
FRACTION = Number(0, 1)
SERVICE_LEVEL = Number(0.5, 0.9999)
TARGET_SL = Number(0, 1, min_open=True, max_open=True)
OCCUPANCY = Number(0, 1, min_open=True)
AGENTS = Number(1, integer=True)
#: generate: 100,000 sites and as many jobs already make a file of about 35 MB (measured:
#: 20,000 of each, 7 MB), near the 64 MB servopt reads back (models.io.MAX_FILE_MB).
GENERATE_COUNT = Number(0, 100_000, integer=True)
#: The one seed range of the command line and of SolveParams: 0 <= seed < 2**31.
SEED = Number(
    0, SEED_LIMIT, max_open=True, integer=True, note="(2**31: the range every solver engine takes)"
)


def _seed_option(help: str = "Random seed (0 <= seed < 2**31).") -> Callable[[F], F]:
    return click.option("--seed", type=SEED, default=0, show_default=True, help=help)


def _output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check an output path when the command line is read, before any work: its folder must
    exist and be writable and the path must not be a directory ('-' is stdout)."""
    if value is None or value == "-":
        return value
    try:
        check_writable(value)
    except BadInputError as e:
        raise click.BadParameter(f"{value}: {e.problems[0].message}") from None
    return value


def _output_option(*names: str, help: str) -> Callable[[F], F]:
    return click.option(*names, type=click.Path(), default=None, callback=_output_path, help=help)


def _stop_children() -> None:
    """Send SIGTERM to this process's direct children (solver binaries), found in ``/proc``.

    :mod:`subprocess` kills a child when an exception interrupts ``run``, but a library that
    waits with ``Popen.wait()`` (PuLP's CBC) leaves it running; this stops those too. Where
    there is no ``/proc`` it does nothing."""
    me = os.getpid()
    try:
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
            # "pid (command) state ppid ...": the command may hold spaces and parentheses
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == me:
                os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError, IndexError):
            continue


def _install_signal_handlers(ctx: click.Context) -> None:
    """SIGINT and SIGTERM end the run with exit 130 or 143 through ``SystemExit``, so every
    ``finally`` block and context manager runs (temporary folders removed) and solver child
    processes are stopped (:func:`_stop_children`). A second signal during that clean-up is ignored
    (SIGKILL still works). A signal ignored when servopt starts (SIGINT in a background job
    of a shell script) stays ignored. The previous handlers come back when the command ends."""
    if threading.current_thread() is not threading.main_thread():
        return
    signals = tuple(
        s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) is not signal.SIG_IGN
    )
    previous = {s: signal.getsignal(s) for s in signals}

    def stop(signum: int, frame: Any) -> None:
        for s in signals:
            signal.signal(s, signal.SIG_IGN)
        _stop_children()
        try:
            sys.stderr.write(f"servopt: stopped by {signal.Signals(signum).name}\n")
            sys.stderr.flush()
        except (OSError, RuntimeError, ValueError):
            pass
        raise SystemExit(128 + signum)

    for s in signals:
        signal.signal(s, stop)

    def restore() -> None:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)

    ctx.call_on_close(restore)


FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in NetworkFormat]),
    default=None,
    help="Input format: servopt YAML/JSON (default), or a benchmark: orlib-cap, solomon.",
)
PLAN = click.option(
    "--plan",
    "plan_file",
    type=click.Path(),
    default=None,
    help="A plan whose changes apply (pool head counts and channels, redesigned journeys).",
)
HOURS_PER_DAY = click.option(
    "--hours-per-day",
    type=Number(0, 24, min_open=True),
    default=8.0,
    show_default=True,
    help="Opening hours over which each segment's demand_per_day arrives.",
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


#: When the command started: reading the input counts inside a solve's time limit.
_STARTED = time.perf_counter()


def _time_left(limit: float) -> float:
    """The solve's share of ``--time-limit`` after reading the input (at least a tenth of it,
    so that a slow read still leaves the solver something to do)."""
    return max(0.1 * limit, limit - (time.perf_counter() - _STARTED))


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
    global _STARTED
    _STARTED = time.perf_counter()
    _install_signal_handlers(ctx)
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
@_output_option(
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
    data = describe(_load(file, fmt, distance))
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
@_output_option("-o", "--output", help="Write to this file instead of stdout.")
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
@_seed_option()
@_output_option("-o", "--output", help="Output file (.yaml or .json); stdout when omitted.")
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


@main.group()
def solve() -> None:
    """Optimise a decision: placement (depots, assignments, stock), staffing, dispatch.

    Exit codes: ``servopt --help``.
    The ``--json`` result file can be given back to ``servopt evaluate`` as a plan.

    \b
    Examples:
      servopt solve placement instances/case-a-aftersales.yaml --objective weighted \\
          --value-weight 0.01 --time-limit 60 --json plan.json
    """


SOLVE_OPTIONS = [
    click.option(
        "--time-limit",
        "time_limit",
        type=Number(0.01),
        default=60.0,
        show_default=True,
        help="Seconds for the whole solve.",
    ),
    _seed_option("Random seed of the solver (0 <= seed < 2**31)."),
    click.option(
        "--solver",
        type=click.Choice(["highs", "cbc"]),
        default="highs",
        show_default=True,
        help="MILP solver (HiGHS binary from highsbox, or CBC).",
    ),
    click.option(
        "--mip-gap",
        type=Number(0, 1, max_open=True),
        default=1e-4,
        show_default=True,
        help="Relative gap at which a solve counts as optimal.",
    ),
    _output_option(
        "--json",
        "json_out",
        help="Write the result as JSON (status, objective, bound, gap, runtime_s, kpis, "
        "plan) to this file; '-' for stdout. `servopt evaluate` takes it as a plan.",
    ),
]


def solve_options(fn: F) -> F:
    for opt in reversed(SOLVE_OPTIONS):
        fn = opt(fn)
    return fn


@solve.command(name="placement")
@click.argument("file", type=click.Path())
@FORMAT
@click.option(
    "--objective",
    type=click.Choice(["cost", "value", "weighted"]),
    default="cost",
    show_default=True,
    help="cost: the company's cost; value: customer downtime "
    "(then cost); weighted: cost + W x downtime.",
)
@click.option(
    "--value-weight",
    type=NON_NEGATIVE,
    default=1.0,
    show_default=True,
    help="W for --objective weighted.",
)
@click.option(
    "--max-wait-hours",
    type=NON_NEGATIVE,
    default=None,
    help="Hard maximum expected parts wait for every site.",
)
@click.option(
    "--segment-max-wait/--no-segment-max-wait",
    default=False,
    show_default=True,
    help="Make each segment's max_wait_h a hard constraint.",
)
@click.option(
    "--service-level",
    type=SERVICE_LEVEL,
    default=0.95,
    show_default=True,
    help="Probability a request finds its part in stock.",
)
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
@click.option("--min-share", type=FRACTION, default=None)
@click.option(
    "--budget",
    type=NON_NEGATIVE,
    default=None,
    help="Upper bound on the total cost per period.",
)
@click.option("--single-sourcing", is_flag=True, help="Each site served by one depot.")
@click.option("--force-open", multiple=True, metavar="DEPOT", help="Keep this depot open.")
@click.option("--force-closed", multiple=True, metavar="DEPOT", help="Keep this depot closed.")
@solve_options
@reports_errors
def solve_placement_cmd(
    file: str,
    fmt: str | None,
    objective: str,
    value_weight: float,
    max_wait_hours: float | None,
    segment_max_wait: bool,
    service_level: float,
    service_levels: str | None,
    within_hours: float | None,
    min_share: float | None,
    budget: float | None,
    single_sourcing: bool,
    force_open: tuple[str, ...],
    force_closed: tuple[str, ...],
    time_limit: float,
    seed: int,
    solver: str,
    mip_gap: float,
    json_out: str | None,
) -> None:
    """Choose open depots, which depots serve each site, and stock per depot.

    Prices fixed, transport, replenishment, expediting (incl. air freight when road is too slow
    for a segment's deadline), cycle and safety stock (square-root pooling), and the customers'
    downtime while they wait for parts.

    \b
    Examples:
      servopt solve placement instances/case-a-aftersales.yaml --time-limit 60
      servopt solve placement instances/case-a-aftersales.yaml --objective weighted \\
          --value-weight 0.05 --json plan.json
      servopt solve placement instances/benchmarks/orlib-cap/cap41.txt --format orlib-cap
    """
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.placement.solve import solve_placement
    from servopt.optimizer.placement.terms import PlacementOptions

    net = _load(file, fmt)
    if fmt == NetworkFormat.ORLIB_CAP:
        options = PlacementOptions.cflp()
    else:
        options = PlacementOptions(
            service_level=service_level,
            max_wait_h=max_wait_hours,
            enforce_segment_max_wait=segment_max_wait,
            within_hours=within_hours,
            min_share_within=min_share,
            budget=budget,
            single_sourcing=single_sourcing,
            force_open=frozenset(force_open),
            force_closed=frozenset(force_closed),
        )
    params = SolveParams(
        time_limit_s=_time_left(time_limit), seed=seed, solver=solver, mip_gap=mip_gap
    )
    if service_levels:
        from servopt.optimizer.placement.solve import choose_service_level

        levels = _service_levels(service_levels)
        result = choose_service_level(
            net, levels, options, params, objective=objective, value_weight=value_weight
        )
    else:
        result = solve_placement(
            net, options, params, objective=objective, value_weight=value_weight
        )

    _report(result, json_out, format_placement(result.kpis) if result.plan else "", file)


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


@solve.command(name="staffing")
@click.argument("file", type=click.Path())
@PLAN
@HOURS_PER_DAY
@click.option("--max-occupancy", type=OCCUPANCY, default=0.85, show_default=True)
@click.option(
    "--preference-cost",
    type=NON_NEGATIVE,
    default=0.0,
    show_default=True,
    help="Price per contact routed to a channel the segment does not prefer.",
)
@click.option(
    "--by-interval",
    is_flag=True,
    help="Size every staffed channel per staffing interval (segments' "
    "arrival_profile) and cover the requirements with shifts.",
)
@click.option(
    "--target-sl",
    type=TARGET_SL,
    default=0.8,
    show_default=True,
    help="With --by-interval: service level to reach.",
)
@click.option(
    "--target-s",
    type=NON_NEGATIVE,
    default=20.0,
    show_default=True,
    help="With --by-interval: answer-time threshold, seconds.",
)
@solve_options
@reports_errors
def solve_staffing_cmd(
    file: str,
    plan_file: str | None,
    hours_per_day: float,
    max_occupancy: float,
    preference_cost: float,
    by_interval: bool,
    target_sl: float,
    target_s: float,
    time_limit: float,
    seed: int,
    solver: str,
    mip_gap: float,
    json_out: str | None,
) -> None:
    """Route each segment's demand over the channels it can use and staff the channels.

    Works on the average hour of the day (segment ``demand_per_day`` over ``--hours-per-day``):
    staff on duty per channel within the pools' head counts, at most ``--max-occupancy``, at
    least cost; expected waits per channel and per segment (Erlang C); segments over their
    ``max_wait_h`` listed. Interval-by-interval staffing needs per-interval demand, which the
    instance schema does not have yet: use the library (queueing.size_agents, shifts).

    \b
    Examples:
      servopt solve staffing instances/case-d-outpatient.yaml
      servopt solve staffing instances/case-d-outpatient.yaml \\
          --plan instances/case-d-outpatient.all-app.plan.yaml --json mix.json
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.params import SolveParams
    from servopt.optimizer.staffing.channels import plan_channels

    net = load_network(file)
    plan = load_plan(plan_file, net) if plan_file else None
    params = SolveParams(
        time_limit_s=_time_left(time_limit), seed=seed, solver=solver, mip_gap=mip_gap
    )
    if by_interval:
        from servopt.optimizer.staffing.channels import staff_by_interval

        staffing = staff_by_interval(
            net, plan, params, target_sl=target_sl, target_s=target_s, max_occupancy=max_occupancy
        )
        if json_out == "-":
            click.echo(json.dumps(staffing.to_dict(), indent=1))
        else:
            if json_out:  # first: the file does not depend on the terminal
                write_atomic(json_out, json.dumps(staffing.to_dict(), indent=1) + "\n")
            click.echo(f"status     {staffing.status.value}")
            for d in staffing.diagnostics:
                click.echo(f"note       {d}")
            click.echo(f"shift cost {staffing.cost:,.2f} per day")
            start = staffing.start_min
            for ch in staffing.channels:
                click.echo(
                    f"  channel {ch.channel}: staff needed per "
                    f"{staffing.interval_min:g} min from {int(start // 60):02d}:"
                    f"{int(start % 60):02d}: {' '.join(map(str, ch.requirements))}"
                )
                click.echo(f"    {ch.schedule.summary()}")
        _exit_without_plan(staffing.status)
        return
    mix = plan_channels(
        net,
        plan,
        params,
        hours_per_day=hours_per_day,
        max_occupancy=max_occupancy,
        preference_cost=preference_cost,
    )
    data = mix.to_dict()
    if json_out == "-":
        click.echo(json.dumps(data, indent=1))
    else:
        if json_out:  # first: the file does not depend on the terminal
            write_atomic(json_out, json.dumps(data, indent=1) + "\n")
        click.echo(f"status     {mix.status.value}")
        for d in mix.diagnostics:
            click.echo(f"note       {d}")
        if mix.cost_per_hour is not None:
            click.echo(f"cost       {mix.cost_per_hour:,.2f} per hour")
        for c, n in mix.staff.items():
            w = mix.channel_wait_min.get(c, math.nan)
            click.echo(f"  channel {c:<18} staff {n:>5}  wait {_minutes(w)}")
        for seg, flows in mix.flows.items():
            route = ", ".join(f"{c} {v:,.1f}/h" for c, v in flows.items())
            click.echo(f"  segment {seg:<24} wait {_minutes(mix.segment_wait_min[seg])}  {route}")
        for seg in mix.segments_over_target:
            click.echo(f"OVER TARGET {seg}: expected wait above its max_wait_h")
    _exit_without_plan(mix.status)


def _minutes(w: float) -> str:
    """A wait in minutes; NaN (not measured: e.g. a channel with no service time) is
    'unknown', infinity (an overloaded queue) 'unbounded'."""
    if math.isfinite(w):
        return f"{w:8.2f} min"
    return " unknown" if math.isnan(w) else "unbounded"


DISPATCH_PRICING = [
    click.option(
        "--objective",
        type=click.Choice(["cost", "value", "weighted"]),
        default="cost",
        show_default=True,
        help="Company cost (travel, labour, overtime, repeat visits), customer value (late "
        "hours past the SLA, repeat and drop downtime, by segment), or cost + W x value.",
    ),
    click.option(
        "--value-weight",
        type=NON_NEGATIVE,
        default=1.0,
        show_default=True,
        help="W for --objective weighted.",
    ),
    click.option(
        "--sla",
        type=click.Choice(["soft", "hard"]),
        default="soft",
        show_default=True,
        help="Job deadlines: priced per started hour late (soft) or binding (hard).",
    ),
    click.option(
        "--drop-cost",
        type=NON_NEGATIVE,
        default=10_000.0,
        show_default=True,
        help="Price of leaving a job undone today, on top of its downtime.",
    ),
]


def dispatch_pricing(fn: F) -> F:
    for opt in reversed(DISPATCH_PRICING):
        fn = opt(fn)
    return fn


def _dispatch_options(
    objective: str, value_weight: float, sla: str, drop_cost: float, **more: Any
) -> Any:
    from servopt.optimizer.dispatch.terms import DispatchOptions
    from servopt.optimizer.params import Objective

    return DispatchOptions(
        objective=Objective(objective),
        value_weight=value_weight,
        sla=sla,  # type: ignore[arg-type]
        drop_cost=drop_cost,
        **more,
    )


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
@dispatch_pricing
@click.option(
    "--iterations",
    type=Number(1, integer=True),
    default=None,
    help="Also stop after this many search iterations: the same seed then gives the same "
    "plan on any machine.",
)
@click.option(
    "--engine",
    type=click.Choice(["auto", "pyvrp", "exact"]),
    default="auto",
    show_default=True,
    help="Routing engine: 'exact' proves the optimum of up to 8 jobs (labels over job "
    "subsets), 'pyvrp' is the iterated local search for any size, 'auto' takes the exact "
    "method where it applies.",
)
@SOLVE_OPTIONS[0]
@SOLVE_OPTIONS[1]
@SOLVE_OPTIONS[4]
@reports_errors
def solve_dispatch_cmd(
    file: str,
    fmt: str | None,
    distance: str | None,
    plan_file: str | None,
    policy: str,
    objective: str,
    value_weight: float,
    sla: str,
    drop_cost: float,
    iterations: int | None,
    engine: str,
    time_limit: float,
    seed: int,
    json_out: str | None,
) -> None:
    """Route field technicians to jobs: skills, windows, shifts and overtime, SLAs, drops.

    Every plan passes the independent route checker before it is reported. For a Solomon
    file (--format solomon) every customer must be served and the objective is distance only
    (kpis.distance in the bks.csv convention, kpis.routes the number of routes).

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

    net = _load(file, fmt, distance)
    plan = load_plan(plan_file, net) if plan_file else None
    options = _dispatch_options(
        objective,
        value_weight,
        sla,
        drop_cost,
        allow_drops=fmt != NetworkFormat.SOLOMON,
        backend=engine,
    )
    result = solve_dispatch(
        net,
        options,
        SolveParams(time_limit_s=_time_left(time_limit), seed=seed),
        plan=plan,
        policy=policy,
        iterations=iterations,
    )
    _report(
        result,
        json_out,
        format_dispatch(result.kpis, result.plan) if result.kpis else "",
        file,
    )


def format_dispatch(k: Mapping[str, Any], plan: Any = None) -> str:
    """Readable dispatch KPIs: routes per technician, drops with reasons, SLA per segment."""
    out = [
        f"routes {k['routes']}  served {k['served']}  dropped {len(k['dropped'])}  "
        f"distance {k['distance']:,.1f} km  overtime {k['overtime_h']:,.1f} h  "
        f"expected repeat visits {k['repeat_visits_expected']:,.1f}"
    ]
    out.append(
        "cost "
        + ", ".join(f"{n} {v:,.0f}" for n, v in k["cost_parts"].items())
        + "; customer value lost "
        + ", ".join(f"{n} {v:,.0f}" for n, v in k["value_parts"].items())
    )
    out.append("SLA by segment (on time / due today; dropped; deferred to tomorrow)")
    for seg, v in k["sla"].items():
        att = "-" if v["attainment"] is None else f"{v['attainment']:.1%}"
        out.append(
            f"  {seg:<22} {att:>7}  {v['on_time']}/{v['with_deadline']}; dropped "
            f"{v['dropped']}; deferred {v['deferred']}  (jobs {v['jobs']})"
        )
    if plan is not None and plan.routes:
        out.append("routes (technician: jobs in order; km, back at, overtime)")
        for r, fig in zip(plan.routes, k["per_route"], strict=True):
            back = fig["return_min"]
            out.append(
                f"  {r.pool}#{r.member}: {' > '.join(r.jobs)}  ({fig['distance_km']:,.1f} km, "
                f"back {int(back // 60):02d}:{int(back % 60):02d}, overtime "
                f"{fig['overtime_min']:.0f} min)"
            )
    for d in k["dropped"]:
        out.append(f"  dropped {d['job']}: {d['reason']}")
    return "\n".join(out)


def format_placement(k: Mapping[str, Any]) -> str:
    """Readable placement KPIs: open depots, cost breakdown, waits per segment."""
    out = [f"open depots ({k['open_depots']}): " + ", ".join(k["depots"])]
    out.append("cost per period")
    for name, v in k["cost_breakdown"].items():
        out.append(f"  {name:<16} {v:>16,.2f}")
    out.append(f"  {'total':<16} {k['cost']:>16,.2f}")
    out.append(
        f"customer downtime  {k['value']:>16,.2f}   cost + downtime {k['total_with_downtime']:,.2f}"
    )
    out.append(
        f"expedited units {k['expedited_units']:,.0f}; air-freighted units "
        f"{k['air_freight_units']:,.0f}; safety stock {k['safety_stock_units']:,.0f} "
        "units"
    )
    out.append("expected parts wait by segment (hours)")
    for seg, v in k["segments"].items():
        if v["mean_wait_h"] is not None:
            out.append(
                f"  {seg:<22} mean {v['mean_wait_h']:8.1f}  worst site "
                f"{v['max_wait_h']:8.1f}  downtime {v['downtime_cost']:,.0f}"
            )
    return "\n".join(out)


def _result_data(result: Any, json_out: str, network_file: str | None) -> dict[str, Any]:
    """``result.to_dict()`` whose plan names the network it was solved on, relative to the
    result file (as a plan file names it), so that ``servopt evaluate`` can take the file."""
    data: dict[str, Any] = result.to_dict()
    if data.get("plan") is not None and network_file is not None:
        where = Path.cwd() if json_out == "-" else Path(json_out).absolute().parent
        data["plan"]["network"] = Path(
            os.path.relpath(Path(network_file).absolute(), where)
        ).as_posix()
    return data


def _report(
    result: Any, json_out: str | None, details: str, network_file: str | None = None
) -> None:
    if json_out == "-":
        click.echo(json.dumps(_result_data(result, json_out, network_file), indent=1))
    else:
        if json_out:  # first: the result file does not depend on the terminal
            data = _result_data(result, json_out, network_file)
            write_atomic(json_out, json.dumps(data, indent=1) + "\n")
        click.echo(result.summary())
        if details:
            click.echo(details)
    _exit_without_plan(result.status)


def _exit_without_plan(status: Any) -> None:
    """Exit 3 when a solve answered 'no plan' (infeasible, nothing within the limit), 1 on a
    solver error; return when there is a plan."""
    if not status.has_plan:
        sys.exit(EXIT_NO_PLAN if status.value in ("infeasible", "no_solution") else EXIT_FAILURE)


@main.command()
@click.option(
    "--model",
    type=click.Choice(["erlang-c", "erlang-a"]),
    default="erlang-c",
    show_default=True,
    help="Erlang C (no abandonment) or Erlang A (with patience).",
)
# queue: every value is checked by servopt.optimizer.staffing.queueing, whose messages name it.
@click.option("--arrivals-per-hour", type=float, required=True, help="Arrival rate.")
@click.option("--aht-s", type=float, required=True, help="Mean handling time, seconds.")
@click.option(
    "--agents",
    type=int,
    default=None,
    help="Figures for this many agents (otherwise: size to the targets).",
)
@click.option(
    "--target-sl",
    type=float,
    default=0.8,
    show_default=True,
    help="Service level to reach when sizing.",
)
@click.option(
    "--target-s",
    type=float,
    default=20.0,
    show_default=True,
    help="Answer-time threshold of the service level, seconds.",
)
@click.option("--max-occupancy", type=float, default=0.85, show_default=True)
@click.option("--patience-s", type=float, default=None, help="Mean patience (Erlang A).")
@click.option(
    "--shrinkage",
    type=float,
    default=0.0,
    show_default=True,
    help="Share of paid time not available (breaks, training, absence).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reports_errors
def queue(
    model: str,
    arrivals_per_hour: float,
    aht_s: float,
    agents: int | None,
    target_sl: float,
    target_s: float,
    max_occupancy: float,
    patience_s: float | None,
    shrinkage: float,
    as_json: bool,
) -> None:
    """Queueing figures of one interval, or the agents it needs.

    Prints agents, wait_probability, service_level (answered within --target-s), asa_s,
    occupancy and, for Erlang A, abandon_probability; when sizing, also scheduled (agents
    after shrinkage).

    \b
    Examples:
      servopt queue --arrivals-per-hour 200 --aht-s 180 --agents 12
      servopt queue --arrivals-per-hour 200 --aht-s 180 --target-sl 0.8 --target-s 20 --json
      servopt queue --model erlang-a --arrivals-per-hour 400 --aht-s 240 --patience-s 90
    """
    from servopt.optimizer.staffing.queueing import erlang_a, erlang_c, size_agents

    if model == "erlang-a" and patience_s is None:
        raise BadInputError("--patience-s: Erlang A needs the mean patience in seconds")
    scheduled = None
    if agents is not None:
        fig = (
            erlang_c(agents, arrivals_per_hour, aht_s, target_s)
            if model == "erlang-c"
            else erlang_a(agents, arrivals_per_hour, aht_s, patience_s, target_s)
        )
        data = fig.to_dict()
    else:
        sized = size_agents(
            [arrivals_per_hour],
            aht_s,
            target_sl=target_sl,
            target_s=target_s,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            model=model,
            patience_s=patience_s,
        )
        data = {k: (v[0] if isinstance(v, list) else v) for k, v in sized.figures.to_dict().items()}
        scheduled = int(sized.scheduled[0])
    keys = ["agents", "wait_probability", "service_level", "asa_s", "occupancy"]
    if model == "erlang-a":
        keys.append("abandon_probability")
    out = {k: data[k] for k in keys}
    out["offered_load"] = data["offered_load"]
    out["stable"] = data["stable"]
    if scheduled is not None:
        out["scheduled"] = scheduled
    if as_json:
        click.echo(json.dumps(out, indent=1))
        return
    for k, v in out.items():
        click.echo(f"{k:<20} {v:.6g}" if isinstance(v, float) else f"{k:<20} {v}")


JOURNEY_WARMUP_H = 2.0  # simulate_journey's defaults, which the CLI uses
JOURNEY_REPLICATIONS = 10
INTERVAL_WARMUP_H = 1.0  # simulate_interval's default


def _check_simulation_size(
    arrivals_per_hour: float, hours: float, replications: int, option: str
) -> None:
    """Refuse a simulation too long to finish in reasonable time (a hang, not an answer)."""
    arrivals = arrivals_per_hour * hours * replications
    if arrivals > MAX_SIMULATED_ARRIVALS:
        raise BadInputError(
            f"{option}: the simulation would draw about {arrivals:,.0f} arrivals "
            f"({arrivals_per_hour:,.6g} per hour x {hours:,.6g} h x {replications} "
            f"replications); at most {MAX_SIMULATED_ARRIVALS:,} are simulated: "
            "give fewer hours or replications"
        )


@main.command()
@click.argument("file", type=click.Path())
@PLAN
@click.option(
    "--journey",
    "journey_id",
    default=None,
    help="Journey id (default: every journey of the network).",
)
@click.option(
    "--arrivals-per-hour",
    type=POSITIVE,
    default=None,
    help="Arrival rate (default: the demand_per_day of the segments entering the journey, "
    "its segment, else those that can use its channel, / --hours-per-day).",
)
@HOURS_PER_DAY
@click.option(
    "--simulate",
    "sim_hours",
    type=POSITIVE,
    default=None,
    metavar="HOURS",
    help="Also simulate this many hours per replication (10 replications): the "
    "distribution of the end-to-end time.",
)
@_seed_option("Seed of the simulation (0 <= seed < 2**31).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reports_errors
def journey(
    file: str,
    plan_file: str | None,
    journey_id: str | None,
    arrivals_per_hour: float | None,
    hours_per_day: float,
    sim_hours: float | None,
    seed: int,
    as_json: bool,
) -> None:
    """End-to-end time, failure rate, hand-offs and moments of truth of journeys.

    The JSON holds, per journey, ``end_to_end_min`` (expected minutes, queueing waits
    included; null when a resource is overloaded, named in ``unstable``) and ``failure_rate``.

    \b
    Examples:
      servopt journey instances/case-b-account-opening.yaml
      servopt journey instances/case-b-account-opening.yaml \\
          --plan instances/case-b-account-opening.redesign.plan.yaml --json
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.journeys.analysis import analyse_journey, format_journey

    net = load_network(file)
    plan = load_plan(plan_file, net) if plan_file else None
    ids = [journey_id] if journey_id else [j.id for j in net.journeys]
    if not ids:
        raise BadInputError("the network has no journeys", file)
    figures = [
        analyse_journey(
            net, j, plan, arrivals_per_hour=arrivals_per_hour, hours_per_day=hours_per_day
        )
        for j in ids
    ]
    simulated = {}
    if sim_hours is not None:
        from servopt.optimizer.journeys.simulate import simulate_journey

        for f in figures:
            if f.arrivals_per_hour is None:
                raise BadInputError(
                    f"--simulate: journey {f.journey!r} has no arrival rate; "
                    "give --arrivals-per-hour"
                )
            _check_simulation_size(
                f.arrivals_per_hour,
                sim_hours + JOURNEY_WARMUP_H,
                JOURNEY_REPLICATIONS,
                "--simulate",
            )
            simulated[f.journey] = simulate_journey(
                net,
                f.journey,
                plan,
                arrivals_per_hour=f.arrivals_per_hour,
                hours=sim_hours,
                seed=seed,
            )
    if as_json:
        data = [
            {
                **f.to_dict(),
                **({"simulated": simulated[f.journey].to_dict()} if f.journey in simulated else {}),
            }
            for f in figures
        ]
        click.echo(json.dumps(data[0] if journey_id else data, indent=1))
        return
    for f in figures:
        click.echo(format_journey(f))
        if f.journey in simulated:
            sim = simulated[f.journey]
            mean, half = sim.end_to_end_min
            p = sim.percentiles_min
            click.echo(
                f"  simulated ({sim.cases:,} cases): end to end {mean:.1f} +/- {half:.1f}"
                f" min; p50 {p['p50']:.0f}, p90 {p['p90']:.0f}, p95 {p['p95']:.0f} min;"
                f" failure rate {sim.failure_rate[0]:.1%}"
            )


@main.command()
@click.option("--agents", type=AGENTS, required=True)
@click.option("--arrivals-per-hour", type=POSITIVE, required=True)
@click.option("--aht-s", type=POSITIVE, required=True, help="Mean handling time, seconds.")
@click.option(
    "--patience-s", type=POSITIVE, default=None, help="Mean patience: callers abandon (Erlang A)."
)
@click.option("--target-s", type=NON_NEGATIVE, default=20.0, show_default=True)
@click.option(
    "--hours",
    type=POSITIVE,
    default=8.0,
    show_default=True,
    help="Measured hours per replication (after a 1-hour warm-up).",
)
@click.option("--replications", type=Number(2, integer=True), default=10, show_default=True)
@_seed_option("Seed of the simulation (0 <= seed < 2**31).")
@click.option("--json", "as_json", is_flag=True)
@reports_errors
def simulate(
    agents: int,
    arrivals_per_hour: float,
    aht_s: float,
    patience_s: float | None,
    target_s: float,
    hours: float,
    replications: int,
    seed: int,
    as_json: bool,
) -> None:
    """Simulate a staffed interval (SimPy) and compare with Erlang C or A.

    \b
    Examples:
      servopt simulate --agents 12 --arrivals-per-hour 200 --aht-s 180 --hours 50
      servopt simulate --agents 10 --arrivals-per-hour 180 --aht-s 200 --patience-s 120 --json
    """
    from servopt.optimizer.staffing.queueing import erlang_a, erlang_c
    from servopt.optimizer.staffing.simulate import simulate_interval

    _check_simulation_size(
        arrivals_per_hour, hours + INTERVAL_WARMUP_H, replications, "--arrivals-per-hour/--hours"
    )
    sim = simulate_interval(
        agents,
        arrivals_per_hour,
        aht_s,
        patience_s=patience_s,
        target_s=target_s,
        hours=hours,
        replications=replications,
        seed=seed,
    )
    exact = (
        erlang_c(agents, arrivals_per_hour, aht_s, target_s)
        if patience_s is None
        else erlang_a(agents, arrivals_per_hour, aht_s, patience_s, target_s)
    )
    if as_json:
        data = {"simulated": sim.to_dict(), "analytic": exact.to_dict()}
        click.echo(json.dumps(data, indent=1, default=lambda v: None))
        return
    click.echo(f"{sim.callers:,} callers over {replications} replications of {hours:g} h")
    click.echo(f"{'':<20}{'simulated':>12}{'+/- 95%':>10}{'analytic':>12}")
    for key in ("wait_probability", "service_level", "asa_s", "occupancy", "abandon_probability"):
        mean, half = getattr(sim, key)
        click.echo(f"{key:<20}{mean:>12.4f}{half:>10.4f}{getattr(exact, key):>12.4f}")


@main.group()
def evaluate() -> None:
    """Price a plan, hand-written or optimised, on the full model.

    The plan is a plan file (``kind: plan``) or a solve's ``--json`` result file (its plan is
    taken). A plan with violations prints each and still writes its JSON, then the run ends
    with the "violations" exit code (exit codes: ``servopt --help``).

    \b
    Examples:
      servopt evaluate placement instances/case-a-aftersales.cost-only.plan.yaml
      servopt solve dispatch instances/case-a-aftersales.yaml --time-limit 10 --json routes.json
      servopt evaluate dispatch routes.json
      servopt solve placement instances/case-a-aftersales.yaml --json result.json
      servopt evaluate placement result.json
    """


def _exit_on_violations(violations: Any) -> None:
    if violations:
        click.echo(f"{len(violations)} violation(s)", err=True)
        sys.exit(EXIT_VIOLATIONS)


@evaluate.command(name="placement")
@click.argument("plan_file", type=click.Path())
@click.option(
    "--network",
    "network_file",
    type=click.Path(),
    default=None,
    help="Network file (default: the one the plan names).",
)
@FORMAT
@click.option("--service-level", type=SERVICE_LEVEL, default=0.95, show_default=True)
@_output_option("--json", "json_out", help="Write the KPIs and violations as JSON ('-': stdout).")
@reports_errors
def evaluate_placement_cmd(
    plan_file: str,
    network_file: str | None,
    fmt: str | None,
    service_level: float,
    json_out: str | None,
) -> None:
    """Every placement KPI of a plan, and the constraints it breaks.

    A plan that only names open depots serves each site from its nearest open depot. With
    ``--format orlib-cap`` the plan is priced as ``solve placement`` prices that format (the
    plain capacitated facility location problem).

    \b
    Examples:
      servopt evaluate placement instances/case-a-aftersales.cost-only.plan.yaml
      servopt solve placement instances/benchmarks/orlib-cap/cap41.txt --format orlib-cap \\
          --json cap41.json
      servopt evaluate placement cap41.json --format orlib-cap
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.placement.check import check_placement
    from servopt.optimizer.placement.evaluate import evaluate_placement
    from servopt.optimizer.placement.terms import PlacementOptions

    plan = load_plan(plan_file)
    net_path = network_file or plan_network_path(plan_file, plan)
    if net_path is None:
        raise BadInputError("the plan names no network; give --network FILE", plan_file)
    net = _load(str(net_path), fmt)
    problems = plan.check_against(net)
    if problems:
        raise BadInputError(problems, plan_file)
    if fmt == NetworkFormat.ORLIB_CAP:
        options = PlacementOptions.cflp()
    else:
        options = PlacementOptions(service_level=service_level)
    kpis = evaluate_placement(net, plan, options)
    violations = check_placement(net, plan, options)
    click.echo(f"plan {plan.name!r} on network {net.name!r}")
    click.echo(format_placement(kpis))
    for v in violations:
        click.echo(f"VIOLATION {v}")
    if json_out:
        data = {"kpis": kpis, "violations": violations}
        _write_output(json_out, json.dumps(data, indent=1) + "\n")
    _exit_on_violations(violations)


@evaluate.command(name="dispatch")
@click.argument("plan_file", type=click.Path())
@click.option(
    "--network",
    "network_file",
    type=click.Path(),
    default=None,
    help="Network file (default: the one the plan names).",
)
@FORMAT
@dispatch_pricing
@_output_option("--json", "json_out", help="Write the KPIs as JSON ('-': stdout).")
@reports_errors
def evaluate_dispatch_cmd(
    plan_file: str,
    network_file: str | None,
    fmt: str | None,
    objective: str,
    value_weight: float,
    sla: str,
    drop_cost: float,
    json_out: str | None,
) -> None:
    """Every dispatch KPI of a plan's routes (hand-written or solved), and what they break.

    Routes are checked by the independent route checker: skills and proficiency, windows,
    shifts and overtime, capacity, hard deadlines; unserved jobs are priced as drops. A plan
    with ``dispatch_policy: nearest`` and no routes gets the nearest-engineer routes (as
    ``servopt solve dispatch --policy nearest``), which are then evaluated.

    \b
    Examples:
      servopt solve dispatch instances/case-a-aftersales.yaml --time-limit 10 --json routes.json
      servopt evaluate dispatch routes.json
      servopt evaluate dispatch instances/case-a-aftersales.cost-only.plan.yaml
    """
    from servopt.models.io import load_plan
    from servopt.models.plan import DispatchPolicy
    from servopt.optimizer.dispatch.check import evaluate_dispatch
    from servopt.optimizer.result import json_ready

    plan = load_plan(plan_file)
    net_path = network_file or plan_network_path(plan_file, plan)
    if net_path is None:
        raise BadInputError("the plan names no network; give --network FILE", plan_file)
    net = _load(str(net_path), fmt)
    problems = plan.check_against(net)
    if problems:
        raise BadInputError(problems, plan_file)
    options = _dispatch_options(objective, value_weight, sla, drop_cost)
    staffed = plan.staffed(net)
    reasons: dict[str, str] | None = None
    note = ""
    if plan.routes is None and plan.dispatch_policy is DispatchPolicy.NEAREST:
        from servopt.optimizer.dispatch.solve import field_pools, nearest_routes, screen

        screened = screen(staffed, field_pools(staffed), options)
        routes, drops = nearest_routes(staffed, options, screened)
        reasons = {**screened, **drops}
        plan = plan.replace(routes=routes)
        note = "routes: the plan's dispatch_policy nearest (nearest-engineer dispatch)"
    elif plan.routes is None and plan.dispatch_policy is DispatchPolicy.OPTIMISE:
        raise BadInputError(
            "dispatch_policy: 'optimise' with no routes: there are no routes to evaluate; "
            f"solve them first (servopt solve dispatch {net_path} --plan {plan_file} --json "
            "result.json) and evaluate the result",
            plan_file,
        )
    elif plan.routes is None:
        note = "the plan has no routes (and no dispatch_policy): every job counts as dropped"
    kpis = evaluate_dispatch(staffed, plan, options, reasons)
    click.echo(f"plan {plan.name!r} on network {net.name!r}: objective {kpis['objective']:,.2f}")
    if note:
        click.echo(note)
    click.echo(format_dispatch(kpis, plan))
    for v in kpis["violations"]:
        click.echo(f"VIOLATION {v}")
    if json_out:
        _write_output(json_out, json.dumps(json_ready(kpis), indent=1) + "\n")
    _exit_on_violations(kpis["violations"])
