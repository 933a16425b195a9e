"""Result sections of the budget page: headline numbers, the plan table, charts and scenario comparison."""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from attribution import budget
from attribution.budget import BudgetResult
from attribution.errors import AttributionError
from attribution.mmm import MMMResult
from attribution.mmm.fit_spec import FitSpec
from ui import cache, charts_mmm
from ui.budget_controls import scenario_tables
from ui.downloads import csv_download, show_chart
from ui.text import plain

NUM = st.column_config.NumberColumn


def _span(plan: BudgetResult, unit: str) -> str:
    return f"per {unit}" if plan.periods == 1 else f"over {plan.periods:,} {unit}s"


def headline(plan: BudgetResult, spec: FitSpec) -> None:
    """Spend, expected outcome and lift (with its interval) of the plan against the current split."""
    span, what = _span(plan, spec.unit), spec.target_label
    a, b, c = st.columns(3)
    a.metric(f"Recommended spend {span}", f"{plan.recommended_spend:,.0f}",
             f"{plan.recommended_spend - plan.current_spend:+,.0f} vs current", delta_color="off")
    b.metric(f"Media-driven {what} {span}", f"{plan.recommended_response:,.0f}",
             f"{plan.lift:+,.0f} vs current split")
    lift = "—" if math.isnan(plan.lift_pct) else f"{plan.lift_pct:+.1f}%"  # lift_pct is in percent
    ci = ("no interval (the fit has no bootstrap)" if math.isnan(plan.lift_ci_low)
          else f"{plan.ci_level:.0%} interval {plan.lift_ci_low:+,.0f} to {plan.lift_ci_high:+,.0f}")
    c.metric("Expected lift", lift, ci, delta_color="off",
             help=f"Change in the media-driven {what} against spending the current amounts; the interval "
                  "comes from the bootstrap refits of the model.")
    for warning in plan.warnings:  # a channel planned above the most spend the model has seen
        st.warning(plain(warning))
    if plan.target_marginal_roas is not None:
        st.caption(f"Spend on each free channel until one more unit returns {plan.target_marginal_roas:,.2f} "
                   f"{what}.")
    st.caption(f"Responses are steady-state {what} {span} from media (carry-over included; the baseline comes on "
               f"top) under the model fitted on {spec.label}.")


def plan_table(plan: BudgetResult, spec: FitSpec) -> None:
    """Current vs recommended spend, response, ROAS and marginal ROAS per channel, with a CSV download."""
    span, what = _span(plan, spec.unit), spec.target_label
    config = {c: NUM(label, format="%,.0f") for c, label in (
        ("current_spend", f"Current spend {span}"), ("recommended_spend", f"Recommended spend {span}"),
        ("change", "Change"), ("current_response", f"Media-driven {what} now"),
        ("recommended_response", f"Media-driven {what} after"))}
    config.update({c: NUM(label, format="%.2f") for c, label in (
        ("current_roas", "ROAS now"), ("recommended_roas", "ROAS after"),
        ("current_marginal_roas", "Marginal ROAS now"), ("recommended_marginal_roas", "Marginal ROAS after"))})
    order = ["channel", "current_spend", "recommended_spend", "change", "change_pct", "current_response",
             "recommended_response", "current_roas", "recommended_roas", "current_marginal_roas",
             "recommended_marginal_roas", "locked"]
    st.dataframe(plan.allocation, hide_index=True, column_order=order, column_config={
        "channel": "Channel", "locked": "Locked", "change_pct": NUM("Change %", format="%+.1f%%"), **config})
    st.caption("The CSV also holds each channel's bounds over the plan.")
    csv_download(plan.allocation, "budget_plan.csv", "Download the plan (CSV)", key="dl_budget_plan")


def plan_charts(plan: BudgetResult, res: MMMResult, spec: FitSpec) -> None:
    """Spend bars, response curves with both points, and marginal ROAS before and after."""
    alloc, span, unit = plan.allocation, _span(plan, spec.unit), spec.unit
    show_chart(cache.figure(charts_mmm.spend_comparison, alloc,
                            {"current_spend": "Current", "recommended_spend": "Recommended"},
                            f"Spend {span}", "Current vs recommended spend"), "budget_spend")
    per = alloc.set_index("channel")[["current_spend", "recommended_spend"]] / plan.periods
    marks = {"Current": per["current_spend"].to_dict(), "Recommended": per["recommended_spend"].to_dict()}
    # draw the curves far enough right to show the recommended points
    ratio = (per["recommended_spend"] / per["current_spend"].where(per["current_spend"] > 0)).max()
    curves = res.response_curves(max_multiple=2.0 if pd.isna(ratio) else max(2.0, 1.2 * float(ratio)))
    show_chart(charts_mmm.response_curves(curves, marks, res.response, f"Spend per {unit}",
                                          f"{spec.target_label} per {unit}", "Response curves: current and recommended"),
               "budget_response")
    show_chart(cache.figure(
        charts_mmm.spend_comparison, alloc, {"current_marginal_roas": "Before", "recommended_marginal_roas": "After"},
        f"Extra {spec.target_label} per extra unit of spend", "Marginal ROAS before and after"), "budget_mroas")


def compare_scenarios(scenarios: dict[str, dict]) -> None:
    """Totals and per-channel spend of the chosen saved scenarios side by side, with downloads."""
    # keyed on the count so that a newly saved scenario joins the comparison
    names = st.multiselect("Scenarios to compare", list(scenarios), default=list(scenarios),
                           key=f"budget_compare_{len(scenarios)}")
    if not names:
        st.info("Pick at least one saved scenario.")
        return
    totals, spend = scenario_tables({n: scenarios[n] for n in names})
    if totals["fit"].nunique() > 1:
        st.warning("These scenarios come from different model fits, so their outcomes are not comparable.")
    st.dataframe(totals, hide_index=True, column_config={
        "scenario": "Scenario", "objective": "Objective", "periods": NUM("Periods", format="%d"),
        **{c: NUM(label, format="%,.0f") for c, label in (
            ("current_spend", "Current spend"), ("recommended_spend", "Recommended spend"),
            ("current_response", "Media-driven outcome now"), ("recommended_response", "Media-driven outcome after"),
            ("lift", "Lift"), ("lift_ci_low", "Lift low"), ("lift_ci_high", "Lift high"))},
        "lift_pct": NUM("Lift %", format="%+.1f%%"), "fit": "Model"})
    st.caption("Spend and outcome are totals over each scenario's plan length; low/high: the bootstrap interval "
               "of the lift.")
    csv_download(totals, "budget_scenarios.csv", "Download scenario totals (CSV)", key="dl_budget_scen")
    st.dataframe(spend, hide_index=True, column_config={"channel": "Channel",
                                                        **{n: NUM(n, format="%,.0f") for n in names}})
    csv_download(spend, "budget_scenarios_spend.csv", "Download spend by scenario (CSV)", key="dl_budget_scen_spend")
    unit = scenarios[names[0]]["unit"]
    show_chart(cache.figure(charts_mmm.spend_comparison, spend, {n: n for n in names},
                            f"Recommended spend (plan total, {unit}s as set per scenario)",
                            "Recommended spend by scenario"), "budget_scenarios")



def forward_look(plan: BudgetResult, res: MMMResult, spec: FitSpec, frame: pd.DataFrame) -> None:
    """Predicted outcome per period for the next periods under the recommended plan, with intervals."""
    unit = spec.unit
    n = st.number_input(f"Periods to look ahead ({unit}s)", 1, 156, min(plan.periods, 104 if spec.freq == "W" else 365),
                        key="budget_forecast_periods", help="Predicted outcome per period when the recommended "
                        "spend per period is kept up for this many periods.")
    try:
        ahead = budget.forecast(res, frame, plan.recommended_per_period, int(n), date=spec.date)
    except AttributionError as err:
        st.error(plain(err))
        return
    a, b = st.columns(2)
    a.metric(f"Predicted {spec.target_label} over the next {n:,} {unit}s", f"{ahead['outcome'].sum():,.0f}",
             help="Sum of the predicted outcome per period (baseline + media with carry-over).")
    b.metric("Of which media", f"{ahead['media'].sum():,.0f}")
    recent = res.fitted.tail(min(len(res.fitted), 2 * int(n)))
    show_chart(cache.figure(charts_mmm.forecast_band, recent, ahead, f"{spec.target_label} per {unit}",
                            f"Forward look: {spec.target_label} per {unit} under the recommended plan"),
               "budget_forecast")
    st.caption(f"Band: {res.ci_level:.0%} interval per {unit} (media-curve uncertainty from the bootstrap plus the "
               f"fit's noise). The trend continues its last segment, seasonality repeats, controls stay at their "
               "average, events do not recur, and past spend's carry-over fades out while the plan's builds up.")
    csv_download(ahead, "budget_forecast.csv", "Download the forward look (CSV)", key="dl_budget_forecast")
