"""One HTML file of an :class:`~servopt.optimizer.assess.Assessment`: the method's chain in
order, with its figures inline as SVG (matplotlib), no external reference to load (it works
offline and can be mailed), written whole.

Figures: the network map (depots, sites by segment, a sample day's routes of the recommended
plan), the cost-versus-value frontier with its knee and the proposal, the waits per segment
(mean and 90th percentile), each journey's graph with its moments of truth, and the year's
cost of each plan by component. Tables: current state, the moments of truth, the pre-mortem's
findings, the plans side by side and the KPIs to monitor with their targets.
"""

from __future__ import annotations

import html
import io
import math
import re
from typing import Any

from servopt.models.io import write_atomic
from servopt.optimizer.assess import Assessment

__all__ = ["render_html", "write_report"]

_SEGMENT_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, searchable
    matplotlib.rcParams["svg.hashsalt"] = "servopt"  # the same figure, the same ids
    import matplotlib.pyplot as plt

    return plt


def svg(fig: Any) -> str:
    """``fig`` as an inline ``<svg>`` element with nothing to fetch: no XML prolog, DOCTYPE,
    metadata or namespace URLs (an HTML5 parser knows SVG without them)."""
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    return text


def _money(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return f"{v:,.0f}"


def _num(v: float | None, unit: str = "") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if unit == "share":
        return f"{v:.1%}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:,.2f}"


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    h = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


# -- figures ---------------------------------------------------------------------------------


def network_map(a: Assessment) -> str:
    """Depots (filled: open under the recommended plan), sites by segment, and the first sample
    day's routes of the recommended plan where there is one."""
    plt = _plt()
    net = a.network
    fig, ax = plt.subplots(figsize=(8, 6))
    segs = [s.id for s in net.segments]
    for k, seg in enumerate(segs):
        xy = [s.location for s in net.sites if s.segment == seg]
        if xy:
            ax.scatter(
                [p[0] for p in xy],
                [p[1] for p in xy],
                s=10,
                color=_SEGMENT_COLOURS[k % len(_SEGMENT_COLOURS)],
                label=f"sites: {seg}",
                zorder=2,
            )
    open_ = set(a.recommended_plan.open_depot_ids(net))
    for d in net.depots:
        ax.scatter(
            [d.location[0]],
            [d.location[1]],
            marker="s",
            s=60,
            facecolors="black" if d.id in open_ else "white",
            edgecolors="black",
            zorder=4,
        )
    ax.scatter([], [], marker="s", color="black", label="depot, open (recommended)")
    ax.scatter([], [], marker="s", facecolors="white", edgecolors="black", label="depot, closed")
    routes = a.joint.routes.get("joint", ()) if a.joint else ()
    if a.joint is not None and routes and routes[0] and a.joint.days:
        staffed = a.recommended_plan.staffed(a.joint.days[0])
        jobs = staffed.index["jobs"]
        for r in routes[0]:
            home = staffed.pool(r.pool).home_depot
            stops = [home, *(jobs[j].site for j in r.jobs), home]
            pts = [staffed.location(s) for s in stops if s is not None]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "-", lw=0.6, color="grey", zorder=1)
        ax.plot([], [], "-", color="grey", label="routes of a sample day")
    ax.set_title(f"{net.name}: depots, sites by segment and a day's routes")
    ax.set_aspect("equal", adjustable="datalim")
    ax.legend(loc="upper left", fontsize=7, framealpha=0.8)
    ax.set_xlabel("km")
    fig.tight_layout()
    return svg(fig)


def frontier_chart(a: Assessment) -> str:
    """The frontier (:func:`~servopt.optimizer.frontier.frontier_figure`)."""
    from servopt.optimizer.frontier import frontier_figure

    assert a.frontier is not None
    return svg(frontier_figure(a.frontier))


def waits_charts(a: Assessment) -> list[str]:
    """Waits per segment, mean and 90th percentile, today / proposal / recommended: one chart
    for parts waits (placement, hours), one for contact waits (staffing, minutes), and one
    for each of the mean and 90th percentile of the visit over a simulated day (journeys)."""
    out = []
    for prefix, title in (
        ("parts wait, ", "parts waits per segment: mean and 90th percentile"),
        ("contact wait, ", "contact waits per segment: 90th percentile"),
        ("visit, ", "visit per segment over a simulated day: mean"),
        ("visit p90, ", "visit per segment over a simulated day: 90th percentile"),
    ):
        rows = [m for m in a.monitor if m.kpi.startswith(prefix)]
        if rows:
            out.append(_bars(rows, prefix, title))
    return out


def _bars(rows: list[Any], prefix: str, title: str) -> str:
    plt = _plt()
    labels = [m.kpi.replace(prefix, "") for m in rows]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.5))
    ys = range(len(rows))
    h = 0.27
    for k, (what, colour) in enumerate(
        (("today", "tab:grey"), ("proposal", "tab:red"), ("recommended", "tab:green"))
    ):
        vals = [getattr(m, what) for m in rows]
        if all(v is None for v in vals):
            continue
        top = max((v for v in vals if v is not None and math.isfinite(v)), default=1.0)
        finite = [v if v is not None and math.isfinite(v) else 0.0 for v in vals]
        ax.barh([y + (k - 1) * h for y in ys], finite, height=h, color=colour, label=what)
        for y, v in zip(ys, vals, strict=True):
            if v is not None and not math.isfinite(v):  # endless: say so, not a 0 bar
                ax.text(top, y + (k - 1) * h, " endless", va="center", fontsize=6, color=colour)
    for y, m in zip(ys, rows, strict=True):
        cap = re.search(r"<= ([\d.]+)", m.target)
        if cap:
            ax.plot([float(cap.group(1))] * 2, [y - 0.45, y + 0.45], color="black", lw=1)
    ax.set_yticks(list(ys), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(f"{rows[0].unit} (black tick: the segment's target)")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return svg(fig)


def journey_chart(a: Assessment, journey_id: str) -> str:
    """A journey's steps and transitions (probabilities on the edges), each step sized by its
    expected visits per case; the steps of its top three moments of truth in red."""
    import networkx as nx

    plt = _plt()
    jr = next(j for j in a.network.journeys if j.id == journey_id)
    fig_data = a.journeys[journey_id]
    g = nx.DiGraph()
    for st in jr.steps:
        g.add_node(st.id)
    for t in jr.transitions:
        g.add_edge(t.source, t.target, p=t.probability)
    top = set()
    for m in fig_data.moments_of_truth[:3]:
        top |= set(re.findall(r"'([^']+)'", str(m.get("change", ""))))
    try:
        pos = nx.kamada_kawai_layout(g)
    except Exception:  # a disconnected or degenerate graph
        pos = nx.spring_layout(g, seed=1)
    fig, ax = plt.subplots(figsize=(8, 5))
    visits = {s: fig_data.steps.get(s, {}).get("visits", 1.0) for s in g.nodes}
    nx.draw_networkx_nodes(
        g,
        pos,
        ax=ax,
        node_size=[300 + 300 * visits[s] for s in g.nodes],
        node_color=["tab:red" if s in top else "tab:blue" for s in g.nodes],
        alpha=0.8,
    )
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=7)
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=10, width=0.8)
    nx.draw_networkx_edge_labels(
        g,
        pos,
        ax=ax,
        edge_labels={(u, v): f"{d['p']:.0%}" for u, v, d in g.edges(data=True) if d["p"] < 1},
        font_size=6,
    )
    ax.set_title(f"journey {journey_id}: visits per case (size), moments of truth (red)")
    ax.axis("off")
    fig.tight_layout()
    return svg(fig)


def cost_chart(a: Assessment) -> str | None:
    """Each plan's year by cost component (the joint plan's pricing), stacked."""
    if a.joint is None:
        return None
    plt = _plt()
    figs = a.joint.figures
    names = list(figs)
    parts = [k for k in figs[names[0]].cost_parts if any(f.cost_parts[k] for f in figs.values())]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(names) + 2))
    left = [0.0] * len(names)
    cmap = plt.get_cmap("tab20")
    for k, part in enumerate(parts):
        vals = [figs[n].cost_parts[part] / 1e6 for n in names]
        ax.barh(names, vals, left=left, color=cmap(k % 20), label=part)
        left = [x + v for x, v in zip(left, vals, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel(f"million {a.network.currency or ''} a year")
    ax.set_title("the year's cost of each plan, by component")
    ax.legend(fontsize=6, ncol=3, loc="lower right")
    fig.tight_layout()
    return svg(fig)


# -- the page --------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0;font-size:.85em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.findings td{text-align:left}.hit{color:#b00;font-weight:bold}.ok{color:#070}.unknown{color:#777}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.85em;color:#555}
.note{font-size:.85em;color:#555}
"""


def render_html(a: Assessment) -> str:
    """The whole report as one HTML document (module docstring)."""
    net = a.network
    cur = net.currency or ""
    e = html.escape
    parts: list[str] = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>servopt assessment: {e(net.name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Assessment of {e(net.name)}</h1>",
        f"<p>{e(net.description or '')}</p>",
        f"<p class='note'>servopt assess, {a.seconds:.0f} s. Money in {e(cur)} "
        f"per {e(net.period or 'period')} unless said. Proposal: "
        f"{e(a.proposal.name) if a.proposal else 'none given'}. Recommended: "
        f"{e(a.recommended)}.</p>",
    ]
    # 1 current state
    d = a.description
    counts = d.get("counts", {})
    parts.append("<h2>1. Current state</h2>")
    parts.append(
        _table(
            ["what", "count"],
            [[e(k), _num(v)] for k, v in counts.items() if v],
        )
    )
    rows = []
    for name, r in a.today.items():
        rows.append(
            [
                e(name),
                _money(r.objective.get("cost")),
                _money(r.objective.get("value")),
                e(r.units.period if r.units else ""),
            ]
        )
    parts.append(
        "<p>Today's figures by each decision (the company's cost, the customers' cost):</p>"
        + _table(["decision", "cost", "customers' cost", "per"], rows)
    )
    parts.append(f"<figure>{network_map(a)}<figcaption>The network.</figcaption></figure>")
    # 2-3 process map and moments of truth
    if a.journeys:
        parts.append("<h2>2. Process map</h2>")
        rows = []
        for jid, f in a.journeys.items():
            g = a.journeys_proposal.get(jid)
            for label, get, unit in (
                ("first-contact resolution", lambda x: x.first_contact_resolution, "share"),
                ("departments touched", lambda x: x.departments, ""),
                ("hand-offs per case", lambda x: x.handoffs, ""),
                ("waiting share of lead time", lambda x: x.waiting_share, "share"),
                ("failure rate", lambda x: x.failure_rate, "share"),
                ("end to end, min", lambda x: x.end_to_end_min, ""),
            ):
                rows.append([e(jid), label, _num(get(f), unit), _num(get(g), unit) if g else "-"])
        parts.append(
            "<p>The seed-001 KPIs of each journey (definitions: the README's KPI table):</p>"
            + _table(["journey", "KPI", "today", "proposal"], rows)
        )
        for jid, f in a.journeys.items():
            parts.append(
                f"<h3>{e(jid)}</h3><p>End to end {_num(f.end_to_end_min)} min ({_num(f.wait_min)}"
                f" waiting), {_num(f.handoffs)} hand-offs between {f.departments} departments, "
                f"failure rate {_num(f.failure_rate, 'share')}, value-adding share "
                f"{_num(f.value_adding_share, 'share')}.</p>"
            )
            parts.append(f"<figure>{journey_chart(a, jid)}</figure>")
        parts.append("<h2>3. Moments of truth</h2>")
        for jid, f in a.journeys.items():
            rows = [
                [e(str(m.get("change", ""))), _num(m.get("minutes_saved"))]
                for m in f.moments_of_truth[:8]
            ]
            if rows:
                parts.append(
                    f"<h3>{e(jid)}</h3>"
                    + _table(["change", "minutes saved end to end per case"], rows)
                )
    # 4 frontier
    if a.frontier is not None:
        fr = a.frontier
        parts.append(f"<h2>4. The trade-off: {e(fr.decision)}'s cost against customer value</h2>")
        parts.append(f"<figure>{frontier_chart(a)}</figure>")
        rows = [
            [
                str(i),
                _money(p.cost),
                _money(p.value),
                e(p.status),
                "knee"
                if i == fr.knee
                else "better than the proposal"
                if i in fr.dominating
                else "",
            ]
            for i, p in enumerate(fr.points)
        ]
        if fr.proposal is not None:
            rows.append(["proposal", _money(fr.proposal.cost), _money(fr.proposal.value), "", ""])
        parts.append(_table(["point", "cost", "customers' cost", "status", ""], rows))
    # 5 pre-mortem
    if a.premortem is not None:
        pm = a.premortem
        parts.append(f"<h2>5. Pre-mortem of {e(pm.proposal)} against {e(pm.baseline)}</h2>")
        rows = []
        for f in pm.findings:
            cls, word = {
                True: ("hit", "TRIGGERED"),
                False: ("ok", "not triggered"),
                None: ("unknown", "not computable"),
            }[f.triggered]
            rows.append(
                [e(f.rule), f"<span class='{cls}'>{word}</span>", e(f.message), e(f.source)]
            )
        parts.append(_table(["rule", "finding", "evidence", "case"], rows, "findings"))
        if pm.repair:
            fix = pm.repair
            parts.append(
                f"<p>Repair ({e(fix['decision'])}): {e(fix['how'])}: cost "
                f"{_money(fix['cost'])}, customers' cost {_money(fix['value'])}.</p>"
            )
    # waits
    for chart in waits_charts(a):
        parts.append(f"<figure>{chart}</figure>")
    # 6 recommended
    parts.append(f"<h2>6. Recommended plan: {e(a.recommended)}</h2>")
    if a.joint is not None:
        figs = a.joint.figures
        names = list(figs)
        keys = list(figs[names[0]].cost_parts)
        rows = [[e(k)] + [_money(figs[n].cost_parts[k]) for n in names] for k in keys]
        rows.append(["<b>total cost</b>"] + [f"<b>{_money(figs[n].cost)}</b>" for n in names])
        rows.append(["<b>customers' downtime</b>"] + [_money(figs[n].value) for n in names])
        rows.append(["field staff"] + [_num(figs[n].field_headcount) for n in names])
        rows.append(["first-time fix"] + [_num(figs[n].first_time_fix, "share") for n in names])
        parts.append(
            f"<p>Each plan per year on the same {a.joint.options.days} sample days ({e(cur)}):</p>"
            + _table(["", *(e(n) for n in names)], rows)
        )
        costs = cost_chart(a)
        if costs:
            parts.append(f"<figure>{costs}</figure>")
    # 7 monitor
    parts.append("<h2>7. KPIs to monitor</h2>")
    rows = [
        [
            e(m.kpi),
            e(m.unit),
            _num(m.today, m.unit),
            _num(m.proposal, m.unit),
            _num(m.recommended, m.unit),
            e(m.target),
            e(m.why),
        ]
        for m in a.monitor
    ]
    parts.append(_table(["KPI", "unit", "today", "proposal", "recommended", "target", "why"], rows))
    if a.notes:
        parts.append("<p class='note'>" + "<br>".join(e(n) for n in a.notes) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(a: Assessment, path: str) -> int:
    """Write :func:`render_html` to ``path`` whole (a temporary file, then a rename); its size
    in bytes."""
    text = render_html(a)
    write_atomic(path, text)
    return len(text.encode("utf-8"))
