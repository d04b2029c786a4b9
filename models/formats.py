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
