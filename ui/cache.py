"""Streamlit caching of dataset reads, journeys, charts and derived tables (``ui/cache_*.py``: pages').

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

Charts and derived tables are cached too: a rerun (every widget click and page visit) would
otherwise build every plotly figure again from its cached result, the largest part of a cached
page run (bench/bench_rerun.py), and work out intervals, pivots and errors again. Both are keyed by
the function and the content of its inputs (:func:`input_key`), so whatever result they come from,
equal inputs share one entry. A figure (:func:`figure`) is one object shared by every session
(``cache_resource``): nothing may change a figure after it is built. A table (:func:`derived`) is
copied to each caller. Download files are not cached: they are made when their button is clicked
(:mod:`ui.downloads`).
"""
from __future__ import annotations

import dataclasses
import hashlib
import pickle

import numpy as np
import pandas as pd
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
    _figure.clear()


def input_key(value) -> object:
    """A small hashable stand-in for one input of a figure, equal for equal inputs.

    Rules: a DataFrame or Series is keyed by its content: column names, dtypes, shape, name, and a
    hash of every value and index label (``pd.util.hash_pandas_object``; cells it cannot hash, such as
    lists, by their pickled form), never by a sample of its rows; a numpy array by dtype, shape and a
    hash of its bytes; a dataclass (e.g. bootstrap draws) by its class and fields; dicts, lists and
    tuples by their items in order; None, str, int, float and bool (numpy scalars too) by
    themselves. Anything else raises TypeError (an object's identity says nothing about its content).
    """
    if isinstance(value, (pd.DataFrame, pd.Series)):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        digest = hashlib.blake2b(digest_size=16)
        described = (type(value).__name__, [str(c) for c in frame.columns], [str(t) for t in frame.dtypes],
                     frame.shape, str(getattr(value, "name", "")))
        digest.update(repr(described).encode())
        try:
            digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
        except TypeError:
            digest.update(pickle.dumps(frame))
        return ("frame", digest.hexdigest())
    if isinstance(value, np.ndarray):
        data = pickle.dumps(value) if value.dtype == object else np.ascontiguousarray(value).tobytes()
        return ("array", str(value.dtype), value.shape, hashlib.blake2b(data, digest_size=16).hexdigest())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (f"{type(value).__module__}.{type(value).__qualname__}",
                tuple((f.name, input_key(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, np.generic):
        return input_key(value.item())
    if isinstance(value, dict):
        return ("dict", tuple((input_key(k), input_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(input_key(v) for v in value))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a figure input must be a frame, a series or plain values, not {type(value).__name__}")


@st.cache_resource(show_spinner=False, max_entries=256)
def _figure(builder: str, key: tuple, _build, _args: tuple, _kwargs: dict):
    return _build(*_args, **_kwargs)


def _call_key(func, args: tuple, kwargs: dict) -> tuple[str, tuple]:
    """The name of a module-level function and the key of its inputs (:func:`input_key`)."""
    name = f"{func.__module__}.{func.__qualname__}"
    if "<" in func.__qualname__:  # a lambda or a nested function: its name does not say what it computes
        raise ValueError(f"{name}: pass a module-level function, whose name says what it computes")
    keyed_kwargs = tuple((k, input_key(v)) for k, v in sorted(kwargs.items()))
    return name, (tuple(input_key(a) for a in args), keyed_kwargs)


def figure(build, *args, **kwargs):
    """The figure ``build(*args, **kwargs)`` (a builder of :mod:`attribution.reports.figures` or
    ``ui/charts_*.py``), built once per builder and inputs (:func:`input_key`) in the whole process;
    every caller gets the same object, which nobody may change."""
    return _figure(*_call_key(build, args, kwargs), build, args, kwargs)


@st.cache_data(show_spinner=False, max_entries=512)
def _derived(function: str, key: tuple, _func, _args: tuple, _kwargs: dict):
    return _func(*_args, **_kwargs)


def derived(func, *args, **kwargs):
    """``func(*args, **kwargs)``: a library function that works a table out of cached results
    (intervals from bootstrap draws, errors against the truth), computed once per function and
    inputs (:func:`input_key`) in the whole process; each caller gets its own copy."""
    return _derived(*_call_key(func, args, kwargs), func, args, kwargs)


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
