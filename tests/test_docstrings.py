"""Every public class and function in servopt has a real docstring.

The walk covers every module of ``servopt.models`` and ``servopt.optimizer`` (except the
``servopt.optimizer.cli`` package), importing each under its installed name. An object counts
when its name has no leading underscore and it is defined in that module (``__module__``
matches), so re-exports are checked once, where they live. A dataclass without its own
docstring gets one generated from its signature (``Name(field: type, ...)``); that does not
count as documentation.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import servopt.models
import servopt.optimizer

_SKIPPED = "servopt.optimizer.cli"


def _modules() -> list[str]:
    names = []
    for pkg in (servopt.models, servopt.optimizer):
        names.append(pkg.__name__)
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    return sorted(n for n in names if n != _SKIPPED and not n.startswith(_SKIPPED + "."))


def _undocumented(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    offenders = []
    for name, obj in vars(module).items():
        if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if getattr(obj, "__module__", None) != module_name:
            continue
        doc = obj.__doc__
        if not doc or not doc.strip():
            offenders.append(f"{module_name}.{name}: no docstring")
        elif inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):
            offenders.append(f"{module_name}.{name}: only the generated dataclass docstring")
    return offenders


def test_the_walk_finds_the_modules():
    """The walk reaches the subpackages (an empty walk would make the test below vacuous)."""
    names = _modules()
    assert "servopt.models.entities" in names
    assert "servopt.optimizer.routing.problem" in names
    assert not any(n.startswith(_SKIPPED) for n in names)


def test_every_public_object_has_a_docstring():
    offenders = [o for name in _modules() for o in _undocumented(name)]
    assert not offenders, f"{len(offenders)} public objects lack a docstring:\n" + "\n".join(
        offenders
    )
