"""Attribution models. Importing this package registers every model in :data:`MODELS`."""
from __future__ import annotations

from attribution.models import counterfactual, logistic, markov, shapley, shapley_rate  # noqa: F401  (register)
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

__all__ = ["MODELS", "MODEL_SPECS", "compare", "model_spec", "run_model", "supported_models",
           "unsupported_reason", "logistic_auc", "logistic_coefficients", "markov_order_auc",
           "removal_effects", "shapley_by_position", "transition_matrix"]
