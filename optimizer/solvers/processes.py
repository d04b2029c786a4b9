"""Solver processes left running: find them in ``/proc`` and signal them.

A solver binary (HiGHS, CBC) runs as a child process; a library that waits on it without
killing it when interrupted, or a worker stopped during a solve, can leave it running. Where
there is no ``/proc`` nothing is done.
"""

from __future__ import annotations

import os
from collections.abc import Callable


def signal_processes(entry: str, selected: Callable[[bytes], bool], sig: int) -> None:
    """Send ``sig`` to every process whose ``/proc/PID/entry`` (``cmdline``, ``stat``...)
    ``selected`` accepts; processes that end or cannot be read meanwhile are skipped."""
    try:
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return
    for pid in pids:
        try:
            with open(f"/proc/{pid}/{entry}", "rb") as f:
                if selected(f.read()):
                    os.kill(pid, sig)
        except (OSError, ValueError, IndexError):
            continue


def parent_of(stat: bytes) -> int:
    """The parent pid in a ``/proc/PID/stat`` line ("pid (command) state ppid ...": the
    command may hold spaces and parentheses)."""
    return int(stat[stat.rfind(b")") + 2 :].split()[1])
