"""Multi-skill pools: what pooling skills buys, and what it costs when people are not trained.

Handling time grows as proficiency falls: a person at proficiency p in a skill takes
``aht / p ** elasticity`` (elasticity 1 by default: at proficiency 0.5 a job takes twice as
long). Three ways to staff the same per-skill demand (Erlang C sizing in each case):

* ``dedicated``: one team per skill, everyone fully proficient in their own skill;
* ``pooled``: one team taking every skill, at the proficiencies given (``untrained``: the skills
  people were declared to have, case A's "multi-skill" without training);
* ``trained``: one team at full proficiency in every skill, after paying
  ``training_cost_per_skill`` per person and extra skill.

Pooling lowers the staff needed (one larger queue); low proficiency raises every handling time
and can cost more than pooling saves: "multi-skill without training" shows as longer handling,
not free capacity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from servopt.models.errors import BadInputError, Problem
from servopt.optimizer.staffing.queueing import size_agents


@dataclass(frozen=True)
class SkillDemand:
    """The demand for one skill, as :func:`compare_pooling` sizes it.

    Parameters
    ----------
    arrivals_per_hour
        Contacts needing the skill per hour.
    aht_s
        Mean handling time in seconds of a fully proficient person.
    """

    arrivals_per_hour: float
    aht_s: float


@dataclass(frozen=True)
class PoolingComparison:
    """Agents on duty (Erlang C, before shrinkage) for three ways to staff the same demand.

    Attributes
    ----------
    dedicated_agents
        One fully proficient team per skill: the sum of ``per_skill_dedicated``.
    pooled_agents
        One team taking every skill at the proficiencies given.
    trained_agents
        One team taking every skill at full proficiency.
    pooled_aht_s
        The pooled team's mean handling time in seconds (arrival-weighted, at the given
        proficiencies).
    training_cost
        ``trained_agents`` x the skills below proficiency 1 x ``training_cost_per_skill``.
    per_skill_dedicated
        Skill -> agents of its dedicated team.
    """

    dedicated_agents: int
    pooled_agents: int
    trained_agents: int
    pooled_aht_s: float
    training_cost: float
    per_skill_dedicated: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def effective_aht(aht_s: float, proficiency: float, elasticity: float = 1.0) -> float:
    """Handling time at ``proficiency`` in (0, 1]: aht / proficiency ** elasticity."""
    if not 0 < proficiency <= 1:
        raise BadInputError([Problem("proficiency", f"must be in (0, 1], got {proficiency!r}")])
    return aht_s / proficiency**elasticity


def compare_pooling(
    demand: Mapping[str, SkillDemand],
    proficiency: Mapping[str, float],
    *,
    target_sl: float = 0.8,
    target_s: float = 20.0,
    max_occupancy: float = 0.85,
    elasticity: float = 1.0,
    training_cost_per_skill: float = 0.0,
) -> PoolingComparison:
    """Staff needed dedicated, pooled at the given proficiencies, and pooled after training.

    ``proficiency[skill]`` is the pooled team's proficiency in each skill (1 = trained).
    """
    missing = sorted(set(demand) - set(proficiency))
    if missing:
        raise BadInputError(
            [Problem(f"proficiency.{m}", "no proficiency given for this skill") for m in missing]
        )
    if not demand:
        raise BadInputError("demand: give at least one skill")
    skills = sorted(demand)

    def size(arrivals: float, aht: float) -> int:
        return int(
            size_agents(
                [arrivals], aht, target_sl=target_sl, target_s=target_s, max_occupancy=max_occupancy
            ).agents[0]
        )

    per_skill = {s: size(demand[s].arrivals_per_hour, demand[s].aht_s) for s in skills}
    lam = np.array([demand[s].arrivals_per_hour for s in skills])
    aht_trained = np.array([demand[s].aht_s for s in skills])
    aht_pooled = np.array(
        [effective_aht(demand[s].aht_s, proficiency[s], elasticity) for s in skills]
    )
    total = float(lam.sum())
    mean_pooled = float(lam @ aht_pooled / total)
    mean_trained = float(lam @ aht_trained / total)
    pooled, trained = size(total, mean_pooled), size(total, mean_trained)
    extra_skills = sum(1 for s in skills if proficiency[s] < 1)
    return PoolingComparison(
        dedicated_agents=sum(per_skill.values()),
        pooled_agents=pooled,
        trained_agents=trained,
        pooled_aht_s=mean_pooled,
        training_cost=trained * extra_skills * training_cost_per_skill,
        per_skill_dedicated=per_skill,
    )
