"""Read one input file into a DuckDB temp table of raw values with 1-based row numbers.

CSV is read with every column as VARCHAR (casting happens later, in SQL, with reasons); Parquet and
JSON keep their own types. Every raw relation has a ``__row`` column: the 1-based data row (the
header is not counted; for a CSV without quoted line breaks, file line = row + 1).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest.sources import FileSource, as_utf8, encoding_error, first_invalid_utf8, sniff_format
from attribution.store.sqlfiles import quote_identifier, registered

DELIMITERS = [",", ";", "\t", "|"]
_DELIM_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
# 'latin-1' is read as Windows-1252 (as browsers do, WHATWG Encoding): files called Latin-1 are
# nearly always Windows files, whose €, quotes and dashes (0x80-0x9f) are not Latin-1 characters
_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8", "latin-1": "windows-1252",
              "latin1": "windows-1252", "iso-8859-1": "windows-1252", "iso8859-1": "windows-1252",
              "cp1252": "windows-1252", "windows-1252": "windows-1252", "utf-16": "utf-16",
              "utf16": "utf-16", "utf-16le": "utf-16-le", "utf-16-le": "utf-16-le", "utf-16be": "utf-16-be",
              "utf-16-be": "utf-16-be"}
#: encodings offered to users (the app's choice), canonical names
ENCODING_CHOICES = ("utf-8", "windows-1252", "utf-16")
#: longest line (one CSV record) the reader accepts; DuckDB's default (2 MB) refused a 2.5 MB cell
MAX_LINE_BYTES = 64 * 2**20


@dataclass
class RawTable:
    """A file loaded as raw values: temp table ``table`` with the file's columns plus ``__row``."""

    file: str
    table: str
    columns: dict[str, str]
    n_rows: int
    delimiter: str | None = None
    reader_rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    cleanup: list[str] = field(default_factory=list)
    #: a scan of ``table`` yields the rows in ``__row`` order (a plain numbered view over one table,
    #: which DuckDB keeps in insertion order; not after a join)
    ordered: bool = False

    def drop(self, con) -> None:
        """Drop the temp objects behind this relation."""
        for obj in self.cleanup:
            kind, name = obj.split()
            con.execute(f"drop {kind} if exists {name}")
        self.cleanup.clear()


def delimiter_name(d: str | None) -> str:
    """Human name of a delimiter ('tab' for a tab)."""
    return _DELIM_NAMES.get(d, repr(d)) if d else "none"


def decode_head(src: FileSource, encoding: str) -> str:
    """The first 64 KB of the (decompressed) file as text; undecodable bytes replaced."""
    raw = src.text_head(65536)
    enc = "utf-8-sig" if encoding == "utf-8" else encoding
    return codecs.decode(raw, enc, errors="replace")


def split_header(text: str, delim: str) -> tuple[list[str], bool]:
    """Header fields of ``text`` read with ``delim``, and whether the next rows have as many fields."""
    lines = text.splitlines()[:21]
    if len(text) >= 65536 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    rows = [r for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim) if r]
    if not rows:
        return [], False
    header = [h.strip() for h in rows[0]]
    consistent = all(len(r) == len(header) for r in rows[1:])
    return header, consistent


def detect_delimiter(text: str, accept: Callable[[list[str]], bool] | None = None) -> tuple[str, list[str]]:
    """Pick the delimiter among , ; tab | whose header gives the wanted columns.

    ``accept(columns)`` says whether a header is usable (e.g. has the role's required columns).
    Without ``accept``, or when none is accepted, the delimiter giving the most columns on
    consistent rows wins.
    """
    candidates = []
    for d in DELIMITERS:
        cols, consistent = split_header(text, d)
        candidates.append((d, cols, consistent))
    ranked = sorted(candidates, key=lambda c: (c[2] and len(c[1]) > 1, len(c[1])), reverse=True)
    if accept is not None:
        for d, cols, _ in ranked:
            if len(cols) > 1 and accept(cols):
                return d, cols
    d, cols, _ = ranked[0]
    return d, cols


def norm_encoding(encoding: str | None, file: str) -> str:
    """Canonical encoding name understood by DuckDB's CSV reader."""
    enc = (encoding or "utf-8").strip().lower().replace("_", "-")
    if enc not in _ENCODINGS:
        raise DataValidationError(
            f"{file}: encoding {encoding!r} is not supported; use 'utf-8', 'latin-1' / 'cp1252' (Windows) or "
            "'utf-16' (or re-save the file as UTF-8).", file=file)
    return _ENCODINGS[enc]


def check_delimiter(delimiter: str | None, file: str) -> str | None:
    """The delimiter option checked: one character that is not a quote or a line break ('tab' and
    '\\t' mean a tab). None means detect it."""
    if delimiter is None:
        return None
    d = {"tab": "\t", "\\t": "\t"}.get(str(delimiter).lower(), delimiter)
    if not isinstance(d, str) or len(d) != 1 or d in "\"\r\n":
        raise DataValidationError(
            f"{file}: the delimiter option {delimiter!r} is not usable: give one character such as ',', ';', "
            "'|' or 'tab' (not a quote or a line break), or leave it out to detect it.", file=file)
    return d


def unique_names(cols: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for c in cols:
        n = seen.get(c, 0)
        out.append(c if n == 0 else f"{c}_{n}")
        seen[c] = n + 1
    return out


def temp_name(prefix: str) -> str:
    """A fresh temp table name (identifier-safe)."""
    return f"__ingest_{prefix}_{uuid.uuid4().hex[:12]}"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(f'describe "{table}"').fetchall()
    return {r[0]: r[1] for r in rows if r[0] != "__row"}


def read_csv_raw(con, src: FileSource, *, role: str, accept: Callable[[list[str]], bool],
                 delimiter: str | None = None, encoding: str | None = None) -> RawTable:
    """Load a CSV as VARCHAR columns into a temp table; rows the CSV reader cannot split are kept
    aside (``reader_rejects``) with their row number and reason."""
    src, enc = as_utf8(src, norm_encoding(encoding, src.name), role)
    delimiter = check_delimiter(delimiter, src.name)
    text = decode_head(src, enc)
    if delimiter is None:
        delimiter, cols = detect_delimiter(text, accept)
    else:
        cols, _ = split_header(text, delimiter)
    if len([ln for ln in text.splitlines() if ln.strip()]) < 2:
        raise DataValidationError(
            f"{src.name} has a header but no data rows. Export the data again and re-upload it.",
            file=src.name)
    table, rej, scan = temp_name("raw"), temp_name("rej"), temp_name("scan")
    # skip=0: the sniffer must not drop leading rows, or row numbers and the header would shift
    opts = dict(delim=delimiter, header=True, skip=0, encoding=enc, quote='"', escape='"',
                compression="gzip" if src.compressed else "none", max_line_size=MAX_LINE_BYTES,
                buffer_size=2 * MAX_LINE_BYTES)
    msg = ""
    try:
        _read_csv(con, table, src, opts, rej, scan, None)
    except duckdb.Error as exc:
        msg = str(exc)
    if msg and cols and all(cols) and len(set(cols)) == len(cols):
        # the sniffer gives up on a file with one badly quoted row: read it again with the header's
        # columns and no sniffing, so that the row alone is rejected
        con.execute(f"drop table if exists {table}; drop table if exists {rej}; drop table if exists {scan}")
        try:
            _read_csv(con, table, src, opts, rej, scan, cols)
            msg = ""
        except duckdb.Error:
            pass
    if msg:
        # DuckDB's sniffer lists the encoding among its hints for any failure: only a file that
        # really has an invalid byte is called not UTF-8
        if enc == "utf-8" and first_invalid_utf8(src) is not None:
            raise encoding_error(src, role) from None
        if re.search(rb"\r(?!\n)", src.text_head(1 << 20)):
            raise DataValidationError(
                f"{src.name}: the file contains a lone carriage return (CR, \\r) that is not a line end, so the "
                "CSV reader cannot tell where rows end. Quote values that contain line breaks, or remove the "
                "line breaks inside values, and upload it again.", file=src.name) from None
        raise DataValidationError(
            f"{src.name}: the CSV reader failed ({msg.splitlines()[0]}). Check that the file is a "
            f"{delimiter_name(delimiter)}-separated text file with a header row.", file=src.name) from None
    # one row can raise several errors (one per missing field): keep the first per line
    rejects = con.execute(
        f"select line, first(column_name order by column_idx) as column_name, first(csv_line) as csv_line, "
        f"first(error_type order by column_idx) as error_type, "
        f"first(error_message order by column_idx) as error_message from {rej} group by line order by line").df()
    con.execute(f"drop table if exists {rej}; drop table if exists {scan}")
    if (rejects["error_type"] == "INVALID ENCODING").any():
        con.execute(f"drop table {table}")
        raise encoding_error(src, role)
    n_ok = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    unclosed = _unclosed_quote(src, rejects, n_ok + len(rejects))
    if unclosed is not None:
        con.execute(f"drop table {table}")
        raise unclosed
    if n_ok == 0 and rejects.empty:
        con.execute(f"drop table {table}")
        raise DataValidationError(
            f"{src.name} has a header but no data rows. Export the data again and re-upload it.",
            file=src.name)
    rr = pd.DataFrame({
        "row": (rejects["line"].astype("int64") - 1),
        "column_name": rejects["column_name"].astype("object").where(rejects["column_name"].notna(), None),
        "value": rejects["csv_line"].astype("str").str.slice(0, 500),
        "reason": [_reader_reason(t, m, len(cols))
                   for t, m in zip(rejects["error_type"], rejects["error_message"], strict=True)],
    })
    cleanup = [f"table {table}"]
    try:
        view = _numbered_view(con, table, rr["row"].tolist(), cleanup, src.name)
    except DataValidationError:
        con.execute(f"drop table if exists {table}")
        raise
    return RawTable(src.name, view, _columns(con, view), n_ok + len(rr), delimiter, rr, cleanup,
                    ordered=rr.empty)


def _read_csv(con, table: str, src: FileSource, opts: dict, rej: str, scan: str, cols: list[str] | None) -> None:
    """Create ``table`` from the CSV, every column VARCHAR; unsplittable rows go to ``rej``.

    With ``cols`` (the header's names) the reader does not sniff the file.
    """
    extra = dict(opts, all_varchar=True, auto_detect=True)
    if cols is not None:
        extra = dict(opts, auto_detect=False, columns={c: "VARCHAR" for c in cols})
    args = ", ".join(f"{k}=?" for k in extra)
    con.execute(
        f"create temp table {table} as select * from read_csv(?, {args}, store_rejects=true, "
        f"rejects_table='{rej}', rejects_scan='{scan}', normalize_names=false)",
        [str(src.path), *extra.values()])


def _unclosed_quote(src: FileSource, rejects: pd.DataFrame, n_rows: int) -> DataValidationError | None:
    """The error for a quote opened and never closed: the reader then takes the rest of the file
    as one value, so the rows after it would vanish without a count."""
    bad = rejects[rejects["error_type"] == "UNQUOTED VALUE"]
    if bad.empty:
        return None
    last_line = int(bad["line"].max())
    if last_line - 1 < n_rows:
        return None  # rows were read after it: only that row is damaged
    lines = 0
    with src.open_text_bytes() as fh:
        while chunk := fh.read(1 << 22):
            lines += chunk.count(b"\n")
    if lines <= last_line:
        return None
    return DataValidationError(
        f"{src.name}: row {last_line - 1} (line {last_line}) opens a quote (\") that is never closed, so the "
        f"{lines - last_line} lines after it cannot be told apart from that value. Close the quote (or remove "
        "it) and upload the file again.", file=src.name, row=last_line - 1)


def _reader_reason(kind: str, message: str, n_cols: int) -> str:
    if kind == "MISSING COLUMNS":
        return f"too few fields (the header has {n_cols})"
    if kind == "TOO MANY COLUMNS":
        return f"too many fields (the header has {n_cols}); quote values that contain the delimiter"
    if kind == "UNQUOTED VALUE":
        return "badly quoted value"
    return f"unreadable row: {message.splitlines()[0]}"


def _numbered_view(con, table: str, rejected_rows: list[int], cleanup: list[str], file: str = "") -> str:
    """A view over ``table`` adding ``__row`` (1-based data row); rows the reader dropped shift the
    numbering of the rows after them.

    A file column called ``rowid`` (any case) would hide DuckDB's row id, so it is renamed in the
    temp table and given its name back in the view; a column called ``__row`` is refused (the
    name is ours).
    """
    names = [r[0] for r in con.execute(f'describe "{table}"').fetchall()]
    _check_reserved(names, file)
    renames = []
    for i, name in enumerate(names):
        if name.lower() == "rowid":
            hidden = f"__file_rowid_{i}"
            con.execute(f"alter table {table} rename column {quote_identifier(name)} to {hidden}")
            renames.append(f"{hidden} as {quote_identifier(name)}")
    star = f"* rename ({', '.join(renames)})" if renames else "*"
    view = temp_name("rows")
    if not rejected_rows:
        con.execute(f"create temp view {view} as select {star}, rowid + 1 as __row from {table}")
    else:
        # the m-th kept row (1-based) is data row m + (number of dropped rows before it)
        shifts = sorted(rejected_rows)
        thresholds = pd.DataFrame({"m_from": [r - i for i, r in enumerate(shifts)],
                                   "shift": range(1, len(shifts) + 1)})
        thresholds = thresholds.groupby("m_from", as_index=False)["shift"].max()
        name = temp_name("shift")
        with registered(con, temp_name("df"), thresholds) as df:
            con.execute(f"create temp table {name} as select * from {df}")
        cleanup.append(f"table {name}")
        star = f"t.{star}"
        con.execute(
            f"create temp view {view} as select {star}, t.rowid + 1 + coalesce(s.shift, 0) as __row "
            f"from {table} t asof left join {name} s on t.rowid + 1 >= s.m_from")
    cleanup.insert(0, f"view {view}")
    return view


#: column names the readers add themselves
RESERVED_COLUMNS = ("__row", "file_row_number")


def _check_reserved(names: list[str], file: str) -> None:
    taken = [n for n in names if n.lower() in RESERVED_COLUMNS]
    if taken:
        raise DataValidationError(
            f"{file}: a column is named {taken[0]!r}, a name the loader uses for row numbers. Rename that "
            "column in the file and upload it again.", file=file, column=taken[0])


def read_parquet_raw(con, src: FileSource) -> RawTable:
    """Expose a Parquet file as a view with ``__row`` (no copy)."""
    view = temp_name("raw")
    path = str(src.path).replace("'", "''")
    try:
        names = [r[0] for r in con.execute(f"describe select * from read_parquet('{path}')").fetchall()]
    except duckdb.Error as exc:
        raise DataValidationError(f"{src.name}: cannot read the Parquet file ({str(exc).splitlines()[0]}). "
                                  "Write it again or upload a CSV.", file=src.name) from None
    _check_reserved(names, src.name)
    try:
        con.execute(f"create temp view {view} as select * exclude (file_row_number), "
                    f"file_row_number + 1 as __row from read_parquet('{path}', file_row_number=true)")
        n = con.execute(f"select count(*) from {view}").fetchall()[0][0]
    except duckdb.Error as exc:
        raise DataValidationError(f"{src.name}: cannot read the Parquet file ({str(exc).splitlines()[0]}). "
                                  "Write it again or upload a CSV.", file=src.name) from None
    if n == 0:
        raise DataValidationError(f"{src.name} has no rows. Export the data again.", file=src.name)
    return RawTable(src.name, view, _columns(con, view), n, cleanup=[f"view {view}"])


def read_raw(con, src: FileSource, *, role: str, accept: Callable[[list[str]], bool],
             options: dict) -> RawTable:
    """Read any supported file for ``role`` (CSV, CSV.gz, Parquet, JSON) into a raw relation."""
    fmt = sniff_format(src)
    if fmt == "csv":
        return read_csv_raw(con, src, role=role, accept=accept, delimiter=options.get("delimiter"),
                            encoding=options.get("encoding"))
    if fmt == "parquet":
        return read_parquet_raw(con, src)
    if fmt == "json":
        from attribution.ingest.json_records import read_json_raw  # it builds on this module

        return read_json_raw(con, src, role, encoding=options.get("encoding"))
    raise DataValidationError(
        f"{src.name} is an SQLite database; pass it as ihc_db= (the IHC challenge database), or export "
        f"the {role} table as CSV.", file=src.name)


def frame_raw(con, frame: pd.DataFrame, file: str) -> RawTable:
    """Load an in-memory frame (e.g. an SQLite table) into a temp table with ``__row``."""
    table = temp_name("raw")
    with registered(con, temp_name("df"), frame) as df:
        con.execute(f"create temp table {table} as select * from {df}")
    cleanup = [f"table {table}"]
    try:
        view = _numbered_view(con, table, [], cleanup, file)
    except DataValidationError:
        con.execute(f"drop table if exists {table}")
        raise
    return RawTable(file, view, _columns(con, view), len(frame), cleanup=cleanup, ordered=True)
