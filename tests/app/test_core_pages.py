"""AppTest: the app starts on the sample, the Data page loads every shape and explains bad files."""
from __future__ import annotations

import gzip

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, errors_of, unescape

TOUCHES = b"user_id,ts,channel\nu1,2024-01-01 10:00,Search\nu1,2024-01-02 10:00,Email\nu2,2024-01-03,Display\n"
CONVERSIONS = b"user_id,ts,revenue\nu1,2024-01-02 12:00,50\n"
EVENT_LOG = (b"cookie,time,interaction,conversion,conversion_value,channel\n"
             b"a,2018-07-01T10:00:00Z,impression,0,0,Facebook\n"
             b"a,2018-07-02T10:00:00Z,conversion,1,20,Instagram\n"
             b"b,2018-07-03T10:00:00Z,impression,0,0,Facebook\n")
PATHS = b"path;total_conversions;total_conversion_value;total_null\na > b;2;10;3\nb;1;4;5\n"


def test_app_starts_on_sample_data(app):
    assert errors_of(app) == []
    assert app.title[0].value == "Marketing attribution analytics"
    labels = {m.label for m in app.metric}
    assert {"Users", "Touchpoints", "Conversions", "Revenue", "Spend", "Channels"} <= labels
    assert len(app.get("plotly_chart")) == 2
    assert app.query_params["ws"]  # the session's owner token is kept in the URL


def _upload(at: AppTest, shape: str, files: dict[str, tuple[str, bytes]]) -> AppTest:
    at.switch_page("app_pages/data_sources.py").run()
    at.radio(key="upload_shape").set_value(shape).run()
    for role, (name, data) in files.items():
        at.file_uploader(key=f"up_{role}").set_value((name, data, "text/csv")).run()
    button = at.button(key="upload_go")
    if not button.proto.disabled:  # a file that cannot even be previewed disables loading
        button.click().run()
    return at


@pytest.mark.parametrize("shape, files, expected", [
    ("Touchpoints + conversions (+ spend)",
     {"touchpoints": ("tp.csv", TOUCHES), "conversions": ("conv.csv", CONVERSIONS)}, "3 touchpoints"),
    ("Touchpoints + conversions (+ spend)",
     {"touchpoints": ("tp.csv.gz", gzip.compress(TOUCHES)), "conversions": ("conv.csv", CONVERSIONS)},
     "3 touchpoints"),
    ("Event log (one file with a conversion flag)", {"event_log": ("events.csv", EVENT_LOG)}, "touchpoints"),
    ("Aggregated paths (ChannelAttribution layout)", {"paths": ("paths.csv", PATHS)}, "2 paths"),
])
def test_good_upload_of_each_shape(app, shape, files, expected):
    at = _upload(app, shape, files)
    assert errors_of(at) == []
    assert any(expected in s.value for s in at.success), [s.value for s in at.success]
    # the upload became the current dataset and every page still renders
    at.switch_page("app_pages/overview.py").run()
    assert errors_of(at) == []


@pytest.mark.parametrize("name, data, words", [
    ("empty.csv", b"", ["empty.csv", "empty"]),
    ("nocol.csv", b"user_id,when,channel\nu1,2024-01-01,A\n", ["nocol.csv", "ts"]),
    ("latin.csv", "user_id,ts,channel\nu1,2024-01-01,Caf\u00e9\n".encode("latin-1"), ["latin.csv", "UTF-8"]),
])
def test_bad_touchpoint_files_give_a_message_not_a_traceback(app, name, data, words):
    at = _upload(app, "Touchpoints + conversions (+ spend)",
                 {"touchpoints": (name, data), "conversions": ("conv.csv", CONVERSIONS)})
    assert not at.exception
    shown = unescape(" ".join(e.value for e in at.error) + " ".join(c.value for c in at.caption))
    for word in words:
        assert word.lower() in shown.lower(), shown


def test_a_file_with_no_recognisable_columns_is_named_before_loading(app):
    # binary junk: nothing can be mapped, so loading stays disabled and the page says why
    at = _upload(app, "Touchpoints + conversions (+ spend)",
                 {"touchpoints": ("junk.csv", b"\xff\xfe\x00garbage\x00\n\x01\x02"), "conversions": ("conv.csv", CONVERSIONS)})
    assert not at.exception and at.button(key="upload_go").proto.disabled
    assert any("No column of junk.csv could be matched to user_id, ts, channel" in unescape(w.value) for w in at.warning)
    assert any("junk.csv: the column for user_id, ts, channel" in unescape(c.value) for c in at.caption)


def test_rejected_rows_are_reported(app):
    bad_revenue = b"user_id,ts,revenue\nu1,2024-01-02 12:00,50\nu2,2024-01-03,-5\nu2,not a time,5\n"
    at = _upload(app, "Touchpoints + conversions (+ spend)",
                 {"touchpoints": ("tp.csv", TOUCHES), "conversions": ("conv.csv", bad_revenue)})
    assert not at.exception
    assert any("rejected" in unescape(w.value) for w in at.warning)


def test_two_sessions_do_not_see_each_others_uploads(workspace_env):
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    _upload(first, "Touchpoints + conversions (+ spend)",
            {"touchpoints": ("secret_tp.csv", TOUCHES), "conversions": ("conv.csv", CONVERSIONS)})
    assert not first.exception
    first.switch_page("app_pages/data_sources.py").run()
    mine = [o for o in first.selectbox(key="saved_pick").options]
    second = AppTest.from_file(APP, default_timeout=120)
    second.run()
    second.switch_page("app_pages/data_sources.py").run()
    theirs = [o for o in second.selectbox(key="saved_pick").options]
    assert any("secret_tp" in o for o in mine)
    assert not any("secret_tp" in o for o in theirs)
    assert any("Sample" in o for o in theirs)


def test_journey_settings_survive_page_changes(app):
    app.sidebar.selectbox(key="js_lookback").set_value("60 days").run()
    for page in ("app_pages/data_sources.py", "app_pages/model_comparison.py", "app_pages/overview.py"):
        app.switch_page(page).run()
        assert app.sidebar.selectbox(key="js_lookback").value == "60 days"
        assert app.sidebar.selectbox(key="js_stage").value == "All conversions"  # attribution.defaults


def _shown(at: AppTest) -> str:
    return unescape(" | ".join(e.value for kind in (at.error, at.warning, at.info, at.caption) for e in kind))


@pytest.mark.parametrize("files, words", [
    # wrong delimiter: no delimiter yields the required columns
    ({"touchpoints": ("spaces.csv", b"user_id ts channel\nu1 2024-01-01 A\n")}, ["spaces.csv", "column"]),
    ({"touchpoints": ("tp.csv", TOUCHES + b"u3,yesterday,A\n")}, ["1 rows were rejected"]),
    ({"touchpoints": ("tp.csv", TOUCHES + b"u3,01/02/2024,A\n")}, ["rejected"]),
    ({"touchpoints": ("tp.csv", TOUCHES + b"u3,2024-01-02T10:00:00+02:00,A\n")}, ["converted to UTC"]),
    ({"conversions": ("c.csv", CONVERSIONS + b"u2,2024-01-04,-5\nu2,2024-01-05,abc\n")}, ["2 rows were rejected"]),
    ({"touchpoints": ("tp.csv", TOUCHES + b"u2,2024-01-03,Display\n")}, ["1 rows were rejected"]),
    ({"conversions": ("c.csv", CONVERSIONS + b"zz,2024-01-04,5\n")}, ["users with no touchpoints"]),
    ({"spend": ("s.csv", b"date,channel,spend\n2024-01-01,Serch,10\n")}, ["Serch", "not seen in touchpoints"]),
])
def test_each_bad_input_is_explained(app, files, words):
    given = {"touchpoints": ("tp.csv", TOUCHES), "conversions": ("conv.csv", CONVERSIONS), **files}
    at = _upload(app, "Touchpoints + conversions (+ spend)", given)
    assert not at.exception
    shown = _shown(at)
    for word in words:
        assert word in shown, shown


def test_rejected_reasons_are_listed_with_rows(app):
    at = _upload(app, "Touchpoints + conversions (+ spend)",
                 {"touchpoints": ("tp.csv", TOUCHES + b"u3,yesterday,A\n"), "conversions": ("c.csv", CONVERSIONS)})
    counts = at.dataframe[0].value
    assert counts["rows"].sum() == 1 and "timestamp" in counts["reason"].iloc[0]
    # the Current dataset tab lists every rejected row
    detail = next(d.value for d in at.dataframe if "value" in d.value.columns)
    assert detail["value"].tolist() == ["yesterday"] and detail["file"].tolist() == ["tp.csv"]


def test_file_over_the_size_limit(app, monkeypatch):
    monkeypatch.setenv("ATTRIBUTION_MAX_UPLOAD_MB", "0.00001")
    at = _upload(app, "Touchpoints + conversions (+ spend)",
                 {"touchpoints": ("tp.csv", TOUCHES), "conversions": ("conv.csv", CONVERSIONS)})
    assert not at.exception
    assert "over the" in _shown(at) and "limit" in _shown(at)


def test_the_upload_preview_gives_the_size_of_a_small_file(app):
    at = app.switch_page("app_pages/data_sources.py").run()
    at.radio(key="upload_shape").set_value("Touchpoints + conversions (+ spend)").run()
    six_kb = TOUCHES + b"".join(b"u9,2024-01-05 10:00,Search\n" for _ in range(6 * 1024 // 27))
    at.file_uploader(key="up_touchpoints").set_value(("tp.csv", six_kb, "text/csv")).run()
    assert any(", 6 KB" in unescape(c.value) for c in at.caption), [c.value for c in at.caption]


def test_ihc_json_preview_shows_uuid_ids_as_text(app):
    import json
    import uuid

    ids = [str(uuid.UUID(int=i + 1)) for i in range(2)]
    rows = [{"conversion_id": ids[0], "session_id": ids[i], "timestamp": f"2024-01-0{i + 1} 10:00:00",
             "channel_label": "Search", "holder_engagement": 1, "closer_engagement": 0, "conversion": 1,
             "impression_interaction": 0} for i in range(2)]
    at = app.switch_page("app_pages/data_sources.py").run()
    at.radio(key="upload_shape").set_value("IHC API journeys (JSON or CSV)").run()
    at.file_uploader(key="up_ihc_journeys").set_value(("cj.json", json.dumps(rows).encode(), "application/json")).run()
    assert errors_of(at) == []
    shown = next(d.value for d in at.dataframe if "channel_label" in d.value.columns)  # the preview
    assert shown["session_id"].tolist() == ids and shown["conversion_id"].tolist() == [ids[0], ids[0]]


def test_the_all_converted_warning_tells_a_page_user_what_to_do_and_that_works(app):
    # the flag sits in a column the loader does not guess: j1 converted, j2 did not
    journeys = (b"conversion_id,session_id,timestamp,channel_label,zz_flag\n"
                b"j1,a,2021-06-01 10:00:00,x,0\nj1,b,2021-06-02 10:00:00,y,1\nj2,c,2021-06-03 10:00:00,x,0\n")
    at = _upload(app, "IHC API journeys (JSON or CSV)", {"ihc_journeys": ("cj.csv", journeys)})
    assert errors_of(at) == []
    warned = [unescape(w.value) for w in at.warning if "flagged as a conversion" in unescape(w.value)]
    assert len(warned) == 1 and "choose that column in the column mapping and load the file again" in warned[0]
    assert "ihc_all_converted" not in warned[0] and "--map" not in warned[0]
    assert any("2 conversions" in s.value for s in at.success), [s.value for s in at.success]
    # doing what it says: choose the flag column in the mapping and load again
    at.switch_page("app_pages/data_sources.py").run()
    at.radio(key="upload_shape").set_value("IHC API journeys (JSON or CSV)").run()
    at.file_uploader(key="up_ihc_journeys").set_value(("cj.csv", journeys, "text/csv")).run()
    at.selectbox(key="map_ihc_journeys_conversion").set_value("zz_flag").run()
    at.button(key="upload_go").click().run()
    assert errors_of(at) == []
    assert not [w for w in at.warning if "flagged as a conversion" in unescape(w.value)]
    assert any("1 conversions" in s.value for s in at.success), [s.value for s in at.success]
