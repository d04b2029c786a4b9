"""What every command shares: exit codes, error reporting, number types, signal handling, the
options of every solve (time limit, seed, objective, caps, ``--json``), reading the input and
writing a result.

The exit codes are documented in one place, the main group's help (``servopt --help``), and
defined once, as the ``EXIT_*`` constants below. A user mistake never ends in a traceback;
SIGINT and SIGTERM end a run through ``SystemExit``, so every ``finally`` block (temporary
folders, solver child processes) runs.
"""

from __future__ import annotations

import functools
import json
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import click

from servopt.models.errors import BadInputError, ServoptError
from servopt.models.formats import NetworkFormat, load_network
from servopt.models.io import check_writable, write_atomic
from servopt.optimizer.params import SEED_LIMIT, Objective, ObjectiveOptions
from servopt.optimizer.solvers.processes import parent_of, signal_processes

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


def fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def reports_errors(fn: F) -> F:
    """Turn servopt's errors into a message on stderr and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BadInputError as e:
            fail(f"error: {e}", EXIT_BAD_INPUT)
        except ServoptError as e:
            fail(f"error: {e}", EXIT_FAILURE)
        except MemoryError:
            fail(
                "error: out of memory: the instance or the run is too large for this machine",
                EXIT_FAILURE,
            )
        except BrokenPipeError:
            raise  # stdout closed (`| head`): click ends quietly with exit 1
        except OSError as e:  # writing an output file (write_atomic names the path given)
            where = f"{e.filename}: " if e.filename else ""
            fail(f"error: {where}cannot write: {e.strerror or e}", EXIT_BAD_INPUT)

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


def seed_option(help: str = "Random seed (0 <= seed < 2**31).") -> Callable[[F], F]:
    return click.option("--seed", type=SEED, default=0, show_default=True, help=help)


def output_path(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check an output path when the command line is read, before any work: its folder must
    exist and be writable and the path must not be a directory ('-' is stdout)."""
    if value is None or value == "-":
        return value
    try:
        check_writable(value)
    except BadInputError as e:
        raise click.BadParameter(f"{value}: {e.problems[0].message}") from None
    return value


def output_option(*names: str, help: str) -> Callable[[F], F]:
    return click.option(*names, type=click.Path(), default=None, callback=output_path, help=help)


def _stop_children() -> None:
    """Send SIGTERM to this process's direct children (solver binaries), found in ``/proc``.

    :mod:`subprocess` kills a child when an exception interrupts ``run``, but a library that
    waits with ``Popen.wait()`` (PuLP's CBC) leaves it running; this stops those too. Where
    there is no ``/proc`` it does nothing."""
    me = os.getpid()
    signal_processes("stat", lambda stat: parent_of(stat) == me, signal.SIGTERM)


def install_signal_handlers(ctx: click.Context) -> None:
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


def load_input(path: str, fmt: str | None, distance: str | None = None) -> Any:
    options = {"rounding": distance} if distance and fmt == NetworkFormat.SOLOMON else {}
    if distance and fmt != NetworkFormat.SOLOMON:
        raise BadInputError(
            f"--distance applies to --format solomon only, got --format {fmt or 'servopt'}", path
        )
    return load_network(path, fmt, **options)


def write_output(path: str | None, text: str) -> None:
    if path is None or path == "-":
        click.echo(text, nl=not text.endswith("\n"))
    else:
        write_atomic(path, text)


#: When the command started: reading the input counts inside a solve's time limit.
_STARTED = time.perf_counter()


def mark_start() -> None:
    """The command starts now (the main group calls this before any work)."""
    global _STARTED
    _STARTED = time.perf_counter()


def time_left(limit: float) -> float:
    """The solve's share of ``--time-limit`` after reading the input (at least a tenth of it,
    so that a slow read still leaves the solver something to do)."""
    return max(0.1 * limit, limit - (time.perf_counter() - _STARTED))


SOLVE_OPTIONS = [
    click.option(
        "--time-limit",
        "time_limit",
        type=Number(0.01),
        default=60.0,
        show_default=True,
        help="Seconds for the whole solve, reading the input included.",
    ),
    seed_option("Random seed of the solver (0 <= seed < 2**31)."),
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
]

JSON_OUT = output_option(
    "--json",
    "json_out",
    help="Write the result as JSON (decision, status, objective, units, kpis, plan, "
    "violations) to this file; '-' for stdout, and then nothing else on stdout. A solve's "
    "file is a valid input to `servopt evaluate`.",
)


def field_option(cls: type[Any], field: str, *decls: str, **kw: Any) -> Callable[[F], F]:
    """A click option setting field ``field`` of the options dataclass ``cls``, its default the
    field's own (one home for every default: the library's and the command line's agree).

    >>> from servopt.optimizer.params import ObjectiveOptions
    >>> field_option(ObjectiveOptions, "value_weight", "--value-weight")  # doctest: +ELLIPSIS
    <function ...>
    """
    from dataclasses import MISSING, fields

    (f,) = [f for f in fields(cls) if f.name == field]
    default = None if f.default is MISSING else f.default
    default = default.value if isinstance(default, StrEnum) else default
    kw.setdefault("show_default", default is not None and not kw.get("is_flag"))
    return click.option(*decls, field, default=default, **kw)


OBJECTIVE_OPTIONS = [
    field_option(
        ObjectiveOptions,
        "objective",
        "--objective",
        type=click.Choice([o.value for o in Objective]),
        help="cost: the company's cost; value: the customers' cost (what each is: the "
        "command's help); weighted: cost + W x value.",
    ),
    field_option(
        ObjectiveOptions,
        "value_weight",
        "--value-weight",
        type=NON_NEGATIVE,
        help="W for --objective weighted.",
    ),
    field_option(
        ObjectiveOptions,
        "max_cost",
        "--max-cost",
        type=NON_NEGATIVE,
        help="Cap on the company's cost, held as a constraint (a decision whose method cannot "
        "hold it refuses it).",
    ),
    field_option(
        ObjectiveOptions,
        "max_value",
        "--max-value",
        type=NON_NEGATIVE,
        help="Cap on the customers' cost, held as a constraint (as --max-cost).",
    ),
]


def with_options(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    """A decorator applying click ``options`` in the order listed (the first on top of --help)."""

    def apply(fn: F) -> F:
        for opt in reversed(options):
            fn = opt(fn)
        return fn

    return apply


def build_options(
    cls: type[Any],
    flags: dict[str, Any],
    *,
    base: dict[str, Any] | None = None,
    rules: dict[str, Any] | None = None,
) -> Any:
    """The options of class ``cls`` from a command's flags (those named as a field of ``cls``).

    ``base``: options read from a result file (``servopt evaluate`` of a solve's JSON prices
    the plan as it was solved); then only the flags given on the command line override it.
    ``rules``: what the input's format fixes (:func:`servopt.models.formats.solve_rules`),
    applied last."""
    from dataclasses import fields

    from servopt.optimizer.params import options_from_data

    ctx = click.get_current_context()
    names = {f.name for f in fields(cls)}
    data = dict(base or {})
    for name, v in flags.items():
        if name not in names:
            continue
        given = ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        if base is None or given:
            data[name] = list(v) if isinstance(v, tuple) else v
    data.update(rules or {})
    return options_from_data(cls, data, "options")


def result_data(result: Any, json_out: str, network_file: str | None) -> dict[str, Any]:
    """``result.to_dict()`` whose plan names the network it was solved on, relative to the
    result file (as a plan file names it), so that ``servopt evaluate`` can take the file."""
    data: dict[str, Any] = result.to_dict()
    if data.get("plan") is not None and network_file is not None:
        where = Path.cwd() if json_out == "-" else Path(json_out).absolute().parent
        data["plan"]["network"] = Path(
            os.path.relpath(Path(network_file).absolute(), where)
        ).as_posix()
    return data


def report(
    result: Any, json_out: str | None, details: str, network_file: str | None = None
) -> None:
    """Write ``result`` (``--json``: to the file first, then the terminal; ``-``: JSON alone on
    stdout), print its summary and ``details``, and end with the exit code of its status and
    violations."""
    if json_out == "-":
        click.echo(json.dumps(result_data(result, json_out, network_file), indent=1))
    else:
        if json_out:  # first: the result file does not depend on the terminal
            data = result_data(result, json_out, network_file)
            write_atomic(json_out, json.dumps(data, indent=1) + "\n")
        click.echo(result.summary())
        if details:
            click.echo(details)
    exit_without_plan(result.status)
    if result.violations:
        click.echo(f"{len(result.violations)} violation(s)", err=True)
        sys.exit(EXIT_VIOLATIONS)


def exit_without_plan(status: Any) -> None:
    """Exit 3 when a solve answered 'no plan' (infeasible, nothing within the limit), 1 on a
    solver error; return when there is a plan."""
    if not status.has_plan:
        sys.exit(EXIT_NO_PLAN if status.value in ("infeasible", "no_solution") else EXIT_FAILURE)
