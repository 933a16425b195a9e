"""AppTest: the Validation page, and confidence intervals on the Model comparison page."""
from __future__ import annotations

import json

from tests.app.conftest import errors_of
from tests.app.test_core_pages import PATHS, _upload


def _specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _titles(at) -> list[str]:
    return [s["layout"].get("title", {}).get("text", "") for s in _specs(at)]


def _text(at) -> str:
    return " ".join(e.value for kind in (at.info, at.warning, at.caption, at.markdown) for e in kind)


def test_validation_on_the_sample(app):
    app.switch_page("app_pages/validation.py").run()
    assert errors_of(app) == []
    app.number_input(key="val_n_boot").set_value(40).run()
    assert errors_of(app) == []
    titles = _titles(app)
    for expected in ("with 95% intervals", "Rank correlation", "−", "Hold-out AUC", "wrong channels",
                     "true incremental share"):
        assert any(expected in t for t in titles), (expected, titles)
    # interval table: every model and channel, intervals ordered
    table = app.dataframe[0].value
    assert {"model", "channel", "conversions", "ci_low", "ci_high"} <= set(table.columns)
    assert (table["ci_low"] <= table["ci_high"]).all()
    assert table["model"].nunique() == len(app.multiselect(key="val_models").value)
    # the sample opens on every conversion (attribution.defaults); the truth counts purchases, so the
    # page says which stage to pick, and with it the warning goes
    assert "pick the **purchase** conversion stage" in _text(app)
    app.sidebar.selectbox(key="js_stage").set_value("purchase").run()
    assert errors_of(app) == []
    assert "pick the **purchase** conversion stage" not in _text(app)
    assert "Truth = purchases lost" in _text(app)


def test_truth_warns_when_the_stage_is_not_purchases(app):
    app.switch_page("app_pages/validation.py").run()
    app.number_input(key="val_n_boot").set_value(20).run()
    app.multiselect(key="val_models").set_value(["Linear", "Markov chain"]).run()
    app.selectbox(key="js_stage").set_value("lead").run()
    assert errors_of(app) == []
    assert "pick the **purchase** conversion stage" in _text(app)


def test_validation_on_aggregated_paths_has_no_truth(app):
    at = _upload(app, "Aggregated paths (ChannelAttribution layout)", {"paths": ("paths.csv", PATHS)})
    at.switch_page("app_pages/validation.py").run()
    assert errors_of(at) == []
    assert "known only for simulated data" in _text(at)
    assert "Time decay" not in at.multiselect(key="val_models").value


def test_model_comparison_shows_intervals_on_request(app):
    app.switch_page("app_pages/model_comparison.py").run()
    assert not any("error_y" in t for s in _specs(app) for t in s["data"])
    app.toggle(key="show_ci").set_value(True).run()
    app.number_input(key="mc_n_boot").set_value(30).run()
    assert errors_of(app) == []
    bars = next(s for s in _specs(app) if "intervals" in s["layout"]["title"]["text"])
    assert all("error_y" in trace for trace in bars["data"])
    tables = [d.value for d in app.dataframe]
    assert any({"ci_low", "ci_high"} <= set(t.columns) for t in tables)
