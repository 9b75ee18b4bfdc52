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
import logging
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines import budget as budget_mod
from pipelines.budget import Budget, BudgetExceeded, Limits
from pipelines.errors import RETRY_REASONS, LoadError, reason_of
from pipelines.extract.types import DocumentMeta, ExtractedDocument, document_id_for
from pipelines.sources import SourceFile, source_hash

if TYPE_CHECKING:
    import duckdb

    from pipelines.load.warehouse import LoadResult
    from pipelines.normalise.types import NormalisedDocument

log = logging.getLogger("yujuesuan.guard")

MIN_FREE_BYTES = 200 * 1024 * 1024  # below this on the warehouse's disk, a run does not start


class StorageFull(LoadError):
    """The disk holding the warehouse, Dagster's state or the reports is full."""


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

    from pipelines.normalise.frames import FACT_SCHEMA, TABLE_SCHEMA
    from pipelines.normalise.types import NormalisedDocument

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


Known = dict[str, tuple[bool, str, str | None, bool]]  # see known_versions


def known_versions(warehouse: Path, sources: list[SourceFile]) -> Known:
    """What the warehouse has of the sources' versions (`_known`): read once, for `nothing_to_do` and
    `triage` both (each connection opened costs ~30 ms of CPU)."""
    return _known(warehouse, [s.partition_key for s in sources])


def _known(warehouse: Path, keys: list[str]) -> Known:
    """document_id → (is_current, status, error, finished) for the versions the warehouse has, in one
    query (a landing folder of 10,000 files must not cost 10,000 look-ups). Finished: validated, or
    failed or template (a run killed between load and validation is not finished)."""
    import duckdb  # not load.warehouse.reader: this is on the no-op path, which needs no polars

    if not warehouse.exists() or not keys:
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select d.document_id, d.is_current, d.status, d.error,
                   d.status in ('failed', 'template')
                   or exists (select 1 from dq_run r where r.document_id = d.document_id)
            from dim_document d where d.document_id in (select unnest(?))
            """,
            [sorted(set(keys))],
        ).fetchall()
    return {r[0]: (bool(r[1]), str(r[2]), r[3], bool(r[4])) for r in rows}


def _needs_run(state: tuple[bool, str, str | None, bool] | None) -> bool:
    return state is None or (state[1] == "failed" and reason_of(state[2]) in RETRY_REASONS)


def nothing_to_do(warehouse: Path, sources: list[SourceFile], known: Known | None = None) -> str | None:
    """The one summary line of a rerun that would change nothing, else None (read-only, no Dagster).

    Nothing to do: every file's bytes are a version the warehouse has finished, current (or a
    failed attempt that the same bytes would fail again). A revert or a retry needs the run.
    `known`: `known_versions` of these sources, when read already.
    """
    known = known_versions(warehouse, sources) if known is None else known
    for s in sources:
        state = known.get(s.partition_key)
        if _needs_run(state) or state is None or not state[3] or not (state[0] or state[1] == "failed"):
            return None
    versions = len({s.partition_key for s in sources})
    failed = sum(1 for k in {s.partition_key for s in sources} if known[k][1] == "failed")
    tried = f", {failed} of them failed before" if failed else ""
    return (
        f"{len(sources)} file(s) already loaded ({versions} version(s){tried}): nothing to do, "
        f"nothing written to {warehouse}"
    )


def triage(
    warehouse: Path,
    sources: list[SourceFile],
    named: Collection[Path] | None = None,
    known: Known | None = None,
) -> tuple[list[SourceFile], list[str]]:
    """Which files need the pipeline; unchanged bytes are recognised here, before any extraction.

    - bytes already loaded and current: `already loaded`, nothing is written;
    - bytes loaded earlier and since superseded (a revert): made current again, not re-extracted.
      A file named (`named`; every file when None) is delivered now; one found in a folder is
      delivered when it was written, as the landing-folder sensor judges it (`deliver_again`), so
      a folder that keeps the original beside its correction never flips back to the original;
    - the same bytes under a second name in this run: tried once;
    - a failed attempt whose reason was not the bytes (RETRY_REASONS): tried again.
    `known`: `known_versions` of these sources, when read already (and nothing written since).
    """
    todo: list[SourceFile] = []
    lines: list[str] = []
    seen: dict[str, Path] = {}
    known = known_versions(warehouse, sources) if known is None else known
    revert: list[SourceFile] = []
    for s in sources:
        key = s.partition_key
        if key in seen:
            lines.append(f"same bytes as {seen[key].name}: {s.path} ({key}) is not loaded twice")
            continue
        seen[key] = s.path
        state = known.get(key)
        if state is None or _needs_run(state):
            todo.append(s)
        elif state[0]:
            lines.append(f"already loaded: {s.path} ({key})")
        elif state[1] == "failed":
            lines.append(f"already tried: {s.path} ({key}) failed: {state[2]}")
        else:
            revert.append(s)
    if named is None:
        return todo, lines + deliver_again(warehouse, revert)
    now = {p.resolve() for p in named}
    by_name = [s for s in revert if s.path.resolve() in now]
    found = [s for s in revert if s.path.resolve() not in now]
    return todo, lines + deliver_again(warehouse, by_name) + deliver_again(warehouse, found, by_mtime=True)


def deliver_again(
    warehouse: Path, sources: list[SourceFile], *, by_mtime: bool = False, timeout: float | None = None
) -> list[str]:
    """Loaded bytes delivered again after a newer version (a revert) become the current version.

    Scope 5: the current version of a (region, department, year, kind) is the one most recently
    delivered; each delivery is a `doc_delivery` row. Named on the command line, a file is delivered
    now. Found in the landing folder (`by_mtime`, the sensor), it is delivered when it was written:
    only if its modification time is later than the current version's last delivery, so a folder
    that keeps both versions side by side never flips back to the older one. Failed attempts and
    versions that are already current are left alone. Returns one line per version made current.
    `timeout`: how long to wait for another writer (the sensor must not wait for a whole batch).
    """
    from datetime import UTC, datetime

    from pipelines.load.warehouse import LOCK_TIMEOUT_SECONDS, make_current, reader, writer

    known = _known(warehouse, [s.partition_key for s in sources])
    candidates = {
        s.partition_key: s
        for s in sources
        if (st := known.get(s.partition_key)) and not st[0] and st[1] != "failed"
    }
    if by_mtime and candidates:
        with reader(warehouse) as con:
            for key, s in list(candidates.items()):
                (last,) = con.execute(
                    """
                    select max(coalesce(v.delivered_at, d.ingested_at))
                    from dim_document d left join doc_delivery v using (document_id)
                    where d.is_current and d.version_key =
                          (select version_key from dim_document where document_id = ?)
                    """,
                    [key],
                ).fetchone() or (None,)
                try:
                    written = datetime.fromtimestamp(s.path.stat().st_mtime, UTC).replace(tzinfo=None)
                except OSError:
                    written = None
                if written is None or (last is not None and written <= last):
                    del candidates[key]
    if not candidates:
        return []
    lines: list[str] = []
    with writer(warehouse, timeout=LOCK_TIMEOUT_SECONDS if timeout is None else timeout) as con:
        for key, s in candidates.items():
            make_current(con, key, str(s.path))
            lines.append(f"delivered again: {s.path} ({key}) is the current version again")
    return lines


def record_copies(warehouse: Path, sources: list[SourceFile], *, timeout: float | None = None) -> list[str]:
    """The same bytes under several names in one scan are one document version, read from the first
    path (`sources.by_content`); each other path is recorded as a `same_bytes` row of doc_delivery
    once that version is in the warehouse, so no copy is dropped silently. Recorded once per path;
    nothing is opened for writing when there is nothing new. Returns one line per path recorded.
    """
    import duckdb

    from pipelines.load.warehouse import LOCK_TIMEOUT_SECONDS, record_delivery, writer
    from pipelines.sources import by_content

    copies = {
        k: group for k, group in by_content(s for s in sources if not s.error).items() if len(group) > 1
    }
    if not copies or not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select document_id, source_path from dim_document where document_id in (select unnest(?))
            union select document_id, source_path from doc_delivery where document_id in (select unnest(?))
            """,
            [sorted(copies), sorted(copies)],
        ).fetchall()
    loaded = {r[0] for r in rows}
    known = {(r[0], r[1]) for r in rows}
    todo = [
        (key, s)
        for key, group in copies.items()
        if key in loaded
        for s in group
        if (key, str(s.path.resolve())) not in known
    ]
    if not todo:
        return []
    lines = []
    with writer(warehouse, timeout=LOCK_TIMEOUT_SECONDS if timeout is None else timeout) as con:
        for key, s in todo:
            record_delivery(con, key, str(s.path.resolve()), "same_bytes")
            lines.append(f"same bytes: {s.path} is recorded as a copy of {copies[key][0].path.name} ({key})")
    return lines
