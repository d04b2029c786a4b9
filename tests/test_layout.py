"""The architecture, enforced: who may import whom, and who may import a solver.

Layers, lowest first (a module imports only from its own layer or lower ones):

0. ``servopt.models``: the domain;
1. ``servopt.optimizer.params``, ``.result``, ``.decision``: the contract every decision shares;
2. ``servopt.optimizer.solvers``, ``.routing``: the adapters to MILP solvers and routing engines;
3. the decisions: ``placement``, ``dispatch``, ``staffing``, ``journeys``;
4. the layer over every decision: ``servopt.optimizer`` itself (the registry) and its top-level
   modules (the trade-off layer);
5. ``servopt.optimizer.cli``.

Only adapters import a solver library (ortools, pulp, pyvrp): the modules of ``solvers/``, a
routing engine (``routing/*_engine.py``) and a decision's MILP or CP-SAT model (``*milp.py``,
``*_cpsat.py``). Import
statements count wherever they are (a lazy import inside a function is still a dependency), and
the module graph they form has no cycle. Imports under ``if TYPE_CHECKING:`` are annotations,
not dependencies, and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
SOLVER_LIBRARIES = ("ortools", "pulp", "pyvrp")
DECISIONS = ("placement", "dispatch", "staffing", "journeys")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["servopt", *parts])


def modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for folder in ("models", "optimizer")
        for p in (ROOT / folder).rglob("*.py")
    }


def _type_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes inside ``if TYPE_CHECKING:`` blocks (annotations, not loads)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names), top level or inside a function; imports
    for type annotations only (under ``if TYPE_CHECKING:``) do not count."""
    out: set[str] = set()
    tree = ast.parse(path.read_text(), str(path))
    skip = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def layer(name: str) -> int:
    parts = name.split(".")
    if parts[1] == "models":
        return 0
    if len(parts) == 2:
        return 4
    top = parts[2]
    if top in ("params", "result", "decision"):
        return 1
    if top in ("solvers", "routing"):
        return 2
    if top in DECISIONS:
        return 3
    if top == "cli":
        return 5
    return 4


def is_adapter(path: Path) -> bool:
    rel = path.relative_to(ROOT)
    return (
        rel.parts[:2] == ("optimizer", "solvers")
        or (rel.parts[:2] == ("optimizer", "routing") and path.stem.endswith("_engine"))
        or path.stem.endswith("milp")
        or path.stem.endswith("_cpsat")
    )


def graph() -> nx.DiGraph:
    mods = modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        for target in imports(path):
            if target in mods and target != name:
                g.add_edge(name, target)
    return g


def test_only_adapters_import_solver_libraries():
    offenders = [
        f"{path.relative_to(ROOT)} imports {target}"
        for path in modules().values()
        if not is_adapter(path)
        for target in sorted(imports(path))
        if target.split(".")[0] in SOLVER_LIBRARIES
    ]
    assert offenders == []


def test_no_upward_imports():
    g = graph()
    upward = [
        f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
        for a, b in g.edges
        if layer(b) > layer(a)
    ]
    assert upward == []


def test_no_import_cycles():
    g = graph()
    # a package's __init__ re-exports its modules: that is not a dependency of theirs on it
    g.remove_edges_from([(a, b) for a, b in list(g.edges) if b.startswith(a + ".")])
    cycles = [" -> ".join([*c, c[0]]) for c in nx.simple_cycles(g)]
    assert cycles == []


def test_decisions_do_not_reach_into_each_other_in_a_cycle():
    """Decision packages may build on one another (journeys on staffing's queues, dispatch on
    routing), never both ways."""
    g = nx.DiGraph()
    for a, b in graph().edges:
        pa, pb = a.split(".")[:3], b.split(".")[:3]
        if pa != pb and len(pa) == 3 == len(pb) and pa[1] == pb[1] == "optimizer":
            g.add_edge(".".join(pa), ".".join(pb))
    assert list(nx.simple_cycles(g)) == []


def test_the_layers_cover_every_module():
    """A new top-level package has to be placed in a layer on purpose."""
    known = {"params", "result", "decision", "solvers", "routing", "cli", *DECISIONS}
    tops = {n.split(".")[2] for n in modules() if n.count(".") >= 2 and n.startswith("servopt.opt")}
    packages = {t for t in tops if (ROOT / "optimizer" / t).is_dir()}
    assert packages <= known, f"place {sorted(packages - known)} in a layer of tests/test_layout.py"
