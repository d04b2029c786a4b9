"""Bad input: every kind gets a message naming file, place and value, and exit code 2."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from servopt.models import BadInputError, load_network
from servopt.models.io import read_data, save
from servopt.optimizer.cli import main


def write(tmp_path: Path, data, name: str = "net.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data) if name.endswith(".yaml") else json.dumps(data))
    return p


def problems(path: Path) -> list[str]:
    with pytest.raises(BadInputError) as e:
        load_network(path)
    return [str(p) for p in e.value.problems]


def cli_fails(path: Path, *needles: str) -> str:
    res = CliRunner().invoke(main, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    for n in needles:
        assert n in res.output
    assert "Traceback" not in res.output
    return res.output


def test_the_valid_base_loads(tmp_path, tiny_data):
    net = load_network(write(tmp_path, tiny_data))
    assert net.name == "tiny"


# One change to a valid file -> exactly the expected problem, with the place and value.
CASES = [
    (
        "type error",
        lambda d: d["depots"][0].update(capacity="lots"),
        "depots[0].capacity: must be a number, got 'lots'",
    ),
    (
        "negative",
        lambda d: d["depots"][1].update(capacity=-5),
        "depots[1].capacity: must be >= 0, got -5",
    ),
    (
        "non-finite",
        lambda d: d["depots"][0].update(fixed_cost=float("inf")),
        "depots[0].fixed_cost: must be a finite number, got inf",
    ),
    (
        "nan demand",
        lambda d: d["sites"][1]["parts_demand"].update(p=float("nan")),
        "sites[1].parts_demand.p: must be a finite number, got nan",
    ),
    (
        "unknown reference",
        lambda d: d["sites"][0].update(segment="retial"),
        "sites[0].segment: unknown segment 'retial' (did you mean 'retail'?)",
    ),
    (
        "duplicate id",
        lambda d: d["depots"][1].update(id="d1"),
        "depots[1].id: duplicate id 'd1' (first used by depots[0])",
    ),
    (
        "id shared across kinds",
        lambda d: d["sites"][1].update(id="d2"),
        "sites[1].id: id 'd2' is also used by depots",
    ),
    (
        "no accessible channel",
        lambda d: d["segments"][0].update(channels=[]),
        "segments[0].channels: segment 'retail' has no accessible channel",
    ),
    (
        "skill no one has",
        lambda d: d["pools"][0].update(skills={}),
        "job_types[0].skill: job type 'fix' needs skill 'hyd', which no staff pool has",
    ),
    (
        "proficiency too low",
        lambda d: d["job_types"][0].update(min_proficiency=0.9),
        "needs skill 'hyd' at proficiency >= 0.9, but the best anyone has is 0.8",
    ),
    (
        "unknown field",
        lambda d: d["depots"][0].update(colour="red"),
        "depots[0].colour: unknown field (expected one of: id, name, kind",
    ),
    (
        "missing field",
        lambda d: d["sites"][0].pop("location"),
        "sites[0].location: required field is missing",
    ),
    (
        "bad enum",
        lambda d: d["channels"][0].update(kind="fax"),
        "channels[0].kind: must be one of 'phone'",
    ),
    (
        "window reversed",
        lambda d: d["jobs"][0].update(window=[600, 480]),
        "jobs[0]: window must be [earliest, latest], got [600.0, 480.0]",
    ),
    (
        "probabilities above one",
        lambda d: d["journeys"][0]["transitions"].append(
            {"source": "a", "target": "a", "probability": 0.5}
        ),
        "journeys[0].steps[0]: transition probabilities out of step 'a' sum to 1.4",
    ),
    (
        "unreachable step",
        lambda d: d["journeys"][0]["steps"].append({"id": "c", "service_min": 1}),
        "journeys[0].steps[2]: step 'c' cannot be reached from start 'a'",
    ),
    (
        "unknown resource",
        lambda d: d["journeys"][0]["steps"][0].update(resource="fax"),
        "journeys[0].steps[0].resource: unknown staff pool or channel 'fax'",
    ),
    (
        "empty network",
        lambda d: [
            d.pop(k)
            for k in (
                "depots",
                "sites",
                "pools",
                "channels",
                "journeys",
                "jobs",
                "job_types",
                "segments",
            )
        ],
        "the network is empty",
    ),
    (
        "shift end before start",
        lambda d: d["pools"][0].update(shifts=[{"start_min": 600, "end_min": 480}]),
        "pools[0].shifts[0]: end_min must be after start_min",
    ),
]


@pytest.mark.parametrize(("label", "change", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_one_change_one_named_problem(tmp_path, tiny_data, label, change, expected, suffix):
    data = copy.deepcopy(tiny_data)
    change(data)
    path = write(tmp_path, data, "net" + suffix)
    found = problems(path)
    assert any(expected in p and p.startswith(str(path) + ": ") for p in found), found
    assert len(found) == 1, found
    cli_fails(path, expected)


def test_every_problem_is_reported_not_just_the_first(tmp_path, tiny_data):
    tiny_data["depots"][0]["capacity"] = -1
    tiny_data["sites"][0]["segment"] = "nope"
    tiny_data["channels"][0]["kind"] = "fax"
    tiny_data["depots"][1]["id"] = "d1"  # duplicate
    found = problems(write(tmp_path, tiny_data))
    text = "\n".join(found)
    assert "depots[0].capacity: must be >= 0, got -1" in text
    assert "sites[0].segment: unknown segment 'nope'" in text
    assert "channels[0].kind: must be one of" in text
    # depots[0] failed field checks, so 'd1' is still known: no false "unknown depot" for t1
    assert "unknown depot" not in text


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    assert problems(missing) == [f"{missing}: no such file (looked in {tmp_path})"]
    cli_fails(missing, "nope.yaml: no such file")


def test_directory(tmp_path):
    assert problems(tmp_path) == [f"{tmp_path}: is a directory; expected an instance file"]
    cli_fails(tmp_path, "is a directory")


def test_invalid_utf8_names_line_and_column(tmp_path):
    p = tmp_path / "net.yaml"
    p.write_bytes(b"name: ok\nnotes: [caf\xe9]\n")
    assert problems(p) == [
        f"{p}: line 2, column 12: invalid UTF-8 (byte 0xe9); instance files must be UTF-8 text"
    ]
    cli_fails(p, "invalid UTF-8")


def test_malformed_yaml_names_line_and_column(tmp_path):
    p = tmp_path / "net.yaml"
    p.write_text("name: x\ndepots:\n  - {id: d1, location: [0, 0]\n")
    (msg,) = problems(p)
    assert msg.startswith(f"{p}: line 4, column 1: malformed YAML")
    cli_fails(p, "malformed YAML")


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(tmp_path):
    p = tmp_path / "net.yaml"
    p.write_text("name: x\nname: y\n")
    (msg,) = problems(p)
    assert "line 2, column 1" in msg and "duplicate key 'name'" in msg


def test_malformed_json(tmp_path):
    p = tmp_path / "net.json"
    p.write_text('{"name": "x",\n "depots": [}\n')
    (msg,) = problems(p)
    assert msg.startswith(f"{p}: line 2, column 13: malformed JSON")


def test_huge_file_is_refused_before_reading(tmp_path):
    p = tmp_path / "huge.yaml"
    with open(p, "wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: 100 MB without writing them
    (msg,) = problems(p)
    assert msg == (
        f"{p}: file is 100.0 MB; servopt reads instance files up to 64 MB "
        "(set SERVOPT_MAX_FILE_MB to raise the limit)"
    )
    cli_fails(p, "file is 100.0 MB")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "got an empty file"),
        ("- 1\n- 2\n", "got list"),
        ("kind: plan\n", "this is a plan file"),
    ],
)
def test_not_a_network(tmp_path, text, expected):
    p = tmp_path / "net.yaml"
    p.write_text(text)
    (msg,) = problems(p)
    assert expected in msg


def test_validate_exit_codes_over_several_files(tmp_path, tiny_data):
    good = write(tmp_path, tiny_data, "good.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [")
    ok = CliRunner().invoke(main, ["validate", str(good)])
    assert ok.exit_code == 0 and "ok   " in ok.output
    mixed = CliRunner().invoke(main, ["validate", str(good), str(bad)])
    assert mixed.exit_code == 2 and "1 of 2 file(s) invalid" in mixed.output


def test_save_is_atomic_and_leaves_no_temp_file(tmp_path, tiny_data, monkeypatch):
    from servopt.models import ServiceNetwork

    net = ServiceNetwork.model_validate(tiny_data)
    target = tmp_path / "out.yaml"
    target.write_text("previous content\n")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        save(net, target)
    assert target.read_text() == "previous content\n"
    assert list(tmp_path.iterdir()) == [target]


def test_saved_file_reads_back(tmp_path, tiny_data):
    from servopt.models import ServiceNetwork

    net = ServiceNetwork.model_validate(tiny_data)
    for name in ("n.yaml", "n.json"):
        save(net, tmp_path / name)
        assert load_network(tmp_path / name) == net
    assert read_data(tmp_path / "n.json")["kind"] == "network"
