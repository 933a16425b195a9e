"""Counterfactual (fractribution) attribution worked by hand, for the unique and exposure transforms."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.journeys.data import PathData
from attribution.models import run_model
from tests.unit.models.fixtures import path_rows as make


def credit(data: PathData, **params) -> pd.DataFrame:
    return run_model("counterfactual", data, **params).set_index("channel")


# path_transform="unique": P(path) = conversions / journeys of that exact path, 0 if unseen.
#   A:    1 conversion, 3 nulls, revenue 5  -> P = 1/4
#   B:    1 conversion, 1 null,  revenue 6  -> P = 1/2
#   A>B:  3 conversions, 1 null, revenue 40 -> P = 3/4
#   B>A:  0 conversions, 2 nulls            -> P = 0 (not credited)
# A>B: drop A -> B, m_A = 3/4 − 1/2 = 1/4; drop B -> A, m_B = 3/4 − 1/4 = 1/2; fractions 1/3, 2/3:
#   conversions A 1, B 2; revenue A 40/3, B 80/3.
# One-touch paths credit their touch: A 1 (revenue 5), B 1 (revenue 6).
# Totals: A 2, B 3 (sum 5); revenue A 5 + 40/3 = 55/3, B 6 + 80/3 = 98/3 (sum 51).
UNIQUE = make(("A", 1, 5, 3), ("B", 1, 6, 1), ("A>B", 3, 40, 1), ("B>A", 0, 0, 2))


def test_unique_transform_by_hand():
    out = credit(UNIQUE, path_transform="unique")
    assert out["conversions"].to_dict() == pytest.approx({"A": 2.0, "B": 3.0})
    assert out["revenue"].to_dict() == pytest.approx({"A": 55 / 3, "B": 98 / 3})


# Every marginal contribution floored to 0 -> the last touch gets the path's conversions:
#   A:    1 conversion, 3 nulls -> P = 1/4;  C: 1 conversion, 0 nulls -> P = 1
#   A>C:  1 conversion, 4 nulls -> P = 1/5: m_A = max(1/5 − P(C), 0) = 0, m_C = max(1/5 − P(A), 0) = 0
#   so C (last) gets A>C's conversion. Totals: A 1, C 2.
def test_all_zero_contributions_go_to_the_last_touch_by_hand():
    out = credit(make(("A", 1, 0, 3), ("C", 1, 0, 0), ("A>C", 1, 0, 4)), path_transform="unique")
    assert out["conversions"].to_dict() == pytest.approx({"A": 1.0, "C": 2.0})


# path_transform="exposure" (the default) collapses consecutive repeats before pooling:
#   A:      1 conversion, 1 null  -> P(A) = 1/2
#   A>B>A:  3 conversions, 1 null -> P = 3/4
#   B>A:    1 conversion, 3 nulls \  pooled as B>A: 2 conversions of 6 journeys, P(B>A) = 1/3
#   B>B>A:  1 conversion, 1 null  /
#   A>B:    0 conversions, 2 nulls -> P(A>B) = 0
# A>B>A: drop touch 1 -> B>A: m1 = 3/4 − 1/3 = 5/12
#        drop touch 2 -> A>A, re-transformed to A: m2 = 3/4 − 1/2 = 3/12
#        drop touch 3 -> A>B: m3 = 3/4 − 0 = 9/12;  total 17/12
#        fractions A (5 + 9)/17, B 3/17 of 3 conversions -> A 42/17, B 9/17
# B>A: drop B -> A: m_B = max(1/3 − 1/2, 0) = 0; drop A -> B (unseen): m_A = 1/3 -> A gets 2.
# A: A gets 1.  Totals: A 42/17 + 3 = 93/17, B 9/17 (sum 6).
# retransform=False (fractribution exactly): A>A is unseen, m2 = 3/4 = 9/12, total 23/12,
#   A>B>A splits A 14/23, B 9/23 of 3 -> A 42/23, B 27/23; totals A 42/23 + 3 = 111/23, B 27/23.
EXPOSURE = make(("A", 1, 0, 1), ("A>B>A", 3, 0, 1), ("B>A", 1, 0, 3), ("B>B>A", 1, 0, 1), ("A>B", 0, 0, 2))


def test_exposure_transform_by_hand():
    assert credit(EXPOSURE)["conversions"].to_dict() == pytest.approx({"A": 93 / 17, "B": 9 / 17})
    out = credit(EXPOSURE, retransform=False)
    assert out["conversions"].to_dict() == pytest.approx({"A": 111 / 23, "B": 27 / 23})
