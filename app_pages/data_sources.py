"""Data: upload files, confirm the column mapping, read the validation report, manage datasets,
match offline contacts (calls, e-mails, web forms) to customers."""
import streamlit as st

from ui import cache, state
from ui.data_upload import report_view, upload_form
from ui.dataset_sharing import saved_datasets, share_switch
from ui.downloads import csv_download
from ui.identity_section import identity_section
from ui.text import plain

st.title("Data")
ds = state.current_dataset()
if "last_report" in st.session_state:
    report_view(st.session_state["last_report"])

tab_current, tab_upload, tab_saved, tab_identity = st.tabs(
    ["Current dataset", "Upload", "Saved datasets", "Match offline contacts"])
with tab_current:
    if ds is None:
        st.info("No dataset yet: upload files in the Upload tab or load the sample.")
    else:
        st.subheader(plain(ds.name))
        names = ["touchpoints", "conversions", "spend"] if ds.has_touches else ["paths"]
        for name, tab in zip(names, st.tabs([n.capitalize() for n in names]), strict=True):
            tab.dataframe(ds.table(name, limit=200), hide_index=True)
        rejected = cache.rejected(ds)
        if len(rejected):
            st.warning(f"{len(rejected):,} input rows were rejected when this dataset was loaded.")
            st.dataframe(rejected.head(200), hide_index=True)
            csv_download(rejected, "rejected_rows.csv", "Download all rejected rows")
        else:
            st.caption("No rows were rejected when this dataset was loaded.")
with tab_upload:
    upload_form()
    st.caption("Billions of touchpoints in a data lake? Build journeys where the data is, with the "
               "command line or the library on Apache Spark (python -m attribution run --engine spark), "
               "then upload its outputs here: the aggregated paths or the channel report. The browser "
               "path stays on this server's DuckDB.")
with tab_saved:
    saved = saved_datasets()
    st.dataframe(saved[["name", "kind", "created", "source", "access"]], hide_index=True)
    labels = {f"{r.name} ({r.created:%Y-%m-%d %H:%M})": r.dataset_id for r in saved.itertuples()}
    pick = st.selectbox("Dataset", list(labels), key="saved_pick")
    if pick:
        share_switch(saved.set_index("dataset_id").loc[labels[pick]])
    left, right = st.columns(2)
    if pick and left.button("Open", key="saved_open"):
        state.use_dataset(labels[pick])
        st.session_state.pop("last_report", None)
        st.rerun()
    if pick and right.button("Delete", key="saved_delete"):
        if state.workspace().delete(labels[pick], state.owner()):
            cache.clear()
            state.use_dataset("")
            st.rerun()
        st.error("Only a dataset's owner can delete it: the built-in sample is shared by every session, and "
                 "a dataset a teammate shared stays theirs.")
with tab_identity:
    identity_section()
