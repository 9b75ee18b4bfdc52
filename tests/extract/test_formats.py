"""DOCX, XLSX, XLS and PDF carry the same tables as the text export, and load with the same facts.

The test builds the Word document, the workbooks (a sheet per table, and all tables on one sheet)
and the PDF itself from seed 000's nine 决算 tables as the text reader sees them (tests/render.py):
merged header cells where the export flattened them, amounts stored as numbers in Excel. The
legacy .xls was built the same way (tests/fixtures/formats/make_xls.py). Every fact must come
back: same table, code or line key, measure, amount; for Word and Excel also the printed value
and the column header. The typed values of tests/fixtures/expected check D01–D06 independently
of the text reader.

With OCR switched off, a PDF whose text layer is junk must fail as `garbled_text` (or lose only
its junk pages), and the real sample PDFs must not be flagged. (With OCR on, junk pages are read
by OCR: tests/extract/test_ocr.py.)
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.extract import ocr
from pipelines.extract.document import extract_document
from pipelines.extract.pdf import read_page_texts
from pipelines.extract.text import extract_text_tables
from pipelines.extract.types import ExtractedDocument
from pipelines.extract.xlsx import number_text
from pipelines.normalise.frames import tables_to_frames
from pipelines.vocab.grid import header_row_count
from tests.conftest import SAMPLES, SEED000
from tests.expected import compare, load_expected
from tests.render import (
    GARBLES,
    TableSource,
    cid_dump,
    garble_text_layer,
    render,
    render_tables,
    tables_of,
    write_docx,
    write_xlsx,
)

XLS = Path(__file__).parent.parent / "fixtures" / "formats" / "seed000_tables.xls"
TITLE = "重庆市潼南区人民政府办公室2024年度决算说明"
FACT = (
    "table_code",
    "panel",
    "func_code",
    "econ_code",
    "line_key",
    "line_label",
    "measure",
    "amount",
    "is_blank",
)
PRINTED = (*FACT, "value_printed", "column_header")


def _facts(doc: ExtractedDocument) -> pl.DataFrame:
    facts, _, warnings = tables_to_frames(doc.tables, doc.document_id, doc.meta.fiscal_year)
    assert warnings == []
    return facts


def _bag(facts: pl.DataFrame, key: tuple[str, ...]) -> Counter[tuple[object, ...]]:
    return Counter(tuple(r[k] for k in key) for r in facts.iter_rows(named=True))


@pytest.fixture(scope="module")
def text_facts() -> pl.DataFrame:
    return _facts(extract_document(SEED000))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("formats")
    sources = tables_of(SEED000)
    return {
        "docx": write_docx(sources, out / "seed000.docx", intro=(TITLE,)),
        "xlsx": write_xlsx(sources, out / "seed000.xlsx", cover=TITLE),
        "xlsx-one-sheet": write_xlsx(sources, out / "one_sheet.xlsx", one_sheet=True, cover=TITLE),
        "xls": XLS,
        "pdf": render_tables(sources, out / "seed000.pdf", ruled=True, merged=True),
    }


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "xlsx-one-sheet", "xls", "pdf"])
def test_format_loads_the_same_facts_as_the_text_export(
    built: dict[str, Path], text_facts: pl.DataFrame, fmt: str
) -> None:
    doc = extract_document(built[fmt])
    assert (doc.file_format, doc.status, doc.error) == (fmt.removesuffix("-one-sheet"), "ok", None)
    assert [t.table_code for t in doc.tables] == [f"D0{k}" for k in range(1, 10)]
    facts = _facts(doc)
    # the PDF's header paths are the PDF reader's business; its facts must still agree
    key = FACT if fmt == "pdf" else PRINTED
    expected, got = _bag(text_facts, key), _bag(facts, key)
    assert sum((expected & got).values()) == sum(expected.values()) == 892
    assert got == expected
    assert compare(facts, load_expected("seed000_tables.csv"), check_page=False) == []
    if fmt != "pdf":
        assert (doc.meta.doc_kind, doc.meta.fiscal_year, doc.meta.department) == (
            "final_account",
            2024,
            "重庆市潼南区人民政府办公室",
        )
        assert facts["page"].is_null().all() and facts["line_no"].is_not_null().all()
    else:
        assert facts.group_by("table_code").agg(pl.col("page").unique()).sort("table_code")[
            "page"
        ].to_list() == [[k] for k in range(1, 10)]


def test_docx_line_numbers_point_at_the_row(built: dict[str, Path], text_facts: pl.DataFrame) -> None:
    """line_no is the paragraph/table-row ordinal: doc_text at that line holds the label and value."""
    doc = extract_document(built["docx"])
    by_line = {b.line_no: b.text for b in doc.texts}
    facts = _facts(doc).filter(~pl.col("is_blank"))
    assert facts.height == text_facts.filter(~pl.col("is_blank")).height == 638
    for f in facts.iter_rows(named=True):
        text = by_line[f["line_no"]]
        assert f["value_printed"] in text.split("\t"), (f, text)
        assert f["line_label"] in re.sub(r"\s", "", text), (f, text)
    # the title, the unit line and the narrative paragraph are text blocks of their own
    assert TITLE in by_line.values() and "单位：元" in by_line.values()


def test_workbook_rows_and_sheets_are_the_provenance(built: dict[str, Path]) -> None:
    """line_no is the sheet's row: the cell there stores the amount the fact carries."""
    doc = extract_document(built["xlsx"])
    book = openpyxl.load_workbook(built["xlsx"])
    sheets = {t.table_code: t.sheet for t in doc.tables}
    assert sheets["D05"] == "一般公共预算财政拨款收入支出决算表"
    facts = _facts(doc).filter(~pl.col("is_blank"))
    for f in facts.iter_rows(named=True):
        row = book[sheets[f["table_code"]]][f["line_no"]]
        stored = [Decimal(repr(c.value)) for c in row if isinstance(c.value, int | float)]
        assert f["amount"] in stored or f["value_printed"] in [c.value for c in row], f


@pytest.mark.parametrize("repeat_header", [True, False], ids=["header-repeated", "bare"])
def test_docx_table_continued_in_a_second_word_table(
    tmp_path: Path, text_facts: pl.DataFrame, repeat_header: bool
) -> None:
    sources = tables_of(SEED000)
    d03 = next(s for s in sources if s.title == "支出决算表")
    path = write_docx([d03], tmp_path / "split.docx", split_after={0: 9}, repeat_header=repeat_header)
    doc = extract_document(path)
    assert [(t.table_code, len(t.rows)) for t in doc.tables] == [("D03", 2 + 20)]
    expected = _bag(text_facts.filter(pl.col("table_code") == "D03"), PRINTED)
    assert _bag(_facts(doc), PRINTED) == expected


def test_docx_title_unit_and_empty_note_inside_the_word_table(
    tmp_path: Path, text_facts: pl.DataFrame
) -> None:
    """Title and unit as merged first rows of the Word table; a table published empty says so in a row."""
    sources = {s.title: s for s in tables_of(SEED000)}
    d09, d08 = (
        sources["机构运行信息决算表"],
        sources["国有资本经营预算财政拨款收入支出决算表"],
    )
    note = "本单位2024年度无国有资本经营预算财政拨款收支，故本表为空。"
    empty = TableSource(d08.title, d08.unit_line, d08.header, [[note] + [""] * (len(d08.header[0]) - 1)])
    doc = extract_document(write_docx([d09, empty], tmp_path / "inside.docx", title_in_table=True))
    assert doc.status == "ok"
    assert [(t.table_code, t.unit, t.empty_note) for t in doc.tables] == [
        ("D09", "元", None),
        ("D08", "元", note),
    ]
    facts = _facts(doc)
    assert _bag(facts, PRINTED) == _bag(text_facts.filter(pl.col("table_code") == "D09"), PRINTED)


@pytest.mark.parametrize("unit", ["元", "万元"])
def test_xlsx_merged_multirow_header_and_title_only_in_sheet_name(tmp_path: Path, unit: str) -> None:
    """D05 as a department lays it out: 科目代码 split into 类/款/项, three merged header rows and no
    栏次, so every column is named by its header path; the title is only the sheet's name. Amounts are
    stored with float noise (a cached SUM): 19890539.51 is kept as the next double down; in 万元 the
    sheet stores 1989.053951 and shows six decimals."""
    factor, shown = (Decimal(1), "#,##0.00") if unit == "元" else (Decimal(10000), "#,##0.000000")
    seed = extract_text_tables(SEED000.read_text(encoding="utf-8").splitlines())
    d05 = next(t for t in seed if t.table_code == "D05")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "一般公共预算财政拨款收入支出决算表"
    sheet["A1"], sheet["Q1"] = "公开05表", f"单位：{unit}"
    header = {
        (2, 1, 2, 3): "科目代码",
        (2, 4, 4, 4): "科目名称",
        (2, 5, 2, 7): "年初结转和结余",
        (2, 8, 2, 10): "本年收入",
        (2, 11, 2, 13): "本年支出",
        (2, 14, 2, 17): "年末结转和结余",
        (3, 1, 4, 1): "类",
        (3, 2, 4, 2): "款",
        (3, 3, 4, 3): "项",
        (3, 16, 3, 17): "项目支出结转和结余",
        (4, 16, 4, 16): "项目支出结转",
        (4, 17, 4, 17): "项目支出结余",
    }
    for col, (label, width) in zip(
        range(5, 16),
        [("合计", 1), ("基本支出结转", 1), ("项目支出结转和结余", 1)]
        + [("合计", 1), ("基本支出", 1), ("项目支出", 1)] * 2
        + [("合计", 1), ("基本支出结转", 1)],
        strict=True,
    ):
        header[(3, col, 4, col + width - 1)] = label
    for (r0, c0, r1, c1), label in header.items():
        sheet.cell(r0, c0, label)
        if (r0, c0) != (r1, c1):
            sheet.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    body = [r.cells for r in d05.rows[header_row_count(d05.rows) :]]
    for i, cells in enumerate(body, start=5):
        code, name, values = cells[0], cells[2], cells[3:16]
        for j, part in enumerate([code[:3], code[3:5], code[5:7]] if code else []):
            if part:
                sheet.cell(i, j + 1, part)
        sheet.cell(i, 4, name)
        for j, text in enumerate(values, start=5):
            if not text:
                continue
            stored = float(Decimal(text.replace(",", "")) / factor)
            sheet.cell(i, j, math.nextafter(stored, 0.0)).number_format = shown
    path = tmp_path / "d05.xlsx"
    book.save(path)

    doc = extract_document(path)
    assert (doc.status, [(t.table_code, t.title, t.sheet) for t in doc.tables]) == (
        "ok",
        [("D05", sheet.title, sheet.title)],
    )
    facts = _facts(doc)
    assert compare(facts, load_expected("seed000_tables.csv", {"D05"}), check_page=False) == []
    headers = dict(facts.select("measure", "column_header").unique().iter_rows())
    assert headers["closing_project_surplus"] == "年末结转和结余/项目支出结转和结余/项目支出结余"
    assert headers["opening_total"] == "年初结转和结余/合计"
    total = facts.filter((pl.col("line_label") == "合计") & (pl.col("measure") == "income_total"))
    printed = "19,890,539.51" if unit == "元" else "1,989.053951"
    assert total.select("amount", "value_printed", "line_no").row(0) == (Decimal("19890539.51"), printed, 5)
    assert {t.unit for t in doc.tables} == {unit}


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (19890539.509999998, "#,##0.00", "19,890,539.51"),  # a cached SUM's float noise
        (0.1 + 0.2, "General", "0.3"),
        (1.005, "0.00", "1.01"),  # float arithmetic would print 1.00
        (2010301, "General", "2010301"),  # a code stored as a number
        (1335, "#,##0", "1,335"),
        (-3.2, "#,##0.00;(#,##0.00)", "(3.20)"),
        (-3.2, "#,##0.00", "-3.20"),
        (0.125, "0.00%", "12.50%"),
        (12.3456, '#,##0.0000"万元"', "12.3456"),
        (1e-7, "General", "0.0000001"),
        (Decimal("7171195.84"), "[Red]#,##0.00", "7,171,195.84"),
    ],
)
def test_number_text_is_what_the_cell_shows(
    value: float | int | Decimal, number_format: str, shown: str
) -> None:
    assert number_text(value, number_format) == shown


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("empty.docx", lambda built: b"", "empty"),
        ("truncated.docx", lambda built: built["docx"].read_bytes()[:4000], "corrupt"),
        ("other.docx", lambda built: _zip({"mimetype": b"application/epub+zip"}), "not_a_docx"),
        ("legacy.docx", lambda built: _OLE + b"WordDocument".decode().encode("utf-16-le"), "not_a_docx"),
        ("locked.docx", lambda built: _OLE + "EncryptedPackage".encode("utf-16-le"), "encrypted"),
        ("page.docx", lambda built: b"<html><body>404</body></html>", "not_a_docx"),
        ("truncated.xlsx", lambda built: built["xlsx"].read_bytes()[:3000], "corrupt"),
        ("other.xlsx", lambda built: _zip({"word/document.xml": b"<w/>"}), "not_a_workbook"),
        ("report.xls", lambda built: b"<html><table><tr><td>1</td></tr></table></html>", "not_a_workbook"),
        ("damaged.xls", lambda built: _OLE + b"\x00" * 2048, "corrupt"),
        ("truncated.xls", lambda built: XLS.read_bytes()[:5000], "corrupt"),
    ],
)
def test_unreadable_office_files_fail_with_a_reason(
    tmp_path: Path, built: dict[str, Path], name: str, make, reason: str
) -> None:
    (path := tmp_path / name).write_bytes(make(built))
    doc = extract_document(path)
    assert (doc.status, doc.tables) == ("failed", [])
    assert doc.error is not None and doc.error.startswith(f"{reason}:"), doc.error


# --- garbled text layers (OCR off: the judgement of the text layer alone) ---------------------


@pytest.fixture
def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ocr.ENV, "0")


@pytest.fixture(scope="module")
def three_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[TableSource]]:
    sources = tables_of(SEED000)[:3]
    path = tmp_path_factory.mktemp("garbled") / "d01_d03.pdf"
    return render_tables(sources, path, ruled=True, merged=True), sources


@pytest.mark.parametrize("how", GARBLES)
@pytest.mark.usefixtures("no_ocr")
def test_garbled_text_layer_fails_the_document(tmp_path: Path, three_tables, how: str) -> None:
    pdf, _ = three_tables
    assert extract_document(pdf).status == "ok"  # the same file with its text layer intact
    doc = extract_document(garble_text_layer(pdf, tmp_path / f"{how}.pdf", how))
    assert (doc.status, doc.tables, doc.texts) == ("failed", [], [])
    assert doc.error is not None and doc.error.startswith("garbled_text:"), doc.error
    assert "OCR is switched off" in doc.error and "OCR the file" not in doc.error  # what happened


@pytest.mark.usefixtures("no_ocr")
def test_cid_runs_fail_the_document(tmp_path: Path, three_tables) -> None:
    """A PDF printed from a pdfminer dump: "(cid:25910)(cid:20837)…" where the Chinese should be."""
    _, sources = three_tables
    doc = extract_document(render(cid_dump(sources[0]), tmp_path / "cid.pdf", ruled=True))
    assert doc.status == "failed" and doc.error is not None and doc.error.startswith("garbled_text:")


@pytest.mark.usefixtures("no_ocr")
def test_some_garbled_pages_make_the_document_partial(
    tmp_path: Path, three_tables, text_facts: pl.DataFrame
) -> None:
    pdf, _ = three_tables
    doc = extract_document(garble_text_layer(pdf, tmp_path / "page2.pdf", "private_use", pages={2}))
    assert doc.status == "partial" and doc.error is not None and doc.error.startswith("garbled_text:")
    assert "were not read: 2 (100%)" in doc.warnings[0]
    assert "OCR is switched off" in doc.warnings[0] and "OCR is switched off" in doc.error
    assert [t.table_code for t in doc.tables] == ["D01", "D03"]
    assert [b.page for b in doc.texts] == [1, 3]
    readable = text_facts.filter(pl.col("table_code").is_in(["D01", "D03"]))
    assert _bag(_facts(doc), FACT) == _bag(readable, FACT)


@pytest.mark.usefixtures("no_ocr")
def test_garbled_continuation_page_is_not_read(tmp_path: Path, text_facts: pl.DataFrame) -> None:
    """D03 split over two pages, the second garbled: only the first page's rows become facts."""
    d03 = next(s for s in tables_of(SEED000) if s.title == "支出决算表")
    pdf = render(d03, tmp_path / "split.pdf", ruled=True, split_after=9, repeat_header=True)
    doc = extract_document(garble_text_layer(pdf, tmp_path / "split_garbled.pdf", "latin", pages={2}))
    assert doc.status == "partial" and "were not read: 2" in doc.warnings[0]
    facts = _facts(doc)
    assert set(facts["page"]) == {1}
    first_page = text_facts.filter(
        (pl.col("table_code") == "D03") & pl.col("func_code").is_in(_codes(d03, 9))
    )
    assert _bag(facts.filter(pl.col("func_code").is_not_null()), FACT) == _bag(first_page, FACT)


def _codes(source: TableSource, rows: int) -> list[str]:
    return [r[0] for r in source.body[:rows] if r[0]]


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.pdf")), ids=lambda p: p.stem)
def test_real_samples_are_not_flagged(sample: Path) -> None:
    garbled: dict[int, float] = {}
    pages = read_page_texts(sample, garbled)
    assert garbled == {} and all(p.lines for p in pages if p.chars)
