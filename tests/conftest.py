"""Shared fixtures: paths to the repository, the bundled instances and the benchmark sets.

The fast tests read the benchmark subset vendored in ``instances/benchmarks`` (fixtures ``orlib``,
``solomon``): they need nothing outside the project. Only the ``slow`` tier reads the full sets in
``../shared/benchmarks`` (or ``$SERVOPT_SHARED/benchmarks``; fixtures ``orlib_full``,
``solomon_full``) and skips, saying why, when they are not there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
INSTANCES = REPO / "instances"
BENCH = INSTANCES / "benchmarks"  # the vendored subset, with its README (provenance)
ORLIB = BENCH / "orlib-cap"
SOLOMON = BENCH / "solomon"
SHARED = Path(os.environ.get("SERVOPT_SHARED", REPO.parent / "shared"))  # slow tier only
SHARED_ORLIB = SHARED / "benchmarks" / "orlib-cap"
SHARED_SOLOMON = SHARED / "benchmarks" / "solomon"

# Two Hypothesis profiles with the same properties and the same example counts:
# - "dev" (the default) explores: new random examples on every run, failures kept in the local
#   example database and replayed first, so a run on your machine keeps looking for defects;
# - "ci" is derandomized with no example database, so CI draws the same examples on every run
#   of the same Hypothesis version (selected by .ci/run through SERVOPT_HYPOTHESIS_PROFILE, or by
#   CI=true). When a property fails under either, it found something: fix the code.
_COMMON: dict = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("dev", **_COMMON)
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, **_COMMON)
settings.load_profile(
    os.environ.get("SERVOPT_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)


def need(path: Path) -> Path:
    """Slow tier only: skip, saying why, when a full benchmark set is not next to the checkout."""
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path} (set SERVOPT_SHARED)")
    return path


@pytest.fixture(scope="session")
def orlib() -> Path:
    """The vendored OR-Library subset (8 instances and their rows of optimal.csv)."""
    return ORLIB


@pytest.fixture(scope="session")
def solomon() -> Path:
    """The vendored Solomon subset (one instance per class, their rows of the bks tables)."""
    return SOLOMON


@pytest.fixture(scope="session")
def orlib_full() -> Path:
    """All 37 OR-Library instances, outside the project: for tests marked slow."""
    return need(SHARED_ORLIB)


@pytest.fixture(scope="session")
def solomon_full() -> Path:
    """All 56 Solomon instances, outside the project: for tests marked slow."""
    return need(SHARED_SOLOMON)


@pytest.fixture(scope="session")
def case_a():
    from servopt.models import load_network

    return load_network(INSTANCES / "case-a-aftersales.yaml")


@pytest.fixture()
def tiny_data() -> dict:
    """A small valid network as plain data; tests change one field and expect one problem."""
    return {
        "name": "tiny",
        "skills": [{"id": "hyd"}],
        "channels": [{"id": "phone", "kind": "phone"}, {"id": "field", "kind": "field_visit"}],
        "segments": [{"id": "retail", "channels": ["phone", "field"]}],
        "part_families": [{"id": "p"}],
        "depots": [
            {"id": "d1", "location": [0, 0], "capacity": 10, "fixed_cost": 5},
            {"id": "d2", "location": [6, 8], "capacity": 10, "fixed_cost": 7},
        ],
        "sites": [
            {"id": "s1", "location": [3, 4], "segment": "retail", "parts_demand": {"p": 4}},
            {"id": "s2", "location": [6, 0], "segment": "retail", "parts_demand": {"p": 5}},
        ],
        "pools": [{"id": "t1", "home_depot": "d1", "skills": {"hyd": 0.8}}],
        "job_types": [{"id": "fix", "skill": "hyd", "duration_min": 60}],
        "jobs": [{"id": "j1", "site": "s1", "job_type": "fix", "window": [480, 600]}],
        "journeys": [
            {
                "id": "req",
                "start": "a",
                "steps": [
                    {"id": "a", "department": "desk", "resource": "phone", "service_min": 5},
                    {"id": "b", "department": "field", "resource": "t1", "service_min": 60},
                ],
                "transitions": [
                    {"source": "a", "target": "b", "probability": 0.9},
                    {"source": "b", "target": "a", "probability": 0.1},
                ],
            }
        ],
    }


#: Fixtures that read outside the project (``../shared``): the slow tier's only.
OUTSIDE = frozenset({"orlib_full", "solomon_full"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a fast test that reads outside the project: on a plain clone it would skip and
    hide what it should test (the fast tier reads only ``instances/``)."""
    wrong = [
        item.nodeid
        for item in items
        if OUTSIDE & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("slow") is None
    ]
    if wrong:
        raise pytest.UsageError(
            "tests reading ../shared must be marked slow: " + ", ".join(sorted(wrong))
        )
