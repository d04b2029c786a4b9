"""The service network: the whole domain in one validated, immutable object."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Literal

import networkx as nx
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from servopt.models.checks import check_network
from servopt.models.entities import (
    COLLECTIONS,
    NODE_COLLECTIONS,
    Arc,
    Channel,
    Depot,
    DistanceRounding,
    Job,
    JobType,
    Journey,
    Location,
    PartFamily,
    Segment,
    Site,
    Skill,
    StaffPool,
    SupplyLane,
    TravelModel,
    Workforce,
)
from servopt.models.errors import BadInputError


class ServiceNetwork(BaseModel):
    """A validated, immutable service network.

    Build one from a file with :func:`servopt.models.load_network`, from Python with keyword
    arguments (every check runs on construction and raises
    :class:`~servopt.models.errors.BadInputError` listing every problem), or from another with
    :meth:`replace`.

    Examples
    --------
    >>> from servopt.models import ServiceNetwork, Depot, Site, Segment, Channel
    >>> net = ServiceNetwork(
    ...     name="tiny",
    ...     channels=[Channel(id="phone", kind="phone")],
    ...     segments=[Segment(id="retail", channels=["phone"])],
    ...     depots=[Depot(id="d1", location=(0, 0), capacity=10)],
    ...     sites=[Site(id="s1", location=(3, 4), segment="retail", parts_demand={"p": 4})],
    ...     part_families=[{"id": "p"}],
    ... )
    >>> net.distance_km("d1", "s1")
    5.0
    >>> net.replace(name="tiny-2").name
    'tiny-2'
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Literal["network"] = "network"
    schema_version: Literal[1] = 1
    name: str
    description: str = ""
    notes: tuple[str, ...] = ()
    currency: str = Field(default="CU", min_length=1, max_length=12)
    period: str = "year"
    horizon_min: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    staffing_start_min: float = Field(default=480.0, ge=0, allow_inf_nan=False)
    staffing_interval_min: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    travel: TravelModel = TravelModel()
    workforce: Workforce = Workforce()
    skills: tuple[Skill, ...] = ()
    channels: tuple[Channel, ...] = ()
    segments: tuple[Segment, ...] = ()
    depots: tuple[Depot, ...] = ()
    sites: tuple[Site, ...] = ()
    part_families: tuple[PartFamily, ...] = ()
    supply_lanes: tuple[SupplyLane, ...] = ()
    pools: tuple[StaffPool, ...] = ()
    job_types: tuple[JobType, ...] = ()
    jobs: tuple[Job, ...] = ()
    journeys: tuple[Journey, ...] = ()
    arcs: tuple[Arc, ...] = ()

    @model_validator(mode="after")
    def _whole_network_checks(self) -> ServiceNetwork:
        problems = check_network(self)
        if problems:
            raise BadInputError(problems)
        return self

    # ----------------------------------------------------------------- look-ups
    @cached_property
    def index(self) -> dict[str, dict[str, Any]]:
        """``index[collection][id]`` is the item with that id (e.g. ``index["depots"]["d1"]``)."""
        return {name: {item.id: item for item in getattr(self, name)} for name in COLLECTIONS}

    def depot(self, depot_id: str) -> Depot:
        return self.index["depots"][depot_id]

    def site(self, site_id: str) -> Site:
        return self.index["sites"][site_id]

    def segment(self, segment_id: str) -> Segment:
        return self.index["segments"][segment_id]

    def pool(self, pool_id: str) -> StaffPool:
        return self.index["pools"][pool_id]

    @property
    def headcount(self) -> int:
        """Head count of all staff pools (field technicians and other staff)."""
        return sum(p.headcount for p in self.pools)

    @property
    def total_demand(self) -> float:
        """Parts demand of all sites per period."""
        return sum(s.demand for s in self.sites)

    @property
    def total_capacity(self) -> float:
        """Capacity of all depots that are not forced closed (``inf`` if any is unlimited)."""
        caps = [d.capacity for d in self.depots if d.forced != "closed"]
        return math.inf if any(c is None for c in caps) else sum(c for c in caps if c is not None)

    # ------------------------------------------------------------------ travel
    @cached_property
    def _arcs(self) -> dict[tuple[str, str], Arc]:
        return {(a.depot, a.site): a for a in self.arcs}

    def location(self, node_id: str) -> Location:
        for coll in ("depots", "sites"):
            item = self.index[coll].get(node_id)
            if item is not None:
                return item.location
        raise KeyError(f"{node_id!r} is neither a depot nor a site")

    def distance_km(self, a: str, b: str) -> float:
        """Distance between two depots/sites: an explicit arc if there is one, else the travel
        model (road factor times Euclidean distance, rounded by its convention)."""
        arc = self._arcs.get((a, b)) or self._arcs.get((b, a))
        if arc is not None and arc.distance_km is not None:
            return arc.distance_km
        (x1, y1), (x2, y2) = self.location(a), self.location(b)
        return round_distance(
            self.travel.road_factor * math.hypot(x1 - x2, y1 - y2), self.travel.rounding
        )

    def travel_min(self, a: str, b: str, speed_kmh: float | None = None) -> float:
        """Travel time in minutes (an explicit arc's if given, else distance over speed)."""
        arc = self._arcs.get((a, b)) or self._arcs.get((b, a))
        if arc is not None and arc.travel_min is not None:
            return arc.travel_min
        return self.distance_km(a, b) / (speed_kmh or self.travel.speed_kmh) * 60.0

    def matrices(
        self, nodes: list[str], speed_kmh: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance (km) and travel time (min) between every pair of ``nodes`` (depot or site
        ids, repeats allowed), vectorised; the same values as :meth:`distance_km` and
        :meth:`travel_min` pair by pair."""
        xy = np.array([self.location(n) for n in nodes], dtype=float).reshape(-1, 2)
        d = self.travel.road_factor * np.hypot(
            xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]
        )
        if self.travel.rounding is DistanceRounding.TRUNCATE_1DP:
            d = np.floor(d * 10.0 + 1e-9) / 10.0
        t = d / (speed_kmh or self.travel.speed_kmh) * 60.0
        if self._arcs:
            pos: dict[str, list[int]] = {}
            for i, n in enumerate(nodes):
                pos.setdefault(n, []).append(i)
            for (a, b), arc in self._arcs.items():
                for i in pos.get(a, ()):
                    for j in pos.get(b, ()):
                        for u, v in ((i, j), (j, i)):
                            if arc.distance_km is not None:
                                d[u, v] = arc.distance_km
                                t[u, v] = (
                                    arc.distance_km / (speed_kmh or self.travel.speed_kmh) * 60
                                )
                            if arc.travel_min is not None:
                                t[u, v] = arc.travel_min
        return d, t

    def arc(self, depot_id: str, site_id: str) -> Arc | None:
        """The explicit arc between a depot and a site, if the file gives one."""
        return self._arcs.get((depot_id, site_id))

    # ------------------------------------------------------------------- views
    @cached_property
    def _graph(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph(name=self.name)
        for coll in NODE_COLLECTIONS:
            node_kind = coll[:-1]
            for item in getattr(self, coll):
                g.add_node(item.id, kind=node_kind, data=item)
        for s in self.sites:
            g.add_edge(s.id, s.segment, key="member", kind="member")
        for seg in self.segments:
            for ch in seg.channels:
                pref = seg.channel_preference.get(ch)
                g.add_edge(seg.id, ch, key="access", kind="access", preference=pref)
        for p in self.pools:
            if p.home_depot is not None:
                g.add_edge(p.id, p.home_depot, key="home", kind="home")
            for sk, prof in p.skills.items():
                g.add_edge(p.id, sk, key="skill", kind="skill", proficiency=prof)
            for ch in p.channels:
                g.add_edge(p.id, ch, key="staffs", kind="staffs")
        for jt in self.job_types:
            g.add_edge(jt.id, jt.skill, key="requires", kind="requires")
        for lane in self.supply_lanes:
            if lane.origin is not None:
                g.add_edge(
                    lane.origin,
                    lane.destination,
                    key=lane.id,
                    kind="supply",
                    mode=lane.mode.value,
                    lead_time_h=lane.lead_time_h,
                    cost_per_unit=lane.cost_per_unit,
                )
        for a in self.arcs:
            g.add_edge(
                a.depot,
                a.site,
                key="arc",
                kind="arc",
                **a.model_dump(exclude={"depot", "site"}, exclude_none=True),
            )
        nx.freeze(g)
        return g

    def graph(self) -> nx.MultiDiGraph:
        """The network as a frozen ``networkx.MultiDiGraph``.

        Nodes are skills, channels, segments, depots, sites, pools and job types, keyed by id,
        with ``kind`` (``"depot"``, ``"site"``...) and ``data`` (the entity). Edges have a
        ``kind``: ``member`` (site to segment), ``access`` (segment to channel it can use),
        ``home`` (pool to depot), ``skill`` (pool to skill, with ``proficiency``), ``staffs``
        (pool to channel), ``requires`` (job type to skill), ``supply`` (lane origin to
        destination, keyed by lane id) and ``arc`` (explicit depot-to-site links). Travel between
        all depots and sites is not materialised; use :meth:`distance_km`.
        """
        return self._graph

    def replace(self, **changes: Any) -> ServiceNetwork:
        """A new network with ``changes`` applied; every check runs again.

        >>> # net.replace(depots=[d for d in net.depots if d.id != "d3"])
        """
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return type(self).model_validate(data)


def round_distance(d: float, rounding: DistanceRounding) -> float:
    """Apply a distance convention (``truncate_1dp``: Solomon ``bks.csv``, floor to 0.1)."""
    if rounding is DistanceRounding.TRUNCATE_1DP:
        # The small epsilon keeps exact decimals (e.g. 5.0 computed as 4.999999999) intact.
        return math.floor(d * 10.0 + 1e-9) / 10.0
    return d
