"""Compare a media-mix fit with a simulator's known truth (the built-in sample ships one)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.mmm.result import MMMResult

DAILY_TRUTH_COLUMNS = ("date", "channel", "spend", "incremental_revenue")


def compare_with_truth(res: MMMResult, daily_truth: pd.DataFrame) -> pd.DataFrame:
    """Each channel's fitted ROAS next to its true ROAS over the same periods.

    ``daily_truth`` has one row per day and channel with ``spend`` and ``incremental_revenue`` (the
    revenue that disappears, by purchase date, when the simulator re-runs the same random draws with
    that channel switched off). The true ROAS is its incremental revenue over the fit range (hold-out
    excluded: from the first fitted period to the end of the last one) divided by its spend there.
    Returns ``channel, roas, true_roas, error`` (roas / true_roas - 1) and, with bootstrap intervals,
    ``roas_ci_low, roas_ci_high, covered`` (the interval contains the truth). Channels the truth does
    not know are left out.
    """
    missing = [c for c in DAILY_TRUTH_COLUMNS if c not in daily_truth.columns]
    if missing:
        raise DataValidationError(f"the truth table lacks column(s) {', '.join(missing)}", column=missing[0])
    fitted = res.fitted.loc[~res.fitted["is_holdout"], "date"]
    step = pd.Timedelta(days=7 if res.freq == "W" else 1)
    first, end = pd.Timestamp(fitted.min()), pd.Timestamp(fitted.max()) + step
    days = pd.to_datetime(daily_truth["date"])
    inside = daily_truth[(days >= first) & (days < end)]
    sums = inside.groupby("channel")[["spend", "incremental_revenue"]].sum()
    s = res.channel_summary.set_index("channel")
    rows = []
    for ch in res.channels:
        if ch not in sums.index or sums.loc[ch, "spend"] <= 0:
            continue
        true = float(sums.loc[ch, "incremental_revenue"] / sums.loc[ch, "spend"])
        row = {"channel": ch, "roas": float(s.loc[ch, "roas"]), "true_roas": true,
               "error": float(s.loc[ch, "roas"]) / true - 1 if true > 0 else np.nan}
        if "roas_ci_low" in s:
            row.update(roas_ci_low=float(s.loc[ch, "roas_ci_low"]), roas_ci_high=float(s.loc[ch, "roas_ci_high"]),
                       covered=bool(s.loc[ch, "roas_ci_low"] <= true <= s.loc[ch, "roas_ci_high"]))
        rows.append(row)
    return pd.DataFrame(rows)
