"""Credit by journey phase: how much of each channel's credit comes early, mid or late in journeys.

A journey of k touches is cut by touch count into early (first 25%), mid (middle 50%) and late
(last 25%). Touch p owns the slot [(p−1)/k, p/k]; its credit goes to each phase in proportion to
the part of that slot inside the phase. So with 4 touches each touch is wholly in one phase, a
single-touch journey gives 25% / 50% / 25%, and with 2 touches the first gives 50% early and
50% mid. Per-touch credit comes from :func:`attribution.models.touch_credit.touch_credit`.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from attribution.errors import DataValidationError, ModelError
from attribution.journeys.data import PathData
from attribution.models.touch_credit import TOUCH_CREDIT_COLUMNS, touch_credit
from attribution.store.sqlfiles import sql

PHASES = ("early", "mid", "late")
PHASE_COLUMNS = ["model", "channel", "phase", "conversions", "revenue", "share"]


def journey_phases(data: PathData, model: str = "linear", *, credit: pd.DataFrame | None = None,
                early: float = 0.25, late: float = 0.25, **params) -> pd.DataFrame:
    """Each channel's credit under ``model`` split by journey phase (early / mid / late).

    Parameters
    ----------
    data : Journeys
        Built journeys (touch positions are needed; aggregated paths are refused).
    model : str
        A registered model name; ``params`` are its parameters.
    credit : DataFrame, optional
        Per-touch credit ``journey_id, position, channel, conversions, revenue`` to split instead of
        computing the model's (e.g. from a custom model).
    early, late : float
        Shares of each journey that count as early and late (the rest is mid).

    Returns
    -------
    DataFrame, three rows per channel (phases in order early, mid, late): ``model, channel, phase,
    conversions, revenue, share`` where ``share`` is the phase's part of the channel's conversions
    (NaN for a channel with no credit). Conversions and revenue sum to the channel's credit.
    """
    if not (0 <= early <= 1 and 0 <= late <= 1 and early + late <= 1):
        raise DataValidationError(f"early ({early}) and late ({late}) must be shares between 0 and 1 "
                                  "that add up to at most 1")
    if not data.has_touches:
        raise ModelError("credit by journey phase needs touch positions; aggregated paths have none. "
                         "Load touchpoints and conversions (or an event log).")
    if credit is None:
        credit = touch_credit(model, data, **params)
    con = duckdb.connect()
    try:
        con.register("touches", data.touches[["journey_id", "n_touches"]])
        con.register("credit", credit[TOUCH_CREDIT_COLUMNS])
        out = con.execute(sql("reports/journey_phases"), {"early": float(early), "late": float(late)}).df()
    finally:
        con.close()
    totals = out.groupby("channel")["conversions"].transform("sum").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(totals > 0, out["conversions"].to_numpy(dtype=float) / totals, np.nan)
    out.insert(0, "model", model)
    return out.assign(share=share)[PHASE_COLUMNS]
