"""Solver adapters: the one place a MILP reaches a solver (PuLP with the HiGHS binary or CBC).

:mod:`.milp` solves a PuLP model under a time limit and a seed, reads the true status
(a MIP stopped at its limit is ``feasible``, never ``optimal``), and stops the solver process
group on a signal.
"""
