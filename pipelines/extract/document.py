"""Extract stage entry point: one source file → `ExtractedDocument` (never raises for bad input)."""

from __future__ import annotations

import logging
from pathlib import Path

from pipelines.budget import BudgetExceeded, exceeded
from pipelines.catalog import is_catalogued
from pipelines.errors import SourceFileError
from pipelines.extract.formats import OFFICE_FORMATS, PDF_SUFFIXES, TEXT_SUFFIXES
from pipelines.extract.formats import SUPPORTED_SUFFIXES as SUPPORTED_SUFFIXES  # re-exported
from pipelines.extract.metadata import detect_metadata, unread_metadata
from pipelines.extract.ocr import ENGINE as OCR_ENGINE
from pipelines.extract.ocr import OcrRun
from pipelines.extract.pdf import extract_pdf_tables, ocr_advice, read_page_texts
from pipelines.extract.pdfium_page import PdfiumPages
from pipelines.extract.performance import find_performance_tables, performance_pages
from pipelines.extract.template import template_reason
from pipelines.extract.text import extract_text_tables
from pipelines.extract.types import DocumentMeta, ExtractedDocument, RawTable, TextBlock, file_sha256

TOO_SLOW = "too_slow"  # the prefix of a warning for a page abandoned when its time ran out
log = logging.getLogger(__name__)


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in TEXT_SUFFIXES:
        return "md" if suffix in {".md", ".markdown"} else "txt"
    if suffix in OFFICE_FORMATS:
        return OFFICE_FORMATS[suffix]
    return suffix.lstrip(".") or "unknown"


def extract_document(path: Path) -> ExtractedDocument:
    """Read one file; a file that cannot be read comes back `failed` with the reason, never an exception."""
    sha = file_sha256(path)
    fmt = file_format(path)
    doc = ExtractedDocument(str(path), sha, fmt, 0, DocumentMeta(), [])
    garbled: dict[int, float] = {}
    ocr = OcrRun()
    page_texts: dict[int, str] = {}  # pdfplumber text of the performance pages
    try:
        if fmt == "pdf":
            with PdfiumPages() as loaded:  # pages loaded for their text are read for tables too
                pages = read_page_texts(path, garbled, ocr, keep=loaded)
                doc.page_count = len(pages)
                texts = [
                    TextBlock("\n".join(p.lines), page=p.number) for p in pages if p.number not in garbled
                ]
                # the performance reader's pages are parsed once, by the table reader
                tables, warnings = extract_pdf_tables(
                    path, pages, ocr, performance_pages(texts), page_texts, loaded
                )
            warnings = [*ocr.warnings, *warnings]
            doc.ocr_pages = sorted(p for p, read in ocr.pages.items() if read.chars)
            doc.ocr_engine = OCR_ENGINE if doc.ocr_pages else None
            tables = _without_pages(tables, set(garbled))
            head_lines = [ln for p in pages[:2] for ln in p.lines]
            doc.texts = texts
        elif fmt in {"txt", "md"}:
            lines = _read_text(path)
            doc.page_count = 0
            tables, warnings = extract_text_tables(lines), []
            head_lines = lines[:60]
            doc.texts = [TextBlock(line, line_no=i) for i, line in enumerate(lines, start=1)]
        elif fmt in {"docx", "xlsx", "xls"}:
            # imported here: loading Dagster definitions need not load python-docx, openpyxl and xlrd
            from pipelines.extract.docx import read_docx
            from pipelines.extract.xlsx import read_workbook

            office = read_docx(path) if fmt == "docx" else read_workbook(path)
            tables, warnings, head_lines, doc.texts = (
                office.tables,
                office.warnings,
                office.head_lines,
                office.texts,
            )
        else:
            raise SourceFileError(
                "unsupported_format", f"'{path.suffix or path.name}' files are not read yet"
            )
    except SourceFileError as exc:
        # the traceback goes to the log, the clear reason to the document: at error level when a
        # library failed under the reader (the cause), at warning level for a diagnosed file (empty, scan …)
        if exc.__cause__ is not None:
            log.exception("reading %s failed: %s", path, exc)
        else:
            log.warning("reading %s failed: %s", path, exc, exc_info=True)
        doc.status, doc.error = "failed", str(exc)
        doc.meta = unread_metadata(exc.reason)
        return doc
    except BudgetExceeded as exc:
        log.warning("reading %s stopped: %s", path, exc, exc_info=True)
        doc.status, doc.error = "failed", f"{TOO_SLOW}: {exc}"
        return doc
    except Exception as exc:  # a reader bug must not stop the run: record it against this file
        if (overrun := exceeded(exc)) is not None:
            doc.status, doc.error = "failed", f"{TOO_SLOW}: {overrun}"
            return doc
        log.exception("reading %s failed", path)
        doc.status, doc.error = "failed", f"internal_error: {type(exc).__name__}: {exc}"
        doc.meta = unread_metadata("internal_error")
        return doc
    doc.tables = tables
    doc.warnings.extend(warnings)
    doc.performance = find_performance_tables(doc, page_texts)
    body = [ln for block in doc.texts for ln in block.text.split("\n")]
    doc.meta = detect_metadata(head_lines, [t.table_code for t in tables], body)
    doc.status, doc.error = _status(tables, doc.meta.doc_kind)
    skipped = [w for w in warnings if w.startswith(TOO_SLOW)]
    if skipped:
        doc.status = "partial" if tables else "failed"
        doc.error = "; ".join(e for e in [*skipped, doc.error if tables else None] if e)
    if note := ocr.note():
        doc.warnings.insert(0, note)
    if garbled:
        unread = f"{_garbled_note(garbled)}; {ocr_advice(ocr, garbled)}"
        doc.warnings.insert(0, unread)
        doc.status = "failed" if doc.status == "failed" else "partial"
        doc.error = "; ".join(e for e in (unread, doc.error) if e)
    if template := template_reason(doc):
        doc.status, doc.error = "template", template
    return doc


def _without_pages(tables: list[RawTable], pages: set[int]) -> list[RawTable]:
    """Drop rows read from pages whose text layer is garbled: garbage must not become facts."""
    if not pages:
        return tables
    for table in tables:
        table.rows = [r for r in table.rows if r.page not in pages]
        table.pages = [p for p in table.pages if p not in pages]
    return tables


def _garbled_note(garbled: dict[int, float]) -> str:
    listed = ", ".join(f"{page} ({share:.0%})" for page, share in sorted(garbled.items()))
    return f"garbled_text: pages with an unreadable text layer were not read: {listed}"


def _read_text(path: Path) -> list[str]:
    data = path.read_bytes()
    if not data.strip():
        raise SourceFileError("empty", "the file is empty")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    raise SourceFileError("not_text", "the file is neither UTF-8 nor GB18030 text")


def _status(tables: list[RawTable], kind: str | None) -> tuple[str, str | None]:
    if not any(is_catalogued(t.table_code) for t in tables):
        what = {
            "budget": "no budget table title matched; the tables may be published separately",
            "performance": "a performance evaluation (绩效评价/自评) report, not a budget or final account",
        }.get(kind or "", "no table title matched")
        return "partial", f"no standard table recognised ({what})"
    # an uncatalogued table is loaded for the record; only a standard table that cannot be read
    # makes the document partial
    unreadable = [
        t.table_code for t in tables if not t.rows and not t.empty_note and is_catalogued(t.table_code)
    ]
    if unreadable:
        return "partial", f"tables found but not readable: {', '.join(unreadable)}"
    return "ok", None
