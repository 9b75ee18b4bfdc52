"""The per-document hand-off between extraction and the warehouse: `data/staging/<sha256>/`.

Extraction and normalisation of one file need no warehouse, so they run anywhere (a local process
pool, another Dagster step, another machine with the staging folder on shared storage) and write
their result here: `document.json` (the document row: metadata, status, reason, warnings) and one
Parquet file per frame (facts, tables and the fact tables of other grains). The folder is keyed by
the file's content hash and written under a temporary name, then renamed, so a result is there
whole or not at all and staging the same bytes twice does the work once. The single writer
(`pipelines.batch.load_staged`) reads it back into the warehouse.

A result is reused only if the same pipeline version wrote it and its failure (if any) was about
the bytes: a time-out or an internal error is tried again, like `errors.RETRY_REASONS`. At the end of
each batch `prune_staging` removes what is no longer worth keeping (retention.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipelines.extract.types import DocumentMeta, ExtractedDocument

if TYPE_CHECKING:
    from pipelines.normalise.types import NormalisedDocument

MANIFEST = "document.json"
FRAMES = ("facts", "tables")


def staging_dir_for(warehouse: Path) -> Path:
    """Staging lives beside the warehouse (data/staging), unless YUJUESUAN_STAGING names shared storage."""
    return Path(os.environ.get("YUJUESUAN_STAGING") or warehouse.resolve().parent / "staging")


@functools.cache
def _pipeline_version() -> str:
    """The release and a digest of the code and data that read a file (extract, normalise, catalog).

    A staged result is only as good as the reader that wrote it: a fix in a parser or a new table
    alias must re-read the file, even before the release number moves.
    """
    from importlib.metadata import PackageNotFoundError, version

    from pipelines import PACKAGE_DIR

    try:
        release = version("yujuesuan")
    except PackageNotFoundError:
        release = "unknown"
    digest = hashlib.sha256()
    for folder in ("vocab", "catalog", "extract", "normalise", "reference"):
        for path in sorted((PACKAGE_DIR / folder).rglob("*")):
            if path.suffix in {".py", ".yaml", ".csv"}:
                digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    for name in ("budget.py", "errors.py"):
        digest.update(name.encode() + b"\0" + (PACKAGE_DIR / name).read_bytes())
    return f"{release}+{digest.hexdigest()[:16]}"


@dataclass(frozen=True)
class Staged:
    """What a staging step hands to the loader: where the result is and what it says."""

    folder: str
    sha256: str
    document_id: str
    source_path: str
    status: str
    pages: int
    seconds: float  # extraction + normalisation (0 when an earlier result was reused)
    peak_rss_kib: int  # of the process that staged it, when this file was done
    reused: bool = False
    rss_added_kib: int = 0  # how far staging this file raised that peak (`make bench` names the file)
    cpu_seconds: float = 0.0  # CPU of this process for it (`make bench` splits a run's CPU by process)


def _reusable(manifest: dict[str, object]) -> bool:
    from pipelines.errors import RETRY_REASONS, reason_of

    if manifest.get("pipeline_version") != _pipeline_version():
        return False
    return not (manifest.get("status") == "failed" and reason_of(str(manifest.get("error"))) in RETRY_REASONS)


def stage_file(path: str, sha256: str, expected_id: str, staging: str) -> Staged:
    """Extract and normalise one file (guarded: never raises for the file's trouble) into staging."""
    import resource

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    folder = Path(staging) / sha256
    done = folder / MANIFEST
    if done.exists():
        manifest = json.loads(done.read_text(encoding="utf-8"))
        if _reusable(manifest):
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return Staged(str(folder), sha256, manifest["document_id"], path, manifest["status"],
                          int(manifest["page_count"] or 0), 0.0, rss, reused=True)  # fmt: skip
    from pipelines.guard import extract_guarded, normalise_guarded

    t0, cpu0 = time.perf_counter(), time.process_time()
    n = normalise_guarded(extract_guarded(Path(path), expected_id=expected_id))
    write_staged(n, folder)
    doc = n.document
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return Staged(str(folder), sha256, doc.document_id, path, doc.status, doc.page_count,
                  time.perf_counter() - t0, rss, rss_added_kib=rss - rss0,
                  cpu_seconds=time.process_time() - cpu0)  # fmt: skip


def write_staged(n: NormalisedDocument, folder: Path) -> None:
    """The normalised document as JSON + Parquet, published by one rename (idempotent)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir()
    try:
        n.facts.write_parquet(tmp / "facts.parquet")
        n.tables.write_parquet(tmp / "tables.parquet")
        extras = sorted(n.extras)
        for name in extras:
            n.extras[name].write_parquet(tmp / f"extra.{name}.parquet")
        doc = n.document
        manifest = {
            "pipeline_version": _pipeline_version(),
            "document_id": doc.document_id,
            "source_path": doc.source_path,
            "source_sha256": doc.source_sha256,
            "file_format": doc.file_format,
            "page_count": doc.page_count,
            "status": doc.status,
            "error": doc.error,
            "warnings": doc.warnings,
            "meta": asdict(doc.meta),
            "extras": extras,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        if folder.exists():  # an older or retryable result: replaced whole
            old = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.old")
            os.replace(folder, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_staged(folder: Path, source_path: str | None = None) -> NormalisedDocument:
    """The staged result as the loader takes it; `source_path` is where these bytes were found now."""
    from pipelines.normalise.types import NormalisedDocument

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    doc = ExtractedDocument(
        source_path=source_path or manifest["source_path"],
        source_sha256=manifest["source_sha256"],
        file_format=manifest["file_format"],
        page_count=manifest["page_count"],
        meta=DocumentMeta(**manifest["meta"]),
        tables=[],  # the raw grids stay with the extractor: the warehouse takes the frames
        status=manifest["status"],
        error=manifest["error"],
        warnings=list(manifest["warnings"]),
    )
    extras = {name: pl.read_parquet(folder / f"extra.{name}.parquet") for name in manifest["extras"]}
    facts = pl.read_parquet(folder / "facts.parquet")
    tables = pl.read_parquet(folder / "tables.parquet")
    return NormalisedDocument(doc, facts, tables, extras)


STAGING_GRACE_SECONDS = 86_400.0  # a result no version in the warehouse has yet: being staged by a run
_SHA256_NAME = re.compile(r"[0-9a-f]{64}")


def prune_staging(
    staging: Path,
    warehouse: Path,
    keep: Collection[str] = (),
    days: float | None = None,
    now: float | None = None,
) -> int:
    """Remove staged results the warehouse no longer needs; return how many folders went.

    - the document is in the warehouse and the result was staged more than `days` ago
      (YUJUESUAN_STAGING_DAYS; 0 keeps everything): it would only be read again for the same bytes
      delivered anew, which triage recognises without staging;
    - no version in the warehouse has the content hash, or it would never be reused (another
      pipeline version wrote it, or a failure that was not about the bytes), and it is older than
      STAGING_GRACE_SECONDS: a run that stages now (another batch, a shard elsewhere) loads by then;
    - half-written folders (a crash mid-write) older than the grace.
    `keep`: content hashes of the batch that prunes (never removed). Run after its load.
    """
    from pipelines.retention import staging_days

    days = staging_days() if days is None else days
    if days <= 0 or not staging.is_dir():
        return 0
    now = time.time() if now is None else now
    # read when the first folder outside `keep` asks: a folder of only the batch's results needs no
    # warehouse connection (~30 ms of CPU to open one)
    loaded: set[str] | None = None
    keep = set(keep)
    removed = 0
    for folder in staging.iterdir():
        if loaded is None and folder.name not in keep and _SHA256_NAME.fullmatch(folder.name):
            loaded = _loaded_hashes(warehouse)
        try:
            if not folder.is_dir() or folder.name in keep:
                continue
            age = now - folder.stat().st_mtime
            if not _SHA256_NAME.fullmatch(folder.name):  # .<sha>.<id>.tmp / .old left by a crash
                gone = folder.name.startswith(".") and age > STAGING_GRACE_SECONDS
            elif loaded is not None and folder.name in loaded and _reused(folder):
                gone = age > days * 86_400
            else:
                gone = age > STAGING_GRACE_SECONDS
            if gone:
                shutil.rmtree(folder)
                removed += 1
        except OSError:
            continue  # in use or already gone: the next batch tries again
    return removed


def _loaded_hashes(warehouse: Path) -> set[str]:
    """Content hashes of every version in the warehouse (failed ones too: their reason is recorded)."""
    from pipelines.load.warehouse import reader

    if not warehouse.exists():
        return set()
    with reader(warehouse) as con:
        return {r[0] for r in con.execute("select distinct source_sha256 from dim_document").fetchall()}


def _reused(folder: Path) -> bool:
    """Whether the same bytes staged again would take this result (see `_reusable`)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and _reusable(manifest)
