"""AppTest: the Media mix and Budget optimiser pages (sample data, wide-CSV uploads, scenarios)."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from attribution import budget
from attribution.mmm import SATURATION_FORM_WARNING, MMMResult, fit, simulate_mmm
from attribution.mmm.fit_spec import FitSpec
from attribution.simulate.sample import sample_daily_truth
from attribution.store.workspace import Workspace
from tests.app.conftest import APP, errors_of, unescape
from tests.app.test_core_pages import CONVERSIONS, TOUCHES, _upload
from tests.unit.mmm.test_sample_fit import PAGE_DEFAULTS
from ui.budget_controls import bounds_from_table
from ui.cache_mmm import upload_key
from ui.state import ensure_sample


def _specs(at) -> dict[str, dict]:
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        out[spec["layout"]["title"]["text"]] = spec
    return out


def _table(at, column: str) -> pd.DataFrame:
    """The first table on the page with this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _fit(at) -> dict:
    """The one dataset's media-mix fit in session state: ``{"result", "spec", "frame"}``."""
    fits = at.session_state["mmm_fits"]
    assert len(fits) == 1, list(fits)
    return next(iter(fits.values()))


def _fit_on_page(at, n_boot: int = 5, n_starts: int = 1):
    at.number_input(key="mmm_boot").set_value(n_boot).run()
    at.number_input(key="mmm_starts").set_value(n_starts).run()
    return at.button(key="mmm_fit_go").click().run()


def _wide_csv(n: int = 60, negative_row: int | None = None) -> bytes:
    sim = simulate_mmm(n, ["tv", "search"], seed=3)
    frame = sim.data.rename(columns={"tv": "tv_spend", "search": "search_spend"})
    frame["promo"] = np.arange(n) % 5 == 0
    frame["promo"] = frame["promo"].astype(float)
    if negative_row is not None:
        frame.loc[negative_row - 1, "tv_spend"] = -3.0
    return frame.to_csv(index=False).encode()


def test_media_mix_on_the_sample(app):
    at = app.switch_page("app_pages/media_mix.py").run()
    assert errors_of(at) == []
    assert any("press **Fit model**" in unescape(i.value) for i in at.info)
    # two years of sample spend are 104 full weeks (2024-01-01 to the week of 2025-12-22): weekly it is
    assert not any("Daily granularity chosen" in unescape(c.value) for c in at.caption)
    assert at.radio(key="mmm_freq").value == "W"
    assert any("104 weekly periods from 2024-01-01 to 2025-12-22" in unescape(c.value) for c in at.caption)
    # the page's defaults are the ones the recovery test on the sample fits (tests/unit/mmm/test_sample_fit.py);
    # this test then asks for fewer bootstrap refits and starts, to run faster
    assert at.number_input(key="mmm_boot").value == PAGE_DEFAULTS["n_boot"]
    assert at.number_input(key="mmm_starts").value == PAGE_DEFAULTS["n_starts"]
    # the shared defaults (attribution.defaults): a 10 % hold-out, every conversion
    assert at.slider(key="mmm_holdout").value == 10 and at.selectbox(key="mmm_stage").value == "All conversions"
    at = _fit_on_page(at)
    assert errors_of(at) == []
    used = _fit(at)["spec"].fit_kwargs()
    assert {k: used[k] for k in PAGE_DEFAULTS if k not in ("n_boot", "n_starts")} == {
        k: v for k, v in PAGE_DEFAULTS.items() if k not in ("n_boot", "n_starts")}
    assert used["target"] == "y" and _fit(at)["spec"].target_label == "revenue"
    res = _fit(at)["result"]
    assert isinstance(res, MMMResult)
    assert res.channels == ("Affiliate", "Display", "Paid Search", "Paid Social") and res.freq == "W"
    assert res.diagnostics["n_holdout"] == 10  # 10% of 104 weeks, rounded
    specs = _specs(at)
    assert {"Actual vs fitted", "Where the revenue comes from", "ROAS and marginal ROAS by channel",
            "Response curves (steady state, carry-over included)",
            "Carry-over: how a period's spend effect fades"} <= set(specs)
    # the hold-out is shaded from its first week (week 95 = 2024-01-01 + 94 weeks = 2025-10-20) to the last
    shade = specs["Actual vs fitted"]["layout"]["shapes"][0]
    assert shade["x0"].startswith("2025-10-20") and shade["x1"].startswith("2025-12-22")
    summary = _table(at, "roas_ci_low")
    assert summary["share"].sum() == pytest.approx(1.0)
    assert (summary["roas_ci_low"] <= summary["roas_ci_high"]).all()
    assert any(SATURATION_FORM_WARNING in unescape(w.value) for w in at.warning)
    assert {m.label for m in at.metric} >= {"R²", "Hold-out MAPE"}

    # the sample's truth: true ROAS = incremental revenue / spend over the fitted days (hold-out excluded)
    vs_truth = _table(at, "true_roas").set_index("channel")
    daily = pd.read_parquet(sample_daily_truth())
    fit_days = res.fitted.loc[~res.fitted["is_holdout"], "date"]
    # weekly: from the first fitted week's Monday to the end (Sunday) of the last fitted week
    days = pd.to_datetime(daily["date"])
    kept = daily[(days >= fit_days.min()) & (days < fit_days.max() + pd.Timedelta(days=7))]
    sums = kept.groupby("channel")[["incremental_revenue", "spend"]].sum()
    expected = (sums["incremental_revenue"] / sums["spend"]).loc[list(res.channels)]
    assert vs_truth["true_roas"].to_dict() == pytest.approx(expected.to_dict())
    assert any("simulator re-ran the same random draws" in c.value for c in at.caption)

    at.toggle(key="mmm_compare_forms").set_value(True).run()
    forms = _table(at, "form")
    assert forms["form"].tolist() == ["logistic", "hill", "michaelis_menten"]

    # the budget page picks the fit up
    at.switch_page("app_pages/budget_optimiser.py").run()
    assert errors_of(at) == []
    plan = _table(at, "recommended_spend")
    budget, periods = at.number_input(key="budget_total").value, at.number_input(key="budget_periods").value
    assert periods == 13 and plan["recommended_spend"].sum() == pytest.approx(budget * periods, rel=1e-6)  # a quarter


def test_wide_csv_upload_good_and_bad(app):
    at = app.switch_page("app_pages/media_mix.py").run()
    at.radio(key="mmm_source").set_value("Upload a wide CSV").run()
    assert any("one spend column per channel" in unescape(i.value) for i in at.info)
    good = _wide_csv()
    at.file_uploader(key="mmm_upload").set_value(("weekly.csv", good, "text/csv")).run()
    key = upload_key(good)
    assert at.multiselect(key=f"mmm_x_{key}").value == ["tv_spend", "search_spend"]
    at.multiselect(key=f"mmm_z_{key}").set_value(["promo"]).run()
    assert any("60 weekly periods" in unescape(c.value) for c in at.caption)
    at = _fit_on_page(at, n_boot=0, n_starts=2)
    assert errors_of(at) == []
    res = _fit(at)["result"]
    assert res.channels == ("tv_spend", "search_spend") and res.controls == ("promo",)
    # the automatic choices are shown: the chosen row of the candidate table is the model fitted
    table = _table(at, "delta_bic")
    chosen = table[table["chosen"]]
    assert set(table["step"]) == {"Trend", "Carry-over window", "Adstock & saturation"} and len(chosen) >= 1
    assert (chosen["max_lag"] == res.max_lag).all() and (chosen["trend_segments"] == res.diagnostics["trend_segments"]).all()
    assert set(chosen["adstock"]) == {res.adstock} and set(chosen["saturation"]) == {res.saturation}
    assert table["delta_bic"].min() == 0 and {"roas_tv_spend", "roas_search_spend", "r2", "holdout_mape"} <= set(table)
    assert table["holdout_mape"].notna().all()  # 10 % hold-out: every candidate forecasts it
    assert table["holdout_mape"].tolist() == pytest.approx(
        (100 * res.diagnostics["selection"]["holdout_mape"]).tolist())  # shown in percent
    assert any(c.value.startswith("Baseline: ") for c in at.caption)

    bad = _wide_csv(negative_row=5)
    at.file_uploader(key="mmm_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert at.exception == [] and any("'tv_spend', row 5" in unescape(e.value) and "negative" in unescape(e.value) for e in at.error)
    assert at.button(key="mmm_fit_go").proto.disabled
    at.file_uploader(key="mmm_upload").set_value(("empty.csv", b"", "text/csv")).run()
    assert at.exception == [] and any("empty.csv is empty" in unescape(e.value) for e in at.error)


def test_dataset_without_spend_offers_the_upload(app):
    at = _upload(app, "Touchpoints + conversions (+ spend)",
                 {"touchpoints": ("tp.csv", TOUCHES), "conversions": ("conv.csv", CONVERSIONS)})
    at.switch_page("app_pages/media_mix.py").run()
    assert errors_of(at) == []
    assert any("no spend table" in i.value and "wide CSV" in unescape(i.value) for i in at.info)
    assert at.radio(key="mmm_source").value == "Upload a wide CSV"
    at.switch_page("app_pages/budget_optimiser.py").run()
    assert errors_of(at) == [] and any("no spend table" in unescape(i.value) for i in at.info)


def test_budget_page_fits_a_default_model(app, monkeypatch):
    monkeypatch.setattr("ui.mmm_controls.DEFAULT_N_BOOT", 3)
    at = app.switch_page("app_pages/budget_optimiser.py").run()
    assert errors_of(at) == []
    assert any("none has been fitted" in unescape(i.value) for i in at.info)
    at.button(key="budget_default_fit").click().run()
    assert errors_of(at) == []
    spec = _fit(at)["spec"]
    # the two-year sample has 104 full weeks: the default fit is weekly, the plan a quarter (13 weeks)
    assert spec.freq == "W" and spec.target_label == "revenue" and spec.n_boot == 3
    assert {m.label for m in at.metric} >= {"Expected lift"}
    assert "Response curves: current and recommended" in _specs(at)
    # forward look: the recommended spend kept up, predicted outcome per period with its band
    assert at.number_input(key="budget_forecast_periods").value == 13
    band = _specs(at)["Forward look: revenue per week under the recommended plan"]
    assert {t.get("name") for t in band["data"]} >= {"Actual", "Interval", "Predicted", "Baseline (no media)"}
    plan = _table(at, "recommended_spend").set_index("channel")["recommended_spend"] / 13
    res, frame = _fit(at)["result"], _fit(at)["frame"]
    ahead = budget.forecast(res, frame, plan.to_dict(), 13)
    metric = next(m for m in at.metric if m.label == "Predicted revenue over the next 13 weeks")
    assert metric.value == f"{ahead['outcome'].sum():,.0f}"


def _app_with_fit(workspace_env, res, spec, frame) -> AppTest:
    """The app on the budget page with ``res`` in session state as a fit made while the sample was
    the current dataset (fits belong to their dataset: ui.state.per_dataset)."""
    ws = Workspace(workspace_env / "ws.duckdb")
    sample = ensure_sample(ws)  # the app finds this one, so its fingerprint is the sample's id
    ws.close()
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    app.session_state["mmm_fits"] = {sample: {"result": res, "spec": spec, "frame": frame}}
    return app.switch_page("app_pages/budget_optimiser.py").run()


@pytest.fixture
def fitted(workspace_env):
    """The app on the budget page with a quick weekly fit of simulated data in session state."""
    sim = simulate_mmm(80, ["tv", "search", "social"], seed=5)
    res = fit(sim.data, channels=["tv", "search", "social"], n_boot=10, n_starts=2)
    spec = FitSpec("sim", "simulated weekly", "sales", "date", "y", res.channels, (), "W", n_boot=10, n_starts=2)
    return _app_with_fit(workspace_env, res, spec, sim.data)


def test_budget_plan_with_lift_interval_and_scenarios(fitted):
    at = fitted
    assert errors_of(at) == []
    plan = _table(at, "recommended_spend")
    # default: current total per week over 13 weeks, each channel within +-50% of current
    total = at.number_input(key="budget_total").value
    assert plan["recommended_spend"].sum() == pytest.approx(13 * total, rel=1e-6)
    assert (plan["recommended_spend"] <= 1.5 * plan["current_spend"] + 1e-6).all()
    assert (plan["recommended_spend"] >= 0.5 * plan["current_spend"] - 1e-6).all()
    lift = {m.label: m for m in at.metric}["Expected lift"]
    assert "95% interval" in lift.delta  # attribution.defaults.INTERVAL_LEVEL
    # lift_pct is in percent: the metric shows it with a % sign, as 100 x lift / current response
    response = plan[["current_response", "recommended_response"]].sum()
    assert lift.value == f"{100 * (response['recommended_response'] / response['current_response'] - 1):+.1f}%"
    assert plan["change_pct"].to_numpy() == pytest.approx(
        (100 * (plan["recommended_spend"] / plan["current_spend"] - 1)).to_numpy())
    titles = set(_specs(at))
    assert {"Current vs recommended spend", "Marginal ROAS before and after"} <= titles

    at.button(key="budget_save").click().run()
    at.number_input(key="budget_total").set_value(round(total * 1.2)).run()
    at.text_input(key="budget_scenario_name").set_value("Bigger").run()
    at.button(key="budget_save").click().run()
    assert errors_of(at) == []
    totals = _table(at, "scenario")
    assert totals["scenario"].tolist() == ["Scenario 1", "Bigger"]
    assert totals["recommended_spend"].iloc[1] == pytest.approx(13 * round(total * 1.2), rel=1e-6)
    spend = _table(at, "Bigger")
    assert list(spend.columns) == ["channel", "Scenario 1", "Bigger"]


def test_a_plan_beyond_the_spend_seen_is_flagged(workspace_env):
    # a fit whose largest weekly spend seen is twice the mean: ±200 % bounds and 2.9 times the budget
    # put every channel near 2.9 times its mean, past what the model has seen
    sim = simulate_mmm(80, ["tv", "search", "social"], seed=5)
    res = fit(sim.data, channels=["tv", "search", "social"], n_boot=0, n_starts=2)
    res = dataclasses.replace(res, spend_scale={c: 2 * s for c, s in res.current_spend.items()})
    spec = FitSpec("sim", "simulated weekly", "sales", "date", "y", res.channels, (), "W", n_boot=0, n_starts=2)
    at = _app_with_fit(workspace_env, res, spec, sim.data)
    assert not [w for w in at.warning if "above the most the model has seen" in w.value]  # ±50 %: inside
    total = at.number_input(key="budget_total").value
    at.slider(key="budget_range").set_value(200).run()
    at.number_input(key="budget_total").set_value(round(total * 2.9)).run()
    assert errors_of(at) == []
    warned = [unescape(w.value) for w in at.warning if "above the most the model has seen" in unescape(w.value)]
    assert sorted(w.split(":")[0] for w in warned) == sorted(res.channels)


def test_infeasible_budget_names_the_constraint(fitted):
    at = fitted
    total = at.number_input(key="budget_total").value
    at.number_input(key="budget_total").set_value(10 * total).run()
    assert at.exception == []
    message = " ".join(e.value for e in at.error)
    assert "upper bounds add up to" in message and "raise some upper bounds" in message
    # a target-mode plan runs without a budget
    at.number_input(key="budget_total").set_value(total).run()
    at.selectbox(key="budget_mode").set_value("marginal_roas").run()
    assert errors_of(at) == [] and len(_table(at, "recommended_spend")) == 3
    # an unreachable target outcome says which limits to move
    at.selectbox(key="budget_mode").set_value("response").run()
    assert errors_of(at) == []
    at.number_input(key="budget_target").set_value(1e12).run()
    message = " ".join(e.value for e in at.error)
    assert at.exception == [] and "out of reach" in message and "raise upper bounds" in message


def test_bounds_table_to_optimiser_arguments():
    table = pd.DataFrame({"channel": ["a", "b", "c"], "current": [1.0, 2.0, 3.0], "min": [0.5, None, 1.0],
                          "max": [None, 4.0, 2.0], "locked": [False, True, None]})
    bounds, locked = bounds_from_table(table)
    assert bounds == {"a": (0.5, None), "b": (None, 4.0), "c": (1.0, 2.0)} and locked == ("b",)


def test_lift_tests_calibrate_the_fit(app):
    at = app.switch_page("app_pages/media_mix.py").run()
    at.radio(key="mmm_source").set_value("Upload a wide CSV").run()
    good = _wide_csv()
    at.file_uploader(key="mmm_upload").set_value(("weekly.csv", good, "text/csv")).run()
    key = upload_key(good)
    bad = b"channel,x,delta_x,delta_y,sigma\ntv_spend,1000,500,80,10\nradio,1000,500,80,10\n"
    at.file_uploader(key=f"mmm_lift_upload_{key}").set_value(("lift.csv", bad, "text/csv")).run()
    shown = [e.value.replace("\\", "") for e in at.error]  # user text is shown escaped
    assert at.exception == [] and any("row 2, column 'channel': 'radio' is not a channel" in e for e in shown)
    assert at.button(key="mmm_fit_go").proto.disabled
    tests = b"channel,x,delta_x,delta_y,sigma\ntv_spend,1000,-1000,-150,15\n"
    at.file_uploader(key=f"mmm_lift_upload_{key}").set_value(("lift.csv", tests, "text/csv")).run()
    assert any("1 lift test will calibrate the fit" in c.value for c in at.caption)
    at = _fit_on_page(at, n_boot=4, n_starts=1)
    assert errors_of(at) == []
    res = _fit(at)["result"]
    spec = _fit(at)["spec"]
    assert spec.lift_tests == (("tv_spend", 1000.0, -1000.0, -150.0, 15.0),)
    side = _table(at, "roas_calibrated")
    plain = fit(pd.read_csv(__import__("io").BytesIO(good), parse_dates=["date"]),
                **spec.fit_kwargs(calibrated=False)).channel_summary.set_index("channel")
    # the uncalibrated column is the same model fitted without the test; the calibrated one is the page's fit
    assert side.set_index("channel")["roas_uncalibrated"].to_dict() == pytest.approx(plain["roas"].to_dict())
    assert side.set_index("channel")["roas_calibrated"].to_dict() == pytest.approx(
        res.channel_summary.set_index("channel")["roas"].to_dict())
    checked = _table(at, "predicted_delta_y")
    assert checked["delta_y"].tolist() == [-150.0]
    assert checked["predicted_delta_y"].iloc[0] == pytest.approx(float(res.response("tv_spend", 0.0)
                                                                        - res.response("tv_spend", 1000.0)))


def test_saving_twice_under_the_same_name_keeps_both_scenarios(fitted):
    at = fitted
    at.button(key="budget_save").click().run()
    first = at.text_input(key="budget_scenario_name").value
    at.number_input(key="budget_total").set_value(round(at.number_input(key="budget_total").value * 1.2)).run()
    at.text_input(key="budget_scenario_name").set_value(first).run()
    at.button(key="budget_save").click().run()
    assert errors_of(at) == []
    totals = _table(at, "scenario")
    assert totals["scenario"].tolist() == [first, f"{first} (2)"]
    # the first plan was not replaced by the second
    assert totals["recommended_spend"].iloc[1] == pytest.approx(1.2 * totals["recommended_spend"].iloc[0], rel=1e-3)
    assert any(f"Saved as “{first} (2)” (“{first}” is taken" in unescape(s.value) for s in at.success)


def test_fit_and_scenarios_belong_to_their_dataset(fitted):
    at = fitted
    sample = next(iter(at.session_state["mmm_fits"]))
    at.button(key="budget_save").click().run()
    assert any("Model: **simulated weekly**" in c.value for c in at.caption)
    # another dataset: neither the fit nor its scenario is shown there
    at = _upload(at, "Touchpoints + conversions (+ spend)",
                 {"touchpoints": ("tp.csv", TOUCHES), "conversions": ("conv.csv", CONVERSIONS)})
    at.switch_page("app_pages/budget_optimiser.py").run()
    assert errors_of(at) == []
    assert not any("simulated weekly" in c.value for c in at.caption)
    assert any("none has been fitted on this dataset" in i.value for i in at.info)
    at.switch_page("app_pages/media_mix.py").run()
    assert any("press **Fit model**" in unescape(i.value) for i in at.info)
    assert not any("scenario" in d.value.columns for d in at.dataframe)
    # back on the sample, its fit and scenario are there again
    at.session_state["dataset_id"] = sample
    at.switch_page("app_pages/budget_optimiser.py").run()
    assert any("simulated weekly" in c.value for c in at.caption)
    assert _table(at, "scenario")["scenario"].tolist() == ["Scenario 1"]
