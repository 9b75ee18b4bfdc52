"""Performance tables (绩效目标表 / 绩效自评表): find them in a document and read their rows as printed.

Four kinds (DOMAIN §2.2–2.3), each with a code of its own because they are not amount grids:
B11 整体绩效目标表 and B12 项目绩效目标表 (budget side), PS1 部门整体(支出)绩效自评表 and PS2
项目(支出)绩效自评表 (final-account side). They come in three printed shapes:

* ``tsv``   tab- or pipe-separated rows, one table row per line (seeds 000, 004);
* ``cells`` DOCX dumps with one cell per line: a blank line starts a row, a leading tab starts a
  cell, a line without one continues the cell (DOMAIN §6.12; seeds 001, 003);
* ``spaced`` PDF text with space-separated words, indicator rows wrapped over several lines and
  the target printed before its operator ("168 ≥ 次", seed 002; PDFs read with pdfplumber).

Everything here keeps the text as printed; `pipelines.normalise.performance` turns it into values.

The package: `sections` (find the titled sections; the entry point), `lines` (lines and cells as
printed), `headers` (field and column vocabularies), `grid` (tsv and cells layouts), `spaced` (PDF
text). Titles are recognised by the catalog's one title matcher (`catalog.performance_title_code`).
"""

from pipelines.extract.performance.lines import Line
from pipelines.extract.performance.sections import (
    PERFORMANCE_TABLES,
    document_lines,
    find_performance_tables,
    performance_pages,
    read_performance_tables,
)

__all__ = [
    "PERFORMANCE_TABLES",
    "Line",
    "document_lines",
    "find_performance_tables",
    "performance_pages",
    "read_performance_tables",
]
