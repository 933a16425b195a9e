"""Attribution models. Importing this package registers every model in :data:`MODELS`."""
from __future__ import annotations

from attribution.models.registry import (
    MODEL_SPECS,
    MODELS,
    compare,
    model_spec,
    run_model,
    supported_models,
    unsupported_reason,
)

__all__ = ["MODELS", "MODEL_SPECS", "compare", "model_spec", "run_model", "supported_models",
           "unsupported_reason"]
