"""Adstock and saturation transforms against values worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest

from attribution.errors import ModelError
from attribution.mmm import transforms as tr


def test_geometric_weights_and_adstock_by_hand():
    # alpha = 0.5, L = 3: raw weights 1, 0.5, 0.25; sum 1.75 -> 4/7, 2/7, 1/7
    np.testing.assert_allclose(tr.geometric_weights(0.5, 3), [4 / 7, 2 / 7, 1 / 7])
    # x = [1, 0, 0, 2]: out[0] = 4/7; out[1] = 2/7 * 1; out[2] = 1/7 * 1;
    # out[3] = 4/7 * 2 + 2/7 * 0 + 1/7 * 0 = 8/7 (the spend at t=0 has left the 3-lag window)
    out = tr.ADSTOCK_SPECS['geometric'].apply(np.array([1.0, 0.0, 0.0, 2.0]), 0.5, max_lag=3)
    np.testing.assert_allclose(out, [4 / 7, 2 / 7, 1 / 7, 8 / 7])


def test_geometric_alpha_zero_is_identity():
    # alpha = 0: weights 0**0 = 1, then 0 -> no carry-over
    x = np.array([3.0, 1.0, 4.0])
    np.testing.assert_allclose(tr.ADSTOCK_SPECS['geometric'].apply(x, 0.0, max_lag=5), x)


def test_delayed_weights_by_hand():
    # alpha = 0.5, theta = 1, L = 3: exponents (0-1)^2=1, 0, 1 -> 0.5, 1, 0.5; sum 2 -> 0.25, 0.5, 0.25
    np.testing.assert_allclose(tr.delayed_weights(0.5, 1.0, 3), [0.25, 0.5, 0.25])


def test_weibull_cdf_weights_by_hand():
    # shape 1, scale 1, t = 1, 2, 3: exp(-1), exp(-2), exp(-3); normalised:
    # 1 / (1 + e^-1 + e^-2) = 1 / 1.503215 = 0.665241, then x e^-1 = 0.244728, x e^-2 = 0.090031
    np.testing.assert_allclose(tr.weibull_cdf_weights(1.0, 1.0, 3), [0.665241, 0.244728, 0.090031], atol=1e-6)


def test_weibull_pdf_weights_by_hand():
    # shape 2, scale 2, z = t/2 = 0.5, 1, 1.5: z * exp(-z^2) = 0.389400, 0.367879, 0.158099 (sum 0.915378)
    # normalised: 0.425398, 0.401887, 0.172715
    np.testing.assert_allclose(tr.weibull_pdf_weights(2.0, 2.0, 3), [0.425398, 0.401887, 0.172715], atol=1e-6)


@pytest.mark.parametrize("name", sorted(tr.ADSTOCK_SPECS))
def test_every_adstock_keeps_steady_state_and_works_on_2d(name):
    specs = tr.param_specs(name, 6)
    params = [s.init for s in specs]
    const = np.full(20, 7.0)
    apply = tr.adstock_spec(name).apply
    out = apply(const, *params, max_lag=6)
    # weights sum to 1: once the window is full, a constant spend maps to itself
    np.testing.assert_allclose(out[5:], 7.0)
    x = np.random.default_rng(0).uniform(0, 1, (15, 2))
    two_d = apply(x, *params, max_lag=6)
    for j in range(2):
        np.testing.assert_allclose(two_d[:, j], apply(x[:, j], *params, max_lag=6))


def test_per_column_parameters_on_2d():
    x = np.array([[1.0, 1.0], [0.0, 0.0]])
    out = tr.ADSTOCK_SPECS['geometric'].apply(x, np.array([0.0, 1.0]), max_lag=2)
    # column 0 alpha 0 -> [1, 0]; column 1 alpha 1 -> weights 1/2, 1/2 -> [0.5, 0.5]
    np.testing.assert_allclose(out, [[1.0, 0.5], [0.0, 0.5]])


def test_saturation_values_by_hand():
    # logistic lam 2 at x 0.5: (1 - e^-1) / (1 + e^-1) = 0.632121 / 1.367879 = 0.462117
    assert tr.logistic_saturation(0.5, 2.0) == pytest.approx(0.462117, abs=1e-6)
    # hill k 0.5 s 2: x = 1 -> 1 / (1 + 0.25) = 0.8; x = k -> 0.5
    assert tr.hill_saturation(1.0, 0.5, 2.0) == pytest.approx(0.8)
    assert tr.hill_saturation(0.5, 0.5, 2.0) == pytest.approx(0.5)
    # Michaelis-Menten k 0.5 at x 1.5: 1.5 / 2 = 0.75
    assert tr.michaelis_menten_saturation(1.5, 0.5) == pytest.approx(0.75)
    # logistic slope at 0 is lam / 2 = 1 for lam 2; MM slope at 0 is 1/k = 2 for k 0.5
    assert tr.logistic_derivative(0.0, 2.0) == pytest.approx(1.0)
    assert tr.michaelis_menten_derivative(0.0, 0.5) == pytest.approx(2.0)


@pytest.mark.parametrize("name", sorted(tr.SATURATION_SPECS))
def test_saturation_derivatives_match_finite_differences(name):
    params = [s.init for s in tr.param_specs(name, 8)]
    spec = tr.saturation_spec(name)
    x = np.linspace(0.05, 2.0, 40)
    h = 1e-6
    numeric = (spec.function(x + h, *params) - spec.function(x - h, *params)) / (2 * h)
    np.testing.assert_allclose(spec.derivative(x, *params), numeric, rtol=1e-5)
    y = spec.function(x, *params)
    assert spec.function(0.0, *params) == pytest.approx(0.0)
    assert np.all(np.diff(y) > 0) and np.all(y < 1)


def test_unknown_names_list_valid_ones():
    with pytest.raises(ModelError, match="geometric"):
        tr.adstock_spec("exponential")
    with pytest.raises(ModelError, match="michaelis_menten"):
        tr.saturation_spec("tanh")


@pytest.mark.parametrize("spec", [*tr.ADSTOCK_SPECS.values(), *tr.SATURATION_SPECS.values()], ids=lambda s: s.name)
def test_every_form_has_each_piece(spec):
    # one spec per form: a label for the UI, parameters with sane bounds and a start inside them
    assert spec.label and spec.params
    for p in tr.param_specs(spec.name, 8):
        assert p.low < p.high and p.low <= p.init <= p.high
    if isinstance(spec, tr.SaturationSpec):
        assert callable(spec.function) and callable(spec.derivative)
    else:
        assert spec.weights(*[p.init for p in tr.param_specs(spec.name, 8)], 8).sum() == pytest.approx(1)


def test_media_param_count_from_specs():
    # geometric (alpha) + logistic (lam) + beta = 3; delayed (alpha, theta) + hill (k, s) + beta = 5
    assert tr.media_param_count("geometric", "logistic") == 3
    assert tr.media_param_count("delayed", "hill") == 5
    assert tr.media_param_count("weibull_pdf", "michaelis_menten") == 4
