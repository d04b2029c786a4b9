"""Writes the notebooks from their cells (outputs stripped): python notebooks/_src/make.py."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent.parent
FIND = (
    "from pathlib import Path\n\n"
    'INSTANCES = Path.cwd().parent / "instances" if Path.cwd().name == "notebooks" '
    'else Path("instances")\n'
)


def write(name: str, cells: list[tuple[str, str]]) -> None:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_markdown_cell(s) if k == "md" else new_code_cell(s) for k, s in cells]
    for k, c in enumerate(nb.cells):
        c["id"] = f"{name.split('-')[0]}-{k:02d}"
    nbformat.write(nb, HERE / name)


B = [
    ("md", """# Case B: account opening at a state bank

A state bank digitised account opening (face recognition, e-signature, a data platform and a new
anti-fraud check on a 10-year-old credit-bureau interface). Opening went from about 40 minutes to
55, and 18% of cases failed (see `CASES.md`). The process was never drawn as one journey across
the departments it touches.

This notebook draws the journey as a graph, computes the seed-001 KPIs of both versions
(first-contact resolution, departments, hand-offs, waiting share) and finds the moments of truth:
the steps whose improvement saves the most minutes."""),
    ("code", FIND + """
from servopt.models import load_network, load_plan
from servopt.optimizer.journeys.analysis import analyse_journey, format_journey

net = load_network(INSTANCES / "case-b-account-opening.yaml")
redesign = load_plan(INSTANCES / "case-b-account-opening.redesign.plan.yaml", net)
before = analyse_journey(net, "account-opening")
after = analyse_journey(net, "account-opening", redesign)
print(format_journey(before))
print()
print(format_journey(after))"""),
    ("md", "## The KPIs side by side"),
    ("code", """rows = [
    ("end to end, min", before.end_to_end_min, after.end_to_end_min),
    ("waiting share of lead time", before.waiting_share, after.waiting_share),
    ("failure rate", before.failure_rate, after.failure_rate),
    ("first-contact resolution", before.first_contact_resolution, after.first_contact_resolution),
    ("departments touched", before.departments, after.departments),
    ("hand-offs per case", before.handoffs, after.handoffs),
]
for name, b, a in rows:
    print(f"{name:<28}{b:10.2f}{a:10.2f}")
assert after.end_to_end_min > before.end_to_end_min
assert after.first_contact_resolution < before.first_contact_resolution"""),
    ("md", """## The redesigned journey as a graph

Edges carry the transition probabilities; the loop back from the anti-fraud check is the rework
that the legacy interface causes."""),
    ("code", """import matplotlib.pyplot as plt
import networkx as nx

journey = redesign.journey(net, "account-opening")
g = journey.graph()
pos = nx.spring_layout(g, seed=1)
fig, ax = plt.subplots(figsize=(10, 6))
nx.draw_networkx(g, pos, ax=ax, node_color="#cde", node_size=1400, font_size=8)
nx.draw_networkx_edge_labels(
    g, pos, ax=ax, font_size=7,
    edge_labels={(t.source, t.target): f"{t.probability:.2f}" for t in journey.transitions},
)
ax.set_title("Account opening after the redesign")
ax.axis("off")
plt.show()"""),
    ("md", "## Moments of truth: where a better step saves the most minutes"),
    ("code", """for m in after.moments_of_truth[:5]:
    print(m)"""),
]

D = [
    ("md", """# Case D: outpatient flow at a large hospital

12,000 visits a day, an average visit of about 4 hours, a goal of 2. The hospital moved
registration, triage and payment to an app and added electronic records; 45% of its patients
are 60 or older and 30% of those cannot use a smartphone. Doctors went from 80 patients a day to
60, waits grew, and complaints rose 45% (see `CASES.md`).

The day simulation (`servopt.optimizer.journeys.day`) walks every segment's patients through the
visit over one day: arrivals over the morning, staff on their shifts and lunch, the doctors'
capacity from consultation and record time, and the patients who cannot use the app sent to the
windows. Each segment's visit is shown apart: an average over everyone would hide them."""),
    ("code", FIND + """
from servopt.models import Plan, load_network, load_plan
from servopt.optimizer.journeys.day import simulate_day

net = load_network(INSTANCES / "case-d-outpatient.yaml")
plans = {
    "before": Plan(),
    "all-app redesign": load_plan(INSTANCES / "case-d-outpatient.all-app.plan.yaml", net),
    "servopt's plan": load_plan(INSTANCES / "case-d-outpatient.servopt.plan.yaml", net),
}
days = {name: simulate_day(net, "outpatient-visit", p, replications=1, seed=0)
        for name, p in plans.items()}"""),
    ("md", """## Doctors: patients a day from consultation and record time

A doctor's clinic day is 480 minutes. Before: a 4-minute consultation, half a minute of paper
record, and a 2.5-minute review for the 58% who come back with a result. The electronic record
takes 2.5 minutes of clinic time instead of 0.5. The throughput is computed, not typed in."""),
    ("code", """for name, d in days.items():
    doc = d.pools["doctors"]
    print(f"{name:<18} {doc.staff:4d} doctors  {doc.busy_min_per_case:5.2f} min a patient  "
          f"capacity {doc.capacity_per_staff:5.1f} a day  seen in the shift {doc.served_per_staff:5.1f}"
          f"  overtime {doc.overtime_min:4.0f} min")
assert round(days["before"].pools["doctors"].capacity_per_staff) == 81
assert round(days["all-app redesign"].pools["doctors"].capacity_per_staff) == 60"""),
    ("md", "## Visit time per segment, mean and 90th percentile"),
    ("code", """import matplotlib.pyplot as plt
import numpy as np

segments = list(days["before"].segments)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
for ax, stat in zip(axes, ["mean_min", "p90_min"]):
    x = np.arange(len(segments))
    for k, (name, d) in enumerate(days.items()):
        ax.bar(x + (k - 1) * 0.27, [getattr(d.segments[s], stat) / 60 for s in segments],
               width=0.27, label=name)
    ax.axhline(2.0, color="k", ls="--", lw=1)
    ax.set_xticks(x, segments, fontsize=8)
    ax.set_title("mean visit, h" if stat == "mean_min" else "90th percentile, h")
axes[0].legend(fontsize=8)
fig.tight_layout()
plt.show()
for name, d in days.items():
    print(name, {s: f"{v.mean_min:.0f} / {v.p90_min:.0f} min" for s, v in d.segments.items()},
          "meets 2 h for every segment:", d.meets_target)"""),
    ("md", """The all-app redesign harms everyone through the doctors' lost capacity, and the patients
without a smartphone most: they register, are triaged and pay at the few windows left. servopt's
plan keeps the app for those who can use it, staffs the windows from 07:00 for those who cannot,
gives the doctors scribes for the record, a staggered lunch and the fewest extra doctors found by
`fewest_staff_for_target` (`python bench/case_d_outpatient.py`)."""),
    ("code", """no_phone = "over-60-no-smartphone"
assert days["all-app redesign"].segments[no_phone].mean_min > days["before"].segments[no_phone].mean_min
# The plan was sized on 3 simulated days (the bench); one day varies by a few percent.
ours = days["servopt's plan"]
assert all(s.mean_min <= 1.05 * s.target_min for s in ours.segments.values()), ours.segments
print({s: v.channels for s, v in days["all-app redesign"].segments.items()})"""),
]

BYO = [
    ("md", """# Bring your own network

A service network is a YAML or JSON file (`servopt schema` prints its JSON Schema), or the same
dictionary in Python. This notebook builds one, shows what a mistake in it looks like, then
places stock, dispatches a day's jobs and draws the trade-off between the company's cost and
the customers' downtime."""),
    ("code", """import json
import tempfile
from pathlib import Path

from servopt.models import load_network
from servopt.models.errors import BadInputError
from servopt.models.generate import generate_data

# sites, depots, technicians, seed, and a day of jobs: a dictionary you can edit or write out
data = generate_data(40, 5, 6, 3, jobs=25)
print(sorted(data))
folder = Path(tempfile.mkdtemp())
bad = dict(data, sites=[dict(data["sites"][0], location=[0.0])] + data["sites"][1:])
(folder / "bad.json").write_text(json.dumps(bad))
try:
    load_network(folder / "bad.json")
except BadInputError as err:   # the file, the field, the value and what was expected
    print(err)
(folder / "mine.json").write_text(json.dumps(data))
net = load_network(folder / "mine.json")
print(net.name, len(net.sites), "sites", len(net.depots), "depots", len(net.jobs), "jobs")"""),
    ("md", "## Solve placement and dispatch under one contract"),
    ("code", """from servopt.optimizer import DECISIONS
from servopt.optimizer.params import SolveParams

params = SolveParams(time_limit_s=5, seed=1)
placed = DECISIONS["placement"].solve(net, params=params)
routed = DECISIONS["dispatch"].solve(net, params=params)
for r in (placed, routed):
    print(r.decision, r.status.value, {k: round(v, 1) for k, v in r.objective.items()})
assert placed.plan is not None and routed.plan is not None"""),
    ("md", "## Cost against customers' downtime"),
    ("code", """from servopt.optimizer.frontier import frontier, frontier_figure

fr = frontier(net, "placement", points=4, params=SolveParams(time_limit_s=12, seed=1))
from IPython.display import display

fig = frontier_figure(fr, title="placement: cost against downtime")
display(fig)
print("knee:", fr.knee)"""),
]

C = [
    ("md", """# Case C: an omnichannel home-furnishing retailer

The retailer wanted its online share from 15% to 25%. One order system took orders from the
marketplaces, its mini-program and the stores; store staff took online orders at the till and
were measured on their count. The system showed 10 sofas online where the store had none to
sell (display stock counted as sellable), staff serving both channels made 30% more errors,
customers waited 3-7 days when stores were out, and repeat purchase fell 12% (see `CASES.md`).

The pre-mortem checks a proposed redesign for these failures before anyone builds it."""),
    ("code", FIND + """
from servopt.models import load_network, load_plan
from servopt.optimizer.params import SolveParams
from servopt.optimizer.premortem import premortem

net = load_network(INSTANCES / "case-c-omnichannel.yaml")
plans = {
    "shared staff (the redesign)": load_plan(INSTANCES / "case-c-omnichannel.shared-staff.plan.yaml", net),
    "servopt's plan": load_plan(INSTANCES / "case-c-omnichannel.servopt.plan.yaml", net),
}
checks = {name: premortem(net, p, params=SolveParams(time_limit_s=30, seed=0), repair=False)
          for name, p in plans.items()}
for name, pm in checks.items():
    print(name)
    for f in pm.findings:
        state = {True: "TRIGGERED", False: "ok", None: "not known"}[f.triggered]
        print(f"  {state:<10}{f.rule:<23}{f.message[:150]}")"""),
    ("md", """## Phantom stock and repeat purchase

Each failed promise loses its customer with the segment's `churn_sensitivity`: the change in
repeat purchase per segment comes from that churn model."""),
    ("code", """phantom = {f.rule: f for f in checks["shared staff (the redesign)"].findings}["phantom-stock"]
assert phantom.triggered
for seg, r in phantom.evidence["repeat_purchase"].items():
    print(f"{seg:<16} failed promises {r['failed_promises']:8,.0f}  customers lost {r['customers_lost']:6,.0f}"
          f"  repeat purchase {r['repeat_purchase_change']:+.2%}  value lost {r['value_lost']:12,.0f}")"""),
    ("md", "## Store staff shared by walk-in and online orders: occupancy and errors"),
    ("code", """import matplotlib.pyplot as plt
from servopt.models import Plan
from servopt.optimizer import DECISIONS

staffing = DECISIONS["staffing"]
figs = {}
for name, p in [("today", Plan()), *plans.items()]:
    k = staffing.evaluate(net, p).kpis
    figs[name] = k.channels["store"]
    print(f"{name:<28} store occupancy {figs[name].occupancy:.0%}  error rate {figs[name].error_rate:.2%}"
          f"  errors a day {figs[name].errors_per_day:5.1f}")
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.bar(list(figs), [f.errors_per_day for f in figs.values()], color=["grey", "tab:red", "tab:green"])
ax.set_ylabel("order errors a day at the stores")
ax.set_title("Case C: errors when the store staff serve three channels")
fig.tight_layout()
plt.show()
assert figs["shared staff (the redesign)"].errors_per_day > figs["today"].errors_per_day
assert not any(f.triggered for f in checks["servopt's plan"].findings)"""),
]

if __name__ == "__main__":
    write("02-case-b-account-opening.ipynb", B)
    write("03-case-c-omnichannel.ipynb", C)
    write("04-case-d-outpatient.ipynb", D)
    write("05-bring-your-own-network.ipynb", BYO)
