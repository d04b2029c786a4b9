"""The one result type every decision returns, its units and its KPIs.

A :class:`Result` says which decision it is (``decision``), how the solve ended (``status``),
the plan's ``objective`` -- always ``cost`` (the company's cost) and ``value`` (the customers'
cost: downtime, waiting, lost customers), plus ``weighted`` (cost + W x value) when that was the
objective -- in :class:`Units` (the network's currency per its period), the proven ``bound`` and
``gap`` on the optimised objective, typed ``kpis`` (a :class:`Kpis` dataclass of the decision),
the plan, the options it was solved or evaluated under, and diagnostics in domain words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from servopt.models.plan import Plan
from servopt.optimizer.params import Objective, ObjectiveOptions, SolveParams


def json_ready(value: Any) -> Any:
    """Plain JSON data: non-finite floats become None (JSON has no inf or nan), numpy arrays
    and scalars become lists and numbers, enums their value, sets sorted lists; recursively."""
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
    if isinstance(value, set | frozenset):
        return [json_ready(v) for v in sorted(value)]
    return value


def options_to_data(options: Any) -> dict[str, Any]:
    """An options dataclass as JSON data (enums as their value, tuples as lists)."""
    return {f.name: json_ready(getattr(options, f.name)) for f in fields(options)}


#: The keys of ``Result.objective``: ``cost`` and ``value`` always, ``weighted`` when optimised.
OBJECTIVE_KEYS = ("cost", "value", "weighted")


@dataclass(frozen=True)
class Units:
    """What every money figure of a result is in: ``currency`` per ``period``.

    >>> u = Units("CNY", "year")
    >>> u.money(1234.5)
    '1,234.50 CNY/year'
    """

    currency: str
    period: str

    @classmethod
    def of(cls, network: Any) -> Units:
        """The units of ``network`` (its ``currency`` and ``period``)."""
        return cls(str(network.currency), str(network.period))

    def money(self, amount: float, digits: int = 2) -> str:
        """``amount`` with its currency and period."""
        return f"{amount:,.{digits}f} {self.currency}/{self.period}"

    def to_dict(self) -> dict[str, str]:
        return {"currency": self.currency, "period": self.period}


@dataclass(frozen=True)
class Kpis:
    """Base of every decision's KPI dataclass: serialised the same way (:meth:`to_dict`).

    A decision's KPIs are a frozen dataclass deriving from this one, with documented, typed
    fields; nested dataclasses, tuples and mappings serialise recursively.
    """

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, Kpis):
        return value.to_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return json_ready(value)


def objective_values(options: ObjectiveOptions, cost: float, value: float) -> dict[str, float]:
    """``cost`` and ``value``, and ``weighted`` when the options weigh them: the objective keys
    of every decision's result."""
    out = {"cost": cost, "value": value}
    if options.objective is Objective.WEIGHTED:
        out["weighted"] = options.score(cost, value)
    return out


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
    infeasible or failed solve in domain words. ``violations`` are the constraints an
    *evaluated* plan breaks (a hand-written proposal may break some; a solver's plan never
    does): such a plan still has its figures, and ``is_feasible`` is false.
    """

    status: Status
    runtime_s: float
    objective: Mapping[str, float] = field(default_factory=dict)
    bound: float | None = None
    gap: float | None = None
    plan: Plan | None = None
    kpis: Any = field(default_factory=dict)
    diagnostics: tuple[str, ...] = ()
    params: SolveParams | None = None
    solver: str = ""
    decision: str = ""
    units: Units | None = None
    options: Any = None
    violations: tuple[str, ...] = ()
    #: The fields of ``params`` the decision's method used (empty: all); only these are written
    #: (a routing search has no MILP solver or gap to report).
    params_used: tuple[str, ...] = ()

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
        return self.status.has_plan and not self.violations

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: ``decision``, ``status``, ``objective``, ``units``, ``bound``,
        ``gap``, ``runtime_s``, ``kpis``, ``plan``, ``diagnostics``, ``solver``, the options
        and the solve parameters. A valid input of ``servopt evaluate``."""
        from servopt.models.io import to_data

        kpis = self.kpis.to_dict() if isinstance(self.kpis, Kpis) else json_ready(self.kpis)
        return {
            "decision": self.decision,
            "status": self.status.value,
            "units": self.units.to_dict() if self.units else None,
            "objective": dict(self.objective),
            "bound": self.bound,
            "gap": self.gap,
            "runtime_s": self.runtime_s,
            "kpis": kpis,
            "plan": to_data(self.plan) if self.plan is not None else None,
            "diagnostics": list(self.diagnostics),
            "violations": list(self.violations),
            "solver": self.solver,
            "params": self._params_data(),
            "options": options_to_data(self.options) if self.options is not None else None,
        }

    def _params_data(self) -> dict[str, Any] | None:
        if self.params is None:
            return None
        data = self.params.to_dict()
        return {k: v for k, v in data.items() if not self.params_used or k in self.params_used}

    def summary(self) -> str:
        """A few readable lines: status, objectives, gap, runtime, diagnostics."""
        lines = [f"decision   {self.decision}"] if self.decision else []
        lines.append(f"status     {self.status.value}")
        for k, v in self.objective.items():
            money = self.units.money(v) if self.units else f"{v:,.2f}"
            lines.append(f"{k:<10} {money}")
        if self.bound is not None:
            lines.append(f"bound      {self.bound:,.2f}")
        if self.gap is not None:
            lines.append(f"gap        {self.gap:.4%}")
        lines.append(f"runtime    {self.runtime_s:.2f} s ({self.solver or 'no solver'})")
        lines.extend(f"note       {d}" for d in self.diagnostics)
        lines.extend(f"VIOLATION {v}" for v in self.violations)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def evaluated(
    decision: str,
    units: Units,
    options: ObjectiveOptions,
    kpis: Any,
    plan: Plan,
    started: float,
    diagnostics: Any = (),
    violations: Any = (),
) -> Result:
    """The result of an evaluator: ``kpis`` (with ``cost`` and ``value``) of ``plan`` priced
    under ``options``, ``started`` by :func:`time.perf_counter`; the one way every decision's
    ``evaluate`` builds its :class:`Result`."""
    import time

    unpriced = [
        f"pool_changes[{i}]: training ({', '.join(c.train) or 'training_cost'}) is not priced "
        f"by {decision}: the year's pricing of servopt plan counts it "
        "(servopt.optimizer.joint.price_year)"
        for i, c in enumerate(plan.pool_changes)
        if c.training_cost or c.train
    ]
    return Result(
        Status.FEASIBLE,
        time.perf_counter() - started,
        objective=objective_values(options, kpis.cost, kpis.value),
        plan=plan,
        kpis=kpis,
        diagnostics=(*diagnostics, *unpriced),
        violations=tuple(violations),
        solver="evaluator",
        decision=decision,
        units=units,
        options=options,
    )
