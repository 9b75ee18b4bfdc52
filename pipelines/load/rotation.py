"""The writer's next work copy made from the file published before, brought forward by what changed.

After a publish the work copy and `warehouse.duckdb` are one file (a hard link), and readers may
hold it: the next writer session needs a file of its own. Copying the published file costs the
whole warehouse per batch (1.4 GB at 10 million facts: 0.48 CPU-s and 0.87 s on ext4, where
`copy_file_range` copies bytes, half of a one-document session). Instead `publish` keeps the file
it replaces under a hidden name
(`.warehouse.spare.duckdb`, the state one publish behind), and the next session takes that file,
when nobody reads it, and replays into it only what differs from the published file, read through
`ATTACH ... (READ_ONLY)`; whenever it cannot, it copies the whole file as before.

What differs is found from the data, not from a log of the last session, so there is nothing to
lose or corrupt, a crash anywhere is harmless, and the spare may lag any number of publishes:
- the rows of a loaded document version (`warehouse.DOCUMENT_TABLES`) are written in the transaction that
  inserts its `dim_document` row with a new `ingested_at` (`load_document`; `_forget` removes them
  with that row): the documents whose (document_id, ingested_at) differ have their rows deleted
  and copied from the published file, and no other document's rows are read;
- `dq_result` and `dq_rule_count` rows are written with their `dq_run` row (`store_evaluations`,
  retention prunes them together): the (run_id, document_id) pairs whose `dq_run` row differs are
  replayed the same way;
- every other table (dimensions, dim_document, dq_run, doc_delivery, meta tables: small, one row
  per document at most) is compared whole, exactly (`EXCEPT`, multiplicities for tables without a
  key), and its differing rows, or the whole table, copied;
- a rewrite of every document leaves a mark in a marker table (`summary.rewrite`: meta_summary;
  the vocabulary: meta_vocabulary; `maybe_cluster`: warehouse_layout; migrations: schema_migration
  and meta_schema), and a schema change shows in the catalog: then the whole file is copied, since
  the rewrite touched everything (and the physical order of the facts must follow the cluster).
Before the replay commits, every table's row count is checked against the published file's; a
mismatch (a write path breaking the rules above) rolls it back and the file is copied.

Crashes (`warehouse._take_spare`). A marker file is made (and the directory synced) before the
spare is renamed over the work copy; the replay is one transaction, committed to the WAL, and the
marker goes once it is committed. The session then writes on the same connection and checkpoints
once at its end. A crash before the marker goes leaves a work copy that is not a state to keep:
the next user of the lock (`warehouse._recover`) links the published file over it again, as after
a publish; the published file was never touched. After the marker goes, the work copy is the
published state plus whatever the session commits, as with a copied work copy.

Why the file is never written while somebody reads it. A reader opens `warehouse.duckdb` by name
and keeps the inode it got: DuckDB holds an fcntl read lock on it while the connection is open.
The spare is an inode that was published before; the only readers it can have are those that
opened it while it was published. Nobody opens it by its hidden name except the writer, under the
writer lock. Before writing it the writer checks, in this order: it is not the published file nor
the work copy (a crash between the two renames of `publish` can leave it so); this process holds
no descriptor on it (`/proc/self/fd`: DuckDB's locks do not exclude connections of one process,
and closing any descriptor of a file drops the process's locks on it, so the check opens nothing
when the process has it open); no process holds a lock on it (`F_OFD_GETLK`, which also sees the
POSIX locks DuckDB takes); then DuckDB opens it read-write, which takes the write lock and fails if
a reader got one meanwhile. A reader that opened the inode while it was published but reaches its
lock only after the writer's gets DuckDB's "Conflicting lock" error, never a changed file: the
window is between DuckDB's open() and its fcntl() of a connection opened before the publish that
made the file stale. A platform without `/proc/self/fd` or OFD locks copies the file every time.
A program that reads the published file without DuckDB's lock (`cp`, `rsync`) is not seen: a copy
of `warehouse.duckdb` that runs across the next two writer sessions may mix two states. Copy it
with DuckDB (`COPY FROM DATABASE`, `EXPORT DATABASE`). That is why all this is off unless
YUJUESUAN_SPARE_MIN_MB is set (`spare_min_bytes`); below that size the file is copied anyway.
"""

from __future__ import annotations

import logging
import os
import struct
from pathlib import Path

import duckdb

from pipelines.errors import LoadError

log = logging.getLogger(__name__)

PUBLISHED = "published_now"  # the alias of the published file attached during the replay

# rows of one validation run of one document, written with its dq_run row
RUN_TABLES = ("dq_result", "dq_rule_count")


def _is_marker(table: str) -> bool:
    """Tables whose change means every document may have been rewritten (see the module docstring)."""
    return table.startswith("meta_") or table in ("schema_migration", "warehouse_layout")


SUGGESTED_SPARE_MIN_MB = 512.0  # where the replay starts to cost less than the copy (measured below)


def spare_min_bytes() -> float | None:
    """From this size of the published file on, the spare is brought forward; below it, copied.
    None (YUJUESUAN_SPARE_MIN_MB unset, the default): never, and no spare is kept.

    Opt-in, because it makes a plain `cp`/`rsync` of the warehouse unsafe across two writer sessions
    (see above) and doubles the disk taken; an operator who backs up with DuckDB turns it on. The
    replay has a fixed cost (about 0.25 CPU-s: catalog, the small tables compared), the copy one per
    byte (0.35 CPU-s and 0.6 s per GB on ext4): measured, 135 MB copy in 0.05 CPU-s / 0.1 s, 1.4 GB in
    0.48 / 0.87 s, against a replay of 0.25 and 0.36 CPU-s; hence `SUGGESTED_SPARE_MIN_MB`.
    """
    setting = os.environ.get("YUJUESUAN_SPARE_MIN_MB", "").strip()
    return float(setting) * 2**20 if setting else None


def unusable(spare: Path, published: Path, *others: Path) -> str | None:
    """Why the spare cannot be written now, or None when no reader holds it and it is no other file."""
    if not spare.exists():
        return "no file published before is kept"
    threshold = spare_min_bytes()
    if threshold is None:
        return "bringing the file published before forward is off (YUJUESUAN_SPARE_MIN_MB unset)"
    if published.stat().st_size < threshold:
        return "the warehouse is small: a copy costs less than the replay"
    try:
        import fcntl
    except ImportError:
        return "this platform cannot tell whether a reader holds the file published before"
    if not hasattr(fcntl, "F_OFD_GETLK") or not os.path.isdir("/proc/self/fd"):
        return "this platform cannot tell whether a reader holds the file published before"
    st = os.stat(spare)
    for other in (published, *others):
        if other.exists() and os.path.samefile(spare, other):
            return "the file published before is still in use under another name"
    if _open_here(st):
        return "this process holds the file published before"
    try:
        fd = os.open(spare, os.O_RDWR)  # nothing of this process holds it: closing this drops no lock of ours
    except OSError as exc:
        return f"the file published before cannot be opened ({exc})"
    try:
        flock = struct.pack("hhqqixxxx", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        kind = struct.unpack("hhqqixxxx", fcntl.fcntl(fd, fcntl.F_OFD_GETLK, flock))[0]
    except OSError as exc:
        return f"the locks of the file published before cannot be read ({exc})"
    finally:
        os.close(fd)
    return None if kind == fcntl.F_UNLCK else "a reader holds the file published before"


def _open_here(st: os.stat_result) -> bool:
    """This process has a descriptor on that inode (a DuckDB connection, for one)."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            other = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            return True
    return False


def bring_forward(
    con: duckdb.DuckDBPyConnection, published: Path, storage_version: str, document_tables: tuple[str, ...]
) -> str | None:
    """Make the database of `con` (a warehouse written by this code earlier) equal, table by table,
    to `published`; None when done (committed, not checkpointed), else why not (nothing changed).
    `document_tables`: the tables of a document version's own rows (see the module docstring)."""
    con.execute(f"attach '{str(published).replace(chr(39), chr(39) * 2)}' as {PUBLISHED} (read_only)")
    try:
        return _why_not(con, storage_version) or _replay(con, document_tables)
    finally:
        con.execute(f"detach {PUBLISHED}")


def _why_not(con: duckdb.DuckDBPyConnection, storage_version: str) -> str | None:
    row = con.execute(
        "select database_name, tags['storage_version'] from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchone()
    assert row is not None
    if not str(row[1] or "").startswith(storage_version):
        return "the file published before is in another storage version"
    if _catalog(con, str(row[0])) != _catalog(con, PUBLISHED):
        return "the schema changed since the file published before"
    return None


def _catalog(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[object, ...]]:
    """What the DDL and the comments made, in a form that does not name the database. A view's text
    is left out (DuckDB prints an EXCLUDE list in no fixed order); meta_schema's digest covers it."""
    return sorted(
        con.execute(
            """
            select 'table', schema_name, table_name, sql, comment from duckdb_tables()
            where database_name = $db
            union all
            select 'column', schema_name, table_name || '.' || column_name,
                   concat_ws(' ', column_index, data_type, column_default, is_nullable), comment
            from duckdb_columns() where database_name = $db
            union all
            select 'view', schema_name, view_name, null, comment from duckdb_views()
            where database_name = $db and not internal
            union all
            select 'index', schema_name, index_name, sql, comment from duckdb_indexes()
            where database_name = $db
            union all
            select 'function', schema_name, function_name, macro_definition || parameters::varchar, comment
            from duckdb_functions() where database_name = $db and not internal
            union all
            select 'sequence', schema_name, sequence_name, sql, comment from duckdb_sequences()
            where database_name = $db
            """,
            {"db": database},
        ).fetchall(),
        key=repr,
    )


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The published file's tables and their (estimated) rows."""
    rows = con.execute(
        "select table_name, estimated_size from duckdb_tables() "
        "where database_name = ? and schema_name = 'main' order by 1",
        [PUBLISHED],
    ).fetchall()
    return {name: int(size or 0) for name, size in rows}


def _primary_keys(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, constraint_column_names from duckdb_constraints() where database_name = ? "
        "and schema_name = 'main' and constraint_type = 'PRIMARY KEY'",
        [PUBLISHED],
    ).fetchall()
    return {table: list(columns) for table, columns in rows}


def _differing(con: duckdb.DuckDBPyConnection, tables: list[str], keys: dict[str, list[str]]) -> list[str]:
    """The tables whose rows differ from the published file's, exactly, in one query: a table with a
    key has no row twice; one without is compared with each row's number of copies."""
    if not tables:
        return []
    tests = []
    for table in tables:
        mine, theirs = (
            f'select * from {schema}."{table}"'
            if table in keys
            else f'select *, count(*) as "__copies" from {schema}."{table}" group by all'
            for schema in ("main", f"{PUBLISHED}.main")
        )
        tests.append(f"exists ({mine} except {theirs}) or exists ({theirs} except {mine})")
    row = con.execute(f"select {', '.join(tests)}").fetchone() or ()
    return [t for t, differs in zip(tables, row, strict=True) if differs]


class _NotReplayable(LoadError):
    """The replay left a table unlike the published file's: rolled back, and the file is copied."""


SEPARATELY = 1000  # a keyed table of this many rows is compared once, by key, not first in the joint query


def _replay(con: duckdb.DuckDBPyConnection, document_tables: tuple[str, ...]) -> str | None:
    tables, keys = _tables(con), _primary_keys(con)
    small = [t for t in tables if t not in document_tables and t not in RUN_TABLES]
    by_key = [t for t in small if t in keys and tables[t] >= SEPARATELY and not _is_marker(t)]
    differing = _differing(con, [t for t in small if t not in by_key], keys)
    if marked := [t for t in differing if _is_marker(t)]:
        return f"{', '.join(marked)} changed: every document may have been rewritten"
    con.execute("begin transaction")
    try:
        written = _replay_documents(con, list(tables), document_tables)
        written += [t for t in (*by_key, *differing) if _sync(con, t, keys.get(t, []))]
        pub = f"{PUBLISHED}.main"
        count = '(select count(*) from {}."{}")'
        counts = ", ".join(f"{count.format('main', t)} = {count.format(pub, t)}" for t in written)
        same = con.execute(f"select {counts}").fetchone() or () if written else ()
        if not all(same):
            wrong = ", ".join(t for t, ok in zip(written, same, strict=True) if not ok)
            raise _NotReplayable(f"{wrong}: not as many rows as the published file after the replay")
        con.execute("commit")
    except _NotReplayable as exc:
        con.execute("rollback")
        log.warning("the work copy could not be brought forward: %s", exc)
        return str(exc)
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.execute("; ".join(f"drop table if exists temp.main.{t}" for t in _TEMP))
    return None


_TEMP = ("_gone_docs", "_new_docs", "_gone_runs", "_new_runs", "_keys")


def _create(con: duckdb.DuckDBPyConnection, name: str, select: str) -> int:
    """A temporary table of the rows selected; how many."""
    row = con.execute(f"create or replace temp table {name} as {select}").fetchone()
    return int(row[0]) if row else 0


def _replay_documents(
    con: duckdb.DuckDBPyConnection, tables: list[str], document_tables: tuple[str, ...]
) -> list[str]:
    """The rows of the document versions, and of the runs, published since or no longer published;
    the tables written."""
    pub = f"{PUBLISHED}.main"
    found = {
        name: _create(
            con,
            name,
            f"select {key} from (select {cols} from {a}.{source} except select {cols} from {b}.{source})",
        )
        for name, (a, b), key, cols, source in (
            ("_gone_docs", ("main", pub), "document_id", "document_id, ingested_at", "dim_document"),
            ("_new_docs", (pub, "main"), "document_id", "document_id, ingested_at", "dim_document"),
            ("_gone_runs", ("main", pub), "run_id, document_id", "*", "dq_run"),
            ("_new_runs", (pub, "main"), "run_id, document_id", "*", "dq_run"),
        )
    }
    written = []
    for table in tables:
        if table in document_tables:
            key, gone, new = ["document_id"], "_gone_docs", "_new_docs"
        elif table in RUN_TABLES:
            key, gone, new = ["run_id", "document_id"], "_gone_runs", "_new_runs"
        else:
            continue
        t = f'"{table}"'
        if found[gone]:
            con.execute(f"delete from main.{t} where {_in(key, gone)}")
        if found[new]:
            con.execute(f"insert into main.{t} select * from {pub}.{t} where {_in(key, new)}")
        written.append(table)
    return written


def _sync(con: duckdb.DuckDBPyConnection, table: str, key: list[str]) -> bool:
    """A small table made equal to the published one: its differing rows by key, or all of it when it
    has no key (called for those that differ); whether anything was written."""
    t, pub = f'"{table}"', f"{PUBLISHED}.main"
    if not key:
        con.execute(f"delete from main.{t}")
        con.execute(f"insert into main.{t} select * from {pub}.{t}")
        return True
    cols = ", ".join(f'"{c}"' for c in key)
    if not _create(
        con,
        "_keys",
        f"select {cols} from (select * from main.{t} except select * from {pub}.{t}) "
        f"union select {cols} from (select * from {pub}.{t} except select * from main.{t})",
    ):
        return False
    con.execute(f"delete from main.{t} where {_in(key, '_keys')}")
    con.execute(f"insert into main.{t} select * from {pub}.{t} where {_in(key, '_keys')}")
    return True


def _in(key: list[str], keys_table: str) -> str:
    """`key in (the rows of keys_table)`, for one column or several."""
    cols = ", ".join(f'"{c}"' for c in key)
    if len(key) == 1:
        return f"{cols} in (select {cols} from {keys_table})"
    return f"({cols}) in (select ({cols}) from {keys_table})"
