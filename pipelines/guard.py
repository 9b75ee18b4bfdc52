"""One file never loses data nor takes the run down: every stage of one document is guarded here.

The CLI and the Dagster assets call these instead of the bare stage functions. Whatever goes
wrong with one file (it cannot be read, it changed under us, a reader bug, a figure too large for
the warehouse, a page that never ends) leaves exactly one `dim_document` row: `failed` with a
reason code, or `partial` with what was kept. The traceback goes to the log, the run goes on.

Reason codes (the text before the first ":" of `dim_document.error`): the readers' own
(`empty`, `corrupt`, `encrypted`, `scanned`, …) plus `unreadable` (the file cannot be opened),
`changed_during_run`, `too_slow`, `too_large`, `amount_out_of_range` and `internal_error`.
Rows with a reason in RETRY_REASONS are replaced when the same bytes are tried again.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines import budget as budget_mod
from pipelines.budget import Budget, BudgetExceeded, Limits
from pipelines.types import DocumentMeta, ExtractedDocument, document_id_for

if TYPE_CHECKING:
    import duckdb

    from pipelines.load.warehouse import LoadResult
    from pipelines.normalise.document import NormalisedDocument
    from pipelines.sources import SourceFile

log = logging.getLogger("yujuesuan.guard")

# failures that say nothing about the bytes themselves: the next run tries the file again
RETRY_REASONS = frozenset({"unreadable", "changed_during_run", "internal_error", "too_slow"})
MIN_FREE_BYTES = 200 * 1024 * 1024  # below this on the warehouse's disk, a run does not start


class StorageFull(Exception):
    """The disk holding the warehouse, Dagster's state or the reports is full."""


def reason_of(error: str | None) -> str | None:
    return error.split(":", 1)[0].strip() if error else None


def unreadable_sha(path: Path) -> str:
    """A stand-in content hash for a file that cannot be read: stable for its path, never a real hash."""
    return hashlib.sha256(b"unreadable:" + str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()


def source_hash(path: Path) -> tuple[str, str | None]:
    """The file's content hash, or (stand-in hash, why it cannot be read)."""
    from pipelines.extract.document import file_sha256

    try:
        return file_sha256(path), None
    except OSError as exc:
        return unreadable_sha(path), f"{exc.strerror or type(exc).__name__} ({exc.filename or path})"
    except Exception as exc:  # anything else is still this file's problem only
        return unreadable_sha(path), f"{type(exc).__name__}: {exc}"


def failed_document(
    path: Path, sha256: str, reason: str, message: str, base: ExtractedDocument | None = None
) -> ExtractedDocument:
    """The one row of a file whose contents cannot be loaded: no tables, texts or facts.

    The metadata is dropped too: a failed version must never supersede a loaded one.
    """
    from pipelines.extract.document import file_format

    doc = ExtractedDocument(str(path), sha256, file_format(path), 0, DocumentMeta(), [])
    if base is not None:
        doc.page_count = base.page_count
        doc.warnings = list(base.warnings)
    doc.status, doc.error = "failed", f"{reason}: {message}"
    return doc


def extract_guarded(
    path: Path, expected_id: str | None = None, limits: Limits | None = None
) -> ExtractedDocument:
    """extract_document under the time and size limits; never raises for one file's trouble.

    `expected_id` is the document id the file was registered under (its partition): if the bytes
    differ now, the file changed during the run and is recorded as such (the new bytes are a new
    version, which the next run picks up).
    """
    from pipelines.extract.document import extract_document

    sha, unreadable = source_hash(path)
    if unreadable is not None:
        log.warning("cannot read %s: %s", path, unreadable)
        sha = _registered_sha(expected_id, sha)
        return failed_document(path, sha, "unreadable", unreadable)
    if expected_id is not None and document_id_for(sha) != expected_id:
        return _changed(path, expected_id, sha)
    with budget_mod.active(Budget(limits or Limits.from_env())):
        try:
            doc = extract_document(path)
        except BudgetExceeded as exc:  # the file's time ran out outside any page loop
            return failed_document(path, sha, "too_slow", str(exc))
        except Exception as exc:
            log.exception("extracting %s failed", path)
            return failed_document(path, sha, "internal_error", f"{type(exc).__name__}: {exc}")
    if expected_id is not None and document_id_for(doc.source_sha256) != expected_id:
        return _changed(path, expected_id, doc.source_sha256)
    return doc


def _registered_sha(expected_id: str | None, sha: str) -> str:
    """The row must carry the partition's id: keep the stand-in only when it matches."""
    if expected_id is None or document_id_for(sha) == expected_id:
        return sha
    return expected_id


def _changed(path: Path, expected_id: str, now: str) -> ExtractedDocument:
    log.warning("%s changed during the run (registered %s, now %s)", path, expected_id, now[:16])
    return failed_document(
        path,
        expected_id,
        "changed_during_run",
        f"the file was {expected_id} when registered and is {now[:16]} now; the next run loads the new bytes",
    )


def normalise_guarded(doc: ExtractedDocument, limits: Limits | None = None) -> NormalisedDocument:
    """normalise_document; a bug or a time-out makes the document failed instead of losing it."""
    from pipelines.normalise.document import normalise_document

    try:
        with budget_mod.active(Budget(limits or Limits.from_env())):
            return normalise_document(doc)
    except BudgetExceeded as exc:
        return _nothing(_failed_copy(doc, "too_slow", f"normalising {exc}"))
    except Exception as exc:
        log.exception("normalising %s failed", doc.source_path)
        return _nothing(_failed_copy(doc, "internal_error", f"{type(exc).__name__}: {exc}"))


def _nothing(doc: ExtractedDocument) -> NormalisedDocument:
    """A failed document's frames: empty, built without the code that just failed."""
    import polars as pl

    from pipelines.normalise.document import NormalisedDocument
    from pipelines.normalise.frames import FACT_SCHEMA, TABLE_SCHEMA

    return NormalisedDocument(doc, pl.DataFrame(schema=FACT_SCHEMA), pl.DataFrame(schema=TABLE_SCHEMA))


def _failed_copy(doc: ExtractedDocument, reason: str, message: str) -> ExtractedDocument:
    return failed_document(Path(doc.source_path), doc.source_sha256, reason, message, base=doc)


def load_guarded(con: duckdb.DuckDBPyConnection, n: NormalisedDocument) -> LoadResult:
    """load_document; if the document's rows cannot be written, its failed row is written instead."""
    from pipelines.load.warehouse import load_document

    try:
        return load_document(con, n.document, n.facts, n.tables, n.extras)
    except Exception as exc:
        if is_storage_full(exc):
            raise StorageFull(storage_message(Path(n.document.source_path), exc)) from exc
        log.exception("loading %s failed", n.document.source_path)
        failed = _nothing(_failed_copy(n.document, "internal_error", f"{type(exc).__name__}: {exc}"))
        return load_document(con, failed.document, failed.facts, failed.tables, failed.extras)


def ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, expected_id: str | None = None, limits: Limits | None = None
) -> LoadResult:
    """Extract, normalise and load one file, every stage guarded (what the CLI's job runs)."""
    doc = extract_guarded(path, expected_id, limits)
    return load_guarded(con, normalise_guarded(doc, limits))


# --- storage -------------------------------------------------------------------------------------

_FULL_TEXTS = ("no space left", "disk is full", "database or disk is full", "disk i/o error", "enospc")


def is_storage_full(exc: BaseException) -> bool:
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(t in str(e).lower() for t in _FULL_TEXTS):
            return True
        e = e.__cause__ or e.__context__
    return False


def storage_message(where: Path, exc: BaseException | None = None) -> str:
    folder = where if where.is_dir() else where.parent
    try:
        free = shutil.disk_usage(folder).free
        space = f"{free / 1024 / 1024:.0f} MiB free on the disk of {folder}"
    except OSError:
        space = f"the disk of {folder} cannot be inspected"
    cause = f" ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})" if exc else ""
    return (
        f"storage is full: {space}{cause}. Nothing half-written was kept; free space (or lower "
        "YUJUESUAN_RETENTION_DAYS to prune old reports) and run the ingest again."
    )


def check_free_space(folder: Path, needed: int = MIN_FREE_BYTES) -> None:
    """Refuse to start a run on a nearly full disk, with a clear message rather than a traceback."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(folder).free < needed:
        raise StorageFull(storage_message(folder))


# --- concurrent runs -----------------------------------------------------------------------------


@contextmanager
def run_lock(warehouse: Path, notify: object = print, timeout: float = 6 * 3600) -> Iterator[None]:
    """One ingest run per warehouse at a time: a second one waits for the first, and says so.

    Dagster's SQLite run storage and DuckDB's single writer both dislike two runs at once, so the
    whole run is the unit that queues, not each write.
    """
    from filelock import FileLock, Timeout

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(warehouse.resolve()) + ".run.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if callable(notify):
            notify(f"another ingest is running on {warehouse}; this one waits for it to finish")
        lock.acquire(timeout=timeout)
    try:
        yield
    finally:
        lock.release()


# --- a run over many files ----------------------------------------------------------------------


def triage(warehouse: Path, sources: list[SourceFile]) -> tuple[list[SourceFile], list[str]]:
    """Which files need the pipeline; unchanged bytes are recognised here, before any extraction.

    - bytes already loaded and current: `already loaded`, nothing is written;
    - bytes loaded earlier and since superseded (a revert): made current again, not re-extracted;
    - the same bytes under a second name in this run: tried once;
    - a failed attempt whose reason was not the bytes (RETRY_REASONS): tried again.
    """
    from pipelines.load.warehouse import known_version, make_current, reader, writer

    todo: list[SourceFile] = []
    lines: list[str] = []
    seen: dict[str, Path] = {}
    known: dict[str, tuple[bool, str, str | None] | None] = {}
    if warehouse.exists():
        with reader(warehouse) as con:
            known = {s.partition_key: known_version(con, s.partition_key) for s in sources}
    revert: list[SourceFile] = []
    for s in sources:
        key = s.partition_key
        if key in seen:
            lines.append(f"same bytes as {seen[key].name}: {s.path} ({key}) is not loaded twice")
            continue
        seen[key] = s.path
        state = known.get(key)
        if state is None or (state[1] == "failed" and reason_of(state[2]) in RETRY_REASONS):
            todo.append(s)
        elif state[0]:
            lines.append(f"already loaded: {s.path} ({key})")
        elif state[1] == "failed":
            lines.append(f"already tried: {s.path} ({key}) failed: {state[2]}")
        else:
            revert.append(s)
    if revert:
        with writer(warehouse) as con:
            for s in revert:
                make_current(con, s.partition_key, str(s.path))
                lines.append(f"delivered again: {s.path} ({s.partition_key}) is the current version again")
    return todo, lines


def revalidate(warehouse: Path, document_ids: list[str], run_id: str) -> int:
    """Run the rule suite again on loaded documents (`ingest --revalidate`); how many were judged.

    One batch: the rules' SQL per document, GX's verdict once per document kind.
    """
    from pipelines.batch import validate_batch
    from pipelines.resources import reports_dir_for

    judged = validate_batch(warehouse, document_ids, run_id, reports_dir_for(warehouse) / "gx")
    return sum(not isinstance(v, str) for v in judged.values())
