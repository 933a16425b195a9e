"""Baseline design of the media-mix model: intercept, linear trend, Fourier seasonality, controls."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError

YEAR_DAYS = 365.25


@dataclass(frozen=True)
class BaselineDesign:
    """Columns of the linear baseline and which model component each belongs to."""

    matrix: np.ndarray          # (n_periods, q), controls divided by their largest absolute value
    names: tuple[str, ...]      # parameter name per column
    components: tuple[str, ...] # component per column: baseline / trend / seasonality / <control>
    col_scale: np.ndarray       # (q,) divisor applied to each column (1 except controls)


def build_baseline(dates: pd.Series, controls: pd.DataFrame, *, n_fourier: int, trend: bool) -> BaselineDesign:
    """Design matrix of the baseline for every period (fit range and hold-out alike).

    Seasonality uses elapsed days / 365.25 as the phase, i.e. a yearly period of 365.25 days for daily
    data and 52.18 weeks for weekly data, so gaps in calendar alignment cannot creep in. The trend
    runs from 0 at the first period to 1 at the last.
    """
    d = pd.to_datetime(dates).reset_index(drop=True)
    n = len(d)
    cols, names, comps = [np.ones(n)], ["intercept"], ["baseline"]
    if trend:
        cols.append(np.arange(n) / max(n - 1, 1))
        names.append("slope")
        comps.append("trend")
    phase = 2 * np.pi * ((d - d.iloc[0]).dt.days.to_numpy(dtype="float64") / YEAR_DAYS)
    for k in range(1, n_fourier + 1):
        cols += [np.sin(k * phase), np.cos(k * phase)]
        names += [f"sin_{k}", f"cos_{k}"]
        comps += ["seasonality", "seasonality"]
    scale = [1.0] * len(cols)
    for c in controls.columns:
        v = controls[c].to_numpy(dtype="float64")
        s = float(np.max(np.abs(v))) or 1.0
        cols.append(v / s)
        names.append("coef")
        comps.append(str(c))
        scale.append(s)
    return BaselineDesign(np.column_stack(cols), tuple(names), tuple(comps), np.asarray(scale))


def check_rank(design: BaselineDesign, rows: np.ndarray, media: np.ndarray | None = None,
               channels: Sequence[str] = ()) -> None:
    """Raise if a control duplicates the rest of the baseline (the fit could not separate them)."""
    m = design.matrix[rows]
    if np.linalg.matrix_rank(m) == m.shape[1]:
        return
    for j in range(m.shape[1]):
        others = np.delete(m, j, axis=1)
        if np.linalg.matrix_rank(others) == np.linalg.matrix_rank(m) and design.components[j] not in (
                "baseline", "trend", "seasonality"):
            raise DataValidationError(
                f"control {design.components[j]!r} is a linear combination of the intercept, trend, "
                "seasonality or other controls over the fit range; drop it", column=design.components[j])
    raise DataValidationError(
        "the baseline columns are collinear over the fit range (too few periods for the seasonality?); "
        "use fewer Fourier terms or a longer history")
