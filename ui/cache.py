"""Streamlit caching of dataset reads and journeys; the ``ui/cache_*.py`` modules cache their pages'.

All caching of the app lives in ``ui/cache.py`` (datasets and journeys) and its siblings
``cache_reports``, ``cache_mmm``, ``cache_identity`` and ``cache_validation``; pages and the
other ui modules call these and never decorate anything themselves (the one exception is the
process-wide workspace connection, a ``cache_resource`` in ``ui/state.py``). The pattern: a public
function takes the dataset and calls a private ``@st.cache_data`` function whose key is small
(the dataset's fingerprint plus the settings' key) and whose dataset argument is skipped from
hashing by its leading underscore. ``hash_funcs`` would need every engine's dataset class named
here, which the engine boundary forbids, so the wrapper pairs stay.

Under load (several sessions asking for the same result at once) each result is computed once per
key: ``st.cache_data`` and ``st.cache_resource`` are process-wide, and Streamlit holds a lock per
key while it computes a missing value, so a second caller waits for the first and reads its
result (the waiting run can still be stopped or rerun). A computation that fails is not stored by
Streamlit, so the cached functions that can fail on the data (a model, the bootstrap) return
``(value, None)`` or ``(None, message)`` instead of raising: the failure, too, is worked out once.
Heavy work shows what it is doing: a spinner with a message, a progress bar for several models
and for the bootstrap replicates.
"""
from __future__ import annotations

import streamlit as st

from attribution.engine.base import Dataset
from attribution.journeys.data import PathData
from attribution.journeys.settings import JourneySettings


@st.cache_data(show_spinner=False, max_entries=64)
def _summary(_ds: Dataset, fingerprint: str) -> dict:
    return _ds.summary()


def summary(ds: Dataset) -> dict:
    """Headline numbers of a dataset."""
    return _summary(ds, ds.fingerprint)


@st.cache_data(show_spinner=False, max_entries=64)
def _channels(_ds: Dataset, fingerprint: str, rules: tuple) -> list[str]:
    return _ds.channels(rules)


def channels(ds: Dataset, rules: tuple = ()) -> list[str]:
    """Channel names of a dataset, after the channel grouping ``rules`` if given."""
    return _channels(ds, ds.fingerprint, tuple(rules))


@st.cache_data(show_spinner=False, max_entries=64)
def _stages(_ds: Dataset, fingerprint: str) -> list[str]:
    return _ds.stages()


def stages(ds: Dataset) -> list[str]:
    """Conversion stages in funnel order."""
    return _stages(ds, ds.fingerprint)


@st.cache_data(show_spinner=False, max_entries=64)
def _stage_counts(_ds: Dataset, fingerprint: str):
    return _ds.stage_counts()


def stage_counts(ds: Dataset):
    """Conversions per stage in funnel order."""
    return _stage_counts(ds, ds.fingerprint)


@st.cache_data(show_spinner=False, max_entries=64)
def _date_range(_ds: Dataset, fingerprint: str):
    return _ds.date_range()


def date_range(ds: Dataset):
    """(first, last) date of a dataset, or None."""
    return _date_range(ds, ds.fingerprint)


# Journeys hold large frames: cache_resource hands out the same object instead of a copy.
@st.cache_resource(show_spinner=False, max_entries=16)
def _journeys(_ds: Dataset, fingerprint: str, settings: JourneySettings) -> PathData:
    return _ds.journeys(settings)


def journeys(ds: Dataset, settings: JourneySettings) -> PathData:
    """Journeys (or transformed paths) of a dataset under the settings."""
    with st.spinner("Building journeys…"):
        return _journeys(ds, ds.fingerprint, settings)


@st.cache_data(show_spinner=False, max_entries=64)
def _daily_activity(_ds: Dataset, fingerprint: str):
    return _ds.daily_activity()


def daily_activity(ds: Dataset):
    """Touches, conversions, revenue and spend per day."""
    return _daily_activity(ds, ds.fingerprint)


@st.cache_data(show_spinner=False, max_entries=64)
def _rejected(_ds: Dataset, fingerprint: str):
    return _ds.table("rejected")


def rejected(ds: Dataset):
    """Rows rejected while loading the dataset, with reasons."""
    return _rejected(ds, ds.fingerprint)


def clear() -> None:
    """Forget every cached result (tests, and after deleting a dataset)."""
    st.cache_data.clear()
    _journeys.clear()


@st.cache_data(show_spinner=False, max_entries=512)
def _model(_ds: Dataset, fingerprint: str, settings_key: str, _settings: JourneySettings, name: str,
           params: tuple):
    from attribution.errors import ModelError
    from attribution.models import run_model

    try:
        return run_model(name, _journeys(_ds, fingerprint, _settings), **dict(params)), None
    except ModelError as err:  # kept, so the failure is not worked out again on every rerun
        return None, err.message_for("app")


#: the attribution.models functions behind the Model details view
DETAILS = ("removal_effects", "transition_matrix", "shapley_by_position", "ihc_sessions")


@st.cache_data(show_spinner=False, max_entries=128)
def _detail(_ds: Dataset, fingerprint: str, settings_key: str, _settings: JourneySettings, kind: str,
            params: tuple):
    from attribution import models

    if kind not in DETAILS:
        raise ValueError(f"no model detail {kind!r}; one of {', '.join(DETAILS)}")
    return getattr(models, kind)(_journeys(_ds, fingerprint, _settings), **dict(params))


def model_detail(ds: Dataset, settings: JourneySettings, kind: str, params: dict | None = None):
    """One model-details table of the journeys under ``settings``: ``kind`` is one of
    :data:`DETAILS` (the :mod:`attribution.models` function of that name, called with ``params``).
    A :class:`~attribution.errors.ModelError` (e.g. IHC on paths without touches) is raised, not
    cached."""
    return _detail(ds, ds.fingerprint, settings.key(), settings, kind, tuple(sorted((params or {}).items())))


def compare(ds: Dataset, settings: JourneySettings, names: list[str], params: dict[str, dict]):
    """Stacked tidy results of several models, and ``{model: message}`` for models that could not
    run on this data. Each model is cached on its own parameters, so changing one model's
    parameter recomputes only that model."""
    import pandas as pd

    data = journeys(ds, settings)
    frames, failures = [], {}
    progress = st.progress(0.0, text="Running models…") if len(names) > 1 else None
    for i, name in enumerate(names):
        if progress:
            progress.progress(i / len(names), text=f"Running {name}…")
        frame, failure = _model(ds, ds.fingerprint, settings.key(), settings, name,
                                tuple(sorted(params.get(name, {}).items())))
        if failure is None:
            frames.append(frame)
        else:
            failures[name] = failure
    if progress:
        progress.empty()
    del data
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), failures
