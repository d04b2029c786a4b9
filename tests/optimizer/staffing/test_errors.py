"""Errors of counter and contact staff rising with load and with channels served at once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servopt.models import Plan, load_network, load_plan
from servopt.models.entities import Workforce
from servopt.models.workforce import error_rate
from servopt.optimizer import DECISIONS
from tests.conftest import INSTANCES


@given(
    st.floats(0.0, 3.0),
    st.floats(0.0, 3.0),
    st.integers(1, 4),
    st.integers(1, 4),
)
def test_errors_never_fall_with_load_or_with_channels(u1, u2, c1, c2):
    wf = Workforce()
    lo, hi = sorted((u1, u2))
    few, many = sorted((c1, c2))
    assert error_rate(wf, lo, few) <= error_rate(wf, hi, few) + 1e-12
    assert error_rate(wf, lo, few) <= error_rate(wf, lo, many) + 1e-12
    assert 0 < error_rate(wf, hi, many) <= 1
    # at or below the reference load, one channel: the base rate
    assert error_rate(wf, min(lo, wf.reference_load), 1) == pytest.approx(wf.error_base)


def test_case_c_store_staff_serving_online_orders_make_more_errors():
    net = load_network(INSTANCES / "case-c-omnichannel.yaml")
    prop = load_plan(INSTANCES / "case-c-omnichannel.shared-staff.plan.yaml", net)
    d = DECISIONS["staffing"]
    before = d.evaluate(net, Plan(), d.options()).kpis.channels["store"]
    after = d.evaluate(net, prop, d.options()).kpis.channels["store"]
    assert after.occupancy > before.occupancy
    assert after.error_rate > before.error_rate
    wf = net.workforce
    channels = 1 + sum(1 for c in prop.pool_channels(net)["staff-centre"] if c != "store")
    assert after.error_rate == pytest.approx(error_rate(wf, after.occupancy, channels))
    assert after.errors_per_day == pytest.approx(after.error_rate * after.contacts_per_day)
    assert after.errors_per_day > before.errors_per_day
    # reported, not in the plan's cost
    plain = d.evaluate(net, prop, d.options())
    assert plain.objective["cost"] == pytest.approx(plain.kpis.cost)
