"""Journeys: end-to-end time, failures, hand-offs and rework of a customer journey.

Modules: :mod:`.analysis` (the analytic figures and capacity allocation), :mod:`.simulate`
(discrete-event checks of them).
"""

from servopt.optimizer.journeys.analysis import JourneyFigures, analyse_journey

__all__ = ["JourneyFigures", "analyse_journey"]
