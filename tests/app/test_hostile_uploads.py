"""The app with hostile uploads: names that try to reach other files, bombs, the IHC database."""
from __future__ import annotations

import gzip

import pytest

from tests.app.conftest import errors_of, unescape
from tests.app.test_core_pages import CONVERSIONS, _shown, _upload
from tests.unit.ihc.ihc_db import SESSIONS, make_db

IHC_SHAPE = "IHC challenge database (SQLite)"
TP_SHAPE = "Touchpoints + conversions (+ spend)"


# the uploader only accepts names ending in .db/.sqlite/.sqlite3 (the library tests cover the rest)
@pytest.mark.parametrize("name", ["challenge.db", "..%2f..%2fchallenge.db", "x?mode=rwc#y.db", "../../x.db",
                                  "%00.db", "n" * 300 + ".db"])
def test_ihc_database_upload_loads_its_journeys(app, tmp_path, name):
    data = make_db(tmp_path / "source.db").read_bytes()
    at = _upload(app, IHC_SHAPE, {"ihc_db": (name, data)})
    assert errors_of(at) == []
    assert any(f"{len(SESSIONS)} touchpoints" in s.value for s in at.success), _shown(at)


def test_gzip_bomb_upload_is_refused_by_its_expanded_size(app, monkeypatch):
    monkeypatch.setenv("ATTRIBUTION_MAX_UPLOAD_MB", "1")
    body = b"user_id,ts,channel\n" + b"u1,2024-01-01 10:00,Search\n" * 200_000  # 5.4 MB
    bomb = gzip.compress(body, 9)
    assert len(bomb) < 100_000
    at = _upload(app, TP_SHAPE, {"touchpoints": ("bomb.csv.gz", bomb), "conversions": ("c.csv", CONVERSIONS)})
    assert not at.exception
    assert "bomb.csv.gz expands to more than 1.0 MB" in _shown(at)


MARKUP = "![t](http://127.0.0.1:9/x.png) <img src=x> :red[big] $x^2$ **b**"


def _markdown_texts(at) -> list[str]:
    kinds = ("markdown", "caption", "subheader", "header", "title", "error", "warning", "info", "success")
    out = []
    for kind in kinds:
        out += [e.value for e in getattr(at, kind, [])]
        out += [e.value for e in getattr(at.sidebar, kind, [])]
    out += [e.label for e in at.get("expandable")]
    return out


def test_user_text_is_never_markdown(app):
    """A dataset, file and channel named with Markdown/HTML is shown as written, not rendered."""
    from markdown_it import MarkdownIt

    touches = ("user_id,ts,channel\nu1,2024-01-01 10:00,\"" + MARKUP + "\"\n").encode()
    app.switch_page("app_pages/data_sources.py").run()
    app.text_input(key="upload_name").set_value(MARKUP).run()
    at = _upload(app, TP_SHAPE, {"touchpoints": (MARKUP + ".csv", touches),
                                 "conversions": ("c.csv", CONVERSIONS)})
    assert not at.exception
    at.switch_page("app_pages/overview.py").run()
    at.switch_page("app_pages/data_sources.py").run()
    shown = [t for t in _markdown_texts(at) if "png" in t]
    assert shown, _markdown_texts(at)
    md = MarkdownIt("commonmark")
    for text in shown:
        html = md.render(text)
        assert "<img" not in html and "<a " not in html and "<strong>" not in html, (text, html)
        assert ":red[" not in text and "$x^2$" not in text


def test_a_foreign_exception_shows_a_note_not_a_traceback(workspace_env, monkeypatch, caplog):
    from streamlit.testing.v1 import AppTest

    from attribution.engine.duckdb_dataset import DuckDBDataset
    from tests.app.conftest import APP

    def broken(self, *args, **kwargs):
        raise RuntimeError("boom at /srv/secret/path.py")

    monkeypatch.setattr(DuckDBDataset, "summary", broken)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "Something went wrong while drawing this page" in shown and "/srv/secret" not in shown
    assert "boom at /srv/secret/path.py" in caplog.text  # logged for the operator


def test_a_workspace_in_use_by_another_process_is_explained(workspace_env):
    import subprocess
    import sys

    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP, ROOT

    path = workspace_env / "ws.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))
        assert len(pages) >= 8
        for page in [None, *pages]:  # the start page, then every page in turn
            if page:
                at.switch_page(page).run()
            assert not at.exception, page
            shown = " ".join(e.value for e in at.error)
            assert "is in use by another process" in shown and "ATTRIBUTION\\_WORKSPACE" in shown, page
            assert "Traceback" not in shown and "IOException" not in shown, page
            assert "ws.duckdb" in unescape(shown) and str(workspace_env) not in unescape(shown), page  # the file, not the server path
    finally:
        holder.kill()
        holder.wait()


def test_windows_file_upload_with_the_encoding_choice(app):
    """A cp1252 file is refused as not UTF-8 with a hint; choosing Windows / Latin-1 loads it."""
    touches = "user_id,ts,channel\nu1,2024-01-01 10:00,Caf\u00e9 \u20ac\nu2,2024-01-02 10:00,B\n".encode("cp1252")
    at = _upload(app, TP_SHAPE, {"touchpoints": ("win.csv", touches), "conversions": ("c.csv", CONVERSIONS)})
    assert "win.csv is not valid UTF-8" in _shown(at)
    at.selectbox(key="map_touchpoints_encoding").set_value("Windows / Latin-1 (cp1252)").run()
    at.button(key="upload_go").click().run()
    assert errors_of(at) == []
    assert any("2 touchpoints" in s.value for s in at.success), _shown(at)


def test_ihc_database_upload_starts_with_no_lookback(app, tmp_path):
    # pre-built journeys: the lookback control starts at Unlimited, touch-level data at 30 days
    assert app.sidebar.selectbox(key="js_lookback").value == "30 days"
    at = _upload(app, IHC_SHAPE, {"ihc_db": ("challenge.db", make_db(tmp_path / "source.db").read_bytes())})
    at.switch_page("app_pages/overview.py").run()
    assert errors_of(at) == []
    assert at.sidebar.selectbox(key="js_lookback").value == "Unlimited"
