"""Local files have no size cap; a size limit is a parameter, which the app passes for uploads.

The uncapped default is checked with a gzip file that expands to 201 MiB of NUL bytes: the old
200 MB default refused it for its size; without a cap it is read whole and refused for what it is
(binary content), which takes about a second instead of writing a real 200 MB CSV.
"""
from __future__ import annotations

import gzip
import zlib

import pytest

import attribution as at
from attribution.cli import main
from attribution.errors import DataValidationError

GOOD = "user_id,ts,channel\n" + "".join(f"u{i},2024-01-0{1 + i % 9} 10:00:00,Search\n" for i in range(60))


@pytest.fixture(scope="module")
def big_gz(tmp_path_factory):
    """tp.csv.gz: 201 MiB of NUL bytes once decompressed, about 200 KB on disk."""
    path = tmp_path_factory.mktemp("big") / "tp.csv.gz"
    block = bytes(2**20)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for _ in range(201):
            fh.write(block)
    assert path.stat().st_size < 2**20
    return path


def test_at_load_reads_a_local_file_past_the_upload_limit(big_gz):
    with pytest.raises(DataValidationError) as err:
        at.load(touchpoints=big_gz)
    assert "binary content" in str(err.value)
    assert "limit" not in str(err.value) and "expands to more than" not in str(err.value)


def test_cli_run_reads_a_local_file_past_the_upload_limit(big_gz, tmp_path, capsys):
    assert main(["run", "--touchpoints", str(big_gz), "--models", "first_touch", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "binary content" in err and "limit" not in err


def test_a_given_limit_is_applied_to_the_file_size(tmp_path):
    path = tmp_path / "tp.csv"
    path.write_text(GOOD)
    size = path.stat().st_size
    assert size > 1024
    with pytest.raises(DataValidationError, match=rf"^tp\.csv is \d KB, over the 1 KB limit.*max_bytes={size}\)"):
        at.load(touchpoints=path, max_bytes=1024)
    # the same file under a limit it fits
    assert at.load(touchpoints=path, max_bytes=size).report.tables["touchpoints"] == 60


def test_a_given_limit_stops_a_gzip_bomb_by_its_expanded_size(tmp_path):
    # 60 rows repeated: about 3 MB of CSV in a few KB of gzip, checked against a 1 MiB limit
    body = GOOD.encode() + GOOD.split("\n", 1)[1].encode() * 1000
    data = gzip.compress(body, 9)
    assert len(data) < 2**20 < len(body)
    with pytest.raises(DataValidationError, match=r"^bomb\.csv\.gz expands to more than 1.0 MB when decompressed"):
        at.load(touchpoints=("bomb.csv.gz", data), max_bytes=2**20)
    with pytest.raises(DataValidationError, match="expands to more than 1.0 MB"):
        at.read_paths(("bomb.csv.gz", data), max_bytes=2**20)
    assert zlib.decompress(data, 31) == body  # the archive itself is sound: only the limit refuses it
