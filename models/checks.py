"""Whole-network checks: references, duplicate ids, coverage. Every problem, not just the first.

Each check names the place at fault (``sites[12].segment``) and says what was expected, in the
words of the domain. Field-level rules (signs, finiteness) are in :mod:`servopt.models.entities`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

from servopt.models.entities import COLLECTIONS, NODE_COLLECTIONS
from servopt.models.errors import Problem

if TYPE_CHECKING:
    from servopt.models.entities import Journey, Segment
    from servopt.models.network import ServiceNetwork

_PROB_TOL = 1e-9


def _ids(items: Iterable[Any]) -> set[str]:
    return {i.id for i in items}


def check_network(
    net: ServiceNetwork, extra_ids: Mapping[str, set[str]] | None = None
) -> list[Problem]:
    """Every whole-network problem of ``net``.

    ``extra_ids`` adds ids per collection that exist in the input but whose item failed
    field-level validation, so that a reference to them is not reported a second time; a
    collection named there (even with no readable id) counts as incomplete, and coverage checks
    over it are skipped.
    """
    extra = extra_ids or {}
    known = {c: _ids(getattr(net, c)) | set(extra.get(c, ())) for c in COLLECTIONS}
    out: list[Problem] = []
    add = out.append

    # Duplicate ids within a collection, then across node collections.
    owner: dict[str, str] = {}
    for coll in COLLECTIONS:
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(net, coll)):
            if item.id in seen:
                add(
                    Problem(
                        f"{coll}[{i}].id",
                        f"duplicate id {item.id!r} (first used by {coll}[{seen[item.id]}])",
                    )
                )
                continue
            seen[item.id] = i
            if coll in NODE_COLLECTIONS:
                if item.id in owner and owner[item.id] != coll:
                    add(
                        Problem(
                            f"{coll}[{i}].id",
                            f"id {item.id!r} is also used by {owner[item.id]}; ids of "
                            f"{', '.join(NODE_COLLECTIONS)} must be unique across them",
                        )
                    )
                owner.setdefault(item.id, coll)

    # Collections with items that failed field validation: coverage checks over them would
    # report what the field errors already explain.
    incomplete = set(extra)
    if not incomplete and not any(
        getattr(net, c) for c in ("depots", "sites", "pools", "channels", "journeys")
    ):
        add(
            Problem(
                "",
                "the network is empty: it has no depots, sites, staff pools, channels or journeys",
            )
        )

    def ref(path: str, value: str | None, coll: str, what: str | None = None) -> None:
        if value is not None and value not in known[coll]:
            add(
                Problem(
                    path,
                    f"unknown {what or coll[:-1].replace('_', ' ')} {value!r}"
                    f"{_hint(value, known[coll])}",
                )
            )

    for i, seg in enumerate(net.segments):
        if not seg.channels:
            add(
                Problem(
                    f"segments[{i}].channels",
                    f"segment {seg.id!r} has no accessible channel; list at least one "
                    "channel its customers can use",
                )
            )
        for j, ch in enumerate(seg.channels):
            ref(f"segments[{i}].channels[{j}]", ch, "channels")
        for ch in seg.channel_preference:
            if ch not in seg.channels:
                add(
                    Problem(
                        f"segments[{i}].channel_preference.{ch}",
                        f"preference for channel {ch!r}, which segment {seg.id!r} cannot "
                        f"access (its channels: {', '.join(seg.channels) or 'none'})",
                    )
                )

    lengths = {len(seg.arrival_profile) for seg in net.segments if seg.arrival_profile}
    if len(lengths) > 1:
        add(
            Problem(
                "segments",
                f"arrival profiles have different lengths {sorted(lengths)}; "
                "every profile covers the same staffing intervals",
            )
        )
    for i, seg in enumerate(net.segments):
        if seg.arrival_profile and sum(seg.arrival_profile) <= 0 and seg.demand_per_day > 0:
            add(
                Problem(
                    f"segments[{i}].arrival_profile", "all weights are 0 but the segment has demand"
                )
            )

    for i, site in enumerate(net.sites):
        ref(f"sites[{i}].segment", site.segment, "segments")
        for jt in site.job_rates:
            ref(f"sites[{i}].job_rates.{jt}", jt, "job_types", "job type")
        for pf in site.parts_demand:
            ref(f"sites[{i}].parts_demand.{pf}", pf, "part_families", "part family")

    for i, dep in enumerate(net.depots):
        for pf in dep.display_stock:
            ref(f"depots[{i}].display_stock.{pf}", pf, "part_families", "part family")

    for i, lane in enumerate(net.supply_lanes):
        ref(f"supply_lanes[{i}].origin", lane.origin, "depots")
        if lane.destination not in known["depots"] and lane.destination not in known["sites"]:
            add(
                Problem(
                    f"supply_lanes[{i}].destination", f"unknown depot or site {lane.destination!r}"
                )
            )
        for j, pf in enumerate(lane.part_families):
            ref(f"supply_lanes[{i}].part_families[{j}]", pf, "part_families", "part family")

    for i, pool in enumerate(net.pools):
        ref(f"pools[{i}].home_depot", pool.home_depot, "depots")
        for sk in pool.skills:
            ref(f"pools[{i}].skills.{sk}", sk, "skills")
        for j, ch in enumerate(pool.channels):
            ref(f"pools[{i}].channels[{j}]", ch, "channels")
    people: dict[str, str] = {}
    for i, pool in enumerate(net.pools):
        for j, m in enumerate(pool.members):
            where = f"pools[{i}].members[{j}]"
            if m.id in people:
                add(
                    Problem(
                        f"{where}.id", f"duplicate person id {m.id!r} (first at {people[m.id]})"
                    )
                )
            people.setdefault(m.id, where)
            for sk in m.skills or {}:
                ref(f"{where}.skills.{sk}", sk, "skills")

    best: dict[str, float] = defaultdict(float)
    for pool in net.pools:
        if pool.headcount > 0:
            for sk, prof in pool.skills.items():
                best[sk] = max(best[sk], prof)
    for i, jtype in enumerate(net.job_types):
        ref(f"job_types[{i}].skill", jtype.skill, "skills")
        for pf in jtype.parts:
            ref(f"job_types[{i}].parts.{pf}", pf, "part_families", "part family")
        if sum(jtype.parts.values()) > 1.0 + 1e-9:
            add(
                Problem(
                    f"job_types[{i}].parts",
                    f"shares add up to {sum(jtype.parts.values()):g}; a job needs at most one "
                    "part, so they must add up to at most 1",
                )
            )
        covered = best[jtype.skill] >= max(jtype.min_proficiency, 1e-12)
        if jtype.skill in known["skills"] and not covered and "pools" not in incomplete:
            if best[jtype.skill] == 0.0:
                msg = f"job type {jtype.id!r} needs skill {jtype.skill!r}, which no staff pool has"
            else:
                msg = (
                    f"job type {jtype.id!r} needs skill {jtype.skill!r} at proficiency >= "
                    f"{jtype.min_proficiency}, but the best anyone has is {best[jtype.skill]}"
                )
            add(Problem(f"job_types[{i}].skill", msg))

    for i, job in enumerate(net.jobs):
        ref(f"jobs[{i}].site", job.site, "sites")
        ref(f"jobs[{i}].job_type", job.job_type, "job_types", "job type")

    resources = known["pools"] | known["channels"]
    for i, jr in enumerate(net.journeys):
        out.extend(journey_problems(f"journeys[{i}]", jr, resources, segments=net.segments))
        ref(f"journeys[{i}].segment", jr.segment, "segments")
        ref(f"journeys[{i}].channel", jr.channel, "channels")

    for i, arc in enumerate(net.arcs):
        ref(f"arcs[{i}].depot", arc.depot, "depots")
        ref(f"arcs[{i}].site", arc.site, "sites")
    return out


def journey_problems(
    path: str, jr: Any, resources: set[str], *, segments: Sequence[Segment] | None = None
) -> list[Problem]:
    """Every problem of journey ``jr`` (at ``path``): steps, transitions, reachability, loops
    that can never be left; with the network's ``segments``, also what the demand entering the
    journey (:func:`journey_segments`) needs: a resource for every step that takes time."""
    out: list[Problem] = []
    step_ids: dict[str, int] = {}
    for j, st in enumerate(jr.steps):
        if st.id in step_ids:
            out.append(Problem(f"{path}.steps[{j}].id", f"duplicate step id {st.id!r}"))
        step_ids.setdefault(st.id, j)
        if st.resource is not None and st.resource not in resources:
            out.append(
                Problem(
                    f"{path}.steps[{j}].resource",
                    f"unknown staff pool or channel {st.resource!r}{_hint(st.resource, resources)}",
                )
            )
    if not jr.steps:
        out.append(Problem(f"{path}.steps", f"journey {jr.id!r} has no steps"))
        return out
    if jr.start not in step_ids:
        out.append(Problem(f"{path}.start", f"unknown step {jr.start!r}"))
    total: dict[str, float] = defaultdict(float)
    for j, tr in enumerate(jr.transitions):
        for end in ("source", "target"):
            if getattr(tr, end) not in step_ids:
                out.append(
                    Problem(f"{path}.transitions[{j}].{end}", f"unknown step {getattr(tr, end)!r}")
                )
        total[tr.source] += tr.probability
    for sid, p in total.items():
        if p > 1 + _PROB_TOL:
            out.append(
                Problem(
                    f"{path}.steps[{step_ids.get(sid, 0)}]",
                    f"transition probabilities out of step {sid!r} sum to {p:g}; "
                    "they must sum to at most 1 (the rest ends the journey)",
                )
            )
    if jr.start in step_ids:
        g = nx.DiGraph()
        g.add_nodes_from(step_ids)
        g.add_edges_from(
            (t.source, t.target)
            for t in jr.transitions
            if t.source in step_ids and t.target in step_ids
        )
        reach = nx.descendants(g, jr.start) | {jr.start}
        for sid, j in step_ids.items():
            if sid not in reach:
                out.append(
                    Problem(
                        f"{path}.steps[{j}]",
                        f"step {sid!r} cannot be reached from start {jr.start!r}",
                    )
                )
    out.extend(closed_loop_problems(path, jr))
    if segments is not None:
        demand = sum(s.demand_per_day for s in journey_segments(segments, jr))
        for j, st in enumerate(jr.steps):
            if demand > 0 and st.resource is None and st.service_min > 0:
                out.append(
                    Problem(
                        f"{path}.steps[{j}].resource",
                        f"step {st.id!r} takes time but no staff pool or channel serves it, so "
                        f"the queue of the {demand:g} cases a day that enter the journey cannot "
                        "be computed; name the pool or channel that does it",
                    )
                )
    return out


def journey_segments(segments: Iterable[Segment], journey: Journey) -> tuple[Segment, ...]:
    """The segments whose demand enters ``journey``: its ``segment``; without one, every
    segment that can use its ``channel``; with neither, none (nothing ties it to demand)."""
    if journey.segment is not None:
        return tuple(s for s in segments if s.id == journey.segment)
    if journey.channel is not None:
        return tuple(s for s in segments if journey.channel in s.channels)
    return ()


def closed_loops(
    journey: Any, probs: Mapping[tuple[str, str], float] | None = None
) -> list[tuple[str, ...]]:
    """The loops of ``journey`` a case can never leave, each as its step ids in step order.

    The journey is an absorbing Markov chain: a case at step i fails with its
    ``failure_prob``, else moves along the transitions and ends with the rest. A loop (a
    strongly connected set of steps with a cycle) with no transition out of it, no failure and
    no end is a closed class: a case that enters it never finishes (and the fundamental matrix
    does not exist). ``probs`` overrides transition probabilities by (source, target).
    """
    ids = [s.id for s in journey.steps]
    known = set(ids)
    stay = {s.id: 1.0 - s.failure_prob for s in journey.steps}
    out_p: dict[str, float] = defaultdict(float)
    g = nx.DiGraph()
    g.add_nodes_from(ids)
    for t in journey.transitions:
        p = probs.get((t.source, t.target), t.probability) if probs else t.probability
        if t.source in known and t.target in known and p * stay[t.source] > 0:
            g.add_edge(t.source, t.target)
            out_p[t.source] += p
    found = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) == 1 and not any(g.has_edge(i, i) for i in comp):
            continue  # a single step without a self-loop is no loop
        if any(j not in comp for i in comp for j in g.successors(i)):
            continue
        ends = sum(1.0 - stay[i] * min(out_p[i], 1.0) for i in comp)
        if ends <= 1e-12:
            found.append(tuple(i for i in ids if i in comp))
    return sorted(found, key=lambda loop: ids.index(loop[0]))


def closed_loop_problems(
    path: str, journey: Any, probs: Mapping[tuple[str, str], float] | None = None
) -> list[Problem]:
    """One problem per loop of ``journey`` that can never be left (:func:`closed_loops`)."""
    return [
        Problem(
            f"{path}.transitions",
            f"steps {', '.join(map(repr, loop))} form a loop that can never be left (they "
            "form a loop left with probability 0): a case that enters it never ends; give "
            "one of them a transition out, an end (outgoing probabilities below 1) or a "
            "failure probability",
        )
        for loop in closed_loops(journey, probs)
    ]


def _hint(value: str, known: set[str]) -> str:
    if not known:
        return " (none are defined)"
    import difflib

    close = difflib.get_close_matches(value, sorted(known), n=1) if len(known) < 5000 else []
    return f" (did you mean {close[0]!r}?)" if close else ""
