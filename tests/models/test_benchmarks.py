"""The benchmark adapters against the published files: the subset vendored in
instances/benchmarks (fast), and the full sets in ../shared/benchmarks (slow tier)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from servopt.models import BadInputError, load_network
from tests.conftest import BENCH, SHARED, need


def _check_orlib_folder(folder: Path) -> int:
    """Every cap*.txt loads as a placement network and has its row in optimal.csv."""
    files = sorted(folder.glob("cap*.txt"))
    with open(folder / "optimal.csv") as fh:
        optimal = {r["instance"] for r in csv.DictReader(fh)}
    assert {f.stem for f in files} == optimal
    for f in files:
        net = load_network(f, "orlib-cap")
        assert len(net.sites) == 50 and len(net.depots) in (16, 25, 50)
        assert net.total_demand == pytest.approx(58268)
        assert len(net.arcs) == 50 * len(net.depots)
        assert not any(d.open_today for d in net.depots)
    return len(files)


def test_vendored_orlib_instances_load_as_placement_networks(orlib):
    assert _check_orlib_folder(orlib) == 8


@pytest.mark.slow
def test_all_orlib_instances_load_as_placement_networks(orlib_full):
    assert _check_orlib_folder(orlib_full) == 37


def test_orlib_numbers_are_read_in_the_right_places(orlib):
    net = load_network(orlib / "cap41.txt", "orlib-cap")
    assert (net.depot("w1").capacity, net.depot("w1").fixed_cost) == (5000, 7500)
    assert net.depot("w11").fixed_cost == 0
    assert net.site("c1").demand == 146
    assert net.arc("w1", "c1").transport_cost == pytest.approx(6739.725)
    assert net.arc("w16", "c1").transport_cost == pytest.approx(6051.7)
    assert net.arc("w1", "c2").transport_cost == pytest.approx(3204.8625)


CAPACITY = {"C1": 200, "R1": 200, "RC1": 200, "C2": 700, "R2": 1000, "RC2": 1000}
BKS_TABLES = ("bks.csv", "bks_hierarchical.csv", "bks_distance_exact.csv")


def _check_solomon_folder(folder: Path) -> int:
    """Every *.txt loads as a dispatch network and has its row in each bks table."""
    files = sorted(folder.glob("*.txt"))
    for table in BKS_TABLES:
        with open(folder / table) as fh:
            assert {r["instance"] for r in csv.DictReader(fh)} == {f.stem for f in files}, table
    for f in files:
        net = load_network(f, "solomon")
        assert len(net.jobs) == 100 and len(net.sites) == 100
        (pool,) = net.pools
        assert pool.headcount == 25
        assert pool.vehicle_capacity == CAPACITY[f.stem[:-2]], f.stem  # C101 -> C1
    return len(files)


def test_vendored_solomon_instances_load_as_dispatch_networks(solomon):
    assert _check_solomon_folder(solomon) == 6
    assert {f.stem[:-2] for f in solomon.glob("*.txt")} == set(CAPACITY)  # one of each class


@pytest.mark.slow
def test_all_solomon_instances_load_as_dispatch_networks(solomon_full):
    assert _check_solomon_folder(solomon_full) == 56


@pytest.mark.slow
@pytest.mark.parametrize("name", ["orlib-cap", "solomon"])
def test_vendored_files_are_copies_of_the_full_sets(name):
    """instances/benchmarks holds byte-identical copies, and the full tables' rows."""
    full = need(SHARED / "benchmarks" / name)
    for f in sorted((BENCH / name).iterdir()):
        if f.suffix == ".txt":
            assert f.read_bytes() == (full / f.name).read_bytes(), f.name
        elif f.suffix == ".csv":
            rows = set((full / f.name).read_text().splitlines())
            assert set(f.read_text().splitlines()) <= rows, f.name


def test_solomon_rows_and_distance_conventions(solomon):
    net = load_network(solomon / "C101.txt", "solomon")
    assert net.depot("depot").location == (40, 50)
    j1 = net.index["jobs"]["j1"]
    assert (j1.window, j1.duration_min, j1.quantity) == ((912, 967), 90, 10)
    assert net.pools[0].shifts[0].end_min == 1236
    # depot (40,50) to c1 (45,68): sqrt(349) = 18.681...
    assert net.distance_km("depot", "c1") == 18.6
    exact = load_network(solomon / "C101.txt", "solomon", rounding="exact")
    assert exact.distance_km("depot", "c1") == pytest.approx(349**0.5)
    assert net.travel_min("depot", "c1") == pytest.approx(18.6)


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        (
            "orlib-cap",
            "2 1\n10 5\n10 5\n3 1.0\n",
            "file ends early: expected cost of serving customer 1 from warehouse 2",
        ),
        (
            "orlib-cap",
            "2 1\n10 x\n",
            "token 4: expected fixed cost of warehouse 1 (a number), got 'x'",
        ),
        ("orlib-cap", "1 1\n10 5\n3 1.0 9\n", "1 numbers after the last customer"),
        ("solomon", "X\nVEHICLE\n", "not a Solomon file"),
        (
            "solomon",
            "X\nVEHICLE\nNUMBER CAPACITY\n 25 200\nCUSTOMER\nhdr\n 0 1 2 3 4\n",
            "line 7: expected 7 numbers",
        ),
    ],
)
def test_benchmark_format_errors_name_the_place(tmp_path, fmt, text, expected):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(BadInputError) as e:
        load_network(p, fmt)
    assert str(e.value) == f"{p}: {expected}" or expected in str(e.value)
    assert str(e.value).startswith(str(p))
