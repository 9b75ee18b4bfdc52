"""The Dagster instance `yujuesuan ingest` runs its batches on: DAGSTER_HOME's, with the event log
kept open while the run writes.

Dagster's default SQLite event log opens a new engine and connection for every event and closes
it after (a WAL checkpoint and an fsync each time): 10–20 ms of CPU and up to 80 ms of wall per
event, and a batch logs 13 events per document (3 materializations, 10 asset check evaluations).
`OpenSqliteEventLogStorage` is the same storage, same files and schema (the webserver and the daemon
read them with the default class), that keeps one engine and one open connection per database
file it writes (the index and the few newest runs), and answers `has_table` from it: 3–4 ms of
CPU per event. An op that logs a burst of events (a materialization and ten check evaluations per
document) wraps it in `one_transaction`: the burst is stored in one transaction per database file,
not in three transactions per event (their begin and commit were two thirds of the CPU left).

It is used only where DAGSTER_HOME's dagster.yaml leaves the storage to Dagster's default (SQLite
under DAGSTER_HOME); a configured storage (PostgreSQL, deploy/dagster.yaml) is used as configured.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionMap
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import create_db_conn_string
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine

# the storage keys of dagster.yaml: when none is set, the storage is Dagster's default SQLite one
_STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")
_OPEN_RUNS = 4  # run databases kept open besides the index (a batch writes one run at a time)
_BUSY_TIMEOUT_SECONDS = 30  # as Dagster's own (sqlite_event_log.SQLITE_BUSY_TIMEOUT_SECONDS)


class OpenSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log, with an engine and an open connection kept per database file."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        self._asset_key_columns: set[str] = set()
        self._held: dict[str, Connection] | None = None  # within one_transaction: shard → its open one
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> OpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            # the default pool keeps the connection open between transactions (WAL: readers go on)
            engine = create_engine(
                create_db_conn_string(self._base_dir, shard),
                connect_args={"timeout": _BUSY_TIMEOUT_SECONDS},
            )
            self._engines[shard] = engine
            runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
            for old in runs[:-_OPEN_RUNS]:  # oldest first
                self._engines.pop(old).dispose()
        elif shard != INDEX_SHARD_NAME:
            self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            if self._held is None:
                with engine.connect() as conn, conn.begin():
                    yield conn
                return
            held = self._held.get(shard)
            if held is None:
                held = self._held[shard] = engine.connect()
                held.begin()
            yield held

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """Store the events logged inside in one transaction per database file, committed at the end.

        Readers (the webserver) see the burst when it ends. What was stored is committed even when
        the body raises: the events before the failure are the op's history (a statement that failed
        wrote nothing; SQLite undoes a failed statement, not the transaction). Nested: the outer one
        commits."""
        with self._db_lock:
            nested = self._held is not None
            if not nested:
                self._held = {}
        if nested:  # the outer one holds the connections and commits them
            yield
            return
        try:
            yield
        finally:
            with self._db_lock:
                held, self._held = self._held or {}, None
                for conn in held.values():
                    try:
                        conn.commit()
                    finally:
                        conn.close()

    def has_table(self, table_name: str) -> bool:
        """Asked before every asset check event (`supports_asset_checks`): Dagster's answer opens
        an engine of its own each time. A table once there stays there (migrations add tables)."""
        if table_name in self._tables:
            return True
        with self._db_lock:
            engine = self._engine(INDEX_SHARD_NAME)
            with engine.connect() as conn:
                found = bool(engine.dialect.has_table(conn, table_name))
        if found:
            self._tables.add(table_name)
        return found

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        """Asked before every materialization is indexed: Dagster reflects the asset_keys table's
        columns each time (~0.3 ms of CPU, a sixth of the event). A column once there stays there."""
        if column_name in self._asset_key_columns:
            return True
        found = bool(super()._has_asset_key_col_on_connection(conn, column_name))
        if found:
            self._asset_key_columns.add(column_name)
        return found

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()


@contextmanager
def one_transaction(instance: dg.DagsterInstance) -> Iterator[None]:
    """The events logged inside stored in one transaction per database file when the instance's event
    log is `OpenSqliteEventLogStorage` (the CLI's); one by one, as usual, on any other storage."""
    storage = instance.event_log_storage
    if isinstance(storage, OpenSqliteEventLogStorage):
        with storage.one_transaction():
            yield
    else:
        yield


_REVISION_MAPS: dict[tuple[str, ...], RevisionMap] = {}  # Alembic's script folders → their revisions
_REVISIONS_LOCK = threading.Lock()


def _share_revision_maps() -> None:
    """Read Dagster's Alembic migration scripts once per process, not once per database.

    Every SQLite database Dagster opens or creates (runs, schedules, the event log's index, each
    run's own event log) asks Alembic whether it is at the head revision, and a new one is
    stamped: each time Alembic builds a new `ScriptDirectory` and executes all 89 migration
    scripts again to learn the head (~20 ms of CPU; 7 times on a new DAGSTER_HOME, twice per run).
    A `ScriptDirectory` of a folder already read gets that folder's revision map instead: the same
    scripts, read once (they do not change while the process lives). Installed once, by
    `ingest_instance`.
    """
    with _REVISIONS_LOCK:
        if getattr(ScriptDirectory.from_config, "_shares_revision_maps", False):
            return
        build = ScriptDirectory.from_config.__func__  # type: ignore[attr-defined]

        def from_config(cls: type[ScriptDirectory], config: Any) -> ScriptDirectory:
            script: ScriptDirectory = build(cls, config)
            with _REVISIONS_LOCK:
                key = (script.dir, *(script.version_locations or ()))
                script.revision_map = _REVISION_MAPS.setdefault(key, script.revision_map)
            return script

        from_config._shares_revision_maps = True  # type: ignore[attr-defined]
        ScriptDirectory.from_config = classmethod(from_config)  # type: ignore[method-assign,assignment]


def _default_storage(home: Path) -> bool:
    """dagster.yaml sets no storage of its own (Dagster then keeps SQLite files under DAGSTER_HOME)."""
    config = home / "dagster.yaml"
    if not config.exists():
        return True
    loaded = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return isinstance(loaded, dict) and not any(loaded.get(k) for k in _STORAGE_KEYS)


def ingest_instance() -> dg.DagsterInstance:
    """DAGSTER_HOME's instance; its event log kept open when the storage is the default SQLite one."""
    home = Path(os.environ["DAGSTER_HOME"])
    _share_revision_maps()
    if not _default_storage(home):
        return dg.DagsterInstance.get()
    events_dir = os.path.join(str(home), "history", "runs", "")  # where the default storage keeps them
    ref = InstanceRef.from_dir(
        str(home),
        overrides={
            "event_log_storage": {
                "module": __name__,
                "class": OpenSqliteEventLogStorage.__name__,
                "config": {"base_dir": events_dir},
            }
        },
    )
    return dg.DagsterInstance.from_ref(ref)
