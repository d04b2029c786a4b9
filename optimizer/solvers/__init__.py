"""Solver adapters: the one place a MILP reaches a solver (the HiGHS binary, or CBC via PuLP).

:mod:`.milp` solves a PuLP model or a model as arrays (written straight to an MPS file) under a
time limit and a seed, reads the true status (a MIP stopped at its limit is ``feasible``, never
``optimal``), and stops the solver process group on a signal. :mod:`.flow` solves the
transportation problem as a min-cost flow (OR-Tools). :mod:`.cpsat` is the CP-SAT adapter.
"""
