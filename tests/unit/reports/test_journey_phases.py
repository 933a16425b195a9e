"""Per-touch credit spreading and the early / mid / late split of credit."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import DataValidationError, ModelError
from attribution.journeys.data import PathData
from attribution.models import run_model, supported_models
from attribution.models.touch_credit import calibrate, spread_journey_credit, touch_credit
from attribution.reports.journey_phases import journey_phases
from tests.report_data import make_journeys

# (journey, channel, touch hour, conversion hour or None, revenue, cost)
ROWS = [
    (1, "A", 0, 50, 80.0, 0.0), (1, "B", 10, 50, 80.0, 0.0), (1, "C", 20, 50, 80.0, 0.0),
    (1, "A", 30, 50, 80.0, 0.0),                                   # A > B > C > A
    (2, "B", 0, 5, 20.0, 0.0),                                     # B alone
    (3, "A", 0, 9, 10.0, 0.0), (3, "C", 3, 9, 10.0, 0.0),          # A > C
    (4, "C", 0, None, 0.0, 0.0),                                   # no conversion
]


def _linear_credit():
    # linear by hand: journey 1: A 2/4, B 1/4, C 1/4 of 1 conversion and 80 revenue
    return pd.DataFrame({
        "journey_id": [1, 1, 1, 2, 3, 3],
        "channel": ["A", "B", "C", "B", "A", "C"],
        "conversions": [0.5, 0.25, 0.25, 1.0, 0.5, 0.5],
        "revenue": [40.0, 20.0, 20.0, 20.0, 5.0, 5.0],
    })


@pytest.fixture(scope="module")
def journeys():
    return make_journeys(ROWS)


def test_spread_splits_a_channel_equally_over_its_touches(journeys):
    touch = spread_journey_credit(_linear_credit(), journeys.touches)
    j1 = touch[touch["journey_id"] == 1].set_index("position")
    # A's 0.5 over its two touches (positions 1 and 4) → 0.25 each; 40 revenue → 20 each
    assert j1.loc[[1, 4], "conversions"].tolist() == [0.25, 0.25]
    assert j1.loc[[1, 4], "revenue"].tolist() == [20.0, 20.0]
    assert j1.loc[2, "channel"] == "B" and j1.loc[2, "conversions"] == 0.25
    assert touch["conversions"].sum() == pytest.approx(3.0)
    assert touch["revenue"].sum() == pytest.approx(110.0)


def test_spread_refuses_credit_without_a_touch(journeys):
    bad = pd.DataFrame({"journey_id": [2], "channel": ["A"], "conversions": [1.0], "revenue": [5.0]})
    with pytest.raises(ModelError, match="no touch"):
        spread_journey_credit(bad, journeys.touches)
    with pytest.raises(ModelError, match="lacks"):
        spread_journey_credit(bad.drop(columns="revenue"), journeys.touches)


def test_journey_phases_hand_numbers(journeys):
    touch = spread_journey_credit(_linear_credit(), journeys.touches)
    split = journey_phases(journeys, credit=touch).set_index(["channel", "phase"])
    # journey 1 (k = 4): A's touches 1 and 4 are wholly early and late: 0.25 each;
    # journey 3 (k = 2): A's touch 1 owns [0, .5] → 50 % early, 50 % mid of 0.5
    assert split.loc[("A", "early"), "conversions"] == pytest.approx(0.25 + 0.25)
    assert split.loc[("A", "mid"), "conversions"] == pytest.approx(0.25)
    assert split.loc[("A", "late"), "conversions"] == pytest.approx(0.25)
    # B: journey 1 touch 2 (mid, 0.25); journey 2 single touch 1.0 → 25 / 50 / 25
    assert split.loc[("B", "early"), "conversions"] == pytest.approx(0.25)
    assert split.loc[("B", "mid"), "conversions"] == pytest.approx(0.25 + 0.5)
    assert split.loc[("B", "late"), "conversions"] == pytest.approx(0.25)
    # C: journey 1 touch 3 (mid, 0.25); journey 3 touch 2 owns [.5, 1] → 50 % mid, 50 % late of 0.5
    assert split.loc[("C", "mid"), "conversions"] == pytest.approx(0.25 + 0.25)
    assert split.loc[("C", "late"), "conversions"] == pytest.approx(0.25)
    assert split.loc[("C", "early"), "conversions"] == 0.0
    # shares of a channel sum to 1; revenue splits like conversions inside each touch
    assert split.groupby(level=0)["share"].sum().tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert split.loc[("A", "late"), "revenue"] == pytest.approx(20.0)
    assert split["revenue"].sum() == pytest.approx(110.0)
    assert split.reset_index()["phase"].tolist()[:3] == ["early", "mid", "late"]


def test_custom_stage_shares(journeys):
    touch = spread_journey_credit(_linear_credit(), journeys.touches)
    # early = whole journey: everything is early
    split = journey_phases(journeys, credit=touch, early=1.0, late=0.0)
    assert split.loc[split["phase"] == "early", "conversions"].sum() == pytest.approx(3.0)
    with pytest.raises(DataValidationError, match="shares"):
        journey_phases(journeys, credit=touch, early=0.6, late=0.6)


def test_journey_phases_needs_touches(journeys):
    with pytest.raises(ModelError, match="positions"):
        journey_phases(PathData(paths=journeys.paths), credit=_linear_credit())


def test_rule_models_give_exact_touch_credit(journeys):
    first = touch_credit("first_touch", journeys).set_index(["journey_id", "position"])["conversions"]
    # journey 1 is A > B > C > A: all credit on position 1, none on the second A at position 4
    assert first.loc[(1, 1)] == 1.0 and first.loc[(1, 4)] == 0.0
    linear = touch_credit("linear", journeys).sort_values(["journey_id", "position"], ignore_index=True)
    by_hand = spread_journey_credit(_linear_credit(), journeys.touches)
    assert linear["conversions"].tolist() == pytest.approx(by_hand["conversions"].tolist())
    assert linear["revenue"].tolist() == pytest.approx(by_hand["revenue"].tolist())
    # first touch by phase: A's 1 at position 1 of 4 is early; journey 3 (A > C) gives A 50/50 early/mid
    split = journey_phases(journeys, "first_touch").set_index(["channel", "phase"])["conversions"]
    assert split.loc[("A", "early")] == pytest.approx(1.5) and split.loc[("A", "late")] == 0.0


def test_calibrate_scales_each_channel_to_its_total():
    credit = pd.DataFrame({"journey_id": [1, 1, 2], "position": [1, 2, 1], "channel": ["A", "B", "A"],
                           "conversions": [0.5, 0.5, 1.0], "revenue": [5.0, 5.0, 10.0]})
    totals = pd.DataFrame({"channel": ["A", "B"], "conversions": [1.2, 0.8], "revenue": [12.0, 8.0]})
    out = calibrate(credit, totals)
    # A: 1.5 → 1.2, factor 0.8 → 0.4 and 0.8; B: 0.5 → 0.8, factor 1.6; revenue A 15 → 12, B 5 → 8
    assert out["conversions"].tolist() == pytest.approx([0.4, 0.8, 0.8])
    assert out["revenue"].tolist() == pytest.approx([4.0, 8.0, 8.0])


def test_unknown_model_parameter_is_refused(journeys):
    with pytest.raises(ModelError, match="no parameter"):
        touch_credit("linear", journeys, half_life_days=3)


def test_registered_models_split_to_their_totals(journeys):
    for name in supported_models(journeys):
        expected = run_model(name, journeys).set_index("channel")["conversions"]
        split = journey_phases(journeys, name).groupby("channel")["conversions"].sum()
        assert split.reindex(expected.index, fill_value=0.0).tolist() == pytest.approx(expected.tolist()), name


def test_global_model_touch_credit_runs_the_model_once(journeys, monkeypatch):
    # touch_credit rakes journey credit to the model's totals; it hands those totals on instead
    # of letting journey_credit run the (possibly slow) global model a second time.
    import importlib

    from attribution.models import registry

    journey_credit = importlib.import_module("attribution.models.journey_credit")  # the module, not the function

    calls = []
    real = registry.run_model

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    for module in (registry, journey_credit):  # both places that call it
        monkeypatch.setattr(module, "run_model", counted)
    credit = touch_credit("markov", journeys)
    assert calls == ["markov"]
    totals = real("markov", journeys).set_index("channel")
    by_channel = credit.groupby("channel")[["conversions", "revenue"]].sum()
    assert by_channel["conversions"].to_dict() == pytest.approx(totals["conversions"].to_dict())
    assert by_channel["revenue"].to_dict() == pytest.approx(totals["revenue"].to_dict())
