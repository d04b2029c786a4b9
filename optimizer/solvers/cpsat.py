"""The OR-Tools CP-SAT adapter: solve a ``cp_model.CpModel`` under a time limit and a seed.

Same seed, same result: CP-SAT's parallel portfolio is not deterministic, so its subsolvers
are interleaved (``interleave_search``: they run in deterministic batches on ``params.threads``
threads, the machine's cores by default, and the search does not depend on how many), unless a
time limit stops it first. The status is the true one: a search stopped by its limit with a
solution is ``feasible`` (never ``optimal``), with the gap CP-SAT proves between the solution
and its best bound; one stopped at ``params.mip_gap`` is ``optimal`` within that gap, as the
MILPs are.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status


@dataclass(frozen=True)
class CpSolution:
    """Outcome of one CP-SAT solve: its status, objective and proven bound (in the model's
    integer units), gap, wall time, and the solver to read values from (``value(var)``)."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    runtime_s: float
    solver: cp_model.CpSolver | None
    message: str = ""
    values: dict[int, int] | None = None
    rounds: int = 0

    def value(self, var: Any) -> int:
        if self.values is not None:
            return self.values[var.index]
        assert self.solver is not None
        return int(self.solver.value(var))


_STATUS = {
    cp_model.OPTIMAL: Status.OPTIMAL,
    cp_model.FEASIBLE: Status.FEASIBLE,
    cp_model.INFEASIBLE: Status.INFEASIBLE,
    cp_model.UNKNOWN: Status.NO_SOLUTION,
    cp_model.MODEL_INVALID: Status.ERROR,
}


def solve_cpsat(
    model: cp_model.CpModel,
    params: SolveParams,
    deadline: float | None = None,
    hint: dict[Any, int] | None = None,
    *,
    deterministic: bool = True,
) -> CpSolution:
    """Solve ``model`` within ``params.time_limit_s`` or until ``deadline`` (a
    :func:`time.perf_counter` time), whichever comes first, with ``params.seed``; ``hint``: a
    starting solution (variable -> value), which CP-SAT repairs if it breaks a constraint;
    ``deterministic=False``: the parallel portfolio on ``params.threads`` threads, stronger and
    not reproducible."""
    start = time.perf_counter()
    left = params.time_limit_s if deadline is None else min(params.time_limit_s, deadline - start)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(left, 0.01)
    p.random_seed = int(params.seed)
    p.num_workers = params.threads or min(8, os.cpu_count() or 1)
    p.interleave_search = deterministic
    p.relative_gap_limit = params.mip_gap
    if hint:
        model.clear_hints()
        for var, val in hint.items():
            model.add_hint(var, val)
    code = solver.solve(model)
    runtime = time.perf_counter() - start
    status = _STATUS.get(code, Status.ERROR)
    objective = bound = gap = None
    if status.has_plan:
        objective = float(solver.objective_value)
        bound = float(solver.best_objective_bound)
        gap = max(0.0, objective - bound) / max(abs(objective), 1.0)
    message = "" if status is not Status.ERROR else "CP-SAT says the model is invalid"
    return CpSolution(status, objective, bound, gap, runtime, solver, message)


def incumbent_value(incumbent: dict[int, int]) -> Callable[[Any], int]:
    """``var -> value`` in ``incumbent`` (variable index -> value)."""
    return lambda v: incumbent[v.index]


def solve_lns(
    model: cp_model.CpModel,
    params: SolveParams,
    deadline: float,
    start: dict[Any, int],
    fixable: list[Any],
    free: Callable[[random.Random, int, Callable[[Any], int]], list[Any]],
    *,
    first_dtime: float = 1.5,
    round_dtime: float = 1.0,
    budget_dtime: float | None = None,
) -> CpSolution:
    """Large-neighbourhood search over CP-SAT, deterministic for a seed.

    A first solve of the whole model from the complete hint ``start`` (one worker,
    ``first_dtime`` units of CP-SAT's deterministic time) proves the bound; then each round
    frees the variables ``free(rng, round, incumbent)`` picks (``incumbent(var)``: its value in
    the best solution so far), fixes every other one of ``fixable`` (the
    decisions; the variables that follow from them stay free) to the incumbent, and re-solves
    (one worker, ``round_dtime``, without presolve: most variables are fixed), keeping the
    result when it is no worse. One worker and deterministic-time limits make every round
    reproducible; the search
    stops at ``budget_dtime`` deterministic units (default: half the time limit's seconds, as
    a unit takes one to two seconds on a small machine), or at ``deadline``, whichever is
    first: the same seed gives the same result whenever the budget, not the wall clock, ends
    it.
    """
    t0 = time.perf_counter()
    rng = random.Random(params.seed)
    budget = params.time_limit_s / 2 if budget_dtime is None else budget_dtime
    proto = model.Proto()
    incumbent = {v.index: int(val) for v, val in start.items()}
    var_of = {v.index: v for v in start}

    def run(dtime: float, seed: int, presolve: bool = True) -> tuple[cp_model.CpSolver, Any]:
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.cp_model_presolve = presolve
        p.num_workers = 1
        p.random_seed = seed
        p.max_deterministic_time = dtime
        p.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
        p.relative_gap_limit = params.mip_gap
        model.clear_hints()
        for i, v in var_of.items():
            model.add_hint(v, incumbent[i])
        return solver, solver.solve(model)

    solver, code = run(first_dtime, int(params.seed))
    used = solver.deterministic_time
    status = _STATUS.get(code, Status.ERROR)
    if not status.has_plan:
        return CpSolution(status, None, None, None, time.perf_counter() - t0, solver)
    best = float(solver.objective_value)
    bound = float(solver.best_objective_bound)
    incumbent = {i: int(solver.value(v)) for i, v in var_of.items()}
    rounds = 0
    while status is not Status.OPTIMAL and used < budget and time.perf_counter() < deadline - 0.05:
        rounds += 1
        opened = {v.index for v in free(rng, rounds, incumbent_value(incumbent))}
        saved = {}
        for v in fixable:
            if v.index not in opened:
                dom = proto.variables[v.index].domain
                saved[v.index] = list(dom)
                dom.clear()
                dom.extend([incumbent[v.index], incumbent[v.index]])
        try:
            solver, code = run(round_dtime, int(params.seed) + rounds, presolve=False)
        finally:
            for i, dom in saved.items():
                proto.variables[i].domain.clear()
                proto.variables[i].domain.extend(dom)
        used += solver.deterministic_time
        if (
            _STATUS.get(code) in (Status.OPTIMAL, Status.FEASIBLE)
            and solver.objective_value <= best
        ):
            best = float(solver.objective_value)
            incumbent = {i: int(solver.value(v)) for i, v in var_of.items()}
        if best <= bound:
            status = Status.OPTIMAL
    if status is not Status.OPTIMAL:
        status = Status.FEASIBLE
    message = (
        f"the clock ended the search after {rounds} round(s), before its work budget "
        f"({used:.1f} of {budget:.1f} deterministic units): the same seed may give another "
        "result on another run or machine"
        if status is not Status.OPTIMAL and used < budget
        else ""
    )
    gap = max(0.0, best - bound) / max(abs(best), 1.0)
    return CpSolution(
        status,
        best,
        bound,
        gap,
        time.perf_counter() - t0,
        None,
        message,
        values=incumbent,
        rounds=rounds,
    )
