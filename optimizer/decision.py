"""The contract every decision keeps, and the registry entry that lets generic code call any.

A *decision* (placement, dispatch, staffing) is a module with

- ``solve(network, options=None, params=None, *, plan=None) -> Result``: the best plan for
  ``network`` under ``options`` (the decision's :class:`~servopt.optimizer.params.ObjectiveOptions`
  subclass) within ``params`` (time limit, seed); ``plan`` holds changes to solve under (a
  redesign's head counts, skills, channels), applied by the decision itself;
- ``evaluate(network, plan, options=None) -> Result``: the same figures for any plan (a solver's,
  a hand-written one, a proposal), with the plan's own changes applied by the decision itself;
- ``check(network, result) -> list[str]``: an independent recomputation (a different code path
  from the solver and the evaluator) of the result's feasibility and of its ``cost`` and
  ``value``; empty when they hold.

:class:`Decision` bundles them with what a generic caller needs to know: the options class, which
caps (``max_cost``, ``max_value``) the method holds as constraints, and which input fields it
reads (so a field set in a file that the decision ignores is warned about, never silently
dropped). ``servopt.optimizer.DECISIONS`` maps each name to its :class:`Decision`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from servopt.models.entities import COLLECTIONS
from servopt.models.errors import BadInputError, Problem
from servopt.models.network import ServiceNetwork
from servopt.optimizer.params import CAPS, ObjectiveOptions
from servopt.optimizer.result import Result

#: Fields that name or describe an item, or the unit of its figures, and never feed a model.
DESCRIPTIVE = frozenset(
    {"id", "name", "description", "notes", "kind", "schema_version", "currency", "period"}
)

#: What each decision built so far reads (filled by :class:`Decision`): a field another decision
#: reads is that decision's input, not one silently dropped.
_READS: dict[str, frozenset[str]] = {}

#: What the layer over the decisions reads beyond them: the sample days of the joint plan and
#: of the roster (:func:`servopt.models.generate.sample_days`: job rates, on-site SLAs) and
#: training (:mod:`servopt.optimizer.joint`).
_READS["sample days and training"] = frozenset(
    {
        "sites.job_rates",
        "segments.sla_onsite_h",
        "skills.training_cost",
        "skills.training_days",
        "skills.trained_proficiency",
    }
)


@dataclass(frozen=True)
class Decision:
    """One decision as generic code sees it.

    Parameters
    ----------
    name
        The registry key and the CLI word (``servopt solve NAME``).
    title
        One line saying what it decides.
    options
        Its options class (derives from :class:`~servopt.optimizer.params.ObjectiveOptions`).
    solve, evaluate, check
        See the module docstring.
    caps
        The caps of :data:`~servopt.optimizer.params.CAPS` its method holds as constraints;
        :meth:`refuse_caps` refuses the others.
    reads
        The input fields it uses, as ``collection.field`` (``segments.downtime_cost_per_h``)
        or ``network.field``; see :func:`unused_inputs`.
    """

    name: str
    title: str
    options: type[ObjectiveOptions]
    solve: Callable[..., Result]
    evaluate: Callable[..., Result]
    check: Callable[[ServiceNetwork, Result], list[str]]
    caps: frozenset[str]
    reads: frozenset[str]

    def __post_init__(self) -> None:
        unknown = set(self.caps) - set(CAPS)
        if unknown:
            raise ValueError(f"unknown caps {sorted(unknown)}; expected a subset of {CAPS}")
        _READS[self.name] = self.reads

    def refuse_caps(self, options: ObjectiveOptions) -> None:
        """See :func:`refuse_caps`."""
        refuse_caps(self.name, self.caps, options)


def refuse_caps(decision: str, held: frozenset[str], options: ObjectiveOptions) -> None:
    """Raise :class:`BadInputError` for a cap set in ``options`` that ``decision``'s method
    cannot hold (``held``: those it can): a cap silently ignored would be a wrong answer.

    >>> from servopt.optimizer.params import ObjectiveOptions
    >>> refuse_caps("dispatch", frozenset(), ObjectiveOptions(max_cost=5.0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    servopt.models.errors.BadInputError: max_cost: dispatch cannot hold max_cost as a ...
    """
    wrong = [c for c in options.caps if c not in held]
    if wrong:
        names = ", ".join(sorted(held)) or "none"
        raise BadInputError(
            [
                Problem(
                    c,
                    f"{decision} cannot hold {c} as a constraint (its method holds: {names}); "
                    "use objective 'weighted' and vary value_weight instead",
                )
                for c in wrong
            ]
        )


def unused_inputs(network: ServiceNetwork, decision: str, reads: frozenset[str]) -> tuple[str, ...]:
    """One warning per collection with fields that ``network``'s file sets and neither
    ``decision`` nor any other decision reads.

    A field counts as set when the file gives it (pydantic's ``model_fields_set``), whatever its
    value; descriptive fields (:data:`DESCRIPTIVE`) and required ones (the schema's, every file
    has them) never count. A field another registered decision reads (a depot's fixed cost, to
    dispatch) is that decision's input, and a collection ``decision`` reads nothing from is
    skipped: a case file describes the whole network, and each decision takes its part.

    >>> from servopt.models import Channel, Segment, ServiceNetwork
    >>> net = ServiceNetwork(
    ...     name="n",
    ...     channels=[Channel(id="app", kind="app")],
    ...     segments=[Segment(id="s", channels=["app"], sla_response_h=4.0)],
    ... )
    >>> for w in unused_inputs(net, "dispatch", frozenset({"segments.downtime_cost_per_hour"})):
    ...     print(w)
    unused by dispatch and every other decision: segments.sla_response_h (set for 1 of 1 segments)
    """
    out: list[str] = []
    reads = reads.union(*(r for name, r in _READS.items() if name != decision))
    top = sorted(
        f for f in network.model_fields_set if f not in COLLECTIONS and f not in DESCRIPTIVE
    )
    out += [
        f"unused by {decision} and every other decision: network.{f}"
        for f in top
        if f"network.{f}" not in reads
    ]
    read_from = {r.split(".", 1)[0] for r in reads}
    for coll in COLLECTIONS:
        items = getattr(network, coll)
        if coll not in read_from or not items:
            continue
        counts: dict[str, int] = {}
        required = {n for n, f in type(items[0]).model_fields.items() if f.is_required()}
        for item in items:
            for f in getattr(item, "model_fields_set", ()):
                if f not in DESCRIPTIVE and f not in required and f"{coll}.{f}" not in reads:
                    counts[f] = counts.get(f, 0) + 1
        if counts:
            fields = ", ".join(
                f"{coll}.{f} (set for {n} of {len(items)} {coll})"
                for f, n in sorted(counts.items())
            )
            out.append(f"unused by {decision} and every other decision: {fields}")
    return tuple(out)
