"""Error hierarchy of the attribution library.

Every error a user can cause is a ``ValueError`` subclass under :class:`AttributionError`, and its
message says what is wrong and how to fix it. Pages catch these types and show the message; any
other exception is a bug.
"""
from __future__ import annotations


class AttributionError(ValueError):
    """Base class of every error the library raises on purpose."""


class DataValidationError(AttributionError):
    """Input data cannot be used as given.

    The message names the file, the column and (where there is one) the row, and how to fix it.
    ``rejected`` optionally carries the offending rows (a DataFrame) so callers can offer them.
    """

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None,
                 row: int | None = None, rejected=None) -> None:
        super().__init__(message)
        self.file = file
        self.column = column
        self.row = row
        self.rejected = rejected


class ModelError(AttributionError):
    """A model cannot run on the data or parameters given (e.g. needs timestamps)."""


class ConvergenceError(ModelError):
    """A numerical fit did not converge; the message says what to try."""


class OptimizationError(AttributionError):
    """A budget optimisation is infeasible or failed; the message names the constraint to relax."""


# The British spelling was public before the names were made consistent; kept as an alias.
OptimisationError = OptimizationError


class WorkspaceError(AttributionError):
    """The workspace database cannot be opened as configured (e.g. another process holds it)."""
