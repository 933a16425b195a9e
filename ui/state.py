"""Session state: which workspace and dataset this browser session uses.

Isolation: each browser session gets an owner token kept in the URL (``?ws=...``) so a refresh
keeps its datasets while other sessions cannot see them (unless the workspace is shared). In
private mode the whole workspace lives in this session's memory. With sign-in (an ``[auth]`` table
in the secrets, see ui/signin.py) the owner is the signed-in user instead: ``member:<subject>``,
the same on every browser and device, and the URL token is ignored.
"""
from __future__ import annotations

import uuid

import streamlit as st

from attribution.engine.base import Dataset
from attribution.engine.duckdb_dataset import create_dataset, open_dataset
from attribution.ingest.sources import remove_stale_spools
from attribution.simulate.sample import SAMPLE_NAME, sample_inputs
from attribution.store.access import AllowList
from attribution.store.workspace import PUBLIC_OWNER, Workspace, WorkspaceConfig, is_member, member_owner
from ui.journey_sidebar import KEY_PREFIX

DATASET_KEY = "dataset_id"


@st.cache_resource(show_spinner=False)
def _startup_cleanup() -> int:
    """Once per server process: remove upload copies a killed process left in the temp folder
    (half-made dataset schemas are dropped when a workspace opens)."""
    return remove_stale_spools()


@st.cache_resource(show_spinner=False)
def _shared_workspace(path: str, shared: bool, memory_limit: str) -> Workspace:
    workspace = Workspace(path, shared=shared, memory_limit=memory_limit)
    ensure_sample(workspace)
    return workspace


def config() -> WorkspaceConfig:
    """The workspace configuration from the environment."""
    return WorkspaceConfig.from_env()


def workspace() -> Workspace:
    """This session's workspace (process-wide file, or session-private memory)."""
    cfg = config()
    _startup_cleanup()
    if cfg.path is None:
        if "private_workspace" not in st.session_state:
            with st.spinner("Preparing a private in-memory workspace with the sample data…"):
                ws = Workspace(None, memory_limit=cfg.memory_limit)
                ensure_sample(ws)
            st.session_state["private_workspace"] = ws
        return st.session_state["private_workspace"]
    return _shared_workspace(cfg.path, cfg.mode == "shared", cfg.memory_limit)


def sign_in_required() -> bool:
    """True when the secrets configure Streamlit's OpenID Connect sign-in (an ``[auth]`` table)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def allow_list() -> AllowList:
    """Who may use a signed-in deployment (``ATTRIBUTION_ALLOWED_USERS``; empty: everyone)."""
    return AllowList.from_env()


def team_member() -> bool:
    """True when this session belongs to a signed-in member (who can share datasets with the team)."""
    return is_member(owner())


def set_shared(dataset_id: str, shared: bool) -> bool:
    """Share this member's dataset with everyone signed in, or make it private again (owner only)."""
    return workspace().set_shared(dataset_id, owner(), shared)


def owner() -> str:
    """Who owns this session's datasets: the signed-in member, else a token kept in the URL.

    With sign-in configured, a session that is not signed in never gets this far (ui/signin.py
    stops the run first); the public owner is returned defensively so it can see only the sample.
    """
    if sign_in_required():
        return member_owner(st.user.get("sub")) if st.user.is_logged_in else PUBLIC_OWNER
    token = st.query_params.get("ws")
    if not token or len(token) > 64 or not token.isalnum():
        token = st.session_state.get("owner_token") or uuid.uuid4().hex[:20]
        st.query_params["ws"] = token
    st.session_state["owner_token"] = token
    return token


def ensure_sample(ws: Workspace) -> str:
    """Load the built-in sample into ``ws`` once; return its dataset id."""
    catalogue = ws.list(PUBLIC_OWNER)
    sample = catalogue[catalogue["source"] == "sample"]
    if len(sample):
        return str(sample.iloc[0]["dataset_id"])
    ds = create_dataset(ws, SAMPLE_NAME, PUBLIC_OWNER, source="sample",
                        **{role: str(path) for role, path in sample_inputs().items()})
    return ds.dataset_id


def current_dataset() -> Dataset | None:
    """The dataset this session works on (the sample until the user picks another)."""
    ws = workspace()
    who = owner()
    # the URL keeps the dataset too, so a browser refresh reopens it
    dataset_id = st.session_state.get(DATASET_KEY) or st.query_params.get("ds") or ensure_sample(ws)
    ds = open_dataset(ws, dataset_id, who)
    if ds is None and dataset_id != ensure_sample(ws):
        st.session_state.pop(DATASET_KEY, None)
        st.query_params.pop("ds", None)
        ds = open_dataset(ws, ensure_sample(ws), who)
    elif ds is not None and dataset_id != ensure_sample(ws):
        # remembered in the session (a refresh starts a new one from the URL), and put back into the
        # URL, which Streamlit clears on a page change, so a refresh on any page reopens it (the ws
        # token is put back the same way by owner())
        st.session_state[DATASET_KEY] = dataset_id
        if st.query_params.get("ds") != dataset_id:
            st.query_params["ds"] = dataset_id
    return ds


def use_dataset(dataset_id: str) -> None:
    """Make ``dataset_id`` the current dataset and reset settings that depend on it."""
    st.session_state[DATASET_KEY] = dataset_id
    if dataset_id:
        st.query_params["ds"] = dataset_id
    else:
        st.query_params.pop("ds", None)
    for key in [k for k in st.session_state if str(k).startswith(KEY_PREFIX)]:
        del st.session_state[key]


def per_dataset(name: str, ds: Dataset | None = None) -> dict:
    """This session's results ``name`` that belong to the current dataset (or ``ds``).

    Session state keeps ``name`` as ``{dataset fingerprint: dict}`` and this returns (creating it
    empty) the dict of the current dataset, to read and update in place. So results made on one
    dataset (media-mix fits, budget scenarios) are never shown while another is current, and come
    back when the user switches back to their dataset.
    """
    ds = ds if ds is not None else current_dataset()
    return st.session_state.setdefault(name, {}).setdefault(ds.fingerprint if ds is not None else "", {})
