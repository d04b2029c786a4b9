"""PuLP backend: solve a ``pulp.LpProblem`` with HiGHS (the highsbox binary) or CBC.

The only module besides the routing backend that imports pulp. It keeps apart what PuLP merges:

* PuLP reports a MIP stopped at its time limit with an incumbent as ``LpStatusOptimal``; the
  solution status (``sol_status``) and the solver log say whether optimality was proven. Here
  that is :attr:`Status.FEASIBLE` with the proven bound and gap.
* HiGHS runs as the command-line binary shipped by ``highsbox`` (``HiGHS_CMD`` cannot find its
  shared library by itself), never through ``highspy``: with highspy installed, ``import pulp``
  loads its libhighs and ortools then fails to import.

Solver names: ``"highs"`` (default), ``"cbc"`` (bundled with PuLP), or any other PuLP solver name
(``pulp.listSolvers()``), passed through with the time limit, gap and threads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from servopt.models.errors import SolverUnavailableError
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Status

log = logging.getLogger("servopt.backends.pulp")


@dataclass(frozen=True, slots=True)
class MilpSolution:
    """Outcome of one MILP solve. Variable values are on the problem's variables
    (``var.value()``) when ``status`` is optimal or feasible."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    runtime_s: float
    solver: str
    message: str = ""


def highs_binary() -> tuple[str, str] | None:
    """``(binary, lib_dir)`` of the highsbox HiGHS, or None when it is not installed."""
    try:
        import highsbox
    except ImportError:
        return None
    binary = highsbox.highs_bin_path()
    return (binary, highsbox.highs_lib_dir()) if os.path.exists(binary) else None


def available_solvers() -> list[str]:
    """Names accepted by :func:`solve_milp` that can run on this machine."""
    names = []
    if highs_binary() is not None:
        names.append("highs")
    if pulp.PULP_CBC_CMD(msg=False).available():
        names.append("cbc")
    return names


def solve_milp(
    problem: pulp.LpProblem,
    params: SolveParams,
    warm_start: bool = False,
    deadline: float | None = None,
) -> MilpSolution:
    """Solve ``problem`` under ``params`` (time limit, seed, gap, threads, solver name).

    With ``warm_start``, the variables' current values (``var.setInitialValue``) are handed to
    the solver as a starting incumbent. ``deadline`` (a ``time.perf_counter()`` time; default:
    the time limit plus 1 s from now) is a hard stop for HiGHS: past it the child process is
    killed and the answer is ``no_solution``. A HiGHS crash (any other exit code) is
    ``error``, with the code in the message; SIGTERM or SIGINT during the solve stop the child
    and remove its temp folder before the signal ends the process.

    Raises
    ------
    SolverUnavailableError
        When the named solver is not installed or cannot run.
    """
    name = params.solver.lower()
    start = time.perf_counter()
    if name == "highs":
        out = _solve_highs(problem, params, warm_start, deadline)
    elif name == "cbc":
        out = _solve_cbc(problem, params, warm_start)
    else:
        out = _solve_other(problem, params)
    return _timed(out, start)


def _timed(out: MilpSolution, start: float) -> MilpSolution:
    """``out`` with the seconds since ``start`` as its runtime, logged."""
    elapsed = time.perf_counter() - start
    log.info(
        "%s: %s objective=%s bound=%s in %.2fs",
        out.solver,
        out.status.value,
        out.objective,
        out.bound,
        elapsed,
    )
    return dataclasses.replace(out, runtime_s=elapsed)


def linear_expr(pairs: list[tuple[Any, float]], constant: float = 0.0) -> pulp.LpAffineExpression:
    """A linear expression from (variable, coefficient) pairs; repeated variables add up
    (``LpAffineExpression(list)`` would keep only the last coefficient of each)."""
    coef: dict[Any, float] = {}
    for var, c in pairs:
        coef[var] = coef.get(var, 0.0) + c
    e = pulp.LpAffineExpression(list(coef.items()))
    e.constant = constant
    return e


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-10), or None when either is missing."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-10)


def _finish(
    problem: pulp.LpProblem, status: Status, solver: str, bound: float | None, message: str = ""
) -> MilpSolution:
    objective = pulp.value(problem.objective) if status.has_plan else None
    if objective is not None:
        objective = float(objective)
    if status is Status.OPTIMAL and bound is None:
        bound = objective
    gap = relative_gap(objective, bound) if status.has_plan else None
    return MilpSolution(
        status, objective, bound if status.has_plan else None, gap, 0.0, solver, message
    )


# ------------------------------------------------------------------------------ HiGHS
_HIGHS_STATUS = {
    "optimal": Status.OPTIMAL,
    "infeasible": Status.INFEASIBLE,
    "primal infeasible or unbounded": Status.INFEASIBLE,
}


def _solve_highs(
    problem: pulp.LpProblem, params: SolveParams, warm_start: bool, deadline: float | None
) -> MilpSolution:
    t0 = time.perf_counter()
    with _sigterm_raises(), tempfile.TemporaryDirectory(prefix="servopt-highs-") as tmp:
        mps = Path(tmp) / "m.mps"
        problem.writeMPS(str(mps), with_objsense=True)
        nonzeros = sum(len(c) for c in problem.constraints.values())
        start = (lambda path: _write_highs_start(problem, path)) if warm_start else None
        status, values, bound, message = _run_highs(mps, nonzeros, params, deadline, t0, start)
    if values is not None:
        problem.assignVarsVals(values)
    return _finish(problem, status, "highs", bound, message)


def _run_highs(
    mps: Path,
    nonzeros: int,
    params: SolveParams,
    deadline: float | None,
    t0: float,
    write_start: Any = None,
) -> tuple[Status, dict[str, float] | None, float | None, str]:
    """Run the HiGHS binary on ``mps`` (in its temp folder); ``write_start(path)`` writes a
    starting solution. Returns (status, values by column name or None, bound, message)."""
    found = highs_binary()
    if found is None:
        raise SolverUnavailableError(
            "solver 'highs' needs the highsbox package (pip install highsbox); "
            "or choose --solver cbc"
        )
    binary, lib_dir = found
    # The hard stop: past it HiGHS is killed, whatever it is doing (reading the model counts).
    hard = deadline if deadline is not None else t0 + params.time_limit_s + 1.0
    d = mps.parent
    sol, opts, logf = d / "m.sol", d / "m.opt", d / "m.log"
    # The limit is for the whole call: writing the model counts, and HiGHS's own clock
    # does not always stop its reading the file in time (measured: 3.1 s for 1.0 million
    # nonzeros, 5,000 sites x 50 depots).
    read_guess = 3e-6 * nonzeros
    limit = max(0.01, params.time_limit_s - (time.perf_counter() - t0) - read_guess)
    limit = min(limit, max(0.01, hard - time.perf_counter() - read_guess))
    lines = [
        f"time_limit={limit}",
        f"random_seed={params.seed}",
        f"mip_rel_gap={params.mip_gap}",
        f"solution_file={sol}",
        "write_solution_to_file=true",
        "write_solution_style=0",
        f"log_file={logf}",
        "log_to_console=false",
    ]
    if params.threads is not None:
        lines.append(f"threads={params.threads}")
    opts.write_text("\n".join(lines) + "\n")
    command = [binary, str(mps), f"--options_file={opts}"]
    if write_start is not None:
        start_file = d / "start.sol"
        write_start(start_file)
        command.append(f"--read_solution_file={start_file}")
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (lib_dir, env.get("LD_LIBRARY_PATH", "")) if p
    )
    returncode, killed = _run_child(command, env, d, hard, binary)
    log_text = logf.read_text() if logf.exists() else ""
    if killed:
        stage = "solving" if "Solving" in log_text or "Presolv" in log_text else "reading"
        return (
            Status.NO_SOLUTION,
            None,
            None,
            f"time limit reached: HiGHS was stopped at the deadline while still {stage} the model",
        )
    if returncode not in (0, 1):
        said = "\n".join(
            (d / f).read_text() for f in ("stdout.txt", "stderr.txt") if (d / f).exists()
        )
        said += "\n" + log_text
        if "Parser reached timeout" in said or "reached time_limit while parsing" in said:
            return (
                Status.NO_SOLUTION,
                None,
                None,
                "time limit reached while HiGHS was still reading the model",
            )
        tail = [ln for ln in said.strip().splitlines() if ln.strip()][-3:]
        return (
            Status.ERROR,
            None,
            None,
            f"HiGHS exited with code {returncode} (a solver failure, not the time limit)"
            + (f": {' | '.join(tail)}" if tail else ""),
        )
    model_status, values = _read_highs_solution(sol)
    status = _HIGHS_STATUS.get(model_status.lower())
    if status is None:
        if values is not None:
            status = Status.FEASIBLE
        elif "time limit" in model_status.lower() or "iteration limit" in model_status.lower():
            status = Status.NO_SOLUTION
        elif "unbounded" in model_status.lower():
            return Status.ERROR, None, None, "the model is unbounded"
        else:
            return Status.ERROR, None, None, f"HiGHS ended with model status {model_status!r}"
    if status.has_plan and values is None:
        return (
            Status.ERROR,
            None,
            None,
            f"HiGHS reported {model_status!r} but wrote no solution",
        )
    return status, values, _log_number(log_text, "Dual bound"), model_status


def _run_child(
    command: list[str], env: dict[str, str], folder: Path, hard: float, binary: str
) -> tuple[int, bool]:
    """Run the solver in its own process group; kill the group at ``hard`` (a
    ``perf_counter`` time) or when anything (a signal, an error) interrupts the wait.
    Returns the exit code and whether it was killed at the deadline."""
    with open(folder / "stdout.txt", "w") as out, open(folder / "stderr.txt", "w") as err:
        try:
            proc = subprocess.Popen(
                command, env=env, stdout=out, stderr=err, start_new_session=True
            )
        except OSError as e:
            raise SolverUnavailableError(f"cannot run HiGHS at {binary}: {e}") from e
        try:
            try:
                return proc.wait(timeout=max(0.0, hard - time.perf_counter())), False
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return proc.wait(), True
        finally:
            if proc.poll() is None:
                _kill_group(proc)
                proc.wait()


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While a solver child runs, SIGTERM raises ``SystemExit(143)`` (as SIGINT raises
    ``KeyboardInterrupt``), so that ``finally`` blocks stop the child and remove the temp
    folder. Only in the main thread, and only when nobody else handles SIGTERM."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _write_highs_start(problem: pulp.LpProblem, path: Path) -> None:
    """A HiGHS solution file (style 0) with the variables' initial values."""
    cols = [f"{v.name} {v.varValue or 0}" for v in problem.variables()]
    head = [
        "Model status",
        "None",
        "",
        "# Primal solution values",
        "Feasible",
        "",
        f"# Columns {len(cols)}",
    ]
    path.write_text("\n".join(head + cols) + "\n")


def _read_highs_solution(path: Path) -> tuple[str, dict[str, float] | None]:
    """Model status and primal values from a HiGHS solution file (style 0)."""
    if not path.exists():
        return "", None
    lines = path.read_text().splitlines()
    model_status = lines[1].strip() if len(lines) > 1 else ""
    try:
        begin = next(i for i, ln in enumerate(lines) if ln.startswith("# Columns")) + 1
        feasible = any(ln.strip() == "Feasible" for ln in lines[:begin])
    except StopIteration:
        return model_status, None
    if not feasible:
        return model_status, None
    values = {}
    for ln in lines[begin:]:
        if ln.startswith("#"):
            break
        name, value = ln.split()
        values[name] = float(value)
    return model_status, values


def _log_number(text: str, label: str) -> float | None:
    m = re.search(rf"^\s*{label}\s+([-+0-9.eE]+|-?inf)\s*$", text, re.MULTILINE)
    if not m:
        return None
    v = float(m.group(1))
    return v if math.isfinite(v) else None


# ------------------------------------------------------------------------------- CBC
def _solve_cbc(problem: pulp.LpProblem, params: SolveParams, warm_start: bool) -> MilpSolution:
    solver = pulp.PULP_CBC_CMD(
        warmStart=warm_start,
        msg=False,
        timeLimit=params.time_limit_s,
        gapRel=params.mip_gap,
        threads=params.threads,
        options=[f"randomSeed {params.seed + 1}", f"randomCbcSeed {params.seed + 1}"],
    )
    if not solver.available():
        raise SolverUnavailableError("solver 'cbc' is not available in this PuLP installation")
    with tempfile.TemporaryDirectory(prefix="servopt-cbc-") as tmp:
        solver.optionsDict["logPath"] = os.path.join(tmp, "cbc.log")
        solver.tmpDir = tmp  # PuLP's model files too, so a signal's clean-up removes them
        try:
            problem.solve(solver)
        except pulp.PulpSolverError as e:
            return _finish(problem, Status.ERROR, "cbc", None, f"CBC failed: {e}")
        log_text = Path(tmp, "cbc.log").read_text() if Path(tmp, "cbc.log").exists() else ""
    status = _status_from_pulp(problem)
    bound = None
    if status is Status.FEASIBLE:
        # CBC: "Lower bound:" (minimise) / "Upper bound:" after a stopped branch and bound.
        m = re.search(r"^(?:Lower|Upper) bound:\s*([-+0-9.eE]+)", log_text, re.MULTILINE)
        bound = float(m.group(1)) if m else None
    return _finish(problem, status, "cbc", bound)


def _status_from_pulp(problem: pulp.LpProblem) -> Status:
    """Status from PuLP's pair (status, sol_status): time-limited incumbents are FEASIBLE."""
    sol = problem.sol_status
    if sol == pulp.LpSolutionOptimal:
        return Status.OPTIMAL
    if sol == pulp.LpSolutionIntegerFeasible:
        return Status.FEASIBLE
    if problem.status == pulp.LpStatusInfeasible or sol == pulp.LpSolutionInfeasible:
        return Status.INFEASIBLE
    if problem.status == pulp.LpStatusUnbounded:
        return Status.ERROR
    return Status.NO_SOLUTION


def _solve_other(problem: pulp.LpProblem, params: SolveParams) -> MilpSolution:
    try:
        solver = pulp.getSolver(
            params.solver, msg=False, timeLimit=params.time_limit_s, gapRel=params.mip_gap
        )
    except pulp.PulpSolverError as e:
        raise SolverUnavailableError(
            f"unknown solver {params.solver!r}; choose highs, cbc or one of "
            f"{pulp.listSolvers(onlyAvailable=True)}"
        ) from e
    if not solver.available():
        raise SolverUnavailableError(f"solver {params.solver!r} is not available here")
    problem.solve(solver)
    return _finish(problem, _status_from_pulp(problem), params.solver, None)


# ------------------------------------------------------------------ models as arrays
@dataclass(frozen=True)
class ArrayMilp:
    r"""A MILP as arrays, without a PuLP object per variable and constraint (a million
    depot-site pairs take about 4 GB as PuLP objects and well under 1 GB as arrays):

    .. math:: \min c^T x \;\text{s.t.}\; lo_r \le (Ax)_r \le hi_r,\; lb \le x \le ub,\;
        x_k \in \mathbb{Z} \text{ where } integer_k

    ``rows``, ``cols``, ``vals``: A in coordinate form (repeated entries add up). Each row is an
    equality (lo = hi), a >= row (hi = inf) or a <= row (lo = -inf).
    """

    c: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.c)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)


def write_mps(model: ArrayMilp, path: Path, chunk: int = 200_000) -> None:
    """Free-format MPS of ``model``: columns ``c<k>``, rows ``r<k>``, objective ``obj``;
    written in chunks, so that the text never sits whole in memory."""
    lo, hi = model.row_lo, model.row_hi
    kind = np.where(lo == hi, "E", np.where(np.isinf(hi), "G", "L"))
    if np.any(np.isinf(lo) & np.isinf(hi)):
        raise ValueError("a row without bounds")
    rhs = np.where(kind == "L", hi, lo)
    obj = np.flatnonzero(model.c != 0)
    # Every entry, the objective's as row -1, sorted by column (MPS lists column by column).
    cols = np.concatenate([model.cols, obj]).astype(np.int64)
    rows = np.concatenate([model.rows, np.full(len(obj), -1)]).astype(np.int64)
    vals = np.concatenate([model.vals, model.c[obj]]).astype(float)
    order = np.lexsort((rows, cols))
    cols, rows, vals = cols[order], rows[order], vals[order]
    with open(path, "w") as f:
        f.write("NAME model\nROWS\n N obj\n")
        for start in range(0, model.n_rows, chunk):
            ks = kind[start : start + chunk].tolist()
            f.write("".join(f" {k} r{start + n}\n" for n, k in enumerate(ks)))
        f.write("COLUMNS\n")
        is_int = model.integer
        # Columns with no entry still need a line to exist.
        empty = np.setdiff1d(np.arange(model.n_cols), cols)
        cols = np.concatenate([cols, empty])
        rows = np.concatenate([rows, np.full(len(empty), -1)])
        vals = np.concatenate([vals, np.zeros(len(empty))])
        order = np.argsort(cols, kind="stable")
        cols, rows, vals = cols[order], rows[order], vals[order]
        marker = False
        for start in range(0, len(cols), chunk):
            cs = cols[start : start + chunk].tolist()
            rs = rows[start : start + chunk].tolist()
            vs = vals[start : start + chunk].tolist()
            out = []
            for c, r, v in zip(cs, rs, vs, strict=True):
                if bool(is_int[c]) != marker:
                    marker = not marker
                    out.append(f" M{c} 'MARKER' '{'INTORG' if marker else 'INTEND'}'\n")
                out.append(f" c{c} {'obj' if r < 0 else f'r{r}'} {v!r}\n")
            f.write("".join(out))
        if marker:
            f.write(" MEND 'MARKER' 'INTEND'\n")
        f.write("RHS\n")
        nz = np.flatnonzero(rhs != 0)
        for start in range(0, len(nz), chunk):
            part = nz[start : start + chunk]
            f.write(
                "".join(
                    f" RHS r{r} {v!r}\n"
                    for r, v in zip(part.tolist(), rhs[part].tolist(), strict=True)
                )
            )
        f.write("BOUNDS\n")
        lb, ub = model.lb, model.ub
        lines = []
        for k in np.flatnonzero((lb != 0) | ~np.isinf(ub) | is_int).tolist():
            a, b = float(lb[k]), float(ub[k])
            if a == b:
                lines.append(f" FX BND c{k} {a!r}\n")
                continue
            if a == -math.inf:
                lines.append(f" MI BND c{k}\n")
            elif a != 0 or is_int[k]:
                lines.append(f" LO BND c{k} {a!r}\n")
            lines.append(f" UP BND c{k} {b!r}\n" if b != math.inf else f" PL BND c{k}\n")
            if len(lines) >= chunk:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))
        f.write("ENDATA\n")


def solve_array_milp(
    model: ArrayMilp,
    params: SolveParams,
    start: np.ndarray | None = None,
    deadline: float | None = None,
) -> tuple[MilpSolution, np.ndarray | None]:
    """Solve ``model`` as :func:`solve_milp` solves a PuLP problem (same statuses, limits,
    seed and deadline); ``start`` (a value per column) is the starting incumbent. HiGHS reads
    the MPS file written from the arrays; any other solver gets the file through PuLP (its
    objects again, as the PuLP path). Returns the solution and the column values (None
    without a plan)."""
    t0 = time.perf_counter()
    name = params.solver.lower()
    with _sigterm_raises(), tempfile.TemporaryDirectory(prefix=f"servopt-{name}-") as tmp:
        mps = Path(tmp) / "m.mps"
        write_mps(model, mps)
        if name == "highs":
            out, values = _solve_highs_file(model, mps, params, start, deadline, t0)
        else:
            out, values = _solve_file_in_pulp(model, mps, params, start)
    return _timed(out, t0), values


def _array_outcome(
    model: ArrayMilp,
    status: Status,
    solver: str,
    values: np.ndarray | None,
    bound: float | None,
    message: str = "",
) -> tuple[MilpSolution, np.ndarray | None]:
    if not status.has_plan or values is None:
        return MilpSolution(status, None, None, None, 0.0, solver, message), None
    objective = float(model.c @ values)
    if status is Status.OPTIMAL and bound is None:
        bound = objective
    return (
        MilpSolution(
            status, objective, bound, relative_gap(objective, bound), 0.0, solver, message
        ),
        values,
    )


def _solve_highs_file(
    model: ArrayMilp,
    mps: Path,
    params: SolveParams,
    start: np.ndarray | None,
    deadline: float | None,
    t0: float,
) -> tuple[MilpSolution, np.ndarray | None]:
    def write_start(path: Path) -> None:
        assert start is not None
        head = "Model status\nNone\n\n# Primal solution values\nFeasible\n\n"
        with open(path, "w") as f:
            f.write(head + f"# Columns {model.n_cols}\n")
            f.write("".join(f"c{k} {v!r}\n" for k, v in enumerate(start.tolist())))

    status, found, bound, message = _run_highs(
        mps, len(model.vals), params, deadline, t0, write_start if start is not None else None
    )
    values = None
    if found is not None:
        values = np.zeros(model.n_cols)
        for name, v in found.items():
            values[int(name[1:])] = v
    return _array_outcome(model, status, "highs", values, bound, message)


def _solve_file_in_pulp(
    model: ArrayMilp, mps: Path, params: SolveParams, start: np.ndarray | None
) -> tuple[MilpSolution, np.ndarray | None]:
    variables, problem = pulp.LpProblem.fromMPS(str(mps))
    if start is not None:
        for k, v in enumerate(start.tolist()):
            var = variables.get(f"c{k}")
            if var is not None:
                var.setInitialValue(v)
    if params.solver.lower() == "cbc":
        out = _solve_cbc(problem, params, warm_start=start is not None)
    else:
        out = _solve_other(problem, params)
    if not out.status.has_plan:
        return _array_outcome(model, out.status, out.solver, None, None, out.message)
    values = np.zeros(model.n_cols)
    for k in range(model.n_cols):
        var = variables.get(f"c{k}")
        values[k] = (var.value() or 0.0) if var is not None else 0.0
    return _array_outcome(model, out.status, out.solver, values, out.bound, out.message)
