"""Reshape stacked model results for reading: wide tables and two-model comparisons."""
from __future__ import annotations

import numpy as np
import pandas as pd

METRICS = ("conversions", "revenue", "share")


def credit_table(results: pd.DataFrame, metric: str = "conversions") -> pd.DataFrame:
    """Channels × models table of one metric from the stacked tidy frame (``compare`` output).

    Rows are channels (sorted by the first model's value, largest first), columns are models in
    the order they appear; a channel a model never credits shows 0.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}")
    models = list(dict.fromkeys(results["model"]))
    wide = results.pivot_table(index="channel", columns="model", values=metric, aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=models)
    if models:
        wide = wide.sort_values(models[0], ascending=False)
    wide.columns.name = None
    return wide.reset_index()


def compare_two(results: pd.DataFrame, baseline: str, other: str, metric: str = "conversions") -> pd.DataFrame:
    """GA4-style comparison: per channel the baseline and other model's values and % change.

    ``change_pct`` is (other − baseline) / baseline × 100, and NaN (shown empty) where the
    baseline gives the channel nothing, so a change from zero is never shown as infinite.
    """
    wide = credit_table(results[results["model"].isin([baseline, other])], metric).set_index("channel")
    base = wide[baseline].to_numpy(dtype=float)
    new = wide[other].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(base > 0, (new - base) / base * 100.0, np.nan)
    out = pd.DataFrame({"channel": wide.index, baseline: base, other: new, "change": new - base,
                        "change_pct": change})
    return out.sort_values("change", ascending=False, ignore_index=True)
