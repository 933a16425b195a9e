"""Journey builder: path transforms, channel exclusion, the step cap, channel grouping rules,
injection-looking values and invalid settings.

Expected journeys are worked out by hand in the comments (``[A, B] → c1`` converting, ``∅`` not).
"""
from __future__ import annotations

from datetime import date

import pytest

from attribution.engine.duckdb_journeys import build_journeys
from attribution.errors import DataValidationError
from attribution.journeys.settings import ChannelRule, JourneySettings, check_channel_rules


def _channels(journeys) -> list[tuple[str, ...]]:
    return [tuple(g["channel"]) for _, g in journeys.touches.groupby("journey_id", sort=True)]


RUNS = [("u1", "2024-01-01", "A"), ("u1", "2024-01-02", "A"), ("u1", "2024-01-03", "B"),
        ("u1", "2024-01-04", "A"), ("u1", "2024-01-05", "A")]
RUNS_CONVERSION = [("u1", "2024-01-06", 1.0, "c1")]


def test_transform_none_keeps_every_touch(build):
    # A A B A A → c1, untouched.
    assert _channels(build(RUNS, RUNS_CONVERSION)) == [("A", "A", "B", "A", "A")]


def test_collapse_repeats_keeps_the_first_touch_of_each_run(build):
    # A A | B | A A → A B A, kept touches are the first of each run: 01-01, 01-03, 01-04.
    t = build(RUNS, RUNS_CONVERSION, transform="collapse_repeats").touches
    assert list(t["channel"]) == ["A", "B", "A"]
    assert [d.day for d in t["ts"]] == [1, 3, 4]
    assert list(t["position"]) == [1, 2, 3] and set(t["n_touches"]) == {3}
    # hours_to_conversion follows the kept touch: 01-01 → 01-06 = 5 days = 120 h.
    assert t["hours_to_conversion"].iloc[0] == 120.0


def test_unique_keeps_first_occurrences(build):
    # A A B A A → A (01-01), B (01-03).
    t = build(RUNS, RUNS_CONVERSION, transform="unique").touches
    assert list(t["channel"]) == ["A", "B"] and [d.day for d in t["ts"]] == [1, 3]
    assert build(RUNS, RUNS_CONVERSION, transform="unique").paths["path"].tolist() == [("A", "B")]


def test_exclusion_is_case_insensitive_and_can_empty_a_journey(build):
    # u1: Direct, A, direct, B → c1; excluding "DIRECT" → [A, B].
    # u2: Direct, DIRECT → c2; only excluded channels → no touch left: c2 is a conversion without a touch.
    j = build([("u1", "2024-01-01", "Direct"), ("u1", "2024-01-02", "A"), ("u1", "2024-01-03", "direct"),
               ("u1", "2024-01-04", "B"), ("u2", "2024-01-01", "Direct"), ("u2", "2024-01-02", "DIRECT")],
              [("u1", "2024-01-05", 1.0, "c1"), ("u2", "2024-01-05", 1.0, "c2")],
              exclude_channels=("DIRECT",))
    assert _channels(j) == [("A", "B")]
    assert list(j.touches["position"]) == [1, 2]
    assert (j.stats.conversions_counted, j.stats.conversions_without_touches) == (2, 1)


def test_exclusion_applies_before_transforms(build):
    # A, Direct, A → c1. Exclude first: A A, then collapse → [A]. (Collapse first would give
    # A Direct A → A A.)
    j = build([("u1", "2024-01-01", "A"), ("u1", "2024-01-02", "Direct"), ("u1", "2024-01-03", "A")],
              [("u1", "2024-01-04", 1.0, "c1")], exclude_channels=("direct",), transform="collapse_repeats")
    assert _channels(j) == [("A",)]


def test_max_touches_keeps_the_last_n_after_transforms(build):
    # A B C D → c1, cap 2 → [C, D] with positions 1, 2.
    t = build([("u1", f"2024-01-0{i + 1}", ch) for i, ch in enumerate("ABCD")],
              [("u1", "2024-01-09", 1.0, "c1")], max_touches=2).touches
    assert list(t["channel"]) == ["C", "D"] and list(t["position"]) == [1, 2] and set(t["n_touches"]) == {2}
    # A B C C C → collapse → A B C → cap 2 → [B, C]. (Cap first would give C C → [C].)
    j = build([("u1", f"2024-01-0{i + 1}", ch) for i, ch in enumerate("ABCCC")],
              [("u1", "2024-01-09", 1.0, "c1")], max_touches=2, transform="collapse_repeats")
    assert _channels(j) == [("B", "C")]


def test_channel_rules_first_match_wins_case_insensitive(build):
    rules = (
        ChannelRule("Brand", "brand", column="campaign", match="contains"),
        ChannelRule("Paid Search", r"^(google|bing)_.*_cpc$", column="campaign", match="regex"),
        ChannelRule("Social", "facebook", column="channel", match="equals"),
        ChannelRule("Display", "imp", column="interaction", match="starts_with"),
    )
    # touch → group:
    #   1 google / GOOGLE_Brand_CPC    → Brand (rule 1 before rule 2)
    #   2 bing   / Bing_generic_cpc    → Paid Search (regex, case-insensitive)
    #   3 bing   / bing_generic_cpc_x  → bing (regex anchored at $: no match; no rule → kept)
    #   4 FaceBook / NULL              → Social (equals ignores case; NULL campaign matches nothing)
    #   5 facebook ads / NULL          → facebook ads (equals ≠ contains)
    #   6 Criteo / NULL, Impression    → Display (starts_with "imp")
    touches = [("u1", "2024-01-01", "google", "GOOGLE_Brand_CPC"),
               ("u1", "2024-01-02", "bing", "Bing_generic_cpc"),
               ("u1", "2024-01-03", "bing", "bing_generic_cpc_x"),
               ("u1", "2024-01-04", "FaceBook"),
               ("u1", "2024-01-05", "facebook ads"),
               ("u1", "2024-01-06", "Criteo", None, None, None, "Impression")]
    j = build(touches, [("u1", "2024-01-07", 1.0, "c1")], channel_rules=rules)
    assert _channels(j) == [("Brand", "Paid Search", "bing", "Social", "facebook ads", "Display")]
    # Rules run before exclusion: excluding the group "social" drops touch 4 only.
    j = build(touches, [("u1", "2024-01-07", 1.0, "c1")], channel_rules=rules, exclude_channels=("social",))
    assert _channels(j) == [("Brand", "Paid Search", "bing", "facebook ads", "Display")]


def test_injection_looking_values_are_plain_values(con, build):
    evil = "x'); drop table ds.conversions; --"
    quote = "O'Brien \"quoted\" ; select 1"
    rules = (ChannelRule("g'; drop table ds.touchpoints; --", "' or ''='", match="equals"),
             ChannelRule("quoted", "^o'brien \"", match="regex"))
    # Touch channels: evil matches no rule → kept as is; "' or ''='" equals rule 1 → its group
    # (which itself looks like SQL); O'Brien "quoted"… matches regex ^o'brien " (any case) → "quoted".
    # Excluding the evil value (a bound value, not SQL) drops it; the tables survive.
    j = build([("u1", "2024-01-01", evil), ("u1", "2024-01-02", "' or ''='"), ("u1", "2024-01-03", quote),
               ("u1", "2024-01-04", "A")],
              [("u1", "2024-01-05", 1.0, "c1", "paid")], channel_rules=rules)
    assert _channels(j) == [(evil, "g'; drop table ds.touchpoints; --", "quoted", "A")]
    j = build([("u1", "2024-01-01", evil), ("u1", "2024-01-04", "A")],
              [("u1", "2024-01-05", 1.0, "c1", "paid")], exclude_channels=(evil.upper(),),
              stage="paid' or '1'='1")
    # The stage value matches no conversion: nothing counted, [A] is a non-converting journey.
    assert _channels(j) == [("A",)] and j.stats.conversions_counted == 0
    assert con.sql("select count(*) from ds.touchpoints").fetchall() == [(2,)]
    assert con.sql("select count(*) from ds.conversions").fetchall() == [(1,)]
    with pytest.raises(ValueError, match="unsafe SQL identifier"):
        build_journeys(con, "ds; drop table ds.touchpoints", JourneySettings())


@pytest.mark.parametrize("kwargs", [
    {"transform": "dedupe"},
    {"lookback_days": -1},
    {"max_touches": 0},
    {"start": date(2024, 2, 1), "end": date(2024, 1, 1)},
    {"exclude_channels": "Direct"},
])
def test_invalid_settings_raise(kwargs):
    with pytest.raises(DataValidationError):
        JourneySettings(**kwargs)


@pytest.mark.parametrize("kwargs, words", [
    ({"column": "cost"}, "column must be one of"), ({"match": "like"}, "match must be one of"),
    ({"group": "  "}, "give the group a name"), ({"pattern": ""}, "give the text to match"),
])
def test_invalid_channel_rule_raises(kwargs, words):
    with pytest.raises(DataValidationError, match=words):
        ChannelRule(**{"group": "g", "pattern": "p", **kwargs})


def test_regex_rules_are_checked_without_a_connection():
    check_channel_rules((ChannelRule("g", "^a.*b$", match="regex"), ChannelRule("h", "([")))  # "([" only contains
    with pytest.raises(DataValidationError, match="not a valid regular expression"):
        check_channel_rules((ChannelRule("g", "([", match="regex"),))


def test_invalid_regex_raises_before_building(con, build):
    with pytest.raises(DataValidationError, match="not a valid regular expression"):
        build([("u1", "2024-01-01", "A")], [],
              channel_rules=(ChannelRule("g", "([", match="regex"),))
    assert con.sql("select count(*) from duckdb_tables() where temporary").fetchall() == [(0,)]
