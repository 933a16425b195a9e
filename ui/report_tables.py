"""Display formatting of report tables: empty cells for undefined ratios, money and rates."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from attribution.reports.channel_report import marked_totals
from ui.confidence import labelled

_FORMATS = {"spend": "{:,.2f}", "revenue": "{:,.2f}", "cpa": "{:,.2f}", "roas": "{:,.2f}",
            "conversions": "{:,.2f}", "touches": "{:,.0f}", "conversion_rate": "{:.1%}",
            "period": lambda d: "" if pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")}
_LABELS = {"cpa": "CPA (CPO)", "roas": "ROAS", "conversion_rate": "conversion rate"}


def _styled(frame: pd.DataFrame):
    formats = {c: f for c, f in _FORMATS.items() if c in frame.columns}
    return frame.rename(columns=_LABELS).style.format(
        {_LABELS.get(c, c): f for c, f in formats.items()}, na_rep="").hide(axis="index")


def report_table(frame: pd.DataFrame) -> None:
    """Show a short channel report as a static table; undefined ratios (NaN) are empty cells."""
    st.table(_styled(frame))


def long_report_table(frame: pd.DataFrame) -> None:
    """Show a long (per period) channel report as a sortable grid; undefined ratios show as
    Streamlit's grey "None" (the grid cannot show an empty cell for a missing number)."""
    st.dataframe(_styled(frame), hide_index=True)


def export_table(report: pd.DataFrame) -> pd.DataFrame:
    """A channel report as its CSV and Excel downloads have it: model labels as on the page, and
    the Total rows marked (``is_total``, :func:`attribution.reports.channel_report.marked_totals`)."""
    return marked_totals(labelled(report))
