"""The sections of the Validation page (agreement, predictive checks, ground truth)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from attribution.engine.base import Dataset
from attribution.journeys.settings import JourneySettings
from attribution.models import MODEL_SPECS
from attribution.models.logistic import RIDGE_FIT
from attribution.reports import figures
from attribution.reports.html import format_p_value
from attribution.uncertainty import model_difference, rank_correlation, truth_errors
from ui import cache, cache_validation
from ui import charts_validation as vcharts
from ui.confidence import labelled
from ui.downloads import csv_download, show_chart

TRUTH_STAGE = "purchase"  # the simulator's truth counts purchases


def agreement(results: pd.DataFrame, draws, metric: str, level: float) -> None:
    """Rank correlation heatmap, and the paired difference of two chosen models."""
    corr = cache.derived(rank_correlation, labelled(results), metric)
    show_chart(cache.figure(figures.heatmap, corr, index="model", fmt=".2f", zmid=0.0,
                            title=f"Rank correlation of channel {metric} (Spearman)"), "rank_agreement")
    csv_download(corr, "rank_agreement.csv", key="dl_rank")
    names = list(draws.models)
    if len(names) < 2:
        st.info("Pick two or more models to compare their difference per channel.")
        return
    left, right = st.columns(2)
    label = {n: MODEL_SPECS[n].label for n in names}
    first = left.selectbox("Model", names, format_func=label.get, key="val_first")
    second = right.selectbox("Minus model", [n for n in names if n != first], format_func=label.get, key="val_second")
    diff = cache.derived(model_difference, draws, first, second, metric, level).rename(columns=label)
    show_chart(cache.figure(vcharts.difference_bars, diff, label[first], label[second],
                            f"{label[first]} − {label[second]} with {level:.0%} interval"), "model_difference")
    st.caption("Both models were run on the same bootstrap replicates, so the interval accounts for their "
               "correlation. Grey bars: the interval includes 0 (no clear difference).")
    st.dataframe(diff, hide_index=True)
    csv_download(diff, "model_difference.csv", key="dl_diff")


def predictive(ds: Dataset, settings: JourneySettings, level: float) -> None:
    """Markov order AUC chart and the logistic coefficients table."""
    checks, why = cache_validation.predictive(ds, settings)
    if checks is None:
        st.info(f"Predictive checks need journeys that did not convert. {why}")
        return
    show_chart(cache.figure(vcharts.auc_by_order, checks, "Hold-out AUC (30 % of journeys held out)"), "holdout_auc")
    st.dataframe(checks, hide_index=True)
    csv_download(checks, "holdout_auc.csv", key="dl_auc")
    coefs, why = cache_validation.coefficients(ds, settings, level=level)
    st.subheader("Logistic regression coefficients")
    if coefs is None:
        st.info(why)
        return
    if coefs["fit"].eq(RIDGE_FIT).any():
        st.caption("The unpenalised fit failed (separation or collinearity); these come from the ridge fit.")
    # p-values as text ("< 1e-16", 3 significant digits); the CSV keeps the numbers
    st.dataframe(coefs.assign(p_value=coefs["p_value"].map(format_p_value)), hide_index=True)
    csv_download(coefs, "logistic_coefficients.csv", key="dl_coef")


def ground_truth(ds: Dataset, settings: JourneySettings, results: pd.DataFrame) -> None:
    """Each model's error against the simulator's true incremental conversions."""
    truth = cache_validation.truth(ds)
    if truth is None:
        st.info("The true effect of each channel is known only for simulated data. Open the built-in "
                "sample on the **Data** page to see how far each model is from the truth.")
        return
    if settings.channel_rules:
        # switching off a group is a different experiment from switching off each of its channels
        # (the effects do not add up), so grouped credit has no truth to compare with
        st.info("The truth is known per original channel: remove the **Channel groups** in the sidebar to "
                "compare the models with it.")
        return
    st.caption("Truth = purchases lost if a channel were switched off (re-simulated with the same random "
               "draws). Models split every purchase, including those that would happen anyway, so compare "
               "shares; absolute errors include that baseline.")
    if settings.stage != TRUTH_STAGE:
        st.warning(f"The truth counts purchases: pick the **{TRUTH_STAGE}** conversion stage in the sidebar "
                   "to compare like with like.")
    per_channel, summary = cache.derived(truth_errors, labelled(results), truth)
    show_chart(cache.figure(vcharts.error_summary, summary, "Share of credit on the wrong channels"), "truth_summary")
    st.dataframe(summary, hide_index=True, column_config={
        "share_error": st.column_config.NumberColumn(format="percent"),
        "mape": st.column_config.NumberColumn("MAPE", format="percent")})
    csv_download(summary, "truth_summary.csv", key="dl_truth_summary")
    show_chart(cache.figure(vcharts.truth_bars, per_channel, "Share of credit vs true incremental share"),
               "truth_by_channel")
    st.dataframe(per_channel, hide_index=True)
    csv_download(per_channel, "truth_by_channel.csv", key="dl_truth_channel")
