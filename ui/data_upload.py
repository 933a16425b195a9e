"""The Data page's upload flow: pick a shape, upload, confirm the column mapping, load, report."""
from __future__ import annotations

import streamlit as st

from attribution import ingest
from attribution.engine.duckdb_dataset import create_dataset
from attribution.errors import DataValidationError
from ui import state
from ui.downloads import csv_download
from ui.text import plain, readable_cells

NONE = "— not in file —"
SHAPES: dict[str, list[tuple[str, str, bool]]] = {
    # shape label -> [(input role, uploader label, required)]
    "Touchpoints + conversions (+ spend)": [
        ("touchpoints", "Touchpoints (user, time, channel…)", True),
        ("conversions", "Conversions (user, time, revenue…)", True),
        ("spend", "Daily spend per channel (optional)", False)],
    "Event log (one file with a conversion flag)": [
        ("event_log", "Event log (user, time, channel, conversion flag, value)", True),
        ("spend", "Daily spend per channel (optional)", False)],
    "Aggregated paths (ChannelAttribution layout)": [
        ("paths", "Paths (path; conversions; value; non-conversions)", True)],
    "IHC challenge database (SQLite)": [("ihc_db", "SQLite database (.db, .sqlite)", True)],
    "IHC API journeys (JSON or CSV)": [("ihc_journeys", "Customer journeys (JSON or CSV)", True)],
}
FILE_TYPES = {"ihc_db": ["db", "sqlite", "sqlite3"], "ihc_journeys": ["json", "csv"]}
DEFAULT_TYPES = ["csv", "gz", "parquet", "txt", "tsv"]
#: text encodings offered for CSV uploads (label -> the loader's encoding option)
ENCODINGS = {"UTF-8 (default; UTF-16 with a byte-order mark is detected)": "utf-8",
             "Windows / Latin-1 (cp1252)": "latin-1", "UTF-16": "utf-16"}


def _preview(upload, role: str, encoding: str = "utf-8") -> ingest.FilePreview:
    """The preview of an upload, made once per uploaded file and encoding (not on every rerun),
    with the upload limit applied to the decompressed size."""
    key = f"_preview_{role}"
    kept = st.session_state.get(key)
    if kept is None or kept[0] != (upload.file_id, encoding):
        limit = int(state.config().max_upload_mb * 2**20)
        kept = ((upload.file_id, encoding),
                ingest.preview((upload.name, upload.getvalue()), max_bytes=limit, encoding=encoding))
        st.session_state[key] = kept
    return kept[1]


def _mapping_editor(role: str, upload, key: str) -> dict[str, str | None] | None:
    """Preview one uploaded file and let the user confirm the guessed column mapping (and, for
    text files, the encoding: returned under the mapping's 'encoding' option)."""
    encoding = "utf-8"
    if role != "ihc_db":
        label = st.selectbox("Text encoding (CSV)", list(ENCODINGS), key=f"{key}_encoding",
                             help="Files saved by Excel on Windows as plain 'CSV' are usually Windows / Latin-1.")
        encoding = ENCODINGS[label]
    try:
        prev = _preview(upload, role, encoding)
    except DataValidationError as err:
        st.error(plain(err))
        return None
    if not prev.encoding_ok:
        st.warning(f"{plain(prev.name)} is not valid UTF-8: characters such as é or € would be refused. Choose "
                   "“Windows / Latin-1” above if the file was saved by Excel on Windows.")
    st.caption(f"{plain(prev.name)}: {prev.format}" + (f", delimiter “{prev.delimiter}”" if prev.delimiter else "")
               + f", {ingest.file_size(prev.n_bytes)}")
    st.dataframe(readable_cells(prev.rows), hide_index=True, height=180)
    if role == "ihc_db":
        return {}
    guess = ingest.guess_mapping(list(prev.columns), role)
    required = ingest.REQUIRED.get(role, [])
    options = [NONE, *prev.columns]
    cols = st.columns(4)
    mapping: dict[str, str | None] = {}
    for i, canonical in enumerate([*required, *ingest.OPTIONAL.get(role, [])]):
        default = guess.get(canonical)
        label = canonical + (" *" if canonical in required else "")
        choice = cols[i % 4].selectbox(label, options, index=options.index(default) if default in options else 0,
                                       key=f"{key}_{canonical}")
        mapping[canonical] = None if choice == NONE else choice
    if encoding != "utf-8":
        mapping["encoding"] = encoding
    if required and not any(mapping.get(c) for c in required):
        st.warning(f"No column of {plain(prev.name)} could be matched to {', '.join(required)}. Check that this is "
                   "the right file and that it is delimited text (CSV, TSV, gzip) or Parquet with a header "
                   "row; if it is, choose its columns above.")
    return mapping


def upload_form() -> None:
    """Render the whole upload flow; on success the new dataset becomes current."""
    shape = st.radio("What do your files look like?", list(SHAPES), horizontal=False, key="upload_shape")
    files, mappings, missing = {}, {}, []
    for role, label, required in SHAPES[shape]:
        upload = st.file_uploader(label, type=FILE_TYPES.get(role, DEFAULT_TYPES), key=f"up_{role}")
        if upload is None:
            if required:
                missing.append(label)
            continue
        with st.expander(f"Columns of {plain(upload.name)}", expanded=True):
            mapping = _mapping_editor(role, upload, f"map_{role}")
        if mapping is None:
            missing.append(label)
            continue
        unmapped = [c for c in ingest.REQUIRED.get(role, []) if not mapping.get(c)]
        if unmapped:
            missing.append(f"{upload.name}: the column for {', '.join(unmapped)} (choose it above)")
        files[role] = (upload.name, upload.getvalue())
        if any(mapping.values()):
            mappings[role] = {k: v for k, v in mapping.items() if v}
    first_name = next(iter(files.values()))[0] if files else ""
    name = st.text_input("Dataset name", key="upload_name", placeholder=first_name or "named after the first file")
    if st.button("Load dataset", type="primary", disabled=bool(missing), key="upload_go"):
        _load(name.strip() or first_name, files, mappings)
    if missing:
        st.caption("Still needed: " + "; ".join(missing))


def _load(name: str, files: dict, mappings: dict) -> None:
    cfg = state.config()
    try:
        with st.spinner("Loading and validating…"):
            ds = create_dataset(state.workspace(), name or "Upload", state.owner(), mappings=mappings,
                                max_bytes=int(cfg.max_upload_mb * 2**20), **files)
    except DataValidationError as err:
        st.error(f"Nothing was loaded. {plain(err)}")
        if getattr(err, "rejected", None) is not None and len(err.rejected):
            csv_download(err.rejected, "rejected_rows.csv", "Download the offending rows")
        return
    state.use_dataset(ds.dataset_id)
    st.session_state["last_report"] = ds.report
    st.rerun()


def report_view(report) -> None:
    """Show what a load kept, rejected and warned about."""
    tables = ", ".join(f"{n:,} {t}" for t, n in report.tables.items() if t != "rejected" and n)
    st.success(f"Loaded {tables}.")
    for issue in report.warnings:
        where = issue.location
        (st.warning if issue.severity == "warning" else st.info)(
            plain(issue.message_for("app") + (f" ({where})" if where else "")))
    if len(report.rejected_counts):
        st.warning(f"{int(report.rejected_counts['rows'].sum()):,} rows were rejected and kept aside:")
        st.dataframe(report.rejected_counts, hide_index=True)
