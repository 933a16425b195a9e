"""Channel grouping rules read from a CSV table (the CLI's --groups and the sidebar upload)."""
from __future__ import annotations

import pandas as pd
import pytest

from attribution.errors import DataValidationError
from attribution.journeys.rules_table import read_channel_rules, rules_frame
from attribution.journeys.settings import ChannelRule
from attribution.reports.export import to_safe_csv


def test_defaults_order_blank_lines_and_any_delimiter():
    text = b"Group;Pattern;Column;Match\nPaid media;paid;;\n;;;\nBrand;^brand;Campaign;Starts with\n"
    assert read_channel_rules(("groups.csv", text)) == (
        ChannelRule("Paid media", "paid", "channel", "contains"),
        ChannelRule("Brand", "^brand", "campaign", "starts_with"))


def test_our_safe_csv_export_reads_back_unchanged():
    # "-cpc" and "=x" get an apostrophe in the export (spreadsheets would run them as formulas);
    # reading the file back removes it again
    rules = (ChannelRule("Neg", "-cpc"), ChannelRule("Eq", "=x", "campaign", "equals"),
             ChannelRule("R", r"^(fb|ig)\b", "channel", "regex"))
    exported = to_safe_csv(rules_frame(rules))
    assert b"'-cpc" in exported
    assert read_channel_rules(("rules.csv", exported)) == rules
    assert read_channel_rules(rules_frame(rules)) == rules


@pytest.mark.parametrize("data, words", [
    (b"", "the file is empty"),
    (b"name,value\nA,b\n", "no column 'group' or 'pattern'"),
    (b"group,pattern\n", "no rules in the file"),
    (b"group,pattern\nA,b\n,c\n", "row 2: channel rule: give the group a name"),
    (b"group,pattern,column\nA,b,cost\n", "row 1: column 'cost' is not one of"),
    (b"group,pattern,match\nA,b,like\n", "row 1: match 'like' is not one of"),
    (b"group,pattern,match\nA,[z,regex\n", "row 1: channel rule for 'A': pattern '[z' is not a valid regular"),
    ("group,pattern\nCaf\u00e9,x\n".encode("latin-1"), "not UTF-8"),
])
def test_bad_tables_name_file_row_and_fix(data, words):
    with pytest.raises(DataValidationError, match="rules.csv") as info:
        read_channel_rules(("rules.csv", data))
    assert words in str(info.value)


def test_rules_frame_columns():
    assert list(rules_frame(()).columns) == ["group", "pattern", "column", "match"]
    assert rules_frame((ChannelRule("G", "p"),)).values.tolist() == [["G", "p", "channel", "contains"]]
    assert isinstance(rules_frame(()), pd.DataFrame)
