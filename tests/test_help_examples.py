"""Every `servopt ... --help` example runs from a plain clone: its options parse, the files it
reads are in the project (or written by an earlier example of the same help text); the slow
tier runs them all, in order, as written."""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from servopt.optimizer.cli import main
from tests.conftest import REPO

OUTPUT_FLAGS = {"-o", "--json", "--output"}


def commands(cmd: click.Command = main, path: tuple[str, ...] = ()) -> Iterator:
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from commands(sub, (*path, name))


def examples(cmd: click.Command) -> list[list[str]]:
    """The example command lines of a help text, continuation lines joined, as argv lists."""
    text = cmd.help or ""
    if "Examples:" not in text:
        return []
    body = text.split("Examples:", 1)[1].replace("\\\n", " ")
    return [
        shlex.split(line)[1:] for line in body.splitlines() if line.strip().startswith("servopt")
    ]


ALL = [
    pytest.param(path, argvs, id=" ".join(path) or "servopt")
    for path, cmd in commands()
    if (argvs := examples(cmd))
]


def resolve(argv: list[str]) -> tuple[click.Command, list[str]]:
    """The command an argv names, and its own arguments."""
    cmd: click.Command = main
    args = list(argv)
    while isinstance(cmd, click.Group) and args and args[0] in cmd.commands:
        cmd = cmd.commands[args.pop(0)]
    return cmd, args


def test_there_are_examples() -> None:
    assert sum(len(a) for _, a in (p.values for p in ALL)) >= 30


@pytest.mark.parametrize(("path", "argvs"), ALL)
def test_help_examples_parse_and_read_files_of_the_project(path, argvs) -> None:
    written: set[str] = set()
    for argv in argvs:
        cmd, args = resolve(argv)
        expanded = []
        for a in args:
            expanded.extend(
                sorted(str(p.relative_to(REPO)) for p in REPO.glob(a)) if "*" in a else [a]
            )
        cmd.make_context(cmd.name or "servopt", list(expanded), resilient_parsing=False)
        for i, a in enumerate(expanded):
            if i and expanded[i - 1] in OUTPUT_FLAGS:
                written.add(a)
            elif a.endswith((".yaml", ".json", ".txt")):
                assert a in written or (REPO / a).is_file(), f"{' '.join(argv)}: {a} is missing"


@pytest.mark.slow
@pytest.mark.parametrize(("path", "argvs"), ALL)
def test_help_examples_run(path, argvs, tmp_path) -> None:
    shutil.copytree(REPO / "instances", tmp_path / "instances")
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        for argv in argvs:
            args = []
            for a in argv:
                args.extend(
                    sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob(a))
                    if "*" in a
                    else [a]
                )
            res = CliRunner().invoke(main, args)
            assert res.exit_code == 0, (argv, res.output)
            assert "Traceback" not in res.output
    finally:
        os.chdir(cwd)
