"""Read a PDF: reject what is not a readable disclosure, find the table pages, stitch tables.

Page text comes from pdfium (fast) for every page, so narrative pages never reach the table
finder; pdfplumber opens only the pages that carry a table title or continue a table.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from pipelines import budget
from pipelines.catalog import FORM_TABLES, canonical_title, normalise_text, titles_in
from pipelines.errors import SourceFileError
from pipelines.extract import ocr as ocr_mod
from pipelines.extract import plumber_text
from pipelines.extract.camelot import camelot_grid
from pipelines.extract.garble import (
    MIN_CJK_SHARE,
    MIN_PAGE_CHARS,
    Garble,
    measure_text,
    unicode_map_errors,
    unreadable_advice,
)
from pipelines.extract.metadata import detect_metadata
from pipelines.extract.pdfium_page import (
    PdfiumPages,
    Walked,
    image_objects,
    text_left_out,
    unembedded_cjk_text,
)
from pipelines.extract.plumber import Bands, opened, ruled_grids, word_grid
from pipelines.extract.regions import grid_region, note_region
from pipelines.extract.signature import settle_codes
from pipelines.extract.types import BBox, RawRow, RawTable
from pipelines.vocab.grid import header_row_count, is_data_row
from pipelines.vocab.numbers import unit_from_text

_NOTE = re.compile(r"^(注[:：]|说明[:：]|备注[:：]|注\d)")
_EMPTY_NOTE = re.compile(r"无数据|故本表(为)?空|本表无|没有.{0,30}(收入|支出|经费)")
MIN_TEXT_CHARS = 20  # fewer than this in the whole file: no usable text layer (a scan)
SCAN_IMAGE_SHARE = 0.5  # a page with fewer than MIN_PAGE_CHARS and an image this large is a scan
# a page with fewer characters may be a scan (`_read_scans`) or a page of a file without text
_SCAN_CHARS = max(MIN_PAGE_CHARS, MIN_TEXT_CHARS)


@dataclass
class PageText:
    """A page's text from pdfium. Its images are looked for only on a page printing next to no text
    (`_SCAN_CHARS`), the only pages whose images decide anything (a scan, a file without text):
    walking every object of a ruled table page for its images costs about as much as its text."""

    number: int
    lines: list[str]
    has_images: bool = False
    image_share: float = 0.0  # the share of the page its largest image covers (a scan: nearly all)
    left_out: bool = False  # pdfium's text left out some text of a CJK font not embedded: pdfminer's

    @property
    def chars(self) -> int:
        return sum(len(ln.strip()) for ln in self.lines)

    def title_codes(self, doc_kind: str | None = None) -> list[str]:
        """Titles on the page, catalogued or not. pdfium sometimes runs a title into the unit line
        and the header ("收入总表(预算表2) 预算单位：… 单位：万元 …"), so the first words of each
        line are tried on their own as well."""
        lines = [ln for ln in self.lines if ln.strip()]
        heads = [" ".join(ln.split()[:k]) for ln in lines if len(ln) > 40 for k in (1, 2, 3)]
        return [code for _, _, code in titles_in(lines + heads, doc_kind, generic=True)]


@dataclass
class _OpenTable:
    table: RawTable
    header: list[tuple[str, ...]] = field(default_factory=list)
    bands: Bands = field(default_factory=list)  # column x-ranges of an unruled table


def read_page_texts(
    path: Path,
    garbled: dict[int, float] | None = None,
    ocr: ocr_mod.OcrRun | None = None,
    keep: PdfiumPages | None = None,
) -> list[PageText]:
    """Open the file with pdfium and return each page's text; raise SourceFileError when unreadable.

    A page whose text layer is garbled (garble.py) comes back without lines, so no title, table or
    narrative is read from it, and its share of unreadable characters goes into `garbled`. When
    garbled pages outnumber readable ones the whole file is `garbled_text`. With `ocr` (and OCR
    not switched off), a scanned page — a large image and no text — is read by OCR instead
    (ocr.py) and the run keeps what it read for the table reader. With `keep`, the document stays
    open in it, and the loaded pages it has room for, for the table pass (`extract_pdf_tables`).
    """
    data = path.read_bytes()
    if not data:
        raise SourceFileError("empty", "the file is empty (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise SourceFileError("not_a_pdf", "the file does not start with a PDF header")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise SourceFileError("encrypted", "the PDF is encrypted and needs a password") from exc
        raise SourceFileError("corrupt", f"pdfium cannot open the PDF ({exc}); it may be truncated") from exc
    pages: list[PageText] = []
    scores: list[Garble] = []
    limits = budget.current().limits
    if len(doc) > limits.max_pages:
        n_pages = len(doc)
        doc.close()
        raise SourceFileError(
            "too_large", f"{n_pages} pages, more than the limit of {limits.max_pages} (YUJUESUAN_MAX_PAGES)"
        )
    if keep is not None:
        keep.adopt(doc)
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            scores.append(measure_text(text, unicode_map_errors(textpage)))
            read = PageText(i + 1, text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
            walked = None  # the walk `text_left_out` makes, which the table pass takes up (`hold`)
            if unembedded_cjk_text(textpage):
                walked = Walked.of(page, textpage)
                read.left_out = text_left_out(page, textpage, walked)
            if read.chars < _SCAN_CHARS:
                images = _page_images(page)
                read.has_images, read.image_share = bool(images), _image_share(images, page.get_size())
            pages.append(read)
            if keep is None or not keep.hold(i, page, textpage, walked):
                textpage.close()
                page.close()
        if ocr is not None and ocr_mod.enabled():
            _read_scans(doc, pages, ocr, _unreadable_pages(pages, scores))
    except pdfium.PdfiumError as exc:
        raise SourceFileError("corrupt", f"page {len(pages) + 1} cannot be read ({exc})") from exc
    finally:
        if keep is None:
            doc.close()
    if not pages:
        raise SourceFileError("corrupt", "the PDF has no pages")
    if any(p.left_out for p in pages):
        _read_left_out(path, pages, keep)
    if sum(p.chars for p in pages) < MIN_TEXT_CHARS:
        if ocr is not None and ocr.pages:
            raise SourceFileError("scanned", "the PDF is a scan and OCR read no text from its pages")
        if any(p.has_images for p in pages):
            advice = "OCR is switched off (YUJUESUAN_OCR)" if ocr is not None else "OCR it first"
            if ocr is not None and ocr_mod.enabled():
                advice = "its images are too small to be page scans; nothing was read by OCR"
                if ocr.unavailable:
                    advice = "OCR is not available (the recogniser rapidocr-onnxruntime cannot be loaded)"
            raise SourceFileError("scanned", f"the PDF has page images but no text layer (a scan); {advice}")
        raise SourceFileError("no_text", "the PDF has no text")
    if ocr is not None and ocr.pages:  # a garbled page read by OCR is judged by what OCR read
        scores = [Garble() if p.number in ocr.pages else g for p, g in zip(pages, scores, strict=True)]
    bad = {p.number: g.score for p, g in zip(pages, scores, strict=True) if g.is_garbled}
    if bad:
        readable = [g for g in scores if g.chars >= MIN_PAGE_CHARS and not g.is_garbled]
        if len(bad) > len(readable):
            worst = max(bad, key=lambda n: bad[n])
            raise SourceFileError(
                "garbled_text",
                f"the text layer is unreadable on {len(bad)} of {len(pages)} pages (page {worst}: "
                f"{bad[worst]:.0%} of its text is unmapped, private-use, mojibake or rare characters): "
                f"the fonts lack a usable ToUnicode map; {ocr_advice(ocr, bad)}",
            )
    whole = sum(scores, Garble())
    if whole.not_chinese:
        raise SourceFileError(
            "garbled_text",
            f"only {whole.cjk_share:.0%} of the {whole.letters} letters in the text layer are Chinese: "
            f"the fonts lack a usable ToUnicode map; {ocr_advice(ocr, _unreadable_pages(pages, scores))}",
        )
    if bad:
        for p in pages:
            if p.number in bad:
                p.lines = []
        if garbled is not None:
            garbled.update(bad)
    return pages


def _read_left_out(path: Path, pages: list[PageText], keep: PdfiumPages | None = None) -> None:
    """The text of the pages whose pdfium text left out text printed in a CJK font the PDF does not
    embed, read by pdfminer instead. pdfium draws such a font with a CJK font of the system's, and its
    text page leaves out a text object none of whose glyphs it has (a lone '≥' or '次' in a table
    cell, with no CJK font installed); pdfminer reads the character codes and needs no glyphs.
    `keep`: where the objects pdfminer read are kept for the table pass (pdfium's are of no use)."""
    with opened(path) as pdf:
        for p in pages:
            if p.left_out:
                page = pdf.pages[p.number - 1]
                try:
                    p.lines = plumber_text.page_text(page).split("\n")
                    if keep is not None:
                        keep.drop(p.number - 1)
                        keep.keep_mined(p.number - 1, page.objects)
                finally:
                    page.close()


def left_out_note(pages: list[PageText]) -> str | None:
    """The warning for the pages `_read_left_out` read."""
    numbers = [str(p.number) for p in pages if p.left_out]
    if not numbers:
        return None
    return (
        f"fonts: pdfium left out characters of a CJK font the PDF does not embed on page(s) "
        f"{', '.join(numbers)}, read by pdfminer instead (slower; a CJK font installed, e.g. "
        "fonts-wqy-microhei, gives pdfium the glyphs)"
    )


def _page_images(page: Any) -> list[Any]:
    """The page's top-level image objects. `get_objects()` wraps every object in Python, thousands
    of path pieces on a ruled table page: here only the images are wrapped."""
    return [pdfium.PdfObject(obj, page=page, pdf=page.pdf, level=0) for obj in image_objects(page)]


def _image_share(images: list[Any], size: tuple[float, float]) -> float:
    """The share of the page the largest image covers."""
    area = size[0] * size[1]
    best = 0.0
    for obj in images:
        try:
            left, bottom, right, top = obj.get_bounds()
        except pdfium.PdfiumError:
            continue
        best = max(best, abs(right - left) * abs(top - bottom))
    return min(1.0, best / area) if area > 0 else 0.0


def _unreadable_pages(pages: list[PageText], scores: list[Garble]) -> set[int]:
    """Pages whose text layer is garbled beyond repair (garble.py): every page with text when the
    whole layer is Latin junk where Chinese should be, else the garbled pages."""
    if sum(scores, Garble()).not_chinese:
        return {p.number for p, g in zip(pages, scores, strict=True) if g.letters}
    return {p.number for p, g in zip(pages, scores, strict=True) if g.is_garbled}


def ocr_advice(ocr: ocr_mod.OcrRun | None, pages: Collection[int]) -> str:
    """The advice for unreadable pages, from what OCR did (garble.unreadable_advice)."""
    if ocr is None:
        return unreadable_advice(pages, "not_asked")
    if not ocr_mod.enabled():
        return unreadable_advice(pages, "off")
    return unreadable_advice(pages, "unavailable" if ocr.unavailable else "on", ocr.tried)


def _read_scans(doc: Any, pages: list[PageText], ocr: ocr_mod.OcrRun, garbled: set[int]) -> None:
    """OCR the scanned pages (a large image, no text) and the garbled ones, each under the page
    time budget. Rendering is for these pages only: a page with a sound text layer is never drawn."""
    clock = budget.current()
    for p in pages:
        scan = p.chars < MIN_PAGE_CHARS and p.image_share >= SCAN_IMAGE_SHARE
        if not scan and p.number not in garbled:
            continue
        if not (ocr.tried or ocr_mod.available()):
            ocr.unavailable = True
            ocr.warnings.append(
                "ocr: not available (the recogniser cannot be loaded); no page was read by OCR"
            )
            return
        try:
            with clock.page(p.number, ocr_mod.page_factor()):
                read = ocr_mod.read_pdf_page(doc, p.number - 1)
        except budget.BudgetExceeded as exc:
            ocr.warnings.append(f"too_slow: {exc}; the page was not read (OCR)")
            if exc.scope == "file":
                break
            continue
        ocr.tried.add(p.number)
        if not scan and not _reads_as_chinese(read.lines()):
            ocr.warnings.append(f"ocr: page {p.number} looks garbled on the image too; it was not read")
            continue
        ocr.pages[p.number] = read
        p.lines = read.lines()


def _reads_as_chinese(lines: list[str]) -> bool:
    """OCR of a page whose text layer is garbled helps only when the page itself prints Chinese
    (a font without its glyphs draws junk, which OCR reads as junk)."""
    read = measure_text("\n".join(lines))
    return read.cjk >= MIN_PAGE_CHARS and read.cjk_share >= MIN_CJK_SHARE and not read.is_garbled


def extract_pdf_tables(
    path: Path,
    pages: list[PageText],
    ocr: ocr_mod.OcrRun | None = None,
    text_pages: Collection[int] = (),
    page_texts: dict[int, str] | None = None,
    loaded: PdfiumPages | None = None,
) -> tuple[list[RawTable], list[str]]:
    """Every catalogued table of the PDF, stitched across pages, plus warnings for the document.

    Parsing a page with pdfplumber is most of the cost of reading it, so the pages in `text_pages`
    (those the performance reader reads again) have their pdfplumber text put into `page_texts`
    while they are open here, instead of being parsed a second time. A page read by OCR is left out:
    its pdfplumber text is that of the file, not of the OCR objects read here. `loaded`: the file
    opened by the text pass (`read_page_texts(keep=…)`), whose loaded pages are read here.
    """
    warnings: list[str] = [note] if (note := left_out_note(pages)) else []
    wanted = set(text_pages) if page_texts is not None else set()
    tables: list[RawTable] = []
    open_table: _OpenTable | None = None
    # the document's kind settles a title a budget and a final account share
    kind = detect_metadata([ln for p in pages[:2] for ln in p.lines]).doc_kind
    clock = budget.current()
    with opened(path) as pdf, nullcontext(loaded) if loaded is not None else PdfiumPages(path) as fast:
        for text in pages:
            titled = bool(text.title_codes(kind))
            if not titled and open_table is None:
                if text.number in wanted and page_texts is not None:
                    page_texts[text.number] = _page_text(fast.parsed(pdf.pages[text.number - 1]))
                fast.drop(text.number - 1)
                continue  # narrative page: never sent to the table finder
            page = pdf.pages[text.number - 1]
            scan = ocr.pages.get(text.number) if ocr is not None else None
            if scan is not None:  # the page's objects are what OCR read on its image
                page._objects = scan.plumber_objects(text.number)
                fast.drop(text.number - 1)
            else:
                fast.parsed(page)
            try:
                with clock.page(text.number):
                    open_table = _read_page(path, page, open_table, tables, warnings, kind)
            except Exception as error:  # pdfplumber wraps what interrupts it in its own exception
                exc = budget.exceeded(error)
                if exc is None:
                    raise
                warnings.append(f"too_slow: {exc}; the page was not read")
                open_table = None
                if exc.scope == "file":
                    warnings.append(f"too_slow: pages after {text.number} were not read")
                    clock.spent()  # what was read is still loaded; the document is partial
                    break
            else:
                if text.number in wanted and scan is None and page_texts is not None:
                    page_texts[text.number] = plumber_text.page_text(page) or ""
            finally:
                page.close()  # pdfplumber keeps every parsed object of a page until it is closed
    settle_codes(tables, kind)
    if ocr is not None and ocr.pages:
        _mark_ocr(tables, ocr)
    return _join_repeated(tables), warnings


def _page_text(page: Any) -> str:
    """A page's pdfplumber text (the performance reader's lines), its parsed objects freed after."""
    try:
        return plumber_text.page_text(page) or ""
    finally:
        page.close()


def _mark_ocr(tables: list[RawTable], ocr: ocr_mod.OcrRun) -> None:
    """Rows read from OCR'd pages carry each cell's recognition confidence; their table's engine
    says it was read by OCR."""
    for table in tables:
        if not any(p in ocr.pages for p in table.pages):
            continue
        table.engine = ocr_mod.ENGINE_PREFIX + table.engine
        table.rows = [
            replace(r, confidence=ocr.pages[r.page].cell_confidence(r)) if r.page in ocr.pages else r
            for r in table.rows
        ]


def _cells_of(row: RawRow) -> tuple[str, ...]:
    return tuple(normalise_text(c) for c in row.cells)


def _join_repeated(tables: list[RawTable]) -> list[RawTable]:
    """One table whose title the template prints again on every page (烟台 公开表2, 湖州 表03).

    The table on the next page with the same code and title, whose header repeats the first
    page's (or that has none), continues it: its data rows are appended, its header dropped.
    Performance forms (one per project) are never joined.
    """
    out: list[RawTable] = []
    for table in tables:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.table_code == table.table_code
            and table.table_code not in FORM_TABLES
            and canonical_title(prev.title) == canonical_title(table.title)
            and prev.pages
            and table.pages
            and table.pages[0] == prev.pages[-1] + 1
        ):
            first = [_cells_of(r) for r in prev.rows[: header_row_count(prev.rows)]]
            repeated = 0
            while repeated < len(table.rows) and _cells_of(table.rows[repeated]) in first:
                repeated += 1
            if repeated or header_row_count(table.rows) == 0:
                _append_rows(prev, table.rows[repeated:])
                prev.pages.extend(p for p in table.pages if p not in prev.pages)
                prev.empty_note = prev.empty_note or table.empty_note
                continue
        out.append(table)
    return out


def _text_lines(page: Any) -> list[dict[str, Any]]:
    lines = plumber_text.text_lines(page)
    if lines is None:
        lines = page.extract_text_lines(return_chars=False)
    return [ln for ln in lines if ln["text"].strip()]


def _read_page(
    path: Path,
    page: Any,
    open_table: _OpenTable | None,
    tables: list[RawTable],
    warnings: list[str],
    kind: str | None = None,
) -> _OpenTable | None:
    lines = _text_lines(page)
    grids = ruled_grids(page)
    ruled = bool(grids)
    titles = [
        (_joined(lines[i : i + n]), code)
        for i, n, code in titles_in([ln["text"] for ln in lines], kind, generic=True)
        if not _inside_grid(lines[i], grids)
    ]
    notes = [ln for ln in lines if _NOTE.match(normalise_text(ln["text"]))]

    # a grid above the first title continues the table left open on the previous page
    first_title_top = titles[0][0]["top"] if titles else page.height
    if open_table is not None:
        head = [g for g in grids if g[0][3] <= first_title_top + 1]
        if not ruled and open_table.table.engine == "pdfplumber-words":
            region = (0, 0, page.width, _region_bottom(first_title_top, notes, page.height))
            rows, _ = (
                word_grid(page, region, open_table.bands) if not titles or first_title_top > 60 else ([], [])
            )
            head = [(region, rows)] if rows else []
        for bbox, rows in head:
            _continue(open_table, rows, page, bbox)
        if titles or _closed_by_note(notes, head, page):
            open_table = None

    for k, (line, code) in enumerate(titles):
        top = line["bottom"]
        bottom = titles[k + 1][0]["top"] if k + 1 < len(titles) else page.height
        region_lines = [ln for ln in lines if top <= ln["top"] < bottom]
        printed_unit = next(
            (u for ln in region_lines[:6] if (u := unit_from_text(ln["text"]))), None
        ) or _wrapped_unit([ln["text"] for ln in region_lines[:6]])
        # the grid under the title, or the one the title is printed in (its first cell)
        mine = [
            (bbox, [r for r in g if r.bbox is None or r.bbox[1] >= line["top"]])
            for bbox, g in grids
            if bbox[1] < bottom and bbox[3] > line["top"]
        ]
        if printed_unit is None and not mine:
            continue  # a title with neither unit line nor ruled grid: a table of contents entry
        # a table printing no unit line is in the unit of the document's other tables
        unit = printed_unit or (tables[-1].unit if tables else "元")
        engine = "pdfplumber-lattice"
        rows = [r for _, g in mine for r in g]
        bands: Bands = []
        if not ruled:
            region = (0, top, page.width, _region_bottom(top, notes, bottom))
            rows, bands = word_grid(page, region)
            engine = "pdfplumber-words"
        if not any(is_data_row(r.cells) for r in rows) and _has_numbers(region_lines):
            fallback = camelot_grid(path, page.page_number, ruled=ruled)
            if any(is_data_row(r.cells) for r in fallback):
                rows, engine = fallback, f"camelot-{'lattice' if ruled else 'stream'}"
                warnings.append(f"{code} page {page.page_number}: pdfplumber found no grid; camelot used")
        note = next(
            (ln["text"].strip() for ln in region_lines if _EMPTY_NOTE.search(normalise_text(ln["text"]))),
            None,
        )
        table = RawTable(
            code, line["text"].strip(), unit, rows, engine, empty_note=note, pages=[page.page_number]
        )
        text_region = (0, top, page.width, _region_bottom(top, notes, bottom))
        note_region(table, page, grid_region(mine, line["top"], text_region))
        tables.append(table)
        header = [r.cells for r in rows[: header_row_count(rows)]]
        closed = any(n["top"] > top for n in notes if n["top"] < bottom)
        open_table = None if closed else _OpenTable(table, header, bands)
    return open_table


_UNIT_HEAD = re.compile(r"单位[:：]?(万|亿)?$")


def _wrapped_unit(lines: list[str]) -> str | None:
    """A unit printed in a narrow box and wrapped: "单位：万" on one line, "元" on a later one."""
    texts = [normalise_text(t) for t in lines]
    for i, text in enumerate(texts):
        m = _UNIT_HEAD.search(text)
        if m and any(t.startswith("元") for t in texts[i + 1 : i + 4]):
            return (m.group(1) or "") + "元"
    return None


def _inside_grid(line: dict[str, Any], grids: list[tuple[BBox, list[RawRow]]]) -> bool:
    """A title-like line printed in a cell below a grid's first row: a table of contents entry
    (报表目录 lists every title in a ruled grid), not the title of a table of its own."""
    for (x0, top, x1, bottom), rows in grids:
        first = rows[0].bbox[3] if rows and rows[0].bbox else top
        if x0 - 1 <= line["x0"] and line["x1"] <= x1 + 1 and first + 1 < line["top"] < bottom:
            return True
    return False


def _joined(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A title printed on one or two lines, as one text line (top of the first, bottom of the last)."""
    if len(lines) == 1:
        return lines[0]
    return {
        **lines[0],
        "text": "".join(ln["text"].strip() for ln in lines),
        "bottom": lines[-1]["bottom"],
    }


def _region_bottom(top: float, notes: list[dict[str, Any]], default: float) -> float:
    below = [n["top"] for n in notes if n["top"] > top]
    return min(below) - 1 if below else default


def _has_numbers(lines: list[dict[str, Any]]) -> bool:
    return any(re.search(r"\d+\.\d{2}", ln["text"]) for ln in lines)


def _closed_by_note(notes: list[dict[str, Any]], head: list[tuple[BBox, list[RawRow]]], page: Any) -> bool:
    """A note (注：…) printed after the continued grid ends the table."""
    if not head:
        return True  # nothing continued the table on this page: whatever follows is something else
    grid_bottom = max(bbox[3] for bbox, _ in head)
    return any(n["top"] >= grid_bottom - 1 for n in notes)


def _widen(row: RawRow, width: int) -> RawRow:
    """A continued row with fewer cells than the table (a 合计 line whose label spans the code
    and name columns): the label stays first and the amounts keep to the right-hand columns."""
    if len(row.cells) >= width or len(row.cells) < 2:
        return row
    gap = width - len(row.cells)
    cells = (row.cells[0], *([""] * gap), *row.cells[1:])
    spans = (None, *([0] * gap), *([None] * (len(row.cells) - 1)))
    return RawRow(cells, page=row.page, line_no=row.line_no, bbox=row.bbox, span_from=spans)


def _append_rows(table: RawTable, rows: list[RawRow]) -> None:
    """Add a continuation page's rows to a table. A 合计 line printed again on every page stays a
    row of its page: every printed number lands in a fact, with the page it was printed on."""
    width = max((len(r.cells) for r in table.rows), default=0)
    table.rows.extend(_widen(row, width) for row in rows)


def _continue(
    open_table: _OpenTable, rows: list[RawRow], page: Any = None, region: BBox | None = None
) -> None:
    """Append a continuation page's rows, dropping a header the template repeats on every page."""
    if page is not None and region is not None:
        note_region(open_table.table, page, region)
    original = [_cells_of(RawRow(cells)) for cells in open_table.header]
    # the leading rows that repeat the header, matched row by row: counting header rows by the
    # first figure would run past a continued page's first rows when they print none
    n = 0
    while n < len(rows) and _cells_of(rows[n]) in original:
        n += 1
    _append_rows(open_table.table, rows[n:])
    page = rows[0].page if rows else None
    if page is not None and page not in open_table.table.pages:
        open_table.table.pages.append(page)
