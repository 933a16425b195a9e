"""Known answers of the position rules (first, last, last non-direct, linear, U-shaped).

Data: tests/unit/models/fixtures.py ``small_journeys`` (6 conversions, revenue 410). Converting
paths (value): J1 search>social>email>direct (100), J2 and J8 social (50 + 20), J3 direct>search
(30), J4 display>search>display>email>direct (200), J5 Direct>(direct) (10).
"""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.journeys.data import PathData
from attribution.models import journey_credit, run_model
from tests.unit.models.fixtures import as_paths, small_journeys


def credit(name: str, data=None, **params) -> pd.DataFrame:
    out = run_model(name, data if data is not None else small_journeys(), **params)
    return out.set_index("channel")


def assert_credit(out: pd.DataFrame, conversions: dict, revenue: dict) -> None:
    for channel, value in conversions.items():
        assert out.loc[channel, "conversions"] == pytest.approx(value, abs=1e-12), channel
    for channel, value in revenue.items():
        assert out.loc[channel, "revenue"] == pytest.approx(value, abs=1e-9), channel
    assert out["conversions"].sum() == pytest.approx(6.0)
    assert out["revenue"].sum() == pytest.approx(410.0)


def test_first_touch():
    # first touches: J1 search (100), J2 social (50), J3 direct (30), J4 display (200),
    # J5 Direct (10), J8 social (20)
    out = credit("first_touch")
    assert_credit(out, {"search": 1, "social": 2, "direct": 1, "display": 1, "Direct": 1, "email": 0,
                        "(direct)": 0},
                  {"search": 100, "social": 70, "direct": 30, "display": 200, "Direct": 10})
    # every channel seen in the data is listed, even with no credit
    assert set(out.index) == {"search", "social", "email", "direct", "display", "Direct", "(direct)"}


def test_last_touch():
    # last touches: J1 direct (100), J2 social (50), J3 search (30), J4 direct (200),
    # J5 (direct) (10), J8 social (20)
    assert_credit(credit("last_touch"), {"direct": 2, "social": 2, "search": 1, "(direct)": 1, "Direct": 0},
                  {"direct": 300, "social": 70, "search": 30, "(direct)": 10})


def test_last_non_direct_skips_direct_case_insensitively():
    # J1 -> email (pos 3), J4 -> email (pos 4), J3 -> search, J2/J8 -> social;
    # J5 is Direct>(direct): all direct ("Direct" matches "direct"), so its last touch (direct) keeps it
    out = credit("last_non_direct")
    assert_credit(out, {"email": 2, "social": 2, "search": 1, "(direct)": 1, "direct": 0, "Direct": 0},
                  {"email": 300, "social": 70, "search": 30, "(direct)": 10})


def test_last_non_direct_custom_direct_set():
    # only "email" counts as direct now: J1 -> direct (pos 4 is not "email"), J4 -> direct,
    # J5 -> (direct); a single string is accepted as a one-name set
    out = credit("last_non_direct", direct_channels="EMAIL")
    assert_credit(out, {"direct": 2, "social": 2, "search": 1, "(direct)": 1, "email": 0},
                  {"direct": 300, "social": 70, "search": 30, "(direct)": 10})


def test_linear():
    # J1 1/4 each (25 of 100); J3 1/2 each (15); J4 1/5 each, display twice (2/5 = 80 of 200);
    # J5 1/2 each (5); J2, J8 social 1.
    # search .25+.5+.2=.95 (25+15+40=80); social .25+1+1=2.25 (25+50+20=95); email .25+.2=.45 (65);
    # direct .25+.5+.2=.95 (80); display .4 (80); Direct .5 (5); (direct) .5 (5)
    assert_credit(credit("linear"),
                  {"search": .95, "social": 2.25, "email": .45, "direct": .95, "display": .4, "Direct": .5,
                   "(direct)": .5},
                  {"search": 80, "social": 95, "email": 65, "direct": 80, "display": 80, "Direct": 5,
                   "(direct)": 5})


def test_position_based_defaults():
    # J1 k=4: .4 search, .1 social, .1 email, .4 direct. J4 k=5: .4 display + .2/3 each for
    # search, display, email; .4 direct. k=2 journeys 50/50, k=1 all.
    # search .4+.5+1/15 = 29/30; social .1+1+1 = 2.1; email .1+1/15 = 1/6; direct .4+.5+.4 = 1.3;
    # display .4+1/15 = 7/15.  Revenue: search 40+15+40/3; email 10+40/3; direct 40+15+80;
    # display 80+40/3; social 10+50+20
    assert_credit(credit("position_based"),
                  {"search": 29 / 30, "social": 2.1, "email": 1 / 6, "direct": 1.3, "display": 7 / 15,
                   "Direct": .5, "(direct)": .5},
                  {"search": 55 + 40 / 3, "social": 80, "email": 10 + 40 / 3, "direct": 135,
                   "display": 80 + 40 / 3})


def test_position_based_custom_weights_and_two_touches():
    # first=.6, last=.2: J1 .6 search, .1 social, .1 email, .2 direct; J4 .6 display, .2/3 others, .2 direct;
    # k=2 splits first:last = .6:.2 = 3/4 : 1/4 -> J3 direct .75, search .25; J5 Direct .75, (direct) .25
    out = credit("position_based", first=0.6, last=0.2)
    assert_credit(out, {"search": .6 + .25 + .2 / 3, "direct": .2 + .75 + .2, "Direct": .75, "(direct)": .25,
                        "display": .6 + .2 / 3},
                  {"search": 60 + 7.5 + 40 / 3, "display": 120 + 40 / 3})


@pytest.mark.parametrize("params", [{"first": 0.7, "last": 0.4}, {"first": -0.1}])
def test_position_based_rejects_bad_weights(params):
    with pytest.raises(ModelError, match="first"):
        run_model("position_based", small_journeys(), **params)


@pytest.mark.parametrize("name", ["first_touch", "last_touch", "last_non_direct", "linear", "position_based"])
def test_same_answer_on_paths_and_from_per_touch_rule(name):
    data = small_journeys()
    on_paths = run_model(name, as_paths(data)).set_index("channel")
    per_journey = journey_credit(name, data).groupby("channel")[["conversions", "revenue"]].sum()
    on_journeys = run_model(name, data).set_index("channel")
    pd.testing.assert_frame_equal(on_paths, on_journeys)
    joined = per_journey.reindex(on_paths.index, fill_value=0.0)
    assert (joined["conversions"] - on_paths["conversions"]).abs().max() < 1e-12
    assert (joined["revenue"] - on_paths["revenue"]).abs().max() < 1e-9


def test_paths_without_conversions_give_empty_frame():
    paths = pd.DataFrame({"path": [("a", "b")], "conversions": [0.0], "revenue": [0.0], "nulls": [3.0]})
    out = run_model("linear", PathData(paths=paths))
    assert list(out.columns) == ["model", "channel", "conversions", "revenue", "share"]
    assert out.empty


def test_weights_scale_with_path_conversions():
    # an aggregated path with 3 conversions worth 90: first touch a gets 3 (90); linear a 1.5, b 1.5 (45 each)
    paths = pd.DataFrame({"path": [("a", "b"), ("b",)], "conversions": [3.0, 0.0], "revenue": [90.0, 0.0],
                          "nulls": [1.0, 4.0]})
    first = run_model("first_touch", PathData(paths=paths)).set_index("channel")
    assert first.loc["a", "conversions"] == 3.0 and first.loc["a", "revenue"] == 90.0
    assert first.loc["b", "conversions"] == 0.0
    lin = run_model("linear", PathData(paths=paths)).set_index("channel")
    assert lin["conversions"].tolist() == [1.5, 1.5] and lin["revenue"].tolist() == [45.0, 45.0]
