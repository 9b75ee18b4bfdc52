"""The data-quality report the review team reads every morning: an index and a page per document.

It shows the latest validation run of each document: a summary (documents, status, rules run,
failures by rule), then per document every failing check with expected / actual / difference, the
page, and a crop of the printed table with the offending row highlighted (text exports show the
printed line and row instead). Pictures are PNG data URIs and the CSS is inline, so every file opens
anywhere without a request. Every string that comes from a document goes through Jinja2 autoescape.

The whole warehouse is `latest.html`, an index, and `documents/<id>.html`, one page per current
document with its findings. The index is a summary of bounded size: the counts, failures by rule
(summed from `dq_rule_count`, a row per run and rule, not from every check), the documents that failed
to load and the templates, and at most INDEX_LISTED documents (errors first) and the INDEX_RECENT most
recently validated, with a line saying how many more there are and where (`v_document_quality`, the
pages). A batch rewrites the index and only the pages whose document's latest validation changed, or
that are missing or were built by other report code (documents/.manifest.json says what each page was
built from). A run's own report and a report of chosen documents are one self-contained file with
their documents in full.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
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
from pipelines.report import picture_cache
from pipelines.report.coverage import TableReading, table_readings
from pipelines.report.crops import PageRenderer, RowBand, data_uri
from pipelines.report.data import (
    Check,
    DocumentFacts,
    DocumentQuality,
    Fact,
    FailedDocument,
    IndexSummary,
    RuleSummary,
    count_failing_rules,
    current_rules,
    document_facts,
    index_summary,
    listed_documents,
    load_documents,
    page_states,
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
PAGES = "documents"  # the current documents' pages, in this folder beside latest.html
MANIFEST = ".manifest.json"  # in PAGES: document id → what its page was built from
INDEX_LISTED = 200  # documents latest.html lists in the report's order (errors first); the rest are counted
INDEX_RECENT = 50  # and, when there are more than INDEX_LISTED, the most recently validated
_PAGE_NAME = re.compile(r"[0-9A-Za-z_-]{1,64}")


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
    pages_written: int = 0  # the index: document pages this build wrote (the rest were current)
    pages_removed: int = 0  # the index: pages of documents no longer current, removed
    # the index: the counts over every current document, of which `documents` lists the first (errors
    # first) and `recent` the most recently validated (when not all are listed)
    summary: IndexSummary | None = None
    recent: list[DocumentQuality] = field(default_factory=list)

    @property
    def run_ids(self) -> list[str]:
        """The validation runs of the documents (the index: the first few, see `run_count`)."""
        if self.summary is not None:
            return self.summary.first_runs
        return sorted({d.run_id for d in self.documents if d.run_id})

    @property
    def run_count(self) -> int:
        return self.summary.runs if self.summary is not None else len(self.run_ids)

    def count(self, status: str) -> int:
        if self.summary is not None:
            return self.summary.by_status.get(status, 0)
        return sum(1 for d in self.documents if d.status == status)

    @property
    def failed_checks(self) -> int:
        if self.summary is not None:
            return self.summary.failed_checks
        return sum(d.failed_errors + d.failed_warnings for d in self.documents)

    @property
    def documents_total(self) -> int:
        """The loaded documents the report covers (the index: every current one, listed or not)."""
        return self.summary.documents if self.summary is not None else len(self.documents)

    @property
    def unlisted(self) -> int:
        """Documents counted but not listed (the index of a warehouse of more than INDEX_LISTED)."""
        return self.documents_total - len({d.document_id for d in (*self.documents, *self.recent)})

    @property
    def document_lists(self) -> list[tuple[str, list[DocumentQuality]]]:
        """The tables of documents the summary shows, each with its caption (none when there is one)."""
        if self.recent:
            return [
                (f"待复核 · The first {len(self.documents)} documents, errors first", self.documents),
                (f"最近校验 · The {len(self.recent)} most recently validated", self.recent),
            ]
        return [("", self.documents)] if self.documents else []


@dataclass(frozen=True)
class ReportFiles:
    path: Path  # quality-<timestamp>.html (the whole warehouse: a dated copy of the index) or run-<…>.html
    latest: Path  # latest.html, the same content
    report: Report = field(repr=False)
    pages: Path | None = None  # the whole warehouse: the folder of the documents' pages


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
    none = document_ids == []  # the whole warehouse's build when no page is stale
    docs, failed = ([], []) if none else load_documents(con, document_ids, current_only=current_only)
    # the same document's latest run reads the same in every report of one build
    docs = [built[d.document_id].document if d.document_id in built else d for d in docs]
    templates = [] if none else set_aside(con, "template", document_ids, current_only)
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


def build_index(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    out_dir: Path,
    listed: int | None = None,
    recent: int | None = None,
) -> Report:
    """The index of the whole warehouse: the counts over every current document, failures by rule
    (`current_rules`), and at most `listed` documents in the report's order plus, when there are more,
    the `recent` most recently validated (INDEX_LISTED, INDEX_RECENT); no check is read and no picture
    drawn."""
    started = time.perf_counter()
    listed = INDEX_LISTED if listed is None else listed
    recent = INDEX_RECENT if recent is None else recent
    summary = index_summary(con)
    docs, latest = listed_documents(con, listed, recent if summary.documents > listed else 0)
    count_failing_rules(con, [*docs, *latest])
    return Report(
        generated_at=datetime.now().astimezone().replace(microsecond=0),
        warehouse=str(warehouse),
        documents=docs,
        failed=set_aside(con, "failed", None, True),
        rules=current_rules(con, summary),
        gx_index=gx_index(out_dir),
        render_seconds=time.perf_counter() - started,
        templates=set_aside(con, "template", None, True),
        summary=summary,
        recent=latest,
    )


def render_html(report: Report) -> str:
    """A self-contained report: the summary, then each of its documents in full."""
    return _environment().get_template("report.html.j2").render(report=report, page_link=_anchor)


def render_index(report: Report) -> str:
    """latest.html and its dated copy: the summary, each document linked to its current page."""
    return _environment().get_template("index.html.j2").render(report=report, page_link=_page_link)


def render_page(report: Report, doc: DocumentQuality) -> str:
    """One document's page: its section of the report, linked back to latest.html."""
    return _environment().get_template("document.html.j2").render(report=report, d=doc)


def _anchor(document_id: str) -> str:
    return f"#doc-{document_id}"


def _page_link(document_id: str) -> str:
    return f"{PAGES}/{page_name(document_id)}"


def page_name(document_id: str) -> str:
    """The file name of a document's page (its id, which is a hash; any other id is hashed)."""
    if _PAGE_NAME.fullmatch(document_id):
        return f"{document_id}.html"
    return f"{hashlib.sha256(document_id.encode('utf-8')).hexdigest()[:32]}.html"


def page_version() -> str:
    """What else decides a page's bytes: the report code (this module, data.py, coverage.py), its
    templates and the pictures' drawing (picture_cache.drawing_version). A change of any rebuilds
    every page with the next batch."""
    return hashlib.sha256(f"{_code_version()} {picture_cache.drawing_version()}".encode()).hexdigest()[:32]


@cache
def _code_version() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([here / "html.py", here / "data.py", here / "coverage.py", *TEMPLATES.glob("*.j2")]):
        digest.update(f"\0{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()


class PageManifest:
    """documents/.manifest.json: each page's document id → its document's state (`data.page_states`)
    and the `page_version` that built it. A page whose entry differs, or that is missing, is built
    again. A manifest that cannot be read costs building every page once, never the report."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / MANIFEST
        self.pages: dict[str, str] = {}
        with suppress(OSError, ValueError, TypeError, AttributeError):
            pages = json.loads(self.file.read_text("utf-8")).get("pages", {})
            self.pages = {str(k): str(v) for k, v in pages.items()}
        self.read = dict(self.pages)  # as read: saved again only when it changed
        self.names: dict[str, str] = {}  # document id → its page's file name, of the last `stale`

    @staticmethod
    def entry(state: str, version: str) -> str:
        return f"{state} {version}"

    def stale(self, states: dict[str, tuple[str, str]], *, rebuild: bool = False) -> list[str]:
        """The documents (of id → (state, source hash)) whose page must be (re)written: changed,
        missing, or built by other code."""
        present = _names(self.folder)
        version = page_version()
        self.names = {doc_id: page_name(doc_id) for doc_id in states}
        return [
            doc_id
            for doc_id, (state, _) in states.items()
            if rebuild
            or self.names[doc_id] not in present
            or self.pages.get(doc_id) != self.entry(state, version)
        ]

    def save(self) -> None:
        if self.pages != self.read or not self.file.exists():
            # compact: json's C encoder (an indented dump is written by its Python one, 10× slower)
            text = json.dumps({"pages": self.pages}, sort_keys=True, separators=(",", ":"))
            _write_atomically(self.file, text)
            self.read = dict(self.pages)


def _names(folder: Path) -> set[str]:
    """The file names in a folder (one directory read, not a stat per document)."""
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries}
    except OSError:
        return set()


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary name, then rename: a reader sees the old file or the new, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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
    rebuild: bool = False,
) -> ReportFiles:
    """Write one report under out_dir and return its path.

    The whole warehouse (no `document_ids`, current versions) replaces latest.html, the index, with
    its dated copy quality-<time>.html, and brings the documents' pages up to date (see the module;
    `rebuild`: every page written again). A selection of documents, or an ingest run's own report
    (`run`: the run's files, what it added or changed), goes to one self-contained quality-<time>.html
    or run-<time>.html beside it and leaves latest.html and the pages alone. An unknown id raises
    UnknownDocumentError. latest.html and a run's own report are written together by `write_reports`.
    `hashes`: as there.
    """
    wanted = _Wanted(document_ids, current_only, run)
    files = _write(
        warehouse, out_dir, [wanted], max_pictures=max_pictures, renderer=renderer, hashes=hashes,
        rebuild=rebuild,
    )  # fmt: skip
    return files[0]


def write_reports(
    warehouse: Path, out_dir: Path, run: list[RunEntry] | None = None, *, hashes: SourceHashes | None = None
) -> tuple[ReportFiles, ReportFiles | None]:
    """latest.html (the index of the current documents, and the pages of those whose validation
    changed) and, given `run`, the run's own report (the documents it added or changed), built
    together: one connection, each document gathered and each picture drawn once for both, and the
    GX Data Docs rendered (in GX's process) meanwhile.

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
        """The whole warehouse: the index latest.html and the documents' pages."""
        return self.document_ids is None and self.current_only and self.run is None


@dataclass
class _Whole:
    """The whole warehouse's build: the index, and the pages to write (their documents in full)."""

    index: Report
    manifest: PageManifest
    states: dict[str, tuple[str, str]]  # every current document's id → (page state, source hash)
    stale: list[str]  # the ids of those whose page is written


def _write(
    warehouse: Path,
    out_dir: Path,
    wanted: list[_Wanted],
    *,
    max_pictures: int = MAX_PICTURES_PER_DOCUMENT,
    renderer: PageRenderer | None = None,
    hashes: SourceHashes | None = None,
    rebuild: bool = False,
) -> list[ReportFiles]:
    """Build the reports on one connection and one renderer, then write them in order.

    The whole warehouse is gathered as an index (build_index) and, in full, only the documents whose
    page is stale (PageManifest). Without a `renderer` the pictures are kept in out_dir's picture
    cache (picture_cache.py), so a batch draws only those of its new findings; a build of the whole
    warehouse removes from it those no current page shows. The source files' hashes are taken from
    `hashes` when given.

    The Data Docs (GX's results, rendered once a batch with latest.html) are started first and
    awaited only before the HTML is rendered, so they are drawn while the reports are gathered; the
    link to them is then looked up once they exist.
    """
    from pipelines.load.warehouse import reader

    out_dir.mkdir(parents=True, exist_ok=True)
    whole: _Whole | None = None
    with reader(warehouse) as con:
        for w in wanted:
            missing = unknown_documents(con, w.document_ids or [])
            if missing:
                raise UnknownDocumentError(f"no document {', '.join(missing)} in {warehouse}")
        docs_done = None
        if (out_dir / "gx").is_dir() and any(w.whole for w in wanted):
            from pipelines.validate.gx import build_data_docs_soon

            docs_done = build_data_docs_soon(out_dir / "gx")  # in GX's process, if it has one
        if any(w.whole for w in wanted):
            index = build_index(con, warehouse, out_dir)
            manifest = PageManifest(out_dir / PAGES)
            states = page_states(con)
            whole = _Whole(index, manifest, states, manifest.stale(states, rebuild=rebuild))
        built: dict[str, BuiltDocument] = {}
        shared = renderer if renderer is not None else PageRenderer(cache=PictureCache.for_reports(out_dir))
        with nullcontext(shared) if renderer is not None else shared:
            reports = [
                build_report(
                    con,
                    warehouse,
                    out_dir,
                    whole.stale if w.whole and whole is not None else w.document_ids,
                    current_only=w.current_only,
                    max_pictures=max_pictures,
                    renderer=shared,
                    built=built,
                    hashes=hashes,
                )
                for w in wanted
            ]
            if shared.cache is not None:
                if whole is not None:  # the pictures of the pages kept as they are stay in the cache
                    stale = set(whole.stale)
                    kept = {sha for doc_id, (_, sha) in whole.states.items() if doc_id not in stale}
                    shared.cache.save(prune=True, keep_sources=kept)
                else:
                    shared.cache.save()
                shared.cache.close()
        if hashes is not None:
            hashes.save()
    if docs_done is not None:
        docs_done()
        for report in reports:
            report.gx_index = gx_index(out_dir)
        if whole is not None:
            whole.index.gx_index = gx_index(out_dir)
    return [
        _save_whole(whole, report, out_dir) if w.whole and whole is not None else _save(report, out_dir, w)
        for report, w in zip(reports, wanted, strict=True)
    ]


def _dated(out_dir: Path, prefix: str, generated_at: datetime) -> Path:
    """quality-<time>.html or run-<time>.html, numbered when one of that second exists."""
    stamp = generated_at.strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"{prefix}-{stamp}.html"
    n = 1
    while path.exists():
        n += 1
        path = out_dir / f"{prefix}-{stamp}-{n}.html"
    return path


def _save(report: Report, out_dir: Path, wanted: _Wanted) -> ReportFiles:
    """Render one self-contained report to quality-<time>.html or run-<time>.html."""
    report.run = wanted.run
    path = _dated(out_dir, "run" if wanted.run is not None else "quality", report.generated_at)
    _write_atomically(path, render_html(report))
    log.info("quality report %s: %d documents, %d pictures", path, len(report.documents), report.pictures)
    return ReportFiles(path, out_dir / "latest.html", report)


def _save_whole(whole: _Whole, pages: Report, out_dir: Path) -> ReportFiles:
    """Write the stale documents' pages, remove those of documents no longer current, then the index:
    latest.html and its dated copy quality-<time>.html (the same bytes, a second name for them)."""
    folder = whole.manifest.folder
    folder.mkdir(parents=True, exist_ok=True)
    index = whole.index
    current = whole.states
    version = page_version()
    for doc in pages.documents:
        _write_atomically(folder / page_name(doc.document_id), render_page(pages, doc))
        whole.manifest.pages[doc.document_id] = PageManifest.entry(current[doc.document_id][0], version)
    names = {whole.manifest.names.get(i) or page_name(i) for i in current}
    gone = [n for n in _names(folder) if n.endswith((".html", ".tmp")) and n not in names]
    for name in gone:
        with suppress(OSError):  # removed meanwhile: the next build tries again
            (folder / name).unlink()
    whole.manifest.pages = {k: v for k, v in whole.manifest.pages.items() if k in current}
    whole.manifest.save()
    index.pages_written, index.pages_removed = len(pages.documents), sum(n.endswith(".html") for n in gone)
    index.pictures, index.page_renders = pages.pictures, pages.page_renders
    index.pictures_kept = pages.pictures_kept
    index.render_seconds += pages.render_seconds
    path = _dated(out_dir, "quality", index.generated_at)
    _write_atomically(path, render_index(index))
    latest = out_dir / "latest.html"
    tmp = latest.with_name(f".{latest.name}.tmp")  # the same bytes: a second name, not a second copy
    tmp.unlink(missing_ok=True)
    try:
        os.link(path, tmp)
    except OSError:  # a file system without hard links
        shutil.copyfile(path, tmp)
    os.replace(tmp, latest)
    log.info(
        "quality report %s: %d documents, %d pages written, %d removed, %d pictures",
        latest, index.documents_total, index.pages_written, index.pages_removed, index.pictures,
    )  # fmt: skip
    return ReportFiles(path, latest, index, folder)


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
