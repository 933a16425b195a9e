"""AppTest: the Model comparison page on the sample and on aggregated paths."""
from __future__ import annotations

import json

from tests.app.conftest import errors_of
from tests.app.test_core_pages import PATHS, _upload


def _chart_titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_model_comparison_on_sample(app):
    app.switch_page("app_pages/model_comparison.py").run()
    assert errors_of(app) == []
    picked = app.multiselect(key="models").value
    assert "Markov chain" in picked and "Time decay" in picked and len(picked) == 14
    titles = _chart_titles(app)
    assert "Share of credit" in titles and any("vs" in t for t in titles)
    # every model credits the same total
    wide = app.dataframe[0].value
    totals = wide.drop(columns="channel").sum()
    assert (abs(totals - totals.iloc[0]) < 1e-6).all()


def test_changing_a_parameter_changes_only_that_model(app):
    app.switch_page("app_pages/model_comparison.py").run()
    before = app.dataframe[0].value.set_index("channel")
    app.number_input(key="p_half_life").set_value(1.0).run()
    after = app.dataframe[0].value.set_index("channel")
    assert not before["Time decay"].equals(after["Time decay"])
    assert before["Linear"].equals(after["Linear"])


def test_aggregated_paths_mark_time_models_unavailable(app):
    at = _upload(app, "Aggregated paths (ChannelAttribution layout)", {"paths": ("paths.csv", PATHS)})
    at.switch_page("app_pages/model_comparison.py").run()
    assert errors_of(at) == []
    picked = at.multiselect(key="models").value
    assert "Time decay" not in picked and "Linear" in picked
    note = " ".join(c.value for c in at.caption)
    assert "Time decay" in note and "timestamps" in note
