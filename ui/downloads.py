"""Download buttons: tables as spreadsheet-safe CSV or Excel, charts as HTML or PNG, the report.

Every button here is made by :func:`deferred_download`: its file is made only when it is clicked
(Streamlit runs the callable then), so a page rerun costs no CSV, workbook or chart file, and the
click does not rerun the page (``on_click="ignore"``). Streamlit drops a session's file references
when one of its script runs starts and deletes unreferenced files at the end of *any* session's
run, so a click that also reran the page raced its own download (the file, or a deferred button's
callable, was gone before the browser fetched it: a 404).

The file a callable makes is stored unreferenced in Streamlit 1.67 (``execute_deferred``): the
second end of any session's run after it deletes it, and with several sessions busy that could
come before the browser fetched it (1 of 80 chart downloads with 8 sessions on 2 busy cores).
So the callable also registers the bytes it returns with the media file manager itself, under a
slot of its own (:func:`hold`): the same bytes, type and name give Streamlit's file the same id,
which is then referenced and cannot be deleted. After :data:`HOLD_SECONDS` the slot is pointed at
an empty file, which lets Streamlit delete the download as before; slots are reused, so the files
held at any time are the downloads of the last :data:`HOLD_SECONDS`.
"""
from __future__ import annotations

import logging
import threading
import time

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

#: how long the file a download's callable made stays referenced (the browser asks for it as soon as
#: it has the address, seconds later under load; once the request has started the file can go)
HOLD_SECONDS = 30.0
_HOLD_PREFIX = "held-download:"
_RELEASED = (b"", "text/plain", None)
# slot -> when its file was registered (None: released); a slot is reused once released
_HELD: dict[int, float | None] = {}
_HOLD_LOCK = threading.Lock()
_SWEEPER: list[threading.Timer] = []


def _media_file_manager():
    from streamlit import runtime

    return runtime.get_instance().media_file_mgr if runtime.exists() else None


# hold() registers files outside any script run on purpose: Streamlit's warning that a thread has no
# script run context would be logged for every download, so it is dropped for these calls only
_OUTSIDE_RUN = threading.local()


class _HoldCallsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_OUTSIDE_RUN, "active", False)


_CONTEXT_LOGGER = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
if not any(isinstance(f, _HoldCallsOnly) for f in _CONTEXT_LOGGER.filters):
    _CONTEXT_LOGGER.addFilter(_HoldCallsOnly())


def _register(mgr, slot: int, data: bytes, mime: str, file_name: str | None) -> None:
    """Point hold slot ``slot`` at the file of these bytes, type and name."""
    _OUTSIDE_RUN.active = True
    try:
        mgr.add(data, mime, f"{_HOLD_PREFIX}{slot}", file_name=file_name, is_for_static_download=True)
    finally:
        _OUTSIDE_RUN.active = False


def hold(data: bytes, mime: str, file_name: str, now: float | None = None) -> int | None:
    """Keep the file Streamlit stores for a deferred download (these bytes, ``mime``, ``file_name``)
    referenced for :data:`HOLD_SECONDS`, and release files held longer; the slot used, or None
    without a Streamlit runtime. Called by the callable, just before it returns ``data``."""
    mgr = _media_file_manager()
    if mgr is None:
        return None
    now = time.monotonic() if now is None else now
    with _HOLD_LOCK:
        release(now)
        slot = next((s for s, since in _HELD.items() if since is None), len(_HELD))
        _HELD[slot] = now
        _register(mgr, slot, data, mime, file_name)
        if not _SWEEPER or not _SWEEPER[0].is_alive():  # release them even if no download follows
            _SWEEPER[:] = [threading.Timer(HOLD_SECONDS + 1, _sweep)]
            _SWEEPER[0].daemon = True
            _SWEEPER[0].start()
    return slot


def release(now: float | None = None) -> int:
    """Point every slot held longer than :data:`HOLD_SECONDS` at an empty file (Streamlit then
    deletes the download at the end of the next runs, as it does any file no page shows); the number
    released. Callers hold ``_HOLD_LOCK``."""
    mgr = _media_file_manager()
    now = time.monotonic() if now is None else now
    done = 0
    for slot, since in _HELD.items():
        if since is not None and now - since >= HOLD_SECONDS:
            if mgr is not None:
                _register(mgr, slot, *_RELEASED)
            _HELD[slot] = None
            done += 1
    return done


def _sweep() -> None:
    with _HOLD_LOCK:
        release()
        _SWEEPER.clear()
        if any(since is not None for since in _HELD.values()):
            _SWEEPER.append(threading.Timer(HOLD_SECONDS + 1, _sweep))
            _SWEEPER[0].daemon = True
            _SWEEPER[0].start()


def held(make, mime: str, file_name: str):
    """``make`` (a callable returning the file's bytes, or text: UTF-8) wrapped so the file stays
    referenced until the browser has fetched it (:func:`hold`). Returns bytes, always: Streamlit's
    file manager would read a string as the path of a file to load."""
    def make_and_hold() -> bytes:
        data = make()
        data = data.encode("utf-8") if isinstance(data, str) else data
        if not isinstance(data, bytes):
            raise TypeError(f"a download must be bytes or text, not {type(data).__name__}")
        hold(data, mime, file_name)
        return data

    return make_and_hold


def deferred_download(label: str, make, *, file_name: str, mime: str, key: str, icon: str,
                      container=None, **kwargs) -> None:
    """A download button whose file ``make()`` (bytes) builds only when clicked, without rerunning
    the page, and that stays fetchable under load (see the module docstring). ``container``: where
    the button goes (default: the current one); other keyword arguments go to
    ``st.download_button`` (``help``, ``disabled``)."""
    (container or st).download_button(label, held(make, mime, file_name), file_name=file_name, mime=mime,
                                      key=key, icon=icon, on_click=NO_RERUN, **kwargs)


def csv_download(frame: pd.DataFrame, filename: str, label: str = "Download CSV", key: str | None = None,
                 decimals: int | None = None) -> None:
    """A download button for one table as spreadsheet-safe CSV, numbers rounded by column name
    (money to cents, ratios to 4 decimals) or every float column to ``decimals`` when given
    (:func:`attribution.reports.export.rounded_for_export`); written only when clicked."""
    deferred_download(label, lambda: to_safe_csv(frame, decimals), file_name=filename, mime="text/csv",
                      key=key or f"dl_{filename}", icon=":material/download:")


def excel_download(tables: dict[str, pd.DataFrame], filename: str, key: str | None = None) -> None:
    """A download button for several tables as one Excel workbook, written only when clicked
    (openpyxl takes seconds for a few thousand rows: too slow for every rerun)."""
    deferred_download("Download all tables (Excel)", lambda: to_excel(tables), file_name=filename,
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      key=key or f"xl_{filename}", icon=":material/table_view:")


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
    deferred_download("Chart (HTML)", lambda: figure_html(fig), file_name=f"{name}.html", mime="text/html",
                      key=f"html_{key}", icon=":material/code:", container=row)
    reason = png_unavailable_reason()
    deferred_download("Chart (PNG)", png_maker(fig, key), file_name=f"{name}.png", mime="image/png",
                      key=f"png_{key}", icon=":material/image:", container=row, disabled=reason is not None,
                      help=reason)
