"""Credit by journey phase: how much of each channel's credit comes early, mid or late in journeys.

A journey of k touches is cut by touch count into early (first 25%), mid (middle 50%) and late
(last 25%). Touch p owns the slot [(p−1)/k, p/k]; its credit goes to each phase in proportion to
the part of that slot inside the phase. So with 4 touches each touch is wholly in one phase, a
single-touch journey gives 25% / 50% / 25%, and with 2 touches the first gives 50% early and
50% mid. Per-touch credit comes from :func:`attribution.models.touch_credit.touch_credit`.

On journeys whose touches stay in their engine (Spark) the split is the same sums: a rule model's
touches are weighed and split per hash bucket of whole journeys in the engine (``phase_sums``) and
the per-channel-and-phase sums added up; a global model's per-touch credit depends only on the
path, so its unique paths are split here (:func:`~attribution.models.touch_credit.path_touch_credit`).
"""
from __future__ import annotations

import functools

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
    if not data.touches_on_driver:
        if credit is not None:
            raise ModelError("credit per touch is a table on this machine, but these journeys keep their touches "
                             "in Spark; give model= (its credit is split there) or build the journeys with DuckDB")
        out = _engine_phases(model, data, params, float(early), float(late))
    else:
        if credit is None:
            credit = touch_credit(model, data, **params)
        out = split_phases(credit, data.touches[["journey_id", "n_touches"]], float(early), float(late))
    totals = out.groupby("channel")["conversions"].transform("sum").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(totals > 0, out["conversions"].to_numpy(dtype=float) / totals, np.nan)
    out.insert(0, "model", model)
    return out.assign(share=share)[PHASE_COLUMNS]


def split_phases(credit: pd.DataFrame, lengths: pd.DataFrame, early: float, late: float,
                 query: str | None = None) -> pd.DataFrame:
    """Per-touch ``credit`` (:data:`TOUCH_CREDIT_COLUMNS`) split into phases and summed: ``channel,
    phase, conversions, revenue`` (rows by channel, phases in order) by reports/journey_phases.sql;
    ``lengths`` gives each journey's ``n_touches`` (``journey_id, n_touches``, repeats allowed).
    ``query`` is that file's text when read elsewhere (a Spark executor may not see the file)."""
    con = duckdb.connect()
    try:
        con.register("touches", lengths[["journey_id", "n_touches"]])
        con.register("credit", credit[TOUCH_CREDIT_COLUMNS])
        return con.execute(query or sql("reports/journey_phases"), {"early": early, "late": late}).df()
    finally:
        con.close()


def _engine_phases(model: str, data: PathData, params: dict, early: float, late: float) -> pd.DataFrame:
    """:func:`split_phases` of a model's credit on journeys whose touches stay in their engine."""
    from attribution.models.registry import check_params, engine_weigher
    from attribution.models.touch_credit import path_touch_credit

    spec = check_params(model, params)
    split = functools.partial(split_phases, early=early, late=late, query=sql("reports/journey_phases"))
    if spec.touch_rule is None:
        lengths = pd.DataFrame({"journey_id": np.arange(len(data.paths)),
                                "n_touches": data.paths["path"].map(len).to_numpy(dtype=np.int64)})
        return split(path_touch_credit(model, data, **params), lengths)
    sums = data.phase_sums(engine_weigher(spec, data, params), spec.touch_rule.columns, split)
    order = sums["phase"].map({p: i for i, p in enumerate(PHASES)})
    return sums.assign(_order=order).sort_values(["channel", "_order"], ignore_index=True).drop(columns="_order")
