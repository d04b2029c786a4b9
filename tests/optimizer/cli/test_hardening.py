"""Issue 9, parts 5 and 6: no traceback for a user mistake, output paths checked before any work,
files with the umask's mode, clean ends on SIGTERM/SIGINT, documented and consistent exit codes,
``evaluate`` on a solve's result file and on a plan's ``dispatch_policy``."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from servopt.models import BadInputError
from servopt.models.io import check_writable, load_plan, write_atomic
from servopt.optimizer import cli
from servopt.optimizer.cli import main
from servopt.optimizer.params import SEED_LIMIT, SolveParams
from tests.conftest import INSTANCES, REPO

CASE_A = INSTANCES / "case-a-aftersales.yaml"
CASE_B = INSTANCES / "case-b-account-opening.yaml"
CASE_D = INSTANCES / "case-d-outpatient.yaml"
COST_ONLY = INSTANCES / "case-a-aftersales.cost-only.plan.yaml"

# The network of issue 9: 2 jobs, 2 technicians; small enough to solve in a second.
TINY = """
name: tiny
travel: {speed_kmh: 60.0, rounding: truncate_1dp}
skills: [{id: s1}, {id: s2}]
channels: [{id: field, kind: field_visit}]
segments: [{id: seg0, channels: [field], downtime_cost_per_hour: 0.0}]
depots: [{id: d1, location: [0.0, 0.0]}, {id: d2, location: [40.0, 10.0]}]
sites:
  - {id: site0, location: [0.0, 9.0], segment: seg0}
  - {id: site1, location: [2.0, 0.0], segment: seg0}
job_types:
  - {id: t1, skill: s1, duration_min: 40.0, min_proficiency: 0.5}
  - {id: t2, skill: s2, duration_min: 60.0, first_time_fix: 0.8}
pools:
  - {id: p0, home_depot: d1, headcount: 1, skills: {s1: 1.0, s2: 0.7}, cost_per_hour: 0.0,
     cost_per_km: 1.0, overtime_cost_per_hour: 90.0, max_overtime_min: 0.0,
     shifts: [{start_min: 480.0, end_min: 600.0}]}
  - {id: p1, home_depot: d1, headcount: 1, skills: {s1: 0.7}, cost_per_hour: 0.0,
     cost_per_km: 1.0, overtime_cost_per_hour: 90.0, max_overtime_min: 0.0,
     shifts: [{start_min: 480.0, end_min: 600.0}]}
jobs:
  - {id: j0, site: site0, job_type: t2, window: [480.0, 540.0]}
  - {id: j1, site: site1, job_type: t1, window: [480.0, 540.0]}
"""


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_refused(res, *fragments: str, code: int = 2) -> None:
    """Exit ``code``, every fragment in the output, and no traceback (not even in the result)."""
    assert res.exit_code == code, res.output
    assert isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    for f in fragments:
        assert f in res.output, (f, res.output)


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def small_placement(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("net") / "small.yaml"
    res = invoke("generate", "--sites", 30, "--depots", 4, "--technicians", 8, "-o", path)
    assert res.exit_code == 0, res.output
    return path


# ------------------------------------------------------------------ the reported tracebacks
@pytest.mark.parametrize("hours", ["-1", "nan", "inf", "0", "-inf"])
def test_journey_simulate_needs_positive_finite_hours(hours):
    res = invoke("journey", CASE_B, "--simulate", hours)
    assert_refused(res, "'--simulate'", "expected a finite number > 0", repr(hours))


@pytest.mark.parametrize("hours", ["0", "nan", "-8", "25", "inf"])
def test_journey_hours_per_day_in_range(hours):
    res = invoke("journey", CASE_B, "--hours-per-day", hours)
    assert_refused(res, "'--hours-per-day'", "> 0 and <= 24", repr(hours))


def test_journey_simulation_too_long_is_refused_not_a_hang():
    t0 = time.perf_counter()
    res = invoke("journey", CASE_B, "--arrivals-per-hour", 30, "--simulate", "1e9")
    assert_refused(res, "--simulate", "at most 2,000,000")
    assert time.perf_counter() - t0 < 20


def test_journey_simulate_short_run_with_no_case_is_a_clear_error():
    from servopt.models import load_network
    from servopt.optimizer.journeys.simulate import simulate_journey

    net = load_network(CASE_B)
    with pytest.raises(BadInputError, match="no case arrived in the 1e-06 measured hours"):
        simulate_journey(net, net.journeys[0].id, arrivals_per_hour=0.001, hours=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"hours": -1.0}, "hours: must be finite and > 0"),
        ({"hours": math.nan}, "hours: must be finite and > 0"),
        ({"warmup_h": math.inf}, "warmup_h: must be finite and >= 0"),
        ({"replications": 1}, "replications: need at least 2"),
        ({"seed": SEED_LIMIT}, "seed: must be < 2**31"),
        ({"seed": -1}, "seed: must be a whole number >= 0"),
    ],
)
def test_simulate_entry_points_check_their_arguments(kwargs, field):
    from servopt.models import load_network
    from servopt.optimizer.journeys.simulate import simulate_journey
    from servopt.optimizer.staffing.simulate import simulate_interval

    net = load_network(CASE_B)
    with pytest.raises(BadInputError, match=re.escape(field)):
        simulate_journey(net, net.journeys[0].id, arrivals_per_hour=10.0, **kwargs)
    with pytest.raises(BadInputError, match=re.escape(field)):
        simulate_interval(3, 10.0, 100.0, **kwargs)


def test_simulate_interval_with_no_caller_is_a_clear_error():
    res = invoke(
        "simulate", "--agents", 3, "--arrivals-per-hour", 10, "--aht-s", 100, "--hours", "0.0001"
    )
    assert_refused(res, "no caller arrived in the 0.0001 measured hours")


@pytest.mark.parametrize(
    "args",
    [
        ["solve", "dispatch", CASE_A, "--seed", 4294967296],
        ["solve", "dispatch", CASE_A, "--seed", SEED_LIMIT],
        ["solve", "placement", CASE_A, "--seed", 2147483648],
        ["solve", "staffing", CASE_D, "--seed", 2147483648],
        ["journey", CASE_B, "--seed", 2**40],
        ["simulate", "--agents", 3, "--arrivals-per-hour", 10, "--aht-s", 100, "--seed", 2**31],
        ["generate", "--seed", 2**31],
        ["solve", "placement", CASE_A, "--seed", -1],
        ["solve", "placement", CASE_A, "--seed", "1.5"],
    ],
)
def test_seeds_outside_the_one_range_are_refused(args):
    t0 = time.perf_counter()
    res = invoke(*args)
    assert_refused(res, "'--seed'", "a whole number >= 0 and < 2147483648", "2**31")
    assert time.perf_counter() - t0 < 10  # refused before any solve


def test_largest_seed_reaches_every_engine(tiny, small_placement, tmp_path):
    top = SEED_LIMIT - 1
    res = invoke("solve", "dispatch", tiny, "--seed", top, "--iterations", 50, "--json", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["params"]["seed"] == top
    for solver in ("highs", "cbc"):
        res = invoke(
            "solve",
            "placement",
            small_placement,
            "--seed",
            top,
            "--time-limit",
            20,
            "--solver",
            solver,
        )
        assert res.exit_code == 0, (solver, res.output)
        assert "status     optimal" in res.output or "status     feasible" in res.output


def test_solve_params_checks_the_seed_range_for_library_users():
    assert SolveParams(seed=SEED_LIMIT - 1).seed == SEED_LIMIT - 1
    for bad in (SEED_LIMIT, 2**32, -1, True, 1.0):
        with pytest.raises(BadInputError, match="seed: must be"):
            SolveParams(seed=bad)  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match=r"must be < 2\*\*31 = 2147483648.*got 4294967296"):
        SolveParams(seed=2**32)


# ------------------------------------------------------------------ numeric options sweep
NUMERIC = [
    (["solve", "placement", CASE_A], "--time-limit", ["nan", "inf", "0", "-1"]),
    (["solve", "placement", CASE_A], "--value-weight", ["nan", "inf", "-1"]),
    (["solve", "placement", CASE_A], "--mip-gap", ["nan", "1", "-0.1"]),
    (["solve", "placement", CASE_A], "--max-wait-hours", ["nan", "-inf", "-1"]),
    (["solve", "placement", CASE_A], "--service-level", ["nan", "1", "0.2"]),
    (["solve", "placement", CASE_A], "--within-hours", ["nan", "-2"]),
    (["solve", "placement", CASE_A], "--min-share", ["nan", "1.5"]),
    (["solve", "placement", CASE_A], "--max-cost", ["inf", "-1"]),
    (["solve", "staffing", CASE_D], "--hours-per-day", ["0", "nan", "30"]),
    (["solve", "staffing", CASE_D], "--max-occupancy", ["0", "nan", "1.5"]),
    (["solve", "staffing", CASE_D], "--preference-cost", ["nan", "-1"]),
    (["solve", "staffing", CASE_D], "--target-sl", ["1", "0", "nan"]),
    (["solve", "staffing", CASE_D], "--target-s", ["-1", "inf"]),
    (["solve", "staffing", CASE_D], "--time-limit", ["nan"]),
    (["solve", "dispatch", CASE_A], "--value-weight", ["nan", "-1"]),
    (["solve", "dispatch", CASE_A], "--drop-cost", ["inf", "-5"]),
    (["solve", "dispatch", CASE_A], "--time-limit", ["inf", "nan"]),
    (["solve", "dispatch", CASE_A], "--iterations", ["0", "-3"]),
    (["journey", CASE_B], "--arrivals-per-hour", ["0", "nan", "inf"]),
    (["simulate", "--arrivals-per-hour", 10, "--aht-s", 100], "--agents", ["0", "-1", "2.5"]),
    (["simulate", "--agents", 3, "--aht-s", 100], "--arrivals-per-hour", ["nan", "0", "inf"]),
    (["simulate", "--agents", 3, "--arrivals-per-hour", 10], "--aht-s", ["0", "nan"]),
    (
        ["simulate", "--agents", 3, "--arrivals-per-hour", 10, "--aht-s", 100],
        "--patience-s",
        ["nan", "-1"],
    ),
    (
        ["simulate", "--agents", 3, "--arrivals-per-hour", 10, "--aht-s", 100],
        "--hours",
        ["inf", "nan", "-1", "0"],
    ),
    (
        ["simulate", "--agents", 3, "--arrivals-per-hour", 10, "--aht-s", 100],
        "--replications",
        ["1", "-1"],
    ),
    (
        ["simulate", "--agents", 3, "--arrivals-per-hour", 10, "--aht-s", 100],
        "--target-s",
        ["nan", "-1"],
    ),
    (["generate"], "--capacity-ratio", ["nan", "inf", "0"]),
    (["generate"], "--sites", ["100000001", "-1", "1e3"]),
    (["generate"], "--jobs", ["100000001"]),
    (["evaluate", "placement", COST_ONLY], "--service-level", ["nan", "2"]),
    (["evaluate", "dispatch", COST_ONLY], "--drop-cost", ["nan", "-1"]),
]


@pytest.mark.parametrize(
    ("base", "option", "value"),
    [(b, o, v) for b, o, values in NUMERIC for v in values],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_numeric_options_refuse_nan_inf_and_out_of_range(base, option, value):
    res = invoke(*base, option, value)
    assert_refused(res, f"'{option}'", repr(value))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arrivals-per-hour", "nan", "--aht-s", "180"], "arrivals_per_hour: must be finite"),
        (["--arrivals-per-hour", "100", "--aht-s", "inf"], "aht_s: must be finite and > 0"),
        (["--arrivals-per-hour", "100", "--aht-s", "180", "--agents", "-1"], "agents: must be"),
        (
            [
                "--model",
                "erlang-a",
                "--arrivals-per-hour",
                "100",
                "--aht-s",
                "180",
                "--patience-s",
                "nan",
            ],
            "patience_s: must be finite and > 0",
        ),
        (["--arrivals-per-hour", "100", "--aht-s", "180", "--shrinkage", "nan"], "shrinkage"),
        (["--arrivals-per-hour", "100", "--aht-s", "180", "--target-s", "nan"], "target_s"),
    ],
)
def test_queue_non_finite_values_exit_2(args, message):
    assert_refused(invoke("queue", *args), message)


def test_choose_service_level_checks_each_level():
    res = invoke("solve", "placement", CASE_A, "--choose-service-level", "0.9,nan")
    assert_refused(res, "--choose-service-level", "'nan'", ">= 0.5 and <= 0.9999")
    res = invoke("solve", "placement", CASE_A, "--choose-service-level", "0.9,x")
    assert_refused(res, "--choose-service-level", "'x'")


def test_out_of_memory_is_a_message_not_a_traceback(monkeypatch):
    import servopt.models.generate as gen

    def huge(*a, **k):
        raise MemoryError

    monkeypatch.setattr(gen, "generate_data", huge)
    res = invoke("generate", "--sites", 5)
    assert_refused(res, "error: out of memory", code=cli.EXIT_FAILURE)


# ------------------------------------------------------------------ output paths
OUTPUTS = [
    (["describe", CASE_A, "--json"], "describe"),
    (["schema", "-o"], "schema"),
    (["generate", "--sites", 5, "-o"], "generate"),
    (["solve", "placement", CASE_A, "--time-limit", 60, "--json"], "solve"),
    (["solve", "dispatch", CASE_A, "--time-limit", 60, "--json"], "solve"),
    (["solve", "staffing", CASE_D, "--json"], "solve"),
    (["evaluate", "placement", COST_ONLY, "--json"], "evaluate"),
    (["evaluate", "dispatch", COST_ONLY, "--json"], "evaluate"),
]


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder no file can be created in: read-only permissions, or for root (who ignores
    them) a read-only kernel file system."""
    if os.geteuid() == 0:
        return Path("/sys")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    return ro


@pytest.mark.parametrize(("args", "kind"), OUTPUTS, ids=lambda x: x if isinstance(x, str) else "")
@pytest.mark.parametrize("case", ["missing folder", "directory", "unwritable folder"])
def test_output_path_checked_before_any_work_and_named_as_given(
    args, kind, case, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    if case == "missing folder":
        given, expected = "no-such-folder/out.json", "folder 'no-such-folder' does not exist"
    elif case == "directory":
        (tmp_path / "adir").mkdir()
        given, expected = "adir", "is a directory"
    else:
        folder = _unwritable_folder(tmp_path)
        given, expected = str(folder / "out.json"), "is not writable"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    t0 = time.perf_counter()
    res = invoke(*args, given)
    assert_refused(res, f"{given}: cannot write", expected)
    assert ".tmp" not in res.output and ".probe" not in res.output
    assert "status" not in res.output  # refused when the command line was read: no solve ran
    assert time.perf_counter() - t0 < 10
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing left behind


def test_check_writable_leaves_nothing_and_accepts_a_writable_folder(tmp_path):
    check_writable(tmp_path / "out.json")
    check_writable(tmp_path / "out.json")
    assert list(tmp_path.iterdir()) == []


def test_write_atomic_names_the_given_path_not_the_temp_file(tmp_path):
    given = tmp_path / "gone" / "out.json"
    with pytest.raises(OSError) as e:
        write_atomic(given, "x")
    assert e.value.filename == str(given)
    assert ".tmp" not in str(e.value)


def test_write_atomic_failing_midway_leaves_no_file(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half \ud800 a file")  # a lone surrogate cannot be encoded
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077, 0o002])
def test_written_files_get_the_umasks_mode(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_atomic(tmp_path / "lib.txt", "x\n")
        res = invoke("schema", "-o", tmp_path / "cli.json")
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    for name in ("lib.txt", "cli.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask, name


def test_rewriting_a_file_keeps_its_mode(tmp_path):
    target = tmp_path / "kept.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n" and target.stat().st_mode & 0o777 == 0o640


def test_cli_output_error_while_writing_names_the_path(tmp_path, monkeypatch):
    """An OSError from the write itself (disk full, say) names the path given, exit 2."""
    import servopt.models.io as io

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io.os, "replace", full)
    res = invoke("generate", "--sites", 5, "-o", tmp_path / "net.yaml")
    assert_refused(res, f"{tmp_path / 'net.yaml'}: cannot write: No space left on device")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ signals
def _children_mentioning(text: str) -> list[str]:
    """Processes whose command line mentions ``text`` (the test's own temp folder)."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                cmd = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if text in cmd:
                out.append(cmd)
    return out


def _signal_during_solve(tmp_path: Path, solver: str, sig: int) -> tuple[int, str, Path, Path]:
    """Run a placement solve with ``solver``, send ``sig`` once the solver binary runs; the
    exit code, stderr, the run's TMPDIR and its --json path."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "result.json"
    env = {**os.environ, "TMPDIR": str(tmp)}
    cmd = [
        sys.executable,
        "-m",
        "servopt.optimizer.cli",
        "solve",
        "placement",
        str(CASE_A),
        "--solver",
        solver,
        "--time-limit",
        "120",
        "--json",
        str(out),
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 90
        # Wait until the solver runs: its temp folder exists and a process reads a model there.
        while not (list(tmp.glob(f"servopt-{solver}-*")) and _children_mentioning(str(tmp))):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"{solver} never started"
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    time.sleep(0.5)
    return proc.returncode, stderr, tmp, out


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_solve_exits_cleanly_and_stops_the_solver(tmp_path, solver, sig, code):
    rc, stderr, tmp, out = _signal_during_solve(tmp_path, solver, sig)
    assert rc == code, stderr
    assert f"stopped by {signal.Signals(sig).name}" in stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert list(tmp.glob("servopt-*")) == []  # the adapter's temp folder removed
    assert not out.exists() and list(tmp_path.glob(".result.json*")) == []
    assert _children_mentioning(str(tmp)) == []  # the solver binary stopped too
    if solver == "highs":
        assert list(tmp.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc (Linux)")
def test_sigterm_during_cbc_solve_leaves_no_file(tmp_path):
    rc, _, tmp, _ = _signal_during_solve(tmp_path, "cbc", signal.SIGTERM)
    assert rc == 143
    assert list(tmp.iterdir()) == []


def test_sigterm_in_python_code_exits_143_without_traceback(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "servopt.optimizer.cli",
        "simulate",
        "--agents",
        "60",
        "--arrivals-per-hour",
        "1000",
        "--aht-s",
        "180",
        "--hours",
        "150",
        "--replications",
        "10",
    ]
    proc = subprocess.Popen(cmd, cwd=REPO, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143 and "stopped by SIGTERM" in stderr
    assert "Traceback" not in stderr


def test_signal_handlers_are_restored_after_a_command():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    assert invoke("schema").exit_code == 0
    assert {s: signal.getsignal(s) for s in before} == before


# ------------------------------------------------------------------ exit codes
def test_exit_codes_documented_once_in_the_main_help():
    text = invoke("--help").output
    for code, what in [
        (cli.EXIT_OK, "success"),
        (cli.EXIT_FAILURE, "failure"),
        (cli.EXIT_BAD_INPUT, "bad input"),
        (cli.EXIT_NO_PLAN, "no plan"),
        (cli.EXIT_VIOLATIONS, "violations"),
        (cli.EXIT_SIGINT, "SIGINT"),
        (cli.EXIT_SIGTERM, "SIGTERM"),
    ]:
        assert re.search(rf"\b{code}\b[^\n]*{what}", text), (code, what)
    assert (cli.EXIT_SIGINT, cli.EXIT_SIGTERM, cli.EXIT_VIOLATIONS) == (130, 143, 4)
    assert "0 <= seed < 2**31" in text


def test_help_examples_point_inside_the_project():
    for cmd in (
        [],
        ["validate"],
        ["describe"],
        ["solve", "placement"],
        ["solve", "dispatch"],
        ["evaluate"],
        ["evaluate", "dispatch"],
    ):
        text = invoke(*cmd, "--help").output
        assert "../shared" not in text, cmd
        for path in re.findall(r"instances/benchmarks/\S+\.txt", text):
            assert (REPO / path).is_file(), path


def _broken_routes_plan(tmp_path: Path) -> Path:
    plan = {
        "kind": "plan",
        "name": "broken",
        "network": str(CASE_A),
        "routes": [{"pool": "region-01-excavator-hydraulics", "jobs": ["job-002", "job-003"]}],
    }
    path = tmp_path / "broken.plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    return path


def test_evaluate_dispatch_with_violations_exits_4_and_still_writes_json(tmp_path):
    out = tmp_path / "kpis.json"
    res = invoke("evaluate", "dispatch", _broken_routes_plan(tmp_path), "--json", out)
    assert_refused(res, "VIOLATION routes[0].jobs[0]", "violation(s)", code=cli.EXIT_VIOLATIONS)
    assert json.loads(out.read_text())["violations"]


def test_evaluate_placement_with_violations_exits_4(tmp_path):
    plan = {
        "kind": "plan",
        "name": "half",
        "network": str(CASE_A),
        "open_depots": ["central"],
        # half of site-001's demand served from nowhere: its shares do not sum to 1
        "assignments": [{"site": "site-001", "depot": "central", "share": 0.5}],
    }
    path = tmp_path / "one.plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    res = invoke("evaluate", "placement", path)
    assert_refused(res, "VIOLATION site 'site-001'", code=cli.EXIT_VIOLATIONS)


def test_evaluate_without_violations_exits_0():
    res = invoke("evaluate", "placement", COST_ONLY)
    assert res.exit_code == 0, res.output
    assert "VIOLATION" not in res.output


# ------------------------------------------------------------------ evaluate: results, policy
def test_evaluate_dispatch_honours_dispatch_policy_nearest(tmp_path):
    res = invoke("evaluate", "dispatch", COST_ONLY, "--json", tmp_path / "e.json")
    assert res.exit_code == 0, res.output
    assert "dispatch_policy nearest" in res.output
    ev = json.loads((tmp_path / "e.json").read_text())
    evaluated = ev["kpis"]
    assert evaluated["served"] > 100 and len(evaluated["dropped"]) < 150
    # the same routes and price as solving with the nearest policy on the plan's staff
    res = invoke(
        "solve", "dispatch", CASE_A, "--plan", COST_ONLY, "--policy", "nearest", "--json", "-"
    )
    solved = json.loads(res.output)
    assert solved["kpis"]["served"] == evaluated["served"]
    for key in ("cost", "value"):
        assert solved["objective"][key] == pytest.approx(ev["objective"][key], rel=1e-9)
    assert solved["kpis"]["dropped"] == evaluated["dropped"]  # with the same reasons
    assert any("(nearest policy)" in d["reason"] for d in evaluated["dropped"])


def test_evaluate_dispatch_policy_optimise_without_routes_says_what_to_do(tmp_path):
    data = yaml.safe_load(COST_ONLY.read_text()) | {"dispatch_policy": "optimise"}
    data["network"] = str(CASE_A)
    path = tmp_path / "opt.plan.yaml"
    path.write_text(yaml.safe_dump(data))
    res = invoke("evaluate", "dispatch", path)
    assert_refused(
        res, "opt.plan.yaml", "dispatch_policy: 'optimise' with no routes", "servopt solve dispatch"
    )


def test_evaluate_takes_a_dispatch_result_file(tiny, tmp_path):
    result = tmp_path / "sub" / "result.json"
    result.parent.mkdir()
    res = invoke("solve", "dispatch", tiny, "--seed", 1, "--iterations", 200, "--json", result)
    assert res.exit_code == 0, res.output
    data = json.loads(result.read_text())
    assert data["plan"]["network"] == "../tiny.yaml"  # relative to the result file
    res = invoke("evaluate", "dispatch", result, "--json", "-")
    assert res.exit_code == 0, res.output
    ev = json.loads(res.output)  # --json -: the JSON alone on stdout
    assert ev["objective"] == pytest.approx(data["objective"], rel=1e-9)
    assert ev["kpis"]["served"] == data["kpis"]["served"]
    assert invoke("validate", result).exit_code == 0


def test_evaluate_takes_a_placement_result_file(small_placement, tmp_path):
    result = tmp_path / "p.json"
    res = invoke("solve", "placement", small_placement, "--time-limit", 20, "--json", result)
    assert res.exit_code == 0, res.output
    data = json.loads(result.read_text())
    res = invoke("evaluate", "placement", result, "--json", tmp_path / "e.json")
    assert res.exit_code == 0, res.output
    kpis = json.loads((tmp_path / "e.json").read_text())["kpis"]
    assert kpis["cost"] == pytest.approx(data["objective"]["cost"], rel=1e-6)
    assert load_plan(result).open_depots == tuple(data["plan"]["open_depots"])


def test_a_result_without_plan_is_a_clear_error(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {
                "status": "infeasible",
                "objective": {},
                "kpis": {},
                "plan": None,
                "diagnostics": ["x"],
            }
        )
    )
    res = invoke("evaluate", "placement", path)
    assert_refused(res, "r.json", "status 'infeasible' and no plan")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"status": "optimal", "objective": {}, "kpis": {}, "plan": {"open_depots": 3}})
    )
    res = invoke("evaluate", "placement", bad)
    assert_refused(res, "bad.json: plan.open_depots")


def test_evaluate_placement_takes_an_orlib_result_with_its_format(tmp_path):
    cap41 = INSTANCES / "benchmarks" / "orlib-cap" / "cap41.txt"
    result = tmp_path / "cap41.json"
    res = invoke("solve", "placement", cap41, "--format", "orlib-cap", "--json", result)
    assert res.exit_code == 0, res.output
    cost = json.loads(result.read_text())["objective"]["cost"]
    res = invoke("evaluate", "placement", result, "--format", "orlib-cap", "--json", "-")
    assert res.exit_code == 0, res.output
    kpis = json.loads(res.output[res.output.index("{") :])["kpis"]
    assert kpis["cost"] == pytest.approx(cost, rel=1e-9)


def test_closed_stdout_ends_quietly():
    """`servopt generate | head -c 1`: no traceback, not reported as an unwritable file."""
    cmd = [sys.executable, "-m", "servopt.optimizer.cli", "generate", "--sites", "3000"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(1)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 1)  # click's choice for a closed pipe
    assert "Traceback" not in stderr and "cannot write" not in stderr, stderr


def test_result_file_is_written_before_the_terminal_output(tiny, tmp_path, monkeypatch):
    out = tmp_path / "r.json"

    def closed(*a, **k):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli.click, "echo", closed)
    res = invoke("solve", "dispatch", tiny, "--iterations", 50, "--json", out)
    assert "Traceback" not in res.output and "cannot write" not in res.output
    assert json.loads(out.read_text())["status"] in ("optimal", "feasible")
