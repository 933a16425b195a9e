"""Input files: a path on disk or an upload (name, bytes), with format sniffing and size checks."""
from __future__ import annotations

import codecs
import gzip
import os
import sqlite3
import tempfile
import unicodedata
import uuid
import weakref
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from attribution.errors import DataValidationError
from attribution.ingest.part_files import combine_parts, is_part_file_pattern, keep_alive, part_files

FORMATS = ("csv", "parquet", "json", "sqlite")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
#: longest file name kept as a label in messages (the rest is cut with an ellipsis)
LABEL_CHARS = 120


@dataclass(eq=False)
class FileSource:
    """One input file. ``path`` is where readers read it (uploads are spooled to a private temp file).

    Attributes
    ----------
    name : str
        File name shown in messages (the upload's name, or the path's base name).
    path : pathlib.Path
        Readable location on disk.
    size : int
        Size in bytes (compressed size for ``.gz``).
    """

    name: str
    path: Path
    size: int
    _tmpdir: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    @property
    def compressed(self) -> bool:
        """True when the bytes are gzip-compressed."""
        return self.head(2) == _GZIP_MAGIC

    def head(self, n: int = 4096) -> bytes:
        """The first ``n`` raw (possibly compressed) bytes."""
        with open(self.path, "rb") as fh:
            return fh.read(n)

    def text_head(self, n: int = 65536) -> bytes:
        """The first ``n`` bytes after gzip decompression (raw bytes otherwise)."""
        if self.compressed:
            with gzip.open(self.path, "rb") as fh:
                try:
                    return fh.read(n)
                except (OSError, EOFError, zlib.error) as exc:
                    raise gzip_damaged(self, exc) from None
        return self.head(n)

    @property
    def format(self) -> str:
        """'csv', 'parquet', 'json' or 'sqlite', sniffed from the content (not trusted from the name)."""
        return sniff_format(self)

    def open_text_bytes(self):
        """A binary file object over the decompressed content."""
        return gzip.open(self.path, "rb") if self.compressed else open(self.path, "rb")


def label(name: str) -> str:
    """A user-supplied file name made fit to show in a message: control characters (NUL, line
    breaks) become '?', and a long name is cut to :data:`LABEL_CHARS` characters. It is only ever a
    label: files are stored under generated names."""
    text = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in str(name))
    text = text.strip() or "upload"
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


#: prefixes of the private temp folders uploads are copied into (removed when the file is done with)
SPOOL_PREFIXES = ("attribution_upload_", "attribution_gunzip_", "attribution_utf8_")


def remove_stale_spools(max_age_seconds: float = 3600, folder: str | None = None) -> int:
    """Remove upload copies left in the temp folder by a process that was killed mid-upload.

    Only our own folders (:data:`SPOOL_PREFIXES`) untouched for ``max_age_seconds`` are removed, so
    the uploads of another running process are left alone. Returns how many were removed.
    """
    import shutil
    import time

    root = Path(folder or tempfile.gettempdir())
    removed = 0
    for entry in root.iterdir() if root.is_dir() else []:
        try:
            if (entry.is_dir() and not entry.is_symlink() and entry.name.startswith(SPOOL_PREFIXES)
                    and time.time() - entry.stat().st_mtime > max_age_seconds):
                shutil.rmtree(entry)
                removed += 1
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def _spool(data: bytes) -> tuple[tempfile.TemporaryDirectory, Path]:
    """Write ``data`` to a fresh private temp folder under a generated name."""
    tmp = tempfile.TemporaryDirectory(prefix="attribution_upload_")
    path = Path(tmp.name) / f"{uuid.uuid4().hex}.data"
    path.write_bytes(data)
    return tmp, path


def as_source(obj) -> FileSource:
    """Turn a path, a ``Path``, an upload ``(name, bytes)`` or a :class:`FileSource` into a FileSource.

    Raises
    ------
    DataValidationError
        When the path does not exist or the object is not one of the accepted kinds.
    """
    if isinstance(obj, FileSource):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        path = Path(obj)
        if is_part_file_pattern(str(obj)):
            return _part_files_source(str(obj))
        if not path.is_file():
            raise DataValidationError(f"{path}: no such file. Check the path.", file=str(path))
        return FileSource(name=path.name, path=path, size=path.stat().st_size)
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], (bytes, bytearray, memoryview)):
        # the user's name is only a label: it never becomes part of a path or URI
        tmp, path = _spool(bytes(obj[1]))
        src = FileSource(name=label(obj[0]), path=path, size=path.stat().st_size, _tmpdir=tmp)
        weakref.finalize(src, tmp.cleanup)
        return src
    raise DataValidationError(
        f"cannot read {type(obj).__name__!s} as a file: give a path or an upload as (name, bytes).")


def _part_files_source(text: str) -> FileSource:
    """A folder or glob of part files as one source (:mod:`attribution.ingest.part_files`)."""
    parts = part_files(text)
    if len(parts) == 1:
        return FileSource(name=parts[0].name, path=parts[0], size=parts[0].stat().st_size)
    formats = {p.name: sniff_format(FileSource(name=p.name, path=p, size=p.stat().st_size)) for p in parts}
    if len(set(formats.values())) > 1 or set(formats.values()) - {"csv", "parquet"}:
        raise DataValidationError(f"{text}: part files must all be CSV or all Parquet; found "
                                  + ", ".join(f"{n} ({f})" for n, f in formats.items()), file=text)
    path, tmp = combine_parts(text, parts, next(iter(formats.values())))
    src = FileSource(name=label(f"{Path(text).name} ({len(parts)} files)"), path=path, size=path.stat().st_size,
                     _tmpdir=tmp)
    keep_alive(src, tmp)
    return src


def sniff_format(src: FileSource) -> str:
    """Detect the file format from its first bytes; raise a clear error for unsupported ones."""
    raw = src.head(64)
    if not raw:
        raise DataValidationError(f"{src.name} is empty (0 bytes). Export the data again and re-upload it.",
                                  file=src.name)
    if raw.startswith(b"PAR1"):
        return "parquet"
    if raw.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if raw.startswith(_ZIP_MAGIC):
        raise DataValidationError(
            f"{src.name} is a zip archive or an Excel workbook, which cannot be read here. Save the sheet "
            "as CSV (Excel: File > Save As > CSV UTF-8) or unzip it and upload the CSV or Parquet file.",
            file=src.name)
    text = src.text_head(4096)
    if not text.strip():
        raise DataValidationError(f"{src.name} is empty (no data). Export the data again and re-upload it.",
                                  file=src.name)
    if b"\x00" in text and not text.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataValidationError(
            f"{src.name} is not a supported format (binary content). Supported: CSV (optionally .gz), "
            "Parquet, JSON, and the IHC SQLite database.", file=src.name)
    if text.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # UTF-16 puts a NUL next to every ASCII character: look at the decoded text
        text = codecs.decode(text[: len(text) // 2 * 2], "utf-16", errors="replace").encode("utf-8")
    first = text.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1]
    return "json" if first in (b"[", b"{") else "csv"


def check_size(src: FileSource, max_bytes: int | None) -> None:
    """Raise when the file is larger than ``max_bytes`` (None or 0: no limit)."""
    if max_bytes and src.size > max_bytes:
        over = f"{src.name} is {file_size(src.size)}, over the {file_size(max_bytes)} limit. "
        raise DataValidationError(
            over + f"Raise the limit (load_into(..., max_bytes={src.size}) or more, or the app's upload limit), "
            "or split the file, or convert it to Parquet.", file=src.name,
            shown_as={"app": over + "Split the file or convert it to Parquet, or ask whoever runs this app to "
                             "raise its upload limit (ATTRIBUTION_MAX_UPLOAD_MB)."})


def gzip_damaged(src: FileSource, exc: BaseException) -> DataValidationError:
    """The error for gzip data that ends early or is corrupt."""
    what = "ends before its end marker (truncated)" if isinstance(exc, EOFError) else f"is damaged ({exc})"
    return DataValidationError(f"{src.name}: the gzip data {what}. Compress the file again, or upload it "
                               "uncompressed.", file=src.name)


def expanded(src: FileSource, max_bytes: int | None) -> FileSource:
    """``src`` with gzip content decompressed into a private temp file, reading at most ``max_bytes``
    (None or 0: no limit, for local files; the app passes its upload limit).

    Checks the *uncompressed* size, so a small archive that inflates a thousand-fold (a
    decompression bomb) is refused after ``max_bytes`` have been read instead of filling memory or
    disk. Uncompressed files are returned as they are (after the plain size check).

    Raises
    ------
    DataValidationError
        The file is over the limit, expands to more than it, or its gzip data is damaged.
    """
    if max_bytes:
        check_size(src, max_bytes)
    if not src.compressed:
        return src
    tmp = tempfile.TemporaryDirectory(prefix="attribution_gunzip_")
    path = Path(tmp.name) / f"{uuid.uuid4().hex}.data"
    total = 0
    try:
        with gzip.open(src.path, "rb") as fh, open(path, "wb") as out:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                if max_bytes and total > max_bytes:
                    what = (f"{src.name} expands to more than {file_size(max_bytes)} when decompressed (the "
                            "limit is on the uncompressed size). Split the file, convert it to Parquet, or ")
                    raise DataValidationError(
                        what + "raise the limit (load_into(..., max_bytes=...), or the app's "
                        "ATTRIBUTION_MAX_UPLOAD_MB).", file=src.name,
                        shown_as={"app": what + "ask whoever runs this app to raise its upload limit "
                                                "(ATTRIBUTION_MAX_UPLOAD_MB)."})
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        tmp.cleanup()
        raise gzip_damaged(src, exc) from None
    except BaseException:
        tmp.cleanup()
        raise
    out_src = FileSource(name=src.name, path=path, size=total, _tmpdir=tmp)
    weakref.finalize(out_src, tmp.cleanup)
    return out_src


def open_sqlite_readonly(src: FileSource) -> sqlite3.Connection:
    """Open an SQLite file read-only, by its path, so nothing in the path is read as URI syntax.

    The path is made absolute and percent-encoded (``Path.as_uri``), so '?', '#' and '%2f' in it
    stay literal characters of the file name; ``mode=ro`` means the file is never created or
    written. A damaged file raises our error naming it.
    """
    uri = Path(os.path.abspath(src.path)).as_uri() + "?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True)
        db.execute("select count(*) from sqlite_master").fetchall()
    except sqlite3.DatabaseError as exc:
        raise sqlite_damaged(src, exc) from None
    return db


def sqlite_damaged(src: FileSource, exc: BaseException) -> DataValidationError:
    """The error for an SQLite file that cannot be read (truncated or corrupt)."""
    return DataValidationError(f"{src.name}: the SQLite database cannot be read ({exc}); it may be truncated "
                               "or damaged. Copy it again from its source and re-upload it.", file=src.name)


def file_size(n_bytes: int) -> str:
    """A file size as people read it: "0 bytes", "512 bytes", "6 KB" (whole kilobytes under 1 MB, at
    least 1), "1.5 MB", "1.2 GB" (one decimal). Binary units (1 KB = 1024 bytes), as the upload limit
    (``ATTRIBUTION_MAX_UPLOAD_MB``, in MiB) counts them. Used for every size the library and the app show."""
    if n_bytes < 2**10:
        return f"{n_bytes:,} bytes"
    if n_bytes < 2**20:
        return f"{max(1, round(n_bytes / 2**10)):,} KB"
    if n_bytes < 2**30:
        return f"{n_bytes / 2**20:.1f} MB"
    return f"{n_bytes / 2**30:.1f} GB"


def first_invalid_utf8(src: FileSource) -> tuple[int, int, int] | None:
    """Locate the first byte that is not valid UTF-8.

    Returns
    -------
    (line, byte_in_line, byte_value) with 1-based line and byte numbers, or None when the whole
    file is valid UTF-8.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line, line_start = 0, 1, 0
    with src.open_text_bytes() as fh:
        while chunk := fh.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's held-back bytes followed by this chunk
                pos = max(exc.start - (len(exc.object) - len(chunk)), 0)
                before = chunk[:pos]
                line += before.count(b"\n")
                nl = before.rfind(b"\n")
                start = offset + nl + 1 if nl >= 0 else line_start
                return line, offset + pos - start + 1, exc.object[exc.start]
            line += chunk.count(b"\n")
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                line_start = offset + nl + 1
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, offset - line_start + 1, 0
    return None


def encoding_error(src: FileSource, role: str) -> DataValidationError:
    """The error for a file that is not valid UTF-8, naming the line and byte."""
    where = first_invalid_utf8(src)
    line, byte, value = where if where else (None, None, None)
    at = f" at line {line}, byte {byte} (0x{value:02x})" if where else ""
    what = f"{src.name} is not valid UTF-8{at}. Re-save it as UTF-8 (Excel: Save As > CSV UTF-8), or read it "
    return DataValidationError(
        what + f"as Latin-1 (Windows) with mappings={{'{role}': {{'encoding': 'latin-1'}}}}.", file=src.name, row=line,
        shown_as={"app": what + "as Windows / Latin-1: choose it under Text encoding (CSV) above the preview.",
                  "cli": what + f"as Latin-1 (Windows) with --map {role}.encoding=latin-1."})


def _windows_1252_undefined(exc: UnicodeDecodeError):
    """Decode the five bytes Windows-1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d) as the
    control characters of the same number, as the WHATWG Encoding standard does."""
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("attribution_windows_1252", _windows_1252_undefined)


def as_utf8(src: FileSource, encoding: str, role: str) -> tuple[FileSource, str]:
    """``src`` as UTF-8 text, and the encoding the readers should now use ('utf-8').

    A file in another encoding (Windows-1252, UTF-16) is decoded into a private temp copy in UTF-8;
    a file starting with a UTF-16 byte-order mark is read as UTF-16 whatever ``encoding`` says,
    since no UTF-8 or Windows text starts with those bytes. UTF-8 files are returned as they are.

    Raises
    ------
    DataValidationError
        The bytes are not valid in the encoding (naming the line), e.g. odd-length UTF-16.
    """
    head = src.text_head(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not encoding.startswith("utf-16"):
        encoding = "utf-16"
    if encoding == "utf-8":
        return src, "utf-8"
    errors = "attribution_windows_1252" if encoding == "windows-1252" else "strict"
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    tmp = tempfile.TemporaryDirectory(prefix="attribution_utf8_")
    path = Path(tmp.name) / f"{uuid.uuid4().hex}.data"
    line = 1
    try:
        with src.open_text_bytes() as fh, open(path, "wb") as out:
            while True:
                chunk = fh.read(1 << 22)
                text = decoder.decode(chunk, final=not chunk)
                out.write(text.encode("utf-8"))
                line += text.count("\n")
                if not chunk:
                    break
    except UnicodeDecodeError as exc:
        tmp.cleanup()
        what = f"{src.name} is not valid {encoding.upper()} near line {line} ({exc.reason}). Choose the file's encoding"
        raise DataValidationError(
            what + f" (mappings={{'{role}': {{'encoding': 'utf-8'}}}}, 'latin-1' or 'utf-16'), or re-save it "
            "as UTF-8.", file=src.name, row=line,
            shown_as={"app": what + " under Text encoding (CSV) above the preview, or re-save it as UTF-8.",
                      "cli": what + f" (--map {role}.encoding=utf-8, latin-1 or utf-16), or re-save it as UTF-8."}
        ) from None
    except (OSError, EOFError, zlib.error) as exc:
        tmp.cleanup()
        raise gzip_damaged(src, exc) from None
    out_src = FileSource(name=src.name, path=path, size=path.stat().st_size, _tmpdir=tmp)
    weakref.finalize(out_src, tmp.cleanup)
    return out_src, "utf-8"
