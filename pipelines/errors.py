"""The project's exceptions: one hierarchy under `YujuesuanError`, one branch per layer.

A caller can catch a whole layer's trouble (`except ReaderError`) or everything the project raises on
purpose (`except YujuesuanError`); anything else is a bug. Branches also derive from the builtin they
replace (ValueError, FileNotFoundError …), so older `except ValueError` code keeps working.
tests/test_errors.py fails when a module raises a builtin or a class outside the hierarchy.
"""


class YujuesuanError(Exception):
    """Base class for errors the pipeline reports to users."""


# --- catalog and reference data (pipelines/catalog, pipelines/reference, sql/comments.csv) ----------


class CatalogDataError(YujuesuanError, ValueError):
    """A shipped data file (table catalog, vocabulary, titles, code lists, comments) is malformed."""


# --- readers (extract) -------------------------------------------------------------------------------


class ReaderError(YujuesuanError):
    """A source file or path could not be read."""


class SourceFileError(ReaderError):
    """The file cannot be read as a disclosure document at all (empty, corrupt, encrypted, scanned…).

    `reason` is a short machine-readable code kept in `dim_document.error` beside the message.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class ReaderSetupError(ReaderError, ImportError):
    """The installed PDF engine lacks what the reader calls (pypdfium2 outside constraints.txt)."""


class SourceNotFoundError(ReaderError, FileNotFoundError):
    """A path given to ingest does not exist."""


class TableParseError(ReaderError):
    """A recognised table could not be turned into facts; the document becomes `partial`."""

    def __init__(self, table_code: str, page: int | None, message: str) -> None:
        where = f" (page {page})" if page else ""
        super().__init__(f"{table_code}{where}: {message}")
        self.table_code = table_code
        self.page = page


# failures that say nothing about the bytes themselves: the next run tries the file again
RETRY_REASONS = frozenset({"unreadable", "changed_during_run", "internal_error", "too_slow"})


def reason_of(error: str | None) -> str | None:
    """The reason code at the head of a recorded error ("unreadable: …" → "unreadable")."""
    return error.split(":", 1)[0].strip() if error else None


# --- load (the warehouse) ----------------------------------------------------------------------------


class LoadError(YujuesuanError):
    """The warehouse cannot be opened, migrated or written as asked."""


class WarehouseNotFoundError(LoadError, FileNotFoundError):
    """No published warehouse at the path (nothing ingested yet)."""


class DocumentNotFoundError(LoadError, KeyError):
    """A document id that the warehouse does not hold."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class LoadInputError(LoadError, ValueError):
    """Rows or a request the warehouse refuses (a frame for an unknown table, a match not open …)."""


# --- rules (validate) --------------------------------------------------------------------------------


class RuleError(YujuesuanError):
    """The rule catalog is malformed or a rule's SQL does not run as declared."""


# --- report ------------------------------------------------------------------------------------------


class ReportError(YujuesuanError):
    """The report cannot be written as asked."""
