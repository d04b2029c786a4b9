from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servopt.models import BadInputError
from servopt.optimizer.staffing.multiskill import SkillDemand, compare_pooling, effective_aht

DEMAND = {s: SkillDemand(60.0, 900.0) for s in ("hydraulics", "engine", "electrical", "crane")}


def test_trained_pooling_needs_fewer_staff_than_dedicated_teams():
    r = compare_pooling(DEMAND, {s: 1.0 for s in DEMAND})
    assert r.trained_agents == r.pooled_agents < r.dedicated_agents


def test_multi_skill_without_training_is_longer_handling_not_free_capacity():
    # Case A: specialists declared able to do every machine type, at proficiency 0.35 in the
    # three they were never trained for (a quarter of the work each).
    untrained = {"hydraulics": 1.0, "engine": 0.35, "electrical": 0.35, "crane": 0.35}
    r = compare_pooling(DEMAND, untrained, training_cost_per_skill=15_000)
    assert r.pooled_aht_s == pytest.approx(900 * (0.25 + 0.75 / 0.35))
    assert r.pooled_agents > r.dedicated_agents > r.trained_agents
    assert r.training_cost == pytest.approx(r.trained_agents * 3 * 15_000)


@given(p=st.floats(0.05, 1.0), q=st.floats(0.05, 1.0))
def test_handling_time_never_falls_as_proficiency_falls(p, q):
    lo, hi = sorted((p, q))
    assert effective_aht(300, lo) >= effective_aht(300, hi)


def test_bad_input():
    with pytest.raises(BadInputError, match="proficiency: must be in \\(0, 1\\], got 0"):
        effective_aht(300, 0.0)
    with pytest.raises(BadInputError, match=r"proficiency\.crane: no proficiency given"):
        compare_pooling(DEMAND, {"hydraulics": 1.0, "engine": 1.0, "electrical": 1.0})
