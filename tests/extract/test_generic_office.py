"""Word, Excel and text exports load a table the catalog does not know, as the PDF reader does.

Each file is built here with python-docx / openpyxl (or written as Markdown) and holds two tables
of a fictional 2026 budget: 一般公共预算支出表 (catalogued, B02) and 会议费明细表 (not catalogued:
loaded under its canonical title 会议费表, measures named by its printed headers, rows by their
labels). The expected facts are typed from the tables written below, in 元 (the tables are in 万元).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest

from pipelines.extract.document import extract_document
from pipelines.normalise.document import normalise_document

COVER = "松坪县财政局2026年部门预算"
B02_TITLE = "一般公共预算支出表"
B02 = [
    ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
    ["", "合计", "150.00", "100.00", "50.00"],
    ["201", "一般公共服务支出", "150.00", "100.00", "50.00"],
    ["20106", "财政事务", "150.00", "100.00", "50.00"],
    ["2010601", "行政运行", "100.00", "100.00", "0.00"],
    ["2010602", "一般行政管理事务", "50.00", "0.00", "50.00"],
]
MEETINGS_TITLE = "会议费明细表"
MEETINGS = [
    ["会议名称", "本年预算", "上年预算"],
    ["全市财政工作会议", "3.60", "3.00"],
    ["预算编审培训会", "1.20", "1.50"],
    ["合计", "4.80", "4.50"],
]

# (table, code or label, measure) → amount in 元, typed from the tables above
EXPECTED = {
    ("B02", "201", "total"): Decimal("1500000.00"),
    ("B02", "2010601", "basic"): Decimal("1000000.00"),
    ("B02", "2010602", "project"): Decimal("500000.00"),
    ("B02", "2010602", "basic"): Decimal("0.00"),
    ("会议费表", "全市财政工作会议", "本年预算"): Decimal("36000.00"),
    ("会议费表", "全市财政工作会议", "上年预算"): Decimal("30000.00"),
    ("会议费表", "预算编审培训会", "本年预算"): Decimal("12000.00"),
    ("会议费表", "预算编审培训会", "上年预算"): Decimal("15000.00"),
    ("会议费表", "合计", "本年预算"): Decimal("48000.00"),
    ("会议费表", "合计", "上年预算"): Decimal("45000.00"),
}


def _docx(out: Path) -> Path:
    """Title, numbering and unit as paragraphs above each Word table (the numbering under the title)."""
    document = docx.Document()
    document.add_paragraph(COVER)
    for title, number, rows in ((B02_TITLE, "表5", B02), (MEETINGS_TITLE, "表9", MEETINGS)):
        document.add_paragraph(title)
        document.add_paragraph(number)
        document.add_paragraph("单位：万元")
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for word_row, cells in zip(table.rows, rows, strict=True):
            for cell, text in zip(word_row.cells, cells, strict=True):
                cell.text = text
        document.add_paragraph("")
    document.save(str(out))
    return out


def _xlsx(out: Path) -> Path:
    """Sheet 1 prints its title in a row; sheet 2 (the uncatalogued one) is titled by its name only."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    book.create_sheet("封面")["A1"] = COVER
    for title, rows, title_row in ((B02_TITLE, B02, True), (MEETINGS_TITLE, MEETINGS, False)):
        sheet = book.create_sheet(title if not title_row else "表5")
        r = 1
        if title_row:
            sheet.cell(r, 1, title)
            r += 1
        sheet.cell(r, len(rows[0]), "单位：万元")
        for i, cells in enumerate(rows, start=r + 1):
            for j, text in enumerate(cells, start=1):
                if not text:
                    continue
                number = i > r + 1 and j > (2 if rows is B02 else 1)
                cell = sheet.cell(i, j, float(text) if number else text)
                if number:
                    cell.number_format = "#,##0.00"
    book.save(str(out))
    return out


def _markdown(out: Path) -> Path:
    lines = [f"# {COVER}", ""]
    for title, rows in ((B02_TITLE, B02), (MEETINGS_TITLE, MEETINGS)):
        lines += [f"## {title}", "", "单位：万元", ""]
        lines += [f"| {' | '.join(rows[0])} |", "|" + "---|" * len(rows[0])]
        lines += [f"| {' | '.join(r)} |" for r in rows[1:]]
        lines.append("")
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


@pytest.mark.parametrize(("build", "suffix"), [(_docx, ".docx"), (_xlsx, ".xlsx"), (_markdown, ".md")])
def test_catalogued_and_uncatalogued_tables_load(
    tmp_path: Path, build: Callable[[Path], Path], suffix: str
) -> None:
    doc = extract_document(build(tmp_path / f"budget{suffix}"))
    assert (doc.status, doc.error) == ("ok", None)
    assert [t.table_code for t in doc.tables] == ["B02", "会议费表"]
    facts = normalise_document(doc).facts
    got = {
        (f["table_code"], f["func_code"] or f["line_label"], f["measure"]): f["amount"]
        for f in facts.iter_rows(named=True)
    }
    assert {k: got.get(k) for k in EXPECTED} == EXPECTED
    # every printed amount is one fact: 5 rows × 3 columns, 3 rows × 2 columns
    assert facts.group_by("table_code").len().sort("table_code").rows() == [("B02", 15), ("会议费表", 6)]
