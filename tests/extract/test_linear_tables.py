"""The linear-time table finder gives exactly pdfplumber's tables, on real ruled pages."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.table import TableFinder

from pipelines.extract.plumber import LATTICE_SETTINGS, LinearTableFinder, _closing_lines, ruled_grids
from pipelines.heavy import rectangles_pdf
from tests.conftest import SAMPLES

REAL = sorted(SAMPLES.glob("*.pdf"))


@pytest.mark.parametrize("pdf_path", REAL, ids=[p.name for p in REAL])
def test_same_tables_as_pdfplumber(pdf_path: Path) -> None:
    compared = 0
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages[:40]:
            finder = page.debug_tablefinder(LATTICE_SETTINGS)  # pdfplumber's own
            theirs = finder.tables
            # the same edges, each with the same keys in the same order (as ruled_grids asks too,
            # with closing rulings of its own)
            closed = {**LATTICE_SETTINGS, "explicit_horizontal_lines": _closing_lines(page.edges)}
            for settings, pdfplumbers in ((LATTICE_SETTINGS, finder), (closed, TableFinder(page, closed))):
                edges = LinearTableFinder(page, settings).edges
                assert [list(e.items()) for e in edges] == [list(e.items()) for e in pdfplumbers.edges]
            if not theirs:
                page.close()
                continue
            ours = LinearTableFinder(page, LATTICE_SETTINGS).tables
            assert [sorted(t.cells) for t in ours] == [sorted(t.cells) for t in theirs]
            assert [t.extract() for t in ours] == [t.extract() for t in theirs]
            compared += 1
            page.close()
    assert compared > 0


def test_rectangle_borders_are_one_table(tmp_path: Path) -> None:
    """Borders drawn as 2,500 small boxes are read as the one 60-row, 10-column grid they draw."""
    path = rectangles_pdf(tmp_path / "boxes.pdf", 2500)
    with pdfplumber.open(path) as pdf:
        grids = ruled_grids(pdf.pages[0])
    assert len(grids) == 1
    rows = grids[0][1]
    assert (len(rows), len(rows[0].cells)) == (60, 10)
    assert rows[0].cells[:3] == ("2010101", "行政运行", f"{2010101 * 2 % 9973:,}.00")  # as drawn
