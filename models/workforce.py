"""Staff workload and attrition, the workforce's side of the domain: load, overtime, and the
people who leave and what they cost.

The load u of a pool is its hours of work over its contracted hours (above 1: overtime). The
yearly probability that one person leaves follows the network's
:class:`~servopt.models.entities.Workforce` model, logistic in the odds of leaving:

    logit p(u) = logit(attrition_base) + ln(odds_ratio) * (u - reference_load) / load_step

with the parameters and their sources documented there (defaults: 12% a year at a load of 0.85,
odds x1.23 per 1/6 more load, after Aiken et al. 2002). Expected leavers = headcount x p(u);
each costs the pool's ``replacement_cost`` (hiring and training a successor).

:func:`pool_workload` prices a pool from its yearly hours; dispatch (its sample day scaled to a
year, :func:`servopt.optimizer.dispatch.evaluate.dispatch_workloads`) and the roster
(:mod:`servopt.optimizer.staffing.roster`) are where the work comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from servopt.models.entities import Workforce
from servopt.models.errors import BadInputError, Problem


def attrition_yearly(workforce: Workforce, load: float) -> float:
    """Probability that one person leaves within a year at sustained ``load`` (module docstring).

    >>> round(attrition_yearly(Workforce(), 0.85), 3)
    0.12
    >>> round(attrition_yearly(Workforce(), 0.85 + 1 / 6), 4)  # odds x 1.23
    0.1436
    """
    b = workforce.attrition_base
    logit = (
        math.log(b / (1.0 - b))
        + math.log(workforce.odds_ratio) * (load - workforce.reference_load) / workforce.load_step
    )
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    e = math.exp(logit)
    return e / (1.0 + e)


def error_rate(workforce: Workforce, occupancy: float, channels: int = 1) -> float:
    """Share of contacts handled wrongly by staff at ``occupancy`` who serve ``channels``
    channels at once (:class:`~servopt.models.entities.Workforce`): logistic in the odds
    above the reference load (no lower below it), times ``switch_factor`` per further
    channel, at most 1.

    >>> round(error_rate(Workforce(), 0.85), 4)
    0.02
    >>> round(error_rate(Workforce(), 0.85, channels=2), 4)
    0.024
    """
    b = workforce.error_base
    over = max(0.0, occupancy - workforce.reference_load) / workforce.load_step
    logit = math.log(b / (1.0 - b)) + math.log(workforce.error_odds_ratio) * over
    p = 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else math.exp(logit) / (1 + math.exp(logit))
    return min(1.0, p * workforce.switch_factor ** max(0, channels - 1))


def within(yearly: float, years: float) -> float:
    """Probability of leaving within ``years`` at a constant yearly probability ``yearly``.

    >>> round(within(0.19, 0.5), 3)
    0.1
    """
    return 1.0 - (1.0 - yearly) ** years


@dataclass(frozen=True)
class Workload:
    """A pool's load and what it costs per year, from :func:`pool_workload`.

    Attributes
    ----------
    headcount
        People in the pool.
    load
        Work hours over contracted hours (above 1: overtime).
    overtime_hours_per_person
        Hours above the contract per person per year, ``max(0, load - 1)`` x contracted hours.
    attrition_yearly
        Probability that one person leaves within a year at this load.
    leavers_per_year
        Expected leavers per year: ``headcount`` x ``attrition_yearly``.
    replacement_cost_per_year
        Leavers per year x each one's replacement cost.
    overtime_cost_per_year
        All the pool's overtime hours per year x the overtime cost per hour.
    """

    headcount: int
    load: float
    overtime_hours_per_person: float
    attrition_yearly: float
    leavers_per_year: float
    replacement_cost_per_year: float
    overtime_cost_per_year: float


def pool_workload(
    work_hours_per_year: float,
    headcount: int,
    contract_hours_per_year: float,
    *,
    workforce: Workforce | None = None,
    replacement_cost: float = 0.0,
    overtime_cost_per_hour: float = 0.0,
) -> Workload:
    """Load, overtime, expected leavers and their cost for a pool doing ``work_hours_per_year``
    (module docstring). Refused with :class:`~servopt.models.errors.BadInputError` naming the
    argument when the hours are negative or the head count is not a whole number >= 1."""
    problems = []
    if not (math.isfinite(work_hours_per_year) and work_hours_per_year >= 0):
        problems.append(
            Problem("work_hours_per_year", f"must be >= 0, got {work_hours_per_year!r}")
        )
    if not (isinstance(headcount, int) and headcount >= 1):
        problems.append(Problem("headcount", f"must be a whole number >= 1, got {headcount!r}"))
    if not (math.isfinite(contract_hours_per_year) and contract_hours_per_year > 0):
        problems.append(
            Problem("contract_hours_per_year", f"must be > 0, got {contract_hours_per_year!r}")
        )
    if problems:
        raise BadInputError(problems)
    workforce = workforce or Workforce()
    load = work_hours_per_year / (headcount * contract_hours_per_year)
    overtime = max(0.0, load - 1.0) * contract_hours_per_year
    p = attrition_yearly(workforce, load)
    return Workload(
        headcount=headcount,
        load=load,
        overtime_hours_per_person=overtime,
        attrition_yearly=p,
        leavers_per_year=headcount * p,
        replacement_cost_per_year=headcount * p * replacement_cost,
        overtime_cost_per_year=headcount * overtime * overtime_cost_per_hour,
    )
