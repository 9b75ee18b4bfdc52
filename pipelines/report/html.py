"""The data-quality report: one self-contained HTML file the review team reads every morning.

It shows the latest validation run of each document: a summary (documents, status, rules run,
failures by rule), then per document every failing check with expected / actual / difference, the
page, and a crop of the printed table with the offending row highlighted (text exports show the
printed line and row instead). Pictures are PNG data URIs and the CSS is inline, so the file opens
anywhere without a request. Every string that comes from a document goes through Jinja2 autoescape.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Protocol

import duckdb
import pypdfium2 as pdfium
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket

from pipelines import PROJECT_DIR
from pipelines.errors import ReportError
from pipelines.extract.types import file_sha256
from pipelines.report.coverage import TableReading, table_readings
from pipelines.report.crops import PageRenderer, RowBand, data_uri
from pipelines.report.data import (
    Check,
    DocumentFacts,
    DocumentQuality,
    Fact,
    FailedDocument,
    RuleSummary,
    document_facts,
    load_documents,
    rule_summary,
    set_aside,
    unknown_documents,
)
from pipelines.report.picture_cache import PictureCache

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_PICTURES_PER_DOCUMENT = 40  # beyond this a document's failures are listed without a picture
SHOWN_PER_RULE = 10  # failing checks of a rule shown open; the rest are folded away, without pictures
MONEY_UNITS = {None, "元", "万元"}


class UnknownDocumentError(ReportError, ValueError):
    """A document id asked for is not in the warehouse (a typo must not produce an empty report)."""


class SourceHashes(Protocol):
    """Content hashes of the source files, as sources.HashCache keeps them (by stat: a file whose stat
    is unchanged is not read again); the caller that knows the warehouse hands it in."""

    def sha256(self, path: Path) -> tuple[str, str | None]: ...  # (hash, why it cannot be read)

    def save(self) -> None: ...


@dataclass(frozen=True)
class RunEntry:
    """One file of an ingest run, as the run's own report lists it."""

    document_id: str
    file_name: str
    outcome: str  # added | changed (a new version of a document) | already loaded | failed | template
    note: str = ""


@dataclass
class Report:
    generated_at: datetime
    warehouse: str
    documents: list[DocumentQuality]
    failed: list[FailedDocument]
    rules: list[RuleSummary]
    gx_index: str | None  # link to the GX Data Docs site, relative to the report
    pictures: int = 0
    page_renders: int = 0  # pages opened to draw the pictures (each picture renders only its band)
    pictures_kept: int = 0  # pictures taken from the picture cache (drawn by an earlier report)
    render_seconds: float = 0.0
    # document id → its tables' coverage and engine (report/coverage.py)
    tables: dict[str, list[TableReading]] = field(default_factory=dict)
    templates: list[FailedDocument] = field(default_factory=list)  # blank forms: listed, never counted
    run: list[RunEntry] | None = None  # an ingest run's own report: what the run added or changed

    @property
    def run_ids(self) -> list[str]:
        return sorted({d.run_id for d in self.documents if d.run_id})

    def count(self, status: str) -> int:
        return sum(1 for d in self.documents if d.status == status)

    @property
    def failed_checks(self) -> int:
        return sum(d.failed_errors + d.failed_warnings for d in self.documents)


@dataclass(frozen=True)
class ReportFiles:
    path: Path  # quality-<timestamp>.html
    latest: Path  # latest.html, the same content
    report: Report = field(repr=False)


@dataclass(frozen=True)
class BuiltDocument:
    """One document as a report built it (see `build_report`'s `built`): what the next report of the
    same build takes as it is rather than asking the warehouse and drawing its pictures again."""

    document: DocumentQuality
    pictures: int  # pictures attached to its checks
    tables: list[TableReading] | None  # its tables' coverage (None: no table recorded)


def format_number(value: Decimal | None, unit: str | None = None, *, signed: bool = False) -> str:
    """Exact decimal with thousands separators: money in 元 with 2 places, counts whole, % as printed."""
    if value is None:
        return "–"
    sign = "+" if signed else ""
    if unit == "count":
        return f"{value:{sign},.0f}"
    if unit == "%":
        return f"{value:{sign},f}"
    return f"{value:{sign},.2f}"


def unit_label(unit: str | None) -> str:
    """Money is stored in 元 whatever the printed unit; say which unit the figures were printed in."""
    if unit in (None, "元"):
        return "元"
    if unit == "万元":
        return "元 (printed in 万元)"
    return unit


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, as Python's __pycache__ is of modules: a process loads the
    templates' code (~5 ms) rather than compiling them again (~60 ms CPU). Keyed by the template's
    source and the Python version, in a private folder of the temp dir. A cache it cannot write (a
    full disk) costs the compilation, never the report."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    try:
        return _TemplateCache()
    except (OSError, RuntimeError):  # a temp dir another user owns, or none writable
        return None


@cache
def _environment() -> Environment:
    """One per process: its templates are compiled once, however many reports are written, and
    taken from the bytecode cache by the next process."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["checks_open"] = SHOWN_PER_RULE
    env.filters["num"] = format_number
    env.filters["unit_label"] = unit_label
    return env


def source_file(
    doc: DocumentQuality, warehouse: Path, hashes: SourceHashes | None = None
) -> tuple[Path | None, str | None]:
    """The source file as ingested (same bytes), or why it cannot be shown.

    With `hashes` a file whose stat is unchanged is not read again: latest.html shows every current
    document, and hashing all their files each batch would cost as much as the warehouse holds.
    """
    raw = Path(doc.source_path)
    candidates = [raw] if raw.is_absolute() else [Path.cwd() / raw, PROJECT_DIR / raw, warehouse.parent / raw]
    for path in candidates:
        if path.is_file():
            sha, error = (file_sha256(path), None) if hashes is None else hashes.sha256(path)
            if error is not None:
                return None, f"{path} cannot be read: {error}"
            if sha == doc.source_sha256:
                return path, None
            return None, f"{path} has changed since it was ingested"
    return None, f"source file {doc.source_path} not found"


def attach_evidence(
    doc: DocumentQuality,
    facts: DocumentFacts,
    renderer: PageRenderer,
    source: Path | None,
    why_not: str | None,
    max_pictures: int = MAX_PICTURES_PER_DOCUMENT,
) -> int:
    """Give every failing check its printed row and line, and the checks shown open (the first
    SHOWN_PER_RULE of each rule) their picture of the page: a folded-away check is not drawn."""
    pictures = 0
    # text checks already shown (table, page, phrase) → what a later check of the same says
    phrases: dict[tuple[str | None, int | None, str | None], str] = {}
    for group in doc.groups:
        for shown, check in enumerate(group.failures):
            cells = facts.row(check)
            check.row_cells = cells
            cell = facts.cell(cells, check.measure)
            check.column_header = cell.column_header if cell else None
            line_no = check.line_no or next((c.line_no for c in cells if c.line_no), None)
            if line_no is not None:
                check.printed_line = facts.lines.get(line_no)
                check.line_no = line_no
            if check.page is not None and check.row_key and not cells:
                check.snippet = facts.snippet(check.page, check.row_key)
            if doc.file_format != "pdf":
                continue
            if check.page is None:
                check.page = next((c.page for c in cells if c.page), None)
            band = _band(check, cells, cell, facts)
            phrase = (check.table_code, check.page, check.row_key)
            if shown >= SHOWN_PER_RULE:
                check.picture_note = f"no picture for the checks folded away: see page {check.page or '–'}"
            elif source is None:
                check.picture_note = why_not
            elif band is None and phrase in phrases:
                check.picture_note = phrases[phrase]
            elif pictures >= max_pictures:
                check.picture_note = f"picture limit reached ({max_pictures} per document)"
            elif band is None:
                pictures += _text_picture(check, renderer, source, doc.source_sha256)
                phrases[phrase] = (
                    f"“{check.row_key}” on page {check.page}: see the picture above"
                    if check.picture
                    else check.picture_note or ""
                )
            else:
                assert check.page is not None  # _band needs one
                try:
                    check.picture = data_uri(renderer.crop(source, check.page, band, doc.source_sha256))
                    pictures += 1
                except (pdfium.PdfiumError, OSError, IndexError, ValueError) as exc:
                    check.picture_note = f"page {check.page} could not be rendered: {exc}"
    return pictures


def _text_picture(check: Check, renderer: PageRenderer, source: Path, sha256: str | None = None) -> int:
    """A check about a phrase on a page (text rules): the lines around it, or why there is no picture."""
    if check.page is None or not check.row_key:
        check.picture_note = _no_band_reason(check)
        return 0
    try:
        found = renderer.crop_text(source, check.page, check.row_key, sha256)
    except (pdfium.PdfiumError, OSError, IndexError, ValueError) as exc:
        check.picture_note = f"page {check.page} could not be rendered: {exc}"
        return 0
    if found is None:
        check.picture_note = f"“{check.row_key}” not found in the text layer of page {check.page}"
        return 0
    png, occurrences = found
    check.picture = data_uri(png)
    if occurrences > 1:
        check.picture_note = f"first of {occurrences} occurrences on page {check.page}"
    return 1


def _band(check: Check, cells: list[Fact], cell: Fact | None, facts: DocumentFacts) -> RowBand | None:
    """Where on its page the check's row is, and how far up its table starts."""
    if check.page is None or check.table_code is None:
        return None
    title = facts.titles.get(check.table_code)
    first_page = facts.first_page(check.table_code)
    table_top = facts.table_tops.get((check.table_code, check.page))
    spans = [
        (c.row_top, c.row_bottom)
        for c in cells
        if c.page == check.page and c.row_top is not None and c.row_bottom is not None
    ]
    if not spans:
        if table_top is None:
            return None
        return RowBand(table_top=table_top, title=title, first_page=first_page)
    row_top = min(t for t, _ in spans)
    on_page = cell is not None and cell.page == check.page
    return RowBand(
        table_top=min(table_top, row_top) if table_top is not None else row_top,
        row_top=row_top,
        row_bottom=max(b for _, b in spans),
        title=title,
        value_printed=cell.value_printed if cell is not None and on_page else None,
        column_header=cell.column_header if cell is not None and on_page else None,
        first_page=first_page,
    )


def _no_band_reason(check: Check) -> str:
    if check.page is None:
        return "no page recorded for this check"
    if check.table_code is None:
        return f"see page {check.page} (the check is not about one table)"
    return f"no row of {check.table_code} recorded on page {check.page}"


def gx_index(out_dir: Path) -> str | None:
    """The GX Data Docs index under out_dir/gx, as a link relative to the report."""
    root = out_dir / "gx"
    if not root.is_dir():
        return None
    found = sorted(root.rglob("index.html"), key=lambda p: (len(p.parts), str(p)))
    return found[0].relative_to(out_dir).as_posix() if found else None


def build_report(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    out_dir: Path,
    document_ids: list[str] | None = None,
    *,
    current_only: bool = True,
    max_pictures: int = MAX_PICTURES_PER_DOCUMENT,
    renderer: PageRenderer | None = None,
    built: dict[str, BuiltDocument] | None = None,
    hashes: SourceHashes | None = None,
) -> Report:
    """Gather the latest run of each document and the evidence for each failing check.

    `renderer`: shared by the reports of one build, which then draw each picture once (and, with
    its picture cache, take those an earlier build drew). `hashes`: see `source_file`.
    `built`: shared by those reports too: a document one of them has gathered (its checks, their
    evidence, its tables) is taken as it is by the next, which asks the warehouse only for the rest.
    """
    started = time.perf_counter()
    built = {} if built is None else built
    docs, failed = load_documents(con, document_ids, current_only=current_only)
    # the same document's latest run reads the same in every report of one build
    docs = [built[d.document_id].document if d.document_id in built else d for d in docs]
    templates = set_aside(con, "template", document_ids, current_only)
    new = [d for d in docs if d.document_id not in built]
    with nullcontext(renderer) if renderer is not None else PageRenderer() as renderer:
        opened, kept_before = renderer.opened, renderer.cached
        facts = document_facts(con, new)
        tables = table_readings(con, [d.document_id for d in new])
        for doc in new:
            pictures = 0
            if doc.groups:
                t0 = time.perf_counter()
                source, why_not = (
                    source_file(doc, warehouse, hashes) if doc.file_format == "pdf" else (None, None)
                )
                evidence = facts[doc.document_id]
                pictures = attach_evidence(doc, evidence, renderer, source, why_not, max_pictures)
                doc.render_seconds = time.perf_counter() - t0
            built[doc.document_id] = BuiltDocument(doc, pictures, tables.get(doc.document_id))
        renders, from_cache = renderer.opened - opened, renderer.cached - kept_before
    kept = [built[d.document_id] for d in docs]
    return Report(
        generated_at=datetime.now().astimezone().replace(microsecond=0),
        warehouse=str(warehouse),
        documents=docs,
        failed=failed,
        rules=rule_summary(docs),
        gx_index=gx_index(out_dir),
        pictures=sum(b.pictures for b in kept),
        page_renders=renders,
        pictures_kept=from_cache,
        render_seconds=time.perf_counter() - started,
        tables={b.document.document_id: b.tables for b in kept if b.tables is not None},
        templates=templates,
    )


def render_html(report: Report) -> str:
    return _environment().get_template("report.html.j2").render(report=report)


def write_report(
    warehouse: Path,
    out_dir: Path,
    document_ids: list[str] | None = None,
    *,
    current_only: bool = True,
    max_pictures: int = MAX_PICTURES_PER_DOCUMENT,
    run: list[RunEntry] | None = None,
    renderer: PageRenderer | None = None,
    hashes: SourceHashes | None = None,
) -> ReportFiles:
    """Write one report under out_dir and return its path.

    The whole warehouse (no `document_ids`, current versions) goes to quality-<time>.html and
    replaces latest.html, the morning read. A selection of documents, or an ingest run's own report
    (`run`: the run's files, what it added or changed), goes to quality-<time>.html or
    run-<time>.html beside it and leaves latest.html alone. An unknown id raises UnknownDocumentError.
    latest.html and a run's own report are written together by `write_reports`. `hashes`: as there.
    """
    wanted = _Wanted(document_ids, current_only, run)
    files = _write(warehouse, out_dir, [wanted], max_pictures=max_pictures, renderer=renderer, hashes=hashes)
    return files[0]


def write_reports(
    warehouse: Path, out_dir: Path, run: list[RunEntry] | None = None, *, hashes: SourceHashes | None = None
) -> tuple[ReportFiles, ReportFiles | None]:
    """latest.html (every current document) and, given `run`, the run's own report (the documents it
    added or changed), built together: one connection, each document gathered and each picture drawn
    once for both, and the GX Data Docs rendered (in GX's process) meanwhile.

    `hashes`: the source files' content hashes (sources.HashCache.for_warehouse), saved after; without
    it every shown document's file is read to check it is the one ingested."""
    wanted = [_Wanted(None, True, None)]
    if run is not None:
        loaded = [e.document_id for e in run if e.outcome in ("added", "changed")]
        wanted.append(_Wanted(list(dict.fromkeys(loaded)), True, run))
    files = _write(warehouse, out_dir, wanted, hashes=hashes)
    return files[0], (files[1] if run is not None else None)


@dataclass(frozen=True)
class _Wanted:
    """One report of a build: which documents, and the run it reports on (if any)."""

    document_ids: list[str] | None
    current_only: bool
    run: list[RunEntry] | None

    @property
    def whole(self) -> bool:
        """The whole warehouse: the report that replaces latest.html."""
        return self.document_ids is None and self.current_only and self.run is None


def _write(
    warehouse: Path,
    out_dir: Path,
    wanted: list[_Wanted],
    *,
    max_pictures: int = MAX_PICTURES_PER_DOCUMENT,
    renderer: PageRenderer | None = None,
    hashes: SourceHashes | None = None,
) -> list[ReportFiles]:
    """Build the reports on one connection and one renderer, then write them in order.

    Without a `renderer` the pictures are kept in out_dir's picture cache (picture_cache.py), so a
    batch draws only those of its new findings; a build of latest.html removes from it those no
    longer shown. The source files' hashes are taken from `hashes` when given.

    The Data Docs (GX's results, rendered once a batch with latest.html) are started first and
    awaited only before the HTML is rendered, so they are drawn while the reports are gathered; the
    link to them is then looked up once they exist.
    """
    from pipelines.load.warehouse import reader

    out_dir.mkdir(parents=True, exist_ok=True)
    with reader(warehouse) as con:
        for w in wanted:
            missing = unknown_documents(con, w.document_ids or [])
            if missing:
                raise UnknownDocumentError(f"no document {', '.join(missing)} in {warehouse}")
        docs_done = None
        if (out_dir / "gx").is_dir() and any(w.whole for w in wanted):
            from pipelines.validate.gx import build_data_docs_soon

            docs_done = build_data_docs_soon(out_dir / "gx")  # in GX's process, if it has one
        built: dict[str, BuiltDocument] = {}
        shared = renderer if renderer is not None else PageRenderer(cache=PictureCache.for_reports(out_dir))
        with nullcontext(shared) if renderer is not None else shared:
            reports = [
                build_report(
                    con,
                    warehouse,
                    out_dir,
                    w.document_ids,
                    current_only=w.current_only,
                    max_pictures=max_pictures,
                    renderer=shared,
                    built=built,
                    hashes=hashes,
                )
                for w in wanted
            ]
            if shared.cache is not None:
                shared.cache.save(prune=any(w.whole for w in wanted))
                shared.cache.close()
        if hashes is not None:
            hashes.save()
    if docs_done is not None:
        docs_done()
        for report in reports:
            report.gx_index = gx_index(out_dir)
    return [_save(report, out_dir, w) for report, w in zip(reports, wanted, strict=True)]


def _save(report: Report, out_dir: Path, wanted: _Wanted) -> ReportFiles:
    """Render one report to quality-<time>.html or run-<time>.html (and latest.html, for the whole)."""
    report.run = wanted.run
    html = render_html(report)
    stamp = report.generated_at.strftime("%Y%m%dT%H%M%S")
    prefix = "run" if wanted.run is not None else "quality"
    path = out_dir / f"{prefix}-{stamp}.html"
    n = 1
    while path.exists():
        n += 1
        path = out_dir / f"{prefix}-{stamp}-{n}.html"
    latest = out_dir / "latest.html"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    if wanted.whole:  # the same bytes: a second name for the file, not a second copy to encode and write
        tmp = latest.with_name(f".{latest.name}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(path, tmp)
        except OSError:  # a file system without hard links
            shutil.copyfile(path, tmp)
        os.replace(tmp, latest)
    log.info("quality report %s: %d documents, %d pictures", path, len(report.documents), report.pictures)
    return ReportFiles(path, latest, report)


def run_entries(warehouse: Path, files: dict[str, str]) -> list[RunEntry]:
    """Each file of a batch (document id → file name), by name, with what the run did to it."""
    from pipelines.load.warehouse import reader
    from pipelines.report.data import run_outcomes

    with reader(warehouse) as con:
        outcomes = run_outcomes(con, list(files))
    return [
        RunEntry(key, name, *outcomes.get(key, ("not loaded", "the run did not load it")))
        for key, name in sorted(files.items(), key=lambda kv: kv[1])
    ]
