"""Entry point: the page list. Run with `streamlit run app.py`.

Page icons are Material icons, which ship with Streamlit: emoji need a colour-emoji font that
many Linux machines (and headless browsers) lack.
"""
import streamlit as st

st.set_page_config(page_title="Attribution analytics", page_icon="📈", layout="wide")
pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/data_sources.py", title="Data", icon=":material/database:"),
    st.Page("pages/model_comparison.py", title="Model comparison", icon=":material/balance:"),
    st.Page("pages/validation.py", title="Validation", icon=":material/fact_check:"),
    st.Page("pages/journeys_funnels.py", title="Journeys & funnels", icon=":material/alt_route:"),
    st.Page("pages/channel_report.py", title="Channel report", icon=":material/table_chart:"),
    st.Page("pages/media_mix.py", title="Media mix", icon=":material/stacked_bar_chart:"),
    st.Page("pages/budget_optimiser.py", title="Budget optimiser", icon=":material/savings:"),
]
st.navigation(pages).run()
