"""Sections of the media-mix page that show a fit: headline numbers, charts and tables with downloads."""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from attribution.engine.base import Dataset
from attribution.mmm import SATURATION_FORM_WARNING, MMMResult
from attribution.mmm.fit_spec import ADSTOCK_LABELS, FREQ_LABELS, SATURATION_LABELS, FitSpec
from attribution.mmm.truth import compare_with_truth
from ui import cache, cache_mmm, cache_validation, charts_mmm, mmm_lift
from ui.downloads import csv_download, excel_download, show_chart
from ui.text import plural

NUM = st.column_config.NumberColumn
DIAGNOSTICS = {  # key -> (label, format, what it says)
    "r2": ("R²", "{:.3f}", "share of the outcome's variation explained on the fitted periods"),
    "adj_r2": ("Adjusted R²", "{:.3f}", "R² penalised for the number of parameters"),
    "nrmse": ("NRMSE", "{:.1%}", "root mean squared error / range of the outcome"),
    "mape": ("MAPE", "{:.1%}", "mean absolute percentage error on the fitted periods"),
    "durbin_watson": ("Durbin–Watson", "{:.2f}", "about 2 when residuals are not autocorrelated"),
    "holdout_mape": ("Hold-out MAPE", "{:.1%}", "percentage error on periods the fit did not see"),
    "holdout_nrmse": ("Hold-out NRMSE", "{:.1%}", "NRMSE on periods the fit did not see"),
    "n_obs": ("Periods fitted", "{:,}", ""),
    "n_holdout": ("Hold-out periods", "{:,}", ""),
    "n_params": ("Parameters", "{:,}", "level, trend, seasonality, events, controls and each channel's adstock, saturation and coefficient"),
    "aic": ("AIC", "{:,.1f}", "lower is better (same data only)"),
    "bic": ("BIC", "{:,.1f}", "lower is better (same data only)"),
    "n_boot": ("Bootstrap replicates", "{:,}", "refits used for the intervals"),
    "boot_failures": ("Failed replicates", "{:,}", "refits that did not converge (left out)"),
}


def diagnostics_table(diag: dict) -> pd.DataFrame:
    """``metric, value, meaning`` rows for the fit diagnostics (values formatted for reading)."""
    rows = []
    for key, (label, fmt, meaning) in DIAGNOSTICS.items():
        v = diag.get(key)
        text = "—" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)
        rows.append({"metric": label, "value": text, "meaning": meaning})
    rows.append({"metric": "Converged", "value": "yes" if diag.get("converged") else "no", "meaning": ""})
    return pd.DataFrame(rows)


def fit_warnings(res: MMMResult) -> list[str]:
    """Plain-language warnings about a fit that should not be trusted as it stands."""
    d = res.diagnostics
    # The library's own checks: baseline held at or below zero, parameters at a limit, flat channels.
    out = list(d.get("warnings", []))
    if not d.get("converged", True):
        out.append("The fit did not fully converge; try more random starts (Advanced fit settings).")
    if d.get("boot_failures"):
        out.append(f"{d['boot_failures']} of {d['boot_failures'] + d['n_boot']} bootstrap refits failed and "
                   "were left out of the intervals.")
    hold = d.get("holdout_mape", float("nan"))
    if not math.isnan(hold) and hold > max(0.2, 2 * d.get("mape", 0)):
        out.append(f"Hold-out error ({hold:.0%}) is far above the in-sample error ({d['mape']:.0%}): the model "
                   "forecasts poorly, so treat its numbers as rough.")
    return out


def headline(res: MMMResult, spec: FitSpec) -> None:
    """What was fitted, the key diagnostics as metrics, and any warnings."""
    d = res.diagnostics
    st.caption(f"Fitted on **{spec.label}**: {d['n_obs']:,} {FREQ_LABELS[spec.freq].lower()} periods "
               f"(+ {d['n_holdout']:,} hold-out), {plural(len(res.channels), 'channel')}, "
               f"{plural(len(res.controls), 'control')}; "
               f"{ADSTOCK_LABELS[res.adstock].split(' (')[0].lower()} adstock over {res.max_lag} {spec.unit}s, "
               f"saturation: {SATURATION_LABELS[res.saturation].split(' (')[0]}. Intervals: {res.ci_level:.0%}, "
               f"{d['n_boot']} bootstrap replicates.")
    cols = st.columns(5)
    for col, key in zip(cols, ("r2", "adj_r2", "nrmse", "mape", "holdout_mape"), strict=True):
        label, fmt, meaning = DIAGNOSTICS[key]
        v = d.get(key, float("nan"))
        col.metric(label, "—" if math.isnan(v) else fmt.format(v), help=meaning)
    for text in fit_warnings(res):
        st.warning(text)
    model_choice(res, spec)


SELECTION_COLUMNS = {"step": "Choice", "trend_segments": "Trend segments", "max_lag": "Carry-over window",
                     "adstock": "Adstock", "saturation": "Saturation", "n_params": "Parameters",
                     "r2": "R²", "delta_bic": "BIC vs best", "holdout_mape": "Hold-out MAPE", "chosen": "Chosen"}


STEP_LABELS = {"trend": "Trend", "max_lag": "Carry-over window", "forms": "Adstock & saturation"}


def model_choice(res: MMMResult, spec: FitSpec) -> None:
    """What the automatic choices picked and the candidates they compared (fit and ROAS per channel)."""
    d = res.diagnostics
    table = d.get("selection")
    segments = d.get("trend_segments", 1)
    trend_text = "no trend" if not segments else ("a straight-line trend" if segments == 1
                                                   else f"a trend of {segments} straight segments")
    st.caption(f"Baseline: {trend_text}; carry-over window {res.max_lag} {spec.unit}s; "
               f"{ADSTOCK_LABELS[res.adstock].split(' (')[0].lower()} adstock, {SATURATION_LABELS[res.saturation].split(' (')[0]} "
               "saturation.")
    if table is None or table.empty:
        return
    with st.expander("How the model was chosen (candidates compared)"):
        for note in d.get("choices", []):
            st.text(note)
        roas_cols = {f"roas_{ch}": NUM(f"ROAS {ch}", format="%.2f") for ch in res.channels}
        config = dict(SELECTION_COLUMNS)
        config["r2"] = NUM("R²", format="%.3f", help="share of the outcome's variation explained on the fitted periods")
        config["holdout_mape"] = NUM("Hold-out MAPE", format="%.1f%%",
                                     help="percentage error on the latest periods the fit did not see (blank without a hold-out)")
        config["delta_bic"] = NUM("BIC vs best", format="%.1f",
                                  help="BIC minus the lowest BIC; lower is better, under 2 is about as good")
        config["max_lag"] = NUM(f"Carry-over window ({spec.unit}s)", format="%d")
        shown = table.assign(step=table["step"].map(STEP_LABELS).fillna(table["step"]),
                             holdout_mape=100 * table["holdout_mape"])
        st.dataframe(shown, hide_index=True, column_order=[*SELECTION_COLUMNS, *roas_cols],
                     column_config={**config, **roas_cols})
        st.caption("Each candidate is a quick fit (no ROAS prior) of the same data; the choices are made one at a "
                   "time (trend, then carry-over, then forms). Candidates within a few BIC points fit about "
                   "equally well: if their ROAS differ, the answer depends on the choice, so treat it as uncertain.")
        csv_download(table, "mmm_model_selection.csv", key="dl_mmm_selection")


def _summary_view(summary: pd.DataFrame, unit: str, level: float) -> tuple[list[str], dict]:
    """Column order (each interval right after its value) and labels of the channel summary."""
    formats = {"contribution": "%,.0f", "share": "percent", "roas": "%.2f", "marginal_roas": "%.2f"}
    labels = {"contribution": "Contribution", "share": "Share of media", "roas": "ROAS", "marginal_roas": "Marginal ROAS"}
    order = ["channel", "spend", "spend_per_period"]
    config = {"channel": "Channel", "spend": NUM("Spend (fit range)", format="%,.0f"),
              "spend_per_period": NUM(f"Spend / {unit}", format="%,.0f")}
    for key, fmt in formats.items():
        order.append(key)
        config[key] = NUM(labels[key], format=fmt)
        if f"{key}_ci_low" in summary:
            order += [f"{key}_ci_low", f"{key}_ci_high"]
            config[f"{key}_ci_low"] = NUM(f"{labels[key]} low ({level:.0%})", format=fmt)
            config[f"{key}_ci_high"] = NUM(f"{labels[key]} high ({level:.0%})", format=fmt)
    return order, config


def _height(frame: pd.DataFrame) -> int:
    """Pixel height that shows every row of a short table without an inner scroll bar."""
    return 35 * (len(frame) + 1) + 3


def fit_tab(res: MMMResult, spec: FitSpec) -> None:
    """Actual vs fitted, and the decomposition into components."""
    y = f"{spec.target_label} per {spec.unit}"
    show_chart(cache.figure(charts_mmm.actual_vs_fitted, res.fitted, y, "Actual vs fitted"),
               "mmm_actual_vs_fitted")
    csv_download(res.fitted, "mmm_fitted.csv", key="dl_mmm_fitted")
    show_chart(cache.figure(charts_mmm.contribution_stack, res.contributions, y,
                            f"Where the {spec.target_label} comes from"), "mmm_contributions")
    csv_download(res.contributions, "mmm_contributions.csv", key="dl_mmm_contrib")


def roas_tab(res: MMMResult, spec: FitSpec, frame: pd.DataFrame) -> None:
    """Channel summary table, the ROAS / marginal ROAS chart and, with lift tests, the calibration."""
    order, config = _summary_view(res.channel_summary, spec.unit, res.ci_level)
    st.dataframe(res.channel_summary, hide_index=True, column_order=order, column_config=config)
    st.caption(f"ROAS = contribution / spend over the fit range; marginal ROAS = extra {spec.target_label} from "
               f"one more unit of spend per {spec.unit} at the current level. Low/high: {res.ci_level:.0%} "
               "bootstrap interval.")
    csv_download(res.channel_summary, "mmm_channel_summary.csv", key="dl_mmm_summary")
    show_chart(cache.figure(charts_mmm.roas_bars, res.channel_summary, "ROAS and marginal ROAS by channel"),
               "mmm_roas")
    if spec.lift_tests:
        with st.spinner("Fitting the same model without the lift tests, for comparison…"):
            uncalibrated = cache_mmm.fit(frame, spec.source_key, spec.fit_kwargs(calibrated=False))
        mmm_lift.calibration_view(res, uncalibrated)


def curves_tab(res: MMMResult, spec: FitSpec) -> None:
    """Response curves with current spend marked, and the adstock decay shapes."""
    curves = res.response_curves()
    show_chart(charts_mmm.response_curves(curves, {"Current": res.current_spend}, res.response,
                                          f"Spend per {spec.unit}", f"{spec.target_label} per {spec.unit}",
                                          "Response curves (steady state, carry-over included)"), "mmm_response")
    csv_download(curves, "mmm_response_curves.csv", key="dl_mmm_curves")
    weights = res.adstock_weights()
    show_chart(cache.figure(charts_mmm.adstock_decay, weights, spec.unit,
                            "Carry-over: how a period's spend effect fades"), "mmm_adstock")
    csv_download(weights, "mmm_adstock_weights.csv", key="dl_mmm_adstock")


def diagnostics_tab(res: MMMResult) -> None:
    """Diagnostics and parameter tables."""
    table = diagnostics_table(res.diagnostics)
    st.markdown("**Fit diagnostics**")
    st.dataframe(table, hide_index=True, height=_height(table), column_config={
        "metric": "Metric", "value": "Value", "meaning": "What it says"})
    csv_download(table, "mmm_diagnostics.csv", key="dl_mmm_diag")
    st.markdown("**Parameters**")
    st.caption("Per channel: adstock and saturation parameters (saturation acts on spend / the largest spend) "
               "and beta, the outcome per period at full saturation. Controls: outcome per unit of the control.")
    st.dataframe(res.params, hide_index=True, column_config={
        "channel": "Channel or component", "param": "Parameter", "value": NUM("Estimate", format="%,.4g"),
        "ci_low": NUM(f"Low ({res.ci_level:.0%})", format="%,.4g"),
        "ci_high": NUM(f"High ({res.ci_level:.0%})", format="%,.4g")})
    csv_download(res.params, "mmm_parameters.csv", key="dl_mmm_params")


def forms_tab(frame: pd.DataFrame, spec: FitSpec) -> pd.DataFrame | None:
    """Fit statistics of each saturation form, with the warning that fit does not prove the form."""
    st.warning(SATURATION_FORM_WARNING)
    if not st.toggle("Compare the saturation forms (refits the model once per form, no bootstrap)",
                     key="mmm_compare_forms"):
        return None
    with st.spinner("Fitting each saturation form…"):
        table = cache_mmm.compare_saturation(frame, spec.source_key, spec.fit_kwargs())
    st.dataframe(table, hide_index=True, column_config={
        "form": "Saturation form", "r2": NUM("R²", format="%.3f"), "adj_r2": NUM("Adj. R²", format="%.3f"),
        **{k: NUM(k.replace("_", " ").upper().replace("HOLDOUT", "Hold-out"), format="percent")
           for k in ("nrmse", "mape", "holdout_mape", "holdout_nrmse")},
        "aic": NUM("AIC", format="%,.1f"), "bic": NUM("BIC", format="%,.1f")})
    csv_download(table, "mmm_saturation_forms.csv", key="dl_mmm_forms")
    return table


def all_tables(res: MMMResult, extra: dict[str, pd.DataFrame] | None = None) -> None:
    """One Excel workbook with every table of the fit."""
    tables = {"channel_summary": res.channel_summary, "fitted": res.fitted, "contributions": res.contributions,
              "parameters": res.params, "diagnostics": diagnostics_table(res.diagnostics),
              "response_curves": res.response_curves(), "adstock_weights": res.adstock_weights(), **(extra or {})}
    excel_download(tables, "media_mix_model.xlsx", key="xl_mmm")


def truth_section(res: MMMResult, spec: FitSpec, ds: Dataset | None) -> None:
    """On the built-in sample: each channel's fitted ROAS against the simulator's true ROAS."""
    if ds is None or not spec.source_key.startswith(f"{ds.fingerprint}|") or spec.target_label != "revenue":
        return
    daily = cache_validation.daily_truth(ds)
    if daily is None:
        return
    table = compare_with_truth(res, daily)
    if table.empty:
        return
    st.markdown("**Compared with the simulator's truth**")
    st.caption("This is the built-in simulated sample, so each channel's true ROAS is known: the simulator re-ran "
               "the same random draws with the channel switched off, and the revenue that disappeared is its true "
               "effect (over the fitted periods, hold-out excluded). The Validation page does the same for the "
               "attribution models.")
    st.dataframe(table, hide_index=True, column_config={
        "channel": "Channel", "roas": NUM("Model ROAS", format="%.2f"), "true_roas": NUM("True ROAS", format="%.2f"),
        "error": NUM("Error", format="percent"), "roas_ci_low": NUM(f"Low ({res.ci_level:.0%})", format="%.2f"),
        "roas_ci_high": NUM(f"High ({res.ci_level:.0%})", format="%.2f"), "covered": "Interval covers truth"},
        column_order=["channel", "roas", "roas_ci_low", "roas_ci_high", "true_roas", "error", "covered"])
    worst = float(table["error"].abs().max())
    if worst > 0.25:
        st.warning(f"Some channel's ROAS is {worst:.0%} away from the truth: with these settings and periods the "
                   "model cannot separate the channels well. The default weekly fit of the whole two-year sample "
                   "recovers every channel within 25 %; shorter ranges, fewer periods or other forms are noisier, "
                   "and lift tests pin channels down.")
    csv_download(table, "mmm_vs_truth.csv", key="dl_mmm_truth")
