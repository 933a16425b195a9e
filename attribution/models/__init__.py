"""Attribution models. Importing this package registers every model in :data:`MODELS`."""
from __future__ import annotations

from attribution.models import heuristics, ihc, time_based  # noqa: F401  (register the models)
from attribution.models.ihc import ihc_sessions
from attribution.models.journey_credit import journey_credit
from attribution.models.registry import (
    MODEL_SPECS,
    MODELS,
    compare,
    model_spec,
    run_model,
    supported_models,
    unsupported_reason,
)

__all__ = ["MODELS", "MODEL_SPECS", "compare", "ihc_sessions", "journey_credit", "model_spec", "run_model",
           "supported_models", "unsupported_reason"]
