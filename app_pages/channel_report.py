"""Channel report: spend, attributed conversions and revenue, CPA (= CPO) and ROAS per channel."""
import streamlit as st

from attribution.errors import AttributionError
from attribution.models import MODEL_SPECS, supported_models
from ui import cache, cache_reports
from ui import charts_reports as charts
from ui.downloads import csv_download, excel_download, show_chart
from ui.page_start import journeys_or_stop
from ui.report_button import report_button
from ui.report_tables import export_table, long_report_table, report_table
from ui.text import plain

FREQS = {"Day": "day", "Week": "week", "Month": "month"}
SPEND_NOTES = {
    "spend table": "Spend comes from the dataset's **spend table**, by spend date, in the sidebar's date range.",
    "touch cost": "No spend table: spend is the **summed cost of the touchpoints**, by touch date.",
    "none": "No spend table and no touch costs: spend, CPA and ROAS stay empty. Add a spend file on the "
            "**Data** page to see them."}

st.title("Channel report")
ds, settings, data = journeys_or_stop()
labels = {MODEL_SPECS[n].label: n for n in supported_models(data)}
if not labels:
    st.info("No attribution model can run on this data. Load touchpoints and conversions on the **Data** page.")
    st.stop()
c1, c2, c3, c4 = st.columns(4)
first = c1.selectbox("Model", list(labels), key="cr_model",
                     index=list(labels.values()).index("linear") if "linear" in labels.values() else 0)
second = c2.selectbox("Compare with", ["(none)", *[m for m in labels if m != first]], key="cr_other")
freq_label = c3.selectbox("Period", list(FREQS) if ds.has_touches else [], key="cr_freq",
                          index=1 if ds.has_touches else None,
                          disabled=not ds.has_touches, help="Aggregated paths have no dates.")
date_by = c4.radio("Date credit by", ["conversion", "touch"], horizontal=True, key="cr_date_by",
                   help="Conversion date (like GA4), or the date of each credited touch (like the IHC "
                        "channel_reporting table).")
models = [labels[first]] + ([labels[second]] if second != "(none)" else [])
st.caption(SPEND_NOTES[cache_reports.spend_source(ds, settings)])
try:
    overall = cache_reports.channel_reports(ds, settings, models, None, date_by)
    periodic = cache_reports.channel_reports(ds, settings, models, FREQS[freq_label], date_by) if freq_label else None
except AttributionError as err:
    st.error(plain(err))
    st.stop()

st.subheader("Whole date range")
columns = st.columns(len(models))
for col, name in zip(columns, models, strict=True):
    col.markdown(f"**{MODEL_SPECS[name].label}**")
    with col:
        report_table(overall[overall["model"] == name].drop(columns="model"))
st.caption("An empty CPA means no attributed conversions; an empty ROAS means no spend; an empty conversion "
           "rate means no touches. Dividing by zero is never shown as 0 or infinity.")
csv_download(cache.derived(export_table, overall), "channel_report.csv", key="dl_overall")
left, right = st.columns(2)
with left:
    show_chart(cache.figure(charts.metric_bars, overall, "cpa", "CPA (cost per order) by channel"), "cpa_by_channel")
with right:
    show_chart(cache.figure(charts.metric_bars, overall, "roas", "ROAS by channel"), "roas_by_channel")

tables = {"channel_report": cache.derived(export_table, overall)}
if periodic is not None:
    st.subheader(f"By {FREQS[freq_label]}")
    metric = st.selectbox("Trend of", list(charts.METRIC_LABELS), index=2, key="cr_metric",
                          format_func=charts.METRIC_LABELS.get)
    show_chart(cache.figure(charts.trend_lines, periodic, metric,
                            f"{charts.METRIC_LABELS[metric]} by {FREQS[freq_label]}"),
               f"{metric}_by_{FREQS[freq_label]}")
    long_report_table(periodic)
    csv_download(cache.derived(export_table, periodic), f"channel_report_by_{FREQS[freq_label]}.csv", key="dl_periodic")
    tables[f"by_{FREQS[freq_label]}"] = cache.derived(export_table, periodic)

st.subheader("Export")
if ds.has_touches:
    ihc = cache_reports.ihc_channel_reporting(ds, settings, labels[first], date_by)
    tables["channel_reporting"] = ihc
    csv_download(ihc, f"channel_reporting_{labels[first]}.csv", "Download channel_reporting (IHC shape, daily)",
                 key="dl_ihc")
    st.caption(f"Columns ihc and ihc_revenue carry the {first} model's credit.")
excel_download(tables, "channel_report.xlsx", key="xl_channel_report")
report_button(ds, settings, key="report_channels")
