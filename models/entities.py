"""The entities of a service network: one immutable, validated class each.

Units, everywhere in servopt:

* distances in km, locations as planar ``(x, y)`` coordinates in km;
* durations and time windows in **minutes** (windows from the start of the planning horizon);
  lead times and SLAs, which span days, in **hours** (fields ending ``_h``);
* money in one currency of the instance's choosing; rates "per period" use the network's
  ``period`` (a year unless the file says otherwise).

Field-level rules (signs, finiteness, ranges) live here; rules that need the whole network
(references, duplicate ids, coverage) live in :mod:`servopt.models.checks`.

Magnitudes are bounded so that every solver stays numerically sound (HiGHS reads 1e20 as
infinite; products of prices and quantities must stay far below that, and numpy must not
overflow): money per item (a cost, a price, a value) at most :data:`MAX_MONEY` (1e12),
quantities (demand, capacities, rates, stock, loads) at most :data:`MAX_QUANTITY` (1e9),
durations in minutes or hours at most :data:`MAX_DURATION` (1e7), distances and coordinates
at most :data:`MAX_KM` (1e7 km), speeds at most 1e5 km/h, head counts at most 1e6 and
factors and rates (road factor, air cost factor, holding rate, demand cv) at most 1e3.
A value beyond its bound is refused on load with the field, the value and the bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_MONEY = 1e12
MAX_QUANTITY = 1e9
MAX_DURATION = 1e7
MAX_KM = 1e7
MAX_SPEED = 1e5
MAX_HEADCOUNT = 1_000_000
MAX_FACTOR = 1e3

Id = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Pos = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Proficiency = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
NonNegInt = Annotated[int, Field(ge=0)]
Money = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Quantity = Annotated[float, Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False)]
Duration = Annotated[float, Field(ge=0, le=MAX_DURATION, allow_inf_nan=False)]
PosDuration = Annotated[float, Field(gt=0, le=MAX_DURATION, allow_inf_nan=False)]
Km = Annotated[float, Field(ge=0, le=MAX_KM, allow_inf_nan=False)]
Speed = Annotated[float, Field(gt=0, le=MAX_SPEED, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_HEADCOUNT)]
Customers = Annotated[int, Field(ge=0, le=int(MAX_QUANTITY) * 10)]
Coord = Annotated[float, Field(ge=-MAX_KM, le=MAX_KM, allow_inf_nan=False)]
Location = tuple[Coord, Coord]


class Entity(BaseModel):
    """Base of every entity: immutable, unknown fields rejected, numbers must be finite."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class ChannelKind(StrEnum):
    """How a customer reaches the service."""

    PHONE = "phone"
    APP = "app"
    WEB = "web"
    CHAT = "chat"
    EMAIL = "email"
    COUNTER = "counter"
    KIOSK = "kiosk"
    STORE = "store"
    FIELD_VISIT = "field_visit"
    DELIVERY = "delivery"
    OTHER = "other"


class DepotKind(StrEnum):
    """What sort of place a depot is: a central warehouse, a regional one, a store or a facility.

    A descriptive label (``Depot.kind``, default ``regional``): no solver, evaluator or check
    in servopt reads it; what a depot can do follows from its capacity, costs, lanes and pools.
    """

    CENTRAL = "central"
    REGIONAL = "regional"
    STORE = "store"
    FACILITY = "facility"


class LaneMode(StrEnum):
    """How a supply lane ships: ``regular`` replenishment or ``expedited`` rush delivery.

    In placement, a depot's first regular lane gives its replenishment lead time, cost per unit
    and the depot that replenishes it (which must then be open too); its first expedited lane,
    when expediting is on, serves stock-outs at that lane's cost per unit and lead time.
    Without an expedited lane, a stock-out waits for the regular lane.
    """

    REGULAR = "regular"
    EXPEDITED = "expedited"


class Forced(StrEnum):
    """A depot pinned ``open`` or ``closed`` (``Depot.forced``) whatever the solver prefers.

    Placement fixes the depot's open/closed decision accordingly, and a plan whose
    ``open_depots`` closes a forced-open depot or opens a forced-closed one is reported by
    :meth:`servopt.models.plan.Plan.check_against`. ``None`` on a depot: not pinned.
    """

    OPEN = "open"
    CLOSED = "closed"


class DistanceRounding(StrEnum):
    """How a distance between two locations is rounded.

    ``truncate_1dp`` truncates each arc to one decimal, the convention of Solomon's ``bks.csv``
    (Kohl et al.; LKH-3 ``SCALE 10``/``FLOOR_2D``).
    """

    EXACT = "exact"
    TRUNCATE_1DP = "truncate_1dp"


class Skill(Entity):
    """A skill that staff have and job types need, referred to by its ``id``.

    Pools map skill ids to a proficiency (``StaffPool.skills``); a job type names the one
    skill it needs (``JobType.skill``). ``name`` is a display label.

    Training (a plan's ``pool_changes[].train``): ``training_cost`` per person (``None``: no
    training is offered) raises a member's proficiency to ``trained_proficiency`` (never
    lowers it), taking each trainee ``training_days`` working days off the job; the one-off
    cost is spread over the workforce's ``training_years``
    (:class:`Workforce`).
    """

    id: Id
    name: str = ""
    training_cost: NonNeg | None = None
    training_days: NonNeg = 0.0
    trained_proficiency: Proficiency = 0.7


class Channel(Entity):
    """A way in: phone, app, counter, field visit...

    ``capacity_per_hour`` is for self-service channels (kiosk, app) whose capacity is not staff;
    a staffed channel's capacity follows from the pools that list it in ``channels``.
    ``patience_min`` is the mean patience of a waiting contact (exponential; staffing sizes the
    channel with Erlang A and prices the contacts who abandon); ``None``: nobody abandons
    (Erlang C).
    """

    id: Id
    kind: ChannelKind
    name: str = ""
    cost_per_contact: Money = 0.0
    service_min: Duration | None = None
    capacity_per_hour: Quantity | None = None
    availability: Fraction = 1.0
    patience_min: PosDuration | None = None


class Segment(Entity):
    """A group of customers, with the value side of the network.

    ``channels`` are the accessibility edges: a segment is never served through a channel it
    does not list. ``downtime_cost_per_hour`` prices a stopped machine or a waiting customer.
    ``churn_sensitivity`` is the probability that one SLA miss loses the customer.
    ``arrival_profile`` spreads ``demand_per_day`` over the network's staffing intervals (relative
    weights, one per interval from ``staffing_start_min``); empty: spread evenly.
    """

    id: Id
    name: str = ""
    channels: tuple[Id, ...]
    customers: Customers = 0
    demand_per_day: Quantity = 0.0
    arrival_profile: tuple[Quantity, ...] = ()
    value_per_customer: Money = 0.0
    downtime_cost_per_hour: Money = 0.0
    churn_sensitivity: Fraction = 0.0
    channel_preference: dict[Id, Fraction] = Field(default_factory=dict)
    sla_response_h: PosDuration | None = None
    sla_onsite_h: PosDuration | None = None
    max_wait_h: PosDuration | None = None
    priority: NonNegInt = 0

    def churn_from(self, misses: float) -> tuple[float, float | None, float]:
        """What ``misses`` broken promises a period cost the segment: the customers lost
        (each miss loses its customer with ``churn_sensitivity``), the change in the share of
        its ``customers`` who buy again (``None`` without a customer count), and the value
        lost (x ``value_per_customer``)."""
        lost = misses * self.churn_sensitivity
        change = -lost / self.customers if self.customers else None
        return lost, change, lost * self.value_per_customer

    def value_on(self, channels: Iterable[str]) -> float:
        """The part of the segment's value that rides on ``channels``: customers x
        ``value_per_customer`` x the weight its ``channel_preference`` gives them (case C:
        delivery and installation weigh 60% of the decision)."""
        weight = sum(self.channel_preference.get(c, 0.0) for c in set(channels))
        return self.customers * self.value_per_customer * weight


class Depot(Entity):
    """A place that holds stock and/or is home to staff: a warehouse, a store, a building.

    ``capacity`` is in demand units per period (``None``: unlimited). ``open_today`` is the
    network before any redesign; ``forced`` pins the depot open or closed for every solver.
    ``display_stock`` (part family -> units) is on show and not for sale: counting it as
    sellable over-promises (case C).
    """

    id: Id
    name: str = ""
    kind: DepotKind = DepotKind.REGIONAL
    location: Location
    capacity: Quantity | None = None
    fixed_cost: Money = 0.0
    open_today: bool = True
    forced: Forced | None = None
    display_stock: dict[Id, Quantity] = Field(default_factory=dict)


class Site(Entity):
    """A customer site: where machines stand, jobs arise and parts are needed.

    ``job_rates`` maps job type to jobs per period; ``parts_demand`` maps part family to units
    per period.
    """

    id: Id
    name: str = ""
    location: Location
    segment: Id
    job_rates: dict[Id, Quantity] = Field(default_factory=dict)
    parts_demand: dict[Id, Quantity] = Field(default_factory=dict)

    @property
    def demand(self) -> float:
        """Total parts demand per period, all families."""
        return sum(self.parts_demand.values())


class PartFamily(Entity):
    """Spare parts stocked and planned together.

    ``holding_rate`` is the yearly holding cost as a share of ``unit_cost``; ``demand_cv`` the
    coefficient of variation of one site's demand per period (drives safety stock);
    ``critical_share`` the share of requests for which a machine stands still until the part
    arrives (breakdowns; planned wear-part replacements are not critical).
    """

    id: Id
    name: str = ""
    unit_cost: Money = 0.0
    holding_rate: Factor = 0.25
    demand_cv: Factor = 1.0
    critical_share: Fraction = 1.0


class SupplyLane(Entity):
    """A replenishment lane into a depot or straight to a site.

    ``origin`` is a depot id, or ``None`` for the external supplier. An empty ``part_families``
    means the lane carries every family.
    """

    id: Id
    origin: Id | None = None
    destination: Id
    mode: LaneMode = LaneMode.REGULAR
    lead_time_h: Duration
    cost_per_unit: Money = 0.0
    part_families: tuple[Id, ...] = ()


class Shift(Entity):
    """A working window in minutes from the start of each day (or of the horizon).

    ``break_start_min``: when everyone on the shift takes the break together (a clinic's lunch
    hour); ``None``: breaks are staggered over the middle of the shift, so that someone is
    always on duty (read by the day simulation, :mod:`servopt.optimizer.journeys.day`).
    """

    start_min: Duration
    end_min: Duration
    break_min: Duration = 0.0
    break_start_min: Duration | None = None
    days: tuple[Annotated[int, Field(ge=0, le=6)], ...] = (0, 1, 2, 3, 4)

    @model_validator(mode="after")
    def _end_after_start(self) -> Shift:
        if self.end_min <= self.start_min:
            raise ValueError(
                f"end_min must be after start_min, got start {self.start_min} end {self.end_min}"
            )
        if self.break_min >= self.end_min - self.start_min:
            raise ValueError(f"break_min {self.break_min} leaves no working time in the shift")
        if self.break_start_min is not None and not (
            self.start_min <= self.break_start_min <= self.end_min - self.break_min
        ):
            raise ValueError(
                f"break_start_min {self.break_start_min} must leave the break inside the shift "
                f"({self.start_min}-{self.end_min})"
            )
        return self

    @property
    def working_min(self) -> float:
        return self.end_min - self.start_min - self.break_min


class Member(Entity):
    """One named person of a staff pool, for rostering.

    ``contract_h_week``: contracted hours a week (``None``: the pool's first shift's working
    hours x its days a week); ``skills``: their own proficiencies (``None``: the pool's);
    ``unavailable``: days of the roster's horizon (0 = its first day) on leave or otherwise
    away; ``prefers_off``: weekdays (0 = Monday) they would rather not work; ``avoids_nights``:
    they would rather not work night shifts. Preferences are soft (priced), leave is hard.
    """

    id: Id
    name: str = ""
    contract_h_week: Annotated[float, Field(gt=0, le=168, allow_inf_nan=False)] | None = None
    skills: dict[Id, Proficiency] | None = None
    unavailable: tuple[Annotated[int, Field(ge=0, le=3660)], ...] = ()
    prefers_off: tuple[Annotated[int, Field(ge=0, le=6)], ...] = ()
    avoids_nights: bool = False


class StaffPool(Entity):
    """Staff with the same skills, home and terms: one technician (``headcount`` 1) or a team.

    ``skills`` maps skill id to proficiency in (0, 1]: 1 is a fully trained expert; handling
    time and first-time-fix rate degrade as proficiency falls. ``channels`` lists the channels
    this pool staffs (contact-centre agents, counter clerks); ``home_depot`` is where field staff
    start and end their day. ``members`` names its people for rostering (at most
    ``headcount``; the rest are generated as ``{pool}#{k}``).
    """

    id: Id
    name: str = ""
    department: str = ""
    home_depot: Id | None = None
    headcount: Count = 1
    skills: dict[Id, Proficiency] = Field(default_factory=dict)
    channels: tuple[Id, ...] = ()
    cost_per_hour: Money = 0.0
    cost_per_km: Money = 0.0
    overtime_cost_per_hour: Money | None = None
    max_overtime_min: Duration = 0.0
    shifts: tuple[Shift, ...] = ()
    vehicle_capacity: Quantity | None = None
    speed_kmh: Speed | None = None
    replacement_cost: Money = 0.0
    members: tuple[Member, ...] = ()

    @model_validator(mode="after")
    def _members_within_headcount(self) -> StaffPool:
        if len(self.members) > self.headcount:
            raise ValueError(
                f"members lists {len(self.members)} people but headcount is {self.headcount}"
            )
        return self


class JobType(Entity):
    """A kind of field job: the skill it needs and how long a fully proficient person takes.

    ``first_time_fix`` is the probability that a proficiency-1 technician fixes it in one visit.
    ``parts`` maps a part family to the share of these jobs that need a part of it: the
    technician takes it from their home depot's stock when it is there; otherwise the machine
    waits for the part's delivery and the technician comes back to fit it (priced by dispatch,
    :mod:`servopt.optimizer.dispatch.terms`).
    """

    id: Id
    name: str = ""
    skill: Id
    duration_min: PosDuration
    min_proficiency: Fraction = 0.0
    first_time_fix: Fraction = 0.95
    parts: dict[Id, Fraction] = Field(default_factory=dict)


class Job(Entity):
    """One concrete job to dispatch: a visit to ``site`` of type ``job_type``.

    ``window`` is when service may start, in minutes from the horizon start; ``duration_min``
    overrides the job type's; ``quantity`` is the load it takes on a vehicle.
    """

    id: Id
    site: Id
    job_type: Id
    window: tuple[Duration, Duration] | None = None
    duration_min: Duration | None = None
    quantity: Quantity = 0.0
    deadline_min: Duration | None = None

    @model_validator(mode="after")
    def _window_ordered(self) -> Job:
        if self.window is not None and self.window[1] < self.window[0]:
            raise ValueError(f"window must be [earliest, latest], got {list(self.window)}")
        return self


class Step(Entity):
    """A touchpoint of a journey, done by a staff pool or a channel (``resource``).

    ``service_min`` is the customer's time with the resource; ``documentation_min`` is the
    resource's time on the case after the customer has left (writing the record): it takes
    capacity, so it lengthens the queue, but not the customer's own service.
    """

    id: Id
    name: str = ""
    department: str = ""
    resource: Id | None = None
    service_min: Duration
    documentation_min: Duration = 0.0
    value_adding: bool = True
    failure_prob: Fraction = 0.0


class Transition(Entity):
    """The case moves from ``source`` to ``target`` with ``probability``.

    A step's outgoing probabilities sum to at most 1; the remainder ends the journey
    successfully. A transition back to an earlier step is a rework loop.
    """

    source: Id
    target: Id
    probability: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0


class Journey(Entity):
    """A customer journey: a directed graph of steps with hand-offs and rework loops."""

    id: Id
    name: str = ""
    segment: Id | None = None
    channel: Id | None = None
    start: Id
    steps: tuple[Step, ...]
    transitions: tuple[Transition, ...] = ()

    def graph(self) -> Any:
        """The journey as a ``networkx.DiGraph``: steps as nodes, transitions as edges.

        Edges carry ``probability`` and ``handoff`` (True when the departments differ).
        """
        import networkx as nx

        g = nx.DiGraph(journey=self.id, start=self.start)
        for s in self.steps:
            g.add_node(s.id, **s.model_dump(exclude={"id"}))
        dept = {s.id: s.department for s in self.steps}
        for t in self.transitions:
            g.add_edge(
                t.source,
                t.target,
                probability=t.probability,
                handoff=dept.get(t.source) != dept.get(t.target),
            )
        return g


class Arc(Entity):
    """An explicit depot-to-site link, overriding what the travel model would compute.

    ``transport_cost`` is the cost of serving **all** of the site's demand from the depot for one
    period (the OR-Library convention); serving a fraction costs that fraction.
    """

    depot: Id
    site: Id
    distance_km: Km | None = None
    travel_min: Duration | None = None
    transport_cost: Money | None = None


class TravelModel(Entity):
    """How distance, travel time and transport cost follow from locations.

    distance = road_factor * euclidean(a, b), rounded as ``rounding`` says; a technician's travel
    time = distance / speed_kmh. A part shipped from a depot to a site by road costs
    ``freight_cost_per_unit_km`` per unit and km and arrives after ``freight_handling_h +
    distance / freight_kmh`` hours (``freight_kmh`` is the effective speed of consolidated parts
    shipping, stops included). By air it costs ``air_cost_factor`` times the road cost and
    arrives after ``air_transit_h`` hours.
    """

    speed_kmh: Speed = 60.0
    road_factor: Annotated[float, Field(ge=1, le=MAX_FACTOR, allow_inf_nan=False)] = 1.0
    rounding: DistanceRounding = DistanceRounding.EXACT
    cost_per_km: Money = 0.0
    freight_cost_per_unit_km: Money = 0.0
    freight_kmh: Speed = 15.0
    freight_handling_h: Duration = 12.0
    air_cost_factor: Annotated[float, Field(ge=1, le=MAX_FACTOR, allow_inf_nan=False)] = 3.0
    air_transit_h: Duration = 24.0


class Workforce(Entity):
    """How staff respond to their workload: the yearly probability that a person leaves, as a
    function of their load u (hours of work over contracted hours; above 1 is overtime).

    The model is logistic in the odds of leaving:

        logit p(u) = logit(attrition_base) + ln(odds_ratio) * (u - reference_load) / load_step

    ``attrition_base``: the yearly rate observed at ``reference_load``. Default 12% at a load
    of 0.85: a chosen, typical voluntary attrition of skilled field and counter staff at a
    typical utilisation; replace both with the company's own exit data and present load.
    ``odds_ratio`` per ``load_step``: default 1.23 per 1/6 of load, from Aiken et al. (2002),
    "Hospital nurse staffing and patient mortality, nurse burnout, and job dissatisfaction",
    JAMA 288(16): each additional patient per nurse raised the odds of burnout by 23% (95% CI
    13-34%), where a nurse cared for about 6 patients (one more is about 1/6 more work); the
    same study found 43% of burned-out, dissatisfied nurses intending to leave within a year
    against 11% of the others. Burnout stands in for leaving here: a stated proxy, not a fit
    to any case (it does not reproduce case A's 45%).

    ``training_years``: the years over which a one-off training is counted (default 3, chosen:
    a trained skill serves until the machines or the people change; a leaver's successor's
    training is in the pool's ``replacement_cost``).

    Errors of counter and contact staff (:func:`~servopt.models.workforce.error_rate`): the
    share of contacts handled wrongly (a wrong order, a missed step) is ``error_base`` at
    ``reference_load`` (default 2%, chosen), its odds rising by ``error_odds_ratio`` per
    ``load_step`` of occupancy above it (default 1.23, the burnout odds above: a stated proxy
    for errors under load), and multiplied by ``switch_factor`` for each further channel the
    person serves at once (default 1.2, chosen; task switching costs time and accuracy,
    Monsell 2003, *Trends in Cognitive Sciences* 7(3)). Not fitted to case C's ~30%.
    """

    attrition_base: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = 0.12
    reference_load: Annotated[float, Field(ge=0, le=MAX_FACTOR, allow_inf_nan=False)] = 0.85
    odds_ratio: Annotated[float, Field(ge=1, le=MAX_FACTOR, allow_inf_nan=False)] = 1.23
    load_step: Annotated[float, Field(gt=0, le=MAX_FACTOR, allow_inf_nan=False)] = 1.0 / 6.0
    training_years: Annotated[float, Field(gt=0, le=MAX_FACTOR, allow_inf_nan=False)] = 3.0
    error_base: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = 0.02
    error_odds_ratio: Annotated[float, Field(ge=1, le=MAX_FACTOR, allow_inf_nan=False)] = 1.23
    switch_factor: Annotated[float, Field(ge=1, le=MAX_FACTOR, allow_inf_nan=False)] = 1.2


#: The collections of a network whose items have an ``id``, in file order.
COLLECTIONS: dict[str, type[BaseModel]] = {
    "skills": Skill,
    "channels": Channel,
    "segments": Segment,
    "depots": Depot,
    "sites": Site,
    "part_families": PartFamily,
    "supply_lanes": SupplyLane,
    "pools": StaffPool,
    "job_types": JobType,
    "jobs": Job,
    "journeys": Journey,
}

#: Collections whose items are nodes of :meth:`ServiceNetwork.graph`; ids are unique across them.
NODE_COLLECTIONS = ("skills", "channels", "segments", "depots", "sites", "pools", "job_types")
