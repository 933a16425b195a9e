"""Budget optimiser on a fitted media-mix model.

:func:`optimize` splits a total budget per period across channels for the largest predicted
response, within bounds; :func:`spend_for_target` finds the spend at which each channel's marginal
ROAS meets a target; :func:`plan` picks one of them by mode; :func:`forecast` predicts the outcome
per period under a plan (baseline continued, carry-over included, with intervals). All return a :class:`BudgetResult`. Spend and bounds are per period of the
fit's granularity (per week for a weekly fit); see :mod:`attribution.budget.optimize`.
"""
from __future__ import annotations

from attribution.budget.forecast import forecast
from attribution.budget.optimize import (
    EXTRAPOLATION_CAP,
    OBJECTIVES,
    PLAN_MODES,
    BudgetResult,
    ResponseModel,
    optimize,
    plan,
    spend_for_target,
)

__all__ = ["EXTRAPOLATION_CAP", "OBJECTIVES", "PLAN_MODES", "BudgetResult", "ResponseModel", "forecast", "optimize",
           "plan", "spend_for_target"]
