"""Property tests over generated networks and mutated instance files."""

from __future__ import annotations

import copy
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import BadInputError, ServiceNetwork, load_network
from servopt.models.generate import generate_data, generate_network
from servopt.models.io import dump_text, network_from_data
from servopt.models.strategies import networks


@settings(max_examples=25)
@given(net=networks(), fmt=st.sampled_from(["yaml", "json"]))
def test_save_load_round_trip_is_lossless(tmp_path_factory, net, fmt):
    path = tmp_path_factory.mktemp("rt") / f"net.{fmt}"
    path.write_text(dump_text(net, fmt))
    back = load_network(path)
    assert back == net
    assert dump_text(back, fmt) == dump_text(net, fmt)


@settings(max_examples=25)
@given(net=networks())
def test_generated_networks_are_consistent(net):
    assert net.total_demand >= 0
    g = net.graph()
    for site in net.sites:
        assert g.has_edge(site.id, site.segment)
    needed = {jt.skill for jt in net.job_types}
    held = {sk for p in net.pools if p.headcount for sk in p.skills}
    assert needed <= held


def test_generator_is_seeded_and_sized():
    a = generate_data(sites=50, depots=4, technicians=6, seed=11, jobs=12)
    assert a == generate_data(sites=50, depots=4, technicians=6, seed=11, jobs=12)
    assert a != generate_data(sites=50, depots=4, technicians=6, seed=12, jobs=12)
    net = network_from_data(a)
    assert (len(net.sites), len(net.depots), len(net.jobs)) == (50, 4, 12)
    assert sum(p.headcount for p in net.pools if p.skills) == 6


def test_capacity_ratio_is_respected():
    net = generate_network(sites=300, depots=12, technicians=0, seed=3, capacity_ratio=1.1)
    assert 1.1 <= net.total_capacity / net.total_demand < 1.1 + 12 / net.total_demand


# ------------------------------------------------------------------ mutation fuzzing
_BASE = generate_data(sites=6, depots=2, technicians=3, seed=5, jobs=3)
_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


_ALL_PATHS = [p for p in _paths(_BASE) if p]


@st.composite
def mutated(draw):
    data = copy.deepcopy(_BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_ALL_PATHS))
        parent = data
        try:
            for k in path[:-1]:
                parent = parent[k]
            action = draw(st.sampled_from(["set", "delete", "dup"]))
            if action == "set":
                parent[path[-1]] = draw(_JUNK)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
        except (KeyError, IndexError, TypeError):
            continue
    return data


@settings(max_examples=150)
@given(data=mutated(), fmt=st.sampled_from(["yaml", "json"]))
def test_mutated_files_load_or_raise_the_documented_error(tmp_path_factory, data, fmt):
    path = tmp_path_factory.mktemp("fz") / f"net.{fmt}"
    if fmt == "json":
        import json

        path.write_text(json.dumps(data, allow_nan=True))
    else:
        path.write_text(yaml.safe_dump(data))
    try:
        net = load_network(path)
    except BadInputError as e:
        assert e.problems
        for p in e.problems:
            assert p.file == str(path) and p.message
    else:
        assert isinstance(net, ServiceNetwork)
        assert all(math.isfinite(d.fixed_cost) for d in net.depots)


@pytest.mark.parametrize("size", [0, 1])
def test_tiny_generated_networks(size):
    net = generate_network(sites=size, depots=size, technicians=size, seed=0)
    assert len(net.sites) == size
