"""The model picker and model parameters shared by the model pages."""
from __future__ import annotations

import streamlit as st

from attribution.journeys.data import PathData
from attribution.models import MODEL_SPECS, supported_models, unsupported_reason


def model_picker(data: PathData, stages: list[str], key: str = "models") -> tuple[list[str], dict[str, dict]]:
    """Multiselect of the models the data supports, plus their parameters in an expander.

    Returns the chosen model names and ``{model: {param: value}}`` for non-default parameters.
    """
    available = supported_models(data)
    labels = {MODEL_SPECS[n].label: n for n in available}
    chosen = st.multiselect("Models", list(labels), default=list(labels), key=key)
    unavailable = [n for n in MODEL_SPECS if n not in available]
    if unavailable:
        st.caption("Unavailable on this data: " + " ".join(
            f"**{MODEL_SPECS[n].label}** — {unsupported_reason(n, data)}" for n in unavailable))
    with st.expander("Model parameters"):
        params = _parameters(set(labels[c] for c in chosen), stages)
    return [labels[c] for c in chosen], params


def _parameters(names: set[str], stages: list[str]) -> dict[str, dict]:
    params: dict[str, dict] = {}
    cols = st.columns(3)
    if "time_decay" in names:
        params["time_decay"] = {"half_life_days": cols[0].number_input(
            "Time decay half-life (days)", 0.5, 90.0, 7.0, 0.5, key="p_half_life")}
    if "position_based" in names:
        first = cols[1].slider("Position-based: first touch %", 0, 100, 40, 5, key="p_first")
        last = cols[1].slider("Position-based: last touch %", 0, 100 - first, min(40, 100 - first), 5, key="p_last")
        params["position_based"] = {"first": first / 100, "last": last / 100}
    if "markov" in names:
        params["markov"] = {"order": cols[2].selectbox("Markov order", [1, 2, 3, 4], key="p_order",
                                                       help="Higher orders remember more steps; they need more data.")}
    if "w_shaped" in names and stages:
        picked = cols[0].multiselect("W-shaped milestones (in order)", stages[:-1], default=stages[:-1][:2],
                                     key="p_milestones", help="Funnel stages whose creating touch gets 30%.")
        params["w_shaped"] = {"milestones": tuple(picked)}
    if "last_non_direct" in names:
        text = cols[2].text_input("Direct channel names (comma-separated)",
                                  ", ".join(MODEL_SPECS["last_non_direct"].defaults["direct_channels"]),
                                  key="p_direct")
        params["last_non_direct"] = {"direct_channels": tuple(s.strip() for s in text.split(",") if s.strip())}
    return {n: {k: v for k, v in p.items() if MODEL_SPECS[n].defaults.get(k) != v} for n, p in params.items()}
