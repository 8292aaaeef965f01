"""The exception tree of tiegraph.

Every error the project raises on purpose derives from ``TiegraphError``, so the CLI can catch that one class and
print the message. Each also derives from the builtin it refines, so callers that expect a ``ValueError`` or a
``LookupError`` keep working. Messages are whole sentences that say what is wrong and, where possible, what to do.
"""

from __future__ import annotations

__all__ = [
    "GoldFormatError",
    "InputError",
    "ModelNotFoundError",
    "QueryError",
    "QueryRefusedError",
    "TiegraphError",
    "ValidationFailed",
]


class TiegraphError(Exception):
    """Base class of every error that tiegraph raises on purpose."""


class ModelNotFoundError(TiegraphError, LookupError):
    """A spaCy model (or another named resource) is not installed or cannot be loaded."""


class InputError(TiegraphError, ValueError):
    """An input file or directory cannot be read, decoded or understood."""


class GoldFormatError(TiegraphError, ValueError):
    """A gold annotation file does not follow the format described in the evaluation README."""


class ValidationFailed(TiegraphError):  # noqa: N818 - the name states the outcome, as the CLI reports it
    """A graph does not conform to the SHACL shapes.

    Args:
        message: A whole sentence saying that validation failed and how many results there were.
        report: The validation report as text (pySHACL's ``results_text``), kept for the caller to print.
    """

    def __init__(self, message: str, *, report: str = "") -> None:
        super().__init__(message)
        self.report = report


class QueryError(TiegraphError, ValueError):
    """A SPARQL query cannot be run as given: a syntax error, an unknown library query, a bad parameter.

    Args:
        message: A whole sentence saying what is wrong and what to do.
        line: For a syntax error, the line of the query (1-based) where the parser stopped.
        column: For a syntax error, the column (1-based) on that line.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class QueryRefusedError(QueryError):
    """A valid request that tiegraph will not run: a SPARQL Update, or a ``SERVICE`` call to another endpoint."""
