"""A regular (non-editable) build ships every module under its servopt name, and nothing else."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("servopt-*.whl")
    with zipfile.ZipFile(whl) as z:
        return set(z.namelist())


def test_wheel_ships_every_module_under_servopt(wheel_names):
    for folder, pkg in (("models", "servopt/models"), ("optimizer", "servopt/optimizer")):
        for src in (REPO / folder).rglob("*.py"):
            rel = src.relative_to(REPO / folder).as_posix()
            assert f"{pkg}/{rel}" in wheel_names, f"{folder}/{rel} missing from the wheel"


def test_wheel_has_no_bare_top_level_packages(wheel_names):
    tops = {n.split("/")[0] for n in wheel_names}
    assert tops <= {"servopt"} | {n for n in tops if n.endswith(".dist-info")}
    assert "servopt/models/py.typed" in wheel_names
