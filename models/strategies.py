"""Hypothesis strategies for property tests of solvers and of the model itself.

Needs ``hypothesis`` (in the ``dev`` extra); the rest of :mod:`servopt.models` does not.

>>> from hypothesis import given
>>> from servopt.models.strategies import networks
>>> @given(networks(max_sites=20))
... def test_demand_is_nonnegative(net):
...     assert net.total_demand >= 0
"""

from __future__ import annotations

from hypothesis import strategies as st

from servopt.models.generate import generate_network
from servopt.models.network import ServiceNetwork


@st.composite
def networks(
    draw: st.DrawFn,
    max_sites: int = 30,
    max_depots: int = 6,
    max_technicians: int = 8,
    max_jobs: int = 10,
) -> ServiceNetwork:
    """Small generated networks: sizes, seed, skills, families, segments and capacity slack
    all drawn, so shrinking leads to the smallest failing network."""
    return generate_network(
        sites=draw(st.integers(1, max_sites)),
        depots=draw(st.integers(1, max_depots)),
        technicians=draw(st.integers(0, max_technicians)),
        seed=draw(st.integers(0, 2**32 - 1)),
        skills=draw(st.integers(1, 4)),
        part_families=draw(st.integers(1, 3)),
        segments=draw(st.integers(1, 4)),
        jobs=draw(st.integers(0, max_jobs)),
        journeys=draw(st.integers(0, 2)),
        capacity_ratio=draw(st.floats(0.8, 3.0)),
    )
