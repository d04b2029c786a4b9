"""Staff workload and attrition: occupancy, overtime, and the cost of people who leave.

Attrition risk rises with sustained load. The curve is logistic in the load u (hours of work
over contracted hours; above 1 means overtime):

    p(u) = base + (peak - base) / (1 + exp(-steepness (u - midpoint)))

a yearly probability that one person leaves. Defaults, an assumption to be replaced by a
company's own exit data: ``base`` 12% a year (typical voluntary attrition of skilled field and
counter staff), ``peak`` 85%, ``midpoint`` 1.12, ``steepness`` 10. They are calibrated on case A:
engineers cut from 200 (at a 75% load) to 120 for the same work run at 1.25 times their hours,
where the curve gives 69% a year, i.e. 1 - (1 - 0.69)^(1/2) = 45% in half a year, as the case
reports; at the 75% load of the team before the cut it gives 14%, at 100% 29%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from servopt.models.errors import BadInputError, Problem


@dataclass(frozen=True)
class AttritionCurve:
    """The logistic curve of yearly attrition against load (module docstring).

    Refused with :class:`~servopt.models.errors.BadInputError` unless
    0 <= ``base`` <= ``peak`` <= 1 and ``steepness`` > 0.

    Parameters
    ----------
    base
        Yearly probability of leaving that the curve approaches at low load.
    peak
        Yearly probability it approaches at very high load.
    midpoint
        Load (work over contracted hours) at which it is halfway from ``base`` to ``peak``.
    steepness
        How fast it rises around ``midpoint`` (per unit of load).
    """

    base: float = 0.12
    peak: float = 0.85
    midpoint: float = 1.12
    steepness: float = 10.0

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.base <= self.peak <= 1:
            problems.append(
                Problem(
                    "base/peak", f"need 0 <= base <= peak <= 1, got {self.base!r} and {self.peak!r}"
                )
            )
        if not self.steepness > 0:
            problems.append(Problem("steepness", f"must be > 0, got {self.steepness!r}"))
        if problems:
            raise BadInputError(problems)

    def yearly(self, load: float) -> float:
        """Probability that one person leaves within a year at sustained ``load``."""
        return self.base + (self.peak - self.base) / (
            1.0 + math.exp(-self.steepness * (load - self.midpoint))
        )

    def within(self, load: float, years: float) -> float:
        """Probability of leaving within ``years`` (constant hazard within the year)."""
        return 1.0 - (1.0 - self.yearly(load)) ** years


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
        Hours above the contract per person per year.
    attrition_yearly
        Probability that one person leaves within a year at this load (the curve's p(u)).
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

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def pool_workload(
    work_hours_per_year: float,
    headcount: int,
    contract_hours_per_year: float,
    *,
    replacement_cost: float = 0.0,
    overtime_cost_per_hour: float = 0.0,
    curve: AttritionCurve | None = None,
) -> Workload:
    """Load, overtime, expected leavers and their cost for a pool doing ``work_hours_per_year``.

    Load u = work / (headcount x contracted hours); hours above the contract are overtime.
    Expected leavers = headcount x p(u); each costs ``replacement_cost`` (hiring and training).
    """
    problems = []
    if not (math.isfinite(work_hours_per_year) and work_hours_per_year >= 0):
        problems.append(
            Problem("work_hours_per_year", f"must be >= 0, got {work_hours_per_year!r}")
        )
    if not (isinstance(headcount, int) and headcount >= 1):
        problems.append(Problem("headcount", f"must be a whole number >= 1, got {headcount!r}"))
    if not contract_hours_per_year > 0:
        problems.append(
            Problem("contract_hours_per_year", f"must be > 0, got {contract_hours_per_year!r}")
        )
    if problems:
        raise BadInputError(problems)
    curve = curve or AttritionCurve()
    load = work_hours_per_year / (headcount * contract_hours_per_year)
    overtime = max(0.0, load - 1.0) * contract_hours_per_year
    p = curve.yearly(load)
    return Workload(
        headcount=headcount,
        load=load,
        overtime_hours_per_person=overtime,
        attrition_yearly=p,
        leavers_per_year=headcount * p,
        replacement_cost_per_year=headcount * p * replacement_cost,
        overtime_cost_per_year=headcount * overtime * overtime_cost_per_hour,
    )
