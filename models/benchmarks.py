"""Adapters for published benchmark formats, so solvers can be checked against known optima.

* OR-Library capacitated warehouse location (Beasley 1988; ``cap41`` ... ``cap134``) as a
  placement network: warehouses become candidate depots (capacity, fixed cost, none open today),
  customers become sites with demand in one part family, and each ``cost of sending all demand
  from warehouse i`` becomes an explicit :class:`~servopt.models.entities.Arc` with that
  ``transport_cost``. With stock, expediting and service terms off, placement on this network is
  exactly the classic split-demand CFLP.
* Solomon VRPTW (1987), 100 customers, as a dispatch network: the depot row becomes a depot, the
  vehicles one staff pool of ``NUMBER`` members with the vehicle capacity and a shift over the
  depot's horizon, each customer a site with one job (window, service time, demand). Travel time
  equals distance (speed 60 km/h with distance in km gives 1 km per minute). Distances follow
  ``rounding``: ``truncate_1dp`` (default) is the convention of ``bks.csv``; ``exact`` for
  ``bks_hierarchical.csv`` / ``bks_distance_exact.csv``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from servopt.models.entities import DistanceRounding
from servopt.models.errors import BadInputError
from servopt.models.io import network_from_data, read_text
from servopt.models.network import ServiceNetwork

_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class _Tokens:
    """Whitespace-separated numbers of a file, read with errors that say which item failed."""

    def __init__(self, text: str, file: str) -> None:
        self.words = text.split()
        self.pos = 0
        self.file = file

    def number(self, what: str) -> float:
        if self.pos >= len(self.words):
            raise BadInputError(
                f"file ends early: expected {what} (token {self.pos + 1})", self.file
            )
        w = self.words[self.pos]
        self.pos += 1
        if not _NUM.match(w):
            raise BadInputError(
                f"token {self.pos}: expected {what} (a number), got {w!r}", self.file
            )
        return float(w)

    def count(self, what: str) -> int:
        v = self.number(what)
        if v != int(v) or v < 1:
            raise BadInputError(
                f"token {self.pos}: expected {what} (a whole number >= 1), "
                f"got {self.words[self.pos - 1]!r}",
                self.file,
            )
        return int(v)


def load_orlib_cap(path: str | os.PathLike[str]) -> ServiceNetwork:
    """Read an OR-Library ``cap*.txt`` file as a placement network (see the module docstring)."""
    file = str(path)
    tok = _Tokens(read_text(path), file)
    m = tok.count("the number of warehouses m")
    n = tok.count("the number of customers n")
    depots = []
    for i in range(m):
        cap = tok.number(f"capacity of warehouse {i + 1}")
        fixed = tok.number(f"fixed cost of warehouse {i + 1}")
        depots.append(
            {
                "id": f"w{i + 1}",
                "location": [0.0, 0.0],
                "capacity": cap,
                "fixed_cost": fixed,
                "open_today": False,
            }
        )
    sites, arcs = [], []
    for j in range(n):
        demand = tok.number(f"demand of customer {j + 1}")
        sites.append(
            {
                "id": f"c{j + 1}",
                "location": [0.0, 0.0],
                "segment": "customers",
                "parts_demand": {"units": demand},
            }
        )
        for i in range(m):
            cost = tok.number(f"cost of serving customer {j + 1} from warehouse {i + 1}")
            arcs.append({"depot": f"w{i + 1}", "site": f"c{j + 1}", "transport_cost": cost})
    if tok.pos != len(tok.words):
        raise BadInputError(
            f"{len(tok.words) - tok.pos} numbers after the last customer; expected exactly "
            f"{m} warehouses and {n} customers",
            file,
        )
    data = {
        "name": Path(path).stem,
        "description": "OR-Library capacitated warehouse location instance (Beasley 1988)",
        "notes": [
            "Locations are not given by the format: every node is at (0, 0); costs come "
            "from the arcs."
        ],
        "channels": [{"id": "delivery", "kind": "delivery"}],
        "segments": [{"id": "customers", "channels": ["delivery"]}],
        "part_families": [{"id": "units", "holding_rate": 0.0, "demand_cv": 0.0}],
        "depots": depots,
        "sites": sites,
        "arcs": arcs,
    }
    return network_from_data(data, file)


_SOLOMON_ROW = 7


def load_solomon(
    path: str | os.PathLike[str], rounding: DistanceRounding | str = DistanceRounding.TRUNCATE_1DP
) -> ServiceNetwork:
    """Read a Solomon VRPTW file as a dispatch network (see the module docstring)."""
    file = str(path)
    rounding = DistanceRounding(rounding)
    lines = read_text(path).splitlines()
    name = lines[0].strip() if lines else ""
    try:
        vi = next(i for i, ln in enumerate(lines) if ln.strip().upper() == "VEHICLE")
        ci = next(i for i, ln in enumerate(lines) if ln.strip().upper() == "CUSTOMER")
    except StopIteration:
        raise BadInputError(
            "not a Solomon file: expected VEHICLE and CUSTOMER sections", file
        ) from None
    nums = [ln.split() for ln in lines[vi + 1 : ci] if ln.split() and ln.split()[0].isdigit()]
    if not nums or len(nums[0]) != 2:
        raise BadInputError(f"line {vi + 3}: expected 'NUMBER CAPACITY' of the vehicles", file)
    vehicles, capacity = int(nums[0][0]), float(nums[0][1])
    rows = []
    for k, ln in enumerate(lines[ci + 1 :], start=ci + 2):
        parts = ln.split()
        if not parts or not parts[0].lstrip("-").isdigit():
            continue
        if len(parts) != _SOLOMON_ROW or not all(_NUM.match(p) for p in parts):
            raise BadInputError(
                f"line {k}: expected 7 numbers (CUST NO., XCOORD., YCOORD., DEMAND, READY TIME, "
                f"DUE DATE, SERVICE TIME), got {ln.strip()!r}",
                file,
            )
        rows.append([float(p) for p in parts])
    if len(rows) < 2:
        raise BadInputError("expected a depot row and at least one customer", file)
    depot = rows[0]
    horizon = depot[5]
    sites, jobs = [], []
    for r in rows[1:]:
        cid = f"c{int(r[0])}"
        sites.append({"id": cid, "location": [r[1], r[2]], "segment": "customers"})
        jobs.append(
            {
                "id": f"j{int(r[0])}",
                "site": cid,
                "job_type": "visit",
                "window": [r[4], r[5]],
                "duration_min": r[6],
                "quantity": r[3],
            }
        )
    data = {
        "name": name or Path(path).stem,
        "description": f"Solomon VRPTW instance {name}; distances {rounding.value}",
        "notes": ["Travel time equals distance (1 distance unit per minute)."],
        "travel": {"speed_kmh": 60.0, "rounding": rounding.value, "cost_per_km": 1.0},
        "skills": [{"id": "service"}],
        "channels": [{"id": "field", "kind": "field_visit"}],
        "segments": [{"id": "customers", "channels": ["field"]}],
        "depots": [{"id": "depot", "kind": "central", "location": [depot[1], depot[2]]}],
        "sites": sites,
        "pools": [
            {
                "id": "vehicles",
                "home_depot": "depot",
                "headcount": vehicles,
                "skills": {"service": 1.0},
                "vehicle_capacity": capacity,
                "cost_per_km": 1.0,
                "shifts": [{"start_min": depot[4], "end_min": horizon, "days": [0]}],
            }
        ],
        "job_types": [
            {"id": "visit", "skill": "service", "duration_min": 1.0, "first_time_fix": 1.0}
        ],
        "jobs": jobs,
    }
    return network_from_data(data, file)
