"""Entry point and router: the page list, and the journey settings every page shares.

Run with `streamlit run app.py`. Streamlit runs this file around every page, so the sidebar's
journey settings are drawn here once (their values then survive page changes); pages read them
with ``ui.journey_sidebar.current_settings()``.

Page icons are Material icons, which ship with Streamlit: emoji need a colour-emoji font that
many Linux machines (and headless browsers) lack.
"""
import streamlit as st

from ui import signin, state
from ui.guard import guarded
from ui.journey_sidebar import journey_sidebar

st.set_page_config(page_title="Attribution analytics", page_icon="📈", layout="wide")
signin.require_signed_in()  # with [auth] in the secrets: the sign-in or refusal page, and stop
pages = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("app_pages/data_sources.py", title="Data", icon=":material/database:"),
    st.Page("app_pages/model_comparison.py", title="Model comparison", icon=":material/balance:"),
    st.Page("app_pages/validation.py", title="Validation", icon=":material/fact_check:"),
    st.Page("app_pages/journeys_funnels.py", title="Journeys & funnels", icon=":material/alt_route:"),
    st.Page("app_pages/channel_report.py", title="Channel report", icon=":material/table_chart:"),
    st.Page("app_pages/media_mix.py", title="Media mix", icon=":material/stacked_bar_chart:"),
    st.Page("app_pages/budget_optimiser.py", title="Budget optimiser", icon=":material/savings:"),
]
page = st.navigation(pages)


def _run_page() -> None:
    dataset = state.current_dataset()
    if dataset is not None:
        journey_sidebar(dataset)
    page.run()


# our errors show their message, any other exception a note (the traceback is only logged)
guarded(_run_page)
