"""IHC (Initializer / Holder / Closer) attribution, with per-session output in the IHC API shape.

Each session (touch) of a converting journey gets three values, each summing to 1 over the
journey's sessions, and a blend of them:

* **Initializer** ``I``. Raw value ``1`` for a user's first session ever (``hours_since_previous``
  is NaN) and ``1 − 2^(−g / H_I)`` for a session ``g`` hours after the user's previous session.
  Why: a session minutes after another continues the same visit and starts nothing (≈ 0); after
  ``H_I`` (default 24 h) it is half a fresh start; after a week it is almost a full one. The
  saturating form keeps a months-long gap from outweighing a week-long one many times over. When
  every raw value is 0 (all gaps 0) the journey's first session initializes. Without a
  ``hours_since_previous`` column the gaps are measured within the journey, its first session
  counting as a first session.
* **Holder** ``H``. Raw value ``1`` for a session with ``holder_engagement`` and ``0`` otherwise:
  holding means keeping the customer engaged between start and close, which is what the flag
  records. A journey without an engaged session spreads holder credit evenly (nothing singles out
  a holder, and the values must still sum to 1).
* **Closer** ``C``. Raw value ``2^(−Δt / H_C) · (1 + b·closer_engagement)`` with ``Δt`` the hours
  from the session to the conversion, ``H_C`` the closer half life (default 24 h) and ``b`` the
  closer engagement boost (default 1, i.e. an engaged session counts double). Why: the sessions
  right before a conversion close it; one a day earlier half as much; and a session that showed
  buying intent (cart, checkout) closes more than a bounce at the same time.
* **IHC** ``= (w_I·I + w_H·H + w_C·C) / (w_I + w_H + w_C)`` with default weights 1/3 each, so it
  also sums to 1 per conversion.

Everything is a closed-form function of the session's columns, so results are deterministic and do
not depend on row order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models.registry import LOCAL_CREDIT, TouchRule, register
from attribution.models.touch_table import (
    TouchTable,
    bool_column,
    credit_from_weights,
    hours_to_conversion,
    journey_table,
    normalise,
)

IHC_COLUMNS = ("hours_since_previous", "ts", "hours_to_conversion", "conversion_ts",
               "holder_engagement", "closer_engagement")
SESSION_COLUMNS = ["conversion_id", "session_id", "initializer", "holder", "closer", "ihc"]


def _gaps(table: TouchTable) -> np.ndarray:
    """Hours since the user's previous session (NaN for a first session)."""
    if "hours_since_previous" in table.extra:
        return np.asarray(table.extra["hours_since_previous"], dtype=float)
    ts = pd.Series(table.column("ts"))
    order = np.lexsort((table.position, table.group))
    gaps = np.full(len(ts), np.nan)
    ordered_ts = ts.to_numpy()[order]
    diffs = (ordered_ts[1:] - ordered_ts[:-1]) / np.timedelta64(1, "h")
    same = table.group[order][1:] == table.group[order][:-1]
    gaps[order[1:][same]] = diffs[same]
    return gaps


def ihc_components(table: TouchTable, *, initializer_half_life_hours: float = 24.0,
                   closer_half_life_hours: float = 24.0,
                   closer_engagement_boost: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initializer, holder and closer values per touch, each summing to 1 within a journey."""
    if not (initializer_half_life_hours > 0 and closer_half_life_hours > 0 and closer_engagement_boost >= 0):
        raise ModelError("ihc needs initializer_half_life_hours > 0, closer_half_life_hours > 0 and "
                         "closer_engagement_boost >= 0")
    gaps = _gaps(table)
    raw_i = np.where(np.isnan(gaps), 1.0, -np.expm1(-np.log(2.0) * np.maximum(gaps, 0.0)
                                                     / initializer_half_life_hours))
    has_start = np.bincount(table.group, weights=raw_i, minlength=table.n_groups) > 0
    raw_i = np.where(has_start[table.group], raw_i, (table.position == _first_position(table)).astype(float))
    initializer = normalise(table, raw_i)

    engaged = bool_column(table.extra["holder_engagement"]) if "holder_engagement" in table.extra \
        else np.zeros(len(table.group), dtype=bool)
    holder = normalise(table, engaged.astype(float))   # no engaged session -> uniform

    hours = hours_to_conversion(table)
    nearest = np.full(table.n_groups, np.inf)
    np.minimum.at(nearest, table.group, hours)
    closing = bool_column(table.extra["closer_engagement"]) if "closer_engagement" in table.extra \
        else np.zeros(len(table.group), dtype=bool)
    # Δt measured from the journey's nearest session: cancels in the normalisation, avoids underflow
    raw_c = np.exp2(-(hours - nearest[table.group]) / closer_half_life_hours) * (1 + closer_engagement_boost * closing)
    closer = normalise(table, raw_c)
    return initializer, holder, closer


def _first_position(table: TouchTable) -> np.ndarray:
    first = np.full(table.n_groups, np.iinfo(np.int64).max)
    np.minimum.at(first, table.group, table.position)
    return first[table.group]


def _blend(initializer: np.ndarray, holder: np.ndarray, closer: np.ndarray,
           w_initializer: float, w_holder: float, w_closer: float) -> np.ndarray:
    weights = np.array([w_initializer, w_holder, w_closer], dtype=float)
    if (weights < 0).any() or weights.sum() <= 0:
        raise ModelError(f"ihc weights must be >= 0 with a positive sum; got w_initializer="
                         f"{w_initializer}, w_holder={w_holder}, w_closer={w_closer}")
    weights /= weights.sum()
    return weights[0] * initializer + weights[1] * holder + weights[2] * closer


def ihc_weights(table: TouchTable, *, w_initializer: float = 1 / 3, w_holder: float = 1 / 3,
                w_closer: float = 1 / 3, initializer_half_life_hours: float = 24.0,
                closer_half_life_hours: float = 24.0, closer_engagement_boost: float = 1.0) -> np.ndarray:
    """IHC value per touch: the weighted blend of initializer, holder and closer values."""
    parts = ihc_components(table, initializer_half_life_hours=initializer_half_life_hours,
                           closer_half_life_hours=closer_half_life_hours,
                           closer_engagement_boost=closer_engagement_boost)
    return _blend(*parts, w_initializer, w_holder, w_closer)


IHC_RULE = TouchRule(
    ihc_weights, inputs=("journey_id", "position", *IHC_COLUMNS),
    formula="w = (w_I·I + w_H·H + w_C·C) / (w_I + w_H + w_C), each part normalised to sum to 1 per "
            "journey: I ∝ 1 − 2^(−g / H_I) with g = hours_since_previous (1 for a user's first session; "
            "gaps from ts within the journey when the column is absent; the first touch when all are 0), "
            "H ∝ holder_engagement (uniform when no touch is engaged), "
            "C ∝ 2^(−hours_to_conversion / H_C) · (1 + b·closer_engagement)")


@register("ihc", label="IHC (initializer / holder / closer)", needs_touches=True,
          description="Blend of initializer (time since previous session), holder (engagement) and "
                      "closer (time to conversion) credit, 1/3 each by default.",
          touch_rule=IHC_RULE, bootstrap=LOCAL_CREDIT)
def ihc(data: PathData, *, w_initializer: float = 1 / 3, w_holder: float = 1 / 3, w_closer: float = 1 / 3,
        initializer_half_life_hours: float = 24.0, closer_half_life_hours: float = 24.0,
        closer_engagement_boost: float = 1.0) -> pd.DataFrame:
    """IHC attribution summed by channel (see the module docstring for the formulas).

    Parameters
    ----------
    data : Journeys
        Needs the touches table; :class:`PathData` raises :class:`ModelError`.
    w_initializer, w_holder, w_closer : float
        Blend weights (>= 0, rescaled to sum to 1).
    initializer_half_life_hours : float
        Gap after the previous session at which a session is half an initializer.
    closer_half_life_hours : float
        Time before the conversion at which a session is half as much a closer as one at it.
    closer_engagement_boost : float
        Extra closer weight of a session with ``closer_engagement`` (1 = counts double).

    Returns
    -------
    DataFrame
        ``model, channel, conversions, revenue, share``, one row per channel.
    """
    table = journey_table(data, IHC_COLUMNS, label="IHC")
    weights = ihc_weights(table, w_initializer=w_initializer, w_holder=w_holder, w_closer=w_closer,
                          initializer_half_life_hours=initializer_half_life_hours,
                          closer_half_life_hours=closer_half_life_hours,
                          closer_engagement_boost=closer_engagement_boost)
    return credit_from_weights("ihc", table, weights)


def ihc_sessions(data: PathData, **params) -> pd.DataFrame:
    """One row per session of each converting journey, in the IHC API output shape.

    Parameters
    ----------
    data : Journeys
        Needs the touches table; :class:`PathData` raises :class:`ModelError`.
    **params
        The parameters of :func:`ihc`.

    Returns
    -------
    DataFrame
        ``conversion_id, session_id, initializer, holder, closer, ihc``, sorted by conversion and
        session order. ``conversion_id`` is the touches' ``conversion_id`` when present, else the
        journey id; ``session_id`` is the touch's ``session_id``, else ``"<journey_id>-<position>"``.
    """
    unknown = set(params) - set(ihc_weights.__kwdefaults__)
    if unknown:
        raise ModelError(f"ihc has no parameter(s) {', '.join(sorted(unknown))}; "
                         f"valid: {', '.join(ihc_weights.__kwdefaults__)}")
    blend = {k: params.pop(k) for k in ("w_initializer", "w_holder", "w_closer") if k in params}
    table = journey_table(data, (*IHC_COLUMNS, "conversion_id", "session_id"), label="IHC")
    initializer, holder, closer = ihc_components(table, **params)
    value = _blend(initializer, holder, closer, **{"w_initializer": 1 / 3, "w_holder": 1 / 3,
                                                   "w_closer": 1 / 3, **blend})
    journey_id = table.group_ids[table.group]
    conversion_id = _ids(table.extra.get("conversion_id"), pd.Series(journey_id).astype("str"))
    fallback = pd.Series(journey_id).astype("str") + "-" + pd.Series(table.position).astype("str")
    session_id = _ids(table.extra.get("session_id"), fallback)
    out = pd.DataFrame({"conversion_id": conversion_id, "session_id": session_id,
                        "initializer": initializer, "holder": holder, "closer": closer, "ihc": value})
    order = np.lexsort((table.position, journey_id))
    return out.iloc[order].reset_index(drop=True)


def _ids(values: np.ndarray | None, fallback: pd.Series) -> pd.Series:
    """String ids from an optional column, falling back row by row where it is missing."""
    if values is None:
        return fallback
    ids = pd.Series(values).astype("str")
    return ids.where(pd.Series(values).notna(), fallback)
