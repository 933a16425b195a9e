"""The saved-datasets list with who can see each one, and the "share with team" switch."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import state


def saved_datasets() -> pd.DataFrame:
    """The datasets this session may open, newest first, with an ``access`` column in words:
    'sample (everyone)', 'yours (private)', 'yours (shared with team)', 'shared by a teammate';
    without sign-in, 'yours' or 'everyone' (shared workspace mode)."""
    saved = state.workspace().list(state.owner())
    me, team = state.owner(), state.team_member()

    def access(row) -> str:
        if row["source"] == "sample":
            return "sample (everyone)"
        if row["owner"] != me:
            return "shared by a teammate" if team else "everyone (shared workspace)"
        if team:
            return "yours (shared with team)" if bool(row["shared"]) else "yours (private)"
        return "yours"

    saved["access"] = [access(row) for _, row in saved.iterrows()] if len(saved) else pd.Series(dtype=str)
    return saved


def share_switch(row: pd.Series) -> None:
    """For a signed-in member's own dataset, a toggle that shares it with everyone signed in (and back)."""
    if not state.team_member() or row["owner"] != state.owner():
        return
    shared = bool(row["shared"])
    wanted = st.toggle("Share with team", value=shared, key=f"share_{row.name}",
                       help="Everyone who signs in to this app can open a shared dataset (only you can delete "
                            "it or stop sharing it).")
    if wanted != shared:
        state.set_shared(str(row.name), wanted)
        st.rerun()
