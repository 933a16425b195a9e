"""Download buttons: tables as spreadsheet-safe CSV or Excel, charts as HTML or PNG.

Every button here downloads without rerunning the page (``on_click="ignore"``). Streamlit drops a
session's file references when one of its script runs starts and deletes unreferenced files at
the end of *any* session's run, so a click that also reran the page raced its own download: with
several sessions busy, the file (or a deferred button's callable) was gone before the browser
fetched it, and the download answered 404. Without the rerun the page's files stay referenced for
as long as it shows them.

Cheap tables are passed as bytes; anything that takes time (Excel workbooks, chart files, the
report) is a callable that Streamlit runs only when the button is clicked. One race is left in
Streamlit 1.67: the file a callable makes is stored unreferenced, so the second end of any session's
run after it deletes it; when that comes before the browser's fetch the download fails (1 of 80 chart
downloads with 8 sessions on 2 busy cores, none with 1 or 4; bench/bench_load.py --downloads), and
clicking again works.
"""
from __future__ import annotations

import threading

import pandas as pd
import streamlit as st

from attribution.reports.export import figure_html, figure_png, png_unavailable_reason, to_excel, to_safe_csv
from ui.text import plain

# PNG exports that failed, by (session id, chart key): a deferred download runs outside the page
# script and cannot draw anything, so its failure is shown under the chart on the session's next run
_PNG_FAILURES: dict[tuple[str, str], str] = {}
_PNG_LOCK = threading.Lock()

# a download click must not rerun the page (see the module docstring)
NO_RERUN = "ignore"


def csv_download(frame: pd.DataFrame, filename: str, label: str = "Download CSV", key: str | None = None,
                 decimals: int | None = None) -> None:
    """A download button for one table as spreadsheet-safe CSV, numbers rounded by column name
    (money to cents, ratios to 4 decimals) or every float column to ``decimals`` when given
    (:func:`attribution.reports.export.rounded_for_export`)."""
    st.download_button(label, to_safe_csv(frame, decimals), file_name=filename, mime="text/csv",
                       key=key or f"dl_{filename}", icon=":material/download:", on_click=NO_RERUN)


def excel_download(tables: dict[str, pd.DataFrame], filename: str, key: str | None = None) -> None:
    """A download button for several tables as one Excel workbook, written only when clicked
    (openpyxl takes seconds for a few thousand rows: too slow for every rerun)."""
    st.download_button("Download all tables (Excel)", lambda: to_excel(tables), file_name=filename,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=key or f"xl_{filename}", icon=":material/table_view:", on_click=NO_RERUN)


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else ""


def png_maker(fig, key: str):
    """The deferred PNG export of one chart: :func:`figure_png` (which retries a failed render
    once); when that still fails, the message is kept for :func:`png_failure` and the error
    re-raised (the browser then says the file could not be made)."""
    where = (_session_id(), key)

    def make() -> bytes:
        try:
            return figure_png(fig)
        except RuntimeError as err:
            with _PNG_LOCK:
                _PNG_FAILURES[where] = str(err)
            raise

    return make


def png_failure(key: str) -> str | None:
    """The message of this session's last failed PNG export of chart ``key``, once (then forgotten)."""
    with _PNG_LOCK:
        return _PNG_FAILURES.pop((_session_id(), key), None)


def show_chart(fig, name: str, key: str | None = None) -> None:
    """Render a plotly figure with HTML and PNG downloads under it.

    Both files are made only when clicked. Without Chromium the PNG button is disabled and says
    why; the HTML download always works. A PNG export that failed twice says so under the chart.
    """
    key = key or name
    st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False,
                                                       "toImageButtonOptions": {"filename": name}})
    failed = png_failure(key)
    if failed:
        st.warning(plain(failed), icon=":material/image_not_supported:")
    # a horizontal row sizes each button to its label (columns cut the labels in half-width charts)
    row = st.container(horizontal=True, gap="small")
    row.download_button("Chart (HTML)", lambda: figure_html(fig), file_name=f"{name}.html", mime="text/html",
                        key=f"html_{key}", icon=":material/code:", on_click=NO_RERUN)
    reason = png_unavailable_reason()
    row.download_button("Chart (PNG)", png_maker(fig, key), file_name=f"{name}.png", mime="image/png",
                        key=f"png_{key}", icon=":material/image:", disabled=reason is not None, help=reason,
                        on_click=NO_RERUN)
