"""Source files and their partition keys: one dynamic partition per file version (content hash)."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.errors import SourceNotFoundError
from pipelines.extract.formats import SUPPORTED_SUFFIXES
from pipelines.extract.types import document_id_for
from pipelines.extract.types import file_sha256 as file_sha256  # the name source_hash calls (tests spy on it)

SOURCE_PATH_TAG = "yujuesuan/source_path"
IGNORED_PREFIXES = (".", "~$")  # hidden files and Office lock files
log = logging.getLogger("yujuesuan.sources")


def unreadable_sha(path: Path) -> str:
    """A stand-in content hash for a file that cannot be read: stable for its path, never a real hash."""
    return hashlib.sha256(b"unreadable:" + str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()


def source_hash(path: Path) -> tuple[str, str | None]:
    """The file's content hash, or (stand-in hash, why it cannot be read)."""
    try:
        return file_sha256(path), None
    except OSError as exc:
        return unreadable_sha(path), f"{exc.strerror or type(exc).__name__} ({exc.filename or path})"
    except Exception as exc:  # anything else is still this file's problem only
        return unreadable_sha(path), f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    sha256: str
    error: str | None = None  # why the file cannot be read (sha256 is then a stand-in, see guard)

    @property
    def partition_key(self) -> str:
        return document_id_for(self.sha256)


@dataclass
class SourceScan:
    """What a scan of files and folders found: the files to ingest, and the folder entries it passed over."""

    files: list[SourceFile] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # found in a folder, not a format the pipeline reads


class HashCache:
    """Content hashes of files, remembered by their stat: (size, mtime_ns, ctime_ns, inode) → sha256.

    A no-op rerun over a landing folder must not read every file again: while a file's stat is
    unchanged its bytes are taken as unchanged (what rsync and git assume), so only new or touched
    files are opened. It is kept in a SQLite file beside the warehouse (`for_warehouse`), which the
    CLI, the landing-folder sensor and the nightly schedule all know, whatever DAGSTER_HOME each of
    them runs with; it says nothing about what is loaded, so it can never disagree with the
    warehouse (a lost or stale file only costs hashing). A file written within RACY_NS of being
    hashed is not remembered, since a second write in the same clock tick would keep its stat.
    """

    RACY_NS = 2_000_000_000

    def __init__(self, file: Path | None = None) -> None:
        self.file = file
        self.entries: dict[str, tuple[int, int, int, int, str]] = {}
        self.fresh: set[str] = set()  # paths hashed during this scan: new or changed files
        self._dirty: set[str] = set()
        self._gone: set[str] = set()
        if file is not None and file.exists():
            try:
                with closing(sqlite3.connect(file, timeout=30)) as con:
                    rows = con.execute("select path, size, mtime_ns, ctime_ns, inode, sha256 from hashes")
                    self.entries = {r[0]: (r[1], r[2], r[3], r[4], r[5]) for r in rows}
            except sqlite3.Error:  # a broken cache is only a cold one
                self.entries = {}

    @classmethod
    def for_warehouse(cls, warehouse: Path) -> HashCache:
        return cls(warehouse.resolve().parent / f".{warehouse.name}.hashes.sqlite")

    def sha256(self, path: Path) -> tuple[str, str | None]:
        """The file's hash (or a stand-in and why it cannot be read), from the cache while its stat holds."""
        key = os.path.abspath(path)
        try:
            st = path.stat()
        except OSError:
            return source_hash(path)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        hit = self.entries.get(key)
        if hit is not None and hit[:4] == stamp:
            return hit[4], None
        self.fresh.add(key)
        sha, error = source_hash(path)
        if error is None and time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > self.RACY_NS:
            self.entries[key] = (*stamp, sha)
            self._dirty.add(key)
        elif hit is not None:
            del self.entries[key]
            self._gone.add(key)
        return sha, error

    def forget_missing(self, folders: list[Path], files: list[Path]) -> None:
        """Entries under the scanned folders (or for the named files) that the scan did not find."""
        seen = {os.path.abspath(p) for p in files}
        roots = tuple(os.path.join(os.path.abspath(f), "") for f in folders)
        for key in [k for k in self.entries if k not in seen and k.startswith(roots)]:
            del self.entries[key]
            self._gone.add(key)

    def forget(self, paths: list[Path]) -> None:
        """Hash these files again next time (their delivery could not be recorded)."""
        for key in map(os.path.abspath, paths):
            if self.entries.pop(key, None) is not None:
                self._gone.add(key)
        self.save()

    def save(self) -> None:
        """Write what changed (one transaction); a cache that cannot be written is only not kept."""
        if self.file is None or not (self._dirty or self._gone):
            return
        try:
            with closing(sqlite3.connect(self.file, timeout=30)) as con, con:
                con.execute(
                    "create table if not exists hashes (path text primary key, size integer, "
                    "mtime_ns integer, ctime_ns integer, inode integer, sha256 text)"
                )
                con.executemany("delete from hashes where path = ?", [(k,) for k in self._gone])
                con.executemany(
                    "insert or replace into hashes (path, size, mtime_ns, ctime_ns, inode, sha256) "
                    "values (?, ?, ?, ?, ?, ?)",
                    [(k, *self.entries[k]) for k in self._dirty if k in self.entries],
                )
        except sqlite3.Error as exc:
            log.warning("hash cache %s not saved: %s", self.file, exc)
        self._dirty.clear()
        self._gone.clear()


def scan_sources(
    paths: Iterable[Path], *, all_files: bool = False, cache: HashCache | None = None
) -> SourceScan:
    """Files named or found (recursively) under the given paths, sorted, each hashed once.

    Folders yield the formats the pipeline reads (every file with `all_files`) and list the rest as
    skipped; a file named explicitly is always taken, so an unreadable one is recorded as failed
    rather than silently dropped. Hidden files and Office lock files in folders are ignored. With
    `cache` a file whose stat is unchanged is not opened (see HashCache); the cache is saved.
    """
    paths = list(paths)
    found: dict[Path, None] = {}
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.name.startswith(IGNORED_PREFIXES) or not child.is_file():
                    continue
                if all_files or child.suffix.lower() in SUPPORTED_SUFFIXES:
                    found[child] = None
                else:
                    skipped.append(child)
        elif path.is_file():
            found[path] = None
        else:
            raise SourceNotFoundError(f"no such file or folder: {path}")
    hashed = cache.sha256 if cache is not None else source_hash
    files = [SourceFile(p, *hashed(p)) for p in found]  # an unreadable file is its own problem
    if cache is not None:  # forget files that left the folders
        cache.forget_missing([p for p in paths if p.is_dir()], list(found))
        cache.save()
    return SourceScan(files, skipped)


def written_at(path: Path) -> int:
    """The file's modification time (ns); 0 when it cannot be read (delivered first, superseded)."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def delivery_order(files: Iterable[SourceFile]) -> list[SourceFile]:
    """The order a run delivers (loads) file versions in: by modification time, then path.

    Several versions of one document (same region, department, year, kind) in one run, say a
    corrected re-publication beside the original: the last one loaded is current, so the newest
    file wins and the older ones are loaded and kept as superseded (`is_current = false`), whatever
    their names. The CLI and the nightly batch both load in this order (`batch.load_staged`).
    """
    return sorted(files, key=lambda s: delivery_key(s.path))


def delivery_key(path: Path) -> tuple[int, str]:
    return (written_at(path), str(path))


def by_content(files: Iterable[SourceFile]) -> dict[str, list[SourceFile]]:
    """Partition key → the files with those bytes, the first in scan (path) order being the one read.

    The same bytes under two names are one document version: it is read once, from the first path;
    the other paths are recorded as `same_bytes` deliveries (`guard.record_copies`).
    """
    out: dict[str, list[SourceFile]] = {}
    for s in files:
        out.setdefault(s.partition_key, []).append(s)
    return out


def find_source_files(paths: Iterable[Path], *, all_files: bool = False) -> list[SourceFile]:
    """The files `scan_sources` takes (see there)."""
    return scan_sources(paths, all_files=all_files).files
