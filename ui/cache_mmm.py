"""Caches of the media-mix and budget pages, keyed on a source key (dataset fingerprint or upload
hash) plus every setting; big inputs are passed with a leading underscore so they are not hashed."""
from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from attribution import budget, mmm
from attribution.engine.base import Dataset
from attribution.mmm import dataset_input, wide_csv
from attribution.mmm.lift import LIFT_COLUMNS


def upload_key(data: bytes) -> str:
    """Short content hash of an uploaded file (the cache key of everything made from it)."""
    return "upload-" + hashlib.sha256(data).hexdigest()[:24]


@st.cache_data(show_spinner=False, max_entries=16)
def _read_upload(_data: bytes, key: str, name: str) -> pd.DataFrame:
    return wide_csv.read_wide_csv(_data, name)


def read_upload(data: bytes, name: str) -> pd.DataFrame:
    """The uploaded wide CSV as a DataFrame (raises DataValidationError for unreadable files)."""
    return _read_upload(data, upload_key(data), name)


@st.cache_data(show_spinner=False, max_entries=64)
def _unavailable(_ds: Dataset, fingerprint: str) -> str | None:
    return dataset_input.mmm_unavailable_reason(_ds)


def unavailable_reason(ds: Dataset) -> str | None:
    """Why the dataset cannot feed the media-mix model, or None."""
    return _unavailable(ds, ds.fingerprint)


@st.cache_data(show_spinner=False, max_entries=64)
def _suggest_freq(_ds: Dataset, fingerprint: str, adstock: str, saturation: str) -> tuple[str, str | None]:
    return dataset_input.suggest_freq(_ds, adstock=adstock, saturation=saturation)


def suggest_freq(ds: Dataset, adstock: str = "geometric", saturation: str = "logistic") -> tuple[str, str | None]:
    """Suggested granularity for the dataset and model forms, and why when it is not weekly."""
    return _suggest_freq(ds, ds.fingerprint, adstock, saturation)


@st.cache_data(show_spinner=False, max_entries=64)
def _dataset_frame(_ds: Dataset, fingerprint: str, freq: str, target: str, stage: str | None) -> pd.DataFrame:
    return dataset_input.mmm_frame(_ds, freq=freq, target=target, stage=stage)


def dataset_frame(ds: Dataset, freq: str, target: str, stage: str | None) -> pd.DataFrame:
    """Wide media-mix table ``date, y, <channel>...`` aggregated from the dataset."""
    return _dataset_frame(ds, ds.fingerprint, freq, target, stage)


@st.cache_data(show_spinner=False, max_entries=32)
def _prepare(_frame: pd.DataFrame, source_key: str, date: str, target: str, channels: tuple, controls: tuple):
    return mmm.prepare_wide(_frame, date, target, channels, controls)


def prepare(frame: pd.DataFrame, source_key: str, date: str, target: str, channels: tuple,
            controls: tuple) -> pd.DataFrame:
    """The checked wide table (raises DataValidationError naming column and row)."""
    return _prepare(frame, source_key, date, target, tuple(channels), tuple(controls))


def _kwargs(kwargs: tuple) -> dict:
    """The cached keyword arguments back as ``mmm.fit`` takes them (lift-test rows as a table)."""
    out = dict(kwargs)
    if out.get("lift_tests"):
        out["lift_tests"] = pd.DataFrame(list(out["lift_tests"]), columns=list(LIFT_COLUMNS))
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def _fit(_frame: pd.DataFrame, source_key: str, kwargs: tuple) -> mmm.MMMResult:
    return mmm.fit(_frame, **_kwargs(kwargs))


def fit(frame: pd.DataFrame, source_key: str, kwargs: dict) -> mmm.MMMResult:
    """A media-mix fit of ``frame`` (cached on the source key and every keyword argument)."""
    return _fit(frame, source_key, tuple(sorted(kwargs.items())))


@st.cache_data(show_spinner=False, max_entries=32)
def _compare(_frame: pd.DataFrame, source_key: str, kwargs: tuple) -> pd.DataFrame:
    return mmm.compare_saturation(_frame, **_kwargs(kwargs))


def compare_saturation(frame: pd.DataFrame, source_key: str, kwargs: dict) -> pd.DataFrame:
    """Fit statistics per saturation form (no bootstrap)."""
    kw = {k: v for k, v in kwargs.items() if k not in ("saturation", "n_boot")}
    return _compare(frame, source_key, tuple(sorted(kw.items())))


@st.cache_data(show_spinner=False, max_entries=128)
def _plan(_fit: mmm.MMMResult, fit_key: str, mode: str, amount: float | None, bounds: tuple,
              locked: tuple, periods: int) -> budget.BudgetResult:
    # the page's bounds table states every bound (it starts at the library's default range)
    return budget.plan(_fit, mode, amount, bounds=dict(bounds), pct_bounds=None, locked=locked, periods=periods)


def plan(fit: mmm.MMMResult, fit_key: str, mode: str, amount: float | None, bounds: dict,
             locked: list[str], periods: int) -> budget.BudgetResult:
    """A budget plan; ``mode`` is ``budget`` (amount = spend per period), ``marginal_roas`` or
    ``response`` (amount = the target). Raises OptimizationError when the constraints conflict."""
    return _plan(fit, fit_key, mode, amount, tuple(sorted(bounds.items())), tuple(locked), int(periods))
