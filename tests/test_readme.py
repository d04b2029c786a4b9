"""The README's library example runs as written (from the repository root)."""

from __future__ import annotations

import os
import re

from tests.conftest import REPO


def test_readme_library_example_runs():
    """Needs nothing outside the project: the example reads instances/benchmarks."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    cwd = os.getcwd()
    try:
        os.chdir(REPO)
        namespace: dict = {}  # the blocks build on each other, as in a notebook
        for code in blocks:
            exec(compile(code, "README.md", "exec"), namespace)
    finally:
        os.chdir(cwd)


def test_readme_names_the_ci_test_command():
    text = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    command = next(line for line in ci.splitlines() if "pytest" in line).strip()
    assert command in text


def test_readme_command_examples_run_and_print_what_the_readme_shows():
    """Every `$ servopt ...` example of the README runs from the repository root and prints the
    lines shown under it (a line ending in ' ...' is a prefix)."""
    import shlex

    from click.testing import CliRunner

    from servopt.optimizer.cli import main

    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```text\n(\$ servopt .*?)```", text, re.S)
    assert len(blocks) >= 3
    cwd = os.getcwd()
    try:
        os.chdir(REPO)
        for block in blocks:
            command, *shown = block.strip().splitlines()
            res = CliRunner().invoke(main, shlex.split(command)[2:])
            assert "Traceback" not in res.output, res.output
            out = res.output.splitlines()
            for line in shown:
                want = line.removesuffix(" ...")
                assert any(o.startswith(want) for o in out), (command, line, res.output)
    finally:
        os.chdir(cwd)
