"""The CLI's Dagster instance (pipelines/wiring/instance.py): its kept-open SQLite event log and the
bursts of events stored in one transaction, read back by Dagster's default storage."""

# no `from __future__ import annotations`: Dagster reads the ops' context annotations at runtime

import subprocess
import sys

import dagster as dg
from alembic.script import ScriptDirectory
from dagster._core.storage.runs.sqlite import sqlite_run_storage
from dagster._core.storage.sql import check_alembic_revision, get_alembic_config

from pipelines.wiring.instance import OpenSqliteEventLogStorage, ingest_instance, one_transaction
from pipelines.wiring.partitions import SOURCE_FILES

KEY = dg.AssetKey("warehouse_document")
CHECK = dg.AssetCheckKey(KEY, "B_balance")
PARTS = ["a" * 16, "b" * 16]


def _evaluation(partition: str) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=KEY, check_name=CHECK.name, passed=True, metadata={"document_id": partition},
        partition=partition,
    )  # fmt: skip


def _history() -> list[str]:
    """The check's evaluations as the webserver reads them: a fresh instance, Dagster's own storage."""
    with dg.DagsterInstance.get() as reader:
        assert type(reader.event_log_storage).__name__ == "SqliteEventLogStorage"
        history = reader.event_log_storage.get_asset_check_execution_history(CHECK, limit=10)
        return sorted(r.partition or "" for r in history)


def test_a_burst_is_stored_when_it_ends_and_kept_when_the_op_fails() -> None:
    seen_inside: list[list[str]] = []

    @dg.op
    def burst(context: dg.OpExecutionContext) -> None:
        with one_transaction(context.instance):
            for partition in PARTS:
                context.log_event(dg.AssetMaterialization(KEY, partition=partition))
                context.log_event(_evaluation(partition))  # type: ignore[arg-type]
            seen_inside.append(_history())  # not committed yet: another reader sees nothing
            raise RuntimeError("the op breaks after its events")

    @dg.job
    def logs() -> None:
        burst()

    instance = ingest_instance()
    assert isinstance(instance.event_log_storage, OpenSqliteEventLogStorage)
    instance.add_dynamic_partitions(SOURCE_FILES, PARTS)
    result = logs.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    assert seen_inside == [[]]
    assert _history() == PARTS  # committed at the end of the burst, failure or not
    with dg.DagsterInstance.get() as reader:
        assert reader.get_materialized_partitions(KEY) == set(PARTS)
    # after the burst, events are stored one by one again
    logs.execute_in_process(instance=instance, raise_on_error=False)
    assert _history() == sorted(PARTS * 2)
    instance.dispose()


def test_nested_bursts_commit_once_at_the_outer_end() -> None:
    instance = ingest_instance()
    storage = instance.event_log_storage
    assert isinstance(storage, OpenSqliteEventLogStorage)

    @dg.op
    def nested(context: dg.OpExecutionContext) -> None:
        with one_transaction(context.instance):
            with one_transaction(context.instance):
                context.log_event(_evaluation(PARTS[0]))  # type: ignore[arg-type]
            assert _history() == []  # the inner end commits nothing
        assert _history() == [PARTS[0]]

    @dg.job
    def logs() -> None:
        nested()

    instance.add_dynamic_partitions(SOURCE_FILES, PARTS)
    assert logs.execute_in_process(instance=instance).success
    instance.dispose()


def test_alembic_revisions_are_read_once_and_stamped_at_head() -> None:
    """Every storage of a new DAGSTER_HOME shares one reading of Dagster's migration scripts, and each
    database is still stamped at the head that a reading of its own finds (Alembic's default)."""
    instance = ingest_instance()
    config = get_alembic_config(sqlite_run_storage.__file__)
    shared = ScriptDirectory.from_config(config)
    assert ScriptDirectory.from_config(config).revision_map is shared.revision_map
    own_head = ScriptDirectory(shared.dir).as_revision_number("head")  # a reading of its own
    assert instance.run_storage.alembic_version() == (own_head, own_head)
    assert instance.schedule_storage.alembic_version() == (own_head, own_head)
    instance.add_dynamic_partitions(SOURCE_FILES, PARTS)  # the event log's index at head too
    with instance.event_log_storage.index_connection() as conn:  # type: ignore[attr-defined]
        assert check_alembic_revision(config, conn) == (own_head, own_head)
    instance.dispose()


def test_the_definitions_leave_the_extractor_to_the_workers() -> None:
    """`import pipelines.defs` (the CLI's start-up, the code location) does not import the normaliser
    or the PDF readers: the extraction workers import them, the CLI's process only for --workers 1."""
    code = (
        "import sys, pipelines.defs; "
        "print(sorted(m for m in ('pdfplumber', 'pdfminer', 'pipelines.normalise.document',"
        " 'pipelines.extract.pdf') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
