"""AppTest: channel grouping rules from the sidebar reach the models, the exclusions and the spend."""
from __future__ import annotations

import json

import pytest

from tests.app.conftest import errors_of, unescape

# The sample's channels: Affiliate, Direct, Display, Email, Organic Search, Paid Search, Paid Social.


def _add_rule(at, group: str, pattern: str, match: str = "contains", column: str = "channel"):
    at.text_input(key="rule_group").set_value(group)
    at.selectbox(key="rule_column").set_value(column)
    at.selectbox(key="rule_match").set_value(match)
    at.text_input(key="rule_pattern").set_value(pattern)
    return at.button(key="rule_add").click().run()


def test_a_rule_groups_channels_everywhere_and_can_be_removed(app):
    app.switch_page("app_pages/model_comparison.py").run()
    before = app.dataframe[0].value.set_index("channel")
    at = _add_rule(app, "Paid media", "paid")
    assert errors_of(at) == []
    after = at.dataframe[0].value.set_index("channel")
    # Paid Search and Paid Social become one channel; last-touch credit simply adds up
    assert "Paid media" in after.index and not {"Paid Search", "Paid Social"} & set(after.index)
    assert after.loc["Paid media", "Last touch"] == pytest.approx(
        before.loc["Paid Search", "Last touch"] + before.loc["Paid Social", "Last touch"])
    assert after["Linear"].sum() == pytest.approx(before["Linear"].sum())
    # the sidebar lists the rule and offers the grouped channel for exclusion
    assert any("Channel contains “paid” → Paid media" in t.value for t in at.text)
    assert "Paid media" in at.multiselect(key="js_exclude").options
    # the inputs are cleared for the next rule; removing the rule restores the raw channels
    assert at.text_input(key="rule_group").value == ""
    at.button(key="rule_remove_0").click().run()
    assert set(at.dataframe[0].value["channel"]) == set(before.index)


def test_the_channel_report_puts_spend_on_the_group(app):
    at = _add_rule(app, "Paid media", "^paid ", match="regex")
    at.switch_page("app_pages/channel_report.py").run()
    assert errors_of(at) == []
    report = next(d.value for d in at.dataframe if "spend" in d.value.columns and "channel" in d.value.columns)
    paid = report[report["channel"] == "Paid media"]
    assert len(paid) and (paid["spend"] > 0).all()
    assert not report["channel"].isin(["Paid Search", "Paid Social"]).any()


@pytest.mark.parametrize("group, pattern, match, words", [
    ("", "paid", "contains", "give the group a name"),
    ("Paid", "", "contains", "give the text to match"),
    ("Paid", "(unclosed", "regex", "not a valid regular expression"),
])
def test_a_bad_rule_is_explained_and_not_added(app, group, pattern, match, words):
    at = _add_rule(app, group, pattern, match)
    assert not at.exception
    assert any(words in unescape(e.value) for e in at.error), [e.value for e in at.error]
    assert not any("→" in t.value for t in at.text)  # no rule listed


def test_rules_load_from_a_csv_and_a_bad_file_is_explained(app):
    app.switch_page("app_pages/model_comparison.py").run()
    good = b"group,pattern,column,match\nPaid media,paid,channel,starts_with\nOwned,^(email|direct)$,channel,regex\n"
    assert not app.get("file_uploader")  # no file input until asked for (pages keep theirs first)
    app.toggle(key="rules_from_file").set_value(True).run()
    at = app.file_uploader(key="rules_upload").set_value(("groups.csv", good, "text/csv")).run()
    assert errors_of(at) == []
    assert set(at.dataframe[0].value["channel"]) >= {"Paid media", "Owned"}
    assert any("Channel matches regex “^(email|direct)$” → Owned" in t.value for t in at.text)
    bad = b"group,pattern,match\nPaid media,(,regex\n"
    at = at.file_uploader(key="rules_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert any("Rules not loaded: bad.csv, row 1" in unescape(e.value) for e in at.error)
    assert "Owned" in set(at.dataframe[0].value["channel"])  # the rules in force stay


def test_grouped_credit_is_not_compared_with_the_per_channel_truth(app):
    app.switch_page("app_pages/validation.py").run()
    app.number_input(key="val_n_boot").set_value(20).run()
    app.multiselect(key="val_models").set_value(["Linear"]).run()
    at = _add_rule(app, "Paid media", "paid")
    assert errors_of(at) == []
    shown = unescape(" ".join(i.value for i in at.info))
    assert "remove the **Channel groups**" in shown
    assert not any("true incremental share" in json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "")
                   for c in at.get("plotly_chart"))
