"""Attribution models. Importing this package registers every model in :data:`MODELS`.

Registration order is display order: rule-based, time-based, data-driven, then IHC.
"""
from __future__ import annotations

# isort: off
from attribution.models import (  # noqa: F401  (importing registers the models)
    heuristics,
    time_based,
    markov,
    shapley,
    shapley_rate,
    counterfactual,
    logistic,
    ihc,
)
# isort: on
from attribution.models.ihc import ihc_sessions
from attribution.models.journey_credit import journey_credit
from attribution.models.logistic import logistic_auc, logistic_coefficients
from attribution.models.markov import removal_effects, transition_matrix
from attribution.models.markov_order import markov_order_auc
from attribution.models.registry import (
    MODEL_SPECS,
    MODELS,
    compare,
    model_spec,
    run_model,
    supported_models,
    unsupported_reason,
)
from attribution.models.shapley import shapley_by_position

__all__ = ["MODELS", "MODEL_SPECS", "compare", "ihc_sessions", "journey_credit", "logistic_auc",
           "logistic_coefficients", "markov_order_auc", "model_spec", "removal_effects", "run_model",
           "shapley_by_position", "supported_models", "transition_matrix", "unsupported_reason"]
