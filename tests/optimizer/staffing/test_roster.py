"""Rostering on CP-SAT: every hard rule verified by the independent checker, the same seed
gives the same roster, one more person never raises the optimum, infeasible contracts are
explained, the checker catches each broken rule, and the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from servopt.models import Plan, RosterShift
from servopt.optimizer import DECISIONS, SolveParams, Status
from servopt.optimizer.cli import main
from servopt.optimizer.staffing.roster import (
    Person,
    Requirement,
    RosterOptions,
    RosterProblem,
    ShiftType,
    check_roster,
    erlang_roster_problem,
    is_night,
)
from servopt.optimizer.staffing.roster_solve import solve_roster
from tests.conftest import INSTANCES

SHIFTS = {
    sid: ShiftType(sid, a, b, b - a - 30, frozenset(range(7)), is_night(a, b))
    for sid, a, b in (
        ("06:00-14:00", 360, 840),
        ("14:00-22:00", 840, 1320),
        ("22:00-30:00", 1320, 1800),
    )
}


@st.composite
def small_rosters(draw):
    """1-2 weeks, 2-6 people with one or two of two skills, leave and preferences, and a
    requirement per day, shift and skill of 0-2 people."""
    weeks = draw(st.integers(1, 2))
    days = 7 * weeks
    n = draw(st.integers(2, 6))
    people = []
    for k in range(n):
        skills = draw(st.sampled_from([{"a": 1.0}, {"b": 1.0}, {"a": 1.0, "b": 0.6}]))
        leave = draw(st.frozensets(st.integers(0, days - 1), max_size=2))
        people.append(
            Person(
                f"p{k}",
                draw(st.sampled_from(["one", "two"])),
                skills,
                draw(st.sampled_from([4 * 450, 5 * 450])),
                tuple(SHIFTS),
                leave,
                draw(st.frozensets(st.integers(0, 6), max_size=1)),
                draw(st.booleans()),
                overtime_per_h=draw(st.sampled_from([0.0, 30.0])),
            )
        )
    reqs = [
        Requirement(d, s, k, c)
        for d in range(days)
        for s in SHIFTS
        for k in ("a", "b")
        if (c := draw(st.integers(0, 2)))
    ]
    options = RosterOptions(
        weeks=weeks,
        min_days_off_per_week=draw(st.integers(1, 2)),
        max_consecutive_days=draw(st.integers(3, 6)),
        hours_tolerance_h=draw(st.sampled_from([7.5, 15.0])),
    )
    return RosterProblem(days, SHIFTS, tuple(people), tuple(reqs), 300.0), options


def _solve(problem, options, seed=0, limit=6.0):
    return solve_roster(
        problem=problem, options=options, params=SolveParams(time_limit_s=limit, seed=seed)
    )


@settings(max_examples=10, deadline=None)
@given(case=small_rosters())
def test_every_hard_rule_holds_and_the_checker_prices_what_the_solver_reports(case):
    problem, options = case
    r = _solve(problem, options)
    if r.status is Status.INFEASIBLE:
        assert r.diagnostics  # explained
        return
    assert r.status.has_plan, r.diagnostics
    bad, kpis = check_roster(problem, r.plan.roster, options)
    assert bad == []
    assert r.objective["cost"] == pytest.approx(kpis.cost)
    assert kpis.covered <= kpis.required
    if r.status is Status.OPTIMAL:
        # CP-SAT's objective has its money in whole hundredths per unit: within rounding.
        assert r.bound == pytest.approx(kpis.cost, rel=1e-3, abs=1.0)


@settings(max_examples=5, deadline=None)
@given(case=small_rosters(), seed=st.integers(0, 1000))
def test_the_same_seed_gives_the_same_roster(case, seed):
    problem, options = case
    a, b = _solve(problem, options, seed), _solve(problem, options, seed)
    assert a.status == b.status
    if a.status.has_plan:
        assert a.plan.roster == b.plan.roster


@settings(max_examples=5, deadline=None)
@given(case=small_rosters())
def test_one_more_person_never_raises_the_optimum(case):
    problem, options = case
    base = _solve(problem, options)
    if base.status is not Status.OPTIMAL:
        return
    extra = Person("extra", "newcomers", {"a": 1.0, "b": 1.0}, 0, tuple(SHIFTS))
    more = RosterProblem(
        problem.days, problem.shifts, (*problem.people, extra), problem.requirements, 300.0
    )
    bigger = _solve(more, options)
    # The newcomer has no contract hours and a pool of their own (no one to be unfair to):
    # the old roster is still feasible with them idle, so the optimum can only fall or stay.
    assert bigger.status.has_plan
    if bigger.status is Status.OPTIMAL:  # both proven: compare the optima (within rounding)
        assert bigger.objective["cost"] <= base.objective["cost"] + 0.5


def test_a_contract_no_shift_pattern_can_meet_is_explained():
    p = Person("ann", "one", {"a": 1.0}, 60 * 60, tuple(SHIFTS))  # 60 h a week
    problem = RosterProblem(7, SHIFTS, (p,), (), 100.0)
    r = _solve(problem, RosterOptions(weeks=1, hours_tolerance_h=0))
    assert r.status is Status.INFEASIBLE
    assert any("ann" in d and "can work at most" in d for d in r.diagnostics)


def test_the_checker_names_each_broken_rule():
    p = Person("bo", "one", {"a": 1.0}, 5 * 450, tuple(SHIFTS), frozenset({3}))
    problem = RosterProblem(7, SHIFTS, (p,), (), 100.0)
    bad_roster = (
        RosterShift(person="bo", day=0, shift="22:00-30:00", skill="a"),
        RosterShift(person="bo", day=1, shift="06:00-14:00", skill="a"),  # 0 h rest
        RosterShift(person="bo", day=2, shift="14:00-22:00", skill="b"),  # no skill b
        RosterShift(person="bo", day=3, shift="14:00-22:00"),  # on leave
        RosterShift(person="bo", day=3, shift="06:00-14:00"),  # two shifts a day
        RosterShift(person="bo", day=4, shift="14:00-22:00"),
        RosterShift(person="bo", day=5, shift="14:00-22:00"),
        RosterShift(person="bo", day=6, shift="14:00-22:00"),
    )
    bad, _ = check_roster(problem, bad_roster, RosterOptions(weeks=1))
    text = "\n".join(bad)
    for words in (
        "rest",
        "proficiency",
        "on leave",
        "two shifts",
        "in a row",
        "days off",
        "h in week",
    ):
        assert words in text, (words, text)


def test_the_generated_contact_centre_is_rostered_within_its_limit():
    problem = erlang_roster_problem(30, 2, seed=3)
    options = RosterOptions(weeks=2)
    r = _solve(problem, options, limit=8.0)
    assert r.status.has_plan and r.runtime_s <= 8.0 * 1.1 + 1
    bad, kpis = check_roster(problem, r.plan.roster, options)
    assert bad == [] and kpis.coverage is not None and kpis.coverage > 0.8
    assert r.gap is not None and 0 <= r.gap <= 1


def test_roster_command_on_case_a(tmp_path):
    out = tmp_path / "roster.json"
    res = CliRunner().invoke(
        main,
        [
            "solve",
            "roster",
            str(INSTANCES / "case-a-aftersales.yaml"),
            "--weeks",
            "1",
            "--time-limit",
            "20",
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["decision"] == "roster" and data["status"] in ("optimal", "feasible")
    assert data["plan"]["roster"] and "coverage" in res.output
    assert data["kpis"]["pools"]["region-01-diesel-engine"]["people"] == 2
    plan = Plan.model_validate({k: v for k, v in data["plan"].items() if k != "network"})
    assert len(plan.roster) == data["kpis"]["shifts_worked"]


WEEKDAY = {"08:00-16:00": ShiftType("08:00-16:00", 480, 960, 480, frozenset(range(5)), False)}


def test_a_week_of_leave_in_a_weekday_pool_is_pro_rata_of_its_working_days():
    """A Monday-to-Friday 40 h contract with a week of leave asks nothing that week (it used to
    ask 2/7 of the contract, on days no shift runs, and so made the roster infeasible)."""
    people = (
        Person("p0", "ops", {"a": 1.0}, 2400, tuple(WEEKDAY), frozenset(range(5))),
        Person("p1", "ops", {"a": 1.0}, 2400, tuple(WEEKDAY), frozenset({0, 1, 2})),
    )
    problem = RosterProblem(14, WEEKDAY, people, (), 100.0)
    r = _solve(problem, RosterOptions(weeks=2))
    assert r.status is Status.OPTIMAL, r.diagnostics
    assert check_roster(problem, r.plan.roster, RosterOptions(weeks=2))[0] == []


def test_runs_of_three_days_still_allow_five_days_a_week():
    daily = {"08:00-16:00": ShiftType("08:00-16:00", 480, 960, 480, frozenset(range(7)), False)}
    p = Person("p0", "ops", {"a": 1.0}, 2400, tuple(daily))
    problem = RosterProblem(14, daily, (p,), (), 100.0)
    options = RosterOptions(weeks=2, hours_tolerance_h=0, max_consecutive_days=3)
    r = _solve(problem, options)
    assert r.status is Status.OPTIMAL, r.diagnostics
    assert check_roster(problem, r.plan.roster, options)[0] == []


def test_a_pool_never_works_another_pools_days_at_the_same_hours():
    from servopt.models import StaffPool
    from servopt.optimizer.staffing.roster import people_of, shift_types

    pools = (
        StaffPool(
            id="weekday",
            headcount=1,
            skills={"a": 1.0},
            shifts=[{"start_min": 480, "end_min": 960, "days": [0, 1, 2, 3, 4]}],
        ),
        StaffPool(
            id="weekend",
            headcount=1,
            skills={"a": 1.0},
            shifts=[{"start_min": 480, "end_min": 960, "days": [5, 6]}],
        ),
    )
    shifts, of_pool = shift_types(pools)
    assert of_pool["weekday"] != of_pool["weekend"]
    people = people_of(pools, of_pool)
    reqs = tuple(Requirement(d, s, "a", 2) for d in (5, 6) for s in of_pool["weekend"])
    problem = RosterProblem(7, shifts, people, reqs, 100.0)
    r = _solve(problem, RosterOptions(weeks=1))
    assert all(e.person == "weekend#1" for e in r.plan.roster if e.day >= 5)


def test_rest_across_two_days_after_a_night_is_checked():
    night = ShiftType("22:00-30:00", 1320, 1800, 450, frozenset(range(7)), True)
    early = ShiftType("04:00-12:00", 240, 720, 450, frozenset(range(7)), False)
    shifts = {night.id: night, early.id: early}
    p = Person("p0", "ops", {"a": 1.0}, 900, tuple(shifts))
    problem = RosterProblem(7, shifts, (p,), (), 100.0)
    roster = (
        RosterShift(person="p0", day=0, shift=night.id),
        RosterShift(person="p0", day=2, shift=early.id),
    )
    bad, _ = check_roster(problem, roster, RosterOptions(weeks=1, min_rest_h=24))
    assert any("day 0" in b and "day 2" in b and "rest" in b for b in bad), bad
    r = _solve(problem, RosterOptions(weeks=1, min_rest_h=24))
    assert check_roster(problem, r.plan.roster, RosterOptions(weeks=1, min_rest_h=24))[0] == []


def test_field_work_beyond_the_roster_is_overtime_up_to_the_cap_then_beyond():
    """Case A's proposal rostered against 3 sample days of dispatch: each day's hours beyond
    the rostered people's paid hours are their overtime (at most the pool's cap a person) or
    beyond the cap; recomputed here from the roster's entries and the problem's hours."""
    from servopt.models import load_network, load_plan
    from servopt.optimizer.staffing.roster import RosterOptions
    from servopt.optimizer.staffing.roster_solve import roster_problem

    net = load_network(INSTANCES / "case-a-aftersales.yaml")
    plan = load_plan(INSTANCES / "case-a-aftersales.cost-only.plan.yaml", net)
    opts = RosterOptions(weeks=1, sample_days=3, sample_seed=2)
    r = solve_roster(net, plan, opts, SolveParams(time_limit_s=30, seed=1))
    assert r.status.has_plan
    problem, _ = roster_problem(net, plan, opts)
    fw = r.kpis.field_work
    assert fw and set(fw) == set(problem.work)
    pool_of = {p.id: p.pool for p in problem.people}
    pools = {p.id: p for p in plan.pools(net)}
    crew: dict[tuple[str, int], list[float]] = {}
    for e in r.plan.roster:
        crew.setdefault((pool_of[e.person], e.day), []).append(
            problem.shifts[e.shift].paid_min / 60.0
        )
    for pid, f in fw.items():
        cap = pools[pid].max_overtime_min / 60.0
        over = beyond = 0.0
        for day, hours in problem.work[pid].items():
            paid = crew.get((pid, day), [])
            short = max(0.0, hours - sum(paid))
            given = min(short, len(paid) * cap)
            over, beyond = over + given, beyond + short - given
        assert f.overtime_h == pytest.approx(over, abs=1e-6)
        assert f.beyond_cap_h == pytest.approx(beyond, abs=1e-6)
        assert f.overtime_h_week_max <= cap * 7 + 1e-6
        assert 0 <= f.leavers_per_year <= f.people
    # 120 engineers cannot do the proposal's work within their shifts
    assert sum(f.overtime_h for f in fw.values()) > 0


def test_one_sample_day_is_dispatched_afresh_not_priced_on_the_files_routes():
    """A plan's routes name the file's jobs: with --sample-days 1 the sample day is dispatched
    by the nearest-engineer policy, so its jobs are worked, not all dropped."""
    from servopt.models import load_network
    from servopt.optimizer.staffing.roster import RosterOptions
    from servopt.optimizer.staffing.roster_solve import roster_problem

    net = load_network(INSTANCES / "case-a-aftersales.yaml")
    routed = (
        DECISIONS["dispatch"]
        .evaluate(net, Plan(dispatch_policy="nearest"), DECISIONS["dispatch"].options())
        .plan
    )
    opts = RosterOptions(weeks=1, sample_days=1)
    problem, notes = roster_problem(net, routed, opts)
    assert any("sample days" in n for n in notes)
    fresh, _ = roster_problem(net, Plan(dispatch_policy="nearest"), opts)
    assert problem.work == fresh.work and problem.work
