"""The analyses beside the decisions: ``servopt queue`` (Erlang figures of one interval),
``servopt journey`` (end-to-end time of journeys) and ``servopt simulate`` (a staffed interval
simulated against the formulas)."""

from __future__ import annotations

import json

import click

from servopt.models.errors import BadInputError
from servopt.models.formats import load_network
from servopt.optimizer.cli.common import (
    AGENTS,
    HOURS_PER_DAY,
    MAX_SIMULATED_ARRIVALS,
    NON_NEGATIVE,
    PLAN,
    POSITIVE,
    Number,
    reports_errors,
    seed_option,
)


@click.command()
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


@click.command()
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
@click.option(
    "--day",
    "day_reps",
    type=click.IntRange(1, 20),
    default=None,
    metavar="REPLICATIONS",
    help="Also simulate whole days (this many): each segment's visit, mean and 90th "
    "percentile, from its arrival profile, the staff's shifts and breaks and the channels "
    "it can use; and each pool's cases a day (servopt.optimizer.journeys.day).",
)
@seed_option("Seed of the simulation (0 <= seed < 2**31).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@reports_errors
def journey(
    file: str,
    plan_file: str | None,
    journey_id: str | None,
    arrivals_per_hour: float | None,
    hours_per_day: float,
    sim_hours: float | None,
    day_reps: int | None,
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
      servopt journey instances/case-d-outpatient.yaml \\
          --plan instances/case-d-outpatient.all-app.plan.yaml --day 1
    """
    from servopt.models.io import load_plan
    from servopt.optimizer.journeys.analysis import analyse_journey, format_journey
    from servopt.optimizer.journeys.day import format_day

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
    days = {}
    if day_reps is not None:
        from servopt.optimizer.journeys.day import simulate_day

        days = {
            f.journey: simulate_day(net, f.journey, plan, replications=day_reps, seed=seed)
            for f in figures
        }
    if as_json:
        data = [
            {
                **f.to_dict(),
                **({"simulated": simulated[f.journey].to_dict()} if f.journey in simulated else {}),
                **({"day": days[f.journey].to_dict()} if f.journey in days else {}),
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
        if f.journey in days:
            click.echo(format_day(days[f.journey]))


@click.command()
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
@seed_option("Seed of the simulation (0 <= seed < 2**31).")
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
