"""Numbered schema migrations, each recorded in the warehouse's `schema_migration` table.

Migration 0001 (`baseline`) is `sql/schema/*.sql` in file order: every table as first released plus
the idempotent `ALTER … ADD COLUMN IF NOT EXISTS` lines that brought warehouses of earlier sessions up
to date, so any warehouse made before migrations existed reaches the baseline by applying it once.
Later changes are `sql/migrations/NNNN_name.sql` (NNNN ≥ 0002), applied in order.

A warehouse gets only the migrations it lacks, each in its own transaction with its row
(version, name, checksum, applied_at). A migration whose text changed after it was applied, or a
warehouse that has a migration this code does not know (written by newer code), fails loudly: edit
nothing that was released; add a migration instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines import SQL_DIR
from pipelines.errors import LoadError

BASELINE_DIR = SQL_DIR / "schema"
MIGRATIONS_DIR = SQL_DIR / "migrations"
INDEX_FILE = "900_indexes.sql"  # last of the baseline: rebuilt after a migration that had to drop indexes
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

SCHEMA_MIGRATION_DDL = """
create table if not exists schema_migration (
    version     integer primary key,
    name        varchar not null,
    checksum    varchar not null,
    applied_at  timestamp not null
)
"""


class MigrationError(LoadError, RuntimeError):
    """The migrations on disk and the ones recorded in the warehouse disagree, or a file is misnamed."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    files: tuple[Path, ...]

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        """SHA-256 over the file names and bytes, in order."""
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()


def migrations(baseline: Path = BASELINE_DIR, folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """0001 baseline, then every `NNNN_name.sql` of `folder` by number (misnamed or duplicate: an error)."""
    found = [Migration(1, "baseline", tuple(sorted(baseline.glob("*.sql"))))]
    for path in sorted(folder.glob("*.sql")) if folder.is_dir() else []:
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path}: a migration is named NNNN_name.sql (lowercase name)")
        version = int(match.group(1))
        if version <= 1 or version in {m.version for m in found}:
            raise MigrationError(f"{path}: version {version:04d} is taken (0001 is the baseline, sql/schema)")
        found.append(Migration(version, match.group(2), (path,)))
    return sorted(found, key=lambda m: m.version)


def applied(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, str]]:
    """version → (name, checksum) of the migrations recorded in the warehouse."""
    con.execute(SCHEMA_MIGRATION_DDL)
    rows = con.execute("select version, name, checksum from schema_migration").fetchall()
    return {int(v): (str(n), str(c)) for v, n, c in rows}


def migrate(
    con: duckdb.DuckDBPyConnection, baseline: Path = BASELINE_DIR, folder: Path = MIGRATIONS_DIR
) -> list[Migration]:
    """Apply the migrations the warehouse lacks, in order; return them (none: the warehouse is current)."""
    known = migrations(baseline, folder)
    done = applied(con)
    by_version = {m.version: m for m in known}
    unknown = sorted(set(done) - set(by_version))
    if unknown:
        names = ", ".join(f"{v:04d}_{done[v][0]}" for v in unknown)
        raise MigrationError(
            f"the warehouse has migrations this code does not know ({names}): newer code wrote it"
        )
    for version, (name, checksum) in sorted(done.items()):
        m = by_version[version]
        if m.checksum != checksum:
            where = ", ".join(str(p) for p in m.files) if len(m.files) == 1 else f"{baseline}/*.sql"
            raise MigrationError(
                f"migration {version:04d}_{name} was changed after it was applied ({where}): "
                "restore it and add a new numbered migration in sql/migrations/ instead"
            )
    pending = [m for m in known if m.version not in done]
    rebuild_indexes = False
    for m in pending:
        rebuild_indexes |= _apply(con, m)
    if rebuild_indexes and (baseline / INDEX_FILE).exists():
        con.execute((baseline / INDEX_FILE).read_text(encoding="utf-8"))
    return pending


def _apply(con: duckdb.DuckDBPyConnection, m: Migration) -> bool:
    """One migration and its record in one transaction; True when indexes had to be dropped for it."""
    try:
        _transaction(con, m)
        return False
    except duckdb.DependencyException:
        # DuckDB cannot ALTER a table that has an index: drop the (secondary) indexes, run the migration
        # again, and build them anew from the baseline's index file afterwards
        con.execute("rollback")
        for (name,) in con.execute("select index_name from duckdb_indexes() where not is_primary").fetchall():
            con.execute(f'drop index if exists "{name}"')
        _transaction(con, m)
        return True


def _transaction(con: duckdb.DuckDBPyConnection, m: Migration) -> None:
    con.execute("begin transaction")
    try:
        for path in m.files:
            con.execute(path.read_text(encoding="utf-8"))
        con.execute(
            "insert into schema_migration (version, name, checksum, applied_at) "
            "values (?, ?, ?, now()::timestamp)",
            [m.version, m.name, m.checksum],
        )
    except duckdb.DependencyException:
        raise  # _apply rolls back and retries without indexes
    except Exception:
        con.execute("rollback")
        raise
    con.execute("commit")
