"""AppTest: downloads never rerun the page, and a failed PNG export says so under its chart."""
from __future__ import annotations

import threading
import time

import plotly.express as px
import pytest

import ui.downloads as downloads
from tests.app.conftest import errors_of, unescape

PAGES = ["app_pages/overview.py", "app_pages/model_comparison.py", "app_pages/channel_report.py",
         "app_pages/journeys_funnels.py", "app_pages/validation.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_download_button_ignores_the_click(app, page):
    app.switch_page(page).run()
    assert errors_of(app) == []
    buttons = app.get("download_button")
    assert buttons, f"{page} has no download button to check"
    assert [b.proto.label for b in buttons if not b.proto.ignore_rerun] == []


def test_a_png_export_that_fails_is_reported_once(monkeypatch):
    def broken(fig):
        raise RuntimeError("The PNG export failed 2 times (NameError: kaleido_scopes is not defined).")

    monkeypatch.setattr(downloads, "figure_png", broken)
    make = downloads.png_maker(px.bar(x=["a"], y=[1]), "chart_k")
    with pytest.raises(RuntimeError):
        make()
    assert "failed 2 times" in downloads.png_failure("chart_k")
    assert downloads.png_failure("chart_k") is None  # shown once, then forgotten
    assert downloads.png_failure("other") is None


def test_a_failed_png_export_is_shown_under_its_chart_on_the_next_run(app, monkeypatch):
    monkeypatch.setattr(downloads, "_session_id", lambda: "this-session")
    monkeypatch.setattr(downloads, "figure_png", lambda fig: (_ for _ in ()).throw(
        RuntimeError("The PNG export failed 2 times (NameError: kaleido_scopes is not defined).")))
    app.switch_page("app_pages/model_comparison.py").run()
    assert not any("PNG export failed" in w.value for w in app.warning)
    with pytest.raises(RuntimeError):  # what the runtime runs when PNG is clicked under the heatmap
        downloads.png_maker(None, "share_heatmap")()
    app.run()
    shown = [unescape(w.value) for w in app.warning if "PNG export failed" in unescape(w.value)]
    assert shown == ["The PNG export failed 2 times (NameError: kaleido_scopes is not defined)."]
    app.run()  # said once
    assert not any("PNG export failed" in unescape(w.value) for w in app.warning)


@pytest.fixture
def media(monkeypatch):
    """A real Streamlit media file manager, and a switch for the session its calls come from."""
    import streamlit.runtime.media_file_manager as mfm
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    mgr = mfm.MediaFileManager(MemoryMediaFileStorage("/media"))
    session = {"id": "browser-1"}
    monkeypatch.setattr(mfm, "_get_session_id", lambda: session["id"])
    monkeypatch.setattr(downloads, "_media_file_manager", lambda: mgr)
    monkeypatch.setattr(downloads, "_HELD", {})
    monkeypatch.setattr(downloads, "_SWEEPER", [])
    yield mgr, session
    for timer in downloads._SWEEPER:
        timer.cancel()


def _click(mgr, session, make, name: str = "chart.html") -> str:
    """What Streamlit does for a deferred download: the page run registers ``make`` in the browser's
    session; the click runs it outside any script run; the stored file's name is returned."""
    session["id"] = "browser-1"
    placeholder = mgr.add_deferred(make, "text/html", "1.5.0", file_name=name)
    session["id"] = "dontcare"  # Streamlit runs the callable in a worker thread, without a session
    return mgr.execute_deferred(placeholder).rsplit("/", 1)[1]


def _other_sessions_finish_runs(mgr, runs: int = 2) -> None:
    for _ in range(runs):  # the end of any session's run collects unreferenced files
        mgr.remove_orphaned_files()


def test_streamlit_deletes_a_file_made_on_the_click_after_two_other_runs(media):
    """The race the hold closes: without it the browser's fetch answers 404 when two runs of other
    sessions end first (if this starts failing, Streamlit keeps such files itself)."""
    mgr, session = media
    stored = _click(mgr, session, lambda: b"<html>plain</html>")
    assert mgr.read_file(stored).content == b"<html>plain</html>"
    _other_sessions_finish_runs(mgr)
    assert mgr.read_file(stored) is None


def test_a_held_download_outlives_other_sessions_runs_until_released(media):
    mgr, session = media
    stored = _click(mgr, session, downloads.held(lambda: b"<html>chart</html>", "text/html", "chart.html"))
    _other_sessions_finish_runs(mgr, runs=5)
    assert mgr.read_file(stored).content == b"<html>chart</html>"
    with downloads._HOLD_LOCK:
        assert downloads.release(time.monotonic() + downloads.HOLD_SECONDS / 2) == 0  # too young
        assert downloads.release(time.monotonic() + downloads.HOLD_SECONDS + 1) == 1
    _other_sessions_finish_runs(mgr)
    assert mgr.read_file(stored) is None  # released files are deleted as Streamlit deletes any other


def test_a_text_download_is_held_as_its_utf8_bytes_never_read_as_a_path(media, tmp_path):
    mgr, session = media
    secret = tmp_path / "server.txt"
    secret.write_text("not for the browser")
    stored = _click(mgr, session, downloads.held(lambda: str(secret), "text/html", "name.html"), "name.html")
    _other_sessions_finish_runs(mgr)
    assert mgr.read_file(stored).content == str(secret).encode("utf-8")
    with pytest.raises(TypeError, match="bytes or text, not int"):
        downloads.held(lambda: 3, "text/csv", "x.csv")()


def test_released_hold_slots_are_reused(media):
    mgr, session = media
    first = _click(mgr, session, downloads.held(lambda: b"a", "text/html", "a.html"), "a.html")
    second = _click(mgr, session, downloads.held(lambda: b"b", "text/html", "b.html"), "b.html")
    assert sorted(downloads._HELD) == [0, 1]
    with downloads._HOLD_LOCK:
        downloads.release(time.monotonic() + downloads.HOLD_SECONDS + 1)
    third = _click(mgr, session, downloads.held(lambda: b"c", "text/html", "c.html"), "c.html")
    assert sorted(downloads._HELD) == [0, 1] and list(downloads._HELD.values()).count(None) == 1
    _other_sessions_finish_runs(mgr)
    assert mgr.read_file(first) is None and mgr.read_file(second) is None
    assert mgr.read_file(third).content == b"c"


def test_csv_downloads_are_made_on_the_click(app):
    """No table's CSV is written while the page runs: every download button is deferred."""
    app.switch_page("app_pages/model_comparison.py").run()
    buttons = app.get("download_button")
    assert any(b.proto.label == "Download CSV" for b in buttons)
    assert [b.proto.label for b in buttons if not b.proto.deferred_file_id and not b.proto.disabled] == []


def test_holding_a_file_logs_no_missing_context_warning_but_others_still_do(monkeypatch):
    """The hold registers files outside any script run on purpose; Streamlit's warning about such
    threads would otherwise be logged for every download (and is still logged for anything else)."""
    import logging

    import streamlit.runtime.media_file_manager as mfm
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    mgr = mfm.MediaFileManager(MemoryMediaFileStorage("/media"))
    monkeypatch.setattr(downloads, "_media_file_manager", lambda: mgr)
    monkeypatch.setattr(downloads, "_HELD", {})
    monkeypatch.setattr(downloads, "_SWEEPER", [])
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    logger.addHandler(handler)
    try:
        worker = threading.Thread(target=lambda: downloads.held(lambda: b"x", "text/csv", "x.csv")())
        worker.start()
        worker.join(10)
        assert records == []
        other = threading.Thread(target=get_script_run_ctx)
        other.start()
        other.join(10)
        assert len(records) == 1 and "missing ScriptRunContext" in records[0]
    finally:
        logger.removeHandler(handler)
        for timer in downloads._SWEEPER:
            timer.cancel()
