"""Scanned pages are read by OCR (extract/ocr.py) through the same table readers as text pages.

The heavy tests OCR four pages in all (OCR takes tens of seconds a page on a shared machine): two
real table pages scanned into an otherwise text PDF, and the first two pages of the real scan in
the corpus. The recall per style and dpi on the rendered corpus is measured by
`python -m tests.render --ocr`, not here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from pypdf import PdfReader, PdfWriter

from pipelines.errors import SourceFileError
from pipelines.extract import ocr
from pipelines.extract.document import extract_document
from pipelines.extract.pdf import read_page_texts
from pipelines.extract.types import RawRow
from pipelines.normalise.document import normalise_document
from tests.render import scanned_pdf

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


# --- without the recogniser ----------------------------------------------------------------------


def _ruled_image() -> np.ndarray:
    img = np.full((400, 600), 255, np.uint8)
    for y in (50, 100, 150, 200):
        img[y : y + 2, 40:560] = 0
    for x in (40, 300, 558):
        img[50:202, x : x + 2] = 0
    img[120:130, 60:75] = 0  # a glyph-sized blot is not a ruling
    return img


def test_rulings_are_found_and_glyphs_are_not() -> None:
    rules = ocr.ruling_lines(_ruled_image())
    horizontal = [r for r in rules if r[1] == r[3]]
    vertical = [r for r in rules if r[0] == r[2]]
    assert len(horizontal) == 4 and len(vertical) == 3
    assert all(r[2] - r[0] > 500 for r in horizontal)


def test_a_tilted_scan_is_levelled() -> None:
    import cv2

    img = _ruled_image()
    m = cv2.getRotationMatrix2D((300, 200), 0.8, 1.0)
    tilted = cv2.warpAffine(img, m, (600, 400), borderValue=255)
    assert abs(ocr.skew_angle(tilted) + 0.8) <= 0.2
    assert ocr.skew_angle(img) == 0.0


def _chars(text: str, conf: float = 0.99) -> list[dict[str, object]]:
    return [{"text": ch, "x0": 10.0 * k, "x1": 10.0 * k + 9, "conf": conf} for k, ch in enumerate(text)]


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("15,85Q,096.60", "15,850,096.60"),
        ("2,525,876 72", "2,525,876.72"),
        ("74O,O34.23", "740,034.23"),
        ("1682 76", "1682.76"),
        ("178. 42", "178.42"),
        ("2,525,87672", "2,525,876.72"),
        ("2.525,876.72", "2,525,876.72"),
        ("15,850.096.60", "15,850,096.60"),
        ("27 19.890,539.51", "27 19,890,539.51"),
    ],
)
def test_misread_digits_are_put_right(read: str, meant: str) -> None:
    fixed = ocr._repaired(_chars(read))
    assert "".join(c["text"] for c in fixed) == meant
    if len(read) == len(meant):  # a character replaced, not a space dropped: it is flagged
        changed = [c for c, r in zip(fixed, read, strict=True) if c["text"] != r]
        assert changed and all(c["conf"] < ocr.LOW_CONFIDENCE for c in changed)


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("-、一般公共服务支出", "一、一般公共服务支出"),
        ("十-、城乡", "十一、城乡"),
        ("、一般公共", "一、一般公共"),
    ],
)
def test_one_read_as_a_dash_is_put_right(read: str, meant: str) -> None:
    assert "".join(c["text"] for c in ocr._repaired(_chars(read))) == meant


@pytest.mark.parametrize(
    ("read", "name", "meant"),
    [
        ("2010361", "行政运行", "2010301"),  # 0 read as 6: the name has 2010301 one digit away
        ("30191", "基本工资", "30101"),
        ("2080506", "机关事业单位职业年金缴费支出", "2080506"),  # known: kept
        ("2010361", "住房公积金", "2010361"),  # the name's code is further away: kept as read
        ("2010361", "", "2010361"),
    ],
)
def test_an_ocr_code_one_digit_from_its_names_code_is_read_again(read: str, name: str, meant: str) -> None:
    from pipelines.normalise.keys import read_again

    assert read_again(read, name, 2024) == meant


def test_the_cells_of_a_ruled_grid_are_found_and_a_merged_one_is_not_split() -> None:
    img = _ruled_image()
    img[150:152, 300:558] = 255  # the right-hand cells of the last two rows are merged
    cells = ocr.grid_cells(ocr.ruling_lines(img))
    assert len(cells) == 4  # 3 rows on the left, the top row on the right; the merged cell is no cell
    assert {round(c[0]) for c in cells} == {41, 301}
    assert sorted({round(c[1]) for c in cells}) == [51, 101, 151]


def test_a_character_two_overlapping_boxes_both_read_is_kept_once() -> None:
    """ "…上缴收入其" and "其他收入": the 其 both boxes cover is one printed character."""

    def char(text: str, x0: float, conf: float) -> dict[str, object]:
        return {"text": text, "x0": x0, "x1": x0 + 7, "top": 85.0, "bottom": 91.0, "conf": conf}

    chars = [char("入", 470, 0.99), char("其", 483.5, 0.8), char("其", 484, 0.99), char("他", 491, 0.99)]
    chars.append({**char("其", 484, 0.99), "top": 100.0, "bottom": 106.0})  # another line: kept
    kept = ocr._without_doubles(chars)
    assert [(c["text"], c["conf"], c["top"]) for c in kept] == [
        ("入", 0.99, 85.0),
        ("其", 0.99, 85.0),
        ("他", 0.99, 85.0),
        ("其", 0.99, 100.0),
    ]


def test_words_that_are_not_numbers_keep_their_letters() -> None:
    assert "".join(c["text"] for c in ocr._repaired(_chars("OECD 2024"))) == "OECD 2024"


def test_ocr_characters_become_pdfplumber_words_and_cell_confidence(tmp_path: Path) -> None:
    """The page objects OCR makes read like a text layer: words, a ruled grid, confidences."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(pdf := tmp_path / "blank.pdf"), pagesize=(600, 400))
    c.showPage()
    c.save()
    page = ocr.OcrPage(1, 600, 400)
    for text, x, conf in (("合计", 60, 0.99), ("1,234.50", 320, 0.62)):
        for k, ch in enumerate(text):
            page.chars.append(
                {"text": ch, "x0": x + 6 * k, "x1": x + 6 * k + 6, "top": 60, "bottom": 70, "conf": conf}
            )
    page.rules = [
        (40, 50, 560, 50),
        (40, 80, 560, 80),
        (40, 50, 40, 80),
        (300, 50, 300, 80),
        (560, 50, 560, 80),
    ]
    with pdfplumber.open(pdf) as doc:
        p = doc.pages[0]
        p._objects = page.plumber_objects(1)
        assert [w["text"] for w in p.extract_words()] == ["合计", "1,234.50"]
        assert p.extract_tables() == [[["合计", "1,234.50"]]]
    confidence = page.cell_confidence(RawRow(("合计", "1,234.50"), page=1, bbox=(40, 50, 560, 80)))
    assert confidence == (0.99, 0.62)


def test_ocr_switched_off_keeps_the_scanned_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ocr.ENV, "0")
    doc = extract_document(REAL / "hn_cs_jjzd_scan_other.pdf")
    assert doc.status == "failed" and doc.error is not None and doc.error.startswith("scanned:")
    assert "switched off" in doc.error and doc.ocr_pages == []


# --- with the recogniser (a few pages) ------------------------------------------------------------


def _pages(src: Path, numbers: list[int], out: Path) -> Path:
    reader, writer = PdfReader(src), PdfWriter()
    for n in numbers:
        writer.add_page(reader.pages[n - 1])
    writer.write(out)
    return out


def _key(f: dict[str, object]) -> tuple[object, ...]:
    return (
        f["table_code"],
        f["page"],
        f["func_code"],
        f["econ_code"],
        f["line_label"],
        f["measure"],
        f["amount"],
    )


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """长春市信访局 2026: cover, contents, 收支总表 (scanned at 150 dpi, tilted 0.5°, JPEG), 收入总表,
    一般公共预算支出表 (scanned at 300 dpi); and the same five pages with their text layer."""
    tmp = tmp_path_factory.mktemp("mixed")
    text = _pages(REAL / "jl_cc_xfj_2026_yusuan.pdf", [1, 2, 6, 7, 9], tmp / "text.pdf")
    low = scanned_pdf(text, tmp / "p3.pdf", dpi=150, rotate=0.5, jpeg=70, pages=[3])
    high = scanned_pdf(text, tmp / "p5.pdf", dpi=300, pages=[5])
    writer = PdfWriter()
    for k, page in enumerate(PdfReader(text).pages, start=1):
        writer.add_page({3: PdfReader(low).pages[0], 5: PdfReader(high).pages[0]}.get(k, page))
    writer.write(out := tmp / "mixed.pdf")
    return text, out


def test_a_pdf_with_two_scanned_table_pages_loads_completely(mixed: tuple[Path, Path]) -> None:
    text, scanned = mixed
    reference = normalise_document(extract_document(text)).facts
    doc = extract_document(scanned)
    facts = normalise_document(doc).facts
    assert doc.status == "ok", doc.error
    assert doc.ocr_pages == [3, 5] and doc.ocr_engine == ocr.ENGINE
    assert doc.meta.doc_kind == "budget" and doc.meta.fiscal_year == 2026
    want = [f for f in reference.iter_rows(named=True) if f["page"] in (3, 5) and not f["is_blank"]]
    assert len(want) >= 30  # the two pages print that many amounts
    got = [f for f in facts.iter_rows(named=True) if f["page"] in (3, 5)]
    found = {_key(f) for f in got}
    right = sum(_key(f) in found for f in want)
    assert right / len(want) >= 0.98, [_key(f) for f in want if _key(f) not in found][:10]
    assert {f["source"] for f in got} == {"ocr"}
    assert all(f["ocr_confidence"] is not None for f in got if not f["is_blank"])
    assert {f["source"] for f in facts.iter_rows(named=True) if f["page"] not in (3, 5)} <= {"text"}
    # the text pages read as before: the same facts
    text_facts = {_key(f) for f in reference.iter_rows(named=True) if f["page"] not in (3, 5)}
    assert text_facts == {_key(f) for f in facts.iter_rows(named=True) if f["page"] not in (3, 5)}
    assert any(a > Decimal(0) for a in facts["amount"])


def test_the_scanned_evaluation_report_is_read_and_not_taken_for_a_budget(tmp_path: Path) -> None:
    """长沙市交警支队 2023 专项资金绩效评价结果 (a scan): read by OCR, recognised as a performance
    evaluation, no standard table: recorded as such (v_document_quality: not_recognised)."""
    doc = extract_document(_pages(REAL / "hn_cs_jjzd_scan_other.pdf", [1, 2], tmp_path / "scan.pdf"))
    assert doc.status == "partial"
    assert doc.error is not None and doc.error.startswith("no standard table recognised")
    assert "performance evaluation" in doc.error
    assert doc.ocr_pages == [1, 2]
    assert doc.meta.doc_kind == "performance"
    assert doc.meta.fiscal_year == 2023
    assert doc.meta.department == "长沙市公安局交通警察支队"
    assert "专项资金绩效评价结果" in (doc.meta.title or "")
    assert any("绩效评价工作组" in b.text for b in doc.texts)


def _garbled_over_image(src: Path, page: int, tmp: Path) -> Path:
    """Page `page` of `src` as a scanner-with-text-layer makes it: the page image, and over it an
    invisible text layer whose font maps every character to the private use area (garble.py)."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from tests.render import garble_text_layer

    one = _pages(src, [page], tmp / "one.pdf")
    image = scanned_pdf(one, tmp / "image.pdf", dpi=200)
    doc = pdfium.PdfDocument(one)
    width, height = doc[0].get_size()
    lines = doc[0].get_textpage().get_text_range().splitlines()
    doc.close()
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(layered := tmp / "layered.pdf"), pagesize=(width, height))
    with pdfium.PdfDocument(image) as scan:
        picture = scan[0].render(scale=200 / 72).to_pil()
    c.drawImage(ImageReader(picture), 0, 0, width, height)
    text = c.beginText(20, height - 20)
    text.setTextRenderMode(3)  # invisible, as an OCR layer is
    text.setFont("STSong-Light", 8)
    for line in lines:
        text.textLine(line)
    c.drawText(text)
    c.showPage()
    c.save()
    return garble_text_layer(layered, tmp / "garbled.pdf", "private_use")


def test_a_garbled_text_layer_over_a_table_image_is_read_by_ocr(tmp_path: Path) -> None:
    """长春市信访局 2026 预算表4 财政拨款收支总表 (page 9) as an image under a text layer that maps every
    character to the private use area: the page is read by OCR, and the amounts typed from the
    page (tests/fixtures/expected/real) come back with their row and column."""
    from tests.scorecard import match, read_typed

    src = REAL / "jl_cc_xfj_2026_yusuan.pdf"
    garbled = _garbled_over_image(src, 9, tmp_path)
    with pytest.raises(SourceFileError, match="private-use"):
        read_page_texts(garbled)  # its text layer alone is unreadable
    doc = extract_document(garbled)
    assert doc.status == "ok", doc.error
    assert doc.ocr_pages == [1]
    cells = [{**c, "page": "1"} for c in read_typed(src.name.removesuffix(".pdf"))[0] if c["page"] == "9"]
    assert len(cells) == 33
    facts = normalise_document(doc).facts
    matched, _ = match(facts, cells)
    assert len(matched) / len(cells) >= 0.98, [cells[k] for k in range(len(cells)) if k not in matched][:5]
    assert {f["source"] for f in facts.iter_rows(named=True)} == {"ocr"}


def test_pages_with_a_text_layer_are_never_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OCR costs nothing to a document with text: no page of it reaches the renderer."""
    from tests.conftest import SEED000
    from tests.render import render, tables_of

    def refuse(*args: object, **kwargs: object) -> ocr.OcrPage:
        raise AssertionError("a page with a text layer was rendered for OCR")

    monkeypatch.setattr(ocr, "read_pdf_page", refuse)
    pdf = render(tables_of(SEED000)[0], tmp_path / "d01.pdf", ruled=True)
    doc = extract_document(pdf)
    assert doc.status == "ok" and doc.ocr_pages == [] and doc.tables


def _cid_dump_pdf(tmp_path: Path) -> Path:
    """A table printed from a pdfminer dump: "(cid:25910)…" is what the page shows, so OCR reads junk too."""
    from tests.conftest import SEED000
    from tests.render import cid_dump, render, tables_of

    return render(cid_dump(tables_of(SEED000)[0]), tmp_path / "cid.pdf", ruled=True)


def test_garbled_text_advice_says_ocr_was_tried(tmp_path: Path) -> None:
    """OCR is on by default: a page OCR read and found junk on too is not answered with "OCR the file"."""
    doc = extract_document(_cid_dump_pdf(tmp_path))
    assert doc.status == "failed" and doc.error is not None and doc.error.startswith("garbled_text:")
    assert "OCR was tried on page 1 and read no usable Chinese" in doc.error, doc.error
    assert "OCR the file" not in doc.error and "export the file again" in doc.error


def test_garbled_text_advice_when_ocr_is_not_available(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the recogniser (its package not importable) the document fails as garbled_text, not as
    an internal error, and the advice says OCR could not run."""
    import sys

    pdf = _cid_dump_pdf(tmp_path)
    ocr._engine.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # `import` raises ImportError
    try:
        doc = extract_document(pdf)
    finally:
        ocr._engine.cache_clear()
    assert doc.status == "failed" and doc.error is not None and doc.error.startswith("garbled_text:")
    assert "OCR is not available" in doc.error and "OCR the file" not in doc.error, doc.error


def test_letter_spaced_amounts_in_narrow_cells_are_read_again_cell_by_cell() -> None:
    """长春 prints its amounts letter-spaced, wrapping in narrow cells ("0.0" over "0"): the
    detector loses pieces of them. Each doubtful cell of the grid is recognised again whole; a cell
    read surely is left as it was. Values typed from the page (p10, 本年一般公共预算支出表)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(REAL / "jl_cc_xfj_2026_yusuan.pdf")
    width, height = pdf[9].get_size()
    image = pdf[9].render(scale=200 / 72, grayscale=True).to_numpy()
    image = image[:, :, 0] if image.ndim == 3 else image
    pdf.close()
    scale = image.shape[1] / width
    wanted = {  # a point in the row (points) -> its cells left to right, from 合计
        210: ["1682.76", "1682.76", "1208.20", "997.20", "211.00", "474.56"] + ["0.00"] * 5,
        528: ["32.65"] * 4 + ["0.00"] * 7,
    }
    cells = [
        c for c in ocr.grid_cells(ocr.ruling_lines(image)) if any(c[1] < y * scale < c[3] for y in wanted)
    ]
    page = ocr.OcrPage(10, width, height)
    total, wrong = sorted(c for c in cells if c[1] < 210 * scale < c[3])[1:3]  # 合计, 当年预算/小计
    for cell, text in ((total, "1682.76"), (wrong, "00")):  # as the detector read them
        x0, top = cell[0] / scale + 4, cell[1] / scale + 6
        page.chars += [
            {"text": ch, "x0": x0 + 4 * k, "x1": x0 + 4 * k + 4, "top": top, "bottom": top + 6, "conf": 0.99}
            for k, ch in enumerate(text)
        ]
    kept = page.chars[:7]
    ocr.reread_cells(page, image, cells, scale)
    assert all(any(c is k for c in page.chars) for k in kept)  # read surely: not read again
    for y, amounts in wanted.items():
        row = sorted(c for c in cells if c[1] < y * scale < c[3])
        read = [_read_in(page, c, scale) for c in row]
        assert read[-len(amounts) :] == amounts


def _read_in(page: ocr.OcrPage, cell: tuple[float, float, float, float], scale: float) -> str:
    """The text OCR put in a grid cell (pixels)."""
    x0, top, x1, bottom = (v / scale for v in cell)
    return ocr._cell_text(
        [
            c
            for c in page.chars
            if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
        ]
    )
