"""The command line: help with examples, exit codes, outputs written whole."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from servopt.models import load_network
from servopt.optimizer.cli import main
from tests.conftest import INSTANCES


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    "cmd",
    [
        [],
        ["validate"],
        ["describe"],
        ["schema"],
        ["generate"],
        ["solve"],
        ["solve", "placement"],
        ["solve", "dispatch"],
        ["evaluate"],
        ["evaluate", "placement"],
        ["evaluate", "dispatch"],
        ["sweep"],
    ],
)
def test_help_everywhere_with_examples(cmd):
    res = invoke(*cmd, "--help")
    assert res.exit_code == 0 and "Examples:" in res.output and "servopt" in res.output


def test_describe_case_a():
    res = invoke("describe", str(INSTANCES / "case-a-aftersales.yaml"))
    assert res.exit_code == 0, res.output
    out = res.output
    assert "21 depots, 409 sites" in out
    assert "demand 55," in out and "capacity of all depots" in out
    assert "skill coverage" in out and "excavator-hydraulics" in out
    assert "remote-industrial" in out and "channels: hotline, field" in out
    assert "breakdown-to-fix" in out and "4 departments" in out


def test_describe_json_and_benchmark_formats(tmp_path, orlib, solomon):
    out = tmp_path / "d.json"
    res = invoke("describe", str(orlib / "cap41.txt"), "--format", "orlib-cap", "--json", str(out))
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["demand"]["total"] == 58268 and data["counts"]["depots"] == 16
    res = invoke(
        "describe", str(solomon / "R101.txt"), "--format", "solomon", "--distance", "exact"
    )
    assert res.exit_code == 0 and "25 staff" in res.output


def test_distance_option_only_for_solomon(orlib):
    res = invoke(
        "describe", str(orlib / "cap41.txt"), "--format", "orlib-cap", "--distance", "exact"
    )
    assert res.exit_code == 2 and "--distance applies to --format solomon only" in res.output


def test_schema_is_a_json_schema_that_accepts_the_instances(tmp_path):
    out = tmp_path / "s.json"
    assert invoke("schema", "-o", str(out)).exit_code == 0
    schema = json.loads(out.read_text())
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"depots", "sites", "pools", "journeys"} <= set(schema["properties"])
    import jsonschema

    for path in INSTANCES.glob("case-*.yaml"):
        if ".plan." not in path.name:
            jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    plan = json.loads(invoke("schema", "--kind", "plan").output)
    assert "open_depots" in plan["properties"]


def test_generate_writes_a_valid_seeded_file(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    args = ["generate", "--sites", "1000", "--depots", "50", "--technicians", "200", "--seed", "7"]
    assert invoke(*args, "-o", str(a)).exit_code == 0
    assert invoke(*args, "-o", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    net = load_network(a)
    assert (len(net.sites), len(net.depots)) == (1000, 50)
    j = tmp_path / "c.json"
    assert invoke("generate", "--sites", "10", "--jobs", "5", "-o", str(j)).exit_code == 0
    assert len(load_network(j).jobs) == 5


def test_output_into_missing_folder_is_a_clear_error(tmp_path):
    res = invoke("generate", "--sites", "5", "-o", str(tmp_path / "no" / "x.yaml"))
    assert res.exit_code == 2 and "No such file or directory" in res.output
    assert not (tmp_path / "no").exists()


def test_console_script_runs_and_reports_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndepots: [{id: d1, location: [0, 0], capacity: -5}]\n")
    res = subprocess.run(
        [sys.executable, "-m", "servopt.optimizer.cli", "validate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert f"{bad}: depots[0].capacity: must be >= 0, got -5" in res.stderr
    assert "Traceback" not in res.stderr


def test_solve_placement_orlib_json(tmp_path, orlib):
    out = tmp_path / "r.json"
    res = invoke(
        "solve",
        "placement",
        str(orlib / "cap41.txt"),
        "--format",
        "orlib-cap",
        "--json",
        str(out),
        "--seed",
        "3",
        "--time-limit",
        "30",
    )
    assert res.exit_code == 0, res.output
    assert "status     optimal" in res.output and "open depots (13)" in res.output
    data = json.loads(out.read_text())
    assert {"status", "objective", "bound", "gap", "runtime_s", "kpis", "plan"} <= set(data)
    assert data["status"] == "optimal"
    assert data["objective"]["cost"] == pytest.approx(1040444.375, rel=1e-6)
    assert data["params"]["seed"] == 3
    assert 27 <= data["params"]["time_limit_s"] <= 30  # less what reading the input took
    assert len(data["plan"]["open_depots"]) == 13


def test_solve_placement_infeasible_exits_3_with_the_reason(tmp_path):
    net = tmp_path / "n.yaml"
    net.write_text(
        yaml.safe_dump(
            {
                "name": "short",
                "channels": [{"id": "c", "kind": "delivery"}],
                "segments": [{"id": "s", "channels": ["c"]}],
                "part_families": [{"id": "p"}],
                "depots": [{"id": "d", "location": [0, 0], "capacity": 5}],
                "sites": [
                    {"id": "x", "location": [1, 1], "segment": "s", "parts_demand": {"p": 9}}
                ],
            }
        )
    )
    res = invoke("solve", "placement", str(net))
    assert res.exit_code == 3
    assert "status     infeasible" in res.output
    assert "demand 9 exceeds the capacity of all depots that may open, 5" in res.output


def test_solve_placement_bad_option_is_exit_2(orlib):
    res = invoke(
        "solve",
        "placement",
        str(orlib / "cap41.txt"),
        "--format",
        "orlib-cap",
        "--time-limit",
        "-3",
    )
    assert res.exit_code == 2 and "-3" in res.output


def test_evaluate_the_case_a_proposal():
    res = invoke("evaluate", "placement", str(INSTANCES / "case-a-aftersales.cost-only.plan.yaml"))
    assert res.exit_code == 0, res.output
    assert "open depots (1): central" in res.output
    assert "remote-industrial" in res.output and "air-freighted units" in res.output


def test_queue_prints_the_figures_and_sizes():
    res = invoke(
        "queue", "--arrivals-per-hour", "200", "--aht-s", "180", "--agents", "12", "--json"
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["agents"] == 12
    assert data["wait_probability"] == pytest.approx(0.44939, abs=1e-5)
    assert {"service_level", "asa_s", "occupancy"} <= set(data)
    sized = json.loads(
        invoke(
            "queue",
            "--arrivals-per-hour",
            "200",
            "--aht-s",
            "180",
            "--target-sl",
            "0.8",
            "--target-s",
            "20",
            "--max-occupancy",
            "0.85",
            "--shrinkage",
            "0.3",
            "--json",
        ).output
    )
    assert sized["service_level"] >= 0.8 and sized["scheduled"] >= sized["agents"]
    a = json.loads(
        invoke(
            "queue",
            "--model",
            "erlang-a",
            "--arrivals-per-hour",
            "400",
            "--aht-s",
            "240",
            "--patience-s",
            "90",
            "--json",
        ).output
    )
    assert 0 < a["abandon_probability"] < 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--arrivals-per-hour", "0", "--aht-s", "180"],
            "arrivals_per_hour: must be finite and > 0",
        ),
        (
            ["--arrivals-per-hour", "100", "--aht-s", "180", "--target-sl", "1.0"],
            "cannot be met with finitely many agents",
        ),
        (
            ["--arrivals-per-hour", "100", "--aht-s", "180", "--max-occupancy", "1.5"],
            "max_occupancy: must be in (0, 1], got 1.5",
        ),
        (
            ["--model", "erlang-a", "--arrivals-per-hour", "100", "--aht-s", "180"],
            "Erlang A needs the mean patience",
        ),
    ],
)
def test_queue_bad_input_exit_2(args, message):
    res = invoke("queue", *args)
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output


def test_solve_staffing_routes_segments_only_to_their_channels(tmp_path):
    out = tmp_path / "mix.json"
    res = invoke("solve", "staffing", str(INSTANCES / "case-d-outpatient.yaml"), "--json", str(out))
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["decision"] == "staffing" and data["status"] == "optimal"
    split = data["plan"]["channel_split"]["over-60-no-smartphone"]
    assert set(split) <= {"window", "phone-booking"}
    assert sum(split.values()) == pytest.approx(1.0)


def test_solve_staffing_without_staff_exits_3(tmp_path):
    net = tmp_path / "n.yaml"
    net.write_text(
        yaml.safe_dump(
            {
                "name": "x",
                "channels": [{"id": "counter", "kind": "counter", "service_min": 4}],
                "segments": [{"id": "elderly", "channels": ["counter"], "demand_per_day": 100}],
                "pools": [{"id": "clerks", "headcount": 0, "channels": ["counter"]}],
            }
        )
    )
    res = invoke("solve", "staffing", str(net))
    assert res.exit_code == 3 and "lack the staff" in res.output


def test_solve_staffing_by_interval(tmp_path):
    out = tmp_path / "s.json"
    res = invoke(
        "solve",
        "staffing",
        str(INSTANCES / "case-d-outpatient.yaml"),
        "--by-interval",
        "--json",
        str(out),
    )
    assert res.exit_code == 0, res.output
    assert "staff needed per 60 min from 07:00" in res.output
    data = json.loads(out.read_text())
    assert data["status"] == "optimal"
    need = data["kpis"]["requirements"]["phone-booking"]
    staff = data["plan"]["staffing"]["phone-booking"]
    assert max(need) > min(need)  # the morning peak
    assert len(staff) == len(need) and all(s >= r for s, r in zip(staff, need, strict=True))
    assert not data["violations"]


def test_solve_dispatch_solomon_json(tmp_path, solomon):
    out = tmp_path / "c101.json"
    res = invoke(
        "solve",
        "dispatch",
        str(solomon / "C101.txt"),
        "--format",
        "solomon",
        "--time-limit",
        "2",
        "--seed",
        "1",
        "--json",
        str(out),
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert set(data) >= {"decision", "status", "objective", "units", "runtime_s", "kpis", "plan"}
    assert data["kpis"]["routes"] == len(data["plan"]["routes"]) >= 10
    # Solomon: cost is the distance (1 per km, no labour price); no customer value
    assert data["kpis"]["distance"] == pytest.approx(data["objective"]["cost"])
    assert data["objective"]["value"] == 0
    assert set(data["params"]) == {"time_limit_s", "seed"}  # what the routing search used
    assert data["kpis"]["dropped"] == []
    assert "vehicles#0:" in res.output and "SLA by segment" in res.output


def test_solve_dispatch_nearest_under_a_plan_lists_drops_with_reasons():
    res = invoke(
        "solve",
        "dispatch",
        str(INSTANCES / "case-a-aftersales.yaml"),
        "--plan",
        str(INSTANCES / "case-a-aftersales.cost-only.plan.yaml"),
        "--policy",
        "nearest",
    )
    assert res.exit_code == 0, res.output
    assert "(nearest)" in res.output
    assert "dropped job-011: no technician with skill 'excavator-hydraulics' can do it" in (
        res.output
    )
    assert "key-account" in res.output


def test_solve_dispatch_impossible_solomon_job_exits_3(tmp_path, solomon):
    text = (solomon / "C101.txt").read_text().splitlines()
    # Customer 1's window closes at time 0: nobody can reach it; every job is required.
    i = next(k for k, line in enumerate(text) if line.split()[:1] == ["1"])
    f = text[i].split()
    f[4], f[5] = "0", "0"
    text[i] = "  ".join(f)
    path = tmp_path / "C101x.txt"
    path.write_text("\n".join(text) + "\n")
    res = invoke("solve", "dispatch", str(path), "--format", "solomon", "--time-limit", "1")
    assert res.exit_code == 3
    assert "job 'j1'" in res.output and "before its window closes at 0" in res.output


def test_solve_dispatch_bad_file_exit_2(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("name: x\njobs: [{id: j, site: nowhere, job_type: t}]\n")
    res = invoke("solve", "dispatch", str(bad))
    assert res.exit_code == 2 and "x.yaml" in res.output and "Traceback" not in res.output


def test_evaluate_dispatch_of_hand_written_routes(tmp_path):
    plan = {
        "kind": "plan",
        "name": "two routes",
        "network": str(INSTANCES / "case-a-aftersales.yaml"),
        "routes": [
            {"pool": "region-01-diesel-engine", "jobs": ["job-001"]},
            # a crane job for an excavator specialist with no crane skill: a violation
            {"pool": "region-01-excavator-hydraulics", "jobs": ["job-002", "job-003"]},
        ],
    }
    path = tmp_path / "routes.plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    out = tmp_path / "kpis.json"
    res = invoke("evaluate", "dispatch", str(path), "--json", str(out))
    assert res.exit_code == 4, res.output  # priced, with violations
    data = json.loads(out.read_text())
    kpis = data["kpis"]
    assert kpis["routes"] == 2 and kpis["served"] == 3
    assert len(kpis["dropped"]) == 147
    assert any("needs skill 'crane-structure'" in v for v in data["violations"])
    assert "VIOLATION routes[1].jobs[0]: job 'job-002' needs skill 'crane-structure'" in res.output
