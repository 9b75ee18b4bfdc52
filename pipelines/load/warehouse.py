"""Load stage: apply `sql/`, then write one document per transaction through a single writer.

Readers and the writer never share a file. DuckDB admits one writing process, and its writer lock
and readers' locks exclude each other, so an analyst's connection left open would stop the nightly
run (and the run would stop the analyst). `writer()` therefore works on a private working copy
(`.warehouse.work.duckdb` beside the warehouse), under an inter-process lock so Dagster steps take
turns; when the work is committed it checkpoints the copy and publishes it: the work file gets a
second name (a hard link) that is renamed over `warehouse.duckdb` (`os.replace`, atomic on POSIX).
Nothing is copied then; the next writer session copies the published file to its private work copy
(in the kernel). Opt-in (YUJUESUAN_SPARE_MIN_MB, `rotation.spare_min_bytes`): the file it replaces is
kept (`.warehouse.spare.duckdb`) and the next session makes that its work copy, brought forward by
replaying only what the published file has since (`pipelines/load/rotation.py`), or copies the
published file when a reader still holds it. A session that only reads copies nothing. A reader
holding the old file keeps its inode and sees the state it opened; a new reader sees the new state.
Nobody ever sees half a document: the file is published between transactions, after a checkpoint,
and never written again under that name, nor under another while a reader holds it.

The files are written in DuckDB storage `STORAGE_VERSION`, which the DuckDB CLI that analysts install
from PyPI (`duckdb-cli` 1.5.x) opens, although this package links DuckDB 2.0.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
from filelock import FileLock

from pipelines import REFERENCE_DIR, SQL_DIR
from pipelines.catalog import concept_for, concepts, measure_terms, performance_concept_for
from pipelines.catalog.loader import catalog_digest
from pipelines.errors import LoadInputError, WarehouseNotFoundError
from pipelines.extract.types import ExtractedDocument
from pipelines.load import summary
from pipelines.load.arrow import ArrowStream
from pipelines.load.comments import COMMENTS_FILE, apply_comments
from pipelines.load.departments import link_document, link_unlinked, read_printed_once
from pipelines.load.layout import maybe_cluster
from pipelines.load.migrations import migrate, migrations
from pipelines.load.rotation import bring_forward, spare_min_bytes, unusable

log = logging.getLogger(__name__)

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
STORAGE_VERSION = "v1.5.0"  # the newest storage the PyPI DuckDB CLI (duckdb-cli 1.5.6) reads
LOCK_TIMEOUT_SECONDS = 3600  # a writer waits this long for another writer (a nightly batch) to finish


@dataclass(frozen=True)
class LoadResult:
    document_id: str
    outcome: str  # loaded | unchanged
    facts: int
    tables: int
    is_current: bool


def schema_digest() -> str:
    """SHA-256 of everything `apply_schema` writes from code: the migrations, the views and macros, the
    comments, the vocabulary's and the reference lists' data and the summaries' definition."""
    digest = hashlib.sha256()
    for m in migrations():
        digest.update(f"{m.label}:{m.checksum}\0".encode())
    for path in (
        *sorted((SQL_DIR / "views").glob("*.sql")),
        COMMENTS_FILE,
        REFERENCE_DIR / "functional_codes.csv",
        REFERENCE_DIR / "economic_codes.csv",
    ):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{catalog_digest()}\0{summary.VERSION}".encode())
    return digest.hexdigest()


def _is_current(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    """The warehouse recorded this digest, and the migrations and vocabulary it stands for are there."""
    try:
        row = con.execute(
            "select (select max(digest) from meta_schema), (select count(*) from schema_migration), "
            "(select max(digest) from meta_vocabulary)"
        ).fetchone()
    except duckdb.CatalogException:  # a new warehouse, or one made before migration 0003
        return False
    return row == (digest, len(migrations()), catalog_digest())


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the tables up to date (pipelines/load/migrations.py), then every view (sql/views); idempotent.

    The vocabulary (dim_measure, dim_concept, fact_line_item.concept) is written again from
    pipelines/catalog whenever its data files changed (meta_vocabulary keeps their digest), so an
    existing warehouse follows the data: facts loaded before `concept` existed get theirs.

    A warehouse that recorded this code's `schema_digest` (meta_schema) is already all that: the
    DDL, the comments and the vocabulary are skipped (seconds per writer session), and only the
    data migrations that depend on the rows are looked at (`_data_migrations`).
    """
    digest = schema_digest()
    if _is_current(con, digest):
        _data_migrations(con)
        return
    migrate(con)  # sql/schema (0001 baseline), then sql/migrations/NNNN_*.sql: recorded in schema_migration
    # one transaction: the ~650 `comment on` statements alone take twice as long committed one by one
    con.execute("begin transaction")
    try:
        for path in sorted((SQL_DIR / "views").glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        vocabulary = catalog_digest()
        if con.execute("select digest from meta_vocabulary").fetchall() != [(vocabulary,)]:
            _seed_vocabulary(con)
            for table in ("fact_line_item", "fact_performance_budget"):
                con.execute(f"update {table} set concept = null where concept is not null")
            fill_concepts(con)
            summary.rewrite(con)  # the summaries pick lines by concept
            con.execute("delete from meta_vocabulary")
            con.execute(
                "insert into meta_vocabulary (digest, written_at) values (?, now()::timestamp)", [vocabulary]
            )
        _data_migrations(con)
        apply_comments(con)  # after the views: `create or replace view` drops their comments
        con.execute("delete from meta_schema")
        con.execute("insert into meta_schema (digest, applied_at) values (?, now()::timestamp)", [digest])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _data_migrations(con: duckdb.DuckDBPyConnection) -> None:
    """What depends on the rows, not the code: a query each when there is nothing to do."""
    for table, name in (
        ("dim_function_code", "functional_codes.csv"),
        ("dim_econ_code", "economic_codes.csv"),
    ):
        if con.execute(f"select count(*) from {table}").fetchone() == (0,):
            with (REFERENCE_DIR / name).open(encoding="utf-8") as f:
                rows = [
                    (r["code"], r["level"], r["name"], r["parent_code"] or None) for r in csv.DictReader(f)
                ]
            # one statement (executemany runs one insert per row: 0.4 s for 300 codes)
            values = ", ".join(["(?, ?, ?, ?)"] * len(rows))
            con.execute(
                f"insert into {table} (code, level, name, parent_code) values {values}",
                [v for row in rows for v in row],
            )
    if summary.outdated(con):  # made before the per-document summaries, or by an older definition
        summary.rewrite(con)
    link_unlinked(con)
    read_printed_once(con)


_MEASURE_COLUMNS = ("measure", "label_zh", "name_en", "definition", "side", "role", "concept", "basis")
_CONCEPT_COLUMNS = ("concept", "label_zh", "name_en", "definition", "side", "role")


def _seed_vocabulary(con: duckdb.DuckDBPyConnection) -> None:
    """dim_concept and the catalogued rows of dim_measure, upserted from pipelines/catalog."""
    for table, columns, rows in (
        (
            "dim_concept",
            _CONCEPT_COLUMNS,
            [tuple(getattr(c, k) for k in _CONCEPT_COLUMNS) for c in concepts().values()],
        ),
        (
            "dim_measure",
            _MEASURE_COLUMNS,
            [tuple(getattr(m, k) for k in _MEASURE_COLUMNS) for m in measure_terms()],
        ),
    ):
        frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
        con.register("vocabulary_rows", ArrowStream(frame))
        try:
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
            con.execute(
                f"insert into {table} ({', '.join(columns)}) select * from vocabulary_rows "
                f"on conflict ({columns[0]}) do update set {updates}"
            )
        finally:
            con.unregister("vocabulary_rows")


# the table → (the columns its concept depends on, the vocabulary's lookup); see fill_concepts
_CONCEPT_KEYS: dict[str, tuple[tuple[str, ...], Callable[..., str | None]]] = {
    "fact_line_item": (("table_code", "measure", "line_key"), concept_for),
    "fact_performance_budget": (("table_code", "line_key"), performance_concept_for),
}


def fill_concepts(con: duckdb.DuckDBPyConnection, document_id: str | None = None) -> None:
    """Set the `concept` of facts where it is NULL (one document, or all: the migration of old facts).

    The concept comes from the same vocabulary as dim_measure: for fact_line_item the column's
    concept, the table's own for that column, or the line's for a one-amount column
    (`pipelines.catalog.concept_for`); for fact_performance_budget the money line's.
    """
    for table, (keys, concept_of) in _CONCEPT_KEYS.items():
        _fill(con, table, keys, concept_of, document_id)


def with_concepts(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """One document's rows for `table` with the `concept` that `fill_concepts` would give them once
    inserted (where it is NULL): set before the insert, each distinct key looked up once, so
    loading a document needs no query and no update of its facts for them."""
    keys, concept_of = _CONCEPT_KEYS[table]
    if frame.is_empty():
        return frame
    # a key column the frame lacks is NULL once inserted
    rows = frame.select(
        pl.col(k) if k in frame.columns else pl.lit(None, pl.String).alias(k) for k in keys
    ).rows()
    found = {k: c for k in set(rows) if (c := concept_of(*k))}
    concept = pl.Series("concept", [found.get(k) for k in rows], dtype=pl.String)
    if "concept" in frame.columns:  # a concept already given is kept, as the NULL-only update does
        concept = frame["concept"].cast(pl.String).fill_null(concept)
    return frame.with_columns(concept.alias("concept"))


def _fill(
    con: duckdb.DuckDBPyConnection,
    table: str,
    keys: tuple[str, ...],
    concept_of: Callable[..., str | None],
    document_id: str | None,
) -> None:
    params = [document_id] if document_id else []
    one_document = "and f.document_id = ?" if document_id else ""
    found = con.execute(
        f"select distinct {', '.join(keys)} from {table} as f where f.concept is null {one_document}", params
    ).fetchall()
    rows = [(*k, c) for k in found if (c := concept_of(*k))]
    if not rows:
        return
    columns = (*keys, "concept")
    con.register(
        "fact_concepts",
        ArrowStream(pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")),
    )
    try:
        match = " and ".join(f"f.{k} is not distinct from m.{k}" for k in keys)
        con.execute(
            f"update {table} as f set concept = m.concept from fact_concepts as m "
            f"where {match} and f.concept is null {one_document}",
            params,
        )
    finally:
        con.unregister("fact_concepts")


def work_copy(path: Path) -> Path:
    """The writer's private file beside the published warehouse (hidden, never opened by readers)."""
    return path.with_name(f".{path.stem}.work{path.suffix}")


def spare_copy(path: Path) -> Path:
    """The file published before the current one, kept by `publish` to become the next work copy."""
    return path.with_name(f".{path.stem}.spare{path.suffix}")


def _connect_work(work: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(work), config={"storage_compatibility_version": STORAGE_VERSION})


def _seed_work_copy(path: Path, work: Path) -> None:
    """First write: start from the published warehouse (any storage version) or, for a new warehouse,
    from a copy of the empty warehouse this code makes (`_new_warehouse`).

    The copy is built under a temporary name and renamed, so a crash here leaves no work copy.
    """
    tmp = work.with_name(work.name + ".seed")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    if not path.exists():
        _new_warehouse(tmp)
        os.replace(tmp, work)
        return
    con = _connect_work(tmp)
    try:
        con.execute(f"attach '{_sql_str(path)}' as published (read_only)")
        con.execute(f"copy from database published to {_database_name(con)}")
        con.execute("detach published")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(tmp, work)


TEMPLATE_PREFIX = "warehouse-"


def template_dir() -> Path | None:
    """This user's private folder in the temp dir for the empty warehouse of each schema, or None when
    there is none to trust (another user's, a link): a new warehouse is then built statement by statement."""
    folder = Path(tempfile.gettempdir()) / f"yujuesuan-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        st = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return folder


def _template_path(folder: Path) -> Path:
    """The empty warehouse of this code's schema (`schema_digest`), DuckDB and storage version."""
    key = hashlib.sha256(f"{schema_digest()}\0{duckdb.__version__}\0{STORAGE_VERSION}".encode()).hexdigest()
    return folder / f"{TEMPLATE_PREFIX}{key[:32]}.duckdb"


def _new_warehouse(target: Path) -> None:
    """A new, empty warehouse at `target`: a copy of the one made before by this code, or made now.

    `apply_schema` of an empty warehouse is ~1,300 statements (~0.4 CPU-s; the 645 `comment on` alone
    half of it) that give the same warehouse every time for one `schema_digest`, which the copy
    records (and a copy of the wrong schema would be brought up to date by the writer's
    `apply_schema`, as any older warehouse is). Its rows are the vocabulary, the reference codes and
    the meta tables; the times they record are set to now, as a build now would have written.
    A template that cannot be read or written costs the build, never the warehouse.
    """
    folder = template_dir()
    template = _template_path(folder) if folder is not None else None
    if template is not None and template.exists():
        try:
            age = time.time() - template.stat().st_mtime  # since the template was built
            shutil.copyfile(template, target)
            con = _connect_work(target)
            try:
                _shift_times(con, age)
                con.execute("checkpoint")
            finally:
                con.close()
            return
        except (OSError, duckdb.Error):
            log.warning("could not use the empty warehouse %s; building one", template, exc_info=True)
            for stale in (target, target.with_name(target.name + ".wal")):
                stale.unlink(missing_ok=True)
    con = _connect_work(target)
    try:
        apply_schema(con)
        con.execute("checkpoint")
    finally:
        con.close()
    if template is not None:
        _keep_template(target, template)


def _shift_times(con: duckdb.DuckDBPyConnection, seconds: float) -> None:
    """Every time the rows of an empty warehouse record (when its schema, vocabulary and summaries
    were written: local or UTC, as each was written) moved on by `seconds`, in one transaction: the
    times a build now would have recorded."""
    columns = con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'main' and data_type like 'TIMESTAMP%' and table_name in (select table_name "
        "from duckdb_tables() where database_name = current_database() and schema_name = 'main')"
    ).fetchall()
    by_table: dict[str, list[str]] = {}
    for table, column in columns:
        by_table.setdefault(table, []).append(column)
    shift = f"to_microseconds({round(seconds * 1_000_000)})"
    con.execute(
        "begin transaction;\n"
        + "".join(
            f'update "{t}" set ' + ", ".join(f'"{c}" = "{c}" + {shift}' for c in cols) + ";\n"
            for t, cols in sorted(by_table.items())
        )
        + "commit;"
    )


def _keep_template(built: Path, template: Path) -> None:
    """Keep a copy of a new empty warehouse for the next one (under a temporary name, renamed: a
    reader never sees half a file); the templates of other schemas go."""
    tmp = template.with_name(f".{template.name}.{os.getpid()}")
    try:
        shutil.copyfile(built, tmp)
        os.replace(tmp, template)
        for old in template.parent.glob(f"{TEMPLATE_PREFIX}*.duckdb"):
            if old != template:
                old.unlink(missing_ok=True)
    except OSError:
        log.debug("could not keep the empty warehouse in %s", template.parent, exc_info=True)
        tmp.unlink(missing_ok=True)


def _database_name(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select current_database()").fetchone()
    assert row is not None
    return f'"{row[0]}"'


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def publish(path: Path) -> None:
    """Make the (checkpointed, closed) work copy the published warehouse atomically; call under the lock.

    No bytes are copied: the work file gets a second name, which is renamed over the warehouse
    (`os.replace`, atomic on POSIX). Published and work copy are then one file until the next
    writer session, which takes a file of its own before it writes (`_private_work_copy`), so a
    reader never sees the file change under it. The file replaced is kept as `spare_copy` for
    that session, when that is on (`_keep_as_spare`). A filesystem without hard links gets a full copy.
    """
    tmp = path.with_name(f".{path.name}.publish")
    _link_or_copy(work_copy(path), tmp)
    # a WAL beside the published file belongs to somebody's local edits of the old file: it must not be
    # replayed into the new one (the published warehouse is read-only by contract)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    _keep_as_spare(path, tmp)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _keep_as_spare(path: Path, new: Path) -> None:
    """Give the file about to be replaced the spare's name (the older spare goes); a crash after this
    leaves the spare and the published file one inode, which `rotation.unusable` refuses."""
    spare = spare_copy(path)
    tmp = spare.with_name(spare.name + ".tmp")
    tmp.unlink(missing_ok=True)
    if spare_min_bytes() is None:  # off: no spare kept (one left from when it was on goes)
        spare.unlink(missing_ok=True)
        return
    try:
        if not path.exists() or os.path.samefile(path, new):
            return
        os.link(path, tmp)
    except OSError:
        spare.unlink(missing_ok=True)
        return
    os.replace(tmp, spare)


def _link_or_copy(src: Path, dst: Path) -> None:
    """`dst` a second name of `src` (a hard link), or a durable copy where the filesystem has no hard
    links (some network or FAT filesystems)."""
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        _copy_synced(src, dst)


def _copy_synced(src: Path, dst: Path) -> None:
    """A durable copy made in the kernel: `copy_file_range` (a reflink on XFS/btrfs), else sendfile."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        left = os.fstat(fin.fileno()).st_size
        try:
            while left > 0:
                done = os.copy_file_range(fin.fileno(), fout.fileno(), left)
                if done == 0:
                    break
                left -= done
        except (AttributeError, OSError):  # not Linux, or across filesystems the kernel cannot do it
            fin.seek(0)
            fout.seek(0)
            fout.truncate()
            shutil.copyfileobj(fin, fout, 1 << 20)
        fout.flush()
        os.fsync(fout.fileno())


def _fsync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def shares_published_file(path: Path) -> bool:
    """The work copy is still the published file itself (the last session published it, no write since)."""
    try:
        return os.path.samefile(work_copy(path), path)
    except OSError:
        return False


def _private_work_copy(path: Path) -> duckdb.DuckDBPyConnection | None:
    """Before a session writes: the work copy becomes a file of its own, equal to the published one.

    Readers may hold the published file open; it must stay as they opened it. The file published
    before (`spare_copy`) is taken when nobody holds it and brought forward to the published state
    (`_take_spare`), and its open connection returned; otherwise the published file is copied under
    a temporary name and renamed (None), so a crash here leaves the shared file, never half a copy.
    """
    con, reason = _take_spare(path)
    if con is not None:
        return con
    log.info("copying the published warehouse for the work copy: %s", reason)
    work = work_copy(path)
    tmp = work.with_name(work.name + ".seed")
    tmp.unlink(missing_ok=True)
    _copy_synced(path, tmp)
    os.replace(tmp, work)
    return None


def _forward_marker(path: Path) -> Path:
    """Exists while the work copy is the spare being brought forward: not a state to keep."""
    work = work_copy(path)
    return work.with_name(work.name + ".forward")


def _take_spare(path: Path) -> tuple[duckdb.DuckDBPyConnection | None, str | None]:
    """The spare renamed to the work copy and brought forward: its connection, or why not.

    The replay is committed to the work copy's WAL and checkpointed with the session's own writes
    (one checkpoint, one DuckDB instance for both). Until it is committed the marker says that the
    work copy is not a state to keep: a crash then leaves the marker, and `_recover` makes the work
    copy the published file again. Once the marker is gone the work copy is equal to the published
    file, and whatever the session commits after it is kept as before.
    """
    work, marker = work_copy(path), _forward_marker(path)
    reason = unusable(spare_copy(path), path, work)
    if reason is not None:
        return None, reason
    marker.touch()
    _fsync_dir(path.parent)
    try:
        work.with_name(work.name + ".wal").unlink(missing_ok=True)  # none while it is the published file
        os.replace(spare_copy(path), work)
        con = _connect_work(work)  # the write lock: fails if a reader took the file meanwhile
    except (OSError, duckdb.Error) as exc:
        _restore_shared(path)
        return None, f"the file published before cannot be opened for writing ({exc})"
    try:
        reason = bring_forward(con, path, STORAGE_VERSION, DOCUMENT_TABLES)
    except duckdb.Error as exc:
        log.warning("the work copy could not be brought forward", exc_info=True)
        reason = f"the replay failed ({exc})"
    if reason is not None:
        con.close()
        _restore_shared(path)
        return None, reason
    marker.unlink()
    _fsync_dir(path.parent)
    log.info("the work copy is the file published before, brought forward")
    return con, None


def _restore_shared(path: Path) -> None:
    """The work copy made the published file again (a link), dropping a spare that was not brought
    forward; the marker goes last."""
    work = work_copy(path)
    tmp = work.with_name(work.name + ".seed")
    work.with_name(work.name + ".wal").unlink(missing_ok=True)
    _link_or_copy(path, tmp)
    os.replace(tmp, work)
    _fsync_dir(path.parent)
    _forward_marker(path).unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _recover(path: Path) -> None:
    """Under the lock, before the work copy is used: a bring-forward a crash interrupted is undone."""
    if _forward_marker(path).exists():
        log.warning("a writer stopped while bringing the work copy forward; it is the published file again")
        _restore_shared(path)


@contextmanager
def single_threaded(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within the block, DuckDB runs each query on the calling thread alone. For many small queries
    (a batch's rules, a batch's documents loaded one transaction each) worker threads only add
    scheduling: 10–20% more CPU for the same rows, and no shorter wall time."""
    (threads,) = con.execute("select current_setting('threads')").fetchone() or (None,)
    con.execute("set threads = 1")
    try:
        yield
    finally:
        if threads is not None:
            con.execute(f"set threads = {int(threads)}")


@contextmanager
def writer(
    path: Path, *, publish_after: bool = True, timeout: float = LOCK_TIMEOUT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one write connection, on the work copy, under an exclusive lock across processes.

    On a clean exit the work copy is checkpointed and (unless `publish_after` is false) published
    to `path` for readers; after an exception nothing is published.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=timeout):
        work = work_copy(path)
        _recover(path)
        con = None
        if not work.exists():
            _seed_work_copy(path, work)
        elif shares_published_file(path):
            con = _private_work_copy(path)
        con = con or _connect_work(work)
        committed = False
        try:
            apply_schema(con)
            yield con
            maybe_cluster(con)  # amortised: only when the facts added since the last rewrite reach 10 %
            con.execute("checkpoint")
            committed = True
        finally:
            con.close()
        if committed and (publish_after or not path.exists()):
            publish(path)


def publish_pending(path: Path, *, timeout: float = LOCK_TIMEOUT_SECONDS) -> bool:
    """Publish the work copy that a writer session left unpublished (`publish_after=False`); True if
    there was one. The work copy holds committed transactions only (a document is one), checkpointed
    when its session closed, so nobody sees half a document."""
    with FileLock(str(path) + ".lock", timeout=timeout):
        _recover(path)
        work = work_copy(path)
        if not work.exists() or shares_published_file(path) or work.with_name(work.name + ".wal").exists():
            return False
        publish(path)
        return True


@contextmanager
def locked_reader(
    path: Path, *, timeout: float = LOCK_TIMEOUT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The writer's newest state, read-only, under the writer lock: what a writer session that only
    reads needs, without its private copy of the file or a publish (temp tables are allowed)."""
    with FileLock(str(path) + ".lock", timeout=timeout):
        _recover(path)
        work = work_copy(path)
        con = duckdb.connect(str(work if work.exists() else path), read_only=True)
        try:
            yield con
        finally:
            con.close()


def reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse; it never waits for or blocks the writer."""
    if not path.exists():
        raise WarehouseNotFoundError(f"no warehouse at {path}; run `yujuesuan ingest` first")
    return duckdb.connect(str(path), read_only=True)


def finished_documents(path: Path) -> set[str]:
    """Documents a new run would not change: loaded and validated, or recorded as failed or template.

    A document loaded but not validated (a run killed between the two) is not finished.
    """
    if not path.exists():
        return set()
    with reader(path) as con:
        rows = con.execute(
            """
            select document_id from dim_document d
            where d.status in ('failed', 'template')
               or exists (select 1 from dq_run r where r.document_id = d.document_id)
            """
        ).fetchall()
    return {r[0] for r in rows}


def version_key(doc: ExtractedDocument) -> str:
    """Versions of one publication share region, department, year, kind and scope; unknown ones (and
    blank templates, which name no real department), their path.

    Without any region (a title such as 人民政府办公室2024年度决算) two departments would share a
    key, so such a document is its own version: it supersedes nothing (see `_ambiguity`). A failed
    document has no metadata and keys by its path.
    """
    m = doc.meta
    if m.department and m.fiscal_year and m.doc_kind and doc.status != "template":
        # scope keeps a department's 本级 and 汇总 publications of one year apart
        parts = (m.province, m.city, m.county, m.department, m.fiscal_year, m.doc_kind, m.scope)
        key = "|".join(str(x or "") for x in parts)
        return key if (m.province or m.city or m.county) else f"{NO_REGION}{key}|{doc.document_id}"
    return f"path:{Path(doc.source_path).resolve()}"


NO_REGION = "no_region:"


def _ambiguity(con: duckdb.DuckDBPyConnection, doc: ExtractedDocument) -> str | None:
    """The warning for a document without a region: the other current ones it might be a version of."""
    m = doc.meta
    others = con.execute(
        """
        select document_id from dim_document
        where is_current and version_key like ? || '%' and department = ? and fiscal_year = ?
          and doc_kind = ? and document_id <> ?
        order by document_id
        """,
        [NO_REGION, m.department, m.fiscal_year, m.doc_kind, doc.document_id],
    ).fetchall()
    listed = ", ".join(r[0] for r in others) or "none yet"
    return (
        f"ambiguous_version: the title names no region, so this document supersedes no other "
        f"{m.department} {m.fiscal_year} {m.doc_kind}; all stay current (also current: {listed})"
    )


def known_version(con: duckdb.DuckDBPyConnection, document_id: str) -> tuple[bool, str, str | None] | None:
    """(is_current, status, error) of a loaded document version, or None if these bytes are new."""
    row = con.execute(
        "select is_current, status, error from dim_document where document_id = ?", [document_id]
    ).fetchone()
    return (bool(row[0]), str(row[1]), row[2]) if row else None


def make_current(con: duckdb.DuckDBPyConnection, document_id: str, source_path: str) -> None:
    """Bytes delivered again after a newer version: the most recently delivered is current again."""
    con.execute("begin transaction")
    try:
        _make_current(con, document_id, source_path)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _make_current(con: duckdb.DuckDBPyConnection, document_id: str, source_path: str) -> None:
    (key,) = con.execute(
        "select version_key from dim_document where document_id = ?", [document_id]
    ).fetchone() or (None,)
    con.execute("update dim_document set is_current = false where version_key = ?", [key])
    con.execute("update dim_document set is_current = true where document_id = ?", [document_id])
    _delivered(con, document_id, source_path, "current_again")


def record_delivery(con: duckdb.DuckDBPyConnection, document_id: str, source_path: str, outcome: str) -> None:
    """One doc_delivery row: `loaded`, `current_again`, or `same_bytes` (a copy under another name)."""
    _delivered(con, document_id, source_path, outcome)


def _delivered(con: duckdb.DuckDBPyConnection, document_id: str, source_path: str, outcome: str) -> None:
    con.execute(
        "insert into doc_delivery (document_id, source_path, delivered_at, outcome) values (?, ?, ?, ?)",
        [document_id, source_path, datetime.now(UTC).replace(tzinfo=None), outcome],
    )


def _forget(con: duckdb.DuckDBPyConnection, document_id: str) -> None:
    """Remove a failed attempt whose reason was not the bytes (unreadable, changed, too slow…)."""
    for table in (
        *DOCUMENT_TABLES,
        "dim_department_alias",
        "dq_department_match",
        "dim_document",
    ):
        con.execute(f"delete from {table} where document_id = ?", [document_id])


# by name: a warehouse made before admin_level/meta_note has them last (added by ALTER)
_DOCUMENT_COLUMNS = (
    "document_id", "source_path", "source_sha256", "file_format", "doc_kind", "fiscal_year",
    "province", "city", "county", "department", "scope", "title", "page_count", "status", "error",
    "warnings", "version_key", "is_current", "tables_found", "facts_loaded", "ingested_at",
    "admin_level", "meta_note", "ocr_pages", "ocr_engine",
)  # fmt: skip

# rows of another grain than fact_line_item that the normaliser may produce, loaded by name
EXTRA_FACT_TABLES = (
    "doc_text",
    "fact_narrative_figure",
    "fact_project",
    "fact_performance_indicator",
    "fact_performance_budget",
    "doc_performance_table",
)
# a document version's own rows: written in the transaction that inserts its dim_document row (with a
# new ingested_at) and removed with it; `rotation.bring_forward` replays them by that row
DOCUMENT_TABLES = ("fact_line_item", "doc_table", *EXTRA_FACT_TABLES, *summary.TABLES)


def load_document(
    con: duckdb.DuckDBPyConnection,
    doc: ExtractedDocument,
    facts: pl.DataFrame,
    tables: pl.DataFrame,
    extras: dict[str, pl.DataFrame] | None = None,
) -> LoadResult:
    """Insert one document version in one transaction; the same bytes twice change nothing.

    `extras` maps a table of EXTRA_FACT_TABLES to the document's rows for it (columns by name).
    """
    (result,) = load_many(con, [NewVersion(doc, facts, tables, extras)])
    return result


LOAD_CHUNK = 25  # documents `load_many` writes in one transaction (`batch.load_staged`)


@dataclass(frozen=True)
class NewVersion:
    """What `load_many` takes of one document: `load_document`'s arguments."""

    doc: ExtractedDocument
    facts: pl.DataFrame
    tables: pl.DataFrame
    extras: dict[str, pl.DataFrame] | None = None


def load_many(con: duckdb.DuckDBPyConnection, versions: list[NewVersion]) -> list[LoadResult]:
    """Documents in order, in one transaction: all of them or none; the same bytes twice change nothing.

    Each new version supersedes its version's current one, and its rows, delivery and department
    are written; the summaries and the reference lists' new codes then once for all of them
    (`summary.write_new`, from the new facts alone), and one commit: a third of a document's load
    CPU when 25 go together (planning, not rows). The caller loads them one by one after an error
    (`batch.load_staged`), so that a document that cannot be written fails alone.
    """
    for version in versions:
        _check_extras(version.extras)
    results: list[LoadResult] = []
    written: list[pl.DataFrame] = []  # the new versions' facts, with their concepts
    con.execute("begin transaction")
    try:
        for v in versions:
            doc = v.doc
            known = known_version(con, doc.document_id)
            if known is not None and not _retried(known):
                if not known[0] and doc.status != "failed":  # a revert: these bytes are the newest delivery
                    _make_current(con, doc.document_id, doc.source_path)
                    results.append(LoadResult(doc.document_id, "current_again", 0, 0, True))
                else:
                    results.append(LoadResult(doc.document_id, "unchanged", 0, 0, known[0]))
                continue
            concepts = _insert_version(con, doc, v.facts, v.tables, v.extras, known)
            if v.facts.height:  # a document without facts (failed, blank template) has nothing to sum or add
                written.append(concepts)
            results.append(LoadResult(doc.document_id, "loaded", v.facts.height, v.tables.height, True))
        if written:
            new_facts = pl.concat(written)
            con.register("new_facts", ArrowStream(new_facts))
            summary.write_new(con, "new_facts")
            _extend_dimensions(con, new_facts)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("new_facts")
    return results


def _check_extras(extras: dict[str, pl.DataFrame] | None) -> None:
    unknown = set(extras or {}) - set(EXTRA_FACT_TABLES)
    if unknown:
        raise LoadInputError(f"not a fact table: {', '.join(sorted(unknown))}")


def _retried(known: tuple[bool, str, str | None]) -> bool:
    """A version recorded as failed for a reason other than its bytes is loaded again."""
    from pipelines.errors import RETRY_REASONS, reason_of

    return known[1] == "failed" and reason_of(known[2]) in RETRY_REASONS


def _insert_version(
    con: duckdb.DuckDBPyConnection,
    doc: ExtractedDocument,
    facts: pl.DataFrame,
    tables: pl.DataFrame,
    extras: dict[str, pl.DataFrame] | None,
    known: tuple[bool, str, str | None] | None,
) -> pl.DataFrame:
    """A new version's rows, inside the caller's transaction: it supersedes its version's current one,
    its delivery and department are recorded. Its facts with their concepts, as written."""
    key = version_key(doc)
    warnings = list(doc.warnings)
    if key.startswith(NO_REGION) and (note := _ambiguity(con, doc)):
        warnings.append(note)
    if known is not None:  # a failed attempt loaded again (`_retried`)
        _forget(con, doc.document_id)
    if doc.status != "failed":  # a failed version supersedes nothing
        con.execute("update dim_document set is_current = false where version_key = ?", [key])
    con.execute(
        f"insert into dim_document ({', '.join(_DOCUMENT_COLUMNS)}) "
        f"values ({', '.join(['?'] * 17)}, true, ?, ?, ?, ?, ?, ?, ?)",
        [
            doc.document_id,
            doc.source_path,
            doc.source_sha256,
            doc.file_format,
            doc.meta.doc_kind,
            doc.meta.fiscal_year,
            doc.meta.province,
            doc.meta.city,
            doc.meta.county,
            doc.meta.department,
            doc.meta.scope,
            doc.meta.title,
            doc.page_count,
            doc.status,
            doc.error,
            "; ".join(warnings) or None,
            key,
            tables.height,
            facts.height,
            datetime.now(UTC).replace(tzinfo=None),
            doc.meta.admin_level,
            "; ".join(doc.meta.notes) or None,
            len(doc.ocr_pages),
            doc.ocr_engine,
        ],
    )
    _delivered(con, doc.document_id, doc.source_path, "loaded")
    # the rows go in with their concepts (fill_concepts' values, without a query and an update)
    concepts = with_concepts(facts, "fact_line_item")
    try:
        con.register("new_tables", ArrowStream(tables))
        con.execute("insert into doc_table by name select * from new_tables")
        con.register("new_version_facts", ArrowStream(concepts))
        con.execute("insert into fact_line_item by name select * from new_version_facts")
        for name, frame in (extras or {}).items():
            if frame.height:
                con.register(
                    "new_extra", ArrowStream(with_concepts(frame, name) if name in _CONCEPT_KEYS else frame)
                )
                con.execute(f"insert into {name} by name select * from new_extra")
    finally:
        for view in ("new_tables", "new_version_facts", "new_extra"):
            con.unregister(view)
    link_document(con, doc.document_id)
    con.complete()  # a read of link_document's may be left unfinished (fetchone): a register needs none
    return concepts


def _extend_dimensions(con: duckdb.DuckDBPyConnection, facts: pl.DataFrame) -> None:
    """Codes and columns a document printed that the reference lists do not have yet.

    The lists' codes (a few hundred) are read in one query and the document's distinct ones looked
    up in them; only a list that lacks something gets its insert (most documents print no new code
    or column). A query asking the warehouse which list lacks something cost 3 ms per document.
    """
    known: dict[str, set[str]] = {"measure": set(), "func_code": set(), "econ_code": set()}
    for column, code in con.execute(
        "select 'measure', measure from dim_measure union all "
        "select 'func_code', code from dim_function_code union all "
        "select 'econ_code', code from dim_econ_code"
    ).fetchall():
        known[column].add(code)
    new_measures, new_func, new_econ = (
        not set(facts[column].drop_nulls().unique().to_list()) <= known[column]
        for column in ("measure", "func_code", "econ_code")
    )
    if new_measures:
        con.execute(
            """
            insert into dim_measure (measure, label_zh)
            select measure, any_value(coalesce(column_header, measure)) from new_facts
            where measure not in (select measure from dim_measure) group by measure
            """
        )
    for table, column, wanted in (
        ("dim_function_code", "func_code", new_func),
        ("dim_econ_code", "econ_code", new_econ),
    ):
        if not wanted:
            continue
        con.execute(
            f"""
            insert into {table} (code, level, name, parent_code, source)
            select {column},
                case length({column}) when 3 then '类' when 5 then '款' else '项' end,
                any_value(line_label),
                case when length({column}) > 3 then left({column}, length({column}) - 2) end,
                'document'
            from new_facts
            where {column} is not null and {column} not in (select code from {table})
            group by {column}
            """
        )
