"""Shapley models worked by hand: simplified (Zhao et al.), by position, and on conversion rates."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.journeys.data import PathData
from attribution.models import run_model, shapley_by_position
from tests.unit.models.fixtures import path_rows as make


def credit(name: str, data: PathData, **params) -> pd.DataFrame:
    return run_model(name, data, **params).set_index("channel")


# Simplified Shapley: each converting journey's conversion (and revenue) is shared equally by its
# distinct channels; order, repeats and non-converting journeys do not matter.
#   A>B>A: 2 conversions, revenue 30, S = {A, B}: A 1, B 1; revenue A 15, B 15
#   B>C:   1 conversion,  revenue 10, S = {B, C}: B 1/2, C 1/2; revenue B 5, C 5
#   C:     3 conversions, revenue 6,  S = {C}:    C 3; revenue C 6
#   A>C:   no conversions (4 nulls): nothing
# Totals: A 1, B 3/2, C 7/2 (sum 6); revenue A 15, B 20, C 11 (sum 46); shares 1/6, 1/4, 7/12.
SIMPLE = make(("A>B>A", 2, 30, 0), ("B>C", 1, 10, 0), ("C", 3, 6, 0), ("A>C", 0, 0, 4))


@pytest.mark.parametrize("ordered", [False, True])
def test_simplified_shapley_by_hand(ordered):
    out = credit("shapley", SIMPLE, ordered=ordered)
    assert out["conversions"].to_dict() == pytest.approx({"A": 1.0, "B": 1.5, "C": 3.5})
    assert out["revenue"].to_dict() == pytest.approx({"A": 15.0, "B": 20.0, "C": 11.0})
    assert out["share"].to_dict() == pytest.approx({"A": 1 / 6, "B": 1 / 4, "C": 7 / 12})


# By position: a channel's share goes to the position at which it first enters the journey
# (counted over distinct channels).
#   A>B>A: A enters 1st -> (A, 1) 1 conv / 15 rev; B enters 2nd -> (B, 2) 1 / 15
#   B>C:   (B, 1) 1/2 / 5; (C, 2) 1/2 / 5
#   C:     (C, 1) 3 / 6
# With max_positions=1 every position pools into 1, giving the channel totals above.
def test_shapley_by_position_by_hand():
    out = shapley_by_position(SIMPLE)
    rows = list(out.itertuples(index=False, name=None))
    assert [r[:2] for r in rows] == [("A", 1), ("B", 1), ("B", 2), ("C", 1), ("C", 2)]
    assert [r[2] for r in rows] == pytest.approx([1.0, 0.5, 1.0, 3.0, 0.5])
    assert [r[3] for r in rows] == pytest.approx([15.0, 5.0, 15.0, 6.0, 5.0])
    pooled = shapley_by_position(SIMPLE, max_positions=1)
    assert pooled["position"].tolist() == [1, 1, 1]
    assert pooled.set_index("channel")["conversions"].to_dict() == pytest.approx({"A": 1.0, "B": 1.5, "C": 3.5})


# Shapley on conversion rates: v(T) = conversions / journeys over journeys whose channel set is
# exactly T; v(empty) = 0. Revenue game: v_rev(T) = revenue / journeys.
#   A:    1 conversion, 3 nulls, revenue 8   -> v(A)  = 1/4,            v_rev(A)  = 8/4 = 2
#   B:    1 conversion, 1 null,  revenue 10  -> v(B)  = 1/2,            v_rev(B)  = 10/2 = 5
#   A>B:  3 conversions, 1 null, revenue 24  \  set {A, B} pooled: 4 conversions of 6 journeys,
#   B>A:  1 conversion, 1 null,  revenue 6   /  v(AB) = 2/3, v_rev(AB) = 30/6 = 5
# Singletons: φ = v(c) > 0, so the set's conversions go to its channel: A 1 (rev 8), B 1 (rev 10).
# {A, B}: φ_A = ½[v(A) + (v(AB) − v(B))] = ½[1/4 + 1/6] = 5/24,
#         φ_B = ½[v(B) + (v(AB) − v(A))] = ½[1/2 + 5/12] = 11/24   (sum 2/3 = v(AB)),
#         so its 4 conversions split 5/16 : 11/16 -> A 5/4, B 11/4.
#   revenue: φ_A = ½[2 + (5 − 5)] = 1, φ_B = ½[5 + (5 − 2)] = 4 -> 30 splits 1/5 : 4/5 -> A 6, B 24.
# Totals: A 1 + 5/4 = 9/4, B 1 + 11/4 = 15/4 (sum 6); revenue A 14, B 34 (sum 48).
RATES = make(("A", 1, 8, 3), ("B", 1, 10, 1), ("A>B", 3, 24, 1), ("B>A", 1, 6, 1))


def test_shapley_rate_by_hand():
    out = credit("shapley_rate", RATES)
    assert out["conversions"].to_dict() == pytest.approx({"A": 9 / 4, "B": 15 / 4})
    assert out["revenue"].to_dict() == pytest.approx({"A": 14.0, "B": 34.0})


# A negative marginal value is clipped before normalising:
#   A:    1 conversion, 1 null, revenue 4    -> v(A) = 1/2, v_rev(A) = 2
#   A>C:  1 conversion, 3 nulls, revenue 8   -> v(AC) = 1/4, v_rev(AC) = 2
#   C:    0 conversions, 2 nulls             -> v(C) = 0, v_rev(C) = 0
# {A, C}: φ_A = ½[1/2 + (1/4 − 0)] = 3/8, φ_C = ½[0 + (1/4 − 1/2)] = −1/8 -> clipped to 0,
#   so A gets the whole conversion; revenue φ_A = ½[2 + 2] = 2, φ_C = ½[0 + 0] = 0 -> A gets 8.
# Totals: A 2, C 0; revenue A 12, C 0.
def test_shapley_rate_clips_negative_values_by_hand():
    out = credit("shapley_rate", make(("A", 1, 4, 1), ("A>C", 1, 8, 3), ("C", 0, 0, 2)))
    assert out["conversions"].to_dict() == pytest.approx({"A": 2.0, "C": 0.0})
    assert out["revenue"].to_dict() == pytest.approx({"A": 12.0, "C": 0.0})
