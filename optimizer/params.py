"""Solve parameters shared by every solver: time limit, seed, solver name, threads, MIP gap."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
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
