"""The one registry of attribution models, and the API that runs them.

Every model is a function ``f(data, *, param=default, ...) -> DataFrame`` returning the tidy frame
``model, channel, conversions, revenue, share`` (one row per channel; conversions sum to the total
conversions, revenue to the total revenue, share to 1). ``data`` is a
:class:`~attribution.journeys.data.Journeys` or :class:`~attribution.journeys.data.PathData`.
Models register themselves with :func:`register`; :data:`MODELS` maps name to function.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData

CREDIT_COLUMNS = ["model", "channel", "conversions", "revenue", "share"]


@dataclass(frozen=True)
class ModelSpec:
    """What the app and API need to know about one registered model."""

    name: str
    func: Callable[..., pd.DataFrame]
    label: str
    description: str
    needs_touches: bool
    defaults: Mapping[str, object] = field(default_factory=dict)


MODELS: dict[str, Callable[..., pd.DataFrame]] = {}
MODEL_SPECS: dict[str, ModelSpec] = {}


def register(name: str, *, label: str, description: str, needs_touches: bool):
    """Decorator: add a model function to :data:`MODELS` under ``name``.

    Its keyword-only parameters (with their defaults) become the model's parameters.
    """

    def decorate(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if name in MODELS:
            raise RuntimeError(f"model {name!r} registered twice")
        sig = inspect.signature(func)
        defaults = {p.name: p.default for p in sig.parameters.values()
                    if p.kind is inspect.Parameter.KEYWORD_ONLY}
        MODELS[name] = func
        MODEL_SPECS[name] = ModelSpec(name, func, label, description, needs_touches, defaults)
        return func

    return decorate


def tidy_credit(model: str, conversions: Mapping[str, float] | pd.Series,
                revenue: Mapping[str, float] | pd.Series) -> pd.DataFrame:
    """Build the standard output frame from per-channel conversion and revenue credit."""
    conv = pd.Series(conversions, dtype="float64")
    rev = pd.Series(revenue, dtype="float64").reindex(conv.index.union(pd.Index(revenue.keys())))
    conv = conv.reindex(rev.index).fillna(0.0)
    rev = rev.fillna(0.0)
    total = conv.sum()
    share = conv / total if total > 0 else conv * 0.0
    out = pd.DataFrame({"model": model, "channel": conv.index.astype(str), "conversions": conv.to_numpy(),
                        "revenue": rev.to_numpy(), "share": share.to_numpy()})
    return out.sort_values("channel", ignore_index=True)


def model_spec(name: str) -> ModelSpec:
    """Look up a model; the error lists the valid names."""
    try:
        return MODEL_SPECS[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(sorted(MODELS))}") from None


def check_params(name: str, params: Mapping[str, object]) -> ModelSpec:
    """The model's spec, after checking that it accepts every parameter in ``params``."""
    spec = model_spec(name)
    unknown = set(params) - set(spec.defaults)
    if unknown:
        raise ModelError(f"{name} has no parameter(s) {', '.join(sorted(unknown))}; "
                         f"valid: {', '.join(spec.defaults) or 'none'}")
    return spec


def supported_models(data: PathData) -> list[str]:
    """Names of the models that can run on ``data`` (time-based ones need touches)."""
    return [n for n, s in MODEL_SPECS.items() if data.has_touches or not s.needs_touches]


def unsupported_reason(name: str, data: PathData) -> str | None:
    """Why ``name`` cannot run on ``data``, or None if it can."""
    spec = model_spec(name)
    if spec.needs_touches and not data.has_touches:
        return (f"{spec.label} needs touch timestamps; aggregated paths have none. "
                "Load touchpoints and conversions (or an event log) to use it.")
    return None


def run_model(name: str, data: PathData, **params) -> pd.DataFrame:
    """Run one registered model on journeys or aggregated paths and return its tidy frame."""
    spec = model_spec(name)
    reason = unsupported_reason(name, data)
    if reason:
        raise ModelError(reason)
    check_params(name, params)
    return spec.func(data, **params)


def params_for(name: str, params: Mapping[str, object]) -> dict[str, object]:
    """The subset of ``params`` that model ``name`` accepts."""
    accepted = model_spec(name).defaults
    return {k: v for k, v in params.items() if k in accepted}


def compare(data: PathData, models: Iterable[str] | None = None, **params) -> pd.DataFrame:
    """Run several models (default: all the data supports) and stack their tidy frames.

    Shared ``params`` go to every model that accepts them (e.g. ``seed``, ``direct_channels``).
    """
    names = list(models) if models is not None else supported_models(data)
    frames = [run_model(n, data, **params_for(n, params)) for n in names]
    if not frames:
        return pd.DataFrame(columns=CREDIT_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def empty_credit(model: str) -> pd.DataFrame:
    """The tidy frame for data with no conversions."""
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in ("conversions", "revenue", "share")
                                      else "str") for c in CREDIT_COLUMNS}).assign(model=model)


def safe_share(values: np.ndarray) -> np.ndarray:
    """values / values.sum(), or zeros when the sum is zero."""
    total = float(np.sum(values))
    return values / total if total > 0 else np.zeros_like(values, dtype=float)
