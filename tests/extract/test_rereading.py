"""One `Rereading` serves the tables of a document in doubt one after another: the file is opened
once, and each table's regions read as from a file opened for that table alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from pipelines.extract import plumber, regions
from pipelines.extract.camelot import MAX_CAMELOT_CHARS, camelot_grid
from pipelines.extract.regions import Rereading, candidate_pages
from pipelines.extract.types import RawTable

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
PATH = REAL / "sn_xa_ajj_2019_yusuan.pdf"  # its B06 (page 3) and B01 (page 6) are re-read
ENGINES = ("pdfplumber-lattice", "pdfplumber-words", "pdfplumber-edges", "camelot-stream")


def _table(page: int) -> RawTable:
    doc = pdfium.PdfDocument(str(PATH))
    width, height = doc.get_page_size(page - 1)
    doc.close()
    return RawTable(
        "B01",
        "t",
        "元",
        [],
        "pdfplumber-lattice",
        pages=[page],
        regions=[(page, (1, 1, width - 1, height - 1))],
    )


def test_tables_read_in_turn_read_as_each_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    tables = [_table(3), _table(6), _table(3)]
    opened = plumber.opened
    opens: list[Path] = []

    def counted(path: Path) -> Any:
        opens.append(path)
        return opened(path)

    monkeypatch.setattr(regions, "opened", counted)
    together = []
    with Rereading(PATH) as shared:
        for table in tables:
            together.append([candidate_pages(PATH, table, engine, None, shared) for engine in ENGINES])
            shared.table_done()
            assert not shared.layouts
            pdf = shared.files()[0]
            assert all("_objects" not in vars(pdf.pages[n - 1]) for n in (3, 6))  # closed
        assert sorted(shared.chars) == [3, 6]  # counted once a page, for camelot's limit
    assert len(opens) == 1
    alone = [[candidate_pages(PATH, table, engine) for engine in ENGINES] for table in tables]
    assert len(opens) == 1 + len(tables) * len(ENGINES)
    assert together == alone
    assert all(pages[0] for reading in together for pages in reading)  # every engine read rows


def test_a_page_counted_over_camelots_limit_is_not_read() -> None:
    assert camelot_grid(PATH, 3, ruled=False, chars=MAX_CAMELOT_CHARS + 1) == []
    assert camelot_grid(PATH, 3, ruled=False, chars=MAX_CAMELOT_CHARS)
