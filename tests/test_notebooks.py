"""Every notebook runs top to bottom against the installed package, and is committed clean."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # each notebook asserts its case's figures in its own cells
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert text.strip(), "the notebook printed its figures"
    assert any(
        o.get("output_type") == "display_data"
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    ), "a figure was drawn"


def test_one_notebook_a_case_and_one_to_bring_your_own():
    names = [p.name for p in NOTEBOOKS]
    for case in ("case-a", "case-b", "case-c", "case-d", "bring-your-own"):
        assert any(case in n for n in names), case


def test_notebooks_are_written_by_their_source():
    """The generated notebooks match notebooks/_src/make.py (edit the source, not the .ipynb)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make", REPO / "notebooks" / "_src" / "make.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    for name, cells in (
        ("02-case-b-account-opening.ipynb", make.B),
        ("03-case-c-omnichannel.ipynb", make.C),
        ("04-case-d-outpatient.ipynb", make.D),
        ("05-bring-your-own-network.ipynb", make.BYO),
    ):
        nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
        assert [c.source for c in nb.cells] == [s for _, s in cells], name
