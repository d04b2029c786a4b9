"""The one result type every solver returns."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from servopt.models.plan import Plan
from servopt.optimizer.params import SolveParams


def json_ready(value: Any) -> Any:
    """Plain JSON data: non-finite floats become None (JSON has no inf or nan), numpy arrays
    and scalars become lists and numbers, enums their value; recursively."""
    import numpy as np

    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        return json_ready(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


class Status(StrEnum):
    """How a solve ended. ``OPTIMAL`` only when proven; a time limit gives ``FEASIBLE``."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    NO_SOLUTION = "no_solution"
    ERROR = "error"

    @property
    def has_plan(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class Result:
    """What a solve returns: status, objective values, bound and gap, runtime, plan, KPIs.

    No sentinel values: a quantity that does not exist is ``None`` (no ``-1``, no ``"Unknown"``).
    ``objective`` maps an objective name (``"cost"``, ``"value"``) to its value for ``plan``;
    ``bound`` is the best proven bound on the optimised objective and ``gap`` the relative gap
    between it and the plan, where the solver proves one. ``diagnostics`` explain an
    infeasible or failed solve in domain words.
    """

    status: Status
    runtime_s: float
    objective: Mapping[str, float] = field(default_factory=dict)
    bound: float | None = None
    gap: float | None = None
    plan: Plan | None = None
    kpis: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: tuple[str, ...] = ()
    params: SolveParams | None = None
    solver: str = ""

    def __post_init__(self) -> None:
        if self.status.has_plan and self.plan is None:
            raise ValueError(f"a {self.status.value} result needs a plan")
        if not self.status.has_plan and (self.plan is not None or self.objective):
            raise ValueError(f"a {self.status.value} result has no plan and no objective")
        for name, v in (("bound", self.bound), ("gap", self.gap)):
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{name} must be finite or None, got {v}")

    @property
    def is_feasible(self) -> bool:
        return self.status.has_plan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: ``status``, ``objective``, ``bound``, ``gap``, ``runtime_s``,
        ``kpis``, ``plan``, ``diagnostics``, ``solver`` and the solve parameters."""
        from servopt.models.io import to_data

        return {
            "status": self.status.value,
            "objective": dict(self.objective),
            "bound": self.bound,
            "gap": self.gap,
            "runtime_s": self.runtime_s,
            "kpis": dict(self.kpis),
            "plan": to_data(self.plan) if self.plan is not None else None,
            "diagnostics": list(self.diagnostics),
            "solver": self.solver,
            "params": self.params.to_dict() if self.params else None,
        }

    def summary(self) -> str:
        """A few readable lines: status, objectives, gap, runtime, diagnostics."""
        lines = [f"status     {self.status.value}"]
        for k, v in self.objective.items():
            lines.append(f"{k:<10} {v:,.2f}")
        if self.bound is not None:
            lines.append(f"bound      {self.bound:,.2f}")
        if self.gap is not None:
            lines.append(f"gap        {self.gap:.4%}")
        lines.append(f"runtime    {self.runtime_s:.2f} s ({self.solver or 'no solver'})")
        lines.extend(f"note       {d}" for d in self.diagnostics)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
