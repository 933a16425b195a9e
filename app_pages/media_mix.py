"""Media mix: fit adstock + saturation regression of an outcome on spend per channel."""
import streamlit as st

from ui import mmm_controls, mmm_results, state

st.title("Media mix model")
st.caption("Explains the outcome per day or week by a baseline (trend, seasonality, controls) plus each "
           "channel's spend after carry-over (adstock) and diminishing returns (saturation).")

with st.container(border=True):
    inp = mmm_controls.data_source(state.current_dataset())
    spec = mmm_controls.model_settings(inp) if inp is not None else None
    clicked = st.button("Fit model", type="primary", key="mmm_fit_go", disabled=spec is None)
if clicked and spec is not None:
    mmm_controls.run_fit(inp.frame, spec)

res, fitted_spec, frame = mmm_controls.latest_fit()
if res is None:
    st.info("Choose the data and settings above, then press **Fit model**. The fit takes a few seconds; the "
            "bootstrap for the intervals takes longer (fewer replicates under Advanced fit settings).")
    st.stop()
if spec is not None and spec != fitted_spec:
    st.caption("The settings above differ from the fit shown below: press **Fit model** to refit.")

mmm_results.headline(res, fitted_spec)
fit_tab, roas_tab, curves_tab, diag_tab, forms_tab = st.tabs(
    ["Fit & decomposition", "ROAS", "Response curves & carry-over", "Diagnostics", "Saturation forms"])
with fit_tab:
    mmm_results.fit_tab(res, fitted_spec)
with roas_tab:
    mmm_results.roas_tab(res, fitted_spec, frame)
    mmm_results.truth_section(res, fitted_spec, state.current_dataset())
with curves_tab:
    mmm_results.curves_tab(res, fitted_spec)
with diag_tab:
    mmm_results.diagnostics_tab(res)
with forms_tab:
    forms = mmm_results.forms_tab(frame, fitted_spec)
mmm_results.all_tables(res, {"saturation_forms": forms} if forms is not None else None)
st.page_link("app_pages/budget_optimiser.py", label="Plan next period's budget with this model →")
