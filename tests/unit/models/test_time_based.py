"""Known answers of linear by day, time decay and W-shaped (fixtures: ``small_journeys`` + ad hoc)."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.models import journey_credit, run_model
from attribution.models.time_based import linear_by_day, time_decay
from tests.unit.models.fixtures import as_paths, build_journeys, journey, small_journeys, touch


def credit(name: str, data, **params) -> pd.DataFrame:
    return run_model(name, data, **params).set_index("channel")


def per_journey(name: str, data, **params) -> dict[int, dict[str, float]]:
    out = journey_credit(name, data, **params)
    return {jid: dict(zip(g["channel"], g["conversions"], strict=True)) for jid, g in out.groupby("journey_id")}


def test_linear_by_day_small_set():
    # J1 days 01 (search), 02 (social, email), 03 (direct): 1/3, 1/6, 1/6, 1/3.
    # J4 days 01 (display, search), 03 (display), 05 (email), 08 (direct): display 1/8 + 1/4 = 3/8,
    # search 1/8, email 1/4, direct 1/4. J3 two days: 1/2 each. J5 one day, two touches: 1/2 each.
    # search 1/3+1/2+1/8; social 1/6+1+1; email 1/6+1/4; direct 1/3+1/2+1/4; display 3/8
    out = credit("linear_by_day", small_journeys())
    expected = {"search": 1 / 3 + 1 / 2 + 1 / 8, "social": 1 / 6 + 2, "email": 1 / 6 + 1 / 4,
                "direct": 1 / 3 + 1 / 2 + 1 / 4, "display": 3 / 8, "Direct": .5, "(direct)": .5}
    for channel, value in expected.items():
        assert out.loc[channel, "conversions"] == pytest.approx(value, abs=1e-12)
    # revenue: search 100/3 + 15 + 200/8; display 200 * 3/8
    assert out.loc["search", "revenue"] == pytest.approx(100 / 3 + 15 + 25)
    assert out.loc["display", "revenue"] == pytest.approx(75.0)
    assert out["conversions"].sum() == pytest.approx(6.0) and out["revenue"].sum() == pytest.approx(410.0)


def test_linear_by_day_splits_a_day_among_its_touches():
    # day 1: a, b, a; day 2: c -> day 1 gets 1/2 split in thirds: a 2/6, b 1/6; c 1/2
    data = build_journeys([journey("u", [touch("a", "2024-02-01 08:00"), touch("b", "2024-02-01 12:00"),
                                         touch("a", "2024-02-01 23:59"), touch("c", "2024-02-02 00:00")],
                                   "2024-02-03 00:00", 60.0)])
    got = per_journey("linear_by_day", data)[1]
    assert got == pytest.approx({"a": 1 / 3, "b": 1 / 6, "c": 1 / 2})


def test_time_decay_halves_every_half_life():
    # touches 14, 7 and 0 days before the conversion, H = 7 days: raw 1/4, 1/2, 1 (sum 7/4)
    # -> a 1/7, b 2/7, c 4/7; revenue 70 -> 10, 20, 40
    data = build_journeys([journey("u", [touch("a", "2024-02-01"), touch("b", "2024-02-08"),
                                         touch("c", "2024-02-15")], "2024-02-15", 70.0)])
    out = credit("time_decay", data)
    assert out["conversions"].to_dict() == pytest.approx({"a": 1 / 7, "b": 2 / 7, "c": 4 / 7})
    assert out["revenue"].to_dict() == pytest.approx({"a": 10.0, "b": 20.0, "c": 40.0})
    # H = 14 days: raw 1/2, 2^-1/2, 1
    out = credit("time_decay", data, half_life_days=14)
    raw = {"a": 0.5, "b": 2 ** -0.5, "c": 1.0}
    total = sum(raw.values())
    assert out["conversions"].to_dict() == pytest.approx({k: v / total for k, v in raw.items()})


def test_time_decay_small_set_journey_one():
    # J1: 50 h, 27 h, 18 h, 0 h before the conversion; H = 168 h
    raw = {"search": 2 ** (-50 / 168), "social": 2 ** (-27 / 168), "email": 2 ** (-18 / 168), "direct": 1.0}
    total = sum(raw.values())
    assert per_journey("time_decay", small_journeys())[1] == pytest.approx({k: v / total for k, v in raw.items()})


def test_time_decay_survives_very_old_touches():
    # both touches ~2000 days out at H = 1 day: 2^-2000 underflows to 0, so the raw weights would
    # be 0/0; measured from the journey's latest touch they are 2^-1 and 1 -> a 1/3, b 2/3
    data = build_journeys([journey("u", [touch("a", "2018-01-01"), touch("b", "2018-01-02")],
                                   "2023-06-25", 1.0)])
    got = credit("time_decay", data, half_life_days=1.0)["conversions"].to_dict()
    assert got == pytest.approx({"a": 1 / 3, "b": 2 / 3})


def test_time_decay_rejects_bad_half_life():
    with pytest.raises(ModelError, match="half_life_days"):
        run_model("time_decay", small_journeys(), half_life_days=0)


def test_w_shaped_fallback_positions():
    # no milestones: first, middle ceil(k/2) and last touch get .3 each, others share .1.
    # J1 k=4: search .3, social (pos 2) .3, email .1, direct .3.
    # J4 k=5: display (pos 1) .3 + display (pos 3) .3, search .05, email .05, direct .3.
    # search .3+.5+.05 = .85; social .3+2 = 2.3; email .1+.05 = .15; direct .3+.5+.3 = 1.1; display .6
    data = small_journeys()
    out = credit("w_shaped", data)
    expected = {"search": .85, "social": 2.3, "email": .15, "direct": 1.1, "display": .6, "Direct": .5,
                "(direct)": .5}
    assert out["conversions"].to_dict() == pytest.approx(expected)
    # same on aggregated paths (no touches at all)
    pd.testing.assert_frame_equal(out, credit("w_shaped", as_paths(data)))


def _milestone_journeys():
    return build_journeys([
        # k=5, "Lead" tag on the first touch and "opportunity" on the 4th: pos 1 gets .3 + .3,
        # pos 4 .3, pos 2, 3, 5 share .1 -> 1/30 each
        journey("u1", [touch("a", "2024-02-01", milestone="Lead"), touch("b", "2024-02-02"),
                       touch("c", "2024-02-03"), touch("d", "2024-02-04", milestone="opportunity"),
                       touch("e", "2024-02-05")], "2024-02-06", 10.0),
        # k=4, only an opportunity tag on pos 2: lead falls back to ceil(4/2) = 2 as well
        # -> a .3, b .3 + .3 = .6, c .05, d .05
        journey("u2", [touch("a", "2024-02-01"), touch("b", "2024-02-02", milestone="opportunity"),
                       touch("c", "2024-02-03"), touch("d", "2024-02-04")], "2024-02-05", 20.0),
        # k=3: equal split whatever the tags
        journey("u3", [touch("a", "2024-02-01", milestone="lead"), touch("b", "2024-02-02"),
                       touch("c", "2024-02-03")], "2024-02-04", 30.0),
    ])


def test_w_shaped_uses_milestone_touches():
    got = per_journey("w_shaped", _milestone_journeys())
    assert got[1] == pytest.approx({"a": .6, "b": 1 / 30, "c": 1 / 30, "d": .3, "e": 1 / 30})
    assert got[2] == pytest.approx({"a": .3, "b": .6, "c": .05, "d": .05})
    assert got[3] == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    out = credit("w_shaped", _milestone_journeys())
    # a: .6 + .3 + 1/3; revenue a: 10*.6 + 20*.3 + 30/3 = 22
    assert out.loc["a", "conversions"] == pytest.approx(.6 + .3 + 1 / 3)
    assert out.loc["a", "revenue"] == pytest.approx(22.0)


def test_w_shaped_custom_milestone_names():
    # the tags no longer match ("mql", "sql"), so journey 1 falls back to positions 1, 3, 5:
    # a .3, c .3, e .3, b and d .05
    got = per_journey("w_shaped", _milestone_journeys(), milestones=("MQL", "SQL"))
    assert got[1] == pytest.approx({"a": .3, "b": .05, "c": .3, "d": .05, "e": .3})
    with pytest.raises(ModelError, match="milestones"):
        run_model("w_shaped", small_journeys(), milestones="lead")


@pytest.mark.parametrize("func", [linear_by_day, time_decay])
def test_time_models_refuse_paths(func):
    with pytest.raises(ModelError, match="timestamps"):
        func(as_paths(small_journeys()))


def test_only_converting_journeys_get_credit():
    # J6 (search, display) and J7 (display) do not convert: display only gets J4's credit
    out = credit("linear_by_day", small_journeys())
    assert out.loc["display", "conversions"] == pytest.approx(3 / 8)
    assert set(journey_credit("time_decay", small_journeys())["journey_id"]) == {1, 2, 3, 4, 5, 8}
