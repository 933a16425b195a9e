"""Journey builder: which touches belong to which conversion, lookback, timing columns, ids, stats.

Every expected journey is worked out by hand in the comment above its assertion. Notation:
``[A, B] → c1 (5)`` is a converting journey with touches A then B and revenue 5; ``[C] ∅`` is a
non-converting journey.
"""
from __future__ import annotations

import math

import pandas as pd

from attribution.journeys.data import PATH_COLUMNS, TOUCH_COLUMNS


def _paths(journeys) -> dict[tuple, tuple[float, float, float]]:
    return {row.path: (row.conversions, row.revenue, row.nulls) for row in journeys.paths.itertuples()}


def test_touch_at_the_conversion_instant_belongs_to_it(build, summary):
    # u1: A 01-01, B 01-02 10:00 = conversion instant, C 01-03.
    # → [A, B] → c1 (5); [C] ∅ (after the last conversion).
    j = build([("u1", "2024-01-01 00:00", "A"), ("u1", "2024-01-02 10:00", "B"),
               ("u1", "2024-01-03 00:00", "C")],
              [("u1", "2024-01-02 10:00", 5.0, "c1")])
    assert summary(j) == [("u1", True, 5.0, ("A", "B")), ("u1", False, 0.0, ("C",))]
    assert j.touches.loc[j.touches["channel"] == "B", "hours_to_conversion"].item() == 0.0


def test_two_conversions_in_one_day_split_the_touches(build, summary):
    # A 01-01 09:00, B 01-05 08:00 | c1 01-05 10:00 | C 01-05 12:00 | c2 01-05 14:00
    # → [A, B] → c1 (1); [C] → c2 (2); nothing after c2, so no non-converting journey.
    j = build([("u1", "2024-01-01 09:00", "A"), ("u1", "2024-01-05 08:00", "B"),
               ("u1", "2024-01-05 12:00", "C")],
              [("u1", "2024-01-05 10:00", 1.0, "c1"), ("u1", "2024-01-05 14:00", 2.0, "c2")])
    assert summary(j) == [("u1", True, 1.0, ("A", "B")), ("u1", True, 2.0, ("C",))]
    assert j.stats.conversions_without_touches == 0


def test_two_conversions_at_the_same_instant(build, summary):
    # c_a and c_b both at 01-02 12:00 (ordered by conversion_id: a first). Touches A 01-01 and
    # B 01-02 12:00 all sort before c_a → [A, B] → c_a (3); c_b has no touches left → counted, not
    # a journey. paths: (A, B) 1 conversion, revenue 3.
    touches = [("u1", "2024-01-01 00:00", "A"), ("u1", "2024-01-02 12:00", "B")]
    conversions = [("u1", "2024-01-02 12:00", 4.0, "b"), ("u1", "2024-01-02 12:00", 3.0, "a")]
    j = build(touches, conversions)
    assert summary(j) == [("u1", True, 3.0, ("A", "B"))]
    assert j.stats.conversions_counted == 2
    assert j.stats.conversions_without_touches == 1
    assert _paths(j) == {("A", "B"): (1.0, 3.0, 0.0)}
    # Without reset both conversions take [A, B]: 2 conversions, revenue 3 + 4 = 7.
    j = build(touches, conversions, reset_on_conversion=False)
    assert _paths(j) == {("A", "B"): (2.0, 7.0, 0.0)}
    assert j.stats.conversions_without_touches == 0


def test_users_without_touches_and_without_conversions(build, summary):
    # u1 converts with no touches at all → counted, no journey. u2 has touches, never converts →
    # one non-converting journey [X, Y] ∅.
    j = build([("u2", "2024-01-01", "X"), ("u2", "2024-01-02", "Y")],
              [("u1", "2024-01-05", 9.0, "c1")])
    assert summary(j) == [("u2", False, 0.0, ("X", "Y"))]
    assert j.stats.conversions_counted == 1
    assert j.stats.conversions_without_touches == 1
    assert _paths(j) == {("X", "Y"): (0.0, 0.0, 1.0)}


def test_conversion_before_any_touch_leaves_no_empty_path(build, summary):
    # c1 01-01, then A 01-02 → c1 has no prior touch; [A] ∅. No path () row.
    j = build([("u1", "2024-01-02", "A")], [("u1", "2024-01-01", 1.0, "c1")])
    assert summary(j) == [("u1", False, 0.0, ("A",))]
    stats = j.stats
    assert (stats.journeys, stats.converting_journeys, stats.touches, stats.conversions_counted,
            stats.conversions_without_touches, stats.revenue_without_touches) == (1, 0, 1, 1, 1, 1.0)
    assert stats.no_touch_daily.values.tolist() == [[pd.Timestamp("2024-01-01"), 1.0, 1.0]]
    assert () not in set(j.paths["path"])
    assert j.paths["conversions"].sum() == 0


def test_touches_after_the_last_conversion_form_one_non_converting_journey(build, summary):
    # A 01-01 | c1 01-02 | B 01-03, C 01-04 → [A] → c1 (2); [B, C] ∅ (one journey, not two).
    touches = [("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B"), ("u1", "2024-01-04", "C")]
    conversions = [("u1", "2024-01-02", 2.0, "c1")]
    j = build(touches, conversions)
    assert summary(j) == [("u1", True, 2.0, ("A",)), ("u1", False, 0.0, ("B", "C"))]
    # include_non_converting=False keeps only [A] → c1.
    j = build(touches, conversions, include_non_converting=False)
    assert summary(j) == [("u1", True, 2.0, ("A",))]


def test_lookback_boundary_exactly_n_days_is_kept(build, summary):
    # Conversion 02-01 00:00; 30 days before = 01-02 00:00 (inclusive).
    # X 01-01 23:59:59 (1 s too early), Y 01-02 00:00 (exactly 30 days), Z 02-01 00:00.
    touches = [("u1", "2024-01-01 23:59:59", "X"), ("u1", "2024-01-02 00:00:00", "Y"),
               ("u1", "2024-02-01 00:00:00", "Z")]
    conversions = [("u1", "2024-02-01 00:00:00", 1.0, "c1")]
    assert summary(build(touches, conversions))[0][3] == ("Y", "Z")              # default 30
    assert summary(build(touches, conversions, lookback_days=None))[0][3] == ("X", "Y", "Z")
    assert summary(build(touches, conversions, lookback_days=0))[0][3] == ("Z",)
    # lookback 31 → window starts 01-01 00:00, X is inside.
    assert summary(build(touches, conversions, lookback_days=31))[0][3] == ("X", "Y", "Z")


def test_lookback_of_a_non_converting_journey_ends_at_its_last_touch(build, summary):
    # No conversion: end = last touch 02-15; 02-15 − 30 days = 01-16 → A 01-01 dropped, B 01-20 kept.
    touches = [("u1", "2024-01-01", "A"), ("u1", "2024-01-20", "B"), ("u1", "2024-02-15", "C")]
    assert summary(build(touches)) == [("u1", False, 0.0, ("B", "C"))]
    assert summary(build(touches, reset_on_conversion=False)) == [("u1", False, 0.0, ("B", "C"))]
    # After a conversion (c1 01-10 takes A), the trailing journey [B, C] ∅ is windowed the same way:
    # with lookback 20 days before 02-15 (= 01-26) only C is left, in both modes.
    conversions = [("u1", "2024-01-10", 1.0, "c1")]
    for reset in (True, False):
        assert summary(build(touches, conversions, lookback_days=20, reset_on_conversion=reset)) == [
            ("u1", True, 1.0, ("A",)), ("u1", False, 0.0, ("C",))]


def test_conversion_whose_touches_are_all_outside_the_lookback(build, summary):
    # A 01-01, conversion 03-01: A is 60 days before → no touch in the window; the conversion is
    # counted and reported as without touches; there is no journey at all.
    j = build([("u1", "2024-01-01", "A")], [("u1", "2024-03-01", 1.0, "c1")])
    assert summary(j) == []
    assert (j.stats.journeys, j.stats.conversions_counted, j.stats.conversions_without_touches) == (0, 1, 1)
    assert len(j.paths) == 0


def test_simultaneous_touches_keep_their_input_order(build, summary):
    # Z then A at the same instant (input order Z, A), then M; c1 after. Ties keep the input order,
    # not the alphabet: [Z, A, M] → c1; A's previous raw touch is Z at the same instant → 0 h.
    touches = [("u1", "2024-01-01 10:00", "Z"), ("u1", "2024-01-01 10:00", "A"), ("u1", "2024-01-01 11:00", "M")]
    j = build(touches, [("u1", "2024-01-02", 1.0, "c1")])
    assert summary(j) == [("u1", True, 1.0, ("Z", "A", "M"))]
    assert list(j.touches["hours_since_previous"].iloc[1:]) == [0.0, 1.0]
    # Same without reset (a different assignment query).
    j = build(touches, [("u1", "2024-01-02", 1.0, "c1")], reset_on_conversion=False)
    assert summary(j)[0][3] == ("Z", "A", "M")
    assert list(j.touches["hours_since_previous"].iloc[1:]) == [0.0, 1.0]


def test_hours_position_and_time_since_previous_raw_touch(build):
    # A 01-01 00:00, B 01-01 06:00 | c1 01-01 12:00 | C 01-02 00:00.
    # hours_to_conversion: A 12, B 6, C NaN (not converted).
    # hours_since_previous (raw touches of the user): A NaN, B 6, C 18 — also when B is excluded
    # from the journey, because it is measured on the raw touch stream.
    touches = [("u1", "2024-01-01 00:00", "A"), ("u1", "2024-01-01 06:00", "B"),
               ("u1", "2024-01-02 00:00", "C")]
    t = build(touches, [("u1", "2024-01-01 12:00", 1.0, "c1")]).touches.set_index("channel")
    assert t.loc["A", "hours_to_conversion"] == 12.0 and t.loc["B", "hours_to_conversion"] == 6.0
    assert math.isnan(t.loc["C", "hours_to_conversion"])
    assert math.isnan(t.loc["A", "hours_since_previous"])
    assert (t.loc["B", "hours_since_previous"], t.loc["C", "hours_since_previous"]) == (6.0, 18.0)
    assert list(t[["position", "n_touches"]].itertuples(index=False, name=None)) == [(1, 2), (2, 2), (1, 1)]
    assert t.loc["A", "conversion_ts"] == pd.Timestamp("2024-01-01 12:00") and pd.isna(t.loc["C", "conversion_ts"])
    t = build(touches, [("u1", "2024-01-01 12:00", 1.0, "c1")], exclude_channels=("B",)).touches
    assert list(t["channel"]) == ["A", "C"] and t["hours_since_previous"].iloc[1] == 18.0


def test_journey_ids_are_dense_by_user_then_conversion_order_non_converting_last(build, summary):
    # user "b": P 01-01 | cb 01-02. user "a": X 01-01 | ca1 01-02 | Y 01-03 | ca2 01-04 | Z 01-05.
    # Sorted by user_id: a's [X] → ca1 = 1, [Y] → ca2 = 2, [Z] ∅ = 3; b's [P] → cb = 4.
    touches = [("b", "2024-01-01", "P"), ("a", "2024-01-05", "Z"), ("a", "2024-01-03", "Y"),
               ("a", "2024-01-01", "X")]
    conversions = [("b", "2024-01-02", 7.0, "cb"), ("a", "2024-01-04", 2.0, "ca2"),
                   ("a", "2024-01-02", 1.0, "ca1")]
    j = build(touches, conversions)
    assert summary(j) == [("a", True, 1.0, ("X",)), ("a", True, 2.0, ("Y",)), ("a", False, 0.0, ("Z",)),
                          ("b", True, 7.0, ("P",))]
    assert sorted(set(j.touches["journey_id"])) == [1, 2, 3, 4]
    # Date range from 01-03 drops ca1 (01-02) with [X] and cb (01-02) with [P]; left: a's [Y] → ca2
    # and [Z] ∅ (touch date 01-05), numbered 1, 2 without gaps.
    j = build(touches, conversions, start=pd.Timestamp("2024-01-03").date())
    assert summary(j) == [("a", True, 2.0, ("Y",)), ("a", False, 0.0, ("Z",))]
    assert sorted(set(j.touches["journey_id"])) == [1, 2]


def test_touches_frame_contract_and_paths_invariants(build):
    # Three users, mixed shapes; checks hold for any data, the counts are worked out below.
    # u1: A | c1 (10) | B, A | c2 (5) | C  → [A] → c1, [B, A] → c2, [C] ∅
    # u2: A, A | c3 (1)                     → [A, A] → c3
    # u3: D                                 → [D] ∅
    j = build([("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B"), ("u1", "2024-01-04", "A"),
               ("u1", "2024-01-06", "C"), ("u2", "2024-01-01", "A"), ("u2", "2024-01-02", "A"),
               ("u3", "2024-01-01", "D")],
              [("u1", "2024-01-02", 10.0, "c1"), ("u1", "2024-01-05", 5.0, "c2"),
               ("u2", "2024-01-03", 1.0, "c3")])
    t = j.touches
    assert list(t.columns) == TOUCH_COLUMNS
    assert list(j.paths.columns) == PATH_COLUMNS
    assert t.equals(t.sort_values(["journey_id", "position"]).reset_index(drop=True))
    assert (t.groupby("journey_id")["position"].apply(list)
            == t.groupby("journey_id")["n_touches"].first().apply(lambda n: list(range(1, n + 1)))).all()
    # 3 converting journeys, 2 non-converting, revenue 10 + 5 + 1 = 16, 4 + 2 + 1 = 7 touches.
    assert j.paths["conversions"].sum() == j.stats.converting_journeys == 3
    assert j.paths["nulls"].sum() == j.stats.journeys - j.stats.converting_journeys == 2
    assert j.paths["revenue"].sum() == 16.0
    assert j.stats.touches == len(t) == 7
    assert _paths(j) == {("A",): (1.0, 10.0, 0.0), ("B", "A"): (1.0, 5.0, 0.0), ("A", "A"): (1.0, 1.0, 0.0),
                         ("C",): (0.0, 0.0, 1.0), ("D",): (0.0, 0.0, 1.0)}
    assert all(isinstance(p, tuple) for p in j.paths["path"])
    assert (t["cost"] == 0.0).all()  # unknown cost → 0
    assert (t.loc[~t["converted"], "revenue"] == 0.0).all()


def test_build_cleans_up_and_can_run_twice_on_one_connection(con, build):
    touches, conversions = [("u1", "2024-01-01", "A")], [("u1", "2024-01-02", 1.0, "c1")]
    first = build(touches, conversions).paths
    second = build(touches, conversions).paths
    pd.testing.assert_frame_equal(first, second)
    assert con.sql("select count(*) from duckdb_tables() where temporary").fetchall() == [(0,)]
