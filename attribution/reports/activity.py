"""Per-day activity of a dataset (for the Overview page and trend charts)."""
from __future__ import annotations

import pandas as pd

from attribution.store.sqlfiles import sql


def daily_activity(ds) -> pd.DataFrame:
    """One row per date and channel: touches, cost, spend; plus channel '(all)' conversions/revenue.

    Columns: date, channel, touches, conversions, revenue, spend.
    """
    if not ds.has_touches:
        return pd.DataFrame(columns=["date", "channel", "touches", "conversions", "revenue", "spend"])
    return ds.query(sql("dataset/daily_activity", schema=ds.schema))
