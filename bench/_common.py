"""Shared by the benchmark scripts: where the data is, and writing the CSV whole."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SERVOPT_SHARED", REPO.parent / "shared"))
OUT = REPO / "bench" / "out"


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` (same keys each) to ``path`` through a temporary file and a rename."""
    from servopt.models.io import write_atomic

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buf.getvalue())


def case_a() -> tuple[Any, Any]:
    """Case A's network and its cost-only proposal, from ``instances/``."""
    from servopt.models import load_network, load_plan

    net = load_network(REPO / "instances" / "case-a-aftersales.yaml")
    return net, load_plan(REPO / "instances" / "case-a-aftersales.cost-only.plan.yaml", net)
