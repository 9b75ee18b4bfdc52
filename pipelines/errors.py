"""Exceptions that name what was wrong with a source file, so the loader can record the reason."""


class YujuesuanError(Exception):
    """Base class for errors the pipeline reports to users."""


class SourceFileError(YujuesuanError):
    """The file cannot be read as a disclosure document at all (empty, corrupt, encrypted, scanned…).

    `reason` is a short machine-readable code kept in `dim_document.error` beside the message.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


class TableParseError(YujuesuanError):
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
