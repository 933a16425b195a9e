"""Entry point: the page list. Run with `streamlit run app.py`."""
import streamlit as st

st.set_page_config(page_title="Attribution analytics", page_icon="📈", layout="wide")
pages = [
    st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
    st.Page("pages/data_sources.py", title="Data", icon="🗂️"),
    st.Page("pages/model_comparison.py", title="Model comparison", icon="⚖️"),
    st.Page("pages/validation.py", title="Validation", icon="🎯"),
    st.Page("pages/journeys_funnels.py", title="Journeys & funnels", icon="🔀"),
    st.Page("pages/channel_report.py", title="Channel report", icon="💶"),
    st.Page("pages/media_mix.py", title="Media mix", icon="📊"),
    st.Page("pages/budget_optimiser.py", title="Budget optimiser", icon="💰"),
]
st.navigation(pages).run()
