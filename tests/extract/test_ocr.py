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

from pipelines.extract import ocr
from pipelines.extract.document import extract_document
from pipelines.extract.types import RawRow
from pipelines.wiring.normalise import normalise_document
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
        assert p.extract_tables() == [["合计", "1,234.50"]] or p.extract_tables() == [[["合计", "1,234.50"]]]
    conf = page.cell_confidence(RawRow(("合计", "1,234.50"), page=1, bbox=(40, 50, 560, 80)))
    assert conf == (0.99, 0.62)


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
