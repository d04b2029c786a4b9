"""No silent zeros and no hang (issue 9, part 8): a channel with demand and no service time, a
staffing run with nothing to staff, journey arrivals from the network, sizing at huge loads."""

from __future__ import annotations

import json
import math
import time

import mpmath
import pytest
from click.testing import CliRunner

from servopt.models import BadInputError, load_network, load_plan
from servopt.optimizer.cli import main
from servopt.optimizer.journeys.analysis import analyse_journey
from servopt.optimizer.staffing import queueing
from servopt.optimizer.staffing.channels import plan_channels, staff_by_interval
from servopt.optimizer.staffing.queueing import erlang_b, erlang_c, size_agents
from tests.conftest import INSTANCES

CASE_A = INSTANCES / "case-a-aftersales.yaml"
CASE_B = INSTANCES / "case-b-account-opening.yaml"
CASE_D = INSTANCES / "case-d-outpatient.yaml"
CASE_D_APP = INSTANCES / "case-d-outpatient.all-app.plan.yaml"


# --------------------------------------------------------------- channels without a service time
def test_a_channel_with_demand_and_no_service_time_is_said_and_not_shown_as_a_zero_wait():
    mix = plan_channels(load_network(CASE_B))
    # 150 elderly customers a day can only use the counter, which has no service_min.
    assert mix.flows["elderly-customer"] == {"counter": pytest.approx(150 / 8)}
    (note,) = [d for d in mix.diagnostics if "'counter'" in d]
    assert "18.8 contacts an hour" in note and "channels[0].service_min" in note
    assert "counter" not in mix.staff and "counter" not in mix.channel_wait_min
    assert math.isnan(mix.segment_wait_min["elderly-customer"])
    assert mix.segment_wait_min["retail-customer"] == 0.0  # the app: self-service below capacity
    assert mix.to_dict()["segment_wait_min"]["elderly-customer"] is None


def test_the_staffing_command_prints_the_note_and_no_measured_zero_for_the_counter():
    res = CliRunner().invoke(main, ["solve", "staffing", str(CASE_B)])
    assert res.exit_code == 0, res.output
    assert "note       channel 'counter' carries 18.8 contacts an hour" in res.output
    counter = next(line for line in res.output.splitlines() if "channel counter" in line)
    assert counter.endswith("wait unknown")  # not a measured "wait 0.00"
    elderly = next(line for line in res.output.splitlines() if "elderly-customer" in line)
    assert "0.00 min" not in elderly


def test_channels_with_a_service_time_get_no_such_note():
    mix = plan_channels(load_network(CASE_D))
    assert not [d for d in mix.diagnostics if "no service_min" in d]
    assert all(math.isfinite(w) for w in mix.segment_wait_min.values())


@pytest.mark.parametrize("case", [CASE_A])
def test_a_staffing_run_with_nothing_to_staff_says_so(case):
    net = load_network(case)
    assert not any(s.demand_per_day > 0 for s in net.segments)
    mix = plan_channels(net)
    assert mix.cost_per_hour == 0.0 and not mix.staff and not mix.flows
    assert any(
        d.startswith("nothing to staff: no segment has demand_per_day") for d in mix.diagnostics
    )
    by_interval = staff_by_interval(net)
    assert any("nothing to staff" in d for d in by_interval.diagnostics)
    res = CliRunner().invoke(main, ["solve", "staffing", str(case)])
    assert res.exit_code == 0, res.output
    assert "note       nothing to staff" in res.output
    assert " staff     0" not in res.output


# --------------------------------------------------------------- journey arrivals from the network
def test_case_d_journey_takes_its_arrivals_from_the_segments_that_enter_it():
    net = load_network(CASE_D)
    before = analyse_journey(net, "outpatient-visit", moments_of_truth=False)
    # The journey enters through the window, which every segment can use: 12,000 a day.
    assert before.arrivals_per_hour == pytest.approx(12000 / 8)
    assert before.arrivals_from == (
        "demand_per_day of segments under-60, over-60-smartphone, over-60-no-smartphone: "
        "12,000 a day over 8 h"
    )
    after = analyse_journey(
        net, "outpatient-visit", load_plan(CASE_D_APP, net), moments_of_truth=False
    )
    # Through the app: not the 1,620 patients over 60 without a smartphone.
    assert after.arrivals_per_hour == pytest.approx((6600 + 3780) / 8)
    # The redesign no longer looks like an improvement: the doctors are overloaded after it.
    assert not math.isfinite(after.end_to_end_min)
    assert any("'doctors'" in u for u in after.unstable)
    assert after.resources["doctors"]["offered_load"] > before.resources["doctors"]["offered_load"]


def test_explicit_arrivals_still_override_the_network():
    net = load_network(CASE_D)
    fig = analyse_journey(net, "outpatient-visit", arrivals_per_hour=100.0, moments_of_truth=False)
    assert fig.arrivals_per_hour == 100.0 and math.isfinite(fig.end_to_end_min)
    assert fig.arrivals_from == "given"


def test_the_journey_command_uses_the_network_arrivals():
    res = CliRunner().invoke(main, ["journey", str(CASE_D), "--json"])
    assert res.exit_code == 0, res.output
    (fig,) = json.loads(res.output)
    assert fig["arrivals_per_hour"] == pytest.approx(1500.0)
    assert fig["arrivals_from"].endswith("12,000 a day over 8 h")
    assert fig["end_to_end_min"] is None and fig["unstable"]


def test_case_b_journey_figures_before_and_after_are_unchanged():
    net = load_network(CASE_B)
    plan = load_plan(INSTANCES / "case-b-account-opening.redesign.plan.yaml", net)
    before = analyse_journey(net, "account-opening", moments_of_truth=False)
    after = analyse_journey(net, "account-opening", plan, moments_of_truth=False)
    assert before.arrivals_per_hour == after.arrivals_per_hour == pytest.approx(30.0)
    assert before.end_to_end_min == pytest.approx(41.8, abs=0.05)
    assert after.end_to_end_min == pytest.approx(55.7, abs=0.05)


# --------------------------------------------------------------- queueing at huge loads
@pytest.mark.parametrize(
    ("c", "a"),
    [(20_000, 19_900.0), (20_000, 20_500.0), (50_000, 49_000.0), (12_345, 10.0), (3, 2.5)],
)
def test_erlang_b_from_its_window_matches_the_exact_value(c, a):
    mpmath.mp.dps = 40
    pmf = mpmath.exp(c * mpmath.log(a) - a - mpmath.loggamma(c + 1))
    exact = pmf / mpmath.gammainc(c + 1, a, regularized=True)  # P(Poisson(a) <= c)
    assert queueing._erlang_b_one(c, a) == pytest.approx(float(exact), rel=1e-9, abs=1e-300)


def test_erlang_b_from_its_window_matches_the_recursion():
    for c in (1, 7, 60, 800, 9_000):
        for a in (0.3, c * 0.7, c * 1.0, c * 1.3):
            assert queueing._erlang_b_one(c, a) == pytest.approx(float(erlang_b(c, a)), rel=1e-10)


def test_sizing_by_search_gives_the_same_agents_as_the_recursion(monkeypatch):
    lam = [50.0, 900.0, 4000.0, 18000.0]
    want = size_agents(lam, 240.0, target_sl=0.9, target_s=15.0, max_occupancy=1.0).agents
    monkeypatch.setattr(queueing, "_RECURSION_MAX", 0)  # every interval by the search
    got = size_agents(lam, 240.0, target_sl=0.9, target_s=15.0, max_occupancy=1.0).agents
    assert list(got) == list(want)


def test_sizing_a_billion_calls_an_hour_is_fast_and_least():
    t0 = time.perf_counter()
    sized = size_agents([1e9], 180.0, target_sl=0.8, target_s=20.0, max_occupancy=1.0)
    assert time.perf_counter() - t0 < 5.0
    c = int(sized.agents[0])
    load = 1e9 * 180.0 / 3600.0
    assert c > load
    assert float(erlang_c(c, 1e9, 180.0, 20.0).service_level) >= 0.8
    assert float(erlang_c(c - 1, 1e9, 180.0, 20.0).service_level) < 0.8


def test_the_queue_command_answers_a_billion_calls_an_hour_at_once():
    t0 = time.perf_counter()
    res = CliRunner().invoke(main, ["queue", "--arrivals-per-hour", "1e9", "--aht-s", "180"])
    assert res.exit_code == 0, res.output
    assert time.perf_counter() - t0 < 10.0
    assert "agents               58823530" in res.output  # 5e7 Erlangs at 85% occupancy


@pytest.mark.parametrize(("lam", "pat", "occ"), [(3000.0, 600.0, 1.0), (20000.0, 900.0, 1.0)])
def test_erlang_a_search_finds_the_least_agents(lam, pat, occ):
    s = 200.0
    sized = size_agents([lam], s, model="erlang-a", patience_s=pat, max_occupancy=occ)

    def ok(k: int) -> bool:
        fig = queueing.erlang_a(k, lam, s, pat, 20.0)
        return fig.service_level >= 0.8 - 1e-12 and fig.occupancy <= occ + 1e-12

    k = math.ceil(lam * s / 3600.0 / occ)  # one agent at a time from the occupancy bound
    while not ok(k):
        k += 1
    assert int(sized.agents[0]) == k


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["--arrivals-per-hour", "1e12"], "Erlang C"),
        (
            ["--model", "erlang-a", "--patience-s", "60", "--arrivals-per-hour", "1e9"],
            "Erlang A",
        ),
    ],
)
def test_absurd_loads_are_refused_clearly(args, what):
    res = CliRunner().invoke(main, ["queue", *args, "--aht-s", "180"])
    assert res.exit_code == 2, res.output
    assert "offered load" in res.output and what in res.output and "Erlangs" in res.output
    assert "Traceback" not in res.output
    with pytest.raises(BadInputError, match="beyond what"):
        size_agents([1e12], 180.0)


# --------------------------------------------------------------- staffing windows under 8 hours
@pytest.mark.parametrize(("profile", "shifts"), [([1, 2, 2, 1], {"4h"}), ([1, 2], {"120min"})])
def test_interval_staffing_of_a_window_shorter_than_8_hours_uses_shifts_that_fit(profile, shifts):
    """The default 8-hour template used to make a valid network fail with an error about
    templates the user never gave."""
    from servopt.models.io import network_from_data

    net = network_from_data(
        {
            "kind": "network",
            "name": "short",
            "staffing_start_min": 480,
            "staffing_interval_min": 60,
            "channels": [{"id": "phone", "kind": "phone", "service_min": 5}],
            "segments": [
                {
                    "id": "s",
                    "channels": ["phone"],
                    "demand_per_day": 100,
                    "arrival_profile": profile,
                }
            ],
            "pools": [{"id": "p", "headcount": 10, "channels": ["phone"], "cost_per_hour": 20}],
        }
    )
    out = staff_by_interval(net)
    assert out.status.has_plan
    (ch,) = out.channels
    assert len(ch.requirements) == len(profile) and min(ch.requirements) > 0
    assert not ch.schedule.under.any()
    assert {label.split("@")[0] for label in ch.schedule.starts} == shifts


def test_staff_for_a_wait_target_is_the_least_that_meets_it():
    from servopt.optimizer.staffing.channels import _staff_for_wait
    from servopt.optimizer.staffing.queueing import wait_min

    net = load_network(CASE_D)  # phone-booking: 4 minutes a contact
    for load, target in ((50.0, 0.5), (202.5, 0.1), (3000.0, 0.02), (3000.0, 5.0)):
        n = _staff_for_wait(net, "phone-booking", load, target)
        assert n is not None
        assert wait_min(n, load, 240.0) <= target < wait_min(n - 1, load, 240.0)


def test_a_day_where_nobody_is_served_has_no_zero_mean_wait():
    from servopt.optimizer.staffing.timevarying import day_queue

    nobody = day_queue([10.0, 10.0, 0.0], [0, 0, 0], 5.0, 60.0)
    assert nobody.unserved_at_close == pytest.approx(20.0)
    assert nobody.mean_wait_min == math.inf
    assert day_queue([0.0, 0.0], [1, 1], 5.0, 60.0).mean_wait_min == 0.0  # nobody came
    # One agent, 10 an hour of 5 minutes: the Erlang C wait, 5 x (5/6) / (1 - 5/6) = 25 min.
    assert day_queue([10.0, 10.0], [1, 1], 5.0, 60.0).mean_wait_min == pytest.approx(25.0)


def test_erlang_a_refuses_a_service_level_too_long_to_compute_instead_of_hanging():
    t0 = time.perf_counter()
    with pytest.raises(BadInputError, match=r"target_s: Erlang A's service level .* transient"):
        queueing.erlang_a(48000, 1.728e8, 1.0, 60.0, 20.0)
    assert time.perf_counter() - t0 < 10.0
    # With no wait to time (far more agents than load), it answers at once.
    fig = queueing.erlang_a(117648, 3.6e8, 1.0, 60.0, 20.0)
    assert fig.service_level == pytest.approx(1.0) and fig.wait_probability < 1e-15
