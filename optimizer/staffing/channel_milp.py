"""The channel-mix MILP in PuLP (formulation in :mod:`servopt.optimizer.staffing.channels`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from servopt.models.network import ServiceNetwork
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status
from servopt.optimizer.solvers.milp import linear_expr, solve_milp


@dataclass(frozen=True)
class ChannelMilpOutcome:
    status: Status
    cost: float | None = None
    flows: dict[str, dict[str, float]] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    message: str = ""


def solve_channel_milp(
    network: ServiceNetwork,
    demand: dict[str, float],
    staffed: dict[str, int],
    hourly: dict[str, float],
    max_occupancy: float,
    preference_cost: float,
    params: SolveParams,
    min_staff: dict[str, int] | None = None,
) -> ChannelMilpOutcome:
    prob = pulp.LpProblem("channels", pulp.LpMinimize)
    channels = network.index["channels"]
    f = {}
    for s in demand:
        seg = network.segment(s)
        for c in seg.channels:  # accessibility edges only
            f[s, c] = prob.add_variable(f"f_{s}_{c}", 0, None)
    low = min_staff or {}
    n = {
        c: prob.add_variable(f"n_{c}", min(low.get(c, 0), staffed[c]), staffed[c], cat="Integer")
        for c in staffed
    }
    terms = []
    for (s, c), var in f.items():
        pref = network.segment(s).channel_preference.get(c, 0.0)
        terms.append((var, channels[c].cost_per_contact + preference_cost * (1.0 - pref)))
    terms += [(n[c], hourly[c]) for c in staffed]
    prob += linear_expr(terms)
    for s, d in demand.items():
        prob += linear_expr([(f[s, c], 1.0) for c in network.segment(s).channels]) == d
    for c, ch in channels.items():
        flows = [(var, 1.0) for (s, cc), var in f.items() if cc == c]
        if not flows:
            continue
        if c in staffed and ch.service_min:
            work = [(var, ch.service_min / 60.0) for var, _ in flows]
            prob += linear_expr([*work, (n[c], -max_occupancy)]) <= 0
        elif ch.capacity_per_hour is not None:
            prob += linear_expr(flows) <= ch.capacity_per_hour * ch.availability
        elif ch.service_min:
            prob += linear_expr(flows) <= 0  # needs staff, has none
    out = solve_milp(prob, params)
    if not out.status.has_plan:
        return ChannelMilpOutcome(out.status, message=out.message)
    flows_out: dict[str, dict[str, float]] = {}
    for (s, c), var in f.items():
        v = var.value() or 0.0
        if v > 1e-9:
            flows_out.setdefault(s, {})[c] = v
    staff = {c: round(var.value() or 0.0) for c, var in n.items()}
    return ChannelMilpOutcome(out.status, out.objective, flows_out, staff)
