"""Do the models agree? Rank correlation between models, and paired differences with intervals."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from attribution.defaults import INTERVAL_LEVEL
from attribution.errors import ModelError
from attribution.models.summary import credit_table
from attribution.uncertainty.bootstrap import BootstrapDraws, quantile_bounds

RANK_METHODS = ("spearman", "kendall")


def rank_correlation(results: pd.DataFrame, metric: str = "conversions", method: str = "spearman") -> pd.DataFrame:
    """How similarly two models rank the channels, for every pair of models.

    Parameters
    ----------
    results : DataFrame
        Stacked tidy credit frames (``compare`` or ``bootstrap`` output).
    metric : {"conversions", "revenue", "share"}
    method : {"spearman", "kendall"}
        Rank correlation coefficient; a channel a model does not credit counts as 0.

    Returns
    -------
    DataFrame
        Column ``model`` then one column per model (in order of appearance): the correlation of
        the two models' channel values, from −1 (opposite order) to 1 (same order). NaN where a
        model gives every channel the same value (no order to compare).
    """
    if method not in RANK_METHODS:
        raise ModelError(f"method must be one of {', '.join(RANK_METHODS)}, got {method!r}")
    wide = credit_table(results, metric).set_index("channel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant columns give NaN, as documented
        corr = wide.corr(method=method)
    corr = corr.reindex(index=wide.columns, columns=wide.columns)
    corr.index.name = "model"
    corr.columns.name = None
    return corr.reset_index()


def model_difference(draws: BootstrapDraws, first: str, second: str, metric: str = "conversions",
                     level: float = INTERVAL_LEVEL) -> pd.DataFrame:
    """Per channel, ``first`` minus ``second`` with a paired bootstrap percentile interval.

    Both models were evaluated on the same replicates, so the interval accounts for their
    correlation (it is usually much narrower than the two separate intervals suggest).

    Returns
    -------
    DataFrame
        ``channel, <first>, <second>, difference, ci_low, ci_high, significant`` (full-data
        values, their difference, its interval, and whether the interval excludes 0), sorted by
        difference, largest first.
    """
    lo, hi = quantile_bounds(level)
    if first == second:
        raise ModelError("pick two different models to compare")
    diff = draws.replicates(first, metric) - draws.replicates(second, metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a model that failed every replicate
        low, high = np.nanquantile(diff, [lo, hi], axis=0)
    point = draws.point[draws.point["model"].isin([first, second])]
    wide = credit_table(point, metric).set_index("channel").reindex(list(draws.channels)).fillna(0.0)
    out = pd.DataFrame({"channel": list(draws.channels), first: wide[first].to_numpy(),
                        second: wide[second].to_numpy()})
    out["difference"] = out[first] - out[second]
    out["ci_low"], out["ci_high"] = low, high
    out["significant"] = (low > 0) | (high < 0)
    return out.sort_values("difference", ascending=False, ignore_index=True)
