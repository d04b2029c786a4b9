"""Plans: the decisions servopt makes or evaluates, of every kind, in one immutable type.

A plan may be written by a solver or by hand (a proposed redesign to check). Every part is
optional: ``None`` means "as the network is today". The parts:

* placement: ``open_depots``, ``assignments`` (site -> depot shares), ``stock`` (depot -> part
  family -> units) and ``promise_display_stock`` (the order system counts each depot's
  ``display_stock`` as sellable: the units on show sit in the stock position, so the real
  safety stock is that much lower and orders are promised from units that are not for sale);
* staffing: ``channel_split`` (segment -> channel -> share of the segment's contacts),
  ``staffing`` (staffed channel -> staff on duty per interval: one number for the average hour,
  or one per staffing interval of the network) and ``pool_changes`` (head count, skills and
  channels changed, e.g. "everyone multi-skill, no training"; ``home_depot``: where the pool is
  based, which may be a depot closed for parts, kept as a field office);
* dispatch: ``routes`` (an ordered list of jobs for one member of a pool) and ``dispatch_policy``;
* rostering: ``roster`` (who works which shift on which day, covering which skill);
* process: ``journeys`` that replace the network's journeys of the same id (a redesign).
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from servopt.models.checks import journey_problems
from servopt.models.entities import (
    Entity,
    Fraction,
    Id,
    Journey,
    NonNeg,
    NonNegInt,
    Proficiency,
    Shift,
    StaffPool,
)
from servopt.models.errors import BadInputError, Problem

if TYPE_CHECKING:
    from servopt.models.network import ServiceNetwork


class DispatchPolicy(StrEnum):
    """How a plan's dispatch routes are made (``Plan.dispatch_policy``).

    ``optimise``: the routing engine searches for the routes
    (:func:`servopt.optimizer.dispatch.solve.solve_dispatch`'s default). ``nearest``:
    nearest-engineer dispatch, for comparison (jobs by window start, each to the nearest
    qualified member who can still do it in time). Evaluating a plan that has no routes:
    ``nearest`` routes it that way first; ``optimise`` is refused (solve it first); no policy
    drops every job.
    """

    OPTIMISE = "optimise"
    NEAREST = "nearest"


class Assignment(Entity):
    """``share`` of the demand of ``site`` is served from ``depot``."""

    site: Id
    depot: Id
    share: Fraction = 1.0


class PoolChange(Entity):
    """A change to a staff pool: new head count, skills, channels or base (``None``: unchanged).

    ``skills`` replaces the pool's skills; a proficiency below 1 for a skill the pool did not
    have models "declared multi-skill without training". ``home_depot`` is where the pool's
    people start and end their days under the plan; see :meth:`Plan.pools` for where they go
    when the plan closes their depot and does not say. ``train``: skills in which every
    member is trained, to the skill's ``trained_proficiency`` at its ``training_cost`` a
    person (:class:`~servopt.models.entities.Skill`); ``training_cost``: any other one-off
    cost of the change. Both are priced per year by the joint plan
    (:func:`servopt.optimizer.joint.training_cost_per_year`). ``shifts`` replaces the pool's
    shifts (a clinic that opens earlier, or staggers its lunch).
    """

    pool: Id
    headcount: NonNegInt | None = None
    skills: dict[Id, Proficiency] | None = None
    channels: tuple[Id, ...] | None = None
    home_depot: Id | None = None
    shifts: tuple[Shift, ...] | None = None
    train: tuple[Id, ...] = ()
    training_cost: NonNeg = 0.0


class RosterShift(Entity):
    """``person`` works shift ``shift`` (``"HH:MM-HH:MM"``, a shift of their pool) on ``day``
    of the roster's horizon (0 = its first day, a Monday), covering ``skill``."""

    person: Id
    day: NonNegInt
    shift: str
    skill: Id | None = None


class Route(Entity):
    """Member ``member`` of ``pool`` leaves its home depot, does ``jobs`` in order, returns."""

    pool: Id
    member: NonNegInt = 0
    jobs: tuple[Id, ...]
    start_min: NonNeg | None = None


class Plan(BaseModel):
    """Decisions on a network, of any kind; immutable. See the module docstring."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    kind: Literal["plan"] = "plan"
    schema_version: Literal[1] = 1
    name: str = ""
    network: str | None = None
    description: str = ""
    notes: tuple[str, ...] = ()
    open_depots: tuple[Id, ...] | None = None
    assignments: tuple[Assignment, ...] | None = None
    stock: dict[Id, dict[Id, NonNeg]] | None = None
    promise_display_stock: bool = False
    channel_split: dict[Id, dict[Id, Fraction]] | None = None
    staffing: dict[Id, tuple[NonNegInt, ...]] | None = None
    pool_changes: tuple[PoolChange, ...] = ()
    routes: tuple[Route, ...] | None = None
    dispatch_policy: DispatchPolicy | None = None
    roster: tuple[RosterShift, ...] | None = None
    journeys: tuple[Journey, ...] = ()

    def open_depot_ids(self, network: ServiceNetwork) -> tuple[str, ...]:
        """The depots open under this plan (today's open depots if the plan does not say)."""
        if self.open_depots is not None:
            return self.open_depots
        return tuple(d.id for d in network.depots if d.open_today)

    def headcounts(self, network: ServiceNetwork) -> dict[str, int]:
        """Head count of every pool under this plan (its pool changes over the network's)."""
        heads = {p.id: p.headcount for p in network.pools}
        heads.update({c.pool: c.headcount for c in self.pool_changes if c.headcount is not None})
        return heads

    def pools(self, network: ServiceNetwork) -> tuple[StaffPool, ...]:
        """The network's staff pools with this plan's changes (head count, skills, channels,
        base).

        A pool's base is its change's ``home_depot`` when the plan gives one (a depot closed
        for parts may stay a field office: its people live there, with no stock). Otherwise,
        when the plan closes the pool's home depot, its people move to the nearest depot the
        plan keeps open (ties: the first in the file): a closed depot bases nobody unless the
        plan says so.
        """
        changes = {c.pool: c for c in self.pool_changes}
        open_ = set(self.open_depot_ids(network)) if self.open_depots is not None else None
        today = {d.id for d in network.depots if d.open_today}
        out = []
        for p in network.pools:
            c = changes.get(p.id)
            upd: dict[str, Any] = {}
            if c is not None and c.home_depot is not None:
                upd["home_depot"] = c.home_depot
            elif open_ and p.home_depot in today and p.home_depot not in open_:
                upd["home_depot"] = min(
                    (d.id for d in network.depots if d.id in open_),
                    key=lambda d: network.distance_km(p.home_depot, d),  # type: ignore[arg-type]
                )
            if c is None:
                out.append(p.model_copy(update=upd) if upd else p)
                continue
            if c.headcount is not None:
                upd["headcount"] = c.headcount
            if c.skills is not None:
                upd["skills"] = dict(c.skills)
            if c.train:
                skills = dict(upd.get("skills", p.skills))
                for sk in c.train:
                    skill = network.index["skills"].get(sk)
                    if skill is None:
                        raise BadInputError(
                            [Problem(f"pool_changes.{p.id}.train", f"unknown skill {sk!r}")]
                        )
                    skills[sk] = max(skills.get(sk, 0.0), skill.trained_proficiency)
                upd["skills"] = skills
            if c.channels is not None:
                upd["channels"] = c.channels
            if c.shifts is not None:
                upd["shifts"] = c.shifts
            out.append(p.model_copy(update=upd))
        return tuple(out)

    def staffed(self, network: ServiceNetwork) -> ServiceNetwork:
        """``network`` with this plan's staff (:meth:`pools`). Not re-checked as a whole: a
        plan may leave a job type nobody can do, which dispatch reports as drops."""
        data = {name: getattr(network, name) for name in type(network).model_fields}
        data["pools"] = self.pools(network)
        return type(network).model_construct(**data)

    def pool_channels(self, network: ServiceNetwork) -> dict[str, tuple[str, ...]]:
        """The channels every pool staffs under this plan."""
        chans = {p.id: p.channels for p in network.pools}
        chans.update({c.pool: c.channels for c in self.pool_changes if c.channels is not None})
        return chans

    def channel_staff(self, network: ServiceNetwork) -> dict[str, int]:
        """Head count behind every staffed channel under this plan (pools that staff it)."""
        heads = self.headcounts(network)
        out: dict[str, int] = {}
        for pool, chans in self.pool_channels(network).items():
            for ch in chans:
                out[ch] = out.get(ch, 0) + heads[pool]
        return out

    def journey(self, network: ServiceNetwork, journey_id: str) -> Journey:
        """The journey with this id: the plan's redesign if it has one, else the network's."""
        for j in self.journeys:
            if j.id == journey_id:
                return j
        found = network.index["journeys"].get(journey_id)
        if found is None:
            raise BadInputError(
                f"journey {journey_id!r} is neither in network {network.name!r} nor in the plan"
            )
        return found

    def shares(self) -> dict[str, dict[str, float]]:
        """``shares()[site][depot]``: the share of the site's demand served from the depot."""
        out: dict[str, dict[str, float]] = defaultdict(dict)
        for a in self.assignments or ():
            out[a.site][a.depot] = out[a.site].get(a.depot, 0.0) + a.share
        return dict(out)

    def replace(self, **changes: Any) -> Plan:
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return type(self).model_validate(data)

    def check_against(self, network: ServiceNetwork) -> list[Problem]:
        """Problems with the plan's references and shares on ``network`` (empty when fine).

        This checks that the plan *fits* the network (ids exist, shares sum to at most 1,
        depots used are open); whether it is feasible or good is for the evaluator.
        """
        idx = network.index
        out: list[Problem] = []

        def ref(path: str, value: str, coll: str, what: str) -> None:
            if value not in idx[coll]:
                out.append(
                    Problem(path, f"unknown {what} {value!r} (not in network {network.name!r})")
                )

        for i, d in enumerate(self.open_depots or ()):
            ref(f"open_depots[{i}]", d, "depots", "depot")
            dep = idx["depots"].get(d)
            if dep is not None and dep.forced == "closed":
                out.append(
                    Problem(f"open_depots[{i}]", f"depot {d!r} is forced closed in the network")
                )
        if self.open_depots is not None:
            for dep in network.depots:
                if dep.forced == "open" and dep.id not in self.open_depots:
                    out.append(
                        Problem(
                            "open_depots", f"depot {dep.id!r} is forced open but the plan closes it"
                        )
                    )
        open_ids = set(self.open_depot_ids(network))
        totals: dict[str, float] = defaultdict(float)
        for i, a in enumerate(self.assignments or ()):
            ref(f"assignments[{i}].site", a.site, "sites", "site")
            ref(f"assignments[{i}].depot", a.depot, "depots", "depot")
            if a.depot in idx["depots"] and a.depot not in open_ids:
                out.append(
                    Problem(
                        f"assignments[{i}].depot",
                        f"site {a.site!r} is assigned to depot {a.depot!r}, "
                        "which the plan does not open",
                    )
                )
            totals[a.site] += a.share
        for site, tot in totals.items():
            if tot > 1 + 1e-6:
                out.append(
                    Problem(
                        "assignments", f"shares of site {site!r} sum to {tot:g}; at most 1 expected"
                    )
                )
        for dep, parts in (self.stock or {}).items():
            ref(f"stock.{dep}", dep, "depots", "depot")
            for pf in parts:
                ref(f"stock.{dep}.{pf}", pf, "part_families", "part family")
        for seg, split in (self.channel_split or {}).items():
            ref(f"channel_split.{seg}", seg, "segments", "segment")
            for ch in split:
                ref(f"channel_split.{seg}.{ch}", ch, "channels", "channel")
            total = sum(split.values())
            if split and abs(total - 1.0) > 1e-6:
                out.append(
                    Problem(
                        f"channel_split.{seg}",
                        f"shares of segment {seg!r} sum to {total:g}; 1 expected",
                    )
                )
        lengths = {len(v) for v in (self.staffing or {}).values()}
        for ch, staff in (self.staffing or {}).items():
            ref(f"staffing.{ch}", ch, "channels", "channel")
            if not staff:
                out.append(Problem(f"staffing.{ch}", "must give at least one number of staff"))
        if len(lengths) > 1:
            out.append(
                Problem(
                    "staffing",
                    f"channels give staff for different numbers of intervals {sorted(lengths)}; "
                    "one (the average hour) or one per staffing interval expected, the same "
                    "for every channel",
                )
            )
        for i, pc in enumerate(self.pool_changes):
            ref(f"pool_changes[{i}].pool", pc.pool, "pools", "staff pool")
            if pc.home_depot is not None:
                ref(f"pool_changes[{i}].home_depot", pc.home_depot, "depots", "depot")
            for j, sk in enumerate(pc.train):
                ref(f"pool_changes[{i}].train[{j}]", sk, "skills", "skill")
                known = idx["skills"].get(sk)
                if known is not None and known.training_cost is None:
                    out.append(
                        Problem(
                            f"pool_changes[{i}].train[{j}]",
                            f"skill {sk!r} offers no training (the network gives it no "
                            "training_cost)",
                        )
                    )
            for sk in pc.skills or {}:
                ref(f"pool_changes[{i}].skills.{sk}", sk, "skills", "skill")
            for j, ch in enumerate(pc.channels or ()):
                ref(f"pool_changes[{i}].channels[{j}]", ch, "channels", "channel")
        resources = set(idx["pools"]) | set(idx["channels"])
        for i, jr in enumerate(self.journeys):
            out.extend(journey_problems(f"journeys[{i}]", jr, resources, segments=network.segments))
        seen: dict[str, int] = {}
        for i, r in enumerate(self.routes or ()):
            ref(f"routes[{i}].pool", r.pool, "pools", "staff pool")
            member_pool = idx["pools"].get(r.pool)
            if member_pool is not None and r.member >= member_pool.headcount:
                out.append(
                    Problem(
                        f"routes[{i}].member",
                        f"pool {r.pool!r} has {member_pool.headcount} members; "
                        f"member {r.member} does not exist",
                    )
                )
            for j, job in enumerate(r.jobs):
                ref(f"routes[{i}].jobs[{j}]", job, "jobs", "job")
                if job in seen:
                    out.append(
                        Problem(
                            f"routes[{i}].jobs[{j}]",
                            f"job {job!r} is already on routes[{seen[job]}]",
                        )
                    )
                seen.setdefault(job, i)
        return out
