"""The contract every registered model keeps (loops over MODELS, so new models are covered too)."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.journeys.data import Journeys, PathData
from attribution.models import MODEL_SPECS, MODELS, run_model
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
