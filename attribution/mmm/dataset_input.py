"""Media-mix input from a loaded dataset: spend per channel and an outcome per day or week.

The heavy lifting (one row per spend row or conversion) stays in the dataset's engine, which sums
spend per day and channel and conversions/revenue per day; only those small daily aggregates reach pandas, where
:func:`attribution.mmm.aggregate_for_mmm` rolls them up to days or weeks and fills empty periods.
"""
from __future__ import annotations

import pandas as pd

from attribution.errors import DataValidationError
from attribution.mmm.inputs import aggregate_for_mmm, model_param_count

TARGETS = ("revenue", "conversions")


def mmm_unavailable_reason(ds) -> str | None:
    """Why a dataset cannot feed the media-mix model (no spend, no dated conversions), or None.

    The message says what to do instead.
    """
    if not ds.row_count("spend"):
        return (f"The dataset “{ds.name}” has no spend table, so there is no spend per channel to model. "
                "Load the data again with a daily spend file (Data page), or upload a wide CSV with one "
                "row per day or week (date, outcome, one spend column per channel).")
    if not ds.has_touches:
        return (f"The dataset “{ds.name}” holds aggregated paths without dates, so there is no outcome per "
                "day or week. Upload a wide CSV with one row per day or week instead.")
    if not ds.row_count("conversions"):
        return (f"The dataset “{ds.name}” has no conversions, so there is no outcome to explain. Upload a "
                "wide CSV with one row per day or week instead.")
    return None


def mmm_frame(ds, freq: str = "W", target: str = "revenue", stage: str | None = None) -> pd.DataFrame:
    """Wide media-mix table ``date, y, <channel>...`` from a dataset's ``spend`` and ``conversions``.

    Parameters
    ----------
    ds : a loaded :class:`attribution.engine.duckdb_dataset.Dataset` with a spend table and dated conversions.
    freq : ``"W"`` (weeks starting Monday; a partly covered first or last week is dropped) or ``"D"``.
    target : ``"revenue"`` (sum of conversion revenue) or ``"conversions"`` (number of conversions).
    stage : count only conversions of this funnel stage (``None`` = every conversion).

    Only conversions inside the spend table's date range count: outside it the spend is unknown,
    not zero. Every period of that range appears, with zero where nothing was spent or converted.

    Raises
    ------
    DataValidationError when the dataset has no spend or conversions (see
    :func:`mmm_unavailable_reason`), when ``stage`` is unknown, or when the outcome is zero throughout.
    """
    if target not in TARGETS:
        raise DataValidationError(f"target must be one of {', '.join(TARGETS)} (got {target!r})")
    reason = mmm_unavailable_reason(ds)
    if reason:
        raise DataValidationError(reason)
    spend, outcome = ds.daily_spend(), ds.daily_outcome(stage)
    if outcome.empty:
        what = f"of stage {stage!r} " if stage else ""
        raise DataValidationError(f"no conversions {what}fall inside the spend table's dates "
                                  f"({spend['date'].min():%Y-%m-%d} to {spend['date'].max():%Y-%m-%d}); "
                                  "pick another stage or load spend for the conversion period")
    # aggregate_for_mmm sums a "revenue" column per period: hand it the daily sums of the target
    daily = pd.DataFrame({"ts": outcome["day"], "revenue": outcome[target]})
    frame = aggregate_for_mmm(spend, daily, freq=freq, target="revenue")
    if not (frame["y"] != 0).any():
        raise DataValidationError(f"{target} is zero in every period{f' for stage {stage!r}' if stage else ''}; "
                                  "choose conversions as the outcome, or another stage")
    return frame


def suggest_freq(ds, n_controls: int = 0, adstock: str = "geometric",
                 saturation: str = "logistic") -> tuple[str, str | None]:
    """Granularity to fit a dataset at: ``("W", None)`` or ``("D", why weekly is not possible)``.

    Weekly data is the usual choice (less noise, no day-of-week pattern to model); daily is
    suggested when there are too few full weeks for the model (2 rows per parameter, counted with
    :func:`attribution.mmm.inputs.model_param_count` for the given adstock and saturation forms,
    exactly as :func:`attribution.mmm.fit` counts them), unless the spend itself is recorded once a week.
    """
    spend_dates = pd.to_datetime(ds.daily_spend()["date"])
    days = {"n": spend_dates.nunique(), "span": (spend_dates.max() - spend_dates.min()).days + 1}
    weekly = mmm_frame(ds, "W", target="conversions")
    channels = len(weekly.columns) - 2
    need = 2 * model_param_count(channels, n_controls, adstock=adstock, saturation=saturation)
    if len(weekly) >= need or 2 * int(days["n"]) < int(days["span"]):
        return "W", None
    return "D", (f"only {len(weekly)} full weeks of spend, and a weekly model of {channels} channels needs at "
                 f"least {need}; daily data is used instead")
