"""What every solve shares: the solver parameters (time limit, seed, solver, threads, MIP gap) and
the objective vocabulary of every decision's options (:class:`ObjectiveOptions`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from servopt.models.errors import BadInputError, Problem

#: Seeds are whole numbers ``0 <= seed < SEED_LIMIT`` (2**31): the range every engine takes as
#: it is (HiGHS' ``random_seed`` is a signed 32-bit int; PyVRP's is unsigned 32-bit, CP-SAT's a
#: signed 32-bit int). A seed outside it is refused, never wrapped or truncated, so two seeds
#: never give the same run by accident. The command line uses the same range.
SEED_LIMIT = 2**31


def seed_problem(seed: object, field: str = "seed") -> Problem | None:
    """The problem with ``seed`` (see :data:`SEED_LIMIT`), or ``None`` when it is fine."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        return Problem(field, f"must be a whole number >= 0, got {seed!r}")
    if seed >= SEED_LIMIT:
        return Problem(
            field,
            f"must be < 2**31 = {SEED_LIMIT} (the seed range every solver engine accepts), "
            f"got {seed!r}",
        )
    return None


class Objective(StrEnum):
    """What a solver optimises: the company's cost, the customers' value, or a weighted sum."""

    COST = "cost"
    VALUE = "value"
    WEIGHTED = "weighted"


#: The caps a decision may hold as constraints (see :class:`ObjectiveOptions`).
CAPS = ("max_cost", "max_value")


def _money_problem(name: str, v: object, allow_none: bool) -> Problem | None:
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
        return Problem(name, f"must be a finite number >= 0, got {v!r}")
    return None


@dataclass(frozen=True, kw_only=True)
class ObjectiveOptions:
    r"""The objective of a solve, the same words for every decision.

    Every decision's options class derives from this one, so generic code (a frontier, a
    pre-mortem, a sweep) sets the objective of any decision the same way, with
    :func:`dataclasses.replace`.

    A plan has two figures, both money in the network's currency per the network's period
    (:class:`~servopt.optimizer.result.Units`): ``cost``, what the company pays, and
    ``value``, what the customers lose (downtime, waiting, lost customers). The objectives:

    .. math::

        \text{cost}: \min C, \qquad \text{value}: \min V, \qquad
        \text{weighted}: \min C + W V

    subject to :math:`C \le` ``max_cost`` and :math:`V \le` ``max_value`` where they are set.
    A decision whose method can hold a cap as a constraint (a MILP) does; one that cannot refuses
    the cap with :class:`~servopt.models.errors.BadInputError` rather than ignore it (see
    ``Decision.caps``).

    Parameters
    ----------
    objective
        ``"cost"`` (default), ``"value"`` or ``"weighted"``.
    value_weight
        W, the money the company counts per unit of customers' cost (>= 0) in ``weighted``.
    max_cost, max_value
        Optional caps (>= 0) on the plan's cost and value.

    Examples
    --------
    >>> o = ObjectiveOptions(objective="weighted", value_weight=0.5)
    >>> o.objective, o.score(100.0, 40.0)
    (<Objective.WEIGHTED: 'weighted'>, 120.0)
    >>> ObjectiveOptions(objective="value").score(100.0, 40.0)
    40.0
    """

    objective: Objective = Objective.COST
    value_weight: float = 1.0
    max_cost: float | None = None
    max_value: float | None = None

    def __post_init__(self) -> None:
        problems = self.objective_problems()
        if problems:
            raise BadInputError(problems)

    def objective_problems(self) -> list[Problem]:
        """The problems with the objective fields (a subclass adds its own to these)."""
        problems: list[Problem] = []
        try:
            object.__setattr__(self, "objective", Objective(self.objective))
        except ValueError:
            problems.append(
                Problem(
                    "objective",
                    f"must be one of {', '.join(o.value for o in Objective)}, "
                    f"got {self.objective!r}",
                )
            )
        for name, allow_none in (("value_weight", False), ("max_cost", True), ("max_value", True)):
            wrong = _money_problem(name, getattr(self, name), allow_none)
            if wrong is not None:
                problems.append(wrong)
        return problems

    def score(self, cost: float, value: float) -> float:
        """The scalar the objective ranks plans by: cost, value, or cost + W x value."""
        if self.objective is Objective.COST:
            return cost
        if self.objective is Objective.VALUE:
            return value
        return cost + self.value_weight * value

    @property
    def caps(self) -> dict[str, float]:
        """The caps that are set, by name (``max_cost``, ``max_value``)."""
        return {c: float(v) for c in CAPS if (v := getattr(self, c)) is not None}


def options_from_data(cls: type[Any], data: Any, where: str = "options") -> Any:
    """The options of class ``cls`` from :func:`options_to_data`'s output. Unknown fields and
    wrong values raise :class:`BadInputError` naming the field under ``where``."""
    if not isinstance(data, dict):
        raise BadInputError([Problem(where, f"must be a mapping, got {type(data).__name__}")])
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise BadInputError(
            [Problem(f"{where}.{k}", f"is not a field of {cls.__name__}") for k in unknown]
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    try:
        return cls(**values)
    except BadInputError as e:
        raise BadInputError([Problem(f"{where}.{p.path}", p.message) for p in e.problems]) from None
    except (TypeError, ValueError) as e:
        raise BadInputError([Problem(where, str(e))]) from None


@dataclass(frozen=True, slots=True)
class SolveParams:
    """What every solve takes. The same ``seed`` gives the same result.

    Parameters
    ----------
    time_limit_s
        Wall-clock limit for the solver, in seconds (> 0). At the limit a solver returns its
        best plan with status ``feasible`` (and the proven gap), or ``no_solution``.
    seed
        Random seed passed to the solver: a whole number ``0 <= seed < 2**31``
        (:data:`SEED_LIMIT`); outside that range :class:`BadInputError`.
    solver
        Backend name: ``"highs"`` (default for MILP) or ``"cbc"``; any other PuLP solver name
        is passed through.
    threads
        Solver threads; ``None`` lets the solver decide.
    mip_gap
        Relative gap at which a MILP solve stops and counts as optimal.
    """

    time_limit_s: float = 60.0
    seed: int = 0
    solver: str = "highs"
    threads: int | None = None
    mip_gap: float = 1e-4

    def __post_init__(self) -> None:
        problems = []
        if not (
            isinstance(self.time_limit_s, int | float)
            and math.isfinite(self.time_limit_s)
            and self.time_limit_s > 0
        ):
            problems.append(
                Problem(
                    "time_limit_s",
                    f"must be a positive number of seconds, got {self.time_limit_s!r}",
                )
            )
        seed = seed_problem(self.seed)
        if seed is not None:
            problems.append(seed)
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            problems.append(Problem("threads", f"must be >= 1, got {self.threads!r}"))
        if not (isinstance(self.mip_gap, int | float) and 0 <= self.mip_gap < 1):
            problems.append(Problem("mip_gap", f"must be in [0, 1), got {self.mip_gap!r}"))
        if not isinstance(self.solver, str) or not self.solver:
            problems.append(Problem("solver", f"must be a solver name, got {self.solver!r}"))
        if problems:
            raise BadInputError(problems)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
