"""Retention for data/reports/: dated reports and GX validation results older than N days go.

Every run writes a dated report (quality-<time>.html, and run-<time>.html for an ingest batch) and
one GX validation result per document; without pruning they fill the disk. Both the CLI and the
Dagster report job (once per batch) prune. `latest.html`, the Data Docs index and the GX project
files are always kept.
Setting: YUJUESUAN_RETENTION_DAYS (default 30; 0 keeps everything).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

DEFAULT_DAYS = 30.0


def retention_days() -> float:
    return float(os.environ.get("YUJUESUAN_RETENTION_DAYS", DEFAULT_DAYS))


def _prunable(reports: Path) -> list[Path]:
    dated = [p for pattern in ("quality-*.html", "run-*.html") for p in reports.glob(pattern) if p.is_file()]
    gx = reports / "gx"
    results = [p for p in gx.rglob("*") if p.is_file() and "validations" in p.relative_to(gx).parts]
    return dated + results


def prune_reports(reports: Path, days: float | None = None, now: float | None = None) -> int:
    """Delete dated reports and GX results older than `days`; return how many files went."""
    days = retention_days() if days is None else days
    if days <= 0 or not reports.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - days * 86400
    removed = 0
    for path in _prunable(reports):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # in use or already gone: the next run tries again
    for folder in sorted((p for p in (reports / "gx").rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if "validations" in folder.parts and not any(folder.iterdir()):
            folder.rmdir()
    return removed
