"""Every docstring example in servopt runs, under the module's installed name.

(``pytest --doctest-modules`` would import ``models/io.py`` as ``models.io``, the bare folder
name the project bans, loading each module twice; this imports them as ``servopt.*``.)
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import servopt.models
import servopt.optimizer


def _modules() -> list[str]:
    names = []
    for pkg in (servopt.models, servopt.optimizer):
        names.append(pkg.__name__)
        names += [
            m.name
            for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
            if not m.name.endswith("__main__")
        ]
    return sorted(names)


def _with_examples() -> list[str]:
    finder = doctest.DocTestFinder()
    return [
        n for n in _modules() if any(t.examples for t in finder.find(importlib.import_module(n)))
    ]


@pytest.mark.parametrize("name", _with_examples())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_public_objects_have_examples_somewhere():
    """Doctests exist (a finder that found none would make the test above vacuous)."""
    assert len(_with_examples()) >= 5
