"""Render table rows (as a document prints them) into a PDF, ruled or unruled, optionally split over pages,
or into a Word document or a workbook; and break a PDF's text layer the ways real files are broken.

The tests feed it seed 000's printed rows read straight from the text file, so the files they
extract carry the seed's figures without the extractor ever having seen them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pypdfium2 as pdfium
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject, TextStringObject
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipelines.extract.text import extract_text_tables
from pipelines.normalise.headers import header_row_count

FONT = "STSong-Light"
SIZE = 7.5
ROW_H = 14
PAD = 4
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_AMOUNT = re.compile(r"^-?[\d,]+(\.\d+)?$")


@dataclass
class TableSource:
    title: str
    unit_line: str
    header: list[list[str]]
    body: list[list[str]]


def seed_table(seed: Path, title_line: int, first_row: int, last_row: int, header_rows: int) -> TableSource:
    """Rows of a seed table by line numbers (1-based, inclusive), markup stripped."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in ln.split("\t")] for ln in lines[first_row - 1 : last_row]
    ]
    title = lines[title_line - 1].lstrip("#").strip()
    return TableSource(title, "单位：元", rows[:header_rows], rows[header_rows:])


def render(
    source: TableSource,
    out: Path,
    *,
    ruled: bool,
    split_after: int | None = None,
    repeat_header: bool = False,
) -> Path:
    """Draw the table; with `split_after`, body rows after that index go to a second page without title."""
    return render_tables([source], out, ruled=ruled, split_after=split_after, repeat_header=repeat_header)


def render_tables(
    sources: list[TableSource],
    out: Path,
    *,
    ruled: bool,
    split_after: int | None = None,
    repeat_header: bool = False,
    merged: bool = False,
) -> Path:
    """Draw each table on its own page (`split_after` splits each one over two pages).

    With `merged`, header cells are drawn merged as `header_merges` infers them: one text, no
    inner rules, the way departments print group headers.
    """
    c = canvas.Canvas(str(out), pagesize=A4)
    for k, source in enumerate(sources):
        if k:
            c.showPage()
        _draw_table(c, source, ruled, split_after, repeat_header, merged)
    c.save()
    return out


def _width_cols(source: TableSource) -> int:
    return max(len(r) for r in source.header + source.body)


def _draw_table(
    c: canvas.Canvas,
    source: TableSource,
    ruled: bool,
    split_after: int | None,
    repeat_header: bool,
    merged: bool,
) -> None:
    width_cols = _width_cols(source)
    grid = [r + [""] * (width_cols - len(r)) for r in source.header + source.body]
    widths = [
        max(pdfmetrics.stringWidth(r[j], FONT, SIZE) for r in grid) + 2 * PAD for j in range(width_cols)
    ]
    widths = [max(w, 18) for w in widths]
    page = landscape(A4) if sum(widths) > A4[0] - 60 else A4
    c.setPageSize(page)
    x0 = (page[0] - sum(widths)) / 2
    pages = [source.body] if split_after is None else [source.body[:split_after], source.body[split_after:]]
    merges = header_merges(source.header) if merged else []
    covered = {(r, k) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for k in range(c0, c1 + 1)}
    for n, body in enumerate(pages):
        y = page[1] - 50
        if n == 0:
            c.setFont(FONT, 12)
            c.drawCentredString(page[0] / 2, y, source.title)
            y -= 20
            c.setFont(FONT, SIZE)
            c.drawString(x0, y, source.unit_line)
            y -= 12
        with_header = n == 0 or repeat_header
        rows = [*source.header, *body] if with_header else body
        n_header = len(source.header) if with_header else 0
        c.setFont(FONT, SIZE)
        top = y
        for i, row in enumerate(rows):
            cells = row + [""] * (width_cols - len(row))
            x = x0
            for j, text in enumerate(cells):
                span = next((m for m in merges if (m[0], m[1]) == (i, j)), None) if i < n_header else None
                if span:
                    w = sum(widths[span[1] : span[3] + 1])
                    h = (span[2] - span[0] + 1) * ROW_H
                    c.drawCentredString(x + w / 2, y - h / 2 - 3, text)
                elif (i, j) in covered and i < n_header:
                    pass
                elif _AMOUNT.match(text):
                    c.drawRightString(x + widths[j] - PAD, y - ROW_H + 4, text)
                else:
                    c.drawString(x + PAD, y - ROW_H + 4, text)
                x += widths[j]
            y -= ROW_H
        if ruled:
            _rules(c, x0, top, widths, len(rows), merges if n_header else [])
        if n + 1 < len(pages):
            c.showPage()


def _rules(
    c: canvas.Canvas, x0: float, top: float, widths: list[float], n_rows: int, merges: list[Merge]
) -> None:
    """Cell borders, leaving out the ones inside a merged cell."""
    c.setLineWidth(0.5)
    xs = [x0 + sum(widths[:j]) for j in range(len(widths) + 1)]
    for k in range(n_rows + 1):  # horizontal rule k lies between rows k-1 and k
        for j in range(len(widths)):
            if not any(r0 < k <= r1 and c0 <= j <= c1 for r0, c0, r1, c1 in merges):
                c.line(xs[j], top - k * ROW_H, xs[j + 1], top - k * ROW_H)
    for j in range(len(widths) + 1):  # vertical rule j lies between columns j-1 and j
        for k in range(n_rows):
            if not any(c0 < j <= c1 and r0 <= k <= r1 for r0, c0, r1, c1 in merges):
                c.line(xs[j], top - k * ROW_H, xs[j], top - (k + 1) * ROW_H)


# --- merged header cells -------------------------------------------------------------------------

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (inclusive)
_NUMBERING = {"栏次", "行次", "类", "款", "项"}


def header_merges(header: list[list[str]]) -> list[Merge]:
    """The merged cells a text export flattened: a header cell followed by empty cells spans them
    (what the text reader carries right), and one with empty cells below spans down.

    Column numbers, 栏次/行次 and 类/款/项 never span: they label one column each.
    """
    width = max((len(r) for r in header), default=0)
    grid = [r + [""] * (width - len(r)) for r in header]
    covered: set[tuple[int, int]] = set()
    merges: list[Merge] = []
    for r, row in enumerate(grid):
        for c0, text in enumerate(row):
            if not text or (r, c0) in covered or text.isdigit() or text.replace(" ", "") in _NUMBERING:
                continue
            c1 = c0
            while c1 + 1 < width and not row[c1 + 1] and (r, c1 + 1) not in covered:
                c1 += 1
            r1 = r
            while r1 + 1 < len(grid) and all(
                not grid[r1 + 1][k] and (r1 + 1, k) not in covered for k in range(c0, c1 + 1)
            ):
                r1 += 1
            if (r1, c1) != (r, c0):
                merges.append((r, c0, r1, c1))
                covered.update((i, k) for i in range(r, r1 + 1) for k in range(c0, c1 + 1))
    return merges


# --- the same tables as Word and Excel files ---------------------------------------------------


def tables_of(seed: Path) -> list[TableSource]:
    """Every catalogued table of a text export, split into header and body as the reader sees it."""
    lines = seed.read_text(encoding="utf-8").splitlines()
    sources = []
    for table in extract_text_tables(lines):
        rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in r.cells] for r in table.rows]
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        n = header_row_count(table.rows)
        sources.append(TableSource(table.title, f"单位：{table.unit}", rows[:n], rows[n:]))
    return sources


def write_docx(
    sources: list[TableSource],
    out: Path,
    *,
    intro: tuple[str, ...] = (),
    split_after: dict[int, int] | None = None,
    repeat_header: bool = True,
    title_in_table: bool = False,
) -> Path:
    """A Word document: intro paragraphs, then per table its title, 0N表, unit line and a Word table
    with merged header cells. `split_after` {table index: body rows} continues that table in a second
    Word table after a 续表 paragraph, with or without the header repeated. With `title_in_table`
    the title and unit are the first two rows of the Word table, each one cell across its width.
    """
    document = docx.Document()
    for line in intro:
        document.add_paragraph(line)
    for k, source in enumerate(sources):
        lead = [source.title, source.unit_line] if title_in_table else []
        if not title_in_table:
            document.add_heading(source.title, level=2)
            document.add_paragraph(f"{k + 1:02d}表")
            document.add_paragraph(source.unit_line)
            document.add_paragraph("部门：政府办")
        cut = (split_after or {}).get(k)
        parts = [source.body] if cut is None else [source.body[:cut], source.body[cut:]]
        for n, body in enumerate(parts):
            if n:
                document.add_paragraph("续表")
            header = source.header if n == 0 or repeat_header else []
            _word_table(document, header, body, lead if n == 0 else [])
        document.add_paragraph("")
    document.save(str(out))
    return out


def _word_table(document: Any, header: list[list[str]], body: list[list[str]], lead: list[str]) -> None:
    width = max(len(r) for r in header + body)
    rows = [[text] + [""] * (width - 1) for text in lead] + header + body
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    merges = [(r, 0, r, width - 1) for r in range(len(lead))]
    merges += [(r0 + len(lead), c0, r1 + len(lead), c1) for r0, c0, r1, c1 in header_merges(header)]
    for r0, c0, r1, c1 in merges:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    origins = {(m[0], m[1]) for m in merges}
    for r, (row, word_row) in enumerate(zip(rows, table.rows, strict=True)):
        word_cells = word_row.cells  # one lookup per row: table.cell() rescans the whole table
        for c, text in enumerate(row):
            if text and ((r, c) not in covered or (r, c) in origins):
                word_cells[c].text = text


def write_xlsx(
    sources: list[TableSource],
    out: Path,
    *,
    title_row: bool = True,
    one_sheet: bool = False,
    cover: str | None = None,
) -> Path:
    """One sheet per table, laid out as departments publish them: a merged title row (unless the title
    is only the sheet's name), 部门 and unit on one row, merged header cells, then the data with
    amounts stored as numbers (#,##0.00), 行次/栏次 and counts as integers, codes as numbers. With
    `one_sheet` every table goes on one sheet, one under the other; `cover` puts the document's title
    on a first sheet of its own."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    if cover:
        book.create_sheet("封面")["A1"] = cover
    shared = book.create_sheet("决算公开表") if one_sheet else None
    row = 1
    for source in sources:
        sheet = shared or book.create_sheet(source.title[:31])
        row = _sheet_table(sheet, source, row if shared else 1, title_row=title_row or one_sheet) + 2
    book.save(str(out))
    return out


def _sheet_table(sheet: Any, source: TableSource, r: int, *, title_row: bool) -> int:
    """Write one table from row `r` on; return the row after its last one."""
    width = _width_cols(source)
    if title_row:
        sheet.cell(r, 1, source.title)
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        r += 1
    sheet.cell(r, 1, "部门：政府办")
    sheet.cell(r, width, source.unit_line)
    r += 1
    for r0, c0, r1, c1 in header_merges(source.header):
        sheet.merge_cells(start_row=r + r0, start_column=c0 + 1, end_row=r + r1, end_column=c1 + 1)
    for i, cells in enumerate(source.header + source.body):
        for j, text in enumerate(cells):
            if not text:
                continue
            cell = sheet.cell(r + i, j + 1)
            if i < len(source.header):
                cell.value = text
            else:
                cell.value, cell.number_format = typed_cell(text)
    return r + len(source.header) + len(source.body)


def typed_cell(text: str) -> tuple[object, str]:
    """A printed cell as Excel stores it: a number with the format that shows it as printed."""
    plain = text.replace(",", "")
    if re.fullmatch(r"-?\d+\.\d+", plain):
        places = len(plain.split(".")[1])
        return float(plain), ("#,##0." if "," in text or abs(float(plain)) < 1000 else "0.") + "0" * places
    if re.fullmatch(r"-?[1-9]\d*|0", plain):
        return int(plain), "#,##0" if "," in text else "General"
    return text, "General"


# --- broken text layers ------------------------------------------------------------------------

GARBLES = ("private_use", "replacement", "latin", "missing_tounicode", "wrong_cmap")


def garble_text_layer(src: Path, out: Path, how: str, pages: set[int] | None = None) -> Path:
    """The same PDF, looking the same, with the text layer of the CJK font broken on `pages` (all).

    - private_use / replacement / latin: a ToUnicode map that sends every character to the private
      use area, to U+FFFD, or to its GBK bytes read as Latin-1 ("收入" → "ÊÕÈë", digits intact);
    - missing_tounicode: Identity-H codes in a font of Identity ordering and no ToUnicode, so no
      character has a Unicode value (pdfminer prints "(cid:25910)");
    - wrong_cmap: Identity-H codes read as Adobe-GB1 CIDs: every character becomes another, rare one.
    """
    reader = PdfReader(src)
    writer = PdfWriter(clone_from=reader)
    for number, page in enumerate(writer.pages, start=1):
        if pages is not None and number not in pages:
            continue
        text = pdfium.PdfDocument(src)[number - 1].get_textpage().get_text_range()
        resources = DictionaryObject(page["/Resources"])
        fonts = DictionaryObject(resources["/Font"])
        for name, ref in list(fonts.items()):
            font = ref.get_object()
            if font.get("/Subtype") != "/Type0":
                continue
            clone = font.clone(writer, force_duplicate=True)
            descendant = clone["/DescendantFonts"][0].get_object().clone(writer, force_duplicate=True)
            system = DictionaryObject(descendant["/CIDSystemInfo"].get_object())
            descendant[NameObject("/CIDSystemInfo")] = system
            clone[NameObject("/DescendantFonts")] = ArrayObject([writer._add_object(descendant)])
            if how in ("missing_tounicode", "wrong_cmap"):
                clone[NameObject("/Encoding")] = NameObject("/Identity-H")
                if how == "missing_tounicode":
                    system[NameObject("/Ordering")] = TextStringObject("Identity")
            else:
                cmap = StreamObject()
                cmap.set_data(_to_unicode_cmap(text, how).encode("ascii"))
                clone[NameObject("/ToUnicode")] = writer._add_object(cmap)
            fonts[NameObject(name)] = writer._add_object(clone)
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
    with out.open("wb") as f:
        writer.write(f)
    return out


def _to_unicode_cmap(text: str, how: str) -> str:
    """A ToUnicode CMap for the UCS-2 codes of `text`, sending each to junk of the given kind."""
    chars = sorted({ch for ch in text if ord(ch) <= 0xFFFF and not ch.isspace()})

    def junk(k: int, ch: str) -> str:
        if how == "private_use":
            return chr(0xE000 + k)
        if how == "replacement":
            return "\ufffd"
        return ch.encode("gbk", errors="replace").decode("latin-1")

    entries = [
        f"<{ord(ch):04X}> <{junk(k, ch).encode('utf-16-be').hex().upper()}>" for k, ch in enumerate(chars)
    ]
    blocks = [entries[i : i + 100] for i in range(0, len(entries), 100)]
    body = "\n".join(f"{len(b)} beginbfchar\n" + "\n".join(b) + "\nendbfchar" for b in blocks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )


def cid_dump(source: TableSource) -> TableSource:
    """The table as pdfminer prints text without a Unicode map: every CJK character as "(cid:N)"."""

    def dump(text: str) -> str:
        return "".join(f"(cid:{ord(ch)})" if ord(ch) > 0x2E80 else ch for ch in text)

    return TableSource(
        dump(source.title),
        dump(source.unit_line),
        [[dump(c) for c in r] for r in source.header],
        [[dump(c) for c in r] for r in source.body],
    )
