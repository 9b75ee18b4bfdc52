"""The extract stage's value types: what it hands the stages above (grids, text, performance tables)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points, as pdfplumber gives them


@dataclass(frozen=True)
class RawRow:
    """One row of a table grid as the source printed it.

    `cells` keeps one string per grid column; "" is an empty cell. Header cells that a merged
    (spanning) cell covers repeat its text, so every column knows its full header path.
    """

    cells: tuple[str, ...]
    page: int | None = None  # 1-based page of a PDF; None for text formats
    line_no: int | None = None  # 1-based line of a text export; None for PDF
    bbox: BBox | None = None
    # for each column, the column of this row whose merged cell covers it (None: not merged/unknown)
    span_from: tuple[int | None, ...] | None = None
    # a row read by OCR: each cell's recognition confidence (its least sure character), else None
    confidence: tuple[float | None, ...] | None = None


@dataclass(frozen=True)
class OcrWord:
    """A text box read by OCR on a page image: its text, box (PDF points) and least sure character."""

    text: str
    bbox: BBox
    confidence: float


@dataclass(frozen=True)
class PrintedNumber:
    """A number as printed inside a table's region on a PDF page, with its box (coverage check)."""

    page: int
    bbox: BBox
    text: str


@dataclass
class RawTable:
    """A standard table found in a source file, stitched across pages, before any interpretation."""

    table_code: str  # canonical catalog id (D01 …)
    title: str  # the title line as printed
    unit: str  # 元 or 万元
    rows: list[RawRow]
    engine: str  # which extractor produced the grid: pdfplumber-lattice, words, camelot-lattice, text
    empty_note: str | None = None  # "本表无数据" style remark when the table is published empty
    pages: list[int] = field(default_factory=list)
    sheet: str | None = None  # the workbook sheet it was read from (XLSX/XLS); rows' line_no is its row
    # PDF only: the table's region on each page it spans, and every number printed inside them, so
    # the normaliser can check that each printed number lands in exactly one fact (coverage)
    regions: list[tuple[int, BBox]] = field(default_factory=list)
    printed: list[PrintedNumber] = field(default_factory=list)

    @property
    def first_page(self) -> int | None:
        return self.pages[0] if self.pages else None


@dataclass(frozen=True)
class TextBlock:
    """A run of the document's printed text with its place: a PDF page, or one line of a text export.

    The narrative (说明) is read from these, so a stated figure can point back to its page or line.
    """

    text: str
    page: int | None = None
    line_no: int | None = None


@dataclass
class DocumentMeta:
    """What the document says about itself (kind, year, region, department), read from its text only.

    A field the text does not settle stays None, and `notes` says why ("fiscal_year: …").
    """

    doc_kind: str | None = None  # budget | final_account | performance | other
    fiscal_year: int | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    department: str | None = None  # the full name as printed, without a (本级)/(汇总) marker
    scope: str | None = None  # 本级 | 汇总 (as printed) | 部门 | 单位 (部门预算 vs 单位预算)
    title: str | None = None
    admin_level: str | None = None  # 中央 | 省级 | 市级 | 县级: the tier of government publishing it
    notes: list[str] = field(default_factory=list)  # why a field is None (or doubtful)


@dataclass(frozen=True)
class Printed:
    """A labelled value as printed (项目名称 → 区政府办政府会议专项), with where it was read."""

    label: str
    value: str
    line_no: int | None = None
    page: int | None = None


@dataclass
class IndicatorRow:
    """One indicator row, cell by cell as printed ("" where the table has no such column)."""

    level1: str = ""
    level2: str = ""
    level3: str = ""
    operator: str = ""
    target: str = ""
    unit: str = ""
    actual: str = ""
    weight: str = ""
    score: str = ""
    deviation: str = ""
    coeff: str = ""
    is_core: str = ""
    note: str = ""
    row_printed: str = ""
    line_no: int | None = None
    page: int | None = None


@dataclass
class FundRow:
    """One line of the money block (年度总金额, 其中：财政拨款 …) as printed."""

    label: str
    initial: str = ""
    adjusted: str = ""
    executed: str = ""
    rate: str = ""
    weight: str = ""
    score: str = ""
    note: str = ""
    row_printed: str = ""
    line_no: int | None = None
    page: int | None = None


@dataclass
class PerformanceTable:
    """One printed performance table: its head fields, money block and indicator rows."""

    table_code: str
    title: str
    layout: str  # tsv | cells | spaced
    line_no: int | None = None
    page: int | None = None
    unit: str | None = None  # unit printed for the money (单位：万元, 资金总额（万元）); None: not printed
    fields: dict[str, Printed] = field(default_factory=dict)
    funds: list[FundRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    total_printed: str = ""  # the 合计 row's score (Sichuan tables print the total there)


@dataclass
class ExtractedDocument:
    """Everything the extract stage learned from one source file."""

    source_path: str
    source_sha256: str
    file_format: str
    page_count: int
    meta: DocumentMeta
    tables: list[RawTable]
    status: str = "ok"  # ok | partial | failed
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    texts: list[TextBlock] = field(default_factory=list)  # every page (PDF) or line (text), in order
    performance: list[PerformanceTable] = field(default_factory=list)  # 绩效目标/自评 tables, in print order
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR (no usable text layer)
    ocr_engine: str | None = None

    @property
    def document_id(self) -> str:
        return document_id_for(self.source_sha256)


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file's bytes: its identity everywhere (scan, staging, warehouse, report).
    Here, in a module of plain types, so the scan hashes without importing the extraction stage."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def document_id_for(sha256: str) -> str:
    """Stable id from content: the same bytes always get the same id."""
    return sha256[:16]
