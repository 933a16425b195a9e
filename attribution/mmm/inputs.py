"""Input checks and aggregation for the media-mix model.

Two ways in: an uploaded wide table (``date, y, <channel spend>..., <controls>...``) checked by
:func:`prepare_wide`, or the canonical ``spend`` and ``conversions`` tables aggregated per day or week
by :func:`aggregate_for_mmm`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError
from attribution.mmm.transforms import media_param_count

# Tried in order when the dates are not ISO 8601; the first that parses every row into evenly
# spaced dates wins (so 01-02-21 style ambiguity is settled by the spacing).
_DATE_FORMATS = ("%d-%m-%y", "%d-%m-%Y", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y", "%m/%d/%y", "%d.%m.%Y", "%Y%m%d")
FREQ_DAYS = {"D": 1, "W": 7}


def _regular(d: pd.Series) -> bool:
    steps = d.sort_values().diff().dt.days.dropna()
    return len(steps) > 0 and steps.nunique() == 1 and int(steps.iloc[0]) in (1, 7)


def parse_dates(values: pd.Series, column: str) -> pd.Series:
    """Parse a date column (ISO 8601 or a common day/month format); error names the first bad row."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.to_datetime(values).dt.normalize()
    text = values.astype("string").str.strip()
    candidates = []
    try:
        candidates.append(pd.to_datetime(text, format="ISO8601"))
    except (ValueError, TypeError):
        pass
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if parsed.notna().all():
            candidates.append(parsed)
    for parsed in candidates:
        if _regular(parsed):
            return parsed.dt.normalize()
    if candidates:
        return candidates[0].dt.normalize()
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = int(np.flatnonzero(parsed.isna().to_numpy())[0])
    raise DataValidationError(
        f"column {column!r}, row {bad + 1}: cannot read {values.iloc[bad]!r} as a date; "
        "use YYYY-MM-DD (or DD-MM-YYYY) for every row", column=column, row=bad + 1)


def infer_freq(dates: pd.Series, column: str = "date") -> str:
    """``"D"`` or ``"W"`` from the spacing of sorted, de-duplicated dates; error on gaps or other spacing."""
    d = pd.Series(pd.to_datetime(dates)).sort_values(ignore_index=True)
    steps = d.diff().dt.days.dropna().astype(int)
    if steps.empty:
        raise DataValidationError("need at least two dates to tell daily from weekly data", column=column)
    step = int(steps.mode().iloc[0])
    if step not in (1, 7):
        raise DataValidationError(
            f"column {column!r}: dates are {step} days apart; the media-mix model needs daily or weekly "
            "rows (aggregate the data to days or weeks first)", column=column)
    odd = np.flatnonzero(steps.to_numpy() != step)
    if odd.size:
        i = int(odd[0]) + 1
        raise DataValidationError(
            f"column {column!r}: dates jump from {d.iloc[i - 1].date()} to {d.iloc[i].date()} (row {i + 1} "
            f"after sorting), but the series is {'daily' if step == 1 else 'weekly'}; add the missing "
            "periods (zero spend where nothing ran)", column=column, row=i + 1)
    return "D" if step == 1 else "W"


def model_param_count(n_channels: int, n_controls: int = 0, *, n_fourier: int = 2, trend_params: int = 1,
                      adstock: str = "geometric", saturation: str = "logistic") -> int:
    """Parameters a media-mix model fits: intercept, trend, 2 per Fourier pair, 1 per control, and per
    channel the adstock's and saturation's parameters plus its coefficient (from their registered
    specs, so e.g. delayed adstock with Hill saturation costs 5 per channel, geometric with logistic 3).

    ``trend_params``: parameters of the trend beyond the intercept (0 without a trend, 1 for a line).
    """
    return (1 + trend_params + 2 * n_fourier + n_controls
            + n_channels * media_param_count(adstock, saturation))


def _numeric(df: pd.DataFrame, col: str, *, spend: bool) -> pd.Series:
    raw = df[col]
    missing = np.flatnonzero(raw.isna().to_numpy())
    if missing.size:
        r = int(missing[0]) + 1
        raise DataValidationError(
            f"column {col!r}, row {r}: value is missing ({missing.size} missing in total); fill it "
            f"({'0 if nothing was spent' if spend else 'with the right value'}) or drop the period",
            column=col, row=r)
    vals = pd.to_numeric(raw, errors="coerce")
    bad = np.flatnonzero(vals.isna().to_numpy())
    if bad.size:
        r = int(bad[0]) + 1
        raise DataValidationError(
            f"column {col!r}, row {r}: {raw.iloc[bad[0]]!r} is not a number; use plain numbers "
            "(no currency signs or thousands separators)", column=col, row=r)
    vals = vals.astype("float64")
    if not np.isfinite(vals.to_numpy()).all():
        r = int(np.flatnonzero(~np.isfinite(vals.to_numpy()))[0]) + 1
        raise DataValidationError(f"column {col!r}, row {r}: value is infinite", column=col, row=r)
    if spend and (vals < 0).any():
        r = int(np.flatnonzero((vals < 0).to_numpy())[0]) + 1
        raise DataValidationError(
            f"column {col!r}, row {r}: spend {vals.iloc[r - 1]} is negative; spend must be >= 0 "
            "(net out refunds elsewhere)", column=col, row=r)
    return vals


def prepare_wide(df: pd.DataFrame, date: str = "date", target: str = "y", channels: Sequence[str] = (),
                 controls: Sequence[str] = (), *, min_periods: int | None = None) -> pd.DataFrame:
    """Check and clean a wide media-mix table; return ``date, <target>, <channels>, <controls>`` sorted by date.

    Parameters
    ----------
    df : DataFrame with one row per day or week.
    date, target : names of the date and outcome columns.
    channels : spend columns (numeric, >= 0, not constant).
    controls : other explanatory columns (numeric, not constant), e.g. events, prices, a confounder.
    min_periods : fewest rows accepted; default twice the parameter count of the default model.

    Raises
    ------
    DataValidationError naming the column and row: unknown column, unparseable date, missing or
    non-numeric value, negative spend, duplicate date, gaps, too few periods, constant column.
    """
    channels, controls = list(channels), list(controls)
    if not channels:
        raise DataValidationError("choose at least one spend column as a channel")
    cols = [date, target, *channels, *controls]
    dup = {c for c in cols if cols.count(c) > 1}
    if dup:
        raise DataValidationError(f"column(s) {sorted(dup)} chosen twice; each column can play one role")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"column(s) {missing} not found; available: {', '.join(map(str, df.columns))}", column=missing[0])
    out = pd.DataFrame({date: parse_dates(df[date].reset_index(drop=True), date)})
    out[target] = _numeric(df.reset_index(drop=True), target, spend=False)
    for c in channels:
        out[c] = _numeric(df.reset_index(drop=True), c, spend=True)
    for c in controls:
        out[c] = _numeric(df.reset_index(drop=True), c, spend=False)
    dupes = out[date].duplicated(keep=False).to_numpy()
    if dupes.any():
        rows = np.flatnonzero(dupes)[:2] + 1
        raise DataValidationError(
            f"column {date!r}: date {out[date].iloc[rows[0] - 1].date()} appears in rows {rows[0]} and "
            f"{rows[1]}; keep one row per period (sum the rows)", column=date, row=int(rows[1]))
    out = out.sort_values(date, ignore_index=True)
    need = min_periods if min_periods is not None else 2 * model_param_count(len(channels), len(controls))
    if len(out) < need:
        raise DataValidationError(
            f"only {len(out)} periods; this model needs at least {need} (2 x its parameters); use a longer "
            "history, daily instead of weekly data, or fewer channels/controls")
    infer_freq(out[date], date)
    for c in [*channels, *controls]:
        if out[c].nunique() < 2:
            raise DataValidationError(
                f"column {c!r} has the same value in every row, so its effect cannot be estimated; "
                "drop it from the model", column=c)
    return out


def _naive(ts: pd.Series) -> pd.Series:
    try:
        ts = pd.to_datetime(pd.Series(ts))
    except ValueError:  # mixed UTC offsets: put them on one clock
        ts = pd.to_datetime(pd.Series(ts), utc=True)
    if ts.dt.tz is not None:  # periods are calendar days/weeks in UTC
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts


def _period_start(ts: pd.Series, freq: str) -> pd.Series:
    ts = _naive(ts)
    if freq == "D":
        return ts.dt.normalize()
    return ts.dt.to_period("W-SUN").dt.start_time  # weeks start on Monday


def aggregate_for_mmm(spend_df: pd.DataFrame, conversions_df: pd.DataFrame, freq: str = "W",
                      target: str = "revenue", *, trim_partial: bool = True) -> pd.DataFrame:
    """Wide media-mix table ``date, y, <channel>...`` from the canonical spend and conversions tables.

    Parameters
    ----------
    spend_df : columns ``date, channel, spend`` (the canonical ``spend`` table).
    conversions_df : columns ``ts`` and, for ``target="revenue"``, ``revenue``.
    freq : ``"W"`` (weeks starting Monday) or ``"D"``.
    target : ``"revenue"`` (sum of revenue) or ``"conversions"`` (count of conversions).
    trim_partial : drop a first or last week that the data covers only in part (it would look like a
        dip in both spend and outcome).

    Every period between the first and last date appears, with zero where nothing happened.
    """
    if freq not in FREQ_DAYS:
        raise DataValidationError(f"freq must be 'W' or 'D' (got {freq!r})")
    if target not in ("revenue", "conversions"):
        raise DataValidationError(f"target must be 'revenue' or 'conversions' (got {target!r})")
    for name, frame, need in (("spend", spend_df, ("date", "channel", "spend")),
                              ("conversions", conversions_df, ("ts",) + (("revenue",) if target == "revenue" else ()))):
        absent = [c for c in need if c not in frame.columns]
        if absent:
            raise DataValidationError(f"{name} table lacks column(s) {absent}; it needs {list(need)}",
                                      column=absent[0])
    names = spend_df["channel"].astype("string")
    clash = sorted({"date", "y"} & set(names.dropna()))
    if clash:
        raise DataValidationError(f"channel name(s) {clash} clash with the output columns; rename them")
    spend = pd.DataFrame({"date": _period_start(spend_df["date"], freq), "channel": names,
                          "spend": pd.to_numeric(spend_df["spend"], errors="coerce").fillna(0.0)})
    wide = spend.pivot_table(index="date", columns="channel", values="spend", aggfunc="sum", fill_value=0.0)
    conv_dates = _period_start(conversions_df["ts"], freq)
    value = (pd.to_numeric(conversions_df["revenue"], errors="coerce").fillna(0.0)
             if target == "revenue" else pd.Series(1.0, index=conversions_df.index))
    y = value.groupby(conv_dates.to_numpy()).sum()
    first_day = min(_naive(spend_df["date"]).min(), _naive(conversions_df["ts"]).min())
    last_day = max(_naive(spend_df["date"]).max(), _naive(conversions_df["ts"]).max())
    index = pd.date_range(_period_start(pd.Series([first_day]), freq).iloc[0],
                          _period_start(pd.Series([last_day]), freq).iloc[0], freq=f"{FREQ_DAYS[freq]}D")
    out = wide.reindex(index, fill_value=0.0)
    out.insert(0, "y", y.reindex(index, fill_value=0.0).to_numpy())
    out = out.rename_axis("date").reset_index()
    out.columns = [str(c) for c in out.columns]
    if trim_partial and freq == "W" and len(out) > 2:
        if first_day.normalize() > out["date"].iloc[0]:
            out = out.iloc[1:]
        if last_day.normalize() < out["date"].iloc[-1] + pd.Timedelta(days=6):
            out = out.iloc[:-1]
    return out.reset_index(drop=True)
