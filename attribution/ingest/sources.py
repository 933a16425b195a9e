"""Input files: a path on disk or an upload (name, bytes), with format sniffing and size checks."""
from __future__ import annotations

import codecs
import gzip
import os
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from attribution.errors import DataValidationError

FORMATS = ("csv", "parquet", "json", "sqlite")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"


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
                except (OSError, EOFError) as exc:
                    raise DataValidationError(
                        f"{self.name}: the gzip data is damaged ({exc}). Re-compress the file or upload it "
                        "uncompressed.", file=self.name) from None
        return self.head(n)

    @property
    def format(self) -> str:
        """'csv', 'parquet', 'json' or 'sqlite', sniffed from the content (not trusted from the name)."""
        return sniff_format(self)

    def open_text_bytes(self):
        """A binary file object over the decompressed content."""
        return gzip.open(self.path, "rb") if self.compressed else open(self.path, "rb")


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
        if not path.is_file():
            raise DataValidationError(f"{path}: no such file. Check the path.", file=str(path))
        return FileSource(name=path.name, path=path, size=path.stat().st_size)
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[1], (bytes, bytearray, memoryview)):
        name, data = str(obj[0]), bytes(obj[1])
        tmp = tempfile.TemporaryDirectory(prefix="attribution_upload_")
        # keep the name's suffix: DuckDB picks the compression from it
        path = Path(tmp.name) / (Path(name).name or "upload")
        path.write_bytes(data)
        src = FileSource(name=name, path=path, size=len(data), _tmpdir=tmp)
        weakref.finalize(src, tmp.cleanup)
        return src
    raise DataValidationError(
        f"cannot read {type(obj).__name__!s} as a file: give a path or an upload as (name, bytes).")


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
    first = text.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1]
    return "json" if first in (b"[", b"{") else "csv"


def check_size(src: FileSource, max_bytes: int) -> None:
    """Raise when the file is larger than ``max_bytes``."""
    if max_bytes and src.size > max_bytes:
        raise DataValidationError(
            f"{src.name} is {_mb(src.size)}, over the {_mb(max_bytes)} limit. Raise the limit "
            f"(load_into(..., max_bytes={src.size}) or more, or the app's upload limit), "
            "or split the file, or convert it to Parquet.", file=src.name)


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.1f} KB"


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
    return DataValidationError(
        f"{src.name} is not valid UTF-8{at}. Re-save it as UTF-8 (Excel: Save As > CSV UTF-8), or read it "
        f"as Latin-1 with mappings={{'{role}': {{'encoding': 'latin-1'}}}}.", file=src.name, row=line)
