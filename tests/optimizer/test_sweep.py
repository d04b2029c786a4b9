"""Sweeps: the same table on every backend, failed scenarios as rows, located grid errors,
changes applied and validated, the time limits and seeds that reach each solve, the command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from servopt.models import BadInputError
from servopt.models.errors import SolverUnavailableError
from servopt.models.generate import generate_network
from servopt.optimizer import DECISIONS, SolveParams
from servopt.optimizer.cli import main
from servopt.optimizer.decision import Decision
from servopt.optimizer.sweep import (
    Scenario,
    apply_changes,
    grid_from_data,
    grid_scenarios,
    load_grid,
    run_scenario,
    sweep,
)
from tests.conftest import INSTANCES
from tests.optimizer.cli.test_hardening import _children_mentioning

#: Placement without square-root stock: each MILP is exact and proven in well under a second,
#: so the same seed gives the same plan whatever the machine's load.
LINEAR = {"objective": "weighted", "stock": False}
PARAMS = SolveParams(time_limit_s=20, seed=1)


@pytest.fixture(scope="module")
def net():
    return generate_network(sites=14, depots=4, technicians=2, seed=3, journeys=0)


@pytest.fixture(scope="module")
def four() -> tuple[Scenario, ...]:
    return grid_scenarios(
        "placement",
        {"options.value_weight": [0.001, 0.01], "demand_scale": [1.0, 1.2]},
        options=LINEAR,
        params=PARAMS,
    )


@pytest.fixture(scope="module")
def dask_client():
    """One LocalCluster of 2 single-threaded worker processes for the module's tests."""
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_four_scenarios_give_the_same_table_serially_in_processes_and_on_a_local_cluster(
    net, four, dask_client
):
    serial = sweep(net, four, backend="serial")
    assert [r.scenario for r in serial.rows] == [s.name for s in four]
    assert all(r.status == "optimal" for r in serial.rows), serial.summary()
    processes = sweep(net, four, backend="processes", workers=2)
    cluster = sweep(net, four, backend="dask", scheduler=dask_client)
    # The same computation in another process, with the same inputs and seed: bit for bit
    # (a tolerance here would hide a seed or an option that does not reach the worker).
    assert processes.figures() == serial.figures()
    assert cluster.figures() == serial.figures()
    assert (processes.backend, processes.workers) == ("processes", 2)
    assert (cluster.backend, cluster.workers) == ("dask", 2)  # the given cluster's workers
    # Each row is the one solve contract's answer for its scenario.
    d = DECISIONS["placement"]
    for s, row in zip(four, serial.rows, strict=True):
        weight, scale = s.changes["options.value_weight"], s.changes["demand_scale"]
        alone = d.solve(
            apply_changes(net, {}, scale), d.options(**LINEAR, value_weight=weight), PARAMS
        )
        assert row.cost == pytest.approx(alone.objective["cost"], rel=1e-9)
        assert row.objective == pytest.approx(alone.objective["weighted"], rel=1e-9)
        assert row.parameters == {"options.value_weight": weight, "demand_scale": scale}


def test_a_failing_scenario_is_a_row_with_its_error_and_the_sweep_goes_on(net, four, dask_client):
    scenarios = (
        four[0],
        Scenario("fewer-people", "placement", {"pools[0].headcount": -1}, LINEAR, PARAMS),
        Scenario("100x-demand", "placement", {"demand_scale": 100.0}, LINEAR, PARAMS),
        Scenario("bad-level", "placement", {"options.service_level": 2.0}, LINEAR, PARAMS),
        four[3],
    )
    for table in (
        sweep(net, scenarios, backend="serial"),
        sweep(net, scenarios, backend="dask", scheduler=dask_client),
    ):
        by = {r.scenario: r for r in table.rows}
        assert by["fewer-people"].status == "bad_input"
        assert by["fewer-people"].error == "pools[0].headcount: must be >= 0, got -1"
        assert by["100x-demand"].status == "infeasible"
        assert "exceeds the capacity of all depots" in by["100x-demand"].error
        assert by["bad-level"].status == "bad_input"
        assert "options.service_level: must be in [0.5, 0.9999], got 2.0" in by["bad-level"].error
        for bad in ("fewer-people", "100x-demand", "bad-level"):
            assert by[bad].cost is None and by[bad].objective is None and not by[bad].has_plan
        assert by[four[0].name].status == by[four[3].name].status == "optimal"
        assert "fewer-people: bad_input: pools[0].headcount" in table.summary()


def test_an_exception_in_a_solve_is_an_error_row_naming_it(net, four, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    d = DECISIONS["placement"]
    monkeypatch.setitem(DECISIONS, "placement", replace(d, solve=broken))
    table = sweep(net, four[:2], backend="serial")
    assert [r.status for r in table.rows] == ["error", "error"]
    assert table.rows[0].error.startswith("ZeroDivisionError: division by zero (at test_sweep.py:")


def test_the_seed_and_the_time_limit_reach_each_solve(net):
    scenarios = grid_scenarios(
        "placement", {"params.seed": [3, 7]}, options=LINEAR, params=SolveParams(time_limit_s=9)
    )
    table = sweep(net, scenarios, backend="serial")
    assert [r.seed for r in table.rows] == [3, 7]
    assert [res.params.seed for res in table.results] == [3, 7]
    assert [res.params.time_limit_s for res in table.results] == [9, 9]
    # The sweep's own limit: a scenario gets at most the time left, none once it is over.
    row = run_scenario(net, scenarios[0], deadline=time.time() + 2).row
    assert row.status == "optimal" and row.time_limit_s <= 2
    late = run_scenario(net, scenarios[0], deadline=time.time() - 1).row
    assert late.status == "skipped" and "time limit" in late.error and late.cost is None


def test_changes_are_applied_and_the_network_validated_again(net):
    pool = net.pools[0]
    changed = apply_changes(
        net,
        {f"pools[id={pool.id}].headcount": pool.headcount + 3, "travel.speed_kmh": 55.0},
        demand_scale=1.5,
    )
    assert changed.pool(pool.id).headcount == pool.headcount + 3
    assert changed.travel.speed_kmh == 55.0
    for before, after in zip(net.sites, changed.sites, strict=True):
        assert after.parts_demand == pytest.approx(
            {k: 1.5 * v for k, v in before.parts_demand.items()}
        )
        assert after.job_rates == pytest.approx({k: 1.5 * v for k, v in before.job_rates.items()})
    assert net.pool(pool.id).headcount == pool.headcount  # the base network is untouched
    assert apply_changes(net, {}) is net
    with pytest.raises(BadInputError, match=r"demand_scale: must be a finite number > 0, got 0"):
        apply_changes(net, {}, demand_scale=0)


def _grid(tmp_path, data) -> str:
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


GOOD = {"decision": "placement", "options": LINEAR, "params": {"time_limit_s": 5, "seed": 2}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**GOOD, "grd": {}}, "grid.yaml: grd: unknown field; expected one of decision"),
        ({**GOOD, "decision": "placment"}, "decision: must be one of placement, dispatch, "),
        (
            {**GOOD, "options": {"service_level": 2}, "grid": {"params.seed": [1]}},
            "grid.yaml: options.service_level: must be in [0.5, 0.9999], got 2",
        ),
        (
            {**GOOD, "params": {"seed": -1}, "grid": {"params.seed": [1]}},
            "grid.yaml: params.seed: must be a whole number >= 0, got -1",
        ),
        (
            {**GOOD, "grid": {"options.value_wieght": [1]}},
            "grid.options.value_wieght: 'value_wieght' is not a field of PlacementOptions "
            "(did you mean 'value_weight'?)",
        ),
        ({**GOOD, "grid": {"params.seed": []}}, "grid.params.seed: must be a non-empty list"),
        ({**GOOD, "grid": {"params.seed": [1, 1]}}, "grid.params.seed: lists a value twice"),
        ({**GOOD, "grid": {"pools[0.headcount": [1]}}, "a '[' without its ']'"),
        (GOOD, "give either 'grid' (values per path) or 'scenarios' (a list), not neither"),
        (
            {**GOOD, "scenarios": [{"name": "a"}, {"name": "a"}]},
            "scenarios[1].name: 'a' is used before",
        ),
        (
            {**GOOD, "scenarios": [{"name": "a", "chnages": {}}]},
            "scenarios[0].chnages: unknown field; expected name, changes",
        ),
    ],
)
def test_grid_file_errors_name_the_file_the_field_and_the_value(tmp_path, data, message):
    with pytest.raises(BadInputError) as e:
        load_grid(_grid(tmp_path, data))
    assert message in str(e.value)
    assert all(p.file and p.file.endswith("grid.yaml") for p in e.value.problems)


def test_network_paths_are_checked_against_the_network(net, tmp_path):
    grid = load_grid(
        _grid(
            tmp_path,
            {
                **GOOD,
                "scenarios": [
                    {"name": "ok", "changes": {"depots[id=d1].fixed_cost": 3.0}},
                    {"name": "typo", "changes": {"depots[id=dd1].fixed_cost": 3.0}},
                    {"name": "field", "changes": {"depots[0].fixed_costs": 3.0}},
                    {"name": "list", "changes": {"depots.fixed_cost": 3.0}},
                ],
            },
        )
    )
    with pytest.raises(BadInputError) as e:
        grid.check(net)
    text = str(e.value)
    assert (
        "grid.yaml: scenarios[1].changes.depots[id=dd1].fixed_cost: no item of depots has " in text
    )
    assert "(did you mean 'd1'?)" in text
    assert (
        "scenarios[2].changes.depots[0].fixed_costs: 'fixed_costs' is not a field of Depot" in text
    )
    assert "scenarios[3].changes.depots.fixed_cost: 'depots' is a list: select an item" in text
    assert len(e.value.problems) == 3  # the good scenario has none


def test_a_grid_is_the_product_of_its_lists_and_a_list_keeps_its_order():
    grid = grid_from_data(
        {**GOOD, "grid": {"options.value_weight": [1, 2], "demand_scale": [1, 2, 3]}}
    )
    assert len(grid.scenarios) == 6
    assert grid.scenarios[1].name == "value_weight=1, demand_scale=2"
    assert grid.scenarios[1].params == SolveParams(time_limit_s=5, seed=2)
    assert grid.scenarios[1].options == LINEAR
    listed = grid_from_data({**GOOD, "time_limit_s": 30, "scenarios": [{}, {"name": "b"}]})
    assert [s.name for s in listed.scenarios] == ["scenario-1", "b"]
    assert listed.time_limit_s == 30


def test_the_dask_backend_without_dask_says_which_extra_to_install(net, four, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(SolverUnavailableError, match=r"pip install 'servopt\[dask\]'"):
        sweep(net, four, backend="dask")


def test_bad_sweep_arguments_are_refused_before_anything_runs(net, four):
    with pytest.raises(BadInputError, match="backend: must be one of serial, processes, dask"):
        sweep(net, four, backend="threads")
    with pytest.raises(BadInputError, match="scheduler: is for the dask backend"):
        sweep(net, four, backend="processes", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(BadInputError, match="workers: must be a whole number >= 1, got 0"):
        sweep(net, four, backend="processes", workers=0)
    with pytest.raises(BadInputError, match="scenario name 'x' is used 2 times"):
        sweep(net, [Scenario("x", "placement"), Scenario("x", "placement")], backend="serial")


# ------------------------------------------------------------------------------ command line
def _net_file(tmp_path, net) -> str:
    from servopt.models.io import save

    path = tmp_path / "net.yaml"
    save(net, path)
    return str(path)


def test_the_command_writes_the_table_and_exits_0(tmp_path, net):
    grid = _grid(tmp_path, {**GOOD, "grid": {"options.value_weight": [0.001, 0.01]}})
    js, csv_out = tmp_path / "t.json", tmp_path / "t.csv"
    res = CliRunner().invoke(
        main,
        [
            *("sweep", _net_file(tmp_path, net), "--grid", grid, "--workers", "2"),
            *("--json", str(js), "--csv", str(csv_out)),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(js.read_text())
    assert (data["decision"], data["backend"], data["workers"]) == ("placement", "processes", 2)
    assert data["parameters"] == ["options.value_weight"]
    assert [r["status"] for r in data["rows"]] == ["optimal", "optimal"]
    assert data["rows"][1]["parameters"] == {"options.value_weight": 0.01}
    assert data["rows"][1]["seed"] == 2
    lines = csv_out.read_text().splitlines()
    assert lines[0].startswith("scenario,options.value_weight,status,cost,value,objective,gap")
    assert len(lines) == 3
    assert "value_weight=0.01" in res.output and "2 optimal" in res.output


@pytest.mark.parametrize(
    ("changes", "code", "said"),
    [
        ({"demand_scale": 100.0}, 3, "exceeds the capacity"),
        ({"pools[0].headcount": -1}, 2, "pools[0].headcount: must be >= 0, got -1"),
    ],
)
def test_the_command_exits_with_the_worst_scenario_and_still_writes_the_table(
    tmp_path, net, changes, code, said
):
    grid = _grid(
        tmp_path, {**GOOD, "scenarios": [{"name": "ok"}, {"name": "x", "changes": changes}]}
    )
    js = tmp_path / "t.json"
    res = CliRunner().invoke(
        main,
        [
            "sweep",
            _net_file(tmp_path, net),
            "--grid",
            grid,
            "--backend",
            "serial",
            "--json",
            str(js),
        ],
    )
    assert res.exit_code == code, res.output
    assert said in res.output and "1 of 2 scenario(s) without a plan" in res.output
    assert json.loads(js.read_text())["rows"][0]["status"] == "optimal"


@pytest.mark.parametrize(
    ("extra", "grid_data", "said"),
    [
        ([], {**GOOD, "grid": {"pools[id=nobody].headcount": [1]}}, "no item of pools has id"),
        (["--workers", "0"], {**GOOD, "grid": {"params.seed": [1]}}, "--workers"),
        (
            ["--backend", "serial", "--scheduler", "tcp://127.0.0.1:1"],
            {**GOOD, "grid": {"params.seed": [1]}},
            "scheduler: is for the dask backend, not serial",
        ),
        (["--json", "-", "--csv", "-"], {**GOOD, "grid": {"params.seed": [1]}}, "only one of"),
    ],
)
def test_bad_input_to_the_command_is_exit_2_without_a_traceback(
    tmp_path, net, extra, grid_data, said
):
    res = CliRunner().invoke(
        main, ["sweep", _net_file(tmp_path, net), "--grid", _grid(tmp_path, grid_data), *extra]
    )
    assert res.exit_code == 2, res.output
    assert said in res.output and "Traceback" not in res.output


def test_the_bundled_grid_files_fit_their_networks():
    from servopt.models import load_network

    for grid_file, network in (
        ("case-a-placement.grid.yaml", "case-a-aftersales.yaml"),
        ("case-d-staffing.grid.yaml", "case-d-outpatient.yaml"),
    ):
        load_grid(INSTANCES / "sweeps" / grid_file).check(load_network(INSTANCES / network))


def test_a_decision_registered_later_is_swept_the_same_way(net, monkeypatch):
    """Sweeps go through the registry: any decision that keeps the contract is swept."""
    d = DECISIONS["placement"]
    monkeypatch.setitem(
        DECISIONS, "placement-copy", Decision(**{**vars(d), "name": "placement-copy"})
    )
    table = sweep(net, [Scenario("x", "placement-copy", {}, LINEAR, PARAMS)], backend="serial")
    assert table.decision == "placement-copy" and table.rows[0].status == "optimal"


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_sigterm_during_a_sweep_stops_the_workers_and_their_solvers_and_leaves_nothing(
    tmp_path, backend
):
    """Like a solve (tests/optimizer/cli/test_hardening.py): exit 143, no output file, no
    temporary folder, no solver process left, whichever process the solve ran in."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "table.json"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "servopt.optimizer.cli", "sweep"),
            *(str(INSTANCES / "case-a-aftersales.yaml"), "--backend", backend),
            *("--grid", str(INSTANCES / "sweeps" / "case-a-placement.grid.yaml")),
            *("--workers", "2", "--json", str(out)),
        ],
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _children_mentioning(str(tmp)):  # a worker's HiGHS reads its model in tmp
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no solver ever started"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 143, stderr
    assert "stopped by SIGTERM" in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert _children_mentioning(str(tmp)) == []
    assert list(tmp.iterdir()) == []
