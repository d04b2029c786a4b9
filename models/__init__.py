"""servopt.models: what a service network is.

The domain only: entities, the validated immutable :class:`ServiceNetwork`, :class:`Plan`, file
loading and saving, benchmark adapters and the synthetic generator. Imports nothing from
``servopt.optimizer`` and never loads ortools or pulp.
"""

from servopt.models.entities import (
    Arc,
    Channel,
    ChannelKind,
    Depot,
    DepotKind,
    DistanceRounding,
    Forced,
    Job,
    JobType,
    Journey,
    LaneMode,
    Member,
    PartFamily,
    Segment,
    Shift,
    Site,
    Skill,
    StaffPool,
    Step,
    SupplyLane,
    Transition,
    TravelModel,
    Workforce,
)
from servopt.models.errors import (
    BadInputError,
    InfeasibleError,
    Problem,
    ServoptError,
    SolverUnavailableError,
)
from servopt.models.formats import NetworkFormat, load_network
from servopt.models.io import json_schema, load_plan, save
from servopt.models.network import ServiceNetwork
from servopt.models.plan import (
    Assignment,
    DispatchPolicy,
    Plan,
    PoolChange,
    RosterShift,
    Route,
)

__all__ = [
    "Arc",
    "Assignment",
    "BadInputError",
    "Channel",
    "ChannelKind",
    "Depot",
    "DepotKind",
    "DispatchPolicy",
    "DistanceRounding",
    "Forced",
    "InfeasibleError",
    "Job",
    "JobType",
    "Journey",
    "LaneMode",
    "Member",
    "NetworkFormat",
    "PartFamily",
    "Plan",
    "PoolChange",
    "Problem",
    "RosterShift",
    "Route",
    "Segment",
    "ServiceNetwork",
    "ServoptError",
    "Shift",
    "Site",
    "Skill",
    "SolverUnavailableError",
    "StaffPool",
    "Step",
    "SupplyLane",
    "Transition",
    "TravelModel",
    "Workforce",
    "json_schema",
    "load_network",
    "load_plan",
    "save",
]
