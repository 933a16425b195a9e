"""Overview: what the app does, the loaded dataset's KPIs, a first chart, where to go next."""
import streamlit as st

from attribution.reports import figures
from ui import cache, state
from ui.downloads import show_chart
from ui.journey_sidebar import current_settings
from ui.report_button import report_button
from ui.text import plain

st.title("Marketing attribution analytics")
st.markdown("Find out which channels earn their budget: compare attribution models with confidence "
            "intervals, read cost per acquisition and ROAS per channel, fit a media-mix model and ask "
            "the budget optimiser where to move money.")
ds = state.current_dataset()
if ds is None:
    st.info("No dataset is loaded. Open **Data** to upload files or load the sample.")
    st.stop()
settings = current_settings()
kpi = cache.summary(ds)
left, right = st.columns([4, 1])
left.subheader(plain(ds.name))
with right:
    report_button(ds, settings)
if ds.has_touches:
    cols = st.columns(4)
    cols[0].metric("Users", f"{kpi['users']:,.0f}")
    cols[1].metric("Touchpoints", f"{kpi['touchpoints']:,.0f}")
    cols[2].metric("Conversions", f"{kpi['conversions']:,.0f}")
    cols[3].metric("Revenue", f"{kpi['revenue'] or 0:,.2f}")
    cols = st.columns(4)
    spend = kpi["spend"] if kpi["spend"] is not None else kpi["touch_cost"]
    cols[0].metric("Spend", f"{spend or 0:,.2f}",
                   help="From the spend table" if kpi["spend"] is not None else "Sum of per-touch cost")
    cols[1].metric("Channels", f"{kpi['channels']:,.0f}")
    cols[2].metric("From", f"{kpi['first_date']:%d %b %Y}")
    cols[3].metric("To", f"{kpi['last_date']:%d %b %Y}")
    stages = cache.stage_counts(ds)
    if len(stages) > 1:
        st.caption("Conversions by stage: " + " → ".join(f"{r.stage} {r.conversions:,}" for r in stages.itertuples()))
    activity = cache.daily_activity(ds)
    left, right = st.columns(2)
    with left:
        show_chart(cache.figure(figures.daily_trend, activity, "conversions", "Conversions per day"),
                   "conversions_per_day")
    with right:
        show_chart(cache.figure(figures.stacked_daily, activity, "touches", "Touchpoints per day by channel"),
                   "touches_per_day")
else:
    cols = st.columns(4)
    cols[0].metric("Unique paths", f"{kpi['unique_paths']:,.0f}")
    cols[1].metric("Conversions", f"{kpi['conversions']:,.0f}")
    cols[2].metric("Non-converting journeys", f"{kpi['non_conversions']:,.0f}")
    cols[3].metric("Channels", f"{kpi['channels']:,.0f}")
    st.caption("Aggregated paths carry no timestamps: time-based models and trends are unavailable.")
st.subheader("Where next")
st.page_link("app_pages/data_sources.py", label="Data: upload your own files or reopen a saved dataset", icon=":material/database:")
