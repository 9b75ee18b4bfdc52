"""Text in a CJK font the PDF does not embed, read on a machine without a CJK font (no_fonts.py).

pdfium draws such a font with a CJK font of the system's; with none, its text page leaves out a text
object none of whose glyphs it has (a lone '≥' or '次' in a cell) without a word. The reader must
notice and read those pages with pdfminer. The table is drawn from seed 002's 附件12-2 (L985–1042)
in reportlab's STSong-Light, which reportlab never embeds; the expected cells are the rendered ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from pipelines.extract.pdf import read_page_texts
from pipelines.extract.pdfium_page import DRAWN, GLYPHLESS, unembedded_cjk_text
from pipelines.extract.plumber import opened
from tests.conftest import PROJECT
from tests.render import PROJECT_TARGETS, render

REAL = PROJECT / "tests" / "fixtures" / "real"
EMBEDDED = REAL / "sh_putuo_sww_2025_bumen_yusuan.pdf"  # every font embedded
LATIN = REAL / "js_sheng_jcy_2018_yusuan.pdf"  # Times New Roman not embedded (digits, blanks)


# punctuation of budget documents, each line drawn in STSong-Light (encoding UniGB-UCS2-H)
PUNCTUATION = [
    "张某·李某某、王某",
    "一、收入，支出。合计：本年；（一）《预算法》“三公”经费—",
    "增长１２．５％，≥９０％，≤１０％，０１２３４５６７８９",
    "· 项目支出",
    "次",  # a lone glyph pdfium leaves out without a CJK font: the page goes to pdfminer
]


def _punctuation_pdf(path: Path) -> Path:
    """A page whose lines are PUNCTUATION in reportlab's STSong-Light, which it never embeds."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 12)
    for i, line in enumerate(PUNCTUATION):
        page.drawString(60, 760 - 24 * i, line)
    page.save()
    return path


def _without_fonts(folder: Path, *paths: Path) -> dict[str, Any]:
    (folder / "fonts").mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "tests.extract.no_fonts", str(folder / "fonts"), *map(str, paths)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def no_fonts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("no_fonts")
    pdf = render(PROJECT_TARGETS, folder / "b12.pdf", ruled=True, split_after=2)
    marks = _punctuation_pdf(folder / "punctuation.pdf")
    read = _without_fonts(folder, pdf, EMBEDDED, LATIN, marks)
    return {
        "rendered": read[str(pdf)],
        "embedded": read[str(EMBEDDED)],
        "latin": read[str(LATIN)],
        "punctuation": read[str(marks)],
    }


def test_pdfium_loses_the_lone_glyphs_without_a_cjk_font(no_fonts: dict[str, Any]) -> None:
    """The condition the reader must catch: without a CJK font pdfium's text of the rendered page
    lacks the cells '≥' and '次' that pdfminer reads."""
    read = no_fonts["rendered"]
    assert "≥" not in read["pdfium"][0] and "次" not in read["pdfium"][0]
    assert "≥" in read["pdfminer"][0] and "次" in read["pdfminer"][0]
    assert read["standings"] == [GLYPHLESS]


def test_lone_glyphs_read_without_a_cjk_font(no_fonts: dict[str, Any]) -> None:
    read = no_fonts["rendered"]
    assert read["pdfium_objects"] == [False, False]  # both pages left to pdfminer
    assert ["产出指标", "数量指标", "接待港澳、外国政商代表团", "6", "≥", "次"] in read["rows"]
    assert ["满意度指标", "服务对象满意度指标", "满意度", "90", "≥", "%"] in read["rows"]
    assert [
        "成本指标",
        "经济成本指标",
        "印制海外领事保护、文明出境游等外事宣传资料",
        "5",
        "≥",
        "万元",
    ] in read["rows"]
    assert ["资金总额（万元）", "20", "项目属性", "新增", "", ""] in read["rows"]
    assert "产出指标 数量指标 接待港澳、外国政商代表团 6 ≥ 次" in read["lines"][0]  # the text pass's
    (note,) = read["warnings"]
    assert note.startswith("fonts: ") and "page(s) 1, 2" in note


def test_punctuation_read_without_a_cjk_font(no_fonts: dict[str, Any]) -> None:
    """A page left to pdfminer keeps every mark it prints, '·' too (cmaps.py: pdfminer's UniGB-UCS2-H
    CMap lacks U+00B7)."""
    read = no_fonts["punctuation"]
    assert read["pdfminer"][0].split("\n") == PUNCTUATION
    assert read["lines"][0] == PUNCTUATION
    (note,) = read["warnings"]
    assert note.startswith("fonts: ") and "page(s) 1" in note


def test_pdfminer_reads_the_codes_its_ucs2_cmap_lacks(tmp_path: Path) -> None:
    """In any process that imports the extractors, pdfplumber reads the rendered lines whole."""
    with opened(_punctuation_pdf(tmp_path / "punctuation.pdf")) as pdf:
        assert pdf.pages[0].extract_text().split("\n") == PUNCTUATION


def test_embedded_and_latin_fonts_keep_the_fast_path_without_a_cjk_font(no_fonts: dict[str, Any]) -> None:
    """Embedded fonts need no system font, and pdfium's own fonts draw a Latin one (its blanks,
    left out of the text page, stay blanks): pdfium reads those pages on any machine."""
    embedded, latin = no_fonts["embedded"], no_fonts["latin"]
    assert embedded["standings"] == [DRAWN] and latin["standings"] == [DRAWN]
    assert all(embedded["pdfium_objects"])
    assert not embedded["warnings"] and not any(w.startswith("fonts:") for w in latin["warnings"])
    # the pages pdfium read for the table pass are the ones it read before (pages 23–26 and 28 have a
    # box or font pdfium_page leaves to pdfminer anyway)
    assert [n for n, fast in enumerate(latin["pdfium_objects"], 1) if not fast] == [23, 24, 25, 26, 28]


def test_embedded_fonts_are_not_asked_again() -> None:
    """The text pass finds no CJK font without embedding in an embedded-font PDF, so it walks none
    of its pages and reads none of them again."""
    doc = pdfium.PdfDocument(str(EMBEDDED))
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            assert not unembedded_cjk_text(textpage)
            textpage.close()
            page.close()
    finally:
        doc.close()
    assert not any(p.left_out for p in read_page_texts(EMBEDDED))
