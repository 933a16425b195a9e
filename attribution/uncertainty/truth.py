"""Model error against a known ground truth (the simulator's true incremental conversions).

The simulator (:mod:`attribution.simulate`) knows, per channel, the purchases that would be lost
if the channel were switched off. Attribution models split *all* conversions, including those
that would have happened anyway, so their totals exceed the truth's; compare the **shares**
(``share_error``) to judge how well a model allocates credit, and the absolute errors to see how
far its numbers are from incremental ones. The truth counts purchases: compare it with models run
on journeys ending in the purchase stage.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError

TRUE_CONVERSIONS = "true_incremental_conversions"
TRUE_REVENUE = "true_incremental_revenue"


def read_truth(path: str | Path) -> pd.DataFrame:
    """Read a ground-truth table (Parquet or CSV) with ``channel`` and true incremental conversions."""
    path = Path(path)
    frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    missing = [c for c in ("channel", TRUE_CONVERSIONS) if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{path.name} lacks column(s) {', '.join(missing)}; a truth table needs "
                                  f"channel and {TRUE_CONVERSIONS}", file=path.name, column=missing[0])
    return frame


def truth_errors(results: pd.DataFrame, truth: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each model's error against the true incremental conversions, per channel and overall.

    Parameters
    ----------
    results : DataFrame
        Stacked tidy credit frames (``model, channel, conversions, revenue, share``).
    truth : DataFrame
        ``channel, true_incremental_conversions`` and optionally ``true_incremental_revenue``.

    Returns
    -------
    per_channel : DataFrame
        ``model, channel, conversions, true_conversions, error`` (model − truth), ``abs_error``,
        ``relative_error`` (error / truth, a fraction; NaN where the truth is 0), ``share, true_share,
        share_error`` (model share − true share); with revenue truth also ``revenue,
        true_revenue, revenue_error``. Channels missing on one side count as 0 there.
    summary : DataFrame
        One row per model: ``mae`` (mean absolute error in conversions over channels), ``mape``
        (mean absolute relative error over channels with a positive truth, a fraction as the
        media-mix model's ``mape``: 0.25 = 25 %),
        ``share_error`` (½ Σ |share − true share|: the fraction of credit given to the wrong
        channels, 0 = same split as the truth, 1 = disjoint), and ``revenue_mae`` with revenue truth.
    """
    missing = [c for c in ("channel", TRUE_CONVERSIONS) if c not in truth.columns]
    if missing:
        raise DataValidationError(f"the truth table lacks column(s) {', '.join(missing)}", column=missing[0])
    has_revenue = TRUE_REVENUE in truth.columns
    true = truth.groupby("channel")[[TRUE_CONVERSIONS] + ([TRUE_REVENUE] if has_revenue else [])].sum()
    true_total = float(true[TRUE_CONVERSIONS].sum())
    frames = []
    for model, credit in results.groupby("model", sort=False):
        credit = credit.groupby("channel")[["conversions", "revenue"]].sum()
        channels = credit.index.union(true.index)
        credit, model_true = credit.reindex(channels).fillna(0.0), true.reindex(channels).fillna(0.0)
        conv, true_conv = credit["conversions"].to_numpy(), model_true[TRUE_CONVERSIONS].to_numpy(dtype=float)
        total = conv.sum()
        error = conv - true_conv
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(true_conv > 0, error / true_conv, np.nan)
        frame = pd.DataFrame({
            "model": model, "channel": channels.astype(str), "conversions": conv, "true_conversions": true_conv,
            "error": error, "abs_error": np.abs(error), "relative_error": relative,
            "share": conv / total if total > 0 else np.zeros_like(conv),
            "true_share": true_conv / true_total if true_total > 0 else np.zeros_like(conv),
        })
        frame["share_error"] = frame["share"] - frame["true_share"]
        if has_revenue:
            frame["revenue"] = credit["revenue"].to_numpy()
            frame["true_revenue"] = model_true[TRUE_REVENUE].to_numpy(dtype=float)
            frame["revenue_error"] = frame["revenue"] - frame["true_revenue"]
        frames.append(frame)
    if not frames:
        raise DataValidationError("no model results to compare with the truth; run at least one model")
    per_channel = pd.concat(frames, ignore_index=True)
    summary = per_channel.groupby("model", sort=False).agg(
        mae=("abs_error", "mean"),
        mape=("relative_error", lambda s: float(np.nanmean(np.abs(s))) if s.notna().any() else np.nan),
        share_error=("share_error", lambda s: 0.5 * float(np.abs(s).sum())),
    )
    if has_revenue:
        summary["revenue_mae"] = per_channel.groupby("model", sort=False)["revenue_error"].apply(
            lambda s: float(np.abs(s).mean()))
    return per_channel, summary.reset_index()
