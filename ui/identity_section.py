"""The Data page's "Match offline contacts" section: calls, e-mails and web forms matched to customers.

Flow: upload a customers file and interaction files → confirm columns → Match → match rates by
method and channel, rows that need a human (downloadable) → conversions from CRM stages → the
matched touchpoints and stage conversions become a dataset.
"""
from __future__ import annotations

import streamlit as st

from attribution.engine.duckdb_dataset import create_dataset
from attribution.errors import AttributionError, DataValidationError
from attribution.identity import IdentityMatch, MatchOptions
from attribution.ingest.frames import parquet_upload
from ui import cache, cache_identity, charts_identity, state
from ui.downloads import csv_download, show_chart
from ui.identity_columns import customer_columns, interaction_columns, max_bytes, read_upload
from ui.identity_conversions import conversion_picker
from ui.text import plain

FILE_TYPES = ["csv", "gz", "parquet", "txt", "tsv"]
REGIONS = {"GB": "United Kingdom", "IE": "Ireland", "US": "United States", "CA": "Canada", "AU": "Australia",
           "NZ": "New Zealand", "DE": "Germany", "FR": "France", "ES": "Spain", "IT": "Italy", "NL": "Netherlands",
           "BE": "Belgium", "CH": "Switzerland", "AT": "Austria", "SE": "Sweden", "NO": "Norway", "DK": "Denmark",
           "FI": "Finland", "PL": "Poland", "PT": "Portugal", "IN": "India", "ZA": "South Africa",
           "SG": "Singapore", "BR": "Brazil", "MX": "Mexico", "JP": "Japan"}
MATCHED_KEY = "id_matched_key"
TOUCH_COLUMNS = ["user_id", "ts", "channel", "campaign"]


def _options() -> MatchOptions:
    region_col, opt_col = st.columns([1, 2])
    region = region_col.selectbox("Default phone region", list(REGIONS), key="id_region",
                                  format_func=lambda c: f"{c} — {REGIONS[c]}",
                                  help="Country of numbers written without a country code (020 7946 0001).")
    opt_col.caption("E-mail and date options")
    dots = opt_col.checkbox("Gmail: ignore dots and +tags (`ann.lee+x@gmail.com` = `annlee@gmail.com`)",
                            key="id_gmail_dots")
    plus = opt_col.checkbox("Every provider: ignore +tags (`ann+news@example.com` = `ann@example.com`)",
                            key="id_strip_plus", help="Off by default: some providers treat +tags as different "
                            "mailboxes, so this could merge two people.")
    dayfirst = opt_col.checkbox("Dates are day first (03/04/2024 = 3 April)", key="id_dayfirst")
    return MatchOptions(region=region, email_strip_plus=plus, email_gmail_dots=dots, dayfirst=dayfirst)


def identity_section() -> None:
    """Render the whole offline-contacts flow; "Use as dataset" makes the result the current dataset."""
    st.markdown("Match **calls, e-mails and web-form submissions** to your customers (by customer id, then "
                "phone, then e-mail) and use them as touchpoints. A phone or e-mail shared by several "
                "customers is never guessed: those rows are listed for you to fix.")
    cust_file = st.file_uploader("Customers (customer id, phones, e-mails, stage dates)", type=FILE_TYPES,
                                 key="id_customers")
    inter_files = st.file_uploader("Interactions: one file per source (calls, e-mails, web forms…)",
                                   type=FILE_TYPES, accept_multiple_files=True, key="id_interactions")
    options = _options()
    if cust_file is None or not inter_files:
        st.info("Upload a customers file and at least one interaction file to match them.")
        return
    customers = read_upload(cust_file)
    cust_map = customer_columns(customers, f"id_cmap_{customers.digest}") if customers else None
    files, ready = [], cust_map is not None
    seen = set()
    for upload in inter_files:
        digest = cache_identity.digest_of(upload.name, upload.getvalue())
        if digest in seen:  # the same file twice would count every interaction twice
            st.warning(f"{plain(upload.name)} was uploaded twice; it is used once.")
            continue
        seen.add(digest)
        up = read_upload(upload, digest)
        spec = interaction_columns(up, f"id_imap_{up.digest}") if up else None
        ready &= spec is not None
        if spec is not None:
            files.append((up, *spec))
    if st.button("Match", type="primary", disabled=not ready, key="id_match"):
        st.session_state[MATCHED_KEY] = cache_identity.match_key(customers, cust_map, files, options)
    if not ready:
        st.caption("Fix the files above to match them.")
        return
    if st.session_state.get(MATCHED_KEY) != cache_identity.match_key(customers, cust_map, files, options):
        st.caption("Press Match to match the interactions to the customers.")
        return
    try:
        with st.spinner("Matching interactions to customers…"):
            result = cache_identity.match(customers, cust_map, files, options)
    except AttributionError as err:
        st.error(f"Nothing was matched. {plain(err)}")
        return
    match_report(result)
    conversions = conversion_picker(customers, cust_map, options.dayfirst)
    _use_as_dataset(result, conversions)


def match_report(result: IdentityMatch) -> None:
    """Match rate, methods by channel (table and chart), and the rows that need a human."""
    summary = result.summary.set_index("method")["rows"]
    total, matched = int(summary.sum()), int(summary[["customer_id", "phone", "email"]].sum())
    cols = st.columns(5)
    cols[0].metric("Match rate", f"{matched / total:.1%}" if total else "–", help="Matched rows / all rows.")
    cols[1].metric("Matched", f"{matched:,}")
    for col, method in zip(cols[2:], ["unmatched", "ambiguous", "invalid"], strict=True):
        col.metric(method.capitalize(), f"{int(summary[method]):,}")
    table = result.stats.pivot(index="channel", columns="method", values="rows")[list(summary.index)]
    rows = table.sum(axis=1)
    table = table.rename(columns=charts_identity.METHOD_LABELS).assign(
        **{"Rows": rows, "Match rate": table[["customer_id", "phone", "email"]].sum(axis=1) / rows.where(rows > 0)})
    st.dataframe(table.reset_index().rename(columns={"channel": "Channel"}).rename_axis(columns=None), hide_index=True,
                 column_config={"Match rate": st.column_config.NumberColumn(format="percent")})
    csv_download(result.stats, "match_by_channel.csv", "Download match statistics", key="id_dl_stats")
    show_chart(cache.figure(charts_identity.method_bars, result.stats, "How each channel's interactions were matched"),
               "match_methods_by_channel")
    if len(result.issues):
        st.warning(f"{len(result.issues):,} interactions were not matched (unmatched, ambiguous or invalid); "
                   "they are left out of the touchpoints.")
        st.dataframe(result.issues.head(500), hide_index=True)
        csv_download(result.issues, "unmatched_interactions.csv", "Download all unmatched rows with reasons",
                     key="id_dl_issues")
    if len(result.customer_issues):
        st.warning(f"The customers file has {len(result.customer_issues):,} problems (missing ids, invalid or "
                   "shared phones and e-mails).")
        st.dataframe(result.customer_issues.head(500), hide_index=True)
        csv_download(result.customer_issues, "customer_issues.csv", "Download the customers file's problems",
                     key="id_dl_customer_issues")


def _use_as_dataset(result: IdentityMatch, conversions) -> None:
    st.subheader("Use as dataset")
    if result.touchpoints.empty:
        st.info("No interaction was matched, so there are no touchpoints to use.")
        return
    if conversions is None:
        st.caption("No conversions chosen: the dataset will have touchpoints only, so every journey is "
                   "non-converting.")
    name = st.text_input("Dataset name", value="Matched offline contacts", key="id_dataset_name")
    if not st.button("Use as dataset", type="primary", key="id_use"):
        return
    touches = result.touchpoints[[c for c in TOUCH_COLUMNS if c in result.touchpoints.columns]]
    inputs = {"touchpoints": parquet_upload(touches, "matched_touchpoints.parquet")}
    if conversions is not None and len(conversions):
        inputs["conversions"] = parquet_upload(conversions, "stage_conversions.parquet")
    # these files are ours, made from uploads that passed the limit: they only need to fit
    limit = max(max_bytes(), *(len(data) for _, data in inputs.values()))
    try:
        with st.spinner("Creating the dataset…"):
            ds = create_dataset(state.workspace(), name.strip() or "Matched offline contacts", state.owner(),
                                source="identity", max_bytes=limit, **inputs)
    except DataValidationError as err:
        st.error(f"The dataset was not created. {plain(err)}")
        return
    state.use_dataset(ds.dataset_id)
    st.session_state["last_report"] = ds.report
    st.rerun()
