"""The built-in sample dataset in data/: present, small, realistic, and reproducible from its README."""
from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from attribution.errors import DataValidationError
from attribution.simulate import SAMPLE_DAYS, SAMPLE_DIR, SAMPLE_SEED, SAMPLE_USERS, sample_paths, simulate


def test_sample_files_present_and_small():
    paths = sample_paths()
    assert set(paths) == {"touchpoints", "conversions", "spend", "truth", "daily_truth"}
    assert all(p.parent == SAMPLE_DIR and p.suffix == ".parquet" for p in paths.values())
    assert sum(p.stat().st_size for p in paths.values()) <= 6 * 1024 * 1024
    assert pq.ParquetFile(paths["touchpoints"]).metadata.num_rows >= 100_000
    # two years of days: enough full weeks for a weekly media-mix fit of four channels
    assert pq.ParquetFile(paths["spend"]).metadata.num_rows == 4 * SAMPLE_DAYS == 4 * 730
    readme = (SAMPLE_DIR / "README.md").read_text()
    assert readme.count(f"--seed {SAMPLE_SEED}") == 1 and f"--days {SAMPLE_DAYS}" in readme


def test_sample_regenerates_exactly():
    # If this fails after a numpy/pandas upgrade changed the random streams, regenerate data/ with
    # the command in data/README.md.
    data = simulate(n_users=SAMPLE_USERS, days=SAMPLE_DAYS, seed=SAMPLE_SEED)
    for name, path in sample_paths().items():
        back = pd.read_parquet(path)
        if "date" in back:
            back["date"] = pd.to_datetime(back["date"]).astype("datetime64[us]")
        pd.testing.assert_frame_equal(back, data.tables()[name], obj=name)


def test_missing_sample_says_how_to_make_it(tmp_path):
    with pytest.raises(DataValidationError, match="python -m attribution simulate"):
        sample_paths(tmp_path)
