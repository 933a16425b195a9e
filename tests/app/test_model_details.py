"""AppTest: the Model details view of Model comparison shows exactly what the library computes."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import attribution.models as models
from attribution.engine.duckdb_dataset import open_dataset
from attribution.store.workspace import Workspace
from tests.app.conftest import errors_of, unescape
from tests.app.test_core_pages import PATHS, _upload
from tests.app.test_reports_pages import _values
from ui.state import ensure_sample

PAGE = "app_pages/model_comparison.py"


def _table(at, *columns: str) -> pd.DataFrame:
    """The one dataframe on the page whose first columns are ``columns``."""
    found = [d.value for d in at.dataframe if tuple(d.value.columns[:len(columns)]) == columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _figure(at, title: str) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def _same(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected.reset_index(drop=True),
                                  check_dtype=False, rtol=1e-12)


@pytest.fixture
def sample_journeys(tmp_path_factory):
    """``journeys(settings)`` of the built-in sample, loaded into a workspace of the test's own."""
    ws = Workspace(tmp_path_factory.mktemp("ref") / "ref.duckdb")
    ds = open_dataset(ws, ensure_sample(ws))
    yield ds.journeys
    ws.close()


def test_model_details_on_the_sample_are_the_library_numbers(app, sample_journeys):
    app.switch_page(PAGE).run()
    assert errors_of(app) == []
    assert [t.label for t in app.tabs] == ["Markov chain", "Shapley by position", "IHC sessions"]
    data = sample_journeys(app.session_state["journey_settings"])

    effects = models.removal_effects(data).sort_values("removal_effect", ascending=False)
    shown = _table(app, "channel", "removal_effect")
    _same(shown, effects)
    # credit by removal effect hands out exactly the journeys' conversions
    assert shown["conversions"].sum() == pytest.approx(data.total_conversions)

    matrix = models.transition_matrix(data)
    _same(_table(app, "from_state", "to_state"), matrix)
    heat = _figure(app, "Transition probabilities (row: from, column: to)")["data"][0]
    assert heat["y"][0] == "(start)" and heat["x"][-2:] == ["(conversion)", "(null)"]
    start_display = matrix[(matrix["from_state"] == "(start)") & (matrix["to_state"] == "Display")]
    z = np.reshape(_values(heat["z"]), (len(heat["y"]), len(heat["x"])))
    assert z[0, heat["x"].index("Display")] == pytest.approx(start_display["probability"].item())

    _same(_table(app, "channel", "position"), models.shapley_by_position(data, max_positions=10))
    sessions = models.ihc_sessions(data)
    shown = _table(app, "conversion_id", "session_id")
    _same(shown, sessions)
    # per conversion, each IHC component is shared out over its sessions
    sums = shown.groupby("conversion_id")[["initializer", "holder", "closer", "ihc"]].sum()
    assert ((sums - 1).abs() < 1e-9).all().all()

    labels = [b.proto.label for b in app.get("download_button")]
    assert labels.count("Download CSV") >= 5  # the wide credit table + the four details tables


def test_markov_order_picked_on_the_page_applies_to_the_details(app, sample_journeys):
    app.switch_page(PAGE).run()
    app.selectbox(key="p_order").set_value(2).run()
    assert errors_of(app) == []
    data = sample_journeys(app.session_state["journey_settings"])
    _same(_table(app, "channel", "removal_effect"),
          models.removal_effects(data, order=2).sort_values("removal_effect", ascending=False))
    assert any(" > " in s for s in _table(app, "from_state", "to_state")["from_state"])


def test_model_details_on_aggregated_paths(app):
    # paths "a > b": 2 conversions, 3 nulls; "b": 1 conversion, 5 nulls. The chain: start→a 5/11,
    # start→b 6/11, a→b 1, b→conversion 3/11. P(conv) = 3/11; without a 18/121, so RE(a) = 5/11;
    # without b nothing converts, RE(b) = 1; credit 3 conversions × RE / ΣRE: a 15/16, b 33/16.
    at = _upload(app, "Aggregated paths (ChannelAttribution layout)", {"paths": ("paths.csv", PATHS)})
    at.switch_page(PAGE).run()
    assert errors_of(at) == []
    effects = _table(at, "channel", "removal_effect").set_index("channel")
    assert effects.loc["a", "removal_effect"] == pytest.approx(5 / 11)
    assert effects.loc["b", "removal_effect"] == pytest.approx(1.0)
    assert effects["conversions"].to_dict() == pytest.approx({"a": 15 / 16, "b": 33 / 16})
    matrix = _table(at, "from_state", "to_state").set_index(["from_state", "to_state"])
    assert matrix.loc[("(start)", "a"), "count"] == 5 and matrix.loc[("b", "(conversion)"), "probability"] == pytest.approx(3 / 11)
    # Shapley: "a > b" shares its 2 conversions (revenue 10) between a at 1 and b at 2; "b" gives b at 1
    by_position = _table(at, "channel", "position").set_index(["channel", "position"])
    assert by_position["conversions"].to_dict() == pytest.approx({("a", 1): 1.0, ("b", 1): 1.0, ("b", 2): 1.0})
    assert by_position["revenue"].to_dict() == pytest.approx({("a", 1): 5.0, ("b", 1): 4.0, ("b", 2): 5.0})
    # IHC needs sessions: the tab says what to load instead of a table
    assert any("IHC needs touch-level data" in unescape(i.value) for i in at.info)
    assert not any(tuple(d.value.columns[:2]) == ("conversion_id", "session_id") for d in at.dataframe)
