"""The servopt exception family.

Three kinds of failure, kept apart so that callers can react to each (after networkx's
``exception.py``):

* :class:`BadInputError`: the input is wrong (a file, a field, a value). It carries every
  :class:`Problem` found, each naming the file, the path inside it and what was expected.
* :class:`InfeasibleError`: the input is well formed but no plan can satisfy it; the message says
  which demand, skill or capacity cannot be met.
* :class:`SolverUnavailableError`: the requested solver is not installed or cannot run.

None of them derives from :class:`ValueError`, on purpose: pydantic wraps ``ValueError`` raised in
validators into its own error, and these must reach the caller as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class ServoptError(Exception):
    """Base class of every error servopt raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected.

    ``path`` is the location inside the file in dotted/indexed form (``depots[3].capacity``);
    empty when the problem is with the file as a whole.
    """

    path: str
    message: str
    file: str | None = None

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.path) if p]
        return ": ".join([*parts, self.message])

    def in_file(self, file: str | None) -> Problem:
        """The same problem, attributed to ``file``."""
        return Problem(self.path, self.message, file)


class BadInputError(ServoptError):
    """The input is invalid; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem] | str, file: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems, file)]
        self.problems: tuple[Problem, ...] = tuple(
            p if p.file or file is None else p.in_file(file) for p in problems
        )
        if not self.problems:
            raise TypeError("BadInputError needs at least one problem")
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [str(p) for p in self.problems]
        if len(lines) == 1:
            return lines[0]
        return f"{len(lines)} problems:\n" + "\n".join(f"  {line}" for line in lines)


class InfeasibleError(ServoptError):
    """No plan satisfies the constraints; ``reasons`` says which demand, skill or capacity fails."""

    def __init__(self, reasons: Iterable[str] | str) -> None:
        self.reasons: tuple[str, ...] = (reasons,) if isinstance(reasons, str) else tuple(reasons)
        super().__init__("; ".join(self.reasons) or "infeasible")


class SolverUnavailableError(ServoptError):
    """The requested solver is not installed or cannot be run on this machine."""
