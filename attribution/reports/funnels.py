"""Funnels by stage: how many users reach each step, and the conversion rate between steps.

Steps come from one of two sources:

- ``"stage"``: conversion stages of the ``conversions`` table (e.g. lead → opportunity → purchase);
- ``"interaction"``: interaction types of the ``touchpoints`` table (impression → click → visit).

Counting runs in the dataset's engine (:meth:`~attribution.engine.base.Dataset.funnel_counts`).
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from attribution.engine.base import FUNNEL_SOURCES
from attribution.errors import DataValidationError

FUNNEL_COLUMNS = ["step", "name", "users", "users_any", "step_rate", "overall_rate"]


def _check_source(source: str) -> None:
    if source not in FUNNEL_SOURCES:
        raise DataValidationError(f"funnel source must be one of {', '.join(FUNNEL_SOURCES)}, "
                                  f"not {source!r}")


def funnel_steps(ds, source: str = "stage") -> pd.DataFrame:
    """The values a funnel can use as steps, with how many users reached each (most first).

    Parameters
    ----------
    ds : Dataset
        A dataset with touches (aggregated paths have no stages or interactions).
    source : {"stage", "interaction"}
        Conversion stages or touch interaction types.

    Returns
    -------
    DataFrame with columns ``name, users``; empty when the column is never filled.
    """
    _check_source(source)
    return ds.funnel_step_values(source)


def funnel(ds, steps: Sequence[str] | None = None, *, source: str = "stage", start: date | None = None,
           end: date | None = None, first_channels: Sequence[str] | None = None) -> pd.DataFrame:
    """Users reaching each step of a funnel, and step-to-step conversion rates.

    Parameters
    ----------
    ds : Dataset
        The dataset (its touchpoints and conversions tables are read).
    steps : sequence of str, optional
        Step names in funnel order; default: every value of the source, most frequent first.
    source : {"stage", "interaction"}
        Where steps come from: conversion stages or touch interaction types.
    start, end : date, optional
        Count only step events on these dates (inclusive).
    first_channels : sequence of str, optional
        Keep only users whose first touch (earliest in the dataset) was on one of these channels.

    Returns
    -------
    DataFrame, one row per step: ``step`` (1-based), ``name``, ``users`` (reached step 1 and then
    every step up to this one, each at or after the previous), ``users_any`` (had an event of this
    step at all), ``step_rate`` (users / users of the previous step; 1 for step 1) and
    ``overall_rate`` (users / users of step 1). Rates are NaN where the denominator is 0.
    """
    _check_source(source)
    if not ds.has_touches:
        raise DataValidationError("funnels need touchpoints and conversions; aggregated paths have no "
                                  "stages or interactions. Load touch-level data to see funnels.")
    if steps is None:
        steps = funnel_steps(ds, source)["name"].tolist()
    steps = [str(s) for s in steps]
    if len(set(steps)) != len(steps):
        raise DataValidationError(f"funnel steps repeat a name: {steps}; list each step once")
    if not steps:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in FUNNEL_COLUMNS})
    return add_step_rates(ds.funnel_counts(steps, source, start, end, first_channels))


def add_step_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``step_rate`` and ``overall_rate`` to a funnel's ``users`` column (NaN where 0/0)."""
    users = frame["users"].to_numpy(dtype=float)
    previous = np.concatenate([users[:1], users[:-1]])
    first = users[0] if len(users) else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        step_rate = np.where(previous > 0, users / previous, np.nan)
        overall = np.where(first > 0, users / first, np.nan) if len(users) else users
    return frame.assign(step_rate=step_rate, overall_rate=overall)[FUNNEL_COLUMNS]
