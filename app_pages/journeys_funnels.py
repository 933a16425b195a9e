"""Journeys & funnels: funnel by stage, conversion paths, credit by journey phase, flows, overlap."""
import streamlit as st

from attribution.errors import AttributionError
from attribution.models import MODEL_SPECS, supported_models
from attribution.reports.conversion_paths import PATH_REPORT_COLUMNS, filter_paths
from ui import cache, cache_reports
from ui import charts_reports as charts
from ui.downloads import csv_download, show_chart
from ui.page_start import journeys_or_stop
from ui.text import plain

SOURCES = {"stage": "Conversion stages", "interaction": "Touch interactions"}
PCT = st.column_config.NumberColumn(format="percent")

st.title("Journeys & funnels")
ds, settings, data = journeys_or_stop(need_conversions=False)
funnel_tab, paths_tab, stage_tab, flow_tab = st.tabs(
    ["Funnel", "Conversion paths", "Credit by journey phase", "Flows & overlap"])

with funnel_tab:
    source = st.radio("Steps from", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="fn_source")
    options = cache_reports.funnel_steps(ds, source) if ds.has_touches else []
    if not options:
        st.info(f"This dataset has no {SOURCES[source].lower()}. Map a stage (conversions) or interaction "
                "(touchpoints) column on the **Data** page to see a funnel.")
    else:
        steps = st.multiselect("Steps, in funnel order", options, default=options, key=f"fn_steps_{source}")
        first = st.multiselect("First-touch channel", cache.channels(ds), key="fn_first",
                               help="Only users whose first touch was on these channels (empty: everyone).")
        table = cache_reports.funnel(ds, steps, source, settings.start, settings.end, first) if steps else None
        if table is None or table["users"].sum() == 0:
            st.info("No user reached these steps in the sidebar's date range: pick other steps or channels.")
        else:
            show_chart(cache.figure(charts.funnel_chart, table, "Users reaching each step (in order)"), "funnel")
            st.dataframe(table, hide_index=True, column_config={"step_rate": PCT, "overall_rate": PCT})
            st.caption("users: reached every earlier step first; users_any: reached this step at all. "
                       "Events in the sidebar's date range count.")
            csv_download(table, "funnel.csv", key="dl_funnel")

with paths_tab:
    report = cache_reports.path_view(ds, settings, "paths")
    left, mid, right = st.columns([3, 2, 1])
    search = left.text_input("Search paths", key="pr_search", placeholder="e.g. Email")
    sort_by = mid.selectbox("Sort by", PATH_REPORT_COLUMNS[1:], index=2, key="pr_sort")
    top = right.number_input("Rows", 10, 10_000, 50, 10, key="pr_top")
    shown = filter_paths(report, search, sort_by=sort_by, top=int(top))
    st.dataframe(shown, hide_index=True, column_config={
        "conversion_rate": PCT, "revenue": st.column_config.NumberColumn(format="%.2f"),
        "avg_days_to_conversion": st.column_config.NumberColumn("avg days to conversion", format="%.1f")})
    st.caption(f"{len(shown):,} of {len(report):,} paths shown.")
    csv_download(filter_paths(report, search, sort_by=sort_by), "conversion_paths.csv", key="dl_paths")

with stage_tab:
    models = {MODEL_SPECS[n].label: n for n in supported_models(data)}
    if not ds.has_touches or not models:
        st.info("Credit by journey phase needs touch-level journeys and an attribution model: load "
                "touchpoints and conversions on the **Data** page.")
    else:
        label = st.selectbox("Model", list(models), key="st_model",
                             index=list(models.values()).index("linear") if "linear" in models.values() else 0)
        try:
            split = cache_reports.journey_phases(ds, settings, models[label])
        except AttributionError as err:
            st.error(plain(err))
        else:
            show_chart(cache.figure(charts.phase_bars, split, f"{label} credit by journey phase"), "credit_by_phase")
            st.caption("Early: first 25% of a journey's touches; mid: middle 50%; late: last 25%. A touch on a "
                       "boundary shares its credit; a single-touch journey counts 25/50/25.")
            st.dataframe(split, hide_index=True, column_config={"share": PCT})
            csv_download(split, f"journey_phases_{models[label]}.csv", key="dl_stage")

with flow_tab:
    show_chart(cache.figure(charts.sankey_chart, cache_reports.path_view(ds, settings, "sankey", 3),
                            "First three steps to conversion"), "sankey")
    lengths = cache_reports.path_view(ds, settings, "lengths")
    left, right = st.columns(2)
    with left:
        show_chart(cache.figure(charts.length_bars, lengths, "Path length"), "path_length")
        csv_download(lengths, "path_length.csv", key="dl_lengths")
    if ds.has_touches:
        days = cache_reports.path_view(ds, settings, "days")
        with right:
            show_chart(cache.figure(charts.days_bars, days, "Time to conversion"), "time_to_conversion")
            csv_download(days, "time_to_conversion.csv", key="dl_days")
    else:
        right.info("Aggregated paths have no timestamps, so no time to conversion.")
    converted_only = st.toggle("Converting journeys only", key="ov_conv")
    overlap = cache_reports.path_view(ds, settings, "overlap", converted_only)
    show_chart(cache.figure(charts.overlap_heatmap, overlap, "Channel overlap: share of the row channel's "
                            "journeys that also include the column channel"), "channel_overlap")
    csv_download(overlap, "channel_overlap.csv", key="dl_overlap")
