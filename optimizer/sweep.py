r"""Sweeps: many scenarios of one decision, each solved through the one solve contract, as one
table keyed by scenario with the parameters that made it.

A :class:`Scenario` is a name, a decision (``placement``, ``dispatch``, ``staffing``: a key of
:data:`servopt.optimizer.DECISIONS`), the base options and solve parameters, and its
*changes*, each a path and a value:

- ``options.FIELD``: a field of the decision's options (``options.service_level``,
  ``options.value_weight``, ``options.objective``);
- ``params.FIELD``: a field of :class:`~servopt.optimizer.params.SolveParams`
  (``params.seed``, ``params.time_limit_s``, ``params.mip_gap``, ``params.threads``);
- ``demand_scale``: a factor (> 0) on demand: every site's ``parts_demand`` and ``job_rates``
  and every segment's ``demand_per_day`` (a concrete day's ``jobs`` are left as they are);
  applied after the other network changes;
- a network path: fields separated by dots, an item of a list selected by its id or its
  position, a key of a mapping after a dot: ``pools[id=region-01-diesel-engine].headcount``,
  ``segments[id=key-account].downtime_cost_per_hour``, ``depots[0].fixed_cost``,
  ``travel.speed_kmh``, ``sites[id=site-001].parts_demand.engine-parts``.

Network changes are applied to the network's data and the whole network is validated again
(:func:`servopt.models.io.network_from_data`), so a change the network refuses fails its
scenario with the field and the value named. A path that names no field or no item is bad
input for the whole sweep (:func:`check_scenarios`), never silently ignored.

:func:`sweep` runs the scenarios on a :class:`Backend`: ``serial`` (in this process),
``processes`` (a pool of spawned local processes, no Dask needed) or ``dask``
(``dask.distributed``: a ``LocalCluster`` of single-threaded worker processes, or the scheduler
of a real cluster; the optional ``dask`` extra). Every task gets the network, the scenario and
so its seed (``scenario.params.seed``) in its arguments and nothing else, so the table is the
same on every backend (Dask caches a pure call by its arguments, and a seed in them keeps two
calls that should differ apart). A scenario that fails (a value refused, no plan, an exception)
is a row with its status and error; the sweep goes on.

Each scenario has its own time limit (``params.time_limit_s``). The sweep may have one too
(``time_limit_s``): a scenario that starts after it is ``skipped``, and one that starts before
it gets at most the time left (so only a binding sweep limit makes the table depend on how
fast the backend is).

A grid file (:func:`load_grid`, YAML or JSON) names the decision, the base ``options`` and
``params``, an optional ``time_limit_s`` for the whole sweep, and either ``grid`` (a list of
values per path: their cartesian product, the last path varying fastest) or ``scenarios`` (a
list of ``{name, changes}``)::

    decision: placement
    options: {objective: weighted}
    params: {time_limit_s: 20, seed: 1, mip_gap: 0.01, threads: 1}
    grid:
      options.service_level: [0.9, 0.95, 0.98, 0.99]
      options.value_weight: [0.001, 0.003, 0.01, 0.03]
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import itertools
import json
import logging
import math
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from servopt.models.errors import BadInputError, InfeasibleError, Problem, SolverUnavailableError
from servopt.models.network import ServiceNetwork
from servopt.optimizer.params import SolveParams, options_from_data
from servopt.optimizer.result import Kpis, Result, Units, json_ready

log = logging.getLogger("servopt.sweep")

#: The change that scales demand (see the module docstring).
DEMAND_SCALE = "demand_scale"
#: A grid whose product has more scenarios than this is refused (a typo, not a plan).
MAX_SCENARIOS = 100_000
#: A scenario that would get less time than this under the sweep's limit is skipped.
MIN_SECONDS = 0.05
#: The keys of a grid file.
GRID_KEYS = ("decision", "options", "params", "time_limit_s", "grid", "scenarios", "description")
#: The row statuses beyond :class:`~servopt.optimizer.result.Status`' values: a change refused
#: as bad input, and a scenario the sweep's time limit left no time for.
BAD_INPUT, SKIPPED = "bad_input", "skipped"


class Backend(StrEnum):
    """Where the scenarios run: ``serial`` (this process, one after the other), ``processes``
    (a pool of spawned local processes) or ``dask`` (``dask.distributed``)."""

    SERIAL = "serial"
    PROCESSES = "processes"
    DASK = "dask"


# ------------------------------------------------------------------------------------ paths
@dataclass(frozen=True)
class _Step:
    name: str
    select: str | None  # "id=X", "3", or None


def _parse(path: str) -> list[_Step]:
    """The steps of a network path; ``ValueError`` with what is wrong."""
    steps: list[_Step] = []
    depth, cur = 0, ""
    parts: list[str] = []
    for ch in path:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise ValueError("a ']' without its '['")
        if ch == "." and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise ValueError("a '[' without its ']'")
    parts.append(cur)
    for part in parts:
        name, sel = part, None
        if part.endswith("]") and "[" in part:
            name, sel = part[: part.index("[")], part[part.index("[") + 1 : -1]
        if not name or "[" in name or "]" in name:
            raise ValueError(
                f"step {part!r} must be a field name, optionally with [id=ID] or [N], "
                "with steps separated by dots"
            )
        steps.append(_Step(name, sel))
    return steps


def _kind(path: str) -> str:
    """``options``, ``params``, ``scale`` or ``network``: what a change path addresses."""
    if path == DEMAND_SCALE:
        return "scale"
    head = path.split(".", 1)[0]
    return head if head in ("options", "params") else "network"


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _select(items: Sequence[Any], sel: str, coll: str) -> int:
    """The position of the item ``sel`` (``id=X`` or ``N``) selects in ``items``; ``ValueError``."""
    if sel.startswith("id="):
        wanted = sel[3:]
        ids = [
            getattr(it, "id", None) if not isinstance(it, Mapping) else it.get("id") for it in items
        ]
        if wanted not in ids:
            known = [i for i in ids if isinstance(i, str)]
            raise ValueError(f"no item of {coll} has id {wanted!r}{_suggest(wanted, known)}")
        return ids.index(wanted)
    if sel.isdigit():
        k = int(sel)
        if k >= len(items):
            raise ValueError(f"{coll} has {len(items)} items; [{k}] is past the last")
        return k
    raise ValueError(f"[{sel}] must be [id=ID] or [N] (a position from 0)")


def network_path_problem(network: ServiceNetwork, path: str) -> str | None:
    """What is wrong with the network path ``path`` on ``network`` (``None``: it names a field).

    Every step must be a field of the model it is in (a key of a mapping may be new: the
    network's checks judge it), a list must be selected into with ``[id=ID]`` or ``[N]`` before
    a field of its items, and the selected item must exist.

    >>> from servopt.models.generate import generate_network
    >>> net = generate_network(sites=3, depots=2, technicians=2, seed=1)
    >>> network_path_problem(net, "depots[0].fixed_cost") is None
    True
    >>> network_path_problem(net, "depots[id=dd1].fixed_cost")
    "no item of depots has id 'dd1' (did you mean 'd1'?)"
    >>> network_path_problem(net, "depots[0].fixed_costs")
    "'fixed_costs' is not a field of Depot (did you mean 'fixed_cost'?)"
    """
    try:
        steps = _parse(path)
    except ValueError as e:
        return str(e)
    obj: Any = network
    for k, step in enumerate(steps):
        last = k == len(steps) - 1
        if isinstance(obj, BaseModel):
            known = [f for f in type(obj).model_fields if f not in ("kind", "schema_version")]
            if step.name not in known:
                return (
                    f"{step.name!r} is not a field of {type(obj).__name__}"
                    f"{_suggest(step.name, known)}"
                )
            value = getattr(obj, step.name)
        elif isinstance(obj, Mapping):
            if step.name not in obj and not last:
                return f"no key {step.name!r} in the mapping before it"
            value = obj.get(step.name)
        else:
            return (
                f"{step.name!r}: the step before it is a value ({type(obj).__name__}), not a record"
            )
        if step.select is not None:
            if not isinstance(value, tuple | list):
                return f"{step.name!r} is not a list: [..] selects an item of a list"
            try:
                value = value[_select(value, step.select, step.name)]
            except ValueError as e:
                return str(e)
        elif isinstance(value, tuple | list) and not last:
            return f"{step.name!r} is a list: select an item with [id=ID] or [N] first"
        obj = value
    return None


def _set(data: dict[str, Any], steps: list[_Step], value: Any) -> None:
    """Set ``value`` at ``steps`` in network data (paths checked by :func:`network_path_problem`;
    fields left at their default are absent from the data and created)."""
    cur: Any = data
    for k, step in enumerate(steps):
        last = k == len(steps) - 1
        if step.select is None:
            if last:
                cur[step.name] = value
                return
            cur = cur.setdefault(step.name, {})
            continue
        items = cur.setdefault(step.name, [])
        pos = _select(items, step.select, step.name)
        if last:
            items[pos] = value
            return
        cur = items[pos]


def scale_demand(data: dict[str, Any], factor: float) -> None:
    """Multiply the demand in network data by ``factor``: every site's ``parts_demand`` and
    ``job_rates`` and every segment's ``demand_per_day``.

    >>> d = {"sites": [{"parts_demand": {"p": 4.0}}], "segments": [{"demand_per_day": 10.0}]}
    >>> scale_demand(d, 1.5)
    >>> d["sites"][0]["parts_demand"], d["segments"][0]["demand_per_day"]
    ({'p': 6.0}, 15.0)
    """
    for site in data.get("sites", ()):
        for key in ("parts_demand", "job_rates"):
            if key in site:
                site[key] = {k: v * factor for k, v in site[key].items()}
    for seg in data.get("segments", ()):
        if "demand_per_day" in seg:
            seg["demand_per_day"] = seg["demand_per_day"] * factor


# -------------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class Scenario:
    """One scenario of a sweep: what is solved, and what is changed for it.

    Parameters
    ----------
    name
        Its key in the table (unique within a sweep).
    decision
        A key of :data:`servopt.optimizer.DECISIONS`.
    changes
        Path -> value (see the module docstring); the table's parameters of this row.
    options
        The base options as data (fields of the decision's options class); ``options.FIELD``
        changes override them.
    params
        The base solve parameters (time limit, seed); ``params.FIELD`` changes override them.
    source
        Where the scenario comes from in a grid file (``grid``, ``scenarios[2].changes``), to
        locate a problem with its paths; empty for one built in Python.

    Examples
    --------
    >>> s = Scenario("more-demand", "placement", {"demand_scale": 1.2, "params.seed": 3})
    >>> s.seed
    3
    """

    name: str
    decision: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    params: SolveParams = field(default_factory=SolveParams)
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise BadInputError([Problem("name", f"must be a non-empty text, got {self.name!r}")])
        if not isinstance(self.changes, Mapping) or not all(
            isinstance(k, str) for k in self.changes
        ):
            raise BadInputError(
                [Problem("changes", f"must map paths (text) to values, got {self.changes!r}")]
            )
        object.__setattr__(self, "changes", dict(self.changes))
        object.__setattr__(self, "options", dict(self.options))

    @property
    def seed(self) -> Any:
        """The seed the scenario is solved with (``params.seed`` changed or the base one)."""
        return self.changes.get("params.seed", self.params.seed)

    def _split(self) -> dict[str, dict[str, Any]]:
        """The changes by what they address: options, params, network (path -> value) and
        scale (``demand_scale``)."""
        out: dict[str, dict[str, Any]] = {"options": {}, "params": {}, "network": {}, "scale": {}}
        for path, value in self.changes.items():
            kind = _kind(path)
            out[kind][path.split(".", 1)[1] if kind in ("options", "params") else path] = value
        return out

    def solve_params(self) -> SolveParams:
        """The base parameters with the ``params.FIELD`` changes; :class:`BadInputError`
        naming the field and the value of one refused."""
        try:
            return replace(self.params, **self._split()["params"])
        except BadInputError as e:
            raise BadInputError(
                [Problem(f"params.{p.path}", p.message) for p in e.problems]
            ) from None
        except TypeError as e:
            raise BadInputError([Problem("params", str(e))]) from None

    def resolve(self, network: ServiceNetwork) -> tuple[ServiceNetwork, Any, SolveParams]:
        """The network, options and solve parameters of this scenario.

        Raises :class:`BadInputError` naming the path and the value of a change that the
        options, the parameters or the network refuse.
        """
        from servopt.optimizer import DECISIONS

        parts = self._split()
        params = self.solve_params()
        cls = DECISIONS[self.decision].options
        options = options_from_data(cls, {**self.options, **parts["options"]}, "options")
        net = apply_changes(network, parts["network"], parts["scale"].get(DEMAND_SCALE))
        return net, options, params


def apply_changes(
    network: ServiceNetwork, changes: Mapping[str, Any], demand_scale: Any = None
) -> ServiceNetwork:
    """``network`` with the network ``changes`` (path -> value) and then ``demand_scale``
    applied, validated again as a whole; ``network`` itself when there is nothing to change.

    Raises :class:`BadInputError` for a path that names nothing, a scale that is not a
    positive number, or a value the network refuses (named by its place in the network data).

    >>> from servopt.models.generate import generate_network
    >>> net = generate_network(sites=3, depots=2, technicians=2, seed=1)
    >>> apply_changes(net, {"depots[id=d1].fixed_cost": 5.0}).depot("d1").fixed_cost
    5.0
    >>> apply_changes(net, {"depots[0].capacity": -1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    servopt.models.errors.BadInputError: depots[0].capacity: must be >= 0, got -1
    """
    from servopt.models.io import network_from_data, to_data

    problems = [
        Problem(path, wrong)
        for path in changes
        if (wrong := network_path_problem(network, path)) is not None
    ]
    if demand_scale is not None and (
        isinstance(demand_scale, bool)
        or not isinstance(demand_scale, int | float)
        or not math.isfinite(demand_scale)
        or demand_scale <= 0
    ):
        problems.append(Problem(DEMAND_SCALE, f"must be a finite number > 0, got {demand_scale!r}"))
    if problems:
        raise BadInputError(problems)
    if not changes and demand_scale in (None, 1, 1.0):
        return network
    data = to_data(network)
    for path, value in changes.items():
        _set(data, _parse(path), value)
    if demand_scale is not None:
        scale_demand(data, float(demand_scale))
    return network_from_data(data)


def change_problems(network: ServiceNetwork | None, scenario: Scenario) -> list[Problem]:
    """What is wrong with ``scenario``'s paths (not its values): a decision that does not
    exist, an option or a parameter its class does not have, a network path that names
    nothing on ``network`` (skipped when ``network`` is ``None``). Located under
    ``scenario.source``."""
    from servopt.optimizer import DECISIONS

    where = scenario.source or f"scenario {scenario.name!r}: changes"
    if scenario.decision not in DECISIONS:
        return [
            Problem(
                "decision",
                f"unknown decision {scenario.decision!r}; expected one of "
                f"{', '.join(DECISIONS)}{_suggest(scenario.decision, list(DECISIONS))}",
            )
        ]
    option_fields = [f.name for f in fields(DECISIONS[scenario.decision].options)]
    param_fields = [f.name for f in fields(SolveParams)]
    out = []
    for path in scenario.changes:
        kind = _kind(path)
        wrong = None
        if kind in ("options", "params"):
            name = path.split(".", 1)[1] if "." in path else ""
            known = option_fields if kind == "options" else param_fields
            cls = DECISIONS[scenario.decision].options if kind == "options" else SolveParams
            if name not in known:
                wrong = f"{name!r} is not a field of {cls.__name__}{_suggest(name, known)}"
        elif kind == "network":
            if network is None:
                try:
                    _parse(path)
                except ValueError as e:
                    wrong = str(e)
            else:
                wrong = network_path_problem(network, path)
        if wrong is not None:
            out.append(Problem(f"{where}.{path}", wrong))
    return out


def check_scenarios(network: ServiceNetwork, scenarios: Sequence[Scenario]) -> None:
    """Raise :class:`BadInputError` listing every problem with the scenarios' names and paths
    (:func:`change_problems`), each once; values are judged when a scenario runs."""
    problems: list[Problem] = []
    names = [s.name for s in scenarios]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(
            Problem("name", f"scenario name {name!r} is used {names.count(name)} times")
        )
    for s in scenarios:
        problems += change_problems(network, s)
    if problems:
        raise BadInputError(list(dict.fromkeys(problems)))


def _short(path: str) -> str:
    """The last field of a path (``pools[id=a].headcount`` -> ``headcount``)."""
    last = _parse(path)[-1] if _kind(path) == "network" else _Step(path.split(".")[-1], None)
    return last.name


def _show(value: Any) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        return str(value)
    return json.dumps(json_ready(value))


def grid_scenarios(
    decision: str,
    grid: Mapping[str, Sequence[Any]],
    *,
    options: Mapping[str, Any] | None = None,
    params: SolveParams | None = None,
    source: str = "grid",
) -> tuple[Scenario, ...]:
    """One scenario per combination of the values listed for each path (the last path varies
    fastest), named ``field=value, ...`` by the paths' last fields (the whole path where two
    paths share one).

    >>> grid = {"options.value_weight": [0.1, 1], "params.seed": [1, 2]}
    >>> for s in grid_scenarios("placement", grid):
    ...     print(s.name)
    value_weight=0.1, seed=1
    value_weight=0.1, seed=2
    value_weight=1, seed=1
    value_weight=1, seed=2
    """
    problems = []
    for path, values in grid.items():
        if not isinstance(path, str):
            problems.append(Problem(source, f"must map paths (text) to lists, got key {path!r}"))
        elif not isinstance(values, list | tuple) or not values:
            problems.append(
                Problem(f"{source}.{path}", f"must be a non-empty list, got {values!r}")
            )
        elif len({json.dumps(json_ready(v), sort_keys=True) for v in values}) < len(values):
            problems.append(Problem(f"{source}.{path}", f"lists a value twice: {list(values)!r}"))
    if problems:
        raise BadInputError(problems)
    size = math.prod(len(v) for v in grid.values())
    if size > MAX_SCENARIOS:
        raise BadInputError(
            [Problem(source, f"makes {size:,} scenarios; at most {MAX_SCENARIOS:,} are allowed")]
        )
    paths = list(grid)
    shorts = []
    for p in paths:
        try:
            shorts.append(_short(p))
        except ValueError:
            shorts.append(p)
    labels = [s if shorts.count(s) == 1 else p for s, p in zip(shorts, paths, strict=True)]
    return tuple(
        Scenario(
            ", ".join(f"{lab}={_show(v)}" for lab, v in zip(labels, combo, strict=True)),
            decision,
            dict(zip(paths, combo, strict=True)),
            options or {},
            params or SolveParams(),
            source,
        )
        for combo in itertools.product(*grid.values())
    )


@dataclass(frozen=True)
class Grid:
    """A sweep read from a grid file (:func:`grid_from_data`): the decision, the scenarios, the
    sweep's own time limit (``None``: none beyond each scenario's) and the file it came from."""

    decision: str
    scenarios: tuple[Scenario, ...]
    time_limit_s: float | None = None
    file: str | None = None

    def check(self, network: ServiceNetwork) -> None:
        """Raise :class:`BadInputError`, located in the grid file, for every path that names
        nothing on ``network`` (see :func:`check_scenarios`)."""
        try:
            check_scenarios(network, self.scenarios)
        except BadInputError as e:
            raise BadInputError(e.problems, self.file) from None


def grid_from_data(data: Any, file: str | None = None) -> Grid:
    """The :class:`Grid` of a grid file's data (see the module docstring).

    Raises :class:`BadInputError` naming the file, the field, the value and what was expected
    for everything wrong with its shape, its options and parameters and its paths' syntax, all
    at once. Network paths are checked against a network by :meth:`Grid.check`.
    """
    from servopt.optimizer import DECISIONS

    def bad(problems: list[Problem]) -> BadInputError:
        return BadInputError(problems, file)

    if not isinstance(data, Mapping):
        raise bad([Problem("", f"must be a mapping of {', '.join(GRID_KEYS)}")])
    problems = [
        Problem(
            k, f"unknown field; expected one of {', '.join(GRID_KEYS)}{_suggest(str(k), GRID_KEYS)}"
        )
        for k in data
        if k not in GRID_KEYS
    ]
    decision = data.get("decision")
    if decision not in DECISIONS:
        problems.append(
            Problem(
                "decision",
                f"must be one of {', '.join(DECISIONS)}, got {decision!r}"
                + _suggest(str(decision), list(DECISIONS)),
            )
        )
        raise bad(problems)
    options_data = data.get("options") or {}
    try:
        options_from_data(DECISIONS[decision].options, options_data, "options")
    except BadInputError as e:
        problems += e.problems
    params_data = data.get("params") or {}
    params = SolveParams()
    if not isinstance(params_data, Mapping):
        problems.append(Problem("params", f"must be a mapping, got {params_data!r}"))
    else:
        names = [f.name for f in fields(SolveParams)]
        unknown = [k for k in params_data if k not in names]
        problems += [
            Problem(f"params.{k}", f"is not a field of SolveParams{_suggest(str(k), names)}")
            for k in unknown
        ]
        if not unknown:
            try:
                params = SolveParams(**params_data)
            except BadInputError as e:
                problems += [Problem(f"params.{p.path}", p.message) for p in e.problems]
    limit = data.get("time_limit_s")
    if limit is not None and (
        isinstance(limit, bool)
        or not isinstance(limit, int | float)
        or not math.isfinite(limit)
        or limit <= 0
    ):
        problems.append(
            Problem("time_limit_s", f"must be a positive number of seconds, got {limit!r}")
        )
    has_grid, has_list = data.get("grid") is not None, data.get("scenarios") is not None
    if has_grid == has_list:
        problems.append(
            Problem(
                "",
                "give either 'grid' (values per path) or 'scenarios' (a list), not "
                + ("both" if has_grid else "neither"),
            )
        )
    if problems:
        raise bad(problems)
    options = dict(options_data) if isinstance(options_data, Mapping) else {}
    scenarios: tuple[Scenario, ...]
    if has_grid:
        grid = data["grid"]
        if not isinstance(grid, Mapping) or not grid:
            raise bad([Problem("grid", f"must map paths to lists of values, got {grid!r}")])
        try:
            scenarios = grid_scenarios(decision, grid, options=options, params=params)
        except BadInputError as e:
            raise bad(list(e.problems)) from None
    else:
        scenarios = _listed(data["scenarios"], decision, options, params, problems)
    for s in scenarios[:1] if has_grid else scenarios:
        problems += change_problems(None, s)
    names = [s.name for s in scenarios]
    for k, name in enumerate(names):
        if name in names[:k]:
            problems.append(Problem(f"scenarios[{k}].name", f"{name!r} is used before"))
    if problems:
        raise bad(problems)
    return Grid(decision, scenarios, None if limit is None else float(limit), file)


def _listed(
    items: Any,
    decision: str,
    options: dict[str, Any],
    params: SolveParams,
    problems: list[Problem],
) -> tuple[Scenario, ...]:
    if not isinstance(items, list) or not items:
        problems.append(Problem("scenarios", f"must be a non-empty list, got {items!r}"))
        return ()
    out = []
    for k, item in enumerate(items):
        where = f"scenarios[{k}]"
        if not isinstance(item, Mapping):
            problems.append(
                Problem(where, f"must be a mapping with name and changes, got {item!r}")
            )
            continue
        problems += [
            Problem(f"{where}.{key}", "unknown field; expected name, changes")
            for key in item
            if key not in ("name", "changes")
        ]
        changes = item.get("changes") or {}
        if not isinstance(changes, Mapping):
            problems.append(
                Problem(f"{where}.changes", f"must map paths to values, got {changes!r}")
            )
            continue
        name = item.get("name", f"scenario-{k + 1}")
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(f"{where}.name", f"must be a non-empty text, got {name!r}"))
            continue
        try:
            out.append(Scenario(name, decision, changes, options, params, f"{where}.changes"))
        except BadInputError as e:
            problems += [Problem(f"{where}.{p.path}", p.message) for p in e.problems]
    return tuple(out)


def load_grid(path: str | Path) -> Grid:
    """The :class:`Grid` of the grid file at ``path`` (YAML or JSON), see :func:`grid_from_data`."""
    from servopt.models.io import read_data

    return grid_from_data(read_data(path), str(path))


# ------------------------------------------------------------------------------------ rows
@dataclass(frozen=True)
class SweepRow(Kpis):
    """One scenario's line of the table.

    ``parameters``: its changes (path -> value); ``status``: the solve's
    (:class:`~servopt.optimizer.result.Status` value), ``bad_input`` (a change refused) or
    ``skipped`` (no time left in the sweep); ``cost``, ``value`` and ``objective`` (the
    optimised one: cost, value or cost + W x value) of its plan, in the table's units, ``None``
    without a plan; ``gap``: the proven relative gap, where there is one; ``time_limit_s`` and
    ``seed``: what the solve was given; ``runtime_s``: the scenario's wall time in its worker;
    ``error``: why there is no plan (the solve's diagnostics, or the error).
    """

    scenario: str
    parameters: Mapping[str, Any]
    status: str
    cost: float | None = None
    value: float | None = None
    objective: float | None = None
    gap: float | None = None
    runtime_s: float = 0.0
    time_limit_s: float | None = None
    seed: int | None = None
    error: str = ""

    @property
    def has_plan(self) -> bool:
        """Whether the scenario's solve returned a plan."""
        return self.status in ("optimal", "feasible")

    def figures(self) -> dict[str, Any]:
        """The row without its wall time: what must be equal on every backend."""
        data = self.to_dict()
        data.pop("runtime_s")
        return data


def _row(
    scenario: Scenario,
    status: str,
    started: float,
    *,
    params: SolveParams | None = None,
    error: str = "",
    result: Result | None = None,
    options: Any = None,
    noise: Sequence[str] = (),
) -> SweepRow:
    figures: dict[str, Any] = {}
    if result is not None and result.status.has_plan:
        key = options.objective.value if options is not None else "cost"
        figures = {
            "cost": float(result.objective["cost"]),
            "value": float(result.objective["value"]),
            "objective": float(result.objective.get(key, result.objective["cost"])),
            "gap": result.gap,
        }
    elif result is not None:
        error = " | ".join(d for d in result.diagnostics if d not in noise) or error
    return SweepRow(
        scenario.name,
        dict(scenario.changes),
        status,
        runtime_s=time.perf_counter() - started,
        time_limit_s=None if params is None else params.time_limit_s,
        seed=None if params is None else params.seed,
        error=error,
        **figures,
    )


def _error_text(e: BaseException) -> str:
    """The exception's type and message, and where it was raised (file and line)."""
    text = f"{type(e).__name__}: {e}"
    frames = traceback.extract_tb(e.__traceback__)
    if frames:
        text += f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})"
    return text


@dataclass(frozen=True)
class Outcome:
    """What a scenario's task sends back: its ``row``, its :class:`Result` when kept, and the
    ``units`` of its figures (``None`` when no solve ran)."""

    row: SweepRow
    result: Result | None = None
    units: Units | None = None


def run_scenario(
    network: ServiceNetwork,
    scenario: Scenario,
    deadline: float | None = None,
    keep_result: bool = True,
) -> Outcome:
    """Solve one scenario through its decision's ``solve``: the task every backend runs.

    Everything it needs is in its arguments (the network, the scenario with its options and
    its seed, the sweep's deadline as :func:`time.time` seconds, ``None`` for none), so it
    gives the same row in any process. It never raises for the scenario's sake: a change
    refused is a ``bad_input`` row, an exception an ``error`` row naming its type and place,
    a deadline already passed a ``skipped`` row.

    Returns the row, the units and, when ``keep_result``, the solve's :class:`Result`.
    """
    from servopt.optimizer import DECISIONS
    from servopt.optimizer.decision import unused_inputs

    started = time.perf_counter()
    params: SolveParams | None = None
    try:
        params = scenario.solve_params()  # first: a row that fails later still shows them
        net, options, params = scenario.resolve(network)
        if deadline is not None:
            left = deadline - time.time()
            if left < MIN_SECONDS:
                return Outcome(
                    _row(
                        scenario,
                        SKIPPED,
                        started,
                        error="the sweep's time limit ended before this scenario started",
                    )
                )
            if left < params.time_limit_s:
                params = replace(params, time_limit_s=left)
        d = DECISIONS[scenario.decision]
        result = d.solve(net, options, params)
    except BadInputError as e:
        return Outcome(_row(scenario, BAD_INPUT, started, params=params, error=str(e)))
    except InfeasibleError as e:
        return Outcome(_row(scenario, "infeasible", started, params=params, error=str(e)))
    except Exception as e:
        log.debug("scenario %r failed", scenario.name, exc_info=True)
        return Outcome(_row(scenario, "error", started, params=params, error=_error_text(e)))
    noise = unused_inputs(net, d.name, d.reads)
    row = _row(
        scenario,
        result.status.value,
        started,
        params=params,
        result=result,
        options=options,
        noise=noise,
    )
    return Outcome(row, result if keep_result else None, result.units)


# ----------------------------------------------------------------------------------- table
@dataclass(frozen=True)
class SweepTable:
    """The table of a sweep: one :class:`SweepRow` per scenario, in the scenarios' order.

    ``units``: of every money figure (the network's currency per the decision's period);
    ``backend`` and ``workers``: where it ran; ``runtime_s``: the sweep's wall time;
    ``results``: each scenario's :class:`Result` (``None`` without one), when kept.
    """

    decision: str
    backend: str
    workers: int
    units: Units | None
    rows: tuple[SweepRow, ...]
    runtime_s: float
    results: tuple[Result | None, ...] = ()

    @property
    def parameters(self) -> list[str]:
        """Every path changed in some scenario, in the order they first appear."""
        return list(dict.fromkeys(p for r in self.rows for p in r.parameters))

    def figures(self) -> list[dict[str, Any]]:
        """Every row without its wall time (:meth:`SweepRow.figures`): what must be the same
        on every backend."""
        return [r.figures() for r in self.rows]

    def row(self, scenario: str) -> SweepRow:
        """The row of the scenario named ``scenario`` (``KeyError``: none)."""
        for r in self.rows:
            if r.scenario == scenario:
                return r
        raise KeyError(scenario)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: decision, units, backend, workers, runtime, the parameters'
        paths and the rows (non-finite figures as ``null``)."""
        return json_ready(
            {
                "decision": self.decision,
                "units": None if self.units is None else self.units.to_dict(),
                "backend": self.backend,
                "workers": self.workers,
                "runtime_s": self.runtime_s,
                "parameters": self.parameters,
                "rows": [r.to_dict() for r in self.rows],
            }
        )

    def to_csv(self) -> str:
        """The table as CSV: one column per changed path between the scenario's name and its
        figures; empty cells where a figure does not exist."""
        paths = self.parameters
        head = [f.name for f in fields(SweepRow) if f.name not in ("scenario", "parameters")]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["scenario", *paths, *head])
        for r in self.rows:
            data = r.to_dict()
            cells = [_show(r.parameters[p]) if p in r.parameters else "" for p in paths]
            w.writerow([r.scenario, *cells, *("" if data[h] is None else data[h] for h in head)])
        return buf.getvalue()

    def summary(self) -> str:
        """The table a planner reads: one line per scenario (name, status, cost, value,
        objective, gap, seconds), then the errors, then the counts by status."""
        u = self.units
        money = f" ({u.currency}/{u.period})" if u else ""
        width = max([8, *(len(r.scenario) for r in self.rows)])
        lines = [
            f"sweep of {self.decision}: {len(self.rows)} scenarios, {self.backend} "
            f"({self.workers} worker{'s' if self.workers != 1 else ''}), {self.runtime_s:.1f} s",
            f"{'scenario':<{width}}  {'status':<11} {'cost' + money:>22} {'value' + money:>22} "
            f"{'objective':>16} {'gap':>8} {'time s':>7}",
        ]

        def num(v: float | None, spec: str) -> str:
            return "-" if v is None else format(v, spec)

        for r in self.rows:
            lines.append(
                f"{r.scenario:<{width}}  {r.status:<11} {num(r.cost, ',.2f'):>22} "
                f"{num(r.value, ',.2f'):>22} {num(r.objective, ',.2f'):>16} "
                f"{num(r.gap, '.2%'):>8} {r.runtime_s:>7.1f}"
            )
        lines += [f"{r.scenario}: {r.status}: {r.error}" for r in self.rows if r.error]
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
        return "\n".join(lines)


# --------------------------------------------------------------------------------- backends
#: What :func:`sweep` calls as each scenario finishes: the row, how many are done, of how many.
Progress = Callable[[SweepRow, int, int], None]


def _failed(scenario: Scenario, e: BaseException, started: float) -> Outcome:
    """The outcome of a scenario whose task did not come back (its worker died, say)."""
    return Outcome(
        _row(
            scenario,
            "error",
            started,
            params=scenario.params,
            error=f"the task did not come back: {_error_text(e)}",
        )
    )


def _serial(
    network: ServiceNetwork, scenarios: Sequence[Scenario], deadline: float | None, keep: bool
) -> Iterator[tuple[int, Outcome]]:
    for i, s in enumerate(scenarios):
        yield i, run_scenario(network, s, deadline, keep)


def _pool_task(
    network: ServiceNetwork, scenario: Scenario, deadline: float | None, keep: bool
) -> Outcome:
    """:func:`run_scenario` in a pool's worker process. A SIGTERM (the command line stopping
    its workers) or a SIGINT (Ctrl-C reaches the whole process group) during a solve unwinds
    it (the MILP adapter stops its solver and removes its folder), and then the worker ends
    at once instead of taking the next scenario from its queue."""
    import os

    try:
        return run_scenario(network, scenario, deadline, keep)
    except SystemExit as e:
        os._exit(e.code if isinstance(e.code, int) else 1)
    except KeyboardInterrupt:
        os._exit(130)


@contextlib.contextmanager
def _processes(workers: int) -> Iterator[Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn: a fresh interpreter per worker, the same on every platform; fork would copy this
    # process's threads' locks (a solver's, a Dask client's) in whatever state they are in.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _gathered(
    futures: Mapping[Any, int],
    as_completed: Callable[[Any], Any],
    scenarios: Sequence[Scenario],
    started: float,
) -> Iterator[tuple[int, Outcome]]:
    """Each future's scenario index and outcome as it completes (a pool's or Dask's
    ``as_completed``); a task that did not come back (its worker died: BrokenProcessPool,
    KilledWorker; its arguments could not be sent) is an ``error`` row."""
    for f in as_completed(futures):
        i = futures[f]
        try:
            yield i, f.result()
        except Exception as e:
            yield i, _failed(scenarios[i], e, started)


def _in_pool(
    pool: Any,
    network: ServiceNetwork,
    scenarios: Sequence[Scenario],
    deadline: float | None,
    keep: bool,
) -> Iterator[tuple[int, Outcome]]:
    from concurrent.futures import as_completed

    started = time.perf_counter()
    futures = {
        pool.submit(_pool_task, network, s, deadline, keep): i for i, s in enumerate(scenarios)
    }
    yield from _gathered(futures, as_completed, scenarios, started)


def _kill_processes_mentioning(folder: str) -> None:
    """SIGKILL every process whose command line mentions ``folder`` (a solver binary reading
    its model there, left running by a worker that was stopped). Reads ``/proc``; where there
    is none it does nothing."""
    import signal

    from servopt.optimizer.solvers.processes import signal_processes

    needle = folder.encode()
    signal_processes("cmdline", lambda cmdline: needle in cmdline, signal.SIGKILL)


@contextlib.contextmanager
def _dask_client(scheduler: Any, workers: int) -> Iterator[Any]:
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError as e:
        raise SolverUnavailableError(
            "the dask backend needs dask.distributed, the optional 'dask' extra: "
            f"pip install 'servopt[dask]' ({e})"
        ) from None
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            # The workers' temporary files (a solver's folder, Dask's scratch space) go into a
            # folder of ours, removed after the cluster has closed: a worker stopped during a
            # solve (its task runs in a thread, where no finally block of the solve will run)
            # leaves nothing behind.
            scratch = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="servopt-dask-", ignore_cleanup_errors=True)
            )
            stack.callback(_kill_processes_mentioning, scratch)  # a solver left running
            # The workers' sampling profiler takes the GIL every 10 ms from the solve's
            # Python (model building, pricing); there is no dashboard to show its profiles.
            stack.enter_context(
                dask.config.set(
                    {"temporary-directory": scratch, "distributed.worker.profile.enabled": False}
                )
            )
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    local_directory=scratch,
                    env={"TMPDIR": scratch},
                    # No dashboard; the scheduler's small HTTP server (health, metrics) on a
                    # free port of this machine only, rather than 8787 on every interface.
                    dashboard_address="127.0.0.1:0",
                    scheduler_kwargs={"dashboard": False},
                )
            )
            yield stack.enter_context(Client(cluster))
        elif isinstance(scheduler, str):
            yield stack.enter_context(Client(scheduler))
        else:
            yield scheduler  # a Client the caller owns and closes


def _on_dask(
    client: Any,
    network: ServiceNetwork,
    scenarios: Sequence[Scenario],
    deadline: float | None,
    keep: bool,
) -> Iterator[tuple[int, Outcome]]:
    from dask.distributed import as_completed

    started = time.perf_counter()
    # One copy of the network on every worker; each task names it by its key.
    net = client.scatter(network, broadcast=True, hash=True)
    futures = {
        client.submit(run_scenario, net, s, deadline, keep, pure=True): i
        for i, s in enumerate(scenarios)
    }
    try:
        yield from _gathered(futures, as_completed, scenarios, started)
    finally:  # stopped early (an interrupt): the scenarios not done yet are dropped
        left = [f for f in futures if not f.done()]
        if left:
            client.cancel(left)


def _workers(backend: Backend, workers: int | None, n: int) -> int:
    import os

    if backend is Backend.SERIAL:
        return 1
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise BadInputError(
                [Problem("workers", f"must be a whole number >= 1, got {workers!r}")]
            )
        return min(workers, max(1, n))
    return max(1, min(os.cpu_count() or 1, n))


def sweep(
    network: ServiceNetwork,
    scenarios: Sequence[Scenario],
    *,
    backend: Backend | str = Backend.PROCESSES,
    workers: int | None = None,
    scheduler: Any = None,
    time_limit_s: float | None = None,
    keep_results: bool = True,
    progress: Progress | None = None,
) -> SweepTable:
    """Solve every scenario on ``network`` and return the table (module docstring).

    Parameters
    ----------
    network
        The base network every scenario changes.
    scenarios
        The scenarios, unique by name (:func:`grid_scenarios`, :func:`load_grid`).
    backend
        ``serial``, ``processes`` (default: local processes, started with ``spawn``, so a
        script that calls this needs the ``if __name__ == "__main__":`` guard) or ``dask``.
    workers
        Processes (``processes``) or ``LocalCluster`` workers (``dask`` without
        ``scheduler``); default: this machine's cores; never more than the scenarios. On a
        cluster the caller names (``scheduler``) it is not used: the table reports the
        cluster's workers.
    scheduler
        ``dask`` only: a scheduler's address (``tcp://host:8786``) or a
        ``dask.distributed.Client`` the caller owns; ``None``: a ``LocalCluster`` of
        ``workers`` single-threaded processes, closed at the end. servopt must be installed
        on the cluster's workers.
    time_limit_s
        The whole sweep's limit (see the module docstring); ``None``: each scenario's own.
        Measured with :func:`time.time`, so a cluster's clocks must agree.
    keep_results
        Keep each scenario's :class:`Result` (plans included) in ``SweepTable.results``.
    progress
        Called in this process as each scenario finishes (see :data:`Progress`).

    Raises
    ------
    BadInputError
        A scenario's name used twice, a decision, option, parameter or network path that does
        not exist, or a bad ``workers``/``time_limit_s``/``backend`` (before anything runs).
    SolverUnavailableError
        ``dask`` without ``dask.distributed`` installed.
    """
    started = time.perf_counter()
    try:
        backend = Backend(backend)
    except ValueError:
        raise BadInputError(
            [Problem("backend", f"must be one of {', '.join(Backend)}, got {backend!r}")]
        ) from None
    if scheduler is not None and backend is not Backend.DASK:
        raise BadInputError([Problem("scheduler", f"is for the dask backend, not {backend.value}")])
    if time_limit_s is not None and not (
        isinstance(time_limit_s, int | float) and math.isfinite(time_limit_s) and time_limit_s > 0
    ):
        raise BadInputError(
            [Problem("time_limit_s", f"must be a positive number of seconds, got {time_limit_s!r}")]
        )
    check_scenarios(network, scenarios)
    n = _workers(backend, workers, len(scenarios))
    deadline = None if time_limit_s is None else time.time() + time_limit_s
    done: dict[int, Outcome] = {}
    with contextlib.ExitStack() as stack:
        if not scenarios:
            runs: Iterator[tuple[int, Outcome]] = iter(())
        elif backend is Backend.SERIAL:
            runs = _serial(network, scenarios, deadline, keep_results)
        elif backend is Backend.PROCESSES:
            pool = stack.enter_context(_processes(n))
            runs = _in_pool(pool, network, scenarios, deadline, keep_results)
        else:
            client = stack.enter_context(_dask_client(scheduler, n))
            if scheduler is not None:  # a cluster of the caller's: as many workers as it has
                n = len(client.nthreads())
            runs = _on_dask(client, network, scenarios, deadline, keep_results)
        for i, got in runs:
            done[i] = got
            if progress is not None:
                progress(got.row, len(done), len(scenarios))
    outcomes = [done[i] for i in range(len(scenarios))]
    results = tuple(o.result for o in outcomes) if keep_results else ()
    units = next((o.units for o in outcomes if o.units is not None), None)
    return SweepTable(
        scenarios[0].decision if scenarios else "",
        backend.value,
        n,
        units or (Units.of(network) if scenarios else None),
        tuple(o.row for o in outcomes),
        time.perf_counter() - started,
        results,
    )
