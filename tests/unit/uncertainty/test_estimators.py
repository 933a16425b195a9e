"""Every bootstrap estimator, fed the observed counts, reproduces its registered model exactly.

This is what makes the fast refits trustworthy: a replicate is the same computation on other
counts. Loops over MODELS, so a new model is covered (by the full-refit fallback at least).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.models import MODEL_SPECS, MODELS, run_model
from attribution.uncertainty import refit_markov, refit_shapley_rate
from attribution.uncertainty.estimators import FullRefit, make_estimator
from attribution.uncertainty.refit_logistic import LogisticRefit
from attribution.uncertainty.resample import BaseData, Chunk, Resampler, observed_counts
from tests.unit.models.fixtures import as_paths, random_journeys


@pytest.fixture(scope="module")
def journeys():
    return random_journeys(300, seed=3)


def observed_chunk(base: BaseData, journey_mode: bool) -> Chunk:
    """The data itself as a one-replicate chunk (all journey weights 1)."""
    if journey_mode:
        index = Resampler(base, journeys=True).journeys
        w = np.ones((index.n_journeys, 1))
        return Chunk(index.to_paths_conv @ w, index.to_paths_revenue @ w, index.to_paths_null @ w, w)
    conv, rev, nulls = observed_counts(base.data)
    return Chunk(conv[:, None], rev[:, None], nulls[:, None])


def assert_matches_model(name: str, data, params: dict, journey_mode: bool, kind: type | None = None) -> None:
    base = BaseData(data)
    chunk = observed_chunk(base, journey_mode)
    index = Resampler(base, journeys=True).journeys if journey_mode else None
    estimator = make_estimator(name, base, params, index)
    if kind is not None:
        assert isinstance(estimator, kind)
    conv, rev = estimator(chunk)
    expected = run_model(name, data, **params).set_index("channel").reindex(base.channels.astype(str)).fillna(0.0)
    np.testing.assert_allclose(conv[:, 0], expected["conversions"], rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(rev[:, 0], expected["revenue"], rtol=1e-7, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_on_journeys(journeys, name):
    assert_matches_model(name, journeys, {}, journey_mode=True)


@pytest.mark.parametrize("name", sorted(n for n, s in MODEL_SPECS.items() if not s.needs_touches))
def test_every_path_model_on_aggregated_paths(journeys, name):
    assert_matches_model(name, as_paths(journeys), {}, journey_mode=False)


@pytest.mark.parametrize(("name", "params"), [
    ("markov", {"order": 2}),
    ("markov", {"order": 3, "collapse_repeats": False}),
    ("markov", {"use_nulls": False}),
    ("counterfactual", {"path_transform": "unique"}),
    ("counterfactual", {"path_transform": "first"}),
    ("counterfactual", {"retransform": False}),
    ("shapley_rate", {"max_exact": 2, "n_samples": 50, "seed": 4}),   # sets above 2 channels sampled
    ("logistic", {"exposure": "count"}),
    ("position_based", {"first": 0.2, "last": 0.6}),
    ("last_non_direct", {"direct_channels": ("direct", "email")}),
])
def test_fast_refits_with_parameters(journeys, name, params):
    assert_matches_model(name, as_paths(journeys), params, journey_mode=False)


def test_large_markov_chains_use_the_sparse_solver(journeys, monkeypatch):
    monkeypatch.setattr(refit_markov, "DENSE_MAX_STATES", 0)
    assert_matches_model("markov", as_paths(journeys), {"order": 2}, journey_mode=False)


def test_frequency_transform_and_oversized_shapley_fall_back_to_full_refits(journeys, monkeypatch):
    paths = as_paths(journeys)
    assert_matches_model("counterfactual", paths, {"path_transform": "frequency"}, False, kind=FullRefit)
    monkeypatch.setattr(refit_shapley_rate, "MAX_ENTRIES", 0)
    assert_matches_model("shapley_rate", paths, {}, False, kind=FullRefit)


def test_logistic_refit_falls_back_to_ridge_under_separation():
    # "b" always converts and "c" never does: the maximum likelihood estimate is infinite, so the
    # model (and the refit) must use the penalised fit; both then agree.
    paths = pd.DataFrame({"path": [("a",), ("b",), ("a", "b"), ("c",), ("a", "c")],
                          "conversions": [5.0, 7.0, 4.0, 0.0, 0.0], "revenue": [50.0, 70.0, 40.0, 0.0, 0.0],
                          "nulls": [9.0, 0.0, 0.0, 6.0, 3.0]})
    from attribution.journeys.data import PathData
    from attribution.models.logistic import RIDGE_FIT, logistic_coefficients

    data = PathData(paths)
    assert logistic_coefficients(data)["fit"].eq(RIDGE_FIT).all()
    assert_matches_model("logistic", data, {}, journey_mode=False, kind=LogisticRefit)


@pytest.mark.parametrize("name", sorted(n for n, s in MODEL_SPECS.items() if not s.needs_touches))
def test_rows_with_an_empty_path_are_skipped_like_the_models_do(name):
    # a hand-made paths file may hold a row without touches; models ignore it, so must replicates
    from attribution.journeys.data import PathData

    data = PathData(pd.DataFrame({"path": [("a",), (), ("a", "b"), ("b",), ("b", "a")],
                                  "conversions": [3.0, 2.0, 4.0, 1.0, 2.0], "revenue": [30.0, 20.0, 40.0, 10.0, 25.0],
                                  "nulls": [5.0, 1.0, 2.0, 6.0, 3.0]}))
    assert_matches_model(name, data, {}, journey_mode=False)
