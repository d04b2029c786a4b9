"""Plans side by side on the full model: every figure of every decision, with the difference
against the first plan (the baseline).

Each decision of :data:`servopt.optimizer.DECISIONS` that can price every plan does so with its
evaluator (the plan's own changes applied): placement always (a plan that does not say which
depots are open keeps today's), staffing when the network's segments have contacts, dispatch
when the network has jobs and every plan has routes or a ``dispatch_policy`` (a plan without
them leaves the day's routes to a solve). Rows are ``objective.cost`` and ``objective.value``,
the number of violations, then every number of the decision's KPIs (components of cost and
value, waits and downtime per segment, SLA attainment, repeat visits, overtime, staff and
occupancy per channel, ...), named by their path (``placement.cost_breakdown.outbound_air``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.result import Result, Units, json_ready

#: KPI keys that are not figures to compare (how a plan was reached, per-route detail).
_SKIP = frozenset({"solve", "per_route", "intervals", "requirements", "plan"})


@dataclass(frozen=True)
class Comparison:
    """``rows``: (name, values per plan) in a stable order; ``plans``: the column names, the
    baseline first; ``units``: each decision's units; ``notes``: what was left out and why."""

    plans: tuple[str, ...]
    rows: tuple[tuple[str, tuple[float | None, ...]], ...]
    units: dict[str, Units]
    violations: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def row(self, name: str) -> tuple[float | None, ...]:
        """The values of row ``name``, one per plan."""
        for n, values in self.rows:
            if n == name:
                return values
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plans, units, rows (values, then differences against the baseline)."""
        return json_ready(
            {
                "plans": list(self.plans),
                "units": {d: u.to_dict() for d, u in self.units.items()},
                "rows": [
                    {"name": n, "values": list(v), "differences": [_diff(v[0], x) for x in v[1:]]}
                    for n, v in self.rows
                ],
                "violations": {
                    d: {p: list(v) for p, v in by.items()} for d, by in self.violations.items()
                },
                "notes": list(self.notes),
            }
        )

    def table(self) -> str:
        """The rows as text: each plan's value, then difference and % against the baseline."""
        width = max([len(n) for n, _ in self.rows] + [10])
        head = f"{'':<{width}}" + "".join(f"{p[:18]:>20}" for p in self.plans)
        head += "".join(f"{'diff ' + p[:12]:>20}{'%':>11}" for p in self.plans[1:])
        lines = [head]
        units = ", ".join(f"{d}: {u.currency}/{u.period}" for d, u in self.units.items())
        lines.append(f"(money in {units})")
        for name, values in self.rows:
            line = f"{name:<{width}}" + "".join(f"{_num(v):>20}" for v in values)
            for x in values[1:]:
                change = _diff(values[0], x)
                line += f"{_num(change['abs']):>20}{_pct(change['rel']):>11}"
            lines.append(line)
        for decision, by in self.violations.items():
            for plan, found in by.items():
                lines.extend(f"VIOLATION {decision} / {plan}: {x}" for x in found)
        lines.extend(f"note       {n}" for n in self.notes)
        return "\n".join(lines)


def _diff(base: float | None, x: float | None) -> dict[str, float | None]:
    if base is None or x is None or not (math.isfinite(base) and math.isfinite(x)):
        return {"abs": None, "rel": None}
    return {"abs": x - base, "rel": (x - base) / abs(base) if base else None}


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    if not math.isfinite(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:+.1%}"


def figures(result: Result, prefix: str) -> dict[str, float]:
    """Every number of ``result``: its objective, its violations' count, and the numeric
    leaves of its KPIs (dataclasses and mappings descended, sequences and :data:`_SKIP` keys
    left out); an endless wait stays ``inf``."""
    out = {f"{prefix}.objective.{k}": float(v) for k, v in result.objective.items()}
    out[f"{prefix}.violations"] = float(len(result.violations))

    def walk(path: str, value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int | float):
            out[path] = float(value)
        elif is_dataclass(value):
            for f in fields(value):
                if f.name not in _SKIP:
                    walk(f"{path}.{f.name}", getattr(value, f.name))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if k not in _SKIP:
                    walk(f"{path}.{k}", v)

    kpis = result.kpis
    items = (
        [(f.name, getattr(kpis, f.name)) for f in fields(kpis)]
        if is_dataclass(kpis)
        else list(dict(kpis).items())
    )
    for k, v in items:
        if k not in _SKIP and k not in ("cost", "value"):
            walk(f"{prefix}.{k}", v)
    return out


def compare(
    network: ServiceNetwork,
    plans: Sequence[tuple[str, Plan]],
    *,
    decisions: Sequence[str] | None = None,
    options: dict[str, Any] | None = None,
) -> Comparison:
    """``plans`` (name, plan) side by side on ``network`` (module docstring); the first is the
    baseline. ``decisions``: those to compare (default: every one that can price every plan);
    ``options``: a decision's options by name (default: the decision's defaults)."""
    from servopt.optimizer import DECISIONS

    names = tuple(n for n, _ in plans)
    notes: list[str] = []
    columns: list[dict[str, float]] = [{} for _ in plans]
    units: dict[str, Units] = {}
    violations: dict[str, dict[str, tuple[str, ...]]] = {}
    for name in decisions or DECISIONS:
        d = DECISIONS[name]
        why = why_left_out(network, name, [p for _, p in plans])
        if why:
            notes.append(f"{name} left out: {why}")
            continue
        opts = (options or {}).get(name) or d.options()
        for i, (label, plan) in enumerate(plans):
            r = d.evaluate(network, plan, opts)
            columns[i].update(figures(r, name))
            units[name] = r.units or Units.of(network)
            if r.violations:
                violations.setdefault(name, {})[label] = r.violations
    order = list(dict.fromkeys(k for col in columns for k in col))
    rows = tuple((k, tuple(col.get(k) for col in columns)) for k in order)
    return Comparison(names, rows, units, violations, tuple(notes))


def why_left_out(network: ServiceNetwork, decision: str, plans: list[Plan]) -> str:
    """Why ``decision`` cannot price every plan ('' when it can)."""
    if decision == "placement" and not network.total_demand:
        return "no site has parts demand"
    if decision == "staffing" and not any(s.demand_per_day > 0 for s in network.segments):
        return "no segment has contacts (demand_per_day)"
    if decision == "dispatch":
        if not network.jobs:
            return "the network has no jobs"
        bare = [
            p.name or f"plan {i + 1}"
            for i, p in enumerate(plans)
            if p.routes is None and p.dispatch_policy is None
        ]
        if bare:
            return (
                f"{', '.join(bare)} give(s) no routes and no dispatch_policy: the day's routes "
                "need a solve (servopt solve dispatch --plan ... --json, then compare the result)"
            )
    return ""
