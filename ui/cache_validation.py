"""Cached validation results: bootstrap replicates, predictive checks, logistic coefficients, truth.

Keys are small values (dataset fingerprint, settings key, model names and parameters); the
journeys object comes from :func:`ui.cache._journeys` (shared, not copied). Bootstrap replicates
are cached without the interval level: any level is summarised from the same replicates.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from attribution.defaults import INTERVAL_LEVEL
from attribution.engine.base import Dataset
from attribution.errors import AttributionError
from attribution.journeys.settings import JourneySettings
from ui.cache import _journeys

ParamsKey = tuple[tuple[str, tuple[tuple[str, object], ...]], ...]


def params_key(names: list[str], params: dict[str, dict]) -> ParamsKey:
    """A hashable form of ``{model: {parameter: value}}`` for the chosen models."""
    return tuple((n, tuple(sorted(params.get(n, {}).items()))) for n in names)


@st.cache_data(show_spinner=False, max_entries=32)
def _draws(_ds: Dataset, fingerprint: str, settings_key: str, _settings: JourneySettings, key: ParamsKey,
           n_boot: int, seed: int):
    from attribution.uncertainty import bootstrap_draws

    # created inside the cached function so Streamlit can replay it; it only moves on a cache miss
    bar = st.progress(0.0, text="Bootstrapping…")

    def report(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Bootstrap: {done} of {total} replicates")

    try:
        return bootstrap_draws(_journeys(_ds, fingerprint, _settings), [n for n, _ in key], n_boot=n_boot,
                               seed=seed, model_params={n: dict(p) for n, p in key}, progress=report), None
    except AttributionError as err:  # kept, so the failure is not worked out again on every rerun
        return None, err.message_for("app")
    finally:
        bar.empty()


def draws(ds: Dataset, settings: JourneySettings, names: list[str], params: dict[str, dict], n_boot: int,
          seed: int):
    """Bootstrap replicates of the models (raises AttributionError with the reason when they cannot run)."""
    result, failure = _draws(ds, ds.fingerprint, settings.key(), settings, params_key(names, params), int(n_boot),
                             int(seed))
    if failure is not None:
        raise AttributionError(failure)
    return result


@st.cache_data(show_spinner="Checking predictions on held-out journeys…", max_entries=32)
def _predictive(_ds: Dataset, fingerprint: str, settings_key: str, _settings: JourneySettings,
                seed: int) -> tuple[pd.DataFrame | None, str | None]:
    from attribution.uncertainty import predictive_checks

    try:
        return predictive_checks(_journeys(_ds, fingerprint, _settings), seed=seed), None
    except AttributionError as err:
        return None, err.message_for("app")


def predictive(ds: Dataset, settings: JourneySettings, seed: int = 0) -> tuple[pd.DataFrame | None, str | None]:
    """Hold-out AUC of Markov orders 1–4 and the logistic model, or (None, why not)."""
    return _predictive(ds, ds.fingerprint, settings.key(), settings, int(seed))


@st.cache_data(show_spinner="Fitting the logistic regression…", max_entries=32)
def _coefficients(_ds: Dataset, fingerprint: str, settings_key: str, _settings: JourneySettings,
                  exposure: str, level: float) -> tuple[pd.DataFrame | None, str | None]:
    from attribution.models import logistic_coefficients

    try:
        return logistic_coefficients(_journeys(_ds, fingerprint, _settings), exposure, level), None
    except AttributionError as err:
        return None, err.message_for("app")


def coefficients(ds: Dataset, settings: JourneySettings, exposure: str = "binary",
                 level: float = INTERVAL_LEVEL) -> tuple[pd.DataFrame | None, str | None]:
    """Logistic-regression coefficients with Wald intervals, or (None, why not)."""
    return _coefficients(ds, ds.fingerprint, settings.key(), settings, exposure, float(level))


@st.cache_data(show_spinner=False, max_entries=16)
def _truth(fingerprint: str, source: str | None) -> pd.DataFrame | None:
    from attribution.simulate.sample import sample_truth
    from attribution.uncertainty import read_truth

    path = sample_truth() if source == "sample" else None
    return read_truth(path) if path is not None else None


def truth(ds: Dataset) -> pd.DataFrame | None:
    """The simulator's ground truth for the built-in sample; None for any other dataset."""
    return _truth(ds.fingerprint, ds.source)


@st.cache_data(show_spinner=False, max_entries=4)
def _daily_truth(fingerprint: str, source: str | None) -> pd.DataFrame | None:
    from attribution.simulate.sample import sample_daily_truth

    path = sample_daily_truth() if source == "sample" else None
    if path is None:
        return None
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def daily_truth(ds: Dataset) -> pd.DataFrame | None:
    """The simulator's per-day truth (spend, incremental revenue per channel) for the sample; None otherwise."""
    return _daily_truth(ds.fingerprint, ds.source)
