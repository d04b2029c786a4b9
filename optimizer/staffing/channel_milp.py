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
    """The answer of :func:`solve_channel_milp`.

    Attributes
    ----------
    status
        The solver's status; the other figures are set only when it has a plan.
    cost
        The MILP's objective per hour: contact and preference prices (times ``cost_weight``),
        any ``flow_price``, and the staff hours when staff are decided; None without a plan.
    flows
        Segment -> channel -> contacts per hour (only flows above 1e-9).
    staff
        Staffed channel -> staff on duty (n_c; the fixed values under ``fixed_staff``).
    message
        The solver's message when there is no plan ("" otherwise).
    """

    status: Status
    cost: float | None = None
    flows: dict[str, dict[str, float]] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    message: str = ""


def solve_channel_milp(
    network: ServiceNetwork,
    demand: dict[str, float],
    heads: dict[str, int],
    served_by: dict[str, set[str]],
    hourly: dict[str, float],
    max_occupancy: float,
    preference_cost: float,
    params: SolveParams,
    min_staff: dict[str, int] | None = None,
    *,
    flow_price: dict[tuple[str, str], float] | None = None,
    fixed_staff: dict[str, int] | None = None,
    cost_weight: float = 1.0,
) -> ChannelMilpOutcome:
    """Solve the channel mix. ``heads``: head count per pool; ``served_by``: the pools that
    staff each staffed channel (a pool that staffs several channels splits its people among
    them: x_pc >= 0, sum_c x_pc <= H_p, n_c = sum_p x_pc); ``hourly``: the price of one staff
    hour per channel. ``flow_price`` adds a price per contact of segment s on channel c (the
    customers' waiting, when the staffing decision weighs value); ``fixed_staff`` fixes n_c (the
    mix is then an LP over the flows); ``cost_weight`` scales the company's prices."""
    prob = pulp.LpProblem("channels", pulp.LpMinimize)
    channels = network.index["channels"]
    extra = flow_price or {}
    f = {}
    for s in demand:
        seg = network.segment(s)
        for c in seg.channels:  # accessibility edges only
            f[s, c] = prob.add_variable(f"f_{s}_{c}", 0, None)
    low = min_staff or {}
    cap = {c: sum(heads[p] for p in served_by[c]) for c in served_by}
    n: dict[str, object] = {}
    for c in served_by:
        if fixed_staff is not None:
            n[c] = fixed_staff.get(c, 0)
        else:
            n[c] = prob.add_variable(f"n_{c}", min(low.get(c, 0), cap[c]), cap[c], cat="Integer")
    terms = []
    for (s, c), var in f.items():
        pref = network.segment(s).channel_preference.get(c, 0.0)
        price = channels[c].cost_per_contact + preference_cost * (1.0 - pref)
        terms.append((var, cost_weight * price + extra.get((s, c), 0.0)))
    terms += [(n[c], cost_weight * hourly[c]) for c in served_by if fixed_staff is None]
    prob += linear_expr(terms)
    for s, d in demand.items():
        prob += linear_expr([(f[s, c], 1.0) for c in network.segment(s).channels]) == d
    if fixed_staff is None:
        # Shared pools: the people of a pool that staffs several channels are split among them.
        x = {
            (p, c): prob.add_variable(f"x_{p}_{c}", 0, None)
            for c, pools in served_by.items()
            for p in pools
        }
        for c in served_by:
            prob += linear_expr([(x[p, c], 1.0) for p in served_by[c]] + [(n[c], -1.0)]) == 0
        for p in heads:
            mine = [(var, 1.0) for (q, _), var in x.items() if q == p]
            if mine:
                prob += linear_expr(mine) <= heads[p]
    for c, ch in channels.items():
        flows = [(var, 1.0) for (s, cc), var in f.items() if cc == c]
        if not flows:
            continue
        if c in served_by and ch.service_min:
            work = [(var, ch.service_min / 60.0) for var, _ in flows]
            if fixed_staff is None:
                prob += linear_expr([*work, (n[c], -max_occupancy)]) <= 0
            else:
                prob += linear_expr(work) <= max_occupancy * fixed_staff.get(c, 0)
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
    staff = {
        c: (v if isinstance(v, int) else round(v.value() or 0.0))  # type: ignore[attr-defined]
        for c, v in n.items()
    }
    return ChannelMilpOutcome(out.status, out.objective, flows_out, staff)
