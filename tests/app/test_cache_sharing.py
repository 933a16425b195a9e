"""The app's caches under load: sessions asking for the same result at the same time compute it once;
charts and tables derived from results are keyed by the content of their inputs.

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


BUILT: list[tuple] = []


def counted_bars(frame, metric: str, title: str | None = None):
    """A figure builder that records each build (and takes a while, like plotly does)."""
    import plotly.graph_objects as go

    BUILT.append((metric, title))
    time.sleep(WORK_SECONDS)
    return go.Figure(go.Bar(x=frame["channel"], y=frame[metric]), layout={"title": title})


@pytest.fixture
def built():
    BUILT.clear()
    yield BUILT
    BUILT.clear()


def test_a_figure_asked_for_at_once_is_built_once_and_shared(built):
    import pandas as pd

    frame = pd.DataFrame({"channel": ["Email", "Search"], "conversions": [2.5, 7.5]})
    figures = at_once(lambda: cache.figure(counted_bars, frame.copy(), "conversions", title="By channel"))
    assert built == [("conversions", "By channel")]
    assert all(f is figures[0] for f in figures)  # cache_resource: one object, never changed
    assert list(figures[0].data[0].y) == [2.5, 7.5]


def test_a_figure_is_built_again_only_when_its_inputs_change(built):
    import pandas as pd

    frame = pd.DataFrame({"channel": ["Email", "Search"], "conversions": [2.5, 7.5]})
    first = cache.figure(counted_bars, frame, "conversions", "A")
    assert cache.figure(counted_bars, frame.copy(), "conversions", "A") is first  # equal content
    changed = frame.assign(conversions=[2.5, 7.0])
    assert list(cache.figure(counted_bars, changed, "conversions", "A").data[0].y) == [2.5, 7.0]
    cache.figure(counted_bars, frame, "conversions", "B")  # another title
    cache.figure(counted_bars, frame.rename(columns={"channel": "Channel"}).assign(channel=frame["channel"]),
                 "conversions", "A")  # another column
    assert len(built) == 4


def test_figure_inputs_are_keyed_by_every_row_and_plain_values():
    import numpy as np
    import pandas as pd

    big = pd.DataFrame({"user": np.arange(300_000), "value": np.zeros(300_000)})
    other = big.copy()
    other.loc[123_457, "value"] = 1.0  # one row of 300 000 (Streamlit's own hasher samples big frames)
    assert cache.input_key(big) == cache.input_key(big.copy())
    assert cache.input_key(big) != cache.input_key(other)
    assert cache.input_key(big["value"]) != cache.input_key(big)  # a series is not its frame
    assert cache.input_key(big.astype({"value": "float32"})) != cache.input_key(big)  # dtypes count
    lists = pd.DataFrame({"path": [["Email", "Search"], ["Search"]]})
    assert cache.input_key(lists) == cache.input_key(lists.copy())
    assert cache.input_key(lists) != cache.input_key(pd.DataFrame({"path": [["Email"], ["Search"]]}))
    assert cache.input_key({"a": [1, 2.5, None]}) == ("dict", (("a", ("list", (1, 2.5, None))),))
    with pytest.raises(TypeError, match="not object"):
        cache.input_key(object())


def counted_total(frame, column: str):
    """A table worked out of a result, recording each computation."""
    BUILT.append(("total", column))
    time.sleep(WORK_SECONDS)
    return frame.groupby("channel", as_index=False)[column].sum()


def test_a_derived_table_is_computed_once_and_copied_to_each(built):
    import pandas as pd

    frame = pd.DataFrame({"channel": ["Email", "Email", "Search"], "conversions": [1.0, 2.0, 4.0]})
    tables = at_once(lambda: cache.derived(counted_total, frame.copy(), "conversions"))
    assert built == [("total", "conversions")]
    assert len({id(t) for t in tables}) == CALLERS  # cache_data: a copy each, free to change
    assert tables[0].to_dict("list") == {"channel": ["Email", "Search"], "conversions": [3.0, 4.0]}


def test_derived_values_of_draws_are_keyed_by_their_arrays(built):
    import numpy as np
    import pandas as pd

    from attribution.uncertainty.bootstrap import BootstrapDraws

    def draws(value: float) -> BootstrapDraws:
        point = pd.DataFrame({"model": ["linear"], "channel": ["Email"], "conversions": [1.0]})
        return BootstrapDraws(point, ("linear",), ("Email",), np.full((3, 1, 1), value), np.zeros((3, 1, 1)), 0,
                              "journeys")

    assert cache.input_key(draws(1.0)) == cache.input_key(draws(1.0))
    assert cache.input_key(draws(1.0)) != cache.input_key(draws(1.5))
    assert cache.input_key(np.float64(2.5)) == 2.5


def test_only_module_level_functions_are_cached():
    import pandas as pd

    frame = pd.DataFrame({"channel": ["Email"], "conversions": [1.0]})
    with pytest.raises(ValueError, match="module-level function"):
        cache.derived(lambda f: f, frame)
