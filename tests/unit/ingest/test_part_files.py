"""The DuckDB engine reads a folder or glob of part files as one input, in file-name then row order."""
from __future__ import annotations

import gzip

import pandas as pd
import pytest

import attribution as at
from attribution.errors import DataValidationError


def _parts(folder, frames, header=True):
    folder.mkdir()
    for i, frame in enumerate(frames):
        frame.to_csv(folder / f"part-{i:05d}.csv", index=False, header=header)
    (folder / "_SUCCESS").write_text("")


def test_a_csv_folder_reads_like_the_one_file(tmp_path):
    tp = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u1"], "channel": ["A", "B", "C", "D"],
                       "ts": ["2024-01-01 10:00", "2024-01-01 10:00", "2024-01-02 10:00", "2024-01-03 09:00"]})
    conv = tmp_path / "conv.csv"
    conv.write_text("user_id,ts\nu1,2024-01-03 10:00\nu2,2024-01-02 11:00\n")
    _parts(tmp_path / "tp", [tp.iloc[:2], tp.iloc[2:3], tp.iloc[3:]])
    with gzip.open(tmp_path / "tp" / "part-00003.csv.gz", "wt") as fh:
        fh.write("user_id,channel,ts\nu2,E,2024-01-02 10:30")   # no final newline
    ds = at.load(touchpoints=str(tmp_path / "tp"), conversions=str(conv))
    assert ds.report.tables["touchpoints"] == 5
    # u1's simultaneous A and B keep their order in part-00000; E comes from the gzip part
    assert sorted(ds.journeys(lookback_days=None).paths["path"]) == [("A", "B", "D"), ("C", "E")]
    glob = at.load(touchpoints=str(tmp_path / "tp" / "part-*.csv*"), conversions=str(conv))
    assert glob.report.tables == ds.report.tables


def test_parts_with_other_headers_or_formats_are_refused(tmp_path):
    _parts(tmp_path / "a", [pd.DataFrame({"user_id": ["u1"], "ts": ["2024-01-01"], "channel": ["A"]}),
                            pd.DataFrame({"user": ["u1"], "ts": ["2024-01-01"], "channel": ["A"]})])
    with pytest.raises(DataValidationError, match="another header line"):
        at.load(touchpoints=str(tmp_path / "a"), conversions=str(tmp_path / "a" / "part-00000.csv"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataValidationError, match="no data files found"):
        at.load(touchpoints=str(tmp_path / "empty"), conversions=str(tmp_path / "a" / "part-00000.csv"))
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    pd.DataFrame({"user_id": ["u1"], "ts": ["2024-01-01"], "channel": ["A"]}).to_parquet(mixed / "p0.parquet")
    (mixed / "p1.csv").write_text("user_id,ts,channel\nu1,2024-01-01,A\n")
    with pytest.raises(DataValidationError, match="all be CSV or all Parquet"):
        at.load(touchpoints=str(mixed), conversions=str(tmp_path / "a" / "part-00000.csv"))
