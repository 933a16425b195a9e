"""State shared by the loaders of one :func:`~attribution.ingest.load_into` call."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from attribution.errors import DataValidationError
from attribution.ingest.mapping import OPTION_KEYS, REQUIRED, resolve_mapping
from attribution.ingest.readers import (
    RawTable,
    decode_head,
    delimiter_name,
    detect_delimiter,
    norm_encoding,
    read_raw,
)
from attribution.ingest.report import Issue
from attribution.ingest.sources import FileSource
from attribution.ingest.validate import Field, Staged, stage

CANONICAL_DDL = {
    "touchpoints": ("user_id VARCHAR, ts TIMESTAMP, channel VARCHAR, campaign VARCHAR, cost DOUBLE, "
                    "session_id VARCHAR, interaction VARCHAR, holder_engagement BOOLEAN, "
                    "closer_engagement BOOLEAN"),
    "conversions": "user_id VARCHAR, ts TIMESTAMP, revenue DOUBLE, conversion_id VARCHAR, stage VARCHAR",
    "spend": "date DATE, channel VARCHAR, spend DOUBLE, campaign VARCHAR, impressions DOUBLE, clicks DOUBLE",
    "paths": "path VARCHAR[], conversions DOUBLE, revenue DOUBLE, nulls DOUBLE",
}
TABLE_COLUMNS = {t: [c.split()[0] for c in ddl.split(", ")] for t, ddl in CANONICAL_DDL.items()}


@dataclass
class LoadContext:
    """Collects staged tables, output queries, file accounting and warnings of one load."""

    con: object
    raws: list[RawTable] = field(default_factory=list)
    staged: list[Staged] = field(default_factory=list)
    temps: list[str] = field(default_factory=list)  # "view name" / "table name"
    outputs: dict[str, list[str]] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)
    dedupe: bool = True

    def stage(self, raw: RawTable, fields: list[Field], **kwargs) -> Staged:
        """:func:`~attribution.ingest.validate.stage` with this load's duplicate policy."""
        kwargs["dedupe"] = kwargs.get("dedupe", True) and self.dedupe
        return stage(self.con, raw, fields, **kwargs)

    def read(self, src: FileSource, role: str, mapping: dict | None) -> tuple[RawTable, dict[str, str]]:
        """Read ``src`` for ``role`` and settle its column mapping (raising when a column is missing)."""
        mapping = dict(mapping or {})
        options = {k: mapping[k] for k in OPTION_KEYS if mapping.get(k) is not None}

        def accept(cols: list[str]) -> bool:
            try:
                resolve_mapping(role, cols, mapping, src.name)
            except DataValidationError:
                return False
            return True

        raw = read_raw(self.con, src, role=role, accept=accept, options=options)
        self.raws.append(raw)
        found = ""
        if raw.delimiter is not None:
            found = f" (read with the delimiter {delimiter_name(raw.delimiter)}"
            found += ", the best of , ; tab |)" if "delimiter" not in options else ")"
        try:
            resolved = resolve_mapping(role, list(raw.columns), mapping, src.name, found)
        except DataValidationError as exc:
            hint = _other_delimiter(src, raw, accept, options)
            if hint:
                raise DataValidationError(f"{exc} {hint}", file=exc.file, column=exc.column) from None
            raise
        self.mappings[role] = resolved
        return raw, resolved

    def add(self, staged: Staged, role: str, raw: RawTable | None = None) -> Staged:
        """Record a staged file: account its rows and fail when nothing of it can be used."""
        self.staged.append(staged)
        self.temps.extend(staged.temps)
        self.issues += staged.issues
        self.files.append({"file": staged.file, "role": role, "rows": staged.n_in, "loaded": staged.n_ok,
                           "rejected": staged.n_rejected, "_raw": raw})
        if staged.n_ok == 0:
            raise self._all_rejected(staged, raw)
        return staged

    def output(self, table: str, select_sql: str) -> None:
        """Add a query (yielding the canonical columns in order) whose rows go into ``table``."""
        self.outputs.setdefault(table, []).append(select_sql)

    def _all_rejected(self, staged: Staged, raw: RawTable | None) -> DataValidationError:
        frame = pd.DataFrame(columns=["row", "column_name", "value", "reason"])
        if staged.rejected:
            frame = self.con.execute(
                f"select __row as row, __column as column_name, __value as value, __reason as reason "
                f"from {staged.rejected} order by __row limit 1000").df()
        if raw is not None and len(raw.reader_rejects):
            frame = pd.concat([raw.reader_rejects, frame], ignore_index=True).sort_values("row")
        top = frame["reason"].value_counts().head(3)
        reasons = "; ".join(f"{n:,} x {r}" for r, n in top.items())
        first = frame.iloc[0]
        col = first["column_name"]
        return DataValidationError(
            f"{staged.file}: all {staged.n_in:,} row{'s were' if staged.n_in != 1 else ' was'} rejected "
            f"({reasons}). The first is row "
            f"{int(first['row'])}" + (f", column {col!r}, value {first['value']!r}" if col else "")
            + ". Check the column mapping and the file's format.",
            file=staged.file, column=col if isinstance(col, str) else None, row=int(first["row"]),
            rejected=frame)

    def rejected_selects(self) -> list[str]:
        """Queries yielding ``file, row, column_name, value, reason`` for every rejected row."""
        out = []
        for st in self.staged:
            if st.rejected:
                out.append(f"select {_lit(st.file)}, __row, __column, __value, __reason from {st.rejected}")
        return out


def _other_delimiter(src: FileSource, raw: RawTable, accept, options: dict) -> str:
    """A hint when the given delimiter is wrong but another one yields the required columns."""
    if raw.delimiter is None or "delimiter" not in options:
        return ""
    text = decode_head(src, norm_encoding(options.get("encoding"), src.name))
    delim, cols = detect_delimiter(text, accept)
    if delim == raw.delimiter or not accept(cols):
        return ""
    return (f"The file looks {delimiter_name(delim)}-separated: set the delimiter option to "
            f"{delim!r} or leave it out to detect it.")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def required_of(role: str) -> list[str]:
    """Required canonical columns of a role."""
    return REQUIRED[role]
