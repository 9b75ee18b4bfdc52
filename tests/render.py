"""Render table rows (as a document prints them) into a PDF, ruled or unruled, optionally split over pages.

The tests feed it seed 000's printed rows read straight from the text file, so the PDFs they
extract carry the seed's figures without the extractor ever having seen them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

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
    width_cols = max(len(r) for r in source.header + source.body)
    grid = [r + [""] * (width_cols - len(r)) for r in source.header + source.body]
    widths = [
        max(pdfmetrics.stringWidth(r[j], FONT, SIZE) for r in grid) + 2 * PAD for j in range(width_cols)
    ]
    widths = [max(w, 18) for w in widths]
    page = landscape(A4) if sum(widths) > A4[0] - 60 else A4
    c = canvas.Canvas(str(out), pagesize=page)
    x0 = (page[0] - sum(widths)) / 2
    pages = [source.body] if split_after is None else [source.body[:split_after], source.body[split_after:]]
    for n, body in enumerate(pages):
        y = page[1] - 50
        if n == 0:
            c.setFont(FONT, 12)
            c.drawCentredString(page[0] / 2, y, source.title)
            y -= 20
            c.setFont(FONT, SIZE)
            c.drawString(x0, y, source.unit_line)
            y -= 12
        rows = [*source.header, *body] if n == 0 or repeat_header else body
        c.setFont(FONT, SIZE)
        top = y
        for row in rows:
            cells = row + [""] * (width_cols - len(row))
            x = x0
            for j, text in enumerate(cells):
                if _AMOUNT.match(text):
                    c.drawRightString(x + widths[j] - PAD, y - ROW_H + 4, text)
                else:
                    c.drawString(x + PAD, y - ROW_H + 4, text)
                x += widths[j]
            y -= ROW_H
        if ruled:
            c.setLineWidth(0.5)
            for k in range(len(rows) + 1):
                c.line(x0, top - k * ROW_H, x0 + sum(widths), top - k * ROW_H)
            x = x0
            for w in [*widths, 0]:
                c.line(x, top, x, top - len(rows) * ROW_H)
                x += w
        if n + 1 < len(pages):
            c.showPage()
    c.save()
    return out
