"""Hostile uploads in a real browser, on a server started with the production flags: an IHC database
under a name full of path and URI syntax loads its own journeys (items 1 and 6 of #18), a dataset
named with Markdown/HTML is shown as text and fetches nothing (4), and bad files show our message,
never a traceback (5)."""
from __future__ import annotations

import gzip

import pytest

from tests.e2e.conftest import _skip_reason, serve_app
from tests.e2e.test_app_browser import _exceptions, _go, _settle
from tests.unit.ihc.ihc_db import SESSIONS, make_db

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PRODUCTION = ("--client.showErrorDetails", "none", "--client.toolbarMode", "viewer")
HOSTILE_NAME = "..%2f..%2fchallenge?mode=rwc#x.db"
MARKUP = "![t](http://127.0.0.1:9/x.png) <img src=x> **bold**"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app as deployed (Dockerfile flags): no error details in the browser."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    with serve_app(tmp_path_factory.mktemp("e2e_prod"), PRODUCTION) as url:
        yield url


def _upload_tab(page, shape: str) -> None:
    _go(page, "Data")
    page.get_by_role("tab", name="Upload").click()
    page.get_by_text(shape).click()
    _settle(page)


def test_ihc_database_with_a_hostile_name_and_a_markup_dataset_name(page, tmp_path):
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "x.png" in r.url or r.url.endswith("/x") else None)
    folder = tmp_path / "up"
    folder.mkdir()
    db = make_db(folder / HOSTILE_NAME)
    _upload_tab(page, "IHC challenge database (SQLite)")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(db))
    page.get_by_text(f"Columns of {HOSTILE_NAME}").wait_for()
    _settle(page)
    page.get_by_label("Dataset name").fill(MARKUP)
    page.get_by_label("Dataset name").press("Enter")
    _settle(page)
    page.get_by_role("button", name="Load dataset").click()
    page.get_by_text(f"Loaded {len(SESSIONS)} touchpoints, 4 conversions").wait_for()
    assert _exceptions(page) == []
    # the dataset's name is shown as written, in the sidebar and on the page; no image, no bold
    _go(page, "Overview")
    assert page.get_by_text(MARKUP, exact=True).count() >= 1
    assert page.locator('img[src*="x.png"], img[src="x"]').count() == 0
    assert page.locator("strong", has_text="bold").count() == 0
    assert fetched == []
    # its journeys: the Touchpoints metric counts the database's sessions
    metric = page.locator('[data-testid="stMetric"]', has_text="Touchpoints")
    assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == str(len(SESSIONS))
    page.screenshot(path=str(tmp_path / "ihc_overview.png"))


def test_bad_files_show_our_message_not_a_traceback(page, tmp_path):
    cut = tmp_path / "cut.csv.gz"
    full = gzip.compress(b"user_id,ts,channel\n" + b"u1,2024-01-01 10:00,Search\n" * 50_000)
    cut.write_bytes(full[: len(full) // 2])
    damaged_db = tmp_path / "half.db"
    damaged_db.write_bytes(make_db(tmp_path / "whole.db").read_bytes()[:3000])
    _upload_tab(page, "Touchpoints + conversions (+ spend)")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(cut))
    page.get_by_text("cut.csv.gz: the gzip data ends before its end marker").wait_for()
    _upload_tab(page, "IHC challenge database (SQLite)")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(damaged_db))
    page.get_by_text("half.db: the SQLite database cannot be read").wait_for()
    assert _exceptions(page) == []
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "site-packages" not in body
