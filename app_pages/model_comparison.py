"""Model comparison: every attribution model side by side on the current journeys."""
import streamlit as st

from attribution.models import MODEL_SPECS
from attribution.models.summary import compare_two, credit_table
from attribution.reports import figures
from attribution.reports.export import export_decimals
from attribution.uncertainty import summarise
from ui import cache
from ui.confidence import bootstrap_draws, ci_controls, interval_table, labelled, show_interval_table
from ui.downloads import csv_download, excel_download, show_chart
from ui.model_controls import model_picker
from ui.model_details import model_details
from ui.page_start import journeys_or_stop
from ui.report_button import report_button

st.title("Model comparison")
ds, settings, data = journeys_or_stop()
names, params = model_picker(data, cache.stages(ds))
if not names:
    st.info("Pick at least one model.")
    st.stop()
results, failures = cache.compare(ds, settings, names, params)
for name, message in failures.items():
    st.warning(f"{MODEL_SPECS[name].label} could not run: {message}")
if results.empty:
    st.stop()
ci = None
if st.toggle("Show confidence intervals", key="show_ci",
             help="Bootstrap: resample journeys with replacement and rerun every model on each replicate."):
    n_boot, level, seed = ci_controls("mc")
    draws = bootstrap_draws(ds, settings, [n for n in names if n not in failures], params, n_boot, seed)
    ci = labelled(summarise(draws, level)) if draws is not None else None
results = labelled(results)

left, right = st.columns([4, 1])
left.caption(f"{data.total_conversions:,.0f} conversions and {data.total_revenue:,.2f} revenue "
             f"credited across {len(data.channels)} channels.")
with right:
    report_button(ds, settings, results=results if ci is None else ci, failures=failures, params=params,
                  level=None if ci is None else level)
metric = st.radio("Show", ["conversions", "revenue", "share"], horizontal=True, key="metric",
                  format_func=str.capitalize)
wide = cache.derived(credit_table, results, metric)
st.dataframe(wide, hide_index=True, column_config={
    m: st.column_config.NumberColumn(format="percent" if metric == "share" else "%.1f") for m in wide.columns[1:]})
csv_download(wide, f"credit_{metric}.csv", key="dl_wide", decimals=export_decimals(metric))
if ci is None:
    show_chart(cache.figure(figures.grouped_bars, results, metric, f"{metric.capitalize()} by channel and model"),
               f"{metric}_by_model")
else:
    show_chart(cache.figure(figures.bars_with_intervals, ci, metric, f"{metric.capitalize()} by channel and model, "
                                           f"{level:.0%} intervals"), f"{metric}_by_model")
    show_interval_table(interval_table(ci, metric), metric, level, f"intervals_{metric}.csv")
show_chart(cache.figure(figures.heatmap, cache.derived(credit_table, results, "share"), title="Share of credit"),
           "share_heatmap")
csv_download(results, "credit_all_models.csv", "Download all results (long format)", key="dl_long")
excel_download({m: cache.derived(credit_table, results, m) for m in ("conversions", "revenue", "share")}
               | {"all results": results},
               "model_comparison.xlsx", key="xl_models")
model_details(ds, settings, params)

st.subheader("Compare two models")
labels = list(dict.fromkeys(results["model"]))
if len(labels) < 2:
    st.info("Pick two or more models to compare them.")
    st.stop()
left, right = st.columns(2)
baseline = left.selectbox("Baseline model", labels, index=labels.index("Last touch") if "Last touch" in labels else 0)
other = right.selectbox("Compared model", [m for m in labels if m != baseline])
comparison = cache.derived(compare_two, results, baseline, other, metric if metric != "share" else "conversions")
show_chart(cache.figure(figures.change_bars, comparison, baseline, other, f"{other} vs {baseline}"),
           "model_vs_baseline")
st.dataframe(comparison, hide_index=True, column_config={
    "change_pct": st.column_config.NumberColumn("% change", format="%+.1f%%")})
csv_download(comparison, "model_vs_baseline.csv", key="dl_cmp")
