"""The app's caches under load: sessions asking for the same result at the same time compute it once.

Each caller runs in its own thread, as Streamlit runs each session's script; a barrier releases them
together and every stand-in computation sleeps, so the callers really overlap. The counts are the
number of times the library was asked for the result.
"""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import streamlit as st

from attribution.errors import AttributionError, ModelError
from attribution.journeys.settings import JourneySettings
from ui import cache, cache_validation

CALLERS = 6
WORK_SECONDS = 0.3


class SlowDataset:
    """Stands in for an engine dataset: counts each result it is asked for; each takes a while."""

    def __init__(self) -> None:
        self.fingerprint = uuid.uuid4().hex  # a key no other test has cached
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def count(self, what: str) -> None:
        with self._lock:
            self.calls[what] = self.calls.get(what, 0) + 1
        time.sleep(WORK_SECONDS)

    def summary(self) -> dict:
        self.count("summary")
        return {"users": 3}

    def journeys(self, settings):
        self.count("journeys")
        return object()  # a large object in the app: handed out, never copied


@pytest.fixture(autouse=True)
def clean_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def at_once(work) -> list:
    """``work()`` from CALLERS threads released together; each thread's result or exception."""
    barrier = threading.Barrier(CALLERS)
    out: list = [None] * CALLERS

    def call(i: int) -> None:
        barrier.wait()
        try:
            out[i] = work()
        except Exception as exc:  # noqa: BLE001 (returned to the test, which checks it)
            out[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(CALLERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_a_table_asked_for_at_once_is_computed_once_and_copied_to_each():
    ds = SlowDataset()
    results = at_once(lambda: cache.summary(ds))
    assert ds.calls == {"summary": 1}
    assert results == [{"users": 3}] * CALLERS
    assert len({id(r) for r in results}) == CALLERS  # cache_data: each caller gets its own copy


def test_journeys_asked_for_at_once_are_built_once_and_shared():
    ds = SlowDataset()
    results = at_once(lambda: cache.journeys(ds, JourneySettings()))
    assert ds.calls == {"journeys": 1}
    assert all(r is results[0] for r in results)


def test_a_model_that_fails_is_run_once_and_its_message_kept(monkeypatch):
    ds = SlowDataset()

    def failing_model(name, data, **params):
        ds.count("model")
        raise ModelError(f"{name} needs journeys that did not convert")

    monkeypatch.setattr("attribution.models.run_model", failing_model)
    settings = JourneySettings()
    results = at_once(lambda: cache.compare(ds, settings, ["markov"], {}))
    results.append(cache.compare(ds, settings, ["markov"], {}))  # a later rerun
    assert ds.calls == {"journeys": 1, "model": 1}
    for frame, failures in results:
        assert frame.empty
        assert failures == {"markov": "markov needs journeys that did not convert"}


def test_a_bootstrap_that_fails_is_tried_once_and_each_caller_gets_the_reason(monkeypatch):
    ds = SlowDataset()

    def failing_bootstrap(data, models, **kwargs):
        ds.count("bootstrap")
        raise ModelError("too few journeys to resample")

    monkeypatch.setattr("attribution.uncertainty.bootstrap_draws", failing_bootstrap)
    settings = JourneySettings()
    results = at_once(lambda: cache_validation.draws(ds, settings, ["linear"], {}, 50, 0))
    assert ds.calls == {"journeys": 1, "bootstrap": 1}
    assert all(isinstance(r, AttributionError) and str(r) == "too few journeys to resample" for r in results)
