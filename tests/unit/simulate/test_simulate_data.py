"""The simulated tables: determinism, exact schema (docs/architecture.md §3) and the funnel's invariants."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.simulate import simulate

SCHEMA = {
    "touchpoints": {"user_id": "str", "ts": "datetime64[us]", "channel": "str", "campaign": "str",
                    "cost": "float64", "session_id": "str", "interaction": "str",
                    "holder_engagement": "bool", "closer_engagement": "bool"},
    "conversions": {"user_id": "str", "ts": "datetime64[us]", "revenue": "float64", "conversion_id": "str",
                    "stage": "str"},
    "spend": {"date": "datetime64[us]", "channel": "str", "spend": "float64", "impressions": "int64",
              "clicks": "int64"},
    "truth": {"channel": "str", "kind": "str", "true_incremental_conversions": "int64",
              "true_incremental_revenue": "float64", "true_incremental_leads": "int64", "spend": "float64",
              "touches": "int64", "adstock_decay": "float64", "saturation_lambda": "float64",
              "saturation_scale": "float64", "exposure_capacity": "float64"},
    "daily_truth": {"date": "datetime64[us]", "channel": "str", "spend": "float64", "adstock": "float64",
                    "expected_touches": "float64", "touches": "int64", "incremental_purchases": "int64",
                    "incremental_revenue": "float64"},
}
FREE = {"Email", "Organic Search", "Direct"}


def _again(sim, **changes):
    args = {"n_users": sim.meta["n_users"], "days": sim.meta["days"], "seed": sim.meta["seed"], **changes}
    return simulate(**args)


def test_same_seed_gives_identical_tables(sim):
    again = _again(sim)
    for name, frame in sim.tables().items():
        pd.testing.assert_frame_equal(frame, again.tables()[name], obj=name)


def test_different_seeds_differ(sim):
    other = _again(sim, seed=sim.meta["seed"] + 1)
    assert not sim.touchpoints["ts"].equals(other.touchpoints["ts"])
    assert not sim.spend["spend"].equals(other.spend["spend"])
    assert not sim.conversions.equals(other.conversions)


@pytest.mark.parametrize("table", list(SCHEMA))
def test_schema_and_dtypes_are_exact(sim, table):
    frame = sim.tables()[table]
    assert {c: str(t) for c, t in frame.dtypes.items()} == SCHEMA[table]
    assert len(frame) > 0
    # NaN only where a value does not apply (media parameters of free channels).
    may_be_nan = ["adstock", "expected_touches", "adstock_decay", "saturation_lambda", "saturation_scale",
                  "exposure_capacity"]
    assert not frame.drop(columns=may_be_nan, errors="ignore").isna().any().any()


def test_all_events_inside_the_period(sim):
    start = pd.Timestamp("2024-01-01")
    end = start + pd.Timedelta(days=sim.meta["days"])
    for frame in (sim.touchpoints, sim.conversions):
        assert frame["ts"].min() >= start and frame["ts"].max() < end
    assert sorted(sim.spend["date"].unique()) == list(pd.date_range(start, periods=sim.meta["days"]))
    # 12,000 users arrive in the period and 15,000 in the 150-day burn-in before it: u00000..u26999
    assert sim.meta["users_simulated"] == 27_000
    assert sim.touchpoints["user_id"].str.fullmatch(r"u\d{5}").all()


def test_ids_unique_and_touches_sorted(sim):
    assert sim.touchpoints["session_id"].is_unique
    assert sim.conversions["conversion_id"].is_unique
    tp = sim.touchpoints
    assert tp.equals(tp.sort_values(["user_id", "ts"], kind="stable").reset_index(drop=True))


def test_stages_in_time_order_and_funnel_narrows(sim):
    cv = sim.conversions
    first = cv.groupby(["user_id", "stage"])["ts"].min().unstack()
    n_stage = cv.groupby(["user_id", "stage"]).size().unstack(fill_value=0)
    # Each later stage only for users who reached the earlier one, at or after it ...
    opp = first["opportunity"].notna() & first["lead"].notna()
    pur = first["purchase"].notna() & first["opportunity"].notna()
    assert (first.loc[opp, "lead"] <= first.loc[opp, "opportunity"]).all()
    assert (first.loc[pur, "opportunity"] <= first.loc[pur, "purchase"]).all()
    # ... which may lie before the period for users already in the market on day 0 (the world runs a
    # burn-in): a user is reached for 30 days after arriving and the opportunity follows the lead
    # within days (gamma, mean 2), so such left-censored opportunities all come in the first 60 days.
    # A purchase without its opportunity can also be the repeat of an earlier one (mean 35 days later).
    start = pd.Timestamp("2024-01-01")
    censored = first.loc[first["opportunity"].notna() & first["lead"].isna(), "opportunity"]
    assert len(censored) > 0 and censored.max() < start + pd.Timedelta(days=60)
    censored = first.loc[first["purchase"].notna() & first["opportunity"].isna(), "purchase"]
    assert len(censored) > 0 and censored.max() < start + pd.Timedelta(days=200)
    # One lead and one opportunity per user; a few purchase twice, nobody more.
    assert n_stage["lead"].max() == 1 and n_stage["opportunity"].max() == 1
    assert n_stage["purchase"].max() == 2 and (n_stage["purchase"] == 2).sum() >= 1
    counts = cv["stage"].value_counts()
    assert counts["lead"] > counts["opportunity"] > (n_stage["purchase"] > 0).sum() > 0


def test_revenue_only_on_purchases_and_positive(sim):
    cv = sim.conversions
    is_purchase = cv["stage"] == "purchase"
    assert (cv.loc[is_purchase, "revenue"] > 0).all()
    assert (cv.loc[~is_purchase, "revenue"] == 0).all()


def test_spend_and_costs(sim):
    sp, tp = sim.spend, sim.touchpoints
    assert (sp[["spend", "impressions", "clicks"]] >= 0).all().all()
    assert (sp["impressions"] >= sp["clicks"]).all()
    assert set(sp["channel"]) == {"Paid Search", "Display", "Paid Social", "Affiliate"}
    assert (tp.loc[tp["channel"].isin(FREE), "cost"] == 0).all()
    # Paid touches cost something, except on days without spend (pauses, between flights), whose
    # touches come from the carry-over of earlier spend.
    paid = tp[~tp["channel"].isin(FREE)]
    day_spend = paid.merge(sp, left_on=[paid["ts"].dt.normalize(), "channel"], right_on=["date", "channel"],
                           how="left")["spend"]
    assert ((paid["cost"].to_numpy() > 0) == (day_spend.to_numpy() > 0)).all()
    assert (day_spend == 0).any()  # the plan pauses some channels
    # A day's spend is split over that day's touches: costs add back up (rounded to 1e-4 each).
    cost = tp.groupby([tp["ts"].dt.normalize().rename("date"), "channel"])["cost"].agg(["sum", "size"])
    merged = sp.merge(cost.reset_index(), on=["date", "channel"], how="left").fillna(0)
    assert np.all(np.abs(merged["sum"] - merged["spend"]) <= 1e-4 * merged["size"] + 1e-9)
    # Clicks in the spend table are the click touches of that day.
    is_click = tp["interaction"] == "click"
    clicks = tp[is_click].groupby([tp.loc[is_click, "ts"].dt.normalize().rename("date"), "channel"]).size()
    got = sp.set_index(["date", "channel"])["clicks"]
    assert (got == clicks.reindex(got.index, fill_value=0)).all()


def test_touch_counts_in_truth_match_data(sim):
    counted = sim.touchpoints["channel"].value_counts()
    truth = sim.truth.set_index("channel")["touches"]
    assert truth.to_dict() == counted.reindex(truth.index, fill_value=0).to_dict()


def test_last_touch_over_credits_direct(sim):
    # Conversion sessions often start as Direct visits that the conversion caused, so Direct's
    # last-touch share of purchases is far above its true incremental share.
    tp = sim.touchpoints.sort_values("ts")
    purchases = sim.conversions[sim.conversions["stage"] == "purchase"].sort_values("ts")
    last = pd.merge_asof(purchases, tp[["user_id", "ts", "channel"]], on="ts", by="user_id")
    last_share = (last["channel"] == "Direct").mean()
    truth = sim.truth.set_index("channel")["true_incremental_conversions"]
    assert last_share > 3 * truth["Direct"] / len(purchases)


def test_channel_subset_and_bad_arguments():
    data = simulate(n_users=300, days=30, channels=["Paid Search", "Email"], seed=1)
    assert set(data.touchpoints["channel"]) <= {"Paid Search", "Email"}
    assert list(data.truth["channel"]) == ["Paid Search", "Email"]
    with pytest.raises(DataValidationError, match="unknown channel"):
        simulate(n_users=10, channels=["TV"])
    with pytest.raises(DataValidationError, match="at least 1"):
        simulate(n_users=0)
    with pytest.raises(DataValidationError, match="not a date"):
        simulate(n_users=10, start="someday")
    with pytest.raises(DataValidationError, match="switched_off"):
        simulate(n_users=10, switched_off=["TV"])
