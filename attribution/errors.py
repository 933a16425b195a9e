"""Error hierarchy of the attribution library.

Every error a user can cause is a ``ValueError`` subclass under :class:`AttributionError`, and its
message says what is wrong and how to fix it. Pages catch these types and show the message; any
other exception is a bug.
"""
from __future__ import annotations

#: who reads a message: a library (Python) user, an app (browser) user or a command-line user
AUDIENCES = ("library", "app", "cli")


def text_for(audience: str, shown_as: dict[str, str], default: str) -> str:
    """``shown_as[audience]`` if that audience has its own text, else ``default``; an audience not
    in :data:`AUDIENCES` is a programming error (ValueError)."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)} (got {audience!r})")
    return shown_as.get(audience, default)


class AttributionError(ValueError):
    """Base class of every error the library raises on purpose.

    The message (``str(err)``) is written for library users. Where the fix differs for someone in the
    app or at the command line (a parameter they cannot pass, a control or flag they can use
    instead), ``shown_as`` maps that audience of :data:`AUDIENCES` to its whole text; read it with
    :meth:`message_for`.
    """

    def __init__(self, message: str = "", *, shown_as: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.shown_as = dict(shown_as or {})

    def message_for(self, audience: str) -> str:
        """The message as shown to ``audience`` ('library', 'app' or 'cli'): its own text, else ``str(self)``."""
        return text_for(audience, self.shown_as, str(self))


class DataValidationError(AttributionError):
    """Input data cannot be used as given.

    The message names the file, the column and (where there is one) the row, and how to fix it.
    ``rejected`` optionally carries the offending rows (a DataFrame) so callers can offer them.
    """

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None,
                 row: int | None = None, rejected=None, shown_as: dict[str, str] | None = None) -> None:
        super().__init__(message, shown_as=shown_as)
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
