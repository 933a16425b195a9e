"""Which bootstrap estimator each model gets, read from its registered spec's ``bootstrap`` strategy.

An estimator maps a :class:`~attribution.uncertainty.resample.Chunk` of replicates to per-replicate
channel credit ``(conversions (C, k), revenue (C, k))``; a replicate the model cannot fit gives a
column of NaN. The strategies:

- ``LocalCredit``: linear in the resampled counts (:mod:`attribution.uncertainty.local_credit`);
- ``FastRefit``: the estimator class the spec names, built once; parameter choices it does not
  cover (its ``supports``), or data it declines (it raises :class:`NoFastRefit`), are refitted by
  running the model per replicate;
- ``ModelRefit``: run the registered model on each replicate's resampled paths (exact, slowest).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np
import pandas as pd

from attribution.errors import AttributionError, ModelError
from attribution.journeys.data import PathData
from attribution.models.registry import FastRefit, LocalCredit, model_spec, run_model
from attribution.uncertainty.local_credit import JourneyLocal, PathLocal
from attribution.uncertainty.resample import BaseData, Chunk, JourneyIndex

Estimator = Callable[[Chunk], tuple[np.ndarray, np.ndarray]]


class NoFastRefit(Exception):
    """Raised by a fast refit that cannot take this data (e.g. too large); the model is run instead."""


class FullRefit:
    """Runs the registered model on each replicate's resampled paths (any path-based model)."""

    def __init__(self, name: str, base: BaseData, params: dict) -> None:
        self.name, self.params, self.base = name, params, base

    def __call__(self, chunk: Chunk) -> tuple[np.ndarray, np.ndarray]:
        """(conversions, revenue) credit per channel and replicate, each (C, k); NaN where a fit fails."""
        n_channels = len(self.base.channels)
        out_conv = np.full((n_channels, chunk.size), np.nan)
        out_rev = np.full_like(out_conv, np.nan)
        for b in range(chunk.size):
            paths = self.base.data.paths[["path"]].assign(
                conversions=chunk.conversions[:, b], revenue=chunk.revenue[:, b], nulls=chunk.nulls[:, b])
            try:
                frame = run_model(self.name, PathData(paths), **self.params)
            except AttributionError:
                continue
            credit = frame.set_index("channel").reindex(pd.Index(self.base.channels.astype(str))).fillna(0.0)
            out_conv[:, b] = credit["conversions"].to_numpy()
            out_rev[:, b] = credit["revenue"].to_numpy()
        return out_conv, out_rev


def fast_refit_class(strategy: FastRefit) -> type:
    """The estimator class a ``FastRefit`` strategy names (ImportError/AttributeError if it is wrong)."""
    module, _, cls = strategy.estimator.partition(":")
    return getattr(importlib.import_module(module), cls)


def make_estimator(name: str, base: BaseData, params: dict, journeys: JourneyIndex | None) -> Estimator:
    """The fastest exact bootstrap estimator for model ``name`` with ``params`` on ``base``."""
    spec = model_spec(name)
    strategy = spec.bootstrap
    if spec.reads_touches(base.data):
        if not isinstance(strategy, LocalCredit) or spec.touch_rule is None or journeys is None:
            raise ModelError(f"{spec.label} has no bootstrap on journeys yet: it needs touch "
                             "data but no per-journey credit rule")
        return JourneyLocal(name, base, params, journeys)
    if isinstance(strategy, LocalCredit):
        return PathLocal(name, base, params)
    if isinstance(strategy, FastRefit):
        refit = fast_refit_class(strategy)
        supports = getattr(refit, "supports", None)
        if supports is None or supports(**params):
            try:
                return refit(base, **params)
            except NoFastRefit:
                pass
    return FullRefit(name, base, params)
