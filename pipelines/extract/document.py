"""Extract stage entry point: one source file → `ExtractedDocument` (never raises for bad input)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipelines.errors import SourceFileError
from pipelines.extract.metadata import detect_metadata
from pipelines.extract.pdf import extract_pdf_tables, read_page_texts
from pipelines.extract.text import extract_text_tables
from pipelines.types import DocumentMeta, ExtractedDocument, RawTable, TextBlock

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in TEXT_SUFFIXES:
        return "md" if suffix in {".md", ".markdown"} else "txt"
    return suffix.lstrip(".") or "unknown"


def extract_document(path: Path) -> ExtractedDocument:
    """Read one file; a file that cannot be read comes back `failed` with the reason, never an exception."""
    sha = file_sha256(path)
    fmt = file_format(path)
    doc = ExtractedDocument(str(path), sha, fmt, 0, DocumentMeta(), [])
    try:
        if fmt == "pdf":
            pages = read_page_texts(path)
            doc.page_count = len(pages)
            tables, warnings = extract_pdf_tables(path, pages)
            head_lines = [ln for p in pages[:2] for ln in p.lines]
            doc.texts = [TextBlock("\n".join(p.lines), page=p.number) for p in pages]
        elif fmt in {"txt", "md"}:
            lines = _read_text(path)
            doc.page_count = 0
            tables, warnings = extract_text_tables(lines), []
            head_lines = lines[:60]
            doc.texts = [TextBlock(line, line_no=i) for i, line in enumerate(lines, start=1)]
        else:
            raise SourceFileError(
                "unsupported_format", f"'{path.suffix or path.name}' files are not read yet"
            )
    except SourceFileError as exc:
        doc.status, doc.error = "failed", str(exc)
        return doc
    doc.tables = tables
    doc.warnings.extend(warnings)
    doc.meta = detect_metadata(head_lines, [t.table_code for t in tables])
    doc.status, doc.error = _status(tables, doc.meta.doc_kind)
    return doc


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
    if not tables:
        what = {"budget": "budget tables are not in the catalog yet"}.get(
            kind or "", "no table title matched"
        )
        return "partial", f"no standard table recognised ({what})"
    unreadable = [t.table_code for t in tables if not t.rows and not t.empty_note]
    if unreadable:
        return "partial", f"tables found but not readable: {', '.join(unreadable)}"
    return "ok", None
