"""Source files and their partition keys: one dynamic partition per file version (content hash)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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


def find_source_files(paths: Iterable[Path], *, all_files: bool = False) -> list[SourceFile]:
    """Files named or found (recursively) under the given paths, sorted, each hashed once.

    Folders yield the formats the pipeline reads; a file named explicitly is always taken, so an
    unreadable one is recorded as failed rather than silently skipped.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                wanted = all_files or child.suffix.lower() in SUPPORTED_SUFFIXES
                if child.is_file() and wanted and not child.name.startswith(IGNORED_PREFIXES):
                    found[child] = None
        elif path.is_file():
            found[path] = None
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return [SourceFile(p, *source_hash(p)) for p in found]  # one unreadable file is that file's problem
