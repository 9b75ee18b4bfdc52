"""Generated hostile inputs for `make bench-heavy` and the bad-input tests (needs the dev extras).

Each writer streams what it can: the 10-million-cell workbook is written as sheet XML straight
into the ZIP, so generating it costs seconds and little memory.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import Any

TITLE = "收入支出决算总表"  # a catalogued title: the page goes to the table finder
FONT = "STSong-Light"


def _canvas(path: Path, size: tuple[float, float]) -> Any:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(str(path), pagesize=size, pageCompression=1)


def _heading(c: Any, width: float, height: float, scale: float = 1.0) -> None:
    c.setFont(FONT, 14 * scale)
    c.drawCentredString(width / 2, height - 40 * scale, TITLE)
    c.setFont(FONT, 9 * scale)
    c.drawString(40 * scale, height - 60 * scale, "单位：元")


def rectangles_pdf(path: Path, n: int, size: tuple[float, float] = (595.0, 842.0), rows: int = 60) -> Path:
    """One titled ruled table whose borders are drawn as n tiny filled rectangles, the way some
    Word exports draw them (the Jiangsu budgets), cell texts intact."""
    width, height = size
    c = _canvas(path, size)
    _heading(c, width, height)
    xs = [40.0, 95.0, 175.0, *(175.0 + k * (width - 215.0) / 8 for k in range(1, 9))]
    top, bottom = height - 80.0, 40.0
    row_h = (top - bottom) / rows
    length = (rows + 1) * (xs[-1] - xs[0]) + len(xs) * (top - bottom)
    seg = length / n
    drawn = 0
    for r in range(rows + 1):  # horizontal rules, each a run of small boxes
        y, x = top - r * row_h, xs[0]
        while x < xs[-1] - 1e-6 and drawn < n:
            c.rect(x, y - 0.25, min(seg, xs[-1] - x), 0.5, stroke=0, fill=1)
            x += seg
            drawn += 1
    for x in xs:
        y = bottom
        while y < top - 1e-6 and drawn < n:
            c.rect(x - 0.25, y, 0.5, min(seg, top - y), stroke=0, fill=1)
            y += seg
            drawn += 1
    c.setFont(FONT, 6)
    for r in range(rows):
        y = top - (r + 1) * row_h + 3
        code = 2010101 + r
        c.drawString(xs[0] + 2, y, str(code))
        c.drawString(xs[1] + 2, y, "行政运行")
        for k in range(2, len(xs) - 1):
            c.drawRightString(xs[k + 1] - 2, y, f"{(code * k) % 9973:,}.00")
    c.save()
    return path


def table_pages_pdf(path: Path, pages: int, rows_per_page: int = 30) -> Path:
    """A ruled table running over `pages` pages: a title on the first, continuations after it."""
    width, height = 595.0, 842.0
    c = _canvas(path, (width, height))
    code = 2010101
    for p in range(pages):
        if p == 0:
            _heading(c, width, height)
        top = height - (80 if p == 0 else 40)
        xs = [40, 140, 330, 440, 555]
        row_h = (top - 40) / rows_per_page
        c.setLineWidth(0.5)
        for r in range(rows_per_page + 1):
            c.line(xs[0], top - r * row_h, xs[-1], top - r * row_h)
        for x in xs:
            c.line(x, top, x, top - rows_per_page * row_h)
        c.setFont(FONT, 8)
        for r in range(rows_per_page):
            y = top - (r + 1) * row_h + 4
            c.drawString(xs[0] + 3, y, str(code))
            c.drawString(xs[1] + 3, y, "行政运行")
            c.drawRightString(xs[3] - 3, y, f"{(code % 9973) * 101:,}.00")
            c.drawRightString(xs[4] - 3, y, f"{(code % 7919) * 37:,}.00")
            code += 1
        c.showPage()
    c.save()
    return path


def text_pages_pdf(path: Path, pages: int) -> Path:
    """Many pages of narrative text only (pdfium reads them; no page reaches the table finder)."""
    width, height = 595.0, 842.0
    c = _canvas(path, (width, height))
    for p in range(pages):
        c.setFont(FONT, 10)
        for r in range(20):
            c.drawString(
                50, height - 60 - r * 18, f"第{p + 1}页 部门决算说明 第{r + 1}段：本年度支出情况说明。"
            )
        c.showPage()
    c.save()
    return path


def tiny_numbers_pdf(path: Path, n: int = 50_000, size: tuple[float, float] = (595.0, 842.0)) -> Path:
    """One page under a catalogued title printing n tiny numbers in a grid, some far too long for any
    money column (up to 30 digits), as a page of machine-printed noise would."""
    c = _canvas(path, size)
    width, height = size
    _heading(c, width, height)
    cols = max(1, int(math.sqrt(n * (width - 80) / (height - 100))))
    rows = math.ceil(n / cols)
    dx, dy = (width - 80) / cols, (height - 100) / rows
    c.setFont(FONT, max(0.5, min(dx / 8, dy * 0.8)))
    for i in range(n):
        r, k = divmod(i, cols)
        digits = 1 + (i * 7919) % 30
        value = f"{(i * 2654435761) % 10**digits:,}.{i % 100:02d}"
        c.drawString(40 + k * dx, height - 80 - (r + 1) * dy, value)
    c.save()
    return path


def big_page_pdf(path: Path, side: float = 14400.0) -> Path:
    """One page of side × side points (14,400 is the PDF maximum) holding a small ruled table."""
    c = _canvas(path, (side, side))
    scale = side / 842.0
    _heading(c, side, side, scale)
    xs = [40 * scale, 200 * scale, 400 * scale, 555 * scale]
    top = side - 80 * scale
    row_h = 20 * scale
    c.setLineWidth(0.5 * scale)
    for r in range(6):
        c.line(xs[0], top - r * row_h, xs[-1], top - r * row_h)
    for x in xs:
        c.line(x, top, x, top - 5 * row_h)
    c.setFont(FONT, 8 * scale)
    for r in range(5):
        y = top - (r + 1) * row_h + 5 * scale
        c.drawString(xs[0] + 3 * scale, y, f"20101{r:02d}")
        c.drawString(xs[1] + 3 * scale, y, "行政运行")
        c.drawRightString(xs[3] - 3 * scale, y, f"{1000 + r:,}.00")
    c.save()
    return path


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def cells_xlsx(path: Path, cells: int, cols: int = 100) -> Path:
    """A one-sheet workbook of `cells` numeric cells, the sheet XML streamed into the ZIP."""
    rows = math.ceil(cells / cols)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            left = cells
            for r in range(1, rows + 1):
                n = min(cols, left)
                left -= n
                f.write(
                    f'<row r="{r}">'.encode()
                    + b"".join(f"<c><v>{r * 7 + k}</v></c>".encode() for k in range(n))
                    + b"</row>"
                )
            f.write(b"</sheetData></worksheet>")
    return path
