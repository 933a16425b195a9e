"""Known answers of the IHC model and its per-session output (formulas: attribution/models/ihc.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import ModelError
from attribution.journeys.data import Journeys
from attribution.models import ihc_sessions, run_model
from tests.unit.models.fixtures import as_paths, build_journeys, journey, touch


def _journeys() -> Journeys:
    return build_journeys([
        # journey 1: the user's first sessions ever, 48 h, 24 h and 0 h before the conversion.
        # initializer raw: 1 (first session), 1 - 2^(-24/24) = 1/2, 1/2 -> I = 1/2, 1/4, 1/4
        # holder: only b engaged -> H = 0, 1, 0
        # closer raw: 2^(-48/24) = 1/4, 2^(-1) = 1/2, 2^0 * (1 + 1) = 2 (engaged) -> sum 11/4
        #   -> C = 1/11, 2/11, 8/11
        # ihc = (I + H + C) / 3 -> a (1/2 + 1/11)/3 = 13/66, b (1/4 + 1 + 2/11)/3 = 21/44,
        #   c (1/4 + 8/11)/3 = 43/132
        journey("u1", [touch("a", "2024-03-01 00:00", session_id="S1"),
                       touch("b", "2024-03-02 00:00", session_id="S2", holder_engagement=True),
                       touch("c", "2024-03-03 00:00", session_id="S3", closer_engagement=True)],
                "2024-03-03 00:00", 132.0, conversion_id="C-1"),
        # journey 2: two sessions 0 h after the previous one (continuations), both at the conversion.
        # initializer raw 0, 0 -> the first session initializes: I = 1, 0; no engagement:
        # H = 1/2, 1/2; C = 1/2, 1/2 -> ihc = (1 + 1/2 + 1/2)/3 = 2/3 and (0 + 1/2 + 1/2)/3 = 1/3
        journey("u2", [touch("a", "2024-03-05 10:00", hours_since_previous=0.0),
                       touch("d", "2024-03-05 10:00", hours_since_previous=0.0)],
                "2024-03-05 10:00", 30.0, conversion_id="C-2"),
        # journey 3 does not convert: no sessions in the output
        journey("u3", [touch("a", "2024-03-01 00:00")]),
    ])


def test_ihc_sessions_known_values():
    out = ihc_sessions(_journeys())
    assert list(out.columns) == ["conversion_id", "session_id", "initializer", "holder", "closer", "ihc"]
    assert out["conversion_id"].tolist() == ["C-1", "C-1", "C-1", "C-2", "C-2"]
    # journey 2 has no session ids: "<journey_id>-<position>"
    assert out["session_id"].tolist() == ["S1", "S2", "S3", "2-1", "2-2"]
    assert out["initializer"].tolist() == pytest.approx([1 / 2, 1 / 4, 1 / 4, 1, 0])
    assert out["holder"].tolist() == pytest.approx([0, 1, 0, 1 / 2, 1 / 2])
    assert out["closer"].tolist() == pytest.approx([1 / 11, 2 / 11, 8 / 11, 1 / 2, 1 / 2])
    assert out["ihc"].tolist() == pytest.approx([13 / 66, 21 / 44, 43 / 132, 2 / 3, 1 / 3])
    # each of the four values sums to 1 per conversion
    sums = out.groupby("conversion_id")[["initializer", "holder", "closer", "ihc"]].sum()
    assert (sums - 1).abs().to_numpy().max() < 1e-12


def test_ihc_channel_credit():
    # a: 13/66 of 132 (= 26) + 2/3 of 30 (= 20); b: 21/44*132 = 63; c: 43/132*132 = 43; d: 1/3*30 = 10
    out = run_model("ihc", _journeys()).set_index("channel")
    assert out["conversions"].to_dict() == pytest.approx({"a": 13 / 66 + 2 / 3, "b": 21 / 44, "c": 43 / 132,
                                                           "d": 1 / 3})
    assert out["revenue"].to_dict() == pytest.approx({"a": 46.0, "b": 63.0, "c": 43.0, "d": 10.0})


def test_ihc_weights_select_components():
    # initializer only: journey 1 -> a 1/2, b 1/4, c 1/4; journey 2 -> a 1
    out = run_model("ihc", _journeys(), w_initializer=1.0, w_holder=0.0, w_closer=0.0).set_index("channel")
    assert out["conversions"].to_dict() == pytest.approx({"a": 1.5, "b": .25, "c": .25, "d": 0.0})
    # weights are rescaled: (2, 0, 2) is the same as (1/2, 0, 1/2): journey 1 a (1/2 + 1/11)/2
    sessions = ihc_sessions(_journeys(), w_initializer=2.0, w_holder=0.0, w_closer=2.0)
    assert sessions["ihc"].iloc[0] == pytest.approx((1 / 2 + 1 / 11) / 2)


def test_ihc_parameters_change_closer_and_initializer():
    # closer half life 48 h: raw 2^-1, 2^-1/2, 2 ; no engagement boost: c raw 1
    sessions = ihc_sessions(_journeys(), closer_half_life_hours=48.0, closer_engagement_boost=0.0)
    raw = [2 ** -1, 2 ** -0.5, 1.0]
    assert sessions["closer"].iloc[:3].tolist() == pytest.approx([r / sum(raw) for r in raw])
    # initializer half life 12 h: 24 h gaps give 1 - 2^-2 = 3/4 -> raw 1, 3/4, 3/4 (sum 5/2)
    sessions = ihc_sessions(_journeys(), initializer_half_life_hours=12.0)
    assert sessions["initializer"].iloc[:3].tolist() == pytest.approx([2 / 5, 3 / 10, 3 / 10])


def test_gaps_measured_within_journey_without_the_column():
    data = _journeys()
    touches = data.touches.drop(columns=["hours_since_previous"])
    out = ihc_sessions(Journeys.from_frames(data.paths, touches))
    # journey 1 gaps from ts: first in journey (full), 24 h, 24 h -> same as with the column;
    # journey 2: identical timestamps -> first 1, second 1 - 2^0 = 0
    assert out["initializer"].tolist() == pytest.approx([1 / 2, 1 / 4, 1 / 4, 1, 0])


def test_ihc_row_order_does_not_matter():
    data = _journeys()
    shuffled = Journeys.from_frames(data.paths.iloc[::-1], data.touches.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(ihc_sessions(data), ihc_sessions(shuffled))
    pd.testing.assert_frame_equal(run_model("ihc", data), run_model("ihc", shuffled))


def test_ihc_errors():
    with pytest.raises(ModelError, match="timestamps"):
        run_model("ihc", as_paths(_journeys()))
    with pytest.raises(ModelError, match="timestamps"):
        ihc_sessions(as_paths(_journeys()))
    with pytest.raises(ModelError, match="weights"):
        run_model("ihc", _journeys(), w_holder=-1.0)
    with pytest.raises(ModelError, match="valid"):
        ihc_sessions(_journeys(), w_holdr=1.0)
