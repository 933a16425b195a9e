"""Logistic-regression attribution worked by hand on saturated designs (fit = observed rates)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from attribution.journeys.data import PathData
from attribution.models import logistic_coefficients, run_model
from tests.unit.models.fixtures import path_rows as make


def credit(data: PathData, **params) -> pd.DataFrame:
    return run_model("logistic", data, **params).set_index("channel")


# Binary exposure with channel sets {A}, {B}, {A, B} and three parameters (β0, βA, βB): the model is
# saturated, so the maximum-likelihood fit reproduces each set's observed conversion rate.
#   A:      1 conversion, 3 nulls, revenue 10 -> p_A  = 1/4
#   B:      2 conversions, 2 nulls, revenue 20 -> p_B  = 1/2
#   A>B:    2 conversions, 1 null, revenue 20  \  set {A, B}: 3 conversions of 4 journeys,
#   B>A>B:  1 conversion, 0 nulls, revenue 10  /  p_AB = 3/4, revenue 30
# logit: β0 + βA = ln(1/3), β0 + βB = 0, β0 + βA + βB = ln 3
#   -> β0 = ln(1/3) + 0 − ln 3 = −2 ln 3, βA = ln 3, βB = 2 ln 3.
# {A, B}: p−A = expit(β0 + βB) = p_B, p−B = p_A; drops 3/4 − 1/2 = 1/4 and 3/4 − 1/4 = 1/2,
#   so its 3 conversions split 1/3 : 2/3 -> A 1, B 2 (revenue 30 -> A 10, B 20).
# Singletons credit their channel (drop p_c − expit(β0) > 0): A 1 (10), B 2 (20).
# Totals: A 2, B 4; revenue A 20, B 40.
SATURATED = make(("A", 1, 10, 3), ("B", 2, 20, 2), ("A>B", 2, 20, 1), ("B>A>B", 1, 10, 0))


def test_saturated_binary_fit_by_hand():
    coef = logistic_coefficients(SATURATED).set_index("channel")["coef"]
    assert coef.to_dict() == pytest.approx({"(intercept)": -2 * math.log(3), "A": math.log(3),
                                            "B": 2 * math.log(3)}, rel=1e-6)
    out = credit(SATURATED)
    assert out["conversions"].to_dict() == pytest.approx({"A": 2.0, "B": 4.0}, rel=1e-6)
    assert out["revenue"].to_dict() == pytest.approx({"A": 20.0, "B": 40.0}, rel=1e-6)


# A drop below 0 is clipped; a journey with no positive drop is split linearly over its touches.
#   A: 1 conversion, 3 nulls -> p_A = 1/4;  B: 2 conversions, 2 nulls -> p_B = 1/2
#   A>B: 1 conversion, 2 nulls -> p_AB = 1/3
# logit: β0 = ln(1/3) + 0 − ln(1/2) = ln(2/3), βA = ln(1/3) − ln(2/3) = −ln 2, βB = ln(3/2).
# {A, B}: drop_A = p_AB − p_B = −1/6 -> 0, drop_B = p_AB − p_A = 1/12 -> B gets its conversion.
# {A}: drop_A = 1/4 − expit(ln(2/3)) = 1/4 − 2/5 < 0 -> every drop 0 -> linear over A: A gets 1.
# Totals: A 1, B 2 + 1 = 3.
def test_clipped_drops_and_linear_fallback_by_hand():
    data = make(("A", 1, 0, 3), ("B", 2, 0, 2), ("A>B", 1, 0, 2))
    coef = logistic_coefficients(data).set_index("channel")["coef"]
    assert coef.to_dict() == pytest.approx({"(intercept)": math.log(2 / 3), "A": -math.log(2),
                                            "B": math.log(3 / 2)}, rel=1e-6, abs=1e-9)
    assert credit(data)["conversions"].to_dict() == pytest.approx({"A": 1.0, "B": 3.0}, rel=1e-6)


# Count exposure: x_c = touches of c. Rows x = (1, 0), (2, 0), (0, 1) are saturated for (β0, βA, βB):
#   A: 1 conversion, 3 nulls -> β0 + βA = ln(1/3); A>A: 1 conversion, 1 null -> β0 + 2βA = 0;
#   B: 1 conversion, 1 null -> β0 + βB = 0.   So βA = ln 3, β0 = −2 ln 3, βB = 2 ln 3.
def test_count_exposure_fit_by_hand():
    data = make(("A", 1, 0, 3), ("A>A", 1, 0, 1), ("B", 1, 0, 1))
    coef = logistic_coefficients(data, exposure="count").set_index("channel")["coef"]
    assert coef.to_dict() == pytest.approx({"(intercept)": -2 * math.log(3), "A": math.log(3),
                                            "B": 2 * math.log(3)}, rel=1e-6)
    assert credit(data, exposure="count")["conversions"].to_dict() == pytest.approx({"A": 2.0, "B": 1.0})


def test_converting_only_data_does_not_support_the_logistic_model():
    from attribution.errors import ModelError
    from attribution.models import supported_models, unsupported_reason

    converting_only = make(("A", 1, 10, 0), ("A>B", 2, 20, 0))
    assert "logistic" not in supported_models(converting_only)
    assert {"linear", "markov", "shapley"} <= set(supported_models(converting_only))
    assert "did not convert" in unsupported_reason("logistic", converting_only)
    with pytest.raises(ModelError, match="did not convert"):
        run_model("logistic", converting_only)
    # one non-converting journey is enough to make it available again
    assert "logistic" in supported_models(make(("A", 1, 10, 0), ("A>B", 2, 20, 1)))
