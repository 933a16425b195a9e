"""Budget optimiser: split spend across channels to get the most out of a fitted media-mix model."""
import streamlit as st

from attribution.errors import OptimizationError
from ui import budget_controls, budget_views, cache_mmm, mmm_controls, state
from ui.text import plain

st.title("Budget optimiser")
st.caption("Moves spend between channels to where the media-mix model expects the most extra outcome, within "
           "your bounds. Spend and bounds are per period of the model (per week for a weekly model).")

res, spec, frame = mmm_controls.latest_fit()
if res is None:
    budget_controls.offer_default_fit(state.current_dataset())
    st.stop()

st.caption(f"Model: **{spec.label}** ({len(res.channels)} channels, fitted on the Media mix page or here).")
with st.container(border=True):
    inputs = budget_controls.plan_inputs(res, spec)
try:
    plan = cache_mmm.plan(res, spec.key(), inputs.mode, inputs.amount, inputs.bounds, list(inputs.locked),
                              inputs.periods)
except OptimizationError as err:
    st.error(f"These constraints cannot all hold: {plain(err)}")
    st.stop()

budget_views.headline(plan, spec)
budget_views.plan_table(plan, spec)
budget_views.plan_charts(plan, res, spec)

st.subheader("Forward look")
budget_views.forward_look(plan, res, spec, frame)

st.subheader("Scenarios")
budget_controls.save_scenario(plan, inputs, spec)
scenarios = budget_controls.saved_scenarios()
if scenarios:
    budget_views.compare_scenarios(scenarios)
else:
    st.caption("Save this plan as a scenario, change the inputs, save again, and compare them here.")
