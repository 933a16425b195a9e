"""Resampling: Poisson draws, journey-to-path matching, predictive checks wiring."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.journeys.data import Journeys
from attribution.models import logistic_auc, markov_order_auc
from attribution.uncertainty import predictive_checks
from attribution.uncertainty.resample import BaseData, PoissonSampler, Resampler, replicate_seeds
from tests.unit.models.fixtures import as_paths, random_journeys


def test_poisson_sampler_has_poisson_moments():
    # means: 0 (always 0), small integers and fractions (inverse-CDF tables), 45 (numpy's sampler)
    means = np.tile([0.0, 1.0, 2.0, 0.3, 45.0], 4000)
    sampler = PoissonSampler(means)
    rng = np.random.default_rng(0)
    draws = np.zeros((50, len(means)))
    for row in draws:
        sampler.draw(rng, row)
    by_mean = draws.reshape(50, -1, 5).reshape(-1, 5)        # 200,000 draws per mean
    assert (by_mean[:, 0] == 0).all()
    assert (by_mean == np.round(by_mean)).all() and (by_mean >= 0).all()
    # Poisson: mean = variance = λ; with 200,000 draws the standard error of the mean is √(λ/2e5)
    np.testing.assert_allclose(by_mean.mean(axis=0)[1:], [1, 2, 0.3, 45], rtol=0.01)
    np.testing.assert_allclose(by_mean.var(axis=0)[1:], [1, 2, 0.3, 45], rtol=0.03)


def test_journey_mode_sums_journey_weights_by_path():
    data = random_journeys(200, seed=8)
    resampler = Resampler(BaseData(data), journeys=True)
    chunk = resampler.draw(replicate_seeds(0, 3))
    touches = data.touches.drop_duplicates("journey_id").sort_values("journey_id")
    path_of = data.touches.groupby("journey_id")["channel"].agg(tuple)
    weights = pd.DataFrame(chunk.journey_weights, index=touches["journey_id"].to_numpy())
    for b in range(3):
        w = weights[b]
        frame = pd.DataFrame({"path": path_of.reindex(w.index).to_numpy(), "w": w.to_numpy(),
                              "conv": touches["converted"].to_numpy(), "rev": touches["revenue"].to_numpy()})
        expected_conv = frame[frame.conv].groupby("path")["w"].sum()
        expected_rev = (frame.w * frame.rev * frame.conv).groupby(frame.path).sum()
        got = pd.DataFrame({"conv": chunk.conversions[:, b], "rev": chunk.revenue[:, b]},
                           index=pd.Index(data.paths["path"]))
        assert got["conv"].to_dict() == pytest.approx(expected_conv.reindex(got.index).fillna(0).to_dict())
        assert got["rev"].to_dict() == pytest.approx(expected_rev.reindex(got.index).fillna(0).to_dict())


def test_touches_that_disagree_with_the_paths_are_refused():
    data = random_journeys(50, seed=2)
    broken = Journeys.from_frames(data.paths.iloc[1:].reset_index(drop=True), data.touches)
    with pytest.raises(ModelError, match="disagree"):
        Resampler(BaseData(broken), journeys=True)


def test_predictive_checks_combine_markov_orders_and_logistic():
    data = as_paths(random_journeys(400, seed=4))
    out = predictive_checks(data, orders=(1, 2), seed=3)
    assert out["model"].tolist() == ["markov", "markov", "logistic"]
    expected = markov_order_auc(data, orders=(1, 2), seed=3)
    np.testing.assert_allclose(out["auc"].iloc[:2], expected["auc"])
    assert out["auc"].iloc[2] == pytest.approx(logistic_auc(data, seed=3))
    assert ((out["auc"] > 0) & (out["auc"] < 1)).all()
