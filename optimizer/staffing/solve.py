r"""The staffing solver: split each segment's contacts over the channels it can use and put staff
on duty on each staffed channel, under the objective of :mod:`~servopt.optimizer.staffing.terms`.

Average hour (``by_interval`` off):

1. The channel-mix MILP (:func:`~servopt.optimizer.staffing.channels.plan_channels`): the
   cheapest split and staff with every staffed channel at most ``max_occupancy`` busy, shared
   pools split among their channels, and each segment's ``max_wait_h`` met where the pools
   allow. Under ``cost`` this is the answer, proven optimal by the MILP (the wait targets are
   staff floors, so raised staff is the least that meets them on each channel, not a proven
   joint optimum when targets bind).
2. Under ``value`` and ``weighted``, from that start, alternate until no step gains:

   - *staff*: with the split fixed, each channel's price
     :math:`w_C r_c n + w_V \sum_s \lambda_{sc} (\delta_s W_c(n)/60 + P^{ab}_c(n) v_s \chi_s)`
     is convex in :math:`n` (Erlang C's wait is convex in the servers: Dyer & Proll 1977), so
     adding one person at a time where the gain is largest, while a pool with people to spare
     staffs the channel, is the least-price staffing (exact for channels with pools of their
     own);
   - *split*: with the staff fixed, a Frank-Wolfe step: the LP over the flows priced at each
     contact's marginal price (its own wait plus what it adds to everyone's on its channel,
     from :math:`\partial W_c / \partial \lambda_c`), then a golden-section line search toward
     its answer on the true price.

   Each step only keeps a gain, so the plan is never worse than the cost-optimal start under
   the chosen objective. There is no proof of optimality: the status is ``feasible``.

By interval (``by_interval``): the average hour's split, each staffing interval sized for the
service level (Erlang C) and, under ``value``/``weighted``, raised one person at a time while
the interval's price falls; the requirements covered by the cheapest shifts
(:func:`~servopt.optimizer.staffing.channels.staff_by_interval`). The plan's staff is the
shifts' coverage; the cost counts staff on duty (breaks and overstaffing are in
``kpis.solve["shift_cost"]``, the shifts' paid hours).
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import numpy as np

from servopt.models.network import ServiceNetwork
from servopt.models.plan import Plan
from servopt.optimizer.decision import refuse_caps, unused_inputs
from servopt.optimizer.params import Objective, SolveParams
from servopt.optimizer.result import Result, Status
from servopt.optimizer.staffing.check import staff_fits
from servopt.optimizer.staffing.evaluate import evaluate_staffing, staffing_units
from servopt.optimizer.staffing.terms import (
    CAPS_HELD,
    READS,
    StaffingOptions,
    channel_rates,
    contact_price,
    queue,
    served_by,
    wait_price,
)

_GAIN = 1e-9  # relative gain below which a step counts as none


def solve_staffing(
    network: ServiceNetwork,
    options: StaffingOptions | None = None,
    params: SolveParams | None = None,
    *,
    plan: Plan | None = None,
) -> Result:
    """Staff the network's channels for its segments' contacts (see the module docstring).

    ``plan``: changes to staff under (a redesign's head counts and pools' channels), applied
    here. Returns a :class:`~servopt.optimizer.result.Result` whose ``objective`` holds the
    plan's ``cost`` and ``value`` as :func:`evaluate_staffing` prices them and whose plan
    states the split (``channel_split``) and the staff on duty (``staffing``).
    """
    t0 = time.perf_counter()
    options = options or StaffingOptions()
    params = params or SolveParams(time_limit_s=30.0)
    refuse_caps("staffing", CAPS_HELD, options)
    base = plan or Plan()
    deadline = t0 + params.time_limit_s
    if options.by_interval:
        return _by_interval(network, base, options, params, t0, deadline)
    from servopt.optimizer.staffing.channels import plan_channels

    mix = plan_channels(
        network,
        base,
        params,
        hours_per_day=options.hours_per_day,
        max_occupancy=options.max_occupancy,
        preference_cost=options.preference_cost,
    )
    if not mix.status.has_plan:
        return _no_plan(network, mix.status, mix.diagnostics, options, params, t0)
    split = shares(mix.flows)
    staff = {c: mix.staff.get(c, 0) for c in served_by(network, base)}
    steps: dict[str, Any] = {"method": "channel-mix MILP", "rounds": 0}
    status = mix.status
    if options.objective is not Objective.COST and split:
        search = _Search(network, base, options, mix.flows, staff, params, deadline)
        steps = search.run()
        split, staff = search.split(), search.staff
        status = Status.FEASIBLE
    result = evaluate_staffing(
        network,
        base.replace(channel_split=split, staffing={c: (n,) for c, n in staff.items()}),
        options,
    )
    return _solved(network, result, status, t0, params, mix.diagnostics, solve=steps)


def _no_plan(
    network: ServiceNetwork,
    status: Status,
    diagnostics: tuple[str, ...],
    options: StaffingOptions,
    params: SolveParams,
    t0: float,
) -> Result:
    return Result(
        status,
        time.perf_counter() - t0,
        diagnostics=diagnostics,
        solver=params.solver,
        params=params,
        decision="staffing",
        units=staffing_units(network),
        options=options,
    )


def channel_price(
    network: ServiceNetwork,
    options: StaffingOptions,
    rates: dict[str, float],
    c: str,
    n: int,
    lam: dict[str, float],
) -> float:
    """The scalar the solver minimises for one channel, per hour: with ``n`` staff and ``lam``
    (segment -> contacts an hour), :math:`w_C` x (staff and contacts) + :math:`w_V` x the
    customers' waiting and abandonment (:mod:`~servopt.optimizer.staffing.terms`)."""
    wc, wv = options.weights
    w, pab = queue(network.index["channels"][c], n, sum(lam.values()), c in rates)
    total = wc * rates.get(c, 0.0) * n
    for s, x in lam.items():
        k = contact_price(network, s, c, options.preference_cost)
        total += x * (wc * k + wv * wait_price(network, s, w, pab))
    return total


class _Search:
    """The alternating staff / split search of the module docstring, on the average hour."""

    def __init__(
        self,
        network: ServiceNetwork,
        plan: Plan,
        options: StaffingOptions,
        flows: dict[str, dict[str, float]],
        staff: dict[str, int],
        params: SolveParams,
        deadline: float,
    ) -> None:
        self.net, self.plan, self.opt = network, plan, options
        self.wc, self.wv = options.weights
        self.flows = {s: dict(f) for s, f in flows.items()}
        self.staff = dict(staff)
        self.params, self.deadline = params, deadline
        self.rates = channel_rates(network, plan)
        self.pools = served_by(network, plan)
        self.heads = plan.headcounts(network)
        self.chans = network.index["channels"]
        self.demand = {s: sum(f.values()) for s, f in self.flows.items()}

    # ------------------------------------------------------------------ prices
    def channel_price(self, c: str, n: int, lam: dict[str, float]) -> float:
        return channel_price(self.net, self.opt, self.rates, c, n, lam)

    def loads(self, flows: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for s, f in flows.items():
            for c, x in f.items():
                if x > 1e-12:
                    out.setdefault(c, {})[s] = x
        return out

    def price(self, flows: dict[str, dict[str, float]]) -> float:
        lam = self.loads(flows)
        chans = set(lam) | set(self.staff)
        return sum(self.channel_price(c, self.staff.get(c, 0), lam.get(c, {})) for c in chans)

    # ------------------------------------------------------------------ staff step
    def fits(self, staff: dict[str, int]) -> bool:
        return staff_fits(self.heads, self.pools, staff)

    def floor(self, c: str, lam: dict[str, float]) -> int:
        """The least staff on channel ``c`` within ``max_occupancy``, and, as the cost plan
        has it, for the strictest ``max_wait_h`` of the segments on it where its pools allow."""
        from servopt.optimizer.staffing.channels import _staff_for_wait

        aht = self.chans[c].service_min or 0.0
        load = sum(lam.values())
        work = load * aht / 60.0
        least = math.ceil(work / self.opt.max_occupancy - 1e-9) if work > 0 else 0
        targets = [self.net.segment(s).max_wait_h for s in lam]
        target_min = min((t * 60.0 for t in targets if t is not None), default=math.inf)
        need = _staff_for_wait(self.net, c, load, target_min) if work > 0 else None
        cap = sum(self.heads[p] for p in self.pools.get(c, ()))
        if need is not None and need <= cap:
            least = max(least, need)
        return least

    def staff_step(self) -> bool:
        """Staff every channel at its floor, then add people where the price falls most; kept
        when the price falls, or when the split moved load onto a channel below its floor."""
        lam = self.loads(self.flows)
        before = self.price(self.flows)
        floors = {c: self.floor(c, lam.get(c, {})) for c in self.staff}
        below = any(self.staff[c] < n for c, n in floors.items())
        staff = dict(floors)
        if not self.fits(staff):
            staff = {c: max(n, self.staff[c]) for c, n in floors.items()}
            if not self.fits(staff):
                staff, below = dict(self.staff), False
        gain = {
            c: self.channel_price(c, n, lam.get(c, {}))
            - self.channel_price(c, n + 1, lam.get(c, {}))
            for c, n in staff.items()
        }
        while gain and time.perf_counter() < self.deadline:
            c = max(gain, key=lambda k: gain[k])
            if gain[c] <= _GAIN * max(before, 1.0):
                break
            staff[c] += 1
            if not self.fits(staff):
                staff[c] -= 1
                del gain[c]
                continue
            n, here = staff[c], lam.get(c, {})
            gain[c] = self.channel_price(c, n, here) - self.channel_price(c, n + 1, here)
        old = self.staff
        self.staff = staff
        after = self.price(self.flows)
        if below or after < before - _GAIN * max(abs(before), 1.0):
            return True
        self.staff = old
        return False

    # ------------------------------------------------------------------ split step
    def marginal(self, c: str, lam: dict[str, float]) -> dict[str, float]:
        """Each segment's marginal customers' price per contact on channel ``c``: its own wait
        and what one more contact adds to the waits of all contacts there."""
        ch, n = self.chans[c], self.staff.get(c, 0)
        load = sum(lam.values())
        w, pab = queue(ch, n, load, c in self.rates)
        eps = max(1e-3, 1e-4 * load)
        w2, pab2 = queue(ch, n, load + eps, c in self.rates)
        if not (math.isfinite(w) and math.isfinite(w2)):
            return {s: 1e12 for s in self.demand}
        shared = sum(
            x * (wait_price(self.net, s, w2, pab2) - wait_price(self.net, s, w, pab)) / eps
            for s, x in lam.items()
        )
        return {s: wait_price(self.net, s, w, pab) + shared for s in self.demand}

    def split_step(self) -> bool:
        from servopt.optimizer.staffing.channel_milp import solve_channel_milp

        left = self.deadline - time.perf_counter()
        if left < 0.2:
            return False
        lam = self.loads(self.flows)
        price = {}
        for s in self.demand:
            for c in self.net.segment(s).channels:
                m = self.marginal(c, lam.get(c, {}))
                price[s, c] = self.wv * m[s]
        out = solve_channel_milp(
            self.net,
            self.demand,
            self.heads,
            {c: set(ps) for c, ps in self.pools.items()},
            self.rates,
            self.opt.max_occupancy,
            self.opt.preference_cost,
            replace(self.params, time_limit_s=left),
            flow_price=price,
            fixed_staff=self.staff,
            cost_weight=self.wc,
        )
        if not out.status.has_plan:
            return False
        target = out.flows

        def mixed(g: float) -> dict[str, dict[str, float]]:
            return {
                s: {
                    c: (1 - g) * self.flows[s].get(c, 0.0) + g * target.get(s, {}).get(c, 0.0)
                    for c in set(self.flows[s]) | set(target.get(s, {}))
                }
                for s in self.flows
            }

        before = self.price(self.flows)
        lo, hi = 0.0, 1.0
        ratio = (math.sqrt(5) - 1) / 2
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        pa, pb = self.price(mixed(a)), self.price(mixed(b))
        for _ in range(24):
            if pa <= pb:
                hi, b, pb = b, a, pa
                a = hi - ratio * (hi - lo)
                pa = self.price(mixed(a))
            else:
                lo, a, pa = a, b, pb
                b = lo + ratio * (hi - lo)
                pb = self.price(mixed(b))
        best = min(((pa, a), (pb, b), (self.price(mixed(1.0)), 1.0)))
        if best[0] < before - _GAIN * max(abs(before), 1.0):
            self.flows = {
                s: {c: x for c, x in f.items() if x > 1e-12} for s, f in mixed(best[1]).items()
            }
            return True
        return False

    def run(self) -> dict[str, Any]:
        start = self.price(self.flows)
        rounds = 0
        while rounds < 50 and time.perf_counter() < self.deadline:
            rounds += 1
            moved = self.split_step()
            moved = self.staff_step() or moved  # last: the staff fits the final split
            if not moved:
                break
        return {
            "method": "channel-mix MILP, then alternating staff (marginal) and split "
            "(Frank-Wolfe) steps",
            "rounds": rounds,
            "start_price_per_hour": start,
            "price_per_hour": self.price(self.flows),
            "stopped_by_time": time.perf_counter() >= self.deadline,
        }

    def split(self) -> dict[str, dict[str, float]]:
        return shares(self.flows)


def shares(flows: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Each segment's flows as shares of its contacts (each in [0, 1], summing to 1)."""
    return {s: {c: min(1.0, x / sum(f.values())) for c, x in f.items()} for s, f in flows.items()}


def _by_interval(
    network: ServiceNetwork,
    plan: Plan,
    options: StaffingOptions,
    params: SolveParams,
    t0: float,
    deadline: float,
) -> Result:
    from servopt.optimizer.staffing.channels import staff_by_interval

    rates = channel_rates(network, plan)

    def raise_requirement(
        c: str, per_hour: np.ndarray, req: np.ndarray, users: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Under value/weighted: one more person in an interval while its price falls."""
        if options.objective is Objective.COST:
            return req
        out = req.copy()
        cap = sum(plan.headcounts(network)[p] for p in served_by(network, plan).get(c, ()))
        for t, lam in enumerate(per_hour):
            if lam <= 0:
                continue
            here = {s: float(u[t]) for s, u in users.items() if u[t] > 0}

            def price(n: int, here: dict[str, float] = here) -> float:
                return channel_price(network, options, rates, c, n, here)

            while out[t] < cap and price(int(out[t]) + 1) < price(int(out[t])) - 1e-12:
                if time.perf_counter() > deadline:
                    break
                out[t] += 1
        return out

    staffing = staff_by_interval(
        network,
        plan,
        params,
        target_sl=options.target_sl,
        target_s=options.target_s,
        max_occupancy=options.max_occupancy,
        preference_cost=options.preference_cost,
        raise_requirement=raise_requirement,
    )
    mix = staffing.mix
    if not staffing.status.has_plan:
        return _no_plan(network, staffing.status, staffing.diagnostics, options, params, t0)
    split = shares(mix.flows)
    n = len(staffing.channels[0].requirements) if staffing.channels else 1
    staff = {c: (0,) * n for c in served_by(network, plan)}
    for ch in staffing.channels:
        cov = ch.schedule.coverage
        staff[ch.channel] = tuple(int(x) for x in cov) if cov is not None else (0,) * n
    result = evaluate_staffing(network, plan.replace(channel_split=split, staffing=staff), options)
    status = staffing.status
    if options.objective is not Objective.COST and status is Status.OPTIMAL:
        status = Status.FEASIBLE
    solve_info = {
        "method": "interval sizing (Erlang C service level"
        + (", raised while the interval's price falls" if options.weights[1] else "")
        + "), shifts by MILP",
        "shift_cost": staffing.cost,
        "shifts": {ch.channel: dict(ch.schedule.starts) for ch in staffing.channels},
    }
    need = {ch.channel: ch.requirements for ch in staffing.channels}
    return _solved(
        network,
        result,
        status,
        t0,
        params,
        staffing.diagnostics,
        requirements=need,
        solve=solve_info,
    )


def _solved(
    network: ServiceNetwork,
    result: Result,
    status: Status,
    t0: float,
    params: SolveParams,
    notes: tuple[str, ...],
    **kpis: Any,
) -> Result:
    """The evaluator's ``result`` of a solved plan, as the solver's: its status, time, notes
    first, parameters and what it says of the solve in the KPIs."""
    return replace(
        result,
        status=status,
        runtime_s=time.perf_counter() - t0,
        diagnostics=tuple(
            dict.fromkeys((*notes, *result.diagnostics, *unused_inputs(network, "staffing", READS)))
        ),
        solver=params.solver,
        params=params,
        params_used=("time_limit_s", "seed", "solver", "mip_gap"),
        kpis=replace(result.kpis, **kpis),
    )
