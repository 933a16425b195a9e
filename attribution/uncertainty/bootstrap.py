"""Bootstrap confidence intervals for every attribution model (docs/architecture.md §6).

Journeys are resampled with replacement (Poisson bootstrap, see
:mod:`attribution.uncertainty.resample`) without re-reading raw rows: a replicate is a set of
resampled counts per unique path (and per journey when a touch-level model is included). Models
whose credit for a journey depends only on that journey are linear in those counts and cost one
sparse product per replicate; Markov, Shapley (rates), counterfactual and logistic are refitted on
each replicate's counts from structures built once. All models of one run see the same
replicates, so differences between models are paired. Intervals are percentile intervals.

Use :func:`bootstrap` for the tidy frame with intervals, :func:`bootstrap_draws` to keep the
replicates (for :func:`~attribution.uncertainty.agreement.model_difference` or several levels).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.defaults import INTERVAL_LEVEL
from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.no_touch import no_touch_totals
from attribution.models.registry import CREDIT_COLUMNS, run_model, supported_models
from attribution.uncertainty.estimators import make_estimator
from attribution.uncertainty.local_credit import needs_journeys
from attribution.uncertainty.resample import BaseData, Resampler, replicate_seeds

CI_COLUMNS = ["ci_low", "ci_high", "revenue_ci_low", "revenue_ci_high", "share_ci_low", "share_ci_high"]
METRICS = ("conversions", "revenue", "share")
CHUNK_CELLS = 8_000_000  # replicate counts held at once (paths × 3 + journeys, per replicate)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BootstrapDraws:
    """Every replicate's channel credit for several models, plus the full-data estimates.

    ``conversions`` and ``revenue`` are arrays (n_boot, n_models, n_channels) in the order of
    ``models`` and ``channels``; NaN marks a replicate the model could not fit. ``point`` is the
    stacked tidy frame of the models on the full data. ``unit`` is "paths" or "journeys" (what was
    resampled, see :mod:`attribution.uncertainty.resample`).
    """

    point: pd.DataFrame
    models: tuple[str, ...]
    channels: tuple[str, ...]
    conversions: np.ndarray
    revenue: np.ndarray
    seed: int
    unit: str

    @property
    def n_boot(self) -> int:
        """Number of replicates."""
        return self.conversions.shape[0]

    @property
    def failed(self) -> dict[str, int]:
        """Replicates each model could not fit (left out of its intervals)."""
        bad = np.isnan(self.conversions).any(axis=2).sum(axis=0)
        return {m: int(n) for m, n in zip(self.models, bad, strict=True)}

    def replicates(self, model: str, metric: str = "conversions") -> np.ndarray:
        """(n_boot, n_channels) replicate values of one model: conversions, revenue or share."""
        if model not in self.models:
            raise ModelError(f"model {model!r} was not bootstrapped; available: {', '.join(self.models)}")
        if metric not in METRICS:
            raise ModelError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
        i = self.models.index(model)
        if metric == "revenue":
            return self.revenue[:, i]
        conv = self.conversions[:, i]
        if metric == "share":
            totals = conv.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(totals > 0, conv / np.where(totals > 0, totals, 1.0), 0.0)
        return conv


def bootstrap_draws(data: PathData, models: Iterable[str] | None = None, *, n_boot: int = 200, seed: int = 0,
                    model_params: Mapping[str, Mapping[str, object]] | None = None,
                    progress: Progress | None = None) -> BootstrapDraws:
    """Resample journeys ``n_boot`` times and record every model's channel credit per replicate.

    Parameters
    ----------
    data : Journeys or PathData
    models : iterable of str, optional
        Registered model names (default: every model the data supports).
    n_boot : int
        Replicates (at least 2).
    seed : int
        Seed of the resampling; the same seed gives the same replicates.
    model_params : mapping, optional
        ``{model: {parameter: value}}`` for models run with non-default parameters.
    progress : callable, optional
        Called as ``progress(done, total)`` with replicates done so far.

    Returns
    -------
    BootstrapDraws
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise ModelError(f"n_boot must be an integer of at least 2, got {n_boot!r}")
    names = list(dict.fromkeys(models if models is not None else supported_models(data)))
    if not names:
        raise ModelError("no models to bootstrap; pass at least one model name")
    params = {n: dict((model_params or {}).get(n, {})) for n in names}
    point = [run_model(n, data, **params[n]) for n in names]
    base = BaseData(data)
    journeys = any(needs_journeys(n, base) for n in names)
    resampler = Resampler(base, journeys=journeys)
    estimators = [make_estimator(n, base, params[n], resampler.journeys) for n in names]
    n_rows = len(data.paths)
    n_journeys = resampler.journeys.n_journeys if resampler.journeys is not None else 0
    chunk_size = int(max(1, min(64, CHUNK_CELLS // max(3 * n_rows + n_journeys, 1))))
    shape = (n_boot, len(names), len(base.channels))
    conversions, revenue = np.full(shape, np.nan), np.full(shape, np.nan)
    seeds = replicate_seeds(int(seed), int(n_boot))
    if progress:
        progress(0, n_boot)
    for start in range(0, n_boot, chunk_size):
        chunk = resampler.draw(seeds[start:start + chunk_size])
        stop = start + chunk.size
        for i, estimator in enumerate(estimators):
            conv, rev = estimator(chunk)
            conversions[start:stop, i], revenue[start:stop, i] = conv.T, rev.T
        if progress:
            progress(stop, n_boot)
    channels, conversions, revenue = _add_no_touch(data, list(base.channels.astype(str)), conversions, revenue)
    frame = pd.concat(point, ignore_index=True) if point else pd.DataFrame(columns=CREDIT_COLUMNS)
    return BootstrapDraws(frame, tuple(names), tuple(channels), conversions, revenue, int(seed),
                          "journeys" if journeys else "paths")


def _add_no_touch(data: PathData, channels: list[str], conversions: np.ndarray,
                  revenue: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Add the conversions without a touch to every replicate, as :func:`run_model` adds them to
    the full-data credit. They make no journey, so resampling journeys never moves them: their
    channel gets the same fixed amount in every replicate (an interval of zero width on the
    ``(no touch)`` row; on a chosen real channel such as Direct, its interval shifts by it)."""
    channel, n_conv, n_rev = no_touch_totals(data)
    if n_conv <= 0:
        return channels, conversions, revenue
    if channel not in channels:
        channels = [*channels, channel]
        pad = [(0, 0), (0, 0), (0, 1)]
        conversions, revenue = np.pad(conversions, pad), np.pad(revenue, pad)
    i = channels.index(channel)
    conversions[..., i] += n_conv
    revenue[..., i] += n_rev
    return channels, conversions, revenue


def summarise(draws: BootstrapDraws, level: float = INTERVAL_LEVEL) -> pd.DataFrame:
    """The tidy credit frame plus percentile intervals at ``level``.

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share`` (full-data estimates) and ``ci_low,
        ci_high`` (conversions), ``revenue_ci_low, revenue_ci_high``, ``share_ci_low,
        share_ci_high``. The replicate count, seed, resampled unit and the replicates each model
        could not fit are on ``draws`` (:class:`BootstrapDraws`), not repeated here.
    """
    lo, hi = quantile_bounds(level)
    rows = []
    for model in draws.models:
        bounds = {}
        for metric, (low_col, high_col) in zip(METRICS, zip(CI_COLUMNS[::2], CI_COLUMNS[1::2], strict=True),
                                               strict=True):
            values = draws.replicates(model, metric)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a model that failed every replicate
                bounds[low_col], bounds[high_col] = np.nanquantile(values, [lo, hi], axis=0)
        rows.append(pd.DataFrame({"model": model, "channel": list(draws.channels), **bounds}))
    intervals = pd.concat(rows, ignore_index=True)
    out = draws.point.merge(intervals, on=["model", "channel"], how="left")
    return out[CREDIT_COLUMNS + CI_COLUMNS]


def bootstrap(data: PathData, models: Iterable[str] | None = None, n_boot: int = 200, level: float = INTERVAL_LEVEL,
              seed: int = 0, *, model_params: Mapping[str, Mapping[str, object]] | None = None,
              progress: Progress | None = None) -> pd.DataFrame:
    """Bootstrap percentile confidence intervals for every requested model and channel.

    Parameters are those of :func:`bootstrap_draws`, plus ``level`` (e.g. 0.90 or 0.95).

    Returns
    -------
    DataFrame
        See :func:`summarise`.
    """
    quantile_bounds(level)
    draws = bootstrap_draws(data, models, n_boot=n_boot, seed=seed, model_params=model_params, progress=progress)
    return summarise(draws, level)


def quantile_bounds(level: float) -> tuple[float, float]:
    """The lower and upper quantiles of a central percentile interval at ``level``."""
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        raise ModelError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")
    return (1 - level) / 2, (1 + level) / 2
