"""The benchmark adapters against the published files (../shared/benchmarks)."""

from __future__ import annotations

import csv

import pytest

from servopt.models import BadInputError, load_network


def test_all_orlib_instances_load_as_placement_networks(orlib):
    files = sorted(orlib.glob("cap*.txt"))
    assert len(files) == 37
    with open(orlib / "optimal.csv") as fh:
        optimal = {r["instance"] for r in csv.DictReader(fh)}
    assert {f.stem for f in files} == optimal
    for f in files:
        net = load_network(f, "orlib-cap")
        assert len(net.sites) == 50 and len(net.depots) in (16, 25, 50)
        assert net.total_demand == pytest.approx(58268)
        assert len(net.arcs) == 50 * len(net.depots)
        assert not any(d.open_today for d in net.depots)


def test_orlib_numbers_are_read_in_the_right_places(orlib):
    net = load_network(orlib / "cap41.txt", "orlib-cap")
    assert (net.depot("w1").capacity, net.depot("w1").fixed_cost) == (5000, 7500)
    assert net.depot("w11").fixed_cost == 0
    assert net.site("c1").demand == 146
    assert net.arc("w1", "c1").transport_cost == pytest.approx(6739.725)
    assert net.arc("w16", "c1").transport_cost == pytest.approx(6051.7)
    assert net.arc("w1", "c2").transport_cost == pytest.approx(3204.8625)


CAPACITY = {"C1": 200, "R1": 200, "RC1": 200, "C2": 700, "R2": 1000, "RC2": 1000}


def test_all_solomon_instances_load_as_dispatch_networks(solomon):
    files = sorted(solomon.glob("*.txt"))
    assert len(files) == 56
    for f in files:
        net = load_network(f, "solomon")
        assert len(net.jobs) == 100 and len(net.sites) == 100
        (pool,) = net.pools
        assert pool.headcount == 25
        assert pool.vehicle_capacity == CAPACITY[f.stem[:-2]], f.stem  # C101 -> C1


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
