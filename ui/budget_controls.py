"""Controls of the budget page: a default fit when none exists, the plan inputs and saved scenarios."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from attribution.budget import PLAN_MODES, BudgetResult
from attribution.defaults import BUDGET_PCT_BOUNDS
from attribution.engine.base import Dataset
from attribution.mmm import MMMResult
from attribution.mmm.fit_spec import FitSpec
from ui import mmm_controls, state
from ui.text import plain

#: saved scenarios by name, per dataset (:func:`ui.state.per_dataset`), like the fit they come from
SCENARIOS_KEY = "budget_scenarios"
MODES = {"budget": "Best split of a budget", "marginal_roas": "Spend until marginal ROAS falls to a target",
         "response": "Least spend that reaches a target outcome"}
NUM = st.column_config.NumberColumn


@dataclass(frozen=True)
class PlanInputs:
    """What the user asked the optimiser for (amount: budget or target per period, by mode)."""

    mode: str
    amount: float
    periods: int
    bounds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    locked: tuple[str, ...] = ()


def offer_default_fit(ds: Dataset | None) -> None:
    """Explain that a media-mix fit is needed and offer one with default settings on the dataset."""
    st.info("The optimiser needs a fitted media-mix model, and none has been fitted on this dataset in this session "
            "yet (fits and scenarios belong to the dataset they were made on). "
            "Fit one with default settings here, or choose the settings on the **Media mix** page.")
    if ds is None:
        st.info("No dataset is loaded: load one on the **Data** page first.")
        return
    made = mmm_controls.default_spec(ds)
    if made is None:
        return
    frame, spec = made
    st.caption(f"Default fit: {spec.label}, all {len(spec.channels)} channels, geometric adstock, logistic "
               f"saturation, {spec.n_boot} bootstrap replicates.")
    if st.button("Fit a model with default settings", type="primary", key="budget_default_fit"):
        if mmm_controls.run_fit(frame, spec):
            st.rerun()


def _bounds_table(res: MMMResult, range_pct: int) -> pd.DataFrame:
    cur = pd.Series(res.current_spend)
    return pd.DataFrame({"channel": cur.index, "current": cur.to_numpy(),
                         "min": cur.to_numpy() * max(0.0, 1 - range_pct / 100),
                         "max": cur.to_numpy() * (1 + range_pct / 100), "locked": False})


def plan_inputs(res: MMMResult, spec: FitSpec) -> PlanInputs:
    """Objective, budget or target, plan length, and per-channel bounds and locks (editable table)."""
    unit = spec.unit
    a, b, c = st.columns(3)
    mode = a.selectbox("Objective", list(PLAN_MODES), format_func=MODES.get, key="budget_mode")
    current_total = float(sum(res.current_spend.values()))
    if mode == "budget":
        amount = b.number_input(f"Budget per {unit}", 0.0, value=current_total, step=100.0,
                                format="%.0f", key="budget_total",
                                help=f"Default: the current spend, {current_total:,.0f} per {unit} on average.")
    elif mode == "marginal_roas":
        amount = b.number_input("Target marginal ROAS", 0.01, value=1.0, step=0.1, key="budget_mroas",
                                help="Keep spending on a channel while one more unit returns more than this; "
                                     "1.0 = break-even on the outcome.")
    else:
        now = float(sum(res.response(ch, s) for ch, s in res.current_spend.items()))
        amount = b.number_input(f"Target media-driven {spec.target_label} per {unit}", 0.0,
                                value=float(round(1.1 * now)), key="budget_target",
                                help=f"Now: {now:,.0f} per {unit} from media (the baseline comes on top).")
    periods = c.number_input(f"Plan length ({unit}s)", 1, 520, 13 if spec.freq == "W" else 90, key="budget_periods",
                             help="Spend and outcome columns of the plan are totals over this many periods.")
    range_pct = st.slider("Default bounds around current spend", 0, 200, round(BUDGET_PCT_BOUNDS[1] * 100), 10,
                          format="±%d%%", key="budget_range",
                          help="Far outside the spend seen in the data the response curves are guesses; the "
                               "library, the API and the report use the same default.")
    st.caption(f"Bounds are spend per {unit}; leave a cell empty for no bound. A locked channel keeps its "
               "current spend.")
    table = st.data_editor(
        _bounds_table(res, range_pct), hide_index=True, disabled=["channel", "current"],
        key=f"budget_bounds_{range_pct}_{spec.short_key}", column_config={
            "channel": "Channel", "current": NUM(f"Current / {unit}", format="%,.0f"),
            "min": NUM(f"Min / {unit}", min_value=0.0, format="%,.0f"),
            "max": NUM(f"Max / {unit}", min_value=0.0, format="%,.0f"),
            "locked": st.column_config.CheckboxColumn("Locked")})
    bounds, locked = bounds_from_table(table)
    return PlanInputs(mode, float(amount), int(periods), bounds, locked)


def bounds_from_table(table: pd.DataFrame) -> tuple[dict[str, tuple[float | None, float | None]], tuple[str, ...]]:
    """``({channel: (min, max)}, locked channels)`` from the edited bounds table; an empty cell is no bound."""
    bounds = {str(r.channel): (None if pd.isna(r.min) else float(r.min), None if pd.isna(r.max) else float(r.max))
              for r in table.itertuples()}
    locked = tuple(str(c) for c in table.loc[table["locked"].fillna(False).astype(bool), "channel"])
    return bounds, locked


def free_name(name: str, taken) -> str:
    """``name`` when it is not in ``taken``, else ``name (2)``, ``name (3)``, … the first one free."""
    n = 1
    candidate = name
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def save_scenario(plan: BudgetResult, inputs: PlanInputs, spec: FitSpec) -> None:
    """Name and save the plan shown, for side-by-side comparison.

    A name already saved is never overwritten: the plan is saved under the name with the first free
    ``(2)``, ``(3)``, … suffix, and the message says so (the name box keeps what was typed, so
    pressing Save twice would otherwise replace the first plan without a word).
    """
    saved = state.per_dataset(SCENARIOS_KEY)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.text_input("Scenario name", free_name(f"Scenario {len(saved) + 1}", saved),
                           key="budget_scenario_name")
    if right.button("Save scenario", key="budget_save", icon=":material/bookmark_add:"):
        if not name.strip():
            st.error("Give the scenario a name.")
            return
        asked = name.strip()
        final = free_name(asked, saved)
        saved[final] = {"plan": plan, "inputs": inputs, "fit": spec.label, "unit": spec.unit}
        note = "" if final == asked else f" (“{plain(asked)}” is taken; type another name to choose your own)"
        st.success(f"Saved as “{plain(final)}”{note}. {len(saved)} scenario(s) saved.")


def saved_scenarios() -> dict[str, dict]:
    """Saved scenarios of the current dataset, by name."""
    return state.per_dataset(SCENARIOS_KEY)


def scenario_tables(scenarios: dict[str, dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Side-by-side comparison: totals per scenario, and recommended spend per channel and scenario."""
    totals = pd.DataFrame([{
        "scenario": name, "objective": MODES[s["inputs"].mode], "periods": s["plan"].periods,
        "current_spend": s["plan"].current_spend, "recommended_spend": s["plan"].recommended_spend,
        "current_response": s["plan"].current_response, "recommended_response": s["plan"].recommended_response,
        "lift": s["plan"].lift, "lift_pct": s["plan"].lift_pct, "lift_ci_low": s["plan"].lift_ci_low,
        "lift_ci_high": s["plan"].lift_ci_high, "fit": s["fit"]} for name, s in scenarios.items()])
    frames = [s["plan"].allocation[["channel", "recommended_spend"]].rename(columns={"recommended_spend": name})
              .set_index("channel") for name, s in scenarios.items()]
    spend = pd.concat(frames, axis=1).reset_index()
    return totals, spend
