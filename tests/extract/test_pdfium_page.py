"""pdfium_page builds the objects pdfminer would give pdfplumber: same characters in the same order,
same boxes (to rounding), same ruling edges, on real pages (ruled tables, a page printed turned)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pytest

from pipelines.extract.pdf import read_page_texts
from pipelines.extract.pdfium_page import PdfiumPages, page_objects
from pipelines.extract.plumber import _visible
from tests.render import PROJECT_TARGETS, render

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
PAGES = [
    ("sh_putuo_sww_2025_bumen_yusuan.pdf", 9),  # a ruled table
    ("govbc_tmp_dept_budget.pdf", 10),  # a space printed as its own text object ("1. 一般公共预算")
    ("sd_yt_czj_2026_yusuan.pdf", 12),  # printed turned (/Rotate 90)
]


def _edges(page: Any) -> Counter[tuple[Any, ...]]:
    return Counter(
        (e["orientation"], round(e["x0"], 1), round(e["top"], 1), round(e["x1"], 1), round(e["bottom"], 1))
        for e in page.filter(_visible).edges
    )


@contextmanager
def _both_readings(path: Path, number: int) -> Iterator[tuple[Any, Any]]:
    """The page as pdfplumber reads it with pdfminer, and with the objects `page_objects` built."""
    doc = pdfium.PdfDocument(str(path))
    try:
        with pdfplumber.open(path) as mined, pdfplumber.open(path) as fast:
            slow_page, fast_page = mined.pages[number - 1], fast.pages[number - 1]
            pdf_page = doc[number - 1]
            objects = page_objects(pdf_page, fast_page)
            pdf_page.close()
            assert objects is not None
            fast_page._objects = objects
            yield slow_page, fast_page
    finally:
        doc.close()


def _printed(page: Any) -> list[dict[str, Any]]:
    """The page's chars but blanks: pdfminer keeps runs of spaces pdfium drops, and only blanks
    between two characters part words."""
    return [c for c in page.chars if not c["text"].isspace()]


@pytest.mark.parametrize(("name", "number"), PAGES)
def test_objects_match_pdfminer(name: str, number: int) -> None:
    with _both_readings(REAL / name, number) as (slow_page, fast_page):
        want, got = _printed(slow_page), _printed(fast_page)
        assert "".join(c["text"] for c in got) == "".join(c["text"] for c in want)
        for a, b in zip(want, got, strict=True):
            for key in ("x0", "x1", "top", "bottom"):
                assert b[key] == pytest.approx(a[key], abs=0.01), (a["text"], key)
        assert _edges(fast_page) == _edges(slow_page)
        lines = [ln["text"] for ln in fast_page.extract_text_lines(return_chars=False)]
        assert lines == [ln["text"] for ln in slow_page.extract_text_lines(return_chars=False)]


@pytest.mark.parametrize(("name", "number"), PAGES)
def test_pages_held_from_the_text_pass_read_the_same(name: str, number: int) -> None:
    """A page the text pass loaded and handed over (its text page loaded before the page was turned
    upright, for a page printed turned) gives the objects of a page loaded afresh."""
    path = REAL / name
    with pdfplumber.open(path) as plumber, PdfiumPages(path) as fresh:
        expected = repr(fresh.parsed(plumber.pages[number - 1]).objects)
    with PdfiumPages() as held, pdfplumber.open(path) as plumber:
        read_page_texts(path, keep=held)
        assert number - 1 in held.held
        page = held.parsed(plumber.pages[number - 1])
        assert number - 1 not in held.held  # closed once read
        assert repr(page.objects) == expected


def test_pages_are_held_within_their_room() -> None:
    """A document larger than the room held for it has its first pages held, the others loaded
    again by the table pass."""
    path = REAL / PAGES[0][0]
    with PdfiumPages() as everything:
        pages = read_page_texts(path, keep=everything)
        assert sorted(everything.held) == list(range(len(pages)))
        first = everything.held[0]
        size = first[1].count_chars() + len(list(first[0].get_objects(max_depth=1)))
    with PdfiumPages() as room:
        room.room = size
        read_page_texts(path, keep=room)
        assert sorted(room.held) == [0]


def test_pages_walked_by_the_text_pass_read_the_same(tmp_path: Path) -> None:
    """A page printed in a CJK font the PDF does not embed (reportlab's STSong-Light) is walked by
    the text pass (`text_left_out`), and the table pass takes that walk up instead of asking pdfium
    again: the objects of a page loaded afresh, character by character."""
    path = render(PROJECT_TARGETS, tmp_path / "unembedded.pdf", ruled=True, split_after=2)
    with pdfplumber.open(path) as plumber, PdfiumPages(path) as fresh:
        expected = [repr(fresh.parsed(page).objects) for page in plumber.pages]
    with PdfiumPages() as held, pdfplumber.open(path) as plumber:
        read_page_texts(path, keep=held)
        assert [walked is not None for _, _, walked in held.held.values()] == [True] * len(expected)
        got = [repr(held.parsed(page).objects) for page in plumber.pages]
    assert got == expected


def test_a_text_object_for_every_character_reads_as_pdfminer(tmp_path: Path) -> None:
    """Characters each printed as a text object of its own, as many producers print them, in two
    fonts, two sizes and two horizontal scales: each keeps its own font, size and box, though
    objects of one font, size and matrix share what is asked of pdfium (`_read_chars`)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    for name, file in (("Vera", "Vera.ttf"), ("VeraBd", "VeraBd.ttf")):  # embedded: pdfium has metrics
        pdfmetrics.registerFont(TTFont(name, file))
    path = tmp_path / "per_char.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(595, 842))
    for k, letter in enumerate("Budget 2024: 1,205.00" * 2):
        text = pdf.beginText(72.0 + 9 * (k % 21), 700 - 20 * (k // 21))
        text.setFont("VeraBd" if k % 5 == 0 else "Vera", 14 if k % 7 == 0 else 12)
        text.setHorizScale(80 if k % 4 == 3 else 100)
        text.textOut(letter)
        pdf.drawText(text)
    pdf.save()
    with _both_readings(path, 1) as (slow_page, fast_page):
        want, got = _printed(slow_page), _printed(fast_page)
        assert len(got) == 38
        assert [c["text"] for c in got] == [c["text"] for c in want]
        for a, b in zip(want, got, strict=True):
            assert a["fontname"].endswith(b["fontname"])  # pdfminer keeps the subset's tag
            # pdfium's advances are single-precision: a scaled 14 pt comma ends 0.012 pt short
            for key in ("x0", "x1", "top", "bottom", "size"):
                assert b[key] == pytest.approx(a[key], abs=0.02), (a["text"], key)
