"""Aggregated path files (one row per unique path, ChannelAttribution layout) and :func:`read_paths`."""
from __future__ import annotations

import gc
import hashlib
import warnings
from itertools import repeat

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from attribution.ingest.context import LoadContext
from attribution.ingest.readers import temp_name
from attribution.ingest.report import Issue
from attribution.ingest.sources import FileSource
from attribution.ingest.validate import Check, Field, lit
from attribution.journeys.data import PATH_COLUMNS, PathData

#: step separators tried in order when none is given ('->' before '>', which it contains)
PATH_SEPARATORS = ["->", ">", "→", "|", ","]


def detect_path_separator(values: list[str], delimiter: str | None = None) -> str:
    """The step separator used by most sample paths (default '>' for single-step paths)."""
    best, best_n = ">", 0
    for sep in PATH_SEPARATORS:
        if sep == delimiter:
            continue
        n = sum(map(str.__contains__, values, repeat(sep)))  # values holding sep, counted in C
        if n > best_n:
            best, best_n = sep, n
    return best


def _split_sql(col: str, sep: str) -> str:
    return f"list_transform(string_split({col}, {lit(sep)}), lambda s: trim(s))"


def load_paths(ctx: LoadContext, src: FileSource, mapping: dict | None, path_separator: str | None) -> None:
    """Stage an aggregated paths file into ``paths`` (rows with the same path are added up)."""
    raw, m = ctx.read(src, "paths", mapping)
    if path_separator is None:
        sample = [r[0] for r in ctx.con.execute(
            f'select cast("{m["path"].replace(chr(34), chr(34) * 2)}" as varchar) from {raw.table} '
            "where __row <= 2000").fetchall() if r[0] is not None]
        path_separator = detect_path_separator(sample, raw.delimiter)
    fields = [
        Field("path", "text", m.get("path"), required=True),
        Field("conversions", "number", m.get("conversions"), required=True, nonneg=True),
        Field("revenue", "number", m.get("revenue"), nonneg=True, empty="0", default="0"),
        Field("nulls", "number", m.get("nulls"), nonneg=True, empty="0", default="0"),
    ]
    checks = [Check("list_contains(__steps, '')",
                    lit(f"path has an empty step (steps are separated by {path_separator!r})"),
                    m["path"], "path")]
    # identical rows are separate records of an aggregated file (ChannelAttribution's own sample has
    # 522 of them), so they are added up like any repeated path instead of being rejected. A paths
    # file has one row per path, so it is staged as a table: one pass types, checks and splits it
    st = ctx.add(ctx.stage(raw, fields, checks=checks, dedupe=False, materialize=True,
                           derived={"__steps": _split_sql("path", path_separator)}), "paths", raw)
    # the usual file has every path on one row (told by distinct hashes: equal paths hash alike) and
    # is written as it is, in file order; otherwise the rows of each path are added up
    n_rows, n_paths = ctx.con.execute(f"select count(*), count(distinct hash(__steps)) from {st.good}"
                                      ).fetchall()[0]
    source, order = f"(select __steps as p, conversions as c, revenue as r, nulls as n from {st.good})", ""
    if n_paths < n_rows:
        source = temp_name("paths")
        ctx.con.execute(f"create temp table {source} as select __steps as p, sum(conversions) as c, "
                        f"sum(revenue) as r, sum(nulls) as n, min(__row) as first from {st.good} group by p")
        ctx.temps.append(f"table {source}")
        n_paths, order = ctx.con.execute(f"select count(*) from {source}").fetchall()[0][0], " order by first"
    ctx.output("paths", f"select p, c, r, n from {source}{order}")
    if n_paths < n_rows:
        ctx.issues.append(Issue(src.name, m["path"], None,
                                f"{n_rows - n_paths:,} rows repeat the path of an earlier row; their counts "
                                "were added together", "info"))
    ctx.issues.append(Issue(src.name, m["path"], None, f"path steps are separated by {path_separator!r}",
                            "info"))


def read_paths(src, *, sep: str | None = None, path_separator: str | None = None,
               mapping: dict | None = None, encoding: str | None = None,
               max_bytes: int | None = None) -> PathData:
    """Read an aggregated paths file (ChannelAttribution layout) into :class:`PathData`.

    Parameters
    ----------
    src : path, Path, (name, bytes) or FileSource
        CSV (any of , ; tab | as delimiter, optionally gzip), Parquet or JSON with a path column
        ('A > B > C'), a conversion count and optionally a value and a non-conversion count.
    sep : str, optional
        Column delimiter of a CSV (detected when None).
    path_separator : str, optional
        Step separator inside a path (detected among '->', '>', '|', ',' when None).
    mapping : dict, optional
        {canonical column: source column} for 'path', 'conversions', 'revenue', 'nulls'.
    encoding : str, optional
        Text encoding of a CSV: 'utf-8' (default), 'latin-1' or 'utf-16'.
    max_bytes : int, optional
        Largest accepted file size, counted after gzip decompression (a file that expands to more
        is refused once that many bytes have been read). None (the default): no limit, for local
        files (memory is bounded by DuckDB, not by a byte count); the app passes its upload limit
        (``ATTRIBUTION_MAX_UPLOAD_MB``) for browser uploads.

    Returns
    -------
    PathData
        ``paths`` with columns ``path`` (tuple of str), ``conversions``, ``revenue``, ``nulls``.
        Rows with the same path are added up. Rejected rows (negative or non-numeric counts, empty
        steps) are left out and
        reported with a :class:`UserWarning`; use :func:`load_into` for the full list.
    """
    from attribution.ingest.load import load_into

    mapping = dict(mapping or {})
    if sep is not None:
        mapping["delimiter"] = sep
    if encoding is not None:
        mapping["encoding"] = encoding
    con = duckdb.connect()
    try:
        report = load_into(con, "main", paths=src, mappings={"paths": mapping}, max_bytes=max_bytes,
                           path_separator=path_separator)
        # Arrow, not .df(): pandas would build one numpy array per path before the tuples
        table = con.sql("select path, conversions, revenue, nulls from main.paths").to_arrow_table()
        # the fingerprint is the content's: the same paths and counts give the same one, whatever the
        # file's layout (rows are unique paths, so the XOR of their hashes does not cancel out)
        content = con.execute("select bit_xor(hash(path, conversions, revenue, nulls)), count(*) "
                              "from main.paths").fetchall()[0]
    finally:
        con.close()
    frame = table.select(PATH_COLUMNS[1:]).to_pandas().astype("float64")
    frame.insert(0, "path", _tuples(table["path"]))
    if report.n_rejected:
        detail = "; ".join(f"{r.rows} {r.reason}" for r in report.rejected_counts.itertuples())
        warnings.warn(f"{report.files['file'].iloc[0]}: {report.n_rejected} rows rejected ({detail})",
                      UserWarning, stacklevel=2)
    digest = hashlib.sha1(repr(content).encode())
    return PathData(paths=frame, fingerprint=digest.hexdigest()[:16], source="paths")


def _tuples(lists: pa.ChunkedArray) -> list[tuple[str, ...]]:
    """The paths of an Arrow list-of-string column as tuples, each channel name one shared str."""
    column = lists.combine_chunks()
    steps = pc.dictionary_encode(column.flatten())
    flat = np.asarray(steps.dictionary.to_pylist(), dtype=object)[steps.indices.to_numpy()].tolist()
    offsets = (column.offsets.to_numpy() - column.offsets[0].as_py()).tolist()
    # hundreds of thousands of new tuples would set off the cyclic garbage collector again and
    # again (a third of the time here); tuples of str hold no cycles
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [tuple(flat[a:b]) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    finally:
        if enabled:
            gc.enable()
