"""Validation: how certain each model's credit is, whether models agree, how well they predict."""
import streamlit as st

from attribution.models import MODEL_SPECS
from attribution.uncertainty import summarise
from ui import cache, validation_views
from ui import charts_validation as vcharts
from ui.confidence import bootstrap_draws, ci_controls, interval_table, labelled, show_interval_table
from ui.downloads import show_chart
from ui.model_controls import model_picker
from ui.page_start import journeys_or_stop

st.title("Validation")
ds, settings, data = journeys_or_stop()
names, params = model_picker(data, cache.stages(ds), key="val_models")
if not names:
    st.info("Pick at least one model.")
    st.stop()
n_boot, level, seed = ci_controls("val")
results, failures = cache.compare(ds, settings, names, params)
for name, message in failures.items():
    st.warning(f"{MODEL_SPECS[name].label} could not run: {message}")
names = [n for n in names if n not in failures]
draws = bootstrap_draws(ds, settings, names, params, n_boot, seed) if names else None
if draws is None:
    st.stop()
metric = st.radio("Show", ["conversions", "revenue", "share"], horizontal=True, key="val_metric",
                  format_func=str.capitalize)

intervals, agreement, predictive, truth = st.tabs(["Confidence intervals", "Model agreement",
                                                   "Predictive checks", "Ground truth"])
with intervals:
    ci = labelled(cache.derived(summarise, draws, level))
    show_chart(cache.figure(vcharts.forest_plot, ci, metric,
                            f"{metric.capitalize()} by channel with {level:.0%} intervals"),
               "confidence_intervals")
    failed = {MODEL_SPECS[m].label: n for m, n in draws.failed.items() if n}
    if failed:
        st.caption("Replicates a model could not fit (left out of its interval): "
                   + ", ".join(f"{m} {n}" for m, n in failed.items()))
    show_interval_table(interval_table(ci, metric), metric, level, f"intervals_{metric}.csv")
with agreement:
    validation_views.agreement(results, draws, metric, level)
with predictive:
    validation_views.predictive(ds, settings, level)
with truth:
    validation_views.ground_truth(ds, settings, results)
