"""Baseline design of the media-mix model: level, piecewise-linear trend, Fourier seasonality, events, controls."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError

YEAR_DAYS = 365.25


@dataclass(frozen=True)
class BaselineDesign:
    """Columns of the linear baseline and which model component each belongs to.

    ``level_cols`` are the columns of the baseline level: one column of ones without a trend, or
    the ``K + 1`` "hat" columns of a piecewise-linear trend with ``K`` segments (column ``k`` is the
    weight of the level at knot ``k``; the hats add up to 1). Their coefficients are the baseline
    level at each knot, so requiring them ``>= 0`` keeps the whole trend line ``>= 0``.
    """

    matrix: np.ndarray          # (n_periods, q), controls divided by their largest absolute value
    names: tuple[str, ...]      # parameter name per column
    components: tuple[str, ...] # component per column: baseline / trend / seasonality / events / <control>
    col_scale: np.ndarray       # (q,) divisor applied to each column (1 except controls)
    level_cols: tuple[int, ...] = (0,)

    @property
    def trend_segments(self) -> int:
        """Segments of the piecewise-linear trend (0 = no trend)."""
        return len(self.level_cols) - 1


def trend_hats(n: int, segments: int) -> np.ndarray:
    """``(n, segments + 1)`` piecewise-linear interpolation weights at equally spaced knots.

    Time runs from 0 at the first period to 1 at the last; knot ``k`` sits at ``k / segments``. Row
    ``t`` holds the weights that interpolate linearly between the two knots around ``t`` (they sum
    to 1), so ``hats @ levels`` is the trend line through the knot levels.
    """
    s = np.arange(n) / max(n - 1, 1)
    knots = np.linspace(0.0, 1.0, segments + 1)
    return np.column_stack([np.interp(s, knots, np.eye(segments + 1)[k]) for k in range(segments + 1)])


def event_columns(dates: pd.Series, events: pd.DataFrame | None) -> tuple[list[np.ndarray], list[str]]:
    """One 0/1 column per event name: 1 in each period that contains one of its dates.

    ``events`` has columns ``date`` and ``event`` (name). A period runs from its date to the next
    period's date (the last one as long as the one before). Dates outside every period are ignored.
    """
    if events is None or len(events) == 0:
        return [], []
    missing = {"date", "event"} - set(events.columns)
    if missing:
        raise DataValidationError(f"events need the columns date and event (missing: {', '.join(sorted(missing))})")
    d = pd.to_datetime(dates).reset_index(drop=True).to_numpy()
    step = d[-1] - d[-2] if len(d) > 1 else np.timedelta64(1, "D")
    when = pd.to_datetime(events["date"], errors="coerce")
    if when.isna().any():
        r = int(np.flatnonzero(when.isna().to_numpy())[0]) + 1
        raise DataValidationError(f"events, row {r}: {events['date'].iloc[r - 1]!r} is not a date", column="date", row=r)
    idx = np.searchsorted(d, when.to_numpy(), side="right") - 1
    inside = (idx >= 0) & (when.to_numpy() < d[-1] + step)
    cols, names = [], []
    for name in dict.fromkeys(events["event"].astype(str)):
        col = np.zeros(len(d))
        col[idx[inside & (events["event"].astype(str) == name).to_numpy()]] = 1.0
        if col.any():
            cols.append(col)
            names.append(name)
    return cols, names


def build_baseline(dates: pd.Series, controls: pd.DataFrame, *, n_fourier: int, trend: int | bool,
                   events: pd.DataFrame | None = None) -> BaselineDesign:
    """Design matrix of the baseline for every period (fit range and hold-out alike).

    ``trend``: segments of a piecewise-linear trend (``True`` = 1, a straight line; 0 = none, a
    constant level). Seasonality uses elapsed days / 365.25 as the phase, i.e. a yearly period of
    365.25 days for daily data and 52.18 weeks for weekly data, so gaps in calendar alignment cannot
    creep in. ``events``: see :func:`event_columns`.
    """
    d = pd.to_datetime(dates).reset_index(drop=True)
    n = len(d)
    segments = int(trend)
    if segments:
        hats = trend_hats(n, segments)
        cols = list(hats.T)
        names = [f"level_{k}" for k in range(segments + 1)]
        comps = ["trend"] * (segments + 1)
    else:
        cols, names, comps = [np.ones(n)], ["intercept"], ["baseline"]
    level_cols = tuple(range(len(cols)))
    phase = 2 * np.pi * ((d - d.iloc[0]).dt.days.to_numpy(dtype="float64") / YEAR_DAYS)
    for k in range(1, n_fourier + 1):
        cols += [np.sin(k * phase), np.cos(k * phase)]
        names += [f"sin_{k}", f"cos_{k}"]
        comps += ["seasonality", "seasonality"]
    ev_cols, ev_names = event_columns(d, events)
    cols += ev_cols
    names += ev_names
    comps += ["events"] * len(ev_cols)
    scale = [1.0] * len(cols)
    for c in controls.columns:
        v = controls[c].to_numpy(dtype="float64")
        s = float(np.max(np.abs(v))) or 1.0
        cols.append(v / s)
        names.append("coef")
        comps.append(str(c))
        scale.append(s)
    return BaselineDesign(np.column_stack(cols), tuple(names), tuple(comps), np.asarray(scale), level_cols)


def check_rank(design: BaselineDesign, rows: np.ndarray, media: np.ndarray | None = None,
               channels: Sequence[str] = ()) -> None:
    """Raise if a control duplicates the rest of the baseline (the fit could not separate them)."""
    m = design.matrix[rows]
    if np.linalg.matrix_rank(m) == m.shape[1]:
        return
    for j in range(m.shape[1]):
        others = np.delete(m, j, axis=1)
        if np.linalg.matrix_rank(others) == np.linalg.matrix_rank(m) and design.components[j] not in (
                "baseline", "trend", "seasonality", "events"):
            raise DataValidationError(
                f"control {design.components[j]!r} is a linear combination of the intercept, trend, "
                "seasonality or other controls over the fit range; drop it", column=design.components[j])
    raise DataValidationError(
        "the baseline columns are collinear over the fit range (too few periods for the seasonality?); "
        "use fewer Fourier terms or a longer history")
