"""Conversions from CRM stages for matched offline contacts: first contact, first booked, first paid, ...

Stages come from date columns of the customers file or from a stage-events file; whatever stage
names the data has are offered. "Every stage" keeps all of them (with their stage), so the
sidebar's Conversion stage setting picks one later without rebuilding the dataset.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from attribution.errors import AttributionError
from attribution.identity import StageEvents, available_stages, guess_stage_columns, stage_conversions
from ui import cache_identity
from ui.cache_identity import Upload, digest_of
from ui.downloads import csv_download
from ui.identity_columns import NONE, read_upload, stage_event_columns
from ui.text import plain

SOURCES = {"customers": "Date columns of the customers file",
           "events": "A stage-events file (customer, stage, date, optional revenue)"}
ALL_STAGES = "__every_stage__"


def _from_customers(customers: Upload, cust_map: dict, dayfirst: bool
                    ) -> tuple[StageEvents, list[str], str | None] | None:
    """Stage events from the customers file's date columns, the columns used and the revenue column."""
    frame = customers.read.frame
    ids = {cust_map["customer_id"], *cust_map["phone"], *cust_map["email"]}
    candidates = [str(c) for c in frame.columns if c not in ids]
    guessed = guess_stage_columns(frame, exclude=tuple(ids))
    left, right = st.columns([2, 1])
    columns = left.multiselect("Stage date columns", candidates, default=list(guessed.values()),
                               key=f"id_stage_cols_{customers.digest}",
                               help="One column per stage, holding the date the customer reached it "
                                    "(first_contact_date, booked_date, paid_at…).")
    revenue = right.selectbox("Revenue column (optional)", [NONE, *candidates], key=f"id_stage_rev_{customers.digest}",
                              help="E.g. the amount paid; it goes with one stage, chosen below.")
    if not columns:
        st.info("Pick the customers file's stage date columns, or use a stage-events file.")
        return None
    se = cache_identity.stage_events(customers, cust_map, columns, {}, None, {}, dayfirst)
    return se, columns, None if revenue == NONE else revenue


def _from_events_file(dayfirst: bool) -> StageEvents | None:
    upload = st.file_uploader("Stage events (customer id, stage, date; one row per stage reached)",
                              type=["csv", "gz", "parquet", "txt", "tsv"], key="id_stage_events")
    if upload is None:
        st.info("Upload a stage-events file, e.g. a CRM status history.")
        return None
    events = read_upload(upload)
    mapping = stage_event_columns(events, f"id_emap_{events.digest}") if events else None
    if mapping is None:
        return None
    return cache_identity.stage_events(None, {}, [], {}, events, mapping, dayfirst)


def _with_revenue(customers: Upload, cust_map: dict, columns: list[str], revenue: str, stages: list[str],
                  dayfirst: bool) -> StageEvents:
    """Stage events again, with the revenue column attached to the stage the user picks."""
    stage = st.selectbox(f"“{revenue}” is earned at stage", stages, index=len(stages) - 1,
                         key=f"id_stage_rev_at_{customers.digest}_{digest_of(stages)}")
    return cache_identity.stage_events(customers, cust_map, columns, {stage: revenue}, None, {}, dayfirst)


def conversion_picker(customers: Upload, cust_map: dict, dayfirst: bool) -> pd.DataFrame | None:
    """Render the conversion definition and return the chosen conversions (``user_id, ts, stage, revenue``),
    or None when there are none yet (the dataset then has touchpoints only)."""
    st.subheader("Conversions from CRM stages")
    source = st.radio("Stages come from", list(SOURCES), format_func=SOURCES.get, horizontal=True,
                      key="id_stage_source")
    columns, revenue = [], None
    try:
        if source == "customers":
            found = _from_customers(customers, cust_map, dayfirst)
            se, columns, revenue = found if found else (None, [], None)
        else:
            se = _from_events_file(dayfirst)
        if se is None:
            return None
        stages = available_stages(se)
        if revenue and stages:
            se = _with_revenue(customers, cust_map, columns, revenue, stages, dayfirst)
    except AttributionError as err:
        st.error(f"No conversions could be made. {plain(err)}")
        return None
    if len(se.rejected):
        st.warning(f"{len(se.rejected):,} stage values could not be used (missing id, unreadable date…).")
        csv_download(se.rejected, "stage_rows_rejected.csv", "Download them with reasons", key="id_dl_stage_rejected")
    if not stages:
        st.warning("No stage dates were found, so the dataset will have touchpoints only: every journey "
                   "will be non-converting.")
        return None
    reached = stage_conversions(se, None).groupby("stage").size()
    st.caption("Customers per stage: " + " → ".join(f"{s} {int(reached.get(s, 0)):,}" for s in stages))
    pick = st.selectbox("Conversion = first …", [ALL_STAGES, *stages], key=f"id_conversion_{digest_of(stages)}",
                        format_func=lambda s: ("every stage (pick one with the sidebar's Conversion stage)"
                                               if s == ALL_STAGES else f"first {s}"),
                        help="A conversion is the first time each customer reached the stage.")
    conversions = stage_conversions(se, None if pick == ALL_STAGES else pick)
    st.caption(f"{len(conversions):,} conversions, revenue {conversions['revenue'].sum():,.2f}.")
    return conversions
