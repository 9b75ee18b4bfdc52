"""The report's table-coverage section: every table of a document with its engine and coverage, and a
table read in doubt marked with its reason and the numbers it left unplaced."""

from __future__ import annotations

import re
from pathlib import Path

from pipelines.load.warehouse import writer
from pipelines.report.html import write_report
from tests.conftest import SHGZB_PDF, ingest


def test_each_table_shows_its_coverage_and_engine(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with writer(warehouse) as con:
        doc = ingest(con, SHGZB_PDF)
        # a doubt as the normaliser records it (the real tables of this file are all read cleanly)
        con.execute(
            """update doc_table set doubt = true, coverage = 0.5, printed_numbers = 4, placed_numbers = 2,
                   doubt_reason = '2 of 4 printed numbers not placed',
                   unplaced = '[{"page": 13, "text": "<b>9.99</b>", "why": "in no fact"}]'
               where document_id = ? and table_code = 'D06'""",
            [doc],
        )
    files = write_report(warehouse, tmp_path / "reports")
    assert files.pages is not None
    html = (files.pages / f"{doc}.html").read_text("utf-8")  # the document's page
    start = html.index(f'id="doc-{doc}"')
    section = html[start : html.index("</section>", start)]
    assert "Table coverage: 9 tables, 1 read in doubt" in section
    rows = re.findall(r"<tr(?: class=\"doubt\")?>\s*<td>(D\d\d)</td>.*?</tr>", section, re.S)
    assert sorted(rows) == ["D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09"]
    d01 = re.search(r"<td>D01</td>.*?</tr>", section, re.S)
    assert d01 is not None and "pdfplumber-lattice" in d01.group(0) and ">100.0%<" in d01.group(0)
    d06 = re.search(r'<tr class="doubt">\s*<td>D06</td>.*?</tr>', section, re.S)
    assert d06 is not None
    assert ">50.0%<" in d06.group(0) and "2 / 4" in d06.group(0)
    assert "&lt;b&gt;9.99&lt;/b&gt; (p13, in no fact)" in d06.group(0)  # escaped, with its page
