"""Seed 000's D01, D03 and D06 rendered to PDF by the test itself: 100% of amounts must come back.

The renderer draws the rows exactly as the seed prints them (tests/render.py); the expected
values are the ones typed from reading the seed (tests/fixtures/expected/seed000_tables.csv).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.extract.document import extract_document
from pipelines.normalise.frames import tables_to_frames
from tests.conftest import SEED000
from tests.expected import compare, load_expected
from tests.render import render, seed_table

# (title line, first row line, last row line, header rows) in the seed file
SEED_TABLES = {"D01": (207, 214, 246, 3), "D03": (279, 286, 307, 2), "D06": (385, 392, 427, 2)}


def _extract(pdf: Path):
    doc = extract_document(pdf)
    assert doc.status == "ok", doc.error
    facts, _, _ = tables_to_frames(doc.tables, doc.document_id, doc.meta.fiscal_year)
    return doc, facts


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "unruled"])
@pytest.mark.parametrize("code", sorted(SEED_TABLES))
def test_rendered_table_amounts(tmp_path: Path, code: str, ruled: bool) -> None:
    pdf = render(seed_table(SEED000, *SEED_TABLES[code]), tmp_path / f"{code}.pdf", ruled=ruled)
    doc, facts = _extract(pdf)
    assert [t.table_code for t in doc.tables] == [code]
    expected = load_expected("seed000_tables.csv", {code})
    assert compare(facts, expected, check_page=False) == []
    assert set(facts["page"]) == {1}


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "unruled"])
@pytest.mark.parametrize("repeat_header", [False, True], ids=["bare", "header-repeated"])
def test_table_split_across_two_pages(tmp_path: Path, ruled: bool, repeat_header: bool) -> None:
    source = seed_table(SEED000, *SEED_TABLES["D03"])
    pdf = render(source, tmp_path / "split.pdf", ruled=ruled, split_after=9, repeat_header=repeat_header)
    doc, facts = _extract(pdf)
    assert [(t.table_code, t.pages) for t in doc.tables] == [("D03", [1, 2])]
    assert compare(facts, load_expected("seed000_tables.csv", {"D03"}), check_page=False) == []
    # rows after the break are on page 2: 2080599 is the 10th data row
    pages = dict(
        facts.filter(facts["measure"] == "total_expenditure").select("func_code", "page").iter_rows()
    )
    assert pages["201"] == 1 and pages["2080599"] == 2
