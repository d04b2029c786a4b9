"""``servopt evaluate {placement,dispatch,staffing} PLAN``: price any plan on the full model.

One command body for every decision (:func:`_evaluate`): the plan is a plan file or a solve's
``--json`` result (then the options it was solved with are the base, and only the flags given
here override them, so that evaluating a solve's result reproduces its ``objective``); the
decision's :attr:`~servopt.optimizer.decision.Decision.evaluate` applies the plan's own changes
and returns a :class:`~servopt.optimizer.result.Result`, written as a solve's is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from servopt.models.errors import BadInputError
from servopt.models.formats import solve_rules
from servopt.models.io import is_result_data, plan_from_data, plan_network_path, read_data
from servopt.optimizer.cli.common import (
    FORMAT,
    JSON_OUT,
    OBJECTIVE_OPTIONS,
    build_options,
    load_input,
    report,
    reports_errors,
)
from servopt.optimizer.cli.format import format_result
from servopt.optimizer.cli.solve import DISPATCH_FLAGS, PLACEMENT_FLAGS, STAFFING_FLAGS


@click.group()
def evaluate() -> None:
    """Price a plan, hand-written or optimised, on the full model.

    The plan is a plan file (``kind: plan``) or a solve's ``--json`` result file (its plan is
    taken, priced with the options it was solved with; flags given here override them). The
    result has the same ``objective`` (``cost``, ``value``), ``units`` and ``kpis`` as a solve's.
    A plan with violations prints each and still writes its JSON, then the run ends with the
    "violations" exit code (exit codes: ``servopt --help``).

    \b
    Examples:
      servopt evaluate placement instances/case-a-aftersales.cost-only.plan.yaml
      servopt solve dispatch instances/case-a-aftersales.yaml --time-limit 10 --json routes.json
      servopt evaluate dispatch routes.json
      servopt solve placement instances/case-a-aftersales.yaml --json result.json
      servopt evaluate placement result.json
    """


def _evaluate(
    decision: str,
    plan_file: str,
    network_file: str | None,
    fmt: str | None,
    json_out: str | None,
    flags: dict[str, Any],
) -> None:
    from servopt.optimizer import DECISIONS

    data = read_data(plan_file)
    plan = plan_from_data(data, plan_file)
    base = None
    if is_result_data(data):
        solved = data.get("decision") or decision
        if solved != decision:
            raise BadInputError(
                f"decision: the file is a {solved} result, not a {decision} plan; evaluate it "
                f"with `servopt evaluate {solved} {plan_file}`",
                plan_file,
            )
        base = data.get("options")
    net_path = network_file or plan_network_path(plan_file, plan)
    if net_path is None:
        raise BadInputError("the plan names no network; give --network FILE", plan_file)
    net = load_input(str(net_path), fmt)
    problems = plan.check_against(net)
    if problems:
        raise BadInputError(problems, plan_file)
    d = DECISIONS[decision]
    options = build_options(
        d.options,
        flags,
        base=base if isinstance(base, dict) else None,
        rules=solve_rules(fmt, decision),
    )
    try:
        result = d.evaluate(net, plan, options)
    except BadInputError as e:  # the plan's fields: name the plan file
        raise BadInputError(e.problems, plan_file) from None
    details = f"plan {plan.name!r} on network {net.name!r}"
    body = format_result(result)
    report(result, json_out, f"{details}\n{body}" if body else details, str(net_path))


def _command(decision: str, summary: str, examples: str, flags: list[Any]) -> click.Command:
    """The ``servopt evaluate DECISION`` command: the shared options, ``flags`` (named as the
    decision's options fields) and :func:`_evaluate`."""

    def body(
        plan_file: str,
        network_file: str | None,
        fmt: str | None,
        json_out: str | None,
        **more: Any,
    ) -> None:
        _evaluate(decision, plan_file, network_file, fmt, json_out, more)

    body.__doc__ = f"{summary}\n\n    \\b\n    Examples:\n{examples}"
    decorators: list[Callable[[Any], Any]] = [
        click.argument("plan_file", type=click.Path()),
        click.option(
            "--network",
            "network_file",
            type=click.Path(),
            default=None,
            help="Network file (default: the one the plan names).",
        ),
        FORMAT,
        *OBJECTIVE_OPTIONS[:2],
        *flags,
        JSON_OUT,
        reports_errors,
    ]
    fn: Any = body
    for dec in reversed(decorators):
        fn = dec(fn)
    return evaluate.command(name=decision)(fn)


_command(
    "placement",
    "Every placement KPI of a plan, and the constraints it breaks.\n\n    A plan that only "
    "names open depots serves each site from its nearest open depot. With\n    ``--format "
    "orlib-cap`` the plan is priced as ``solve placement`` prices that format (the\n    plain "
    "capacitated facility location problem).",
    "      servopt evaluate placement instances/case-a-aftersales.cost-only.plan.yaml\n"
    "      servopt solve placement instances/benchmarks/orlib-cap/cap41.txt --format orlib-cap \\\n"
    "          --json cap41.json\n"
    "      servopt evaluate placement cap41.json --format orlib-cap\n",
    PLACEMENT_FLAGS[:1],
)
_command(
    "dispatch",
    "Every dispatch KPI of a plan's routes (hand-written or solved), and what they break.\n\n"
    "    Routes are checked by the independent route checker: skills and proficiency, windows,\n"
    "    shifts and overtime, capacity, hard deadlines; unserved jobs are priced as drops. A "
    "plan\n    with ``dispatch_policy: nearest`` and no routes gets the nearest-engineer routes "
    "(as\n    ``servopt solve dispatch --policy nearest``), which are then evaluated.",
    "      servopt solve dispatch instances/case-a-aftersales.yaml --time-limit 10 "
    "--json routes.json\n"
    "      servopt evaluate dispatch routes.json\n"
    "      servopt evaluate dispatch instances/case-a-aftersales.cost-only.plan.yaml\n",
    DISPATCH_FLAGS,
)
_command(
    "staffing",
    "The staffing figures of a plan (channel split and staff per channel), and what it "
    "breaks.\n\n    Accessibility (no segment on a channel it cannot use), occupancy, staff "
    "within head\n    counts, coverage per interval; a plan without staffing figures has every "
    "pool on duty.",
    "      servopt solve staffing instances/case-d-outpatient.yaml --json staffing.json\n"
    "      servopt evaluate staffing staffing.json\n",
    STAFFING_FLAGS,
)
