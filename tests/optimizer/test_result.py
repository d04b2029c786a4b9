from __future__ import annotations

import pytest

from servopt.models import BadInputError, Plan
from servopt.optimizer.params import SolveParams
from servopt.optimizer.result import Result, Status


def test_params_are_validated_with_named_fields():
    with pytest.raises(BadInputError) as e:
        SolveParams(time_limit_s=-1, seed=-2, mip_gap=2)
    text = str(e.value)
    assert "time_limit_s: must be a positive number of seconds, got -1" in text
    assert "seed: must be a whole number >= 0, got -2" in text
    assert "mip_gap: must be in [0, 1), got 2" in text


def test_result_has_no_sentinels():
    with pytest.raises(ValueError, match="needs a plan"):
        Result(Status.OPTIMAL, runtime_s=1.0)
    with pytest.raises(ValueError, match="has no plan and no objective"):
        Result(Status.INFEASIBLE, runtime_s=1.0, objective={"cost": 0.0})
    with pytest.raises(ValueError, match="finite or None"):
        Result(Status.FEASIBLE, runtime_s=1.0, plan=Plan(), gap=float("inf"))


def test_result_to_dict_and_summary():
    r = Result(
        Status.FEASIBLE,
        runtime_s=2.5,
        objective={"cost": 1234.5},
        bound=1200.0,
        gap=0.028,
        plan=Plan(open_depots=("d1",)),
        params=SolveParams(seed=3),
        solver="highs",
        diagnostics=("time limit reached",),
    )
    d = r.to_dict()
    assert d["status"] == "feasible" and d["plan"]["open_depots"] == ["d1"]
    assert d["params"]["seed"] == 3
    assert "gap        2.8000%" in r.summary() and "time limit reached" in r.summary()
    none = Result(Status.NO_SOLUTION, runtime_s=1.0)
    assert none.to_dict()["plan"] is None and none.to_dict()["gap"] is None
