"""Channel report: spend, touches, attributed conversions and revenue, CPA (= CPO) and ROAS.

Per channel (and per day, week or month) for one attribution model. Credit per touch comes from
:func:`attribution.models.touch_credit.touch_credit`; its totals per channel equal the model's credit,
so the report's totals agree with :func:`attribution.models.run_model`. Ratios whose denominator
is zero are NaN (an empty cell), never 0 or infinity.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from attribution.engine.base import NO_SPEND, SPEND_TABLE, TOUCH_COST
from attribution.errors import DataValidationError, ModelError
from attribution.journeys.data import PathData
from attribution.models.touch_credit import TOUCH_CREDIT_COLUMNS, touch_credit
from attribution.store.sqlfiles import sql

FREQS = ("day", "week", "month")
DATE_BY = ("conversion", "touch")
REPORT_COLUMNS = ["model", "channel", "period", "spend", "touches", "conversions", "revenue", "cpa", "roas",
                  "conversion_rate"]
GIVEN = "spend given"
#: how a report names where its spend came from (``ChannelReport.spend_source``)
SPEND_SOURCES = {SPEND_TABLE: "the dataset's spend table", TOUCH_COST: "the summed cost of the touchpoints",
                 NO_SPEND: "nowhere (no spend table and no touch costs, so spend, CPA and ROAS are empty)",
                 GIVEN: "the spend table passed in"}
TOTAL = "Total"
IHC_COLUMNS = ["channel_name", "date", "cost", "ihc", "ihc_revenue", "CPO", "ROAS"]


@dataclass(frozen=True)
class ChannelReport:
    """A channel report and how it was made.

    ``table`` is the frame :func:`channel_report` returns; ``model`` the model whose credit it
    reports; ``freq`` its period length (None: one row per channel); ``date_by`` whether credit is
    dated by the conversion or the touch; ``spend_source`` where spend came from: "spend table",
    "touch cost", "none" (unknown), "spend given" or the label passed with an explicit spend table.
    """

    table: pd.DataFrame
    model: str
    freq: str | None
    date_by: str
    spend_source: str

    def with_totals(self) -> ChannelReport:
        """The same report with a ``Total`` row per period (:func:`with_totals`); unchanged when it
        already has them."""
        if self.table["channel"].eq(TOTAL).any():
            return self
        return replace(self, table=with_totals(self.table))


def _ratio(num: pd.Series, den: pd.Series) -> np.ndarray:
    num, den = num.to_numpy(dtype=float), den.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def add_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """(Re)compute ``cpa`` = spend / conversions, ``roas`` = revenue / spend and ``conversion_rate``
    = conversions / touches; NaN where the denominator is 0 or unknown."""
    return frame.assign(cpa=_ratio(frame["spend"], frame["conversions"]),
                        roas=_ratio(frame["revenue"], frame["spend"]),
                        conversion_rate=_ratio(frame["conversions"], frame["touches"]))


def _settings_range(data: PathData) -> tuple[date | None, date | None]:
    settings = getattr(data, "settings", None)
    return getattr(settings, "start", None), getattr(settings, "end", None)


def _finish(frame: pd.DataFrame, model: str, freq: str | None, source: str, date_by: str) -> ChannelReport:
    frame.insert(0, "model", model)
    out = add_ratios(frame)
    columns = [c for c in REPORT_COLUMNS if freq is not None or c != "period"]
    return ChannelReport(out[columns].reset_index(drop=True), model, freq, date_by, source)


def channel_report(data: PathData, model: str = "linear", freq: str | None = "day", *,
                   spend: pd.DataFrame | None = None, spend_source: str | None = None,
                   credit: pd.DataFrame | None = None, date_by: str = "conversion", **params) -> pd.DataFrame:
    """Per channel and period: spend, touches, conversions, revenue, CPA, ROAS and conversion rate.

    The table of :func:`build_channel_report` (same parameters and rules); use that function to
    also learn where the spend came from.
    """
    return build_channel_report(data, model, freq, spend=spend, spend_source=spend_source, credit=credit,
                                date_by=date_by, **params).table


def build_channel_report(data: PathData, model: str = "linear", freq: str | None = "day", *,
                         spend: pd.DataFrame | None = None, spend_source: str | None = None,
                         credit: pd.DataFrame | None = None, date_by: str = "conversion",
                         **params) -> ChannelReport:
    """Per channel and period: spend, touches, conversions, revenue, CPA, ROAS and conversion rate,
    with how the report was made (:class:`ChannelReport`).

    Parameters
    ----------
    data : Journeys or PathData
        Built journeys; aggregated paths only support ``freq=None`` and have no touch cost.
    model : str
        A registered model; ``params`` are its parameters.
    freq : {"day", "week", "month"} or None
        Period length (weeks start on Monday); None gives one row per channel for the whole range.
    spend : DataFrame, optional
        ``date, channel, spend``. Without it, journeys built from a dataset report the dataset's
        spend (``data.load_spend``: its spend table, else the summed cost of all its touchpoints,
        over the journeys' date range and channel groups), the same figures as the app and the CLI;
        journeys made by hand report the summed ``cost`` of their touches (by touch date), or unknown
        (NaN) when no touch has a cost. Spend is kept to the journeys' date range
        (``data.settings.start``/``end``) when they have one.
    spend_source : str, optional
        Label of where ``spend`` came from (the report's ``spend_source``).
    credit : DataFrame, optional
        Per-touch credit (``journey_id, position, channel, conversions, revenue``) to report
        instead of computing the model's.
    date_by : {"conversion", "touch"}
        Date credit and touches by the journey's conversion (non-converting touches by their own
        date) or by the touch, as the IHC ``channel_reporting`` table does.

    Returns
    -------
    ChannelReport whose ``table`` has columns ``model, channel, period, spend, touches, conversions,
    revenue, cpa, roas, conversion_rate`` (no ``period`` when ``freq`` is None), one row per channel
    and period that has any touch, credit or spend. ``cpa`` = spend / conversions (cost per order,
    CPO), ``roas`` = revenue / spend, ``conversion_rate`` = conversions / touches; each NaN when its
    denominator is 0. Its ``spend_source`` is "spend given" (or the label passed), "spend table",
    "touch cost" or "none".
    """
    if freq is not None and freq not in FREQS:
        raise DataValidationError(f"freq must be one of {', '.join(FREQS)} or None, not {freq!r}")
    if date_by not in DATE_BY:
        raise DataValidationError(f"date_by must be one of {', '.join(DATE_BY)}, not {date_by!r}")
    if spend is not None:
        missing = {"date", "channel", "spend"} - set(spend.columns)
        if missing:
            raise DataValidationError(f"spend lacks column(s) {', '.join(sorted(missing))}; it needs "
                                      "date, channel, spend", column=sorted(missing)[0])
    if spend is None and getattr(data, "load_spend", None) is not None:
        spend, spend_source = data.load_spend()
    if not data.has_touches:
        return _paths_report(data, model, freq, spend, spend_source, params)
    if not data.touches_on_driver:
        if credit is not None:
            raise ModelError("credit per touch is a table on this machine, but these journeys keep their touches "
                             "in Spark; give model= (its credit is computed there) or build the journeys with DuckDB")
        return _engine_report(data, model, freq, spend, spend_source, date_by, params)
    if credit is None:
        credit = touch_credit(model, data, **params)
    touches = data.touches[["journey_id", "position", "channel", "ts", "conversion_ts", "converted", "cost"]]
    use_touch_cost = spend is None
    if use_touch_cost:
        has_cost = bool((touches["cost"].fillna(0.0) != 0).any())
        source = TOUCH_COST if has_cost else NO_SPEND
    else:
        source = spend_source or GIVEN
    start, end = _settings_range(data)
    con = duckdb.connect()
    try:
        con.register("touches", touches)
        con.register("credit", credit[TOUCH_CREDIT_COLUMNS])
        con.register("spend", spend[["date", "channel", "spend"]] if spend is not None else
                     pd.DataFrame({"date": pd.Series(dtype="datetime64[us]"), "channel": pd.Series(dtype="str"),
                                   "spend": pd.Series(dtype="float64")}))
        frame = con.execute(sql("reports/channel_report"), {
            "freq": freq, "by_conversion": date_by == "conversion", "touch_cost": use_touch_cost,
            "start": start, "end": end}).df()
    finally:
        con.close()
    if source == NO_SPEND:
        frame["spend"] = np.nan
    else:
        frame = _unknown_spend(frame, touches.loc[touches["cost"].fillna(0.0) != 0, "channel"] if use_touch_cost
                               else spend.loc[spend["spend"].notna(), "channel"])
    if freq is not None:
        frame["period"] = pd.to_datetime(frame["period"])
    return _finish(_add_no_touch(frame, data, freq), model, freq, source, date_by)


def _engine_report(data: PathData, model: str, freq: str | None, spend: pd.DataFrame | None,
                   spend_source: str | None, date_by: str, params: dict) -> ChannelReport:
    """The same report for journeys whose touches stay in their engine (Spark): the engine returns
    per-date-and-channel touches, cost and credit (a rule model's weights summed there), and the
    periods are summed here. The rows and sums are those of reports/channel_report.sql; the credit
    of a global model is its per-path credit per touch times the engine's touch counts
    (:func:`~attribution.models.touch_credit.engine_credit_sums`)."""
    from attribution.models.touch_credit import engine_credit_sums

    by_conversion = date_by == "conversion"
    touches = data.daily_touch_totals(by_conversion)
    credit = engine_credit_sums(model, data, params, date_by)
    use_touch_cost = spend is None
    if use_touch_cost:
        cost = data.daily_touch_totals(False)
        source = TOUCH_COST if bool((cost["cost"] != 0).any()) else NO_SPEND
        spent = cost.rename(columns={"cost": "spend"})[["date", "channel", "spend"]]
    else:
        source = spend_source or GIVEN
        spent = spend[["date", "channel", "spend"]].assign(date=lambda f: pd.to_datetime(f["date"]))
    start, end = _settings_range(data)
    if start is not None:
        spent = spent[spent["date"] >= pd.Timestamp(start)]
    if end is not None:
        spent = spent[spent["date"] <= pd.Timestamp(end)]
    rows = pd.concat([touches[["date", "channel", "touches"]], credit[["date", "channel", "conversions", "revenue"]],
                      spent], ignore_index=True)
    rows[["touches", "conversions", "revenue", "spend"]] = rows[["touches", "conversions", "revenue", "spend"]].fillna(0.0)
    rows["period"] = _period_start(rows["date"], freq) if freq is not None else None
    frame = rows.groupby(["channel", "period"], as_index=False, sort=True, dropna=False)[
        ["spend", "touches", "conversions", "revenue"]].sum()
    if source == NO_SPEND:
        frame["spend"] = np.nan
    else:
        frame = _unknown_spend(frame, cost.loc[cost["cost"] != 0, "channel"] if use_touch_cost
                               else spend.loc[spend["spend"].notna(), "channel"])
    return _finish(_add_no_touch(frame, data, freq), model, freq, source, date_by)


def _unknown_spend(frame: pd.DataFrame, priced: pd.Series) -> pd.DataFrame:
    """``frame`` with spend NaN (unknown, so CPA and ROAS empty) for every channel not in ``priced``.

    ``priced`` are the channels the spend source knows: those with a row in the spend table (a 0
    there is a known zero), or with a non-zero touch cost. A channel the source never names (e.g.
    Direct or Email beside a spend table of paid media) has no known spend, not a spend of 0, so its
    CPA is empty rather than 0.00; a priced channel's periods without spend stay 0.
    """
    known = set(priced.astype("str"))
    return frame.assign(spend=frame["spend"].where(frame["channel"].isin(known)))


def _period_start(dates: pd.Series, freq: str) -> pd.Series:
    dates = pd.to_datetime(dates).dt.normalize()
    if freq == "week":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    if freq == "month":
        return dates.dt.to_period("M").dt.start_time
    return dates


def _add_no_touch(frame: pd.DataFrame, data: PathData, freq: str | None) -> pd.DataFrame:
    """Conversions without a touch on their channel (``settings.no_touch_channel``), by conversion
    date; they have no touches and, unless that channel has spend, no spend."""
    from attribution.models.no_touch import no_touch_totals

    channel, conversions, revenue = no_touch_totals(data)
    if conversions <= 0:
        return frame
    if freq is None:
        rows = pd.DataFrame({"channel": [channel], "conversions": [conversions], "revenue": [revenue]})
    else:
        daily = data.stats.no_touch_daily
        rows = (daily.assign(period=_period_start(daily["date"], freq))
                .groupby("period", as_index=False)[["conversions", "revenue"]].sum().assign(channel=channel))
    keys = ["channel"] + (["period"] if freq is not None else [])
    rows = rows.assign(spend=np.nan, touches=0.0)[keys + ["spend", "touches", "conversions", "revenue"]]
    merged = pd.concat([frame, rows], ignore_index=True)
    summed = merged.groupby(keys, as_index=False, sort=False).agg(
        spend=("spend", lambda v: v.sum(min_count=1)), touches=("touches", "sum"),
        conversions=("conversions", "sum"), revenue=("revenue", "sum"))
    return summed.sort_values(keys, kind="stable", ignore_index=True)


def _paths_report(data: PathData, model: str, freq: str | None, spend: pd.DataFrame | None,
                  spend_source: str | None, params: dict) -> ChannelReport:
    """Whole-range report on aggregated paths: model credit, channel occurrences, given spend."""
    from attribution.models import run_model

    if freq is not None:
        raise DataValidationError("aggregated paths have no dates: use freq=None for one row per channel")
    credit = run_model(model, data, **params).set_index("channel")
    paths = data.paths
    journeys = (paths["conversions"] + paths["nulls"]).to_numpy(dtype=float)
    touches = pd.Series([c for p in paths["path"] for c in p], dtype="str")
    weights = np.repeat(journeys, [len(p) for p in paths["path"]])
    touch_counts = pd.Series(weights, index=touches).groupby(level=0).sum()
    spent = (spend.groupby("channel")["spend"].sum() if spend is not None else pd.Series(dtype="float64"))
    channels = sorted(set(touch_counts.index) | set(credit.index) | set(spent.index))
    frame = pd.DataFrame({
        "channel": channels,
        # a channel the spend table does not name has unknown spend (see _unknown_spend)
        "spend": spent.reindex(channels).to_numpy() if spend is not None else np.nan,
        "touches": touch_counts.reindex(channels).fillna(0.0).to_numpy(),
        "conversions": credit["conversions"].reindex(channels).fillna(0.0).to_numpy(),
        "revenue": credit["revenue"].reindex(channels).fillna(0.0).to_numpy(),
    })
    return _finish(frame, model, None, (spend_source or GIVEN) if spend is not None else NO_SPEND, "conversion")


def with_totals(report: pd.DataFrame) -> pd.DataFrame:
    """The report with a ``Total`` row per model (and period), ratios recomputed from the sums."""
    keys = [c for c in ("model", "period") if c in report.columns]
    sums = report.groupby(keys, sort=False, as_index=False)[["spend", "touches", "conversions", "revenue"]].sum(
        min_count=1)
    sums[["touches", "conversions", "revenue"]] = sums[["touches", "conversions", "revenue"]].fillna(0.0)
    totals = add_ratios(sums.assign(channel=TOTAL))[report.columns]
    out = pd.concat([report, totals], ignore_index=True)
    order = keys + ["_is_total"]
    out = out.assign(_is_total=out["channel"].eq(TOTAL)).sort_values(order, kind="stable").drop(columns="_is_total")
    return out.reset_index(drop=True)


def marked_totals(report: pd.DataFrame) -> pd.DataFrame:
    """The report as written to files: an ``is_total`` column right after ``channel`` is True on the
    :data:`TOTAL` rows of :func:`with_totals` and False on channel rows, so a spreadsheet can filter
    them out before summing the channels (which would otherwise count everything twice)."""
    out = report.copy()
    out.insert(out.columns.get_loc("channel") + 1, "is_total", out["channel"].eq(TOTAL))
    return out


def channel_reporting(report: ChannelReport) -> pd.DataFrame:
    """A daily report in the IHC challenge ``channel_reporting`` shape.

    ``report`` is a :class:`ChannelReport` with ``freq="day"`` (from :func:`build_channel_report`);
    a weekly or monthly one, or a bare table whose period length is unknown, raises
    :class:`~attribution.errors.DataValidationError`. Columns ``channel_name, date, cost, ihc,
    ihc_revenue, CPO, ROAS``: ``ihc``/``ihc_revenue`` carry the report model's credit (whatever the
    model), ``CPO`` and ``ROAS`` are empty where undefined; Total rows are left out.
    """
    if not isinstance(report, ChannelReport):
        raise DataValidationError("channel_reporting takes the result of build_channel_report(..., freq='day'), "
                                  "which knows its period length; a bare table does not")
    if report.freq != "day":
        raise DataValidationError("channel_reporting needs a daily report: run build_channel_report with "
                                  f"freq='day' (this one has freq={report.freq!r})")
    rows = report.table[report.table["channel"] != TOTAL]
    out = pd.DataFrame({"channel_name": rows["channel"].to_numpy(),
                        "date": pd.to_datetime(rows["period"]).dt.strftime("%Y-%m-%d").to_numpy(),
                        "cost": rows["spend"].to_numpy(), "ihc": rows["conversions"].to_numpy(),
                        "ihc_revenue": rows["revenue"].to_numpy(), "CPO": rows["cpa"].to_numpy(),
                        "ROAS": rows["roas"].to_numpy()})
    return out.sort_values(["channel_name", "date"], ignore_index=True)[IHC_COLUMNS]


def dataset_channel_report(ds, data: PathData, model: str = "linear", freq: str | None = "day",
                           **kwargs) -> pd.DataFrame:
    """:func:`channel_report` with the spend of ``ds`` (:meth:`~attribution.engine.base.Dataset.spend`:
    the spend table, else touch costs) over the journeys' date range, grouped by their channel rules.
    Journeys built by ``ds.journeys()`` already carry it, so this equals ``channel_report(data, ...)``
    for them; it is for journeys built elsewhere."""
    start, end = _settings_range(data)
    spend, source = ds.spend(start, end, getattr(getattr(data, "settings", None), "channel_rules", ()))
    return channel_report(data, model, freq, spend=spend, spend_source=source, **kwargs)
