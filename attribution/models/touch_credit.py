"""Per-touch credit of a model: how each conversion's credit splits over the journey's touches.

Reports that date credit by touch, or split it by journey phase, need credit per touch:

- rule-based models (first/last touch, linear, time decay, position based, W-shaped, IHC, ...)
  have an exact per-touch rule (the ``touch_rule`` of their registered spec), used as is;
- global models (Markov, Shapley, counterfactual, logistic, ...) only give channel totals. Their
  per-journey credit (:func:`attribution.models.journey_credit.journey_credit`, raked) is spread
  over touches by the rule below, then scaled per channel to the model's totals, because raking
  cannot always meet them exactly (e.g. a one-channel journey forces that channel's credit).
  Channel totals then equal :func:`~attribution.models.run_model`'s; a journey's credit may then
  sum to slightly more or less than its one conversion.

Spreading rule: a channel's credit in a journey is split equally over that channel's touches in
the journey (exact for every model on journeys where each channel appears once).

Journeys whose touches stay in their engine (Spark): a global model's raked credit depends only on
a journey's path (and, for revenue, on its revenue), so it is worked out once per unique path here
(:func:`path_touch_credit`) and applied to the engine's counts of touches per path, channel and
date (:func:`engine_credit_sums`); a rule model's weights are summed in the engine.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.journey_credit import JOURNEY_CREDIT_COLUMNS

TOUCH_CREDIT_COLUMNS = ["journey_id", "position", "channel", "conversions", "revenue"]

_SPREAD_SQL = """
with per_channel as (
    select journey_id, position, channel,
           count(*) over (partition by journey_id, channel) as channel_touches
    from touches
),
final as (
    select t.journey_id, t.position, t.channel,
           c.conversions / t.channel_touches as conversions,
           c.revenue / t.channel_touches as revenue
    from per_channel t
    join credit c on c.journey_id = t.journey_id and c.channel = t.channel
)
select * from final order by journey_id, position
"""


def spread_journey_credit(credit: pd.DataFrame, touches: pd.DataFrame) -> pd.DataFrame:
    """Spread per-journey channel credit equally over that channel's touches in the journey.

    Parameters
    ----------
    credit : DataFrame
        ``journey_id, channel, conversions, revenue`` (one row per journey and credited channel).
    touches : DataFrame
        The journeys' touches (``journey_id, position, channel`` at least).

    Returns
    -------
    DataFrame ``journey_id, position, channel, conversions, revenue``, one row per credited touch.
    Credit for a (journey, channel) pair with no matching touch raises :class:`ModelError`,
    because it would silently vanish.
    """
    missing = [c for c in JOURNEY_CREDIT_COLUMNS if c not in credit.columns]
    if missing:
        raise ModelError(f"journey credit lacks column(s) {', '.join(missing)}; "
                         f"expected {', '.join(JOURNEY_CREDIT_COLUMNS)}")
    con = duckdb.connect()
    try:
        con.register("touches", touches[["journey_id", "position", "channel"]])
        con.register("credit", credit[JOURNEY_CREDIT_COLUMNS])
        out = con.execute(_SPREAD_SQL).df()
    finally:
        con.close()
    lost = float(credit["conversions"].sum()) - float(out["conversions"].sum())
    if abs(lost) > 1e-6 * max(1.0, float(credit["conversions"].abs().sum())):
        raise ModelError(f"{lost:.6g} conversions of journey credit name a journey and channel that "
                         "have no touch; credit and touches must come from the same journeys")
    return out


def _exact_touch_credit(model: str, data: PathData, params: dict) -> pd.DataFrame | None:
    """Per-touch credit from a rule-based model's touch weights, or None for global models."""
    from attribution.models.registry import model_spec
    from attribution.models.touch_table import journey_table

    spec = model_spec(model)
    if spec.touch_rule is None:
        return None
    table = journey_table(data, spec.touch_rule.columns, label=spec.label)
    weights = spec.touch_rule.weights(table, **params)
    return pd.DataFrame({
        "journey_id": table.group_ids[table.group],
        "position": table.position,
        "channel": pd.array(table.channels[table.channel].astype(str), dtype="str"),
        "conversions": weights * table.group_conversions[table.group],
        "revenue": weights * table.group_revenue[table.group],
    })


def calibrate(credit: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Scale per-touch credit so each channel's conversions and revenue equal ``totals`` (a tidy
    model frame ``channel, conversions, revenue``); a channel with no credit to scale stays 0."""
    out = credit.copy()
    target = totals.set_index("channel")
    for col in ("conversions", "revenue"):
        current = out.groupby("channel")[col].transform("sum").to_numpy(dtype=float)
        wanted = target[col].reindex(out["channel"]).fillna(0.0).to_numpy(dtype=float)
        factor = np.divide(wanted, current, out=np.zeros_like(current), where=current != 0)
        out[col] = out[col].to_numpy(dtype=float) * factor
    return out


def touch_credit(model: str, data: PathData, **params) -> pd.DataFrame:
    """Per-touch credit of a registered model: ``journey_id, position, channel, conversions, revenue``.

    One row per touch of a converting journey. Conversions and revenue sum by channel to the model's
    credit (:func:`attribution.models.run_model`); see the module docstring for how.
    """
    from attribution.models.journey_credit import journey_credit
    from attribution.models.registry import check_params, run_model

    check_params(model, params)
    if not data.has_touches:
        raise ModelError("credit per touch needs built journeys; aggregated paths have none. "
                         "Load touchpoints and conversions (or an event log).")
    exact = _exact_touch_credit(model, data, params)
    if exact is not None:
        return exact
    totals = run_model(model, data, **params)
    spread = spread_journey_credit(journey_credit(model, data, totals=totals, **params), data.touches)
    return calibrate(spread, totals)


def path_touch_credit(model: str, data: PathData, **params) -> pd.DataFrame:
    """A global model's per-touch credit on the unique paths: ``journey_id`` (the row of
    ``data.paths``), ``position``, ``channel``, ``conversions``, ``revenue``, summed over the path's
    journeys.

    The same rules as :func:`touch_credit` (raked to the model's totals, spread equally over a
    channel's touches, calibrated per channel), on paths weighted by their conversions and revenue
    (:func:`~attribution.models.journey_credit.raked_credit`): a journey's credit is its path's
    divided by the path's conversions (revenue: times its share of the path's revenue).
    """
    from attribution.models.journey_credit import raked_credit
    from attribution.models.registry import check_params, run_model
    from attribution.models.touch_table import path_table

    spec = check_params(model, params)
    if spec.touch_rule is not None:
        raise ModelError(f"{spec.label} has an exact per-touch rule; path credit is for global models")
    totals = run_model(model, data, **params)
    table = path_table(data)
    touches = pd.DataFrame({"journey_id": table.group_ids[table.group], "position": table.position,
                            "channel": pd.array(table.channels[table.channel].astype(str), dtype="str")})
    return calibrate(spread_journey_credit(raked_credit(table, totals), touches), totals)


def engine_credit_sums(model: str, data: PathData, params: dict, by_date: str) -> pd.DataFrame:
    """A model's per-touch credit summed per date and channel (``date, channel, conversions,
    revenue``) on journeys whose touches stay in their engine (Spark); the dates are those of
    :func:`~attribution.models.registry.engine_weight_sums` (``by_date`` "conversion" or "touch").

    Rule models: their weights summed in the engine. Global models: :func:`path_touch_credit` per
    touch of one journey (the path's credit per touch over its conversions, and over its revenue)
    times the engine's touches (and their journeys' revenue) per date, path and channel
    (``data.path_touch_counts``), which equals :func:`touch_credit` dated the same way.
    """
    from attribution.models.registry import check_params, engine_weight_sums

    spec = check_params(model, params)
    if spec.touch_rule is not None:
        return engine_weight_sums(spec, data, params, by_date=by_date)
    per_touch = path_touch_credit(model, data, **params).groupby(["journey_id", "channel"], as_index=False)[
        ["conversions", "revenue"]].first()
    rows = per_touch["journey_id"].to_numpy()
    path_conv = data.paths["conversions"].to_numpy(dtype=float)[rows]
    path_rev = data.paths["revenue"].to_numpy(dtype=float)[rows]
    unit = per_touch.assign(
        unit_conversions=np.divide(per_touch["conversions"].to_numpy(dtype=float), path_conv,
                                   out=np.zeros(len(rows)), where=path_conv != 0),
        unit_revenue=np.divide(per_touch["revenue"].to_numpy(dtype=float), path_rev,
                               out=np.zeros(len(rows)), where=path_rev != 0)).rename(columns={"journey_id": "path_row"})
    counts = data.path_touch_counts(by_date).merge(unit[["path_row", "channel", "unit_conversions", "unit_revenue"]],
                                                   on=["path_row", "channel"], how="inner")
    counts = counts.assign(conversions=counts["touches"] * counts["unit_conversions"],
                           revenue=counts["revenue"] * counts["unit_revenue"])
    return counts.groupby(["date", "channel"], as_index=False, sort=True)[["conversions", "revenue"]].sum()
