"""The build counts journeys, positions and paths on the touches sorted once by journey.

These tests check that bookkeeping against an independent pandas recount of the same touches, on
random users under every rule that changes which touches are kept, and at the code-width edges of
the path aggregation.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from attribution.store.sqlfiles import sql


def _random_users(seed: int, users: int = 120) -> tuple[list[tuple], list[tuple]]:
    rng = np.random.default_rng(seed)
    start = datetime(2024, 1, 1)
    touches, conversions = [], []
    for u in range(users):
        for _ in range(rng.integers(0, 9)):
            ts = start + timedelta(hours=int(rng.integers(0, 24 * 60)))
            touches.append((f"u{u:03d}", ts.isoformat(), "ABCDE"[rng.integers(0, 5)]))
        for k in range(rng.integers(0, 3)):
            ts = start + timedelta(hours=int(rng.integers(0, 24 * 60)))
            conversions.append((f"u{u:03d}", ts.isoformat(), float(rng.integers(1, 50)), f"c{u}_{k}",
                                ["lead", "paid"][rng.integers(0, 2)]))
    return touches, conversions


def _recount(touches: pd.DataFrame) -> pd.DataFrame:
    """Paths recounted from the touches with pandas: one tuple of channels per journey."""
    per_journey = touches.sort_values(["journey_id", "position"]).groupby("journey_id").agg(
        path=("channel", tuple), converted=("converted", "first"), revenue=("revenue", "first"))
    per_journey["nulls"] = (~per_journey["converted"]).astype(float)
    per_journey["revenue"] = per_journey["revenue"].where(per_journey["converted"], 0.0)
    per_journey["conversions"] = per_journey["converted"].astype(float)
    out = per_journey.groupby("path")[["conversions", "revenue", "nulls"]].sum()
    return out.sort_index()


SETTINGS = [
    {},
    {"max_touches": 2},
    {"transform": "collapse_repeats", "max_touches": 3},
    {"transform": "unique", "exclude_channels": ("A",)},
    {"reset_on_conversion": False, "lookback_days": 10},
    {"stage": "paid", "first_only": True, "lookback_days": None},
    {"include_non_converting": False},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=[str(s) or "defaults" for s in SETTINGS])
@pytest.mark.parametrize("seed", [1, 2])
def test_numbers_positions_and_paths_agree_with_a_recount_of_the_touches(build, seed, settings):
    j = build(*_random_users(seed), **settings)
    t = j.touches
    # journeys numbered 1..n in (user, conversion order) with the non-converting one last
    assert list(t["journey_id"].drop_duplicates()) == list(range(1, j.stats.journeys + 1))
    keys = t.groupby("journey_id").agg(user=("user_id", "first"), conv=("conversion_ts", "first"))
    assert keys["user"].is_monotonic_increasing
    # positions run 1..n_touches inside every journey, touches in time order
    sizes = t.groupby("journey_id")["position"].agg(["min", "max", "count"])
    assert (sizes["min"] == 1).all() and (sizes["max"] == sizes["count"]).all()
    assert (t.groupby("journey_id")["n_touches"].nunique() == 1).all()
    assert (t.groupby("journey_id")["ts"].apply(lambda s: s.is_monotonic_increasing)).all()
    if settings.get("max_touches"):
        assert sizes["count"].max() <= settings["max_touches"]
    # the paths table is exactly the recount
    paths = j.paths.set_index("path")[["conversions", "revenue", "nulls"]].sort_index()
    pd.testing.assert_frame_equal(paths, _recount(t), check_exact=False, rtol=1e-12)
    assert j.stats.touches == len(t) and j.stats.converting_journeys == paths["conversions"].sum()


def test_paths_sort_by_channel_names_with_more_channels_than_a_byte_holds(build):
    # 300 channels need 16-bit codes; "ch010" < "ch100" < "ch299" as names, so the one-touch
    # paths with equal counts must come out in name order.
    touches = [(f"u{i:03d}", "2024-01-01", f"ch{i:03d}") for i in range(300)]
    j = build(touches, [])
    assert [p[0] for p in j.paths["path"]] == [f"ch{i:03d}" for i in range(300)]
    assert (j.paths["nulls"] == 1).all()


def test_no_touches_at_all_gives_empty_journeys(build):
    j = build([], [("u1", "2024-01-02", 5.0, "c1")])
    assert len(j.touches) == 0 and len(j.paths) == 0
    assert j.stats.journeys == 0 and j.stats.conversions_without_touches == 1


def test_sql_composes_fragments_and_expressions_from_our_files_only():
    text = sql("journeys/touches", schema="ds", expressions={"channel_expression": "channel"},
               fragments={"grouped_touches": "journeys/grouped_touches", "assigned_touches": "journeys/assign_reset"})
    assert "from ds.touchpoints" in text and "{" not in text.replace("{schema}", "")
    with pytest.raises(ValueError, match="unsafe SQL identifier"):
        sql("journeys/touches", schema="ds; drop table x", expressions={"channel_expression": "channel"},
            fragments={"grouped_touches": "journeys/grouped_touches", "assigned_touches": "journeys/assign_reset"})
