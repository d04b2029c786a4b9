"""The file formats a network is read from: servopt's own YAML/JSON and the benchmark formats.

One door for every format (:func:`load_network`); the benchmark adapters are in
:mod:`servopt.models.benchmarks`, servopt's reader in :mod:`servopt.models.io`.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any

from servopt.models.benchmarks import load_orlib_cap, load_solomon
from servopt.models.io import network_from_data, read_data
from servopt.models.network import ServiceNetwork


class NetworkFormat(StrEnum):
    """File formats a network can be read from."""

    SERVOPT = "servopt"
    ORLIB_CAP = "orlib-cap"
    SOLOMON = "solomon"


def load_network(
    path: str | os.PathLike[str], format: NetworkFormat | str | None = None, **options: Any
) -> ServiceNetwork:
    """Load and validate a network file.

    Parameters
    ----------
    path
        A servopt YAML/JSON instance, or a benchmark file when ``format`` says so.
    format
        ``"servopt"`` (default), ``"orlib-cap"`` or ``"solomon"``.
    options
        Passed to the benchmark adapter (e.g. ``rounding="exact"`` for Solomon).

    Raises
    ------
    BadInputError
        With every problem found, each as ``FILE: path: message``.
    """
    fmt = NetworkFormat(format) if format else NetworkFormat.SERVOPT
    if fmt is NetworkFormat.ORLIB_CAP:
        return load_orlib_cap(path)
    if fmt is NetworkFormat.SOLOMON:
        return load_solomon(path, **options)
    if options:
        raise TypeError(f"options {sorted(options)} apply to benchmark formats only")
    return network_from_data(read_data(path), str(path))


#: What a benchmark format means for a decision's options, so that a solve reproduces the
#: benchmark's problem and its published optima compare: OR-Library's capacitated facility
#: location has no stock, expediting or service terms (the plain CFLP); Solomon's VRPTW serves
#: every customer (no drops). The one home of these rules: the CLI, the benches and
#: ``PlacementOptions.cflp`` read them here.
SOLVE_RULES: dict[tuple[NetworkFormat, str], dict[str, Any]] = {
    (NetworkFormat.ORLIB_CAP, "placement"): {
        "stock": False,
        "expediting": False,
        "service": False,
        "air_when_late": False,
    },
    (NetworkFormat.SOLOMON, "dispatch"): {"allow_drops": False},
}


def solve_rules(format: NetworkFormat | str | None, decision: str) -> dict[str, Any]:
    """The option values ``format`` fixes for ``decision`` (empty: none).

    >>> solve_rules("solomon", "dispatch")
    {'allow_drops': False}
    >>> solve_rules(None, "placement")
    {}
    """
    if format is None:
        return {}
    return dict(SOLVE_RULES.get((NetworkFormat(format), decision), {}))
