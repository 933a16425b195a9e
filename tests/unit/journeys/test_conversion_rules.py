"""Journey builder: which conversions count (stage, first only, date range), reset vs overlap, and
funnel milestones.

Expected journeys are worked out by hand in the comments (``[A, B] → p1`` converting, ``∅`` not).
"""
from __future__ import annotations

from datetime import date

import pandas as pd


def _milestones(journeys) -> list[tuple[int, str, str | None]]:
    t = journeys.touches
    return [(int(r.journey_id), r.channel, None if pd.isna(r.milestone) else r.milestone)
            for r in t.itertuples()]


FUNNEL_TOUCHES = [("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B"), ("u1", "2024-01-05", "C"),
                  ("u1", "2024-01-07", "D")]
FUNNEL_EVENTS = [("u1", "2024-01-02", 0.0, "l1", "lead"), ("u1", "2024-01-04", 0.0, "b1", "booked"),
                 ("u1", "2024-01-06", 0.0, "l2", "lead"), ("u1", "2024-01-08", 100.0, "p1", "paid")]


def test_without_stage_every_event_is_a_conversion(build, summary):
    # A | lead | B | booked | C | lead | D | paid → four one-touch journeys, no milestones.
    j = build(FUNNEL_TOUCHES, FUNNEL_EVENTS)
    assert summary(j) == [("u1", True, 0.0, ("A",)), ("u1", True, 0.0, ("B",)), ("u1", True, 0.0, ("C",)),
                          ("u1", True, 100.0, ("D",))]
    assert list(j.touches["stage"]) == ["lead", "booked", "lead", "paid"]
    assert j.touches["milestone"].isna().all()


def test_stage_filter_and_milestones(build, summary):
    # stage="paid": only p1 counts → [A, B, C, D] → p1 (100).
    # First lead 01-02 → last touch at or before it: A → "lead". First booked 01-04 → B → "booked".
    # The second lead (01-06) is not the first of its stage: C gets nothing.
    j = build(FUNNEL_TOUCHES, FUNNEL_EVENTS, stage="paid")
    assert summary(j) == [("u1", True, 100.0, ("A", "B", "C", "D"))]
    assert _milestones(j) == [(1, "A", "lead"), (1, "B", "booked"), (1, "C", None), (1, "D", None)]
    assert set(j.touches["stage"]) == {"paid"}
    assert j.stats.conversions_counted == 1
    # stage="lead": l1 ← [A], l2 ← [B, C] (booked on 01-04 → last touch before it is B), [D] ∅.
    j = build(FUNNEL_TOUCHES, FUNNEL_EVENTS, stage="lead")
    assert summary(j) == [("u1", True, 0.0, ("A",)), ("u1", True, 0.0, ("B", "C")), ("u1", False, 0.0, ("D",))]
    assert _milestones(j) == [(1, "A", None), (2, "B", "booked"), (2, "C", None), (3, "D", None)]


def test_milestone_at_the_touch_instant_and_two_stages_on_one_touch(build):
    # A 01-01 | lead 01-01 (same instant) | booked 01-02 | B 01-03 | paid 01-04.
    # lead → last touch at or before 01-01 00:00 = A; booked → also A. One touch, two stages: the
    # earlier event wins → A = "lead".
    j = build([("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B")],
              [("u1", "2024-01-01", 0.0, "l", "lead"), ("u1", "2024-01-02", 0.0, "b", "booked"),
               ("u1", "2024-01-04", 5.0, "p", "paid")], stage="paid")
    assert _milestones(j) == [(1, "A", "lead"), (1, "B", None)]


def test_milestone_needs_a_touch_before_the_event_and_inside_the_window(build):
    # lead 01-01 | A 01-02 | paid 01-03: no touch at or before the lead → no milestone.
    j = build([("u1", "2024-01-02", "A")],
              [("u1", "2024-01-01", 0.0, "l", "lead"), ("u1", "2024-01-03", 5.0, "p", "paid")], stage="paid")
    assert _milestones(j) == [(1, "A", None)]
    # Lookback 5 days before paid 01-20 → window from 01-15. leads 01-01 (outside) and 01-16 (inside);
    # touches A 01-15, B 01-17. First lead inside the window is 01-16 → A = "lead".
    j = build([("u1", "2024-01-15", "A"), ("u1", "2024-01-17", "B")],
              [("u1", "2024-01-01", 0.0, "l1", "lead"), ("u1", "2024-01-16", 0.0, "l2", "lead"),
               ("u1", "2024-01-20", 5.0, "p", "paid")], stage="paid", lookback_days=5)
    assert _milestones(j) == [(1, "A", "lead"), (1, "B", None)]


OVERLAP_TOUCHES = [("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B"), ("u1", "2024-01-05", "C")]
OVERLAP_EVENTS = [("u1", "2024-01-02", 10.0, "p1", "paid"), ("u1", "2024-01-04", 20.0, "p2", "paid")]


def test_reset_false_gives_every_conversion_all_earlier_touches(build, summary):
    # A | p1 (10) | B | p2 (20) | C → [A] → p1, [A, B] → p2, [C] ∅.
    j = build(OVERLAP_TOUCHES, OVERLAP_EVENTS, reset_on_conversion=False)
    assert summary(j) == [("u1", True, 10.0, ("A",)), ("u1", True, 20.0, ("A", "B")), ("u1", False, 0.0, ("C",))]
    # A in p2's journey: 01-01 → 01-04 = 72 h.
    t = j.touches
    assert t.loc[(t["journey_id"] == 2) & (t["channel"] == "A"), "hours_to_conversion"].item() == 72.0
    assert (j.stats.touches, j.stats.converting_journeys, j.paths["conversions"].sum()) == (4, 2, 2.0)
    # Lookback 1 day bounds how far back: p2 (01-04) keeps B (01-03) only.
    j = build(OVERLAP_TOUCHES, OVERLAP_EVENTS, reset_on_conversion=False, lookback_days=1)
    assert summary(j) == [("u1", True, 10.0, ("A",)), ("u1", True, 20.0, ("B",)), ("u1", False, 0.0, ("C",))]
    # With reset (default) the same data gives [A] → p1, [B] → p2, [C] ∅.
    assert summary(build(OVERLAP_TOUCHES, OVERLAP_EVENTS)) == summary(j)


def test_reset_false_milestones_see_the_whole_window(build):
    # lead 01-02 between A (01-01) and B (01-03); paid 01-04 and 01-06 (C 01-05).
    # Overlap: [A, B] → p1 and [A, B, C] → p2; the lead is inside both windows → A = "lead" in both.
    # With reset: p2's journey [C] starts after p1, the lead is before its window → no milestone.
    touches = [("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B"), ("u1", "2024-01-05", "C")]
    events = [("u1", "2024-01-02", 0.0, "l", "lead"), ("u1", "2024-01-04", 1.0, "p1", "paid"),
              ("u1", "2024-01-06", 2.0, "p2", "paid")]
    j = build(touches, events, stage="paid", reset_on_conversion=False)
    assert _milestones(j) == [(1, "A", "lead"), (1, "B", None), (2, "A", "lead"), (2, "B", None), (2, "C", None)]
    j = build(touches, events, stage="paid")
    assert _milestones(j) == [(1, "A", "lead"), (1, "B", None), (2, "C", None)]


def test_first_only_counts_the_first_conversion_and_drops_later_touches(build, summary):
    # u1: A | c1 (1) | B | c2 (2) | C → first only: [A] → c1; B and C are dropped.
    # u2 never converts: [X, Y] ∅ is kept.
    touches = [("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B"), ("u1", "2024-01-05", "C"),
               ("u2", "2024-01-01", "X"), ("u2", "2024-01-02", "Y")]
    conversions = [("u1", "2024-01-02", 1.0, "c1"), ("u1", "2024-01-04", 2.0, "c2")]
    expected = [("u1", True, 1.0, ("A",)), ("u2", False, 0.0, ("X", "Y"))]
    j = build(touches, conversions, first_only=True)
    assert summary(j) == expected
    assert (j.stats.conversions_counted, j.stats.touches) == (1, 3)
    assert summary(build(touches, conversions, first_only=True, reset_on_conversion=False)) == expected


def test_first_only_with_a_stage_takes_the_first_of_that_stage(build, summary):
    # A | lead | B | paid1 (5) | C | paid2 (7): stage paid, first only → [A, B] → paid1.
    j = build([("u1", "2024-01-01", "A"), ("u1", "2024-01-03", "B"), ("u1", "2024-01-05", "C")],
              [("u1", "2024-01-02", 0.0, "l", "lead"), ("u1", "2024-01-04", 5.0, "p1", "paid"),
               ("u1", "2024-01-06", 7.0, "p2", "paid")], stage="paid", first_only=True)
    assert summary(j) == [("u1", True, 5.0, ("A", "B"))]


def test_date_range_on_conversion_date_and_on_touch_date_for_non_converting(build, summary):
    # Range 01-05 … 01-11 (inclusive, by date).
    # u1: A 01-01 | c1 01-02 | B 01-10 | c2 01-11 23:00 | C 01-20
    #     → c1 out (01-02), c2 in (its date 01-11 = end) → [B] → c2; C ∅ dropped (touch 01-20).
    # u2 (no conversion): X 01-03, Y 01-08, Z 01-16 → [Y] ∅ (only touch dates in range).
    # u3: P 01-01 | c3 01-06 → in range by conversion date; P (01-01) stays in its journey.
    j = build([("u1", "2024-01-01", "A"), ("u1", "2024-01-10", "B"), ("u1", "2024-01-20", "C"),
               ("u2", "2024-01-03", "X"), ("u2", "2024-01-08", "Y"), ("u2", "2024-01-16", "Z"),
               ("u3", "2024-01-01", "P")],
              [("u1", "2024-01-02", 1.0, "c1"), ("u1", "2024-01-11 23:00", 2.0, "c2"),
               ("u3", "2024-01-06", 3.0, "c3")],
              start=date(2024, 1, 5), end=date(2024, 1, 11))
    assert summary(j) == [("u1", True, 2.0, ("B",)), ("u2", False, 0.0, ("Y",)), ("u3", True, 3.0, ("P",))]
    assert j.stats.conversions_counted == 2  # c2, c3
