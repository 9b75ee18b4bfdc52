"""Source files and their partition keys: one dynamic partition per file version (content hash)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.extract.document import SUPPORTED_SUFFIXES
from pipelines.guard import source_hash
from pipelines.types import document_id_for

SOURCE_PATH_TAG = "yujuesuan/source_path"
IGNORED_PREFIXES = (".", "~$")  # hidden files and Office lock files


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


HashCache = dict[str, tuple[int, int, str]]  # path → (size, mtime_ns, sha256)


def _sha256(path: Path, cache: HashCache | None) -> tuple[str, str | None]:
    """The file's hash (or a stand-in and why it cannot be read), reused from `cache` while its size
    and modification time are unchanged."""
    if cache is None:
        return source_hash(path)
    try:
        st = path.stat()
    except OSError:
        return source_hash(path)
    hit = cache.get(str(path))
    if hit and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
        return hit[2], None
    sha, error = source_hash(path)
    if error is None:
        cache[str(path)] = (st.st_size, st.st_mtime_ns, sha)
    return sha, error


def scan_sources(
    paths: Iterable[Path], *, all_files: bool = False, cache: HashCache | None = None
) -> SourceScan:
    """Files named or found (recursively) under the given paths, sorted, each hashed once.

    Folders yield the formats the pipeline reads (every file with `all_files`) and list the rest as
    skipped; a file named explicitly is always taken, so an unreadable one is recorded as failed
    rather than silently dropped. Hidden files and Office lock files in folders are ignored. With
    `cache` (the landing-folder sensor's cursor) an unchanged file is not read again.
    """
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
            raise FileNotFoundError(f"no such file or folder: {path}")
    files = [SourceFile(p, *_sha256(p, cache)) for p in found]  # an unreadable file is its own problem
    if cache is not None:  # forget files that left the folder
        for gone in set(cache) - {str(p) for p in found}:
            del cache[gone]
    return SourceScan(files, skipped)


def find_source_files(paths: Iterable[Path], *, all_files: bool = False) -> list[SourceFile]:
    """The files `scan_sources` takes (see there)."""
    return scan_sources(paths, all_files=all_files).files
