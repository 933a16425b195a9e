"""Per-journey credit: exact for rule models, raked (IPF) for global models."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.models import MODELS, journey_credit, run_model
from attribution.models.raking import rake
from attribution.models.registry import MODEL_REFIT, MODEL_SPECS, register, tidy_credit
from attribution.models.touch_credit import path_touch_credit, touch_credit
from tests.unit.models.fixtures import as_paths, random_journeys, small_journeys


def test_exact_linear_journeys():
    out = journey_credit("linear", small_journeys())
    j4 = out[out["journey_id"] == 4].set_index("channel")
    # J4 display>search>display>email>direct, value 200: display 2/5 (80), others 1/5 (40)
    assert j4["conversions"].to_dict() == pytest.approx({"direct": .2, "display": .4, "email": .2, "search": .2})
    assert j4["revenue"].to_dict() == pytest.approx({"direct": 40, "display": 80, "email": 40, "search": 40})
    assert list(out.columns) == ["journey_id", "channel", "conversions", "revenue"]
    # non-converting journeys 6 and 7 are absent
    assert sorted(out["journey_id"].unique()) == [1, 2, 3, 4, 5, 8]


def test_rake_hand_example():
    # journeys x channels: J0 has A and B (one touch each), J1 has A only. Model credit A 1.2, B 0.8.
    # J1 must give A its 1, so A's remaining .2 comes from J0 and B's .8 too: J0 = (.2, .8).
    rows = np.array([0, 0, 1])
    cols = np.array([0, 1, 0])
    got = rake(rows, cols, np.ones(3), np.array([1.0, 1.0]), np.array([1.2, 0.8]))
    assert got == pytest.approx([0.2, 0.8, 1.0], abs=1e-8)


def test_rake_zero_credit_journey_split_linearly():
    # J1 has channels C and D (one touch each), which the model gives nothing: J1 cannot move, so it
    # is split linearly (C 1/2, D 1/2) and kept out of the raking. J0 has A and B, J2 only B.
    # Targets A .5, B 1.5: J2 gives B its 1, so J0 = (A .5, B .5).
    rows = np.array([0, 0, 1, 1, 2])
    cols = np.array([0, 1, 2, 3, 1])
    got = rake(rows, cols, np.ones(5), np.ones(3), np.array([0.5, 1.5, 0.0, 0.0]))
    assert got == pytest.approx([0.5, 0.5, 0.5, 0.5, 1.0], abs=1e-8)


def test_rake_keeps_journey_sums_when_totals_are_unreachable():
    # the model credits channel B, which no journey carries: A's journeys still sum to their totals
    got = rake(np.array([0, 1]), np.array([0, 0]), np.ones(2), np.array([1.0, 2.0]), np.array([1.0, 5.0]))
    assert got == pytest.approx([1.0, 2.0])


def test_rake_same_pattern_journeys_share_proportions():
    # J0 and J1 both have A and B once (values 10 and 30), J2 has A only (value 20); totals A 30, B 30.
    # J2 gives A 20; the rest (A 10, B 30) falls on J0 + J1 (value 40) with the same shares for both:
    # A 10/40 = 1/4, B 3/4 -> J0 (2.5, 7.5), J1 (7.5, 22.5)
    rows = np.array([0, 0, 1, 1, 2])
    cols = np.array([0, 1, 0, 1, 0])
    args = (np.array([10.0, 30.0, 20.0]), np.array([30.0, 30.0]))
    got = rake(rows, cols, np.ones(5), *args)
    assert got == pytest.approx([2.5, 7.5, 7.5, 22.5, 20.0], abs=1e-7)
    # non-integer touches skip the pattern grouping; halving every touch changes nothing
    assert rake(rows, cols, np.full(5, 0.5), *args) == pytest.approx(got, abs=1e-7)


@pytest.fixture
def global_model():
    """A temporary 'global' model (no per-touch rule) whose credit is the linear model's."""
    name = "test_global_linear"

    @register(name, label="Test global", description="test only", needs_touches=False, touch_rule=None,
              bootstrap=MODEL_REFIT)
    def model(data):
        lin = run_model("linear", data).set_index("channel")
        return tidy_credit(name, lin["conversions"], lin["revenue"])

    yield name
    MODEL_SPECS.pop(name)


def test_raked_model_matches_channel_totals(global_model):
    data = random_journeys(200, seed=4)
    out = journey_credit(global_model, data)
    totals = run_model(global_model, data).set_index("channel")
    got = out.groupby("channel")[["conversions", "revenue"]].sum().reindex(totals.index, fill_value=0.0)
    # a solution exists (the linear split itself), so raking reaches the totals
    assert np.abs(got["conversions"] - totals["conversions"]).max() < 1e-6
    assert np.abs(got["revenue"] - totals["revenue"]).max() < 1e-4
    _assert_journey_sums(out, data)


def _assert_journey_sums(out: pd.DataFrame, data) -> None:
    touches = data.touches[data.touches["converted"]]
    revenue = touches.groupby("journey_id")["revenue"].first()
    sums = out.groupby("journey_id")[["conversions", "revenue"]].sum()
    assert set(sums.index) == set(revenue.index)
    assert np.abs(sums["conversions"] - 1.0).max() < 1e-9
    assert np.abs(sums["revenue"] - revenue.reindex(sums.index)).max() < 1e-6
    assert (out[["conversions", "revenue"]] >= -1e-12).all().all()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_journey_credit(name):
    data = random_journeys(150, seed=2)
    out = journey_credit(name, data)
    _assert_journey_sums(out, data)
    totals = run_model(name, data).set_index("channel")
    got = out.groupby("channel")[["conversions", "revenue"]].sum().reindex(totals.index, fill_value=0.0)
    # rule models are exact; raked global models come as close as IPF gets (1e-3 of the total)
    tol = 1e-9 if MODEL_SPECS[name].touch_rule is not None else 1e-3 * data.total_conversions
    assert np.abs(got["conversions"] - totals["conversions"]).max() < tol


def test_rule_weights_take_the_models_parameters():
    for name, spec in MODEL_SPECS.items():
        if spec.touch_rule is not None:
            assert (spec.touch_rule.weights.__kwdefaults__ or {}) == dict(spec.defaults), name


def test_errors():
    with pytest.raises(ModelError, match="touches table"):
        journey_credit("linear", as_paths(small_journeys()))
    with pytest.raises(ModelError, match="valid: first, last"):
        journey_credit("position_based", small_journeys(), middle=0.2)
    with pytest.raises(ModelError, match="choose one of"):
        journey_credit("nope", small_journeys())


@pytest.mark.parametrize("name", ["markov", "shapley", "counterfactual"])
def test_path_touch_credit_is_journey_touch_credit_summed_by_path(name):
    """A global model's credit per touch depends only on the journey's path (its revenue share for
    revenue): the per-path credit the Spark engine uses equals the journeys' credit summed by path."""
    data = random_journeys(200, seed=5)
    per_journey = touch_credit(name, data)
    touches = data.touches
    paths = touches.sort_values(["journey_id", "position"]).groupby("journey_id")["channel"].agg(tuple)
    row_of_path = {p: i for i, p in enumerate(data.paths["path"])}
    per_journey["journey_id"] = per_journey["journey_id"].map(paths).map(row_of_path)
    expected = per_journey.groupby(["journey_id", "position", "channel"], as_index=False)[
        ["conversions", "revenue"]].sum()
    got = path_touch_credit(name, data).sort_values(["journey_id", "position"], ignore_index=True)
    assert got[["journey_id", "position", "channel"]].equals(expected[["journey_id", "position", "channel"]])
    np.testing.assert_allclose(got[["conversions", "revenue"]].to_numpy(),
                               expected[["conversions", "revenue"]].to_numpy(), rtol=1e-9, atol=1e-9)
    with pytest.raises(ModelError, match="exact per-touch rule"):
        path_touch_credit("linear", data)
