"""Staffing: how many people, on which channel and shift, for the demand of each interval.

Modules: :mod:`.queueing` (Erlang B/C/A and sizing), :mod:`.channels` (channel mix and interval
staffing), :mod:`.shifts` and :mod:`.shift_milp` (shift scheduling), :mod:`.channel_milp`,
:mod:`.timevarying`, :mod:`.multiskill`, :mod:`.workload` (occupancy and attrition),
:mod:`.simulate` (discrete-event checks of an interval).
"""
