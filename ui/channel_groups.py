"""The channel grouping rules of the journey settings, edited in the sidebar (docs/architecture.md §4).

Rules map raw channel, campaign or interaction values to one channel group, e.g. every channel
containing "paid" → "Paid media". They live in the session with the other journey settings and
are dropped, like them, when another dataset is opened.
"""
from __future__ import annotations

import streamlit as st

from attribution.errors import DataValidationError
from attribution.journeys.rules_table import read_channel_rules, rules_frame
from attribution.journeys.settings import RULE_COLUMNS, ChannelRule, check_channel_rules
from ui.downloads import csv_download
from ui.text import plain

RULES_KEY = "js_channel_rules"
ERROR_KEY = "channel_rule_error"
COLUMN_LABELS = {"channel": "Channel", "campaign": "Campaign", "interaction": "Interaction"}
MATCH_LABELS = {"contains": "contains", "equals": "equals", "starts_with": "starts with", "regex": "matches regex"}
assert set(COLUMN_LABELS) == set(RULE_COLUMNS)


def current_rules() -> tuple[ChannelRule, ...]:
    """The session's channel grouping rules, in the order they apply."""
    return st.session_state.get(RULES_KEY, ())


def describe(rule: ChannelRule) -> str:
    """One line saying what a rule does, for the list of rules."""
    return f"{COLUMN_LABELS[rule.column]} {MATCH_LABELS[rule.match]} “{rule.pattern}” → {rule.group}"


def _add_rule() -> None:
    state = st.session_state
    try:
        rule = ChannelRule(group=state.get("rule_group", "").strip(), pattern=state.get("rule_pattern", ""),
                           column=state.get("rule_column", "channel"), match=state.get("rule_match", "contains"))
        check_channel_rules((rule,))
    except DataValidationError as err:
        state[ERROR_KEY] = err.message_for("app")
        return
    state[RULES_KEY] = (*current_rules(), rule)
    state.pop(ERROR_KEY, None)
    state["rule_group"], state["rule_pattern"] = "", ""


def _load_rules() -> None:
    upload = st.session_state.get("rules_upload")
    if upload is None:
        return
    try:
        st.session_state[RULES_KEY] = read_channel_rules((upload.name, upload.getvalue()))
    except DataValidationError as err:
        st.session_state[ERROR_KEY] = f"Rules not loaded: {plain(err)}"
        return
    st.session_state.pop(ERROR_KEY, None)


def _remove_rule(index: int) -> None:
    rules = list(current_rules())
    del rules[index]
    st.session_state[RULES_KEY] = tuple(rules)


def channel_groups_editor(container) -> None:
    """An expander in ``container`` listing the rules, with a small form to add one, and the rules
    as a CSV to upload or download."""
    rules = current_rules()
    label = f"Channel groups ({len(rules)} rule{'' if len(rules) == 1 else 's'})" if rules else "Channel groups"
    with container.expander(label, key="channel_groups_expander"):  # the key keeps it open as the label changes
        st.caption("Map raw values to one channel. Rules apply in order and the first match wins; "
                   "matching ignores case; touches no rule matches keep their channel. Spend is grouped "
                   "the same way.")
        for i, rule in enumerate(rules):
            text, remove = st.columns([5, 1], vertical_alignment="center")
            text.text(f"{i + 1}. {describe(rule)}")
            remove.button("", icon=":material/delete:", key=f"rule_remove_{i}", on_click=_remove_rule, args=(i,),
                          help="Remove this rule")
        st.text_input("Group name", key="rule_group", placeholder="e.g. Paid social")
        st.selectbox("Match on", list(COLUMN_LABELS), format_func=COLUMN_LABELS.get, key="rule_column")
        st.selectbox("How", list(MATCH_LABELS), format_func=MATCH_LABELS.get, key="rule_match")
        st.text_input("Text to match", key="rule_pattern", placeholder="e.g. facebook")
        st.button("Add rule", key="rule_add", on_click=_add_rule, icon=":material/add:")
        if st.session_state.get(ERROR_KEY):
            st.error(st.session_state[ERROR_KEY])
        # behind a toggle: a file input always in the sidebar would be the first one on every page,
        # where a page's own upload is expected
        if st.toggle("Replace the rules with a CSV", key="rules_from_file"):
            st.file_uploader("Rules file", type=["csv", "txt"], key="rules_upload", on_change=_load_rules,
                             help="Columns group, pattern, and optionally column (channel, campaign or "
                                  "interaction) and match (contains, equals, starts_with, regex); one rule per row.")
        if rules:
            csv_download(rules_frame(rules), "channel_groups.csv", "Download the rules (CSV)", key="dl_rules")
