"""Per-touch credit of a model: each journey's credit spread onto its touches.

Models give credit per journey and channel (:func:`attribution.models.journey_credit.journey_credit`).
Reports that date credit by touch or split it by journey stage need it per touch. The rule here:

    a channel's credit in a journey is split equally over that channel's touches in the journey.

This is exact for ``linear`` and for every model on journeys where each channel appears once; for
position- or time-weighted models (first/last touch, time decay, U-shaped) a repeated channel's
credit is spread evenly over its touches. When the models package offers an exact per-touch
function (``attribution.models.journey_credit.touch_credit(name, data, **params)`` with the columns
below), :func:`touch_credit` uses it instead.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from attribution.errors import ModelError
from attribution.pathdata import PathData

JOURNEY_CREDIT_COLUMNS = ["journey_id", "channel", "conversions", "revenue"]
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


def journey_credit(model: str, data: PathData, **params) -> pd.DataFrame:
    """Per-journey credit of a registered model (``journey_id, channel, conversions, revenue``)."""
    if not data.has_touches:
        raise ModelError("credit per journey needs built journeys; aggregated paths have none. "
                         "Load touchpoints and conversions (or an event log).")
    try:
        from attribution.models.journey_credit import journey_credit as compute
    except ImportError:  # the models package of this install has no per-journey credit
        raise ModelError("per-journey credit is not available in this installation "
                         "(attribution.models.journey_credit is missing)") from None
    return compute(model, data, **params)


def touch_credit(model: str, data: PathData, **params) -> pd.DataFrame:
    """Per-touch credit of a registered model: ``journey_id, position, channel, conversions, revenue``.

    Uses the models package's exact per-touch credit when it has one, else the rule of this module.
    Conversions and revenue sum to the model's totals per channel.
    """
    try:
        from attribution.models.journey_credit import touch_credit as exact
    except ImportError:
        exact = None
    if exact is not None and data.has_touches:
        return exact(model, data, **params)[TOUCH_CREDIT_COLUMNS]
    return spread_journey_credit(journey_credit(model, data, **params), data.touches)
