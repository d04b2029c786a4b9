"""Solve parameters shared by every solver: time limit, seed, solver name, threads, MIP gap."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from servopt.models.errors import BadInputError, Problem


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
        Random seed passed to the solver (>= 0).
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
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            problems.append(Problem("seed", f"must be a whole number >= 0, got {self.seed!r}"))
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
