"""Rostering: named people on the shifts a schedule requires, over whole weeks, on CP-SAT.

The problem (:class:`RosterProblem`): days ``0 .. 7 weeks - 1`` (day 0 a Monday); shift types
(:class:`ShiftType`, from the pools' shifts: start, end, paid minutes, the weekdays they run,
night or not); people (:class:`Person`: a pool's named ``members``, the rest generated from the
head count as ``{pool}#{k}``, with skills, contracted hours, leave and preferences); and
requirements (:class:`Requirement`: on a day, a shift, a skill, how many, from which pools).

Hard rules (every one verified by :func:`check_roster`, which shares no code with the model):

1. at most one shift a day; only shifts of one's pool, on the weekdays they run, not on leave;
2. a covered skill at proficiency >= ``min_proficiency``;
3. at least ``min_rest_h`` hours between the end of one shift and the start of the next;
4. at most ``max_consecutive_days`` working days in a row;
5. at least ``min_days_off_per_week`` days off in each calendar week;
6. weekly paid hours within ``contract +- hours_tolerance_h`` (the lower end pro rata of the
   days not on leave).

Soft (the objective, money in the network's currency over the horizon): each missing person on
a requirement at ``under_cost``; overtime hours (over the contract, week by week) at the pool's
overtime rate; each preference broken (a preferred day off worked, a night worked by someone
who avoids them) at ``preference_cost``; and fairness within each pool: the spread (max - min,
or the max with ``fairness="max"``) of weekend days, nights and overtime hours across its
people, each unit at ``fairness_cost``.

A night shift works at least 3 hours between 22:00 and 06:00 (the EU Working Time Directive's
night worker); 11 hours' daily rest is that directive's minimum.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from servopt.models.entities import Shift, StaffPool
from servopt.models.errors import BadInputError, Problem
from servopt.models.plan import RosterShift
from servopt.models.workforce import Workload, pool_workload
from servopt.optimizer.result import Kpis

_DAY = 1440
#: A requirement's skill when any member of its pools will do (a pool with no skills listed).
ANY_SKILL = "*"
_NIGHT = (22 * 60, 30 * 60)  # 22:00 to 06:00 the next morning, in minutes from midnight
_NIGHT_MIN = 180


@dataclass(frozen=True, kw_only=True)
class RosterOptions:
    """The rules and prices of a roster (module docstring). Refused with
    :class:`~servopt.models.errors.BadInputError` naming the field when out of range."""

    weeks: int = 4
    min_rest_h: float = 11.0
    max_consecutive_days: int = 6
    min_days_off_per_week: int = 2
    hours_tolerance_h: float = 8.0
    min_proficiency: float = 0.5
    under_cost: float | None = None
    preference_cost: float = 50.0
    fairness: Literal["spread", "max"] = "spread"
    fairness_cost: float = 20.0
    sample_days: int = 0
    sample_seed: int = 0

    def __post_init__(self) -> None:
        checks = [
            ("weeks", isinstance(self.weeks, int) and 1 <= self.weeks <= 52, "in 1..52"),
            ("min_rest_h", 0 <= self.min_rest_h <= 24, "in [0, 24] hours"),
            (
                "max_consecutive_days",
                isinstance(self.max_consecutive_days, int) and self.max_consecutive_days >= 1,
                "a whole number >= 1",
            ),
            (
                "min_days_off_per_week",
                isinstance(self.min_days_off_per_week, int)
                and 0 <= self.min_days_off_per_week <= 7,
                "in 0..7",
            ),
            ("hours_tolerance_h", 0 <= self.hours_tolerance_h <= 168, "in [0, 168] hours"),
            ("min_proficiency", 0 < self.min_proficiency <= 1, "in (0, 1]"),
            (
                "under_cost",
                self.under_cost is None
                or (math.isfinite(self.under_cost) and self.under_cost >= 0),
                ">= 0",
            ),
            ("preference_cost", 0 <= self.preference_cost < 1e9, ">= 0"),
            ("fairness", self.fairness in ("spread", "max"), "'spread' or 'max'"),
            ("fairness_cost", 0 <= self.fairness_cost < 1e9, ">= 0"),
            (
                "sample_days",
                isinstance(self.sample_days, int) and 0 <= self.sample_days <= 60,
                "in 0..60",
            ),
            ("sample_seed", isinstance(self.sample_seed, int) and self.sample_seed >= 0, ">= 0"),
        ]
        bad = [
            Problem(f, f"must be {want}, got {getattr(self, f)!r}")
            for f, ok, want in checks
            if not ok
        ]
        if bad:
            raise BadInputError(bad)


@dataclass(frozen=True)
class ShiftType:
    """A shift people can work: ``start_min``/``end_min`` from the day's midnight (the end may
    pass midnight), ``paid_min`` (its length less its break), the weekdays it runs (0 =
    Monday), and whether it is a night shift (module docstring)."""

    id: str
    start_min: float
    end_min: float
    paid_min: int
    weekdays: frozenset[int]
    night: bool


@dataclass(frozen=True)
class Person:
    """One person to roster: pool, skills, contracted minutes a week, the shift types they may
    work, days on leave, weekdays they prefer off, whether they avoid nights, and their
    overtime rate per hour."""

    id: str
    pool: str
    skills: Mapping[str, float]
    contract_min: int
    shifts: tuple[str, ...]
    unavailable: frozenset[int] = frozenset()
    prefers_off: frozenset[int] = frozenset()
    avoids_nights: bool = False
    overtime_per_h: float = 0.0


@dataclass(frozen=True)
class Requirement:
    """``count`` people on ``shift`` on ``day`` covering ``skill``, from ``pools`` (``None``:
    anyone with the skill)."""

    day: int
    shift: str
    skill: str
    count: int
    pools: frozenset[str] | None = None


@dataclass(frozen=True)
class RosterProblem:
    """Days, shift types, people and requirements (module docstring); ``under_cost`` per
    missing person on a requirement; ``work``: a field pool's hours of work on each day
    (pool -> day -> hours) where dispatch gave the requirements (for :class:`FieldWork`)."""

    days: int
    shifts: Mapping[str, ShiftType]
    people: tuple[Person, ...]
    requirements: tuple[Requirement, ...]
    under_cost: float
    work: Mapping[str, Mapping[int, float]] = field(default_factory=dict)

    @property
    def weeks(self) -> int:
        return self.days // 7


def shift_id(shift: Shift) -> str:
    """``"HH:MM-HH:MM"`` of a pool's shift (hours past 24 for an end after midnight).

    >>> shift_id(Shift(start_min=1320, end_min=1800))
    '22:00-30:00'
    """

    def hm(m: float) -> str:
        return f"{int(m) // 60:02d}:{int(m) % 60:02d}"

    return f"{hm(shift.start_min)}-{hm(shift.end_min)}"


def is_night(start_min: float, end_min: float) -> bool:
    """Whether a shift works at least 3 hours between 22:00 and 06:00.

    >>> is_night(1320, 1800), is_night(480, 1020), is_night(240, 720)
    (True, False, False)
    """
    total = 0.0
    for offset in (-_DAY, 0, _DAY):
        lo, hi = _NIGHT[0] + offset, _NIGHT[1] + offset
        total += max(0.0, min(end_min, hi) - max(start_min, lo))
    return total >= _NIGHT_MIN


def shift_types(
    pools: tuple[StaffPool, ...],
) -> tuple[dict[str, ShiftType], dict[str, tuple[str, ...]]]:
    """The shift types of ``pools`` and each pool's shift ids. A shift is ``"HH:MM-HH:MM"``;
    pools share a type only when it also runs on the same weekdays with the same paid time,
    else it is ``"HH:MM-HH:MM@pool"`` (a pool's people never work another pool's days)."""
    out: dict[str, ShiftType] = {}
    of_pool: dict[str, tuple[str, ...]] = {}
    for pool in pools:
        ids = []
        for sh in pool.shifts:
            st = ShiftType(
                shift_id(sh),
                sh.start_min,
                sh.end_min,
                round(sh.working_min),
                frozenset(sh.days),
                is_night(sh.start_min, sh.end_min),
            )
            sid = st.id
            if sid in out and out[sid] != st:
                sid = f"{st.id}@{pool.id}"
                st = ShiftType(sid, st.start_min, st.end_min, st.paid_min, st.weekdays, st.night)
            out[sid] = st
            ids.append(sid)
        of_pool[pool.id] = tuple(dict.fromkeys(ids))
    return out, of_pool


def people_of(
    pools: tuple[StaffPool, ...],
    of_pool: Mapping[str, tuple[str, ...]],
    options: RosterOptions | None = None,
) -> tuple[Person, ...]:
    """Every person of ``pools``: the named ``members`` (at most the head count), then
    ``{pool}#{k}`` for the rest, each with their pool's shift ids (``of_pool``). Contract: the
    member's, else the pool's first shift's paid hours x the days a week it runs, at most
    ``7 - min_days_off_per_week``."""
    options = options or RosterOptions()
    out = []
    for pool in pools:
        if not pool.shifts or pool.headcount < 1:
            continue
        first = pool.shifts[0]
        days = min(len(first.days), 7 - options.min_days_off_per_week)
        default = round(first.working_min * days)
        sids = of_pool[pool.id]
        ot = pool.overtime_cost_per_hour
        ot = pool.cost_per_hour if ot is None else ot
        named = list(pool.members[: pool.headcount])
        for m in named:
            out.append(
                Person(
                    m.id,
                    pool.id,
                    dict(m.skills if m.skills is not None else pool.skills),
                    round(m.contract_h_week * 60) if m.contract_h_week else default,
                    sids,
                    frozenset(m.unavailable),
                    frozenset(m.prefers_off),
                    m.avoids_nights,
                    ot,
                )
            )
        for k in range(len(named) + 1, pool.headcount + 1):
            out.append(
                Person(
                    f"{pool.id}#{k}", pool.id, dict(pool.skills), default, sids, overtime_per_h=ot
                )
            )
    return tuple(out)


def default_under_cost(
    problem_pools: tuple[StaffPool, ...], shifts: Mapping[str, ShiftType]
) -> float:
    """Three times the dearest shift at the dearest pool's hourly rate: a missing person costs
    more than paying anyone for the shift (agency or overtime elsewhere)."""
    rate = max((p.cost_per_hour for p in problem_pools), default=0.0)
    longest = max((s.paid_min for s in shifts.values()), default=480)
    return 3.0 * max(rate, 1.0) * longest / 60.0


# ---------------------------------------------------------------------------- the rules
def workable_days(person: Person, week: int, shifts: Mapping[str, ShiftType]) -> list[int]:
    """The days of ``week`` on which one of ``person``'s shifts runs."""
    return [
        d
        for d in range(7 * week, 7 * week + 7)
        if any(d % 7 in shifts[s].weekdays for s in person.shifts)
    ]


def weekly_bounds(
    person: Person, week: int, options: RosterOptions, shifts: Mapping[str, ShiftType]
) -> tuple[int, int]:
    """(least, most) paid minutes of ``person`` in ``week``: the contract less the tolerance,
    pro rata of their workable days (:func:`workable_days`) not on leave, and the contract plus
    the tolerance."""
    tol = round(options.hours_tolerance_h * 60)
    workable = workable_days(person, week, shifts)
    free = [d for d in workable if d not in person.unavailable]
    share = len(free) / len(workable) if workable else 0.0
    low = max(0, math.floor((person.contract_min - tol) * share))
    return low, person.contract_min + tol


def rest_conflict(a: ShiftType, b: ShiftType, min_rest_h: float, days_apart: int = 1) -> bool:
    """Whether ``b``, ``days_apart`` days after ``a``, leaves less than ``min_rest_h`` hours
    between them (a shift past midnight and a long rest can reach two days)."""
    return (days_apart * _DAY + b.start_min) - a.end_min < min_rest_h * 60 - 1e-9


def can_cover(person: Person, req: Requirement, options: RosterOptions) -> bool:
    """Whether ``person`` may cover ``req``: from a pool it allows, with the skill at
    ``min_proficiency`` or more."""
    return (req.pools is None or person.pool in req.pools) and (
        req.skill == ANY_SKILL
        or person.skills.get(req.skill, 0.0) >= options.min_proficiency - 1e-12
    )


def infeasible_reasons(problem: RosterProblem, options: RosterOptions) -> list[str]:
    """The hard rules no roster can meet, person by person and week by week: the contract's
    least hours more than the shifts they may work can give within the days-off rule."""
    out = []
    for p in problem.people:
        longest = max((problem.shifts[s].paid_min for s in p.shifts), default=0)
        for w in range(problem.weeks):
            low, _ = weekly_bounds(p, w, options, problem.shifts)
            days = [
                d
                for d in range(7 * w, 7 * w + 7)
                if d not in p.unavailable
                and any(d % 7 in problem.shifts[s].weekdays for s in p.shifts)
            ]
            most = min(
                len(days),
                7 - options.min_days_off_per_week,
                7 - 7 // (options.max_consecutive_days + 1),
            )
            if most * longest < low:
                out.append(
                    f"{p.id} (pool {p.pool}) can work at most {most * longest / 60:g} h in week "
                    f"{w + 1} ({most} days of at most {longest / 60:g} h) but the contract asks at "
                    f"least {low / 60:g} h ({p.contract_min / 60:g} h less the "
                    f"{options.hours_tolerance_h:g} h tolerance)"
                )
    return out


# ---------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class PoolRoster(Kpis):
    """One pool's roster: people, paid hours over contracted hours (``load``), overtime per
    person (mean and max), the spread of weekend days, nights and overtime hours across its
    people, and the yearly workload and attrition at that load (``year``)."""

    people: int
    paid_h: float
    contracted_h: float
    load: float
    overtime_h_mean: float
    overtime_h_max: float
    weekend_days: tuple[int, int]
    nights: tuple[int, int]
    year: Workload | None


@dataclass(frozen=True)
class FieldWork(Kpis):
    """A field pool's work against its roster: dispatch's hours of each day (``work_h`` over
    the horizon) against the paid hours of the people rostered that day (``shift_h``); the
    difference is overtime shared by those on shift, up to the pool's ``max_overtime_min`` a
    person a day, and ``beyond_cap_h`` nobody on the roster can do. Per person: overtime a
    week (mean and most), and the year's expected leavers and their replacement cost from each
    person's own load (the work in their shifts plus their overtime, over the contract) under
    the workforce model."""

    people: int
    work_h: float
    shift_h: float
    overtime_h: float
    beyond_cap_h: float
    overtime_h_week_mean: float
    overtime_h_week_max: float
    leavers_per_year: float
    replacement_cost_per_year: float


@dataclass(frozen=True)
class RosterKpis(Kpis):
    """Every roster KPI. Money in the network's currency over the horizon: ``cost`` (the
    objective: under-coverage, overtime, preferences, fairness; in ``cost_parts``).
    ``required``/``covered`` person-shifts and ``coverage`` their ratio; ``overtime_h`` in total;
    ``preferences_broken``; ``pools``: per pool (:class:`PoolRoster`); ``violations`` of the
    hard rules (empty for a solver's roster); ``field_work``: each field pool's dispatch hours
    against its roster (:class:`FieldWork`), where the requirements come from dispatch."""

    cost: float
    cost_parts: dict[str, float]
    people: int
    days: int
    shifts_worked: int
    required: int
    covered: int
    coverage: float | None
    overtime_h: float
    preferences_broken: int
    pools: dict[str, PoolRoster]
    under: dict[str, int] = field(default_factory=dict)
    field_work: dict[str, FieldWork] | None = None


def check_roster(
    problem: RosterProblem,
    roster: tuple[RosterShift, ...],
    options: RosterOptions,
    replacement_cost: Mapping[str, float] | None = None,
) -> tuple[list[str], RosterKpis]:
    """Every hard rule broken by ``roster`` (module docstring) and its figures, by plain loops
    over the entries: the independent checker of a solver's roster, and the evaluator of any."""
    people = {p.id: p for p in problem.people}
    bad: list[str] = []
    work: dict[str, dict[int, RosterShift]] = defaultdict(dict)
    for i, e in enumerate(roster):
        where = f"roster[{i}]"
        p = people.get(e.person)
        if p is None:
            bad.append(f"{where}: unknown person {e.person!r}")
            continue
        sh = problem.shifts.get(e.shift)
        if sh is None or e.shift not in p.shifts:
            bad.append(
                f"{where}: {e.person} cannot work shift {e.shift!r} (not a shift of {p.pool})"
            )
            continue
        if not 0 <= e.day < problem.days:
            bad.append(f"{where}: day {e.day} is outside the {problem.days}-day horizon")
            continue
        if e.day % 7 not in sh.weekdays:
            bad.append(
                f"{where}: shift {e.shift} does not run on day {e.day} (weekday {e.day % 7})"
            )
        if e.day in p.unavailable:
            bad.append(f"{where}: {e.person} is on leave on day {e.day}")
        if (
            e.skill not in (None, ANY_SKILL)
            and p.skills.get(e.skill, 0.0) < options.min_proficiency - 1e-12
        ):
            bad.append(
                f"{where}: {e.person} covers {e.skill!r} at proficiency "
                f"{p.skills.get(e.skill, 0.0):g} < {options.min_proficiency:g}"
            )
        if e.day in work[e.person]:
            bad.append(f"{where}: {e.person} works two shifts on day {e.day}")
        work[e.person][e.day] = e
    for pid, days in work.items():
        p = people[pid]
        for d, e in days.items():
            end = d * 1440 + problem.shifts[e.shift].end_min  # minutes from day 0's midnight
            for later in (d + 1, d + 2):
                nxt = days.get(later)
                if nxt is None:
                    continue
                rest = later * 1440 + problem.shifts[nxt.shift].start_min - end
                if rest < options.min_rest_h * 60 - 1e-9:
                    bad.append(
                        f"{pid}: {e.shift} on day {d} then {nxt.shift} on day {later} leaves "
                        f"{rest / 60:g} h, less than {options.min_rest_h:g} h of rest"
                    )
        run = 0
        for d in range(problem.days):
            run = run + 1 if d in days else 0
            if run > options.max_consecutive_days:
                bad.append(f"{pid}: works {run} days in a row up to day {d}")
        for w in range(problem.weeks):
            on = [d for d in range(7 * w, 7 * w + 7) if d in days]
            if 7 - len(on) < options.min_days_off_per_week:
                bad.append(f"{pid}: {7 - len(on)} days off in week {w + 1}")
    for p in problem.people:
        days = work.get(p.id, {})
        tol = round(options.hours_tolerance_h * 60)
        for w in range(problem.weeks):
            # The contract's least hours pro rata of the days one of their shifts runs, not on
            # leave (worked out here again, apart from the model's weekly_bounds).
            runs = [
                d
                for d in range(7 * w, 7 * w + 7)
                if any(d % 7 in problem.shifts[s].weekdays for s in p.shifts)
            ]
            free = sum(1 for d in runs if d not in p.unavailable)
            low = max(0, math.floor((p.contract_min - tol) * (free / len(runs) if runs else 0)))
            high = p.contract_min + tol
            paid = sum(
                problem.shifts[days[d].shift].paid_min for d in range(7 * w, 7 * w + 7) if d in days
            )
            if not low <= paid <= high:
                bad.append(
                    f"{p.id}: {paid / 60:g} h in week {w + 1}, outside {low / 60:g}-{high / 60:g} h"
                )
    return bad, roster_figures(problem, work, options, replacement_cost or {})


def roster_figures(
    problem: RosterProblem,
    work: Mapping[str, Mapping[int, RosterShift]],
    options: RosterOptions,
    replacement_cost: Mapping[str, float],
) -> RosterKpis:
    """The figures and the objective of a roster given as person -> day -> entry."""
    covered, under = _coverage(problem, work)
    required = sum(r.count for r in problem.requirements)
    missing = required - covered
    overtime_cost = overtime_h = 0.0
    broken = 0
    by_pool: dict[str, list[Person]] = defaultdict(list)
    stats: dict[str, tuple[int, int, float, float]] = {}
    for p in problem.people:
        by_pool[p.pool].append(p)
        days = work.get(p.id, {})
        ot_min = 0
        paid_total = 0
        for w in range(problem.weeks):
            paid = sum(
                problem.shifts[days[d].shift].paid_min for d in range(7 * w, 7 * w + 7) if d in days
            )
            paid_total += paid
            ot_min += max(0, paid - p.contract_min)
        weekends = sum(1 for d in days if d % 7 >= 5)
        nights = sum(1 for e in days.values() if problem.shifts[e.shift].night)
        broken += sum(1 for d in days if d % 7 in p.prefers_off)
        broken += nights if p.avoids_nights else 0
        overtime_h += ot_min / 60.0
        overtime_cost += ot_min / 60.0 * p.overtime_per_h
        stats[p.id] = (weekends, nights, ot_min / 60.0, paid_total / 60.0)
    fairness = 0.0
    pools: dict[str, PoolRoster] = {}
    for pool, members in by_pool.items():
        wkd = [stats[p.id][0] for p in members]
        ngt = [stats[p.id][1] for p in members]
        ovt = [stats[p.id][2] for p in members]
        for vals in (wkd, ngt, ovt):
            fairness += options.fairness_cost * (
                max(vals) - min(vals) if options.fairness == "spread" else max(vals)
            )
        pool_paid = sum(stats[p.id][3] for p in members)
        contracted = sum(p.contract_min for p in members) / 60.0 * problem.weeks
        load = pool_paid / contracted if contracted else 0.0
        year = (
            pool_workload(
                pool_paid * 52 / problem.weeks,
                len(members),
                contracted * 52 / problem.weeks / len(members),
                replacement_cost=replacement_cost.get(pool, 0.0),
                overtime_cost_per_hour=members[0].overtime_per_h,
            )
            if contracted
            else None
        )
        pools[pool] = PoolRoster(
            people=len(members),
            paid_h=pool_paid,
            contracted_h=contracted,
            load=load,
            overtime_h_mean=sum(ovt) / len(ovt),
            overtime_h_max=max(ovt),
            weekend_days=(min(wkd), max(wkd)),
            nights=(min(ngt), max(ngt)),
            year=year,
        )
    parts = {
        "under_coverage": missing * problem.under_cost,
        "overtime": overtime_cost,
        "preferences": broken * options.preference_cost,
        "fairness": fairness,
    }
    return RosterKpis(
        cost=sum(parts.values()),
        cost_parts=parts,
        people=len(problem.people),
        days=problem.days,
        shifts_worked=sum(len(d) for d in work.values()),
        required=required,
        covered=covered,
        coverage=covered / required if required else None,
        overtime_h=overtime_h,
        preferences_broken=broken,
        pools=pools,
        under=dict(under),
    )


#: Money in the CP-SAT objective is in 1/6000 of the currency (integer coefficients): a price
#: per hour in cents is then a whole number per minute.
MONEY_SCALE = 6000


def scaled(x: float) -> int:
    """Money as the CP-SAT objective's integer hundredths."""
    return round(x * MONEY_SCALE)


def _coverage(
    problem: RosterProblem, work: Mapping[str, Mapping[int, RosterShift]]
) -> tuple[int, dict[str, int]]:
    """The most requirement units the entries can cover (each entry covers one unit of a
    requirement of its day, shift and skill that allows its pool): a maximum flow (networkx),
    and the units left uncovered per requirement (``"day/shift/skill"``)."""
    import networkx as nx

    people = {p.id: p for p in problem.people}
    supply: dict[tuple[int, str, str, str], int] = defaultdict(int)
    for pid, days in work.items():
        for d, e in days.items():
            if e.skill is not None:
                supply[d, e.shift, e.skill, people[pid].pool] += 1
    g = nx.DiGraph()
    for key, n in supply.items():
        g.add_edge("s", ("e", key), capacity=n)
    pools_at: dict[tuple[int, str, str], list[str]] = defaultdict(list)
    for d, sh, sk, pool in supply:
        pools_at[d, sh, sk].append(pool)
    for i, r in enumerate(problem.requirements):
        g.add_edge(("r", i), "t", capacity=r.count)
        for pool in pools_at.get((r.day, r.shift, r.skill), ()):
            if r.pools is None or pool in r.pools:
                g.add_edge(("e", (r.day, r.shift, r.skill, pool)), ("r", i), capacity=r.count)
    if "s" not in g or "t" not in g:
        flows: dict[Any, dict[Any, int]] = {}
        value = 0
    else:
        value, flows = nx.maximum_flow(g, "s", "t")
    under: dict[str, int] = defaultdict(int)
    for i, r in enumerate(problem.requirements):
        got = flows.get(("r", i), {}).get("t", 0)
        if got < r.count:
            under[f"{r.day}/{r.shift}/{r.skill}"] += r.count - got
    return int(value), dict(under)


# ---------------------------------------------------------------------------- greedy start
def greedy_roster(
    problem: RosterProblem, options: RosterOptions
) -> dict[tuple[int, int], tuple[str, int | None]]:
    """A roster that keeps every hard rule it can, built day by day: each requirement (the
    scarcest first) takes the eligible people who have worked least this week, single-skilled
    before multi-skilled; then anyone short of their contract's least hours gets shifts on free
    days. ``(person index, day) -> (shift, requirement index or None)``: CP-SAT's starting point
    (it repairs what breaks a rule)."""
    people = problem.people
    sh = problem.shifts
    most = 7 - options.min_days_off_per_week
    on: dict[tuple[int, int], tuple[str, int | None]] = {}

    def fits(pi: int, d: int, s: str) -> bool:
        p = people[pi]
        if (pi, d) in on or d in p.unavailable or s not in p.shifts or d % 7 not in sh[s].weekdays:
            return False
        for gap in (1, 2):
            prev, nxt = on.get((pi, d - gap)), on.get((pi, d + gap))
            if prev and rest_conflict(sh[prev[0]], sh[s], options.min_rest_h, gap):
                return False
            if nxt and rest_conflict(sh[s], sh[nxt[0]], options.min_rest_h, gap):
                return False
        run = 1
        k = d - 1
        while (pi, k) in on:
            run, k = run + 1, k - 1
        k = d + 1
        while (pi, k) in on:
            run, k = run + 1, k + 1
        if run > options.max_consecutive_days:
            return False
        w = d // 7
        week = [on[pi, e][0] for e in range(7 * w, 7 * w + 7) if (pi, e) in on]
        _, high = weekly_bounds(p, w, options, sh)
        return len(week) < most and sum(sh[x].paid_min for x in week) + sh[s].paid_min <= high

    def worked(pi: int, w: int) -> int:
        return sum(1 for e in range(7 * w, 7 * w + 7) if (pi, e) in on)

    by_day: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(problem.requirements):
        by_day[r.day].append(i)
    for d in range(problem.days):
        idx = by_day.get(d, [])
        eligible = {
            i: [pi for pi, p in enumerate(people) if can_cover(p, problem.requirements[i], options)]
            for i in idx
        }
        for i in sorted(
            idx, key=lambda i: (len(eligible[i]), sh[problem.requirements[i].shift].start_min)
        ):
            r = problem.requirements[i]
            cands = [pi for pi in eligible[i] if fits(pi, d, r.shift)]
            cands.sort(
                key=lambda pi: (
                    worked(pi, d // 7),
                    len(people[pi].skills),
                    d % 7 in people[pi].prefers_off,
                    people[pi].avoids_nights and sh[r.shift].night,
                    pi,
                )
            )
            for pi in cands[: r.count]:
                on[pi, d] = (r.shift, i)
    for pi, p in enumerate(people):
        for w in range(problem.weeks):
            low, _ = weekly_bounds(p, w, options, sh)
            for d in range(7 * w, 7 * w + 7):
                paid = sum(
                    sh[on[pi, e][0]].paid_min for e in range(7 * w, 7 * w + 7) if (pi, e) in on
                )
                if paid >= low:
                    break
                for s in sorted(p.shifts, key=lambda s: (sh[s].night, s)):
                    if fits(pi, d, s):
                        on[pi, d] = (s, None)
                        break
    return on


def greedy_entries(problem: RosterProblem, options: RosterOptions) -> tuple[RosterShift, ...]:
    """:func:`greedy_roster` as roster entries."""
    return tuple(
        RosterShift(
            person=problem.people[pi].id,
            day=d,
            shift=s,
            skill=None if i is None else problem.requirements[i].skill,
        )
        for (pi, d), (s, i) in sorted(greedy_roster(problem, options).items())
    )


# ---------------------------------------------------------------------------- generated
_BENCH_SHIFTS = (("07:00-15:00", 420, 900), ("14:00-22:00", 840, 1320), ("22:00-30:00", 1320, 1800))
#: Relative contact volume by weekday (Monday first) and by shift, per skill.
_WEEKDAY = (1.15, 1.05, 1.0, 1.0, 1.05, 0.7, 0.55)
_SHIFT_SHARE = (0.55, 0.35, 0.10)


def erlang_roster_problem(
    people: int = 200,
    weeks: int = 4,
    seed: int = 0,
    *,
    load: float = 0.85,
    options: RosterOptions | None = None,
) -> RosterProblem:
    """A contact centre of ``people`` agents over ``weeks`` with 3 skills (phone, chat, email;
    mean handling 5, 8 and 12 min) and 3 shifts (07-15, 14-22, 22-06; 7.5 h paid), each shift's
    requirement sized by Erlang C (80% within 20 s; chat and email as queues of their own) from
    a weekly pattern of volumes (busier early in the week and by day) scaled so that the
    requirement is ``load`` of the shifts the agents' contracts (37.5 h, 5 shifts) can give. A
    fifth of the agents has two skills (the second at 0.8), 5% of the person-days are leave,
    30% prefer a weekday off and 20% avoid nights; seeded."""
    import random

    import numpy as np

    from servopt.optimizer.staffing.queueing import size_agents

    rng = random.Random(seed)
    options = options or RosterOptions(weeks=weeks)
    skills = (("phone", 300.0), ("chat", 480.0), ("email", 720.0))
    mix = (0.5, 0.3, 0.2)
    shifts = {
        sid: ShiftType(sid, a, b, 450, frozenset(range(7)), is_night(a, b))
        for sid, a, b in _BENCH_SHIFTS
    }
    days = 7 * weeks
    staff: list[Person] = []
    for k in range(people):
        main = rng.choices(range(3), weights=mix)[0]
        sk = {skills[main][0]: 1.0}
        if rng.random() < 0.2:
            sk[skills[(main + 1) % 3][0]] = 0.8
        off = frozenset(d for d in range(days) if rng.random() < 0.05)
        staff.append(
            Person(
                f"agent-{k + 1:03d}",
                f"team-{skills[main][0]}",
                sk,
                37 * 60 + 30,
                tuple(shifts),
                off,
                frozenset({rng.randrange(7)}) if rng.random() < 0.3 else frozenset(),
                rng.random() < 0.2,
                overtime_per_h=45.0,
            )
        )
    # Each shift's volume share; contacts an hour scaled (bisection) until the Erlang C
    # requirement is ``load`` of the person-shifts the contracts give.
    supply = people * 5 * weeks
    cells: list[tuple[int, str, str, float, float]] = []
    for d in range(days):
        for (sid, _a, _b), share in zip(_BENCH_SHIFTS, _SHIFT_SHARE, strict=True):
            for (skill, aht), m in zip(skills, mix, strict=True):
                cells.append((d, sid, skill, aht, _WEEKDAY[d % 7] * share * m))
    aht_arr = np.array([c[3] for c in cells])
    vol = np.array([c[4] for c in cells])

    def needed(scale: float) -> np.ndarray:
        per_hour = np.maximum(scale * vol, 1e-9)
        return size_agents(per_hour, aht_arr, target_sl=0.8, target_s=20.0).agents

    lo, hi = 0.0, 1.0
    while needed(hi).sum() < load * supply:
        hi *= 2.0
    for _ in range(40):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if needed(mid).sum() < load * supply else (lo, mid)
    counts = needed(hi)
    reqs = [
        Requirement(d, sid, skill, int(n))
        for (d, sid, skill, _aht, _v), n in zip(cells, counts, strict=True)
        if n > 0
    ]
    return RosterProblem(days, shifts, tuple(staff), tuple(reqs), 3.0 * 30.0 * 7.5)
