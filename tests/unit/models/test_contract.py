"""The contract every registered model keeps (loops over MODELS, so new models are covered too).

Besides the tidy frame, every model's spec carries each piece (label, parameters, per-touch rule
or an explicit None, bootstrap strategy) and a model missing one is refused when it registers.
"""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.journeys.data import Journeys, PathData
from attribution.models import MODEL_SPECS, MODELS, run_model
from attribution.models.registry import (
    LOCAL_CREDIT,
    MODEL_REFIT,
    TOUCH_INPUTS,
    FastRefit,
    LocalCredit,
    ModelRefit,
    TouchRule,
    register,
)
from attribution.uncertainty.estimators import FullRefit, fast_refit_class, make_estimator
from attribution.uncertainty.local_credit import JourneyLocal, PathLocal
from attribution.uncertainty.resample import BaseData, Resampler
from tests.unit.models.fixtures import as_paths, random_journeys

NAMES = sorted(MODELS)
PATH_MODELS = [n for n in NAMES if not MODEL_SPECS[n].needs_touches]
TOUCH_MODELS = [n for n in NAMES if MODEL_SPECS[n].needs_touches]


@pytest.fixture(scope="module")
def data() -> Journeys:
    return random_journeys(300, seed=1)


def assert_tidy(out: pd.DataFrame, name: str, data: PathData) -> None:
    assert list(out.columns) == ["model", "channel", "conversions", "revenue", "share"]
    assert (out["model"] == name).all()
    assert out["channel"].is_unique
    assert out["conversions"].sum() == pytest.approx(data.total_conversions, rel=1e-9)
    assert out["revenue"].sum() == pytest.approx(data.total_revenue, rel=1e-9)
    assert out["share"].sum() == pytest.approx(1.0, rel=1e-9)
    assert (out[["conversions", "revenue", "share"]] >= -1e-12).all().all()
    assert set(out["channel"]) <= set(data.channels)


def test_registry_is_not_empty():
    assert {"first_touch", "last_touch", "last_non_direct", "linear", "position_based", "linear_by_day",
            "time_decay", "w_shaped", "ihc"} <= set(MODELS)


@pytest.mark.parametrize("name", NAMES)
def test_tidy_frame_on_journeys(name, data):
    assert_tidy(run_model(name, data), name, data)


@pytest.mark.parametrize("name", PATH_MODELS)
def test_tidy_frame_on_paths(name, data):
    paths = as_paths(data)
    assert_tidy(run_model(name, paths), name, paths)


@pytest.mark.parametrize("name", NAMES)
def test_row_order_does_not_change_results(name, data):
    rng = np.random.default_rng(7)
    shuffled = Journeys.from_frames(
        data.paths.iloc[rng.permutation(len(data.paths))].reset_index(drop=True),
        data.touches.iloc[rng.permutation(len(data.touches))].reset_index(drop=True))
    expected = run_model(name, data).set_index("channel")
    got = run_model(name, shuffled).set_index("channel").reindex(expected.index)
    np.testing.assert_allclose(got[["conversions", "revenue", "share"]].to_numpy(),
                               expected[["conversions", "revenue", "share"]].to_numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", TOUCH_MODELS)
def test_time_based_models_refuse_paths(name, data):
    with pytest.raises(ModelError, match="timestamps"):
        run_model(name, as_paths(data))
    with pytest.raises(ModelError):
        MODELS[name](as_paths(data))


@pytest.mark.parametrize("name", NAMES)
def test_no_conversions(name, data):
    # only the non-converting journeys: an empty (or all-zero) tidy frame, or a clear ModelError
    touches = data.touches[~data.touches["converted"]]
    paths = data.paths[data.paths["conversions"] == 0]
    try:
        out = run_model(name, Journeys.from_frames(paths, touches))
    except ModelError:
        return
    assert list(out.columns) == ["model", "channel", "conversions", "revenue", "share"]
    assert out["conversions"].abs().sum() == 0.0


def test_unknown_model_lists_valid_names(data):
    with pytest.raises(ModelError) as err:
        run_model("no_such_model", data)
    for name in NAMES:
        assert name in str(err.value)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_parameter_lists_valid_ones(name, data):
    with pytest.raises(ModelError) as err:
        run_model(name, data, no_such_param=1)
    assert "no_such_param" in str(err.value)
    for param in MODEL_SPECS[name].defaults:
        assert param in str(err.value)


@pytest.mark.parametrize("name", NAMES)
def test_parameters_are_keyword_only_with_defaults(name):
    params = list(inspect.signature(MODELS[name]).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    for p in params[1:]:
        assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty


# ---- the registered spec: every piece present, and nothing falls back silently ----------------

ALL_TOUCH_COLUMNS = ("ts", "conversion_ts", "hours_to_conversion", "hours_since_previous", "milestone",
                     "holder_engagement", "closer_engagement", "session_id", "stage", "campaign", "cost")


def test_models_view_is_the_spec_registry():
    assert list(MODELS) == list(MODEL_SPECS)
    assert all(MODELS[n] is MODEL_SPECS[n].func for n in MODEL_SPECS)


@pytest.mark.parametrize("name", NAMES)
def test_every_model_has_every_piece(name):
    spec = MODEL_SPECS[name]
    assert spec.name == name and callable(spec.func)
    assert spec.label.strip() and spec.description.strip()
    assert isinstance(spec.needs_touches, bool)
    assert isinstance(spec.bootstrap, LocalCredit | FastRefit | ModelRefit)
    rules = [r for r in (spec.touch_rule, getattr(spec.bootstrap, "path_rule", None)) if r is not None]
    for rule in rules:
        assert isinstance(rule, TouchRule)
        assert rule.formula.strip()
        assert set(rule.inputs) <= set(TOUCH_INPUTS)
        assert (rule.weights.__kwdefaults__ or {}) == dict(spec.defaults)
    if isinstance(spec.bootstrap, LocalCredit):
        assert rules, "a LocalCredit bootstrap needs a per-path rule"
    if spec.needs_touches:
        assert spec.touch_rule is not None and isinstance(spec.bootstrap, LocalCredit)
    if isinstance(spec.bootstrap, FastRefit):
        assert isinstance(fast_refit_class(spec.bootstrap), type)
    assert spec.columns == (spec.touch_rule.columns if spec.touch_rule else ())


def test_registry_lists_the_known_strategies():
    # today every model has a fast bootstrap; a new one without must say so (ModelRefit)
    assert not [n for n, s in MODEL_SPECS.items() if isinstance(s.bootstrap, ModelRefit)]
    assert {n for n, s in MODEL_SPECS.items() if s.touch_rule is None} == {
        "markov", "shapley", "shapley_rate", "counterfactual", "logistic"}


@pytest.mark.parametrize("name", NAMES)
def test_every_model_gets_its_declared_bootstrap_estimator(name, data):
    # the estimator is the spec's strategy, on journeys and (path models) on aggregated paths
    spec = MODEL_SPECS[name]
    sets = [data] + ([as_paths(data)] if not spec.needs_touches else [])
    for d in sets:
        base = BaseData(d)
        journeys = Resampler(base, journeys=True).journeys if d.has_touches else None
        estimator = make_estimator(name, base, {}, journeys)
        if isinstance(spec.bootstrap, LocalCredit):
            expected = JourneyLocal if spec.reads_touches(d) else PathLocal
        elif isinstance(spec.bootstrap, FastRefit):
            expected = fast_refit_class(spec.bootstrap)
        else:
            expected = FullRefit
        assert isinstance(estimator, expected), (name, type(estimator))


@pytest.mark.parametrize("name", [n for n in NAMES if MODEL_SPECS[n].touch_rule is not None])
def test_touch_rule_reads_only_its_declared_columns(name, data):
    # a rule reading an undeclared column would see it here but not in journey_table (which copies
    # only the declared ones) and silently fall back to its default there
    from attribution.models.touch_table import journey_table

    rule = MODEL_SPECS[name].touch_rule
    declared = journey_table(data, rule.columns)
    everything = journey_table(data, ALL_TOUCH_COLUMNS)
    np.testing.assert_allclose(rule.weights(declared), rule.weights(everything), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", [n for n in NAMES if MODEL_SPECS[n].touch_rule is not None])
def test_weigh_on_a_frame_of_journeys_matches_the_library(name, data):
    # the engine-neutral entry point: whole journeys as a plain frame, rows in any order
    from attribution.models.journey_credit import journey_credit

    rule = MODEL_SPECS[name].touch_rule
    touches = data.touches[data.touches["converted"]]
    keep = ["journey_id", "position", "channel", *[c for c in rule.columns if c in touches.columns]]
    frame = touches[keep].sample(frac=1.0, random_state=3).reset_index(drop=True)
    weights = rule.weigh(frame)
    sums = pd.Series(weights).groupby(frame["journey_id"].to_numpy()).sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, rtol=1e-12)
    got = (frame.assign(w=weights).groupby(["journey_id", "channel"])["w"].sum())
    expected = journey_credit(name, data).set_index(["journey_id", "channel"])["conversions"]
    np.testing.assert_allclose(got.reindex(expected.index).to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-12)


def test_weigh_by_hand():
    # two journeys given out of order; position based (40/20/40) on a > b > c, linear on x > y
    frame = pd.DataFrame({"journey_id": [7, 3, 7, 3, 7], "position": [3, 2, 1, 1, 2],
                          "channel": ["c", "y", "a", "x", "b"]})
    assert MODEL_SPECS["position_based"].touch_rule.weigh(frame).tolist() == pytest.approx(
        [0.4, 0.5, 0.4, 0.5, 0.2])
    assert MODEL_SPECS["linear"].touch_rule.weigh(frame).tolist() == pytest.approx(
        [1 / 3, 1 / 2, 1 / 3, 1 / 2, 1 / 3])
    assert MODEL_SPECS["last_touch"].touch_rule.weigh(frame).tolist() == [1, 1, 0, 0, 0]
    with pytest.raises(ModelError, match="journey_id"):
        MODEL_SPECS["linear"].touch_rule.weigh(frame.drop(columns="journey_id"))


@pytest.fixture
def scratch_name():
    """A model name that is removed from the registry afterwards, whatever the test did."""
    name = "test_contract_scratch"
    yield name
    MODEL_SPECS.pop(name, None)


def _scratch_model(data, *, weight: float = 1.0):
    return run_model("linear", data)


def _linear(table, *, weight: float = 1.0):
    return 1.0 / table.n_touches


def test_a_model_missing_a_piece_is_refused_at_registration(scratch_name):
    rule = TouchRule(_linear, inputs=("n_touches",), formula="w = 1 / n_touches")
    common = {"label": "Scratch", "description": "test only", "needs_touches": False}
    with pytest.raises(TypeError, match="bootstrap"):
        register(scratch_name, touch_rule=rule, **common)(_scratch_model)
    with pytest.raises(TypeError, match="touch_rule"):
        register(scratch_name, bootstrap=LOCAL_CREDIT, **common)(_scratch_model)
    with pytest.raises(ModelError, match="needs a touch_rule or a path_rule"):
        register(scratch_name, touch_rule=None, bootstrap=LOCAL_CREDIT, **common)(_scratch_model)
    with pytest.raises(ModelError, match="needs touches"):
        register(scratch_name, touch_rule=None, bootstrap=MODEL_REFIT,
                 **{**common, "needs_touches": True})(_scratch_model)
    with pytest.raises(ModelError, match="bootstrap must be"):
        register(scratch_name, touch_rule=rule, bootstrap="local", **common)(_scratch_model)
    with pytest.raises(ModelError, match="exactly the model's parameters"):
        register(scratch_name, touch_rule=TouchRule(lambda table: 1.0 / table.n_touches, inputs=("n_touches",),
                                                    formula="w = 1 / n_touches"),
                 bootstrap=LOCAL_CREDIT, **common)(_scratch_model)
    with pytest.raises(ModelError, match="label"):
        register(scratch_name, touch_rule=rule, bootstrap=LOCAL_CREDIT,
                 **{**common, "label": " "})(_scratch_model)
    assert scratch_name not in MODEL_SPECS
    register(scratch_name, touch_rule=rule, bootstrap=LOCAL_CREDIT, **common)(_scratch_model)
    assert MODEL_SPECS[scratch_name].touch_rule is rule


def test_a_rule_must_name_known_inputs_and_state_its_formula():
    with pytest.raises(ModelError, match="unknown input"):
        TouchRule(_linear, inputs=("n_touches", "weather"), formula="w = 1 / n_touches")
    with pytest.raises(ModelError, match="formula"):
        TouchRule(_linear, inputs=("n_touches",), formula=" ")
    with pytest.raises(ModelError, match="attribution.uncertainty"):
        FastRefit("somewhere.else:Refit")


def test_a_fast_refit_that_does_not_exist_fails_loudly(scratch_name, data):
    # a typo in the spec must not quietly become the slow full refit
    register(scratch_name, label="Scratch", description="test only", needs_touches=False, touch_rule=None,
             bootstrap=FastRefit("attribution.uncertainty.refit_markov:NoSuchRefit"))(_scratch_model)
    with pytest.raises(AttributeError, match="NoSuchRefit"):
        make_estimator(scratch_name, BaseData(as_paths(data)), {}, None)
