"""Lift tests (experiments) as measurements of the media-mix model's response curves.

A lift test moved one channel's spend per period from ``x`` to ``x + delta_x`` and measured the change
in outcome per period, ``delta_y``, with standard error ``sigma`` (the columns PyMC-Marketing uses).
The model's steady-state response to a constant spend ``s`` is ``beta * sat(s / max spend)`` (adstock
weights sum to 1, so carry-over does not change the long-run level), so a test predicts
``beta * (sat((x + delta_x) / max) - sat(x / max))``. In the fit each test adds the term
``((predicted - delta_y) / sigma) ** 2`` to the residual sum of squares divided by the noise variance
of the outcome (a Gaussian likelihood of the measurement next to the time series'), so a precise test
pulls the curve hard and a vague one barely.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from attribution.errors import DataValidationError

LIFT_COLUMNS = ("channel", "x", "delta_x", "delta_y", "sigma")


@dataclass(frozen=True)
class LiftRows:
    """Checked lift tests in the solver's units (spend / max spend, outcome / outcome scale)."""

    channel: np.ndarray  # (R,) channel index per test
    low: np.ndarray      # (R,) spend before the test, scaled
    high: np.ndarray     # (R,) spend during the test, scaled
    delta: np.ndarray    # (R,) measured change in outcome per period, scaled
    sigma: np.ndarray    # (R,) its standard error, scaled

    def __len__(self) -> int:
        return len(self.channel)


def _row_error(message: str, column: str, row: int) -> DataValidationError:
    return DataValidationError(f"lift tests, row {row}, column {column!r}: {message}", column=column, row=row)


def check_lift_tests(frame: pd.DataFrame, channels: Sequence[str]) -> pd.DataFrame:
    """The lift-test table with its columns checked; rows are numbered from 1 in the messages.

    Rules: the columns ``channel, x, delta_x, delta_y, sigma`` are all present (other columns are
    ignored); ``channel`` names one of the model's channels; ``x`` (spend per period before the
    test) is a number >= 0; ``delta_x`` a number other than 0 with ``x + delta_x >= 0`` (a test can
    raise or cut spend); ``delta_y`` any number (a measured fall is kept, not clipped); ``sigma`` a
    number > 0. Nothing is reinterpreted: a row that breaks a rule raises
    :class:`~attribution.errors.DataValidationError` naming the row, the column and the fix.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"lift_tests must be a table (DataFrame) with columns {', '.join(LIFT_COLUMNS)}")
    missing = [c for c in LIFT_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(f"lift tests need the columns {', '.join(LIFT_COLUMNS)}; missing: "
                                  f"{', '.join(missing)}", column=missing[0])
    out = frame[list(LIFT_COLUMNS)].reset_index(drop=True).copy()
    known = set(channels)
    for i, name in enumerate(out["channel"], start=1):
        if pd.isna(name) or str(name) not in known:
            raise _row_error(f"{name!r} is not a channel of the model (channels: {', '.join(channels)})",
                             "channel", i)
    out["channel"] = out["channel"].astype(str)
    for col in LIFT_COLUMNS[1:]:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.fillna(0).to_numpy(dtype="float64"))
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _row_error(f"{out[col].iloc[i]!r} is not a number", col, i + 1)
        out[col] = values.astype("float64")
    checks = (("x", out["x"] < 0, "spend before the test must be >= 0"),
              ("delta_x", out["delta_x"] == 0, "the change in spend must not be 0 (such a test measures nothing)"),
              ("delta_x", out["x"] + out["delta_x"] < 0, "x + delta_x (spend during the test) must be >= 0"),
              ("sigma", out["sigma"] <= 0, "the standard error must be > 0"))
    for col, bad, why in checks:
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _row_error(f"{out[col].iloc[i]:g}: {why}", col, i + 1)
    return out


def lift_rows(tests: pd.DataFrame, channels: Sequence[str], spend_scale: np.ndarray, y_scale: float) -> LiftRows:
    """:class:`LiftRows` of checked tests (see :func:`check_lift_tests`) in the fit's scaled units."""
    index = {c: i for i, c in enumerate(channels)}
    ch = tests["channel"].map(index).to_numpy(dtype=int)
    scale = np.asarray(spend_scale, dtype="float64")[ch]
    x, dx = tests["x"].to_numpy(), tests["delta_x"].to_numpy()
    return LiftRows(ch, x / scale, (x + dx) / scale, tests["delta_y"].to_numpy() / y_scale,
                    tests["sigma"].to_numpy() / y_scale)


def calibration_table(calibrated: pd.DataFrame, uncalibrated: pd.DataFrame) -> pd.DataFrame:
    """Per channel, ROAS without and with the lift tests side by side (``channel_summary`` tables of two fits).

    Columns ``channel, roas_uncalibrated, roas_calibrated, change`` (calibrated / uncalibrated - 1),
    plus ``_ci_low`` / ``_ci_high`` of both ROAS when the fits were bootstrapped, and the interval
    ``width_change`` (calibrated width / uncalibrated width - 1; negative = the tests narrowed it).
    """
    def pick(summary: pd.DataFrame, suffix: str) -> pd.DataFrame:
        cols = [c for c in ("roas", "roas_ci_low", "roas_ci_high") if c in summary]
        out = summary[["channel", *cols]].copy()
        return out.rename(columns={c: c.replace("roas", f"roas_{suffix}", 1) for c in cols})

    out = pick(uncalibrated, "uncalibrated").merge(pick(calibrated, "calibrated"), on="channel", how="outer",
                                                   sort=False)
    out["change"] = out["roas_calibrated"] / out["roas_uncalibrated"].where(out["roas_uncalibrated"] != 0) - 1
    if {"roas_calibrated_ci_low", "roas_uncalibrated_ci_low"} <= set(out):
        before = out["roas_uncalibrated_ci_high"] - out["roas_uncalibrated_ci_low"]
        after = out["roas_calibrated_ci_high"] - out["roas_calibrated_ci_low"]
        out["width_change"] = after / before.where(before > 0) - 1
    return out
