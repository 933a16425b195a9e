"""The validation report of one load: table sizes, rejected rows by reason, warnings."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from attribution.errors import text_for


@dataclass(frozen=True)
class Issue:
    """A non-fatal finding about the input: ``severity`` is 'warning' or 'info'.

    ``row`` is a 1-based data row (None when the issue is about the whole file or column).
    ``message`` is the library's text: its advice may name a parameter of :func:`attribution.load`.
    ``shown_as`` holds the whole text for an audience of :data:`attribution.errors.AUDIENCES` whose user cannot pass
    that parameter (the app has no control for it, the CLI no flag), saying what they can do
    instead; read it with :meth:`message_for`.
    """

    file: str
    column: str | None
    row: int | None
    message: str
    severity: str = "warning"
    shown_as: dict[str, str] = field(default_factory=dict, compare=False)

    def message_for(self, audience: str) -> str:
        """The message as shown to ``audience`` ('library', 'app' or 'cli'): its own text, else ``message``."""
        return text_for(audience, self.shown_as, self.message)

    @property
    def location(self) -> str:
        """``file, column c, row n`` (the parts that are known; empty when none is)."""
        return ", ".join(x for x in (self.file, self.column and f"column {self.column}",
                                     self.row and f"row {self.row}") if x)


@dataclass
class IngestReport:
    """What :func:`~attribution.ingest.load_into` loaded and what it rejected.

    Attributes
    ----------
    kind : str
        'journeys' (touchpoints + conversions) or 'paths' (aggregated paths).
    schema : str
        DuckDB schema holding the canonical tables.
    tables : dict
        Canonical table name -> row count (including ``rejected``).
    rejected_counts : DataFrame
        ``file, reason, rows``: rejected input rows by file and reason ('duplicate of row N' is
        grouped as 'duplicate of an earlier row').
    warnings : list of Issue
        Non-fatal findings, warnings first.
    files : DataFrame
        ``file, role, rows, loaded, rejected``: per input file, ``rows = loaded + rejected``.
    mappings : dict
        Role -> the column mapping used (canonical -> source column).
    """

    kind: str
    schema: str
    tables: dict[str, int]
    rejected_counts: pd.DataFrame
    warnings: list[Issue] = field(default_factory=list)
    files: pd.DataFrame = field(default_factory=pd.DataFrame)
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def n_rejected(self) -> int:
        """Total rejected input rows."""
        return int(self.rejected_counts["rows"].sum()) if len(self.rejected_counts) else 0

    def rejected(self, con, *, limit: int | None = None) -> pd.DataFrame:
        """The rejected rows (``file, row, column_name, value, reason``), ordered by file and row."""
        tail = f" limit {int(limit)}" if limit is not None else ""
        return con.execute(f'select * from "{self.schema}".rejected order by file, row{tail}').df()

    def summary(self) -> str:
        """A few lines of plain text for logs and the CLI."""
        lines = [f"{self.kind}: " + ", ".join(f"{k} {v:,}" for k, v in self.tables.items())]
        for r in self.rejected_counts.itertuples():
            lines.append(f"rejected {r.rows:,} rows of {r.file}: {r.reason}")
        lines += [f"{i.severity}: {i.file}: {i.message}" for i in self.warnings]
        return "\n".join(lines)


REJECTED_DDL = ("file VARCHAR, row BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR")


def rejected_counts(con, qualified_rejected: str) -> pd.DataFrame:
    """Rejected rows by file and reason, the largest groups first."""
    frame = con.execute(
        f"select file, regexp_replace(reason, '^duplicate of row \\d+$', 'duplicate of an earlier row') "
        f"as reason, count(*) as rows from {qualified_rejected} group by all order by rows desc, file, reason"
    ).df()
    frame["rows"] = frame["rows"].astype("int64")
    return frame


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Warnings before infos, stable otherwise."""
    return sorted(issues, key=lambda i: i.severity != "warning")
