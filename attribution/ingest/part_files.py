"""A folder or glob of part files (``tp/``, ``tp/part-*.parquet``) read as one input.

Engines that write tables in parts (Spark, Hive, DuckDB's own ``COPY ... PER_THREAD_OUTPUT``) leave
a folder of files; the Spark engine reads such folders natively, and this module lets the DuckDB
engine read the same forms, so one call works on both. Rules:

- the parts are the files matched by the glob, or the files directly inside the folder, whose
  names do not start with ``_`` or ``.`` (``_SUCCESS``, ``.crc`` checksums), in name order;
- they are joined in that order, each file's rows in file order, so ties between simultaneous
  touches break by file name, then row in the file (as in the Spark engine);
- every part must have the format of the first (all Parquet, or all CSV with the same header line);
  CSV parts are joined as text (one header, each part's data lines; gzip parts are decompressed),
  Parquet parts with DuckDB, into one private temp file that lives as long as the source.
"""
from __future__ import annotations

import glob
import gzip
import tempfile
import uuid
import weakref
from pathlib import Path

import duckdb

from attribution.errors import DataValidationError

GLOB_CHARACTERS = ("*", "?", "[")


def is_part_file_pattern(text: str) -> bool:
    """True when ``text`` names a folder or a glob (rather than one existing file)."""
    path = Path(text)
    return path.is_dir() or (not path.is_file() and any(c in path.name for c in GLOB_CHARACTERS))


def part_files(text: str) -> list[Path]:
    """The part files of a folder or glob, in name order (see the module docstring)."""
    matches = sorted(Path(p) for p in glob.glob(str(Path(text) / "*") if Path(text).is_dir() else text))
    parts = [p for p in matches if p.is_file() and not p.name.startswith(("_", "."))]
    if not parts:
        raise DataValidationError(f"{text}: no data files found (a folder or glob of CSV or Parquet part files "
                                  "is expected). Check the path.", file=text)
    return parts


def combine_parts(text: str, parts: list[Path], fmt: str):
    """``(path, tmpdir)``: the parts joined into one file of format ``fmt`` ("csv" or "parquet")."""
    tmp = tempfile.TemporaryDirectory(prefix="attribution_upload_")
    target = Path(tmp.name) / f"{uuid.uuid4().hex}.data"
    if fmt == "parquet":
        con = duckdb.connect()
        try:
            con.execute("set preserve_insertion_order = true")
            con.execute(f"copy (select * from read_parquet($files)) to '{target}' (format parquet)",
                        {"files": [str(p) for p in parts]})
        except duckdb.Error as exc:
            tmp.cleanup()
            raise DataValidationError(f"{text}: the Parquet part files cannot be read as one table ({exc}); "
                                      "give parts with the same columns", file=text) from None
        finally:
            con.close()
    else:
        _join_csv(text, parts, target)
    return target, tmp


def _join_csv(text: str, parts: list[Path], target: Path) -> None:
    header = None
    with open(target, "wb") as out:
        for part in parts:
            with open(part, "rb") as probe:
                opener = gzip.open if probe.read(2) == b"\x1f\x8b" else open
            with opener(part, "rb") as fh:
                first = fh.readline()
                if header is None:
                    header = first
                    out.write(first if first.endswith(b"\n") else first + b"\n")
                elif first.strip() != header.strip():
                    raise DataValidationError(f"{text}: part file {part.name} has another header line than "
                                              f"{parts[0].name}; give parts with the same columns", file=text)
                last = b"\n"
                for block in iter(lambda: fh.read(1 << 20), b""):
                    out.write(block)
                    last = block[-1:]
                if last != b"\n":
                    out.write(b"\n")


def keep_alive(source, tmp: tempfile.TemporaryDirectory) -> None:
    """Remove ``tmp`` when ``source`` is garbage collected."""
    weakref.finalize(source, tmp.cleanup)

