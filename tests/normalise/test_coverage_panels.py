"""One column header printed in two panels: the 行次 between them are not figures.

机构运行信息决算表 (D09) prints 项目 | 行次 | 决算数 twice side by side. Both 决算数 columns are one
column of the catalog, so the band of x where its figures print must stay two bands: a band drawn
from the left panel's figures to the right panel's would take the right panel's 行次 (25, 26, …)
for figures no fact holds, and put a clean table in doubt. A figure really lost from the right
panel must still count as unplaced.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.extract.document import extract_document
from pipelines.extract.types import ExtractedDocument, RawRow
from pipelines.normalise.document import normalise_document
from tests.conftest import SEED000
from tests.render import TableSource, render, tables_of

_FIGURE = re.compile(r"^[\d,]+(\.\d+)?$")
VALUE_COLUMNS = (2, 5)  # the two 决算数 columns of the seed's D09


def _d09() -> TableSource:
    (source,) = [t for t in tables_of(SEED000) if "机构运行信息" in t.title]
    assert [h.replace(" ", "") for h in source.header[0] if h] == ["项目", "行次", "决算数"] * 2
    return source


def _figures(source: TableSource) -> list[str]:
    return [r[j] for r in source.body for j in VALUE_COLUMNS if _FIGURE.match(r[j])]


def _read(tmp_path: Path, ruled: bool) -> ExtractedDocument:
    return extract_document(render(_d09(), tmp_path / "d09.pdf", ruled=ruled))


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "borderless"])
def test_two_panels_of_one_header_read_without_doubt(tmp_path: Path, ruled: bool) -> None:
    n = normalise_document(_read(tmp_path, ruled), reread=False)
    (table,) = n.tables.filter(n.tables["table_code"] == "D09").iter_rows(named=True)
    figures = _figures(_d09())
    assert len(figures) >= 10  # the seed prints figures in both panels
    assert table["doubt"] is False, table["doubt_reason"]
    assert (table["printed_numbers"], table["placed_numbers"]) == (len(figures), len(figures))


def test_a_figure_lost_from_the_right_panel_is_still_unplaced(tmp_path: Path) -> None:
    doc = _read(tmp_path, ruled=False)
    (table,) = doc.tables
    right = [(k, r) for k, r in enumerate(table.rows) if _FIGURE.match(r.cells[5]) and "," in r.cells[5]]
    k, row = right[0]
    lost = row.cells[5]
    cells = (*row.cells[:5], "", *row.cells[6:])
    table.rows[k] = RawRow(cells, page=row.page, bbox=row.bbox, span_from=row.span_from)
    n = normalise_document(doc, reread=False)
    (record,) = n.tables.iter_rows(named=True)
    assert record["doubt"] is True
    assert f'"text": "{lost}"' in record["unplaced"]
