"""Which bootstrap estimator each model gets: linear in the counts, a fast refit, or a full refit.

An estimator maps a :class:`~attribution.uncertainty.resample.Chunk` of replicates to per-replicate
channel credit ``(conversions (C, k), revenue (C, k))``; a replicate the model cannot fit gives a
column of NaN. Models without a fast path (and parameter choices the fast paths do not cover) are
refitted per replicate by running the registered model on the resampled paths: exact, slower.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from attribution.errors import AttributionError, ModelError
from attribution.journeys.data import PathData
from attribution.models.registry import model_spec, run_model
from attribution.models.touch_table import TOUCH_WEIGHTS
from attribution.uncertainty.local_credit import JourneyLocal, PathLocal, is_path_local, needs_journeys
from attribution.uncertainty.refit_counterfactual import CounterfactualRefit
from attribution.uncertainty.refit_logistic import LogisticRefit
from attribution.uncertainty.refit_markov import MarkovRefit
from attribution.uncertainty.refit_shapley_rate import ShapleyRateRefit, TooLarge
from attribution.uncertainty.resample import BaseData, Chunk, JourneyIndex

Estimator = Callable[[Chunk], tuple[np.ndarray, np.ndarray]]


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


def make_estimator(name: str, base: BaseData, params: dict, journeys: JourneyIndex | None) -> Estimator:
    """The fastest exact bootstrap estimator for model ``name`` with ``params`` on ``base``."""
    if needs_journeys(name, base):
        if name not in TOUCH_WEIGHTS or journeys is None:
            raise ModelError(f"{model_spec(name).label} has no bootstrap on journeys yet: it needs touch "
                             "data but no per-journey credit rule")
        return JourneyLocal(name, base, params, journeys)
    if is_path_local(name):
        return PathLocal(name, base, params)
    if name == "markov":
        return MarkovRefit(base, **params)
    if name == "logistic":
        return LogisticRefit(base, **params)
    if name == "counterfactual" and CounterfactualRefit.supports(**params):
        return CounterfactualRefit(base, **params)
    if name == "shapley_rate":
        try:
            return ShapleyRateRefit(base, **params)
        except TooLarge:
            pass
    return FullRefit(name, base, params)
