"""plumber_text gives exactly pdfplumber's words, cell texts, text lines and page text, on real pages
(pdfminer's objects and pdfium's) and on characters built to hit pdfplumber's corner cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pdfplumber.utils.text import chars_to_textmap, extract_text, extract_words

from pipelines.extract import plumber_text
from pipelines.extract.pdfium_page import PdfiumPages
from pipelines.extract.plumber import chars_within, words_within

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
PAGES = [
    ("sh_putuo_sww_2025_bumen_yusuan.pdf", 9),  # a ruled table
    ("govbc_tmp_dept_budget.pdf", 10),  # a space printed as its own text object
    ("sd_yt_czj_2026_yusuan.pdf", 12),  # printed turned (/Rotate 90)
]


def _same(page: Any) -> None:
    chars = page.chars
    assert repr(plumber_text.text_lines(page)) == repr(page.extract_text_lines(return_chars=False))
    assert plumber_text.page_text(page) == page.extract_text()
    for x_tol, y_tol in ((1.5, 2), (3, 3)):
        expected = extract_words(chars, keep_blank_chars=False, x_tolerance=x_tol, y_tolerance=y_tol)
        assert repr(plumber_text.words(chars, x_tol, y_tol)) == repr(expected)
    width, height = float(page.width), float(page.height)
    for k in range(40):  # boxes across the page, as table cells and regions are
        x0, top = (k * 37.0) % (width - 120), (k * 53.0) % (height - 40)
        box = (x0, top, x0 + 40 + k * 2, top + 8 + k)
        cell = chars_within(chars, box)
        assert plumber_text.text(cell) == extract_text(cell)
        region = page.within_bbox(box).extract_words(keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2)
        assert repr(words_within(page, box, keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2)) == repr(
            region
        )


@pytest.mark.parametrize(("name", "number"), PAGES)
@pytest.mark.parametrize("objects", ["pdfminer", "pdfium"])
def test_real_pages_read_as_pdfplumber(name: str, number: int, objects: str) -> None:
    path = REAL / name
    with pdfplumber.open(path) as pdf, PdfiumPages(path) as fast:
        page = pdf.pages[number - 1]
        if objects == "pdfium":
            fast.parsed(page)
        _same(page)


def _char(text: str, x0: float, top: float, width: float = 10.0, upright: bool = True) -> dict[str, Any]:
    return {
        "text": text,
        "x0": x0,
        "x1": x0 + width,
        "top": top,
        "bottom": top + 10.0,
        "doctop": top + 842.0,
        "upright": upright,
        "size": 10.0,
    }


class _Page:
    """Just what the text functions read of a pdfplumber page, answered by pdfplumber's text map as
    `Page.extract_text` does."""

    def __init__(self, chars: list[dict[str, Any]]) -> None:
        self.chars = chars

    def textmap(self) -> Any:
        return chars_to_textmap(self.chars, presorted=True)

    def extract_text(self) -> str:
        return str(self.textmap().as_string)


CASES = {
    # a blank parts two words; an empty-text char is a word of its own; a ligature is expanded
    "blank_empty_ligature": [
        _char("收", 0, 0),
        _char(" ", 10, 0),
        _char("入", 20, 0),
        _char("", 30, 0),
        _char("\ufb01", 40, 0),
        _char("表", 50, 0),
    ],
    # tops chained within the tolerance (0, 2.5, 5) are one line, yet neighbours whose tops differ by
    # more than it (一 at 0, 三 at 5) are two words; a gap wider than the tolerance parts words too
    "chained_lines": [_char("一", 0, 0), _char("二", 40, 2.5), _char("三", 10, 5), _char("四", 0, 20)],
    # a char left of the previous one starts a new word; equal x0 keeps the printed order
    "backwards": [_char("甲", 50, 0), _char("乙", 40, 0), _char("丙", 40, 0.5), _char("丁", 0, 0)],
    # lines given out of order (the lower line's chars first and between the upper line's): lines
    # come top first, and chars of a line at the same x0 keep the order they were given in
    "interleaved_lines": [_char("下", 30, 20), _char("上", 0, 0), _char("左", 0, 21), _char("同", 0, 20)],
    # a turned char: pdfplumber answers
    "turned": [_char("竖", 0, 0, upright=False), _char("排", 0, 12, upright=False), _char("横", 30, 0)],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_corner_cases_read_as_pdfplumber(name: str) -> None:
    chars = CASES[name]
    for x_tol, y_tol in ((1.5, 2), (3, 3)):
        expected = extract_words(chars, keep_blank_chars=False, x_tolerance=x_tol, y_tolerance=y_tol)
        assert repr(plumber_text.words(chars, x_tol, y_tol)) == repr(expected)
    assert plumber_text.text(chars) == extract_text(chars)
    page = _Page(chars)
    lines = plumber_text.text_lines(page)
    if name == "turned":
        assert lines is None  # left to pdfplumber
    else:
        assert repr(lines) == repr(page.textmap().extract_text_lines(return_chars=False))
    assert plumber_text.page_text(page) == page.extract_text()


def test_region_words_follow_the_page_objects() -> None:
    """A region's words are asked for twice and kept in between: asked again after the page's
    objects were replaced (the next page, a page OCR read), they are the new objects' words, and
    a caller changing its list of words changes no later answer."""
    path = REAL / PAGES[0][0]
    with pdfplumber.open(path) as pdf, PdfiumPages(path) as fast:
        page = fast.parsed(pdf.pages[PAGES[0][1] - 1])
        box = (0.0, 0.0, float(page.width), float(page.height))
        settings: dict[str, Any] = {"keep_blank_chars": False, "x_tolerance": 1.5, "y_tolerance": 2}
        first = words_within(page, box, **settings)
        expected = repr(first)
        first.clear()
        assert repr(words_within(page, box, **settings)) == expected
        assert repr(words_within(page, box, x_tolerance=3, y_tolerance=3)) == repr(
            page.within_bbox(box).extract_words(x_tolerance=3, y_tolerance=3)
        )
        page._objects = {**page.objects, "char": [c for c in page.chars if not c["text"].isdigit()]}
        again = words_within(page, box, **settings)
        assert repr(again) == repr(page.within_bbox(box).extract_words(**settings))
        assert repr(again) != expected
