"""AppTest: downloads never rerun the page, and a failed PNG export says so under its chart."""
from __future__ import annotations

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
