"""bootstrap / bootstrap_draws: reproducibility, invariants, interval width and errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models import compare
from attribution.uncertainty import bootstrap, bootstrap_draws, summarise
from tests.unit.models.fixtures import as_paths, random_journeys

ALL_PATH_MODELS = ["first_touch", "last_touch", "linear", "markov", "shapley", "shapley_rate",
                   "counterfactual", "logistic"]


@pytest.fixture(scope="module")
def journeys():
    return random_journeys(300, seed=5)


@pytest.fixture(scope="module")
def draws(journeys):
    # every registered model the data supports; touch-level ones make this a journey resample
    return bootstrap_draws(journeys, n_boot=60, seed=11)


def test_same_seed_same_result_and_other_seed_differs(journeys):
    data = as_paths(journeys)
    first = bootstrap(data, ["linear", "markov"], n_boot=40, seed=3)
    again = bootstrap(data, ["linear", "markov"], n_boot=40, seed=3)
    other = bootstrap(data, ["linear", "markov"], n_boot=40, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ci_low"], other["ci_low"])


def test_replicates_do_not_depend_on_n_boot(journeys):
    # replicate b has its own stream from the seed: 30 replicates are the first 30 of 80
    few = bootstrap_draws(journeys, ["linear", "time_decay"], n_boot=30, seed=2)
    many = bootstrap_draws(journeys, ["linear", "time_decay"], n_boot=80, seed=2)
    np.testing.assert_array_equal(few.conversions, many.conversions[:30])


def test_point_estimates_are_the_models_and_intervals_are_ordered(journeys, draws):
    out = summarise(draws, 0.9)
    expected = compare(journeys, list(draws.models))
    pd.testing.assert_frame_equal(out[expected.columns.tolist()], expected)
    assert (out["ci_low"] <= out["ci_high"] + 1e-12).all()
    assert (out["revenue_ci_low"] <= out["revenue_ci_high"] + 1e-9).all()
    assert (out[["ci_low", "revenue_ci_low", "share_ci_low"]] >= -1e-9).all().all()
    assert (out["share_ci_high"] <= 1 + 1e-12).all()
    assert draws.n_boot == 60 and draws.unit == "journeys"
    # a wider level gives intervals at least as wide
    wide = summarise(draws, 0.99)
    assert ((wide["ci_high"] - wide["ci_low"]) >= (out["ci_high"] - out["ci_low"]) - 1e-12).all()


def test_every_model_splits_the_same_resampled_total_in_each_replicate(journeys, draws):
    # the replicates are shared (paired): in replicate b every model credits that replicate's
    # conversions and revenue, so the channel sums agree across models
    totals = draws.conversions.sum(axis=2)                 # (n_boot, n_models)
    np.testing.assert_allclose(totals, totals[:, :1].repeat(totals.shape[1], axis=1), rtol=1e-9)
    revenue = draws.revenue.sum(axis=2)
    np.testing.assert_allclose(revenue, revenue[:, :1].repeat(revenue.shape[1], axis=1), rtol=1e-9)
    # and the totals really vary (journeys were resampled), around the observed total
    assert totals[:, 0].std() > 0
    assert abs(totals[:, 0].mean() - journeys.total_conversions) < 4 * totals[:, 0].std()


def test_intervals_halve_when_the_data_quadruples(journeys):
    # 4× the journeys on the same paths: the standard error of a count grows by √4 = 2 while the
    # count grows by 4, so relative widths (and widths of shares) halve: expected ratio 0.5.
    base = as_paths(journeys)
    big = PathData(base.paths.assign(**{c: base.paths[c] * 4 for c in ("conversions", "revenue", "nulls")}))
    small_ci = bootstrap(base, ["linear", "markov", "logistic"], n_boot=300, seed=0)
    big_ci = bootstrap(big, ["linear", "markov", "logistic"], n_boot=300, seed=0)
    for model in ("linear", "markov", "logistic"):
        s, b = small_ci[small_ci.model == model], big_ci[big_ci.model == model]
        share_ratio = (b.share_ci_high - b.share_ci_low).mean() / (s.share_ci_high - s.share_ci_low).mean()
        relative_ratio = (((b.ci_high - b.ci_low) / b.conversions).mean()
                          / ((s.ci_high - s.ci_low) / s.conversions).mean())
        assert 0.42 < share_ratio < 0.58, (model, share_ratio)
        assert 0.42 < relative_ratio < 0.58, (model, relative_ratio)


def test_progress_is_reported_up_to_the_total(journeys):
    calls = []
    bootstrap(as_paths(journeys), ["linear"], n_boot=150, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 150) and calls[-1] == (150, 150)
    assert all(b[0] > a[0] for a, b in zip(calls, calls[1:], strict=False))


def test_replicates_a_model_cannot_fit_are_counted_and_left_out():
    # one journey fails to convert: in a replicate where its Poisson weight is 0 (probability
    # e^-1 ≈ 0.37) there are no nulls, and logistic regression cannot be fitted
    paths = pd.DataFrame({"path": [("a",), ("b",), ("a", "b")], "conversions": [20.0, 10.0, 15.0],
                          "revenue": [200.0, 100.0, 150.0], "nulls": [1.0, 0.0, 0.0]})
    draws = bootstrap_draws(PathData(paths), ["logistic", "linear"], n_boot=100, seed=1)
    out = summarise(draws, 0.95)
    failed = draws.failed
    assert 20 < failed["logistic"] < 55 and failed["linear"] == 0
    assert out[out.model == "logistic"][["ci_low", "ci_high"]].notna().all().all()


def test_errors_name_the_problem(journeys):
    with pytest.raises(ModelError, match="n_boot"):
        bootstrap(journeys, ["linear"], n_boot=1)
    with pytest.raises(ModelError, match="level"):
        bootstrap(journeys, ["linear"], n_boot=10, level=95)
    with pytest.raises(ModelError, match="unknown model"):
        bootstrap(journeys, ["no_such_model"], n_boot=10)
    with pytest.raises(ModelError, match="timestamps"):
        bootstrap(as_paths(journeys), ["time_decay"], n_boot=10)
    with pytest.raises(ModelError, match="order"):
        bootstrap(journeys, ["markov"], n_boot=10, model_params={"markov": {"order": 9}})
