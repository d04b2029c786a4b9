"""Import hygiene: the HiGHS clash, and the domain never loading the solvers."""

from __future__ import annotations

import importlib.util
import pkgutil
import subprocess
import sys
import tempfile

import servopt.models
import servopt.optimizer


def run(code: str) -> subprocess.CompletedProcess[str]:
    # From another folder, so the checkout's own folders are not on sys.path.
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),
    )


def test_pulp_then_ortools_in_one_process():
    res = run(
        "import pulp\nfrom ortools.linear_solver import pywraplp\n"
        "from ortools.constraint_solver import pywrapcp\n"
        "from ortools.sat.python import cp_model\n"
        "import pyvrp\n"
        "assert pywraplp.Solver.CreateSolver('GLOP') is not None\nprint('ok')"
    )
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_highspy_is_not_installed():
    assert importlib.util.find_spec("highspy") is None, (
        "highspy breaks 'import pulp; import ortools' (libhighs soname clash); find what "
        "pulled it in and keep it out"
    )


def test_models_do_not_load_solvers():
    res = run(
        "import sys, servopt.models, servopt.models.generate, servopt.models.describe\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('ortools', 'pulp', 'pyvrp')]\n"
        "bad += [m for m in sys.modules if m.startswith('servopt.optimizer')]\n"
        "print(bad)"
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_every_module_imports_under_its_servopt_name():
    for pkg in (servopt.models, servopt.optimizer):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            importlib.import_module(info.name)


def test_bare_folder_names_are_not_importable_packages():
    res = run("import models")
    assert res.returncode != 0


def test_optimizer_package_loads_no_solver_until_a_solve():
    res = run(
        "import sys, servopt.optimizer\n"
        "print([m for m in sys.modules if m.split('.')[0] in ('ortools', 'pulp', 'pyvrp')])"
    )
    assert res.returncode == 0 and res.stdout.strip() == "[]", res.stderr
