"""Blank disclosure templates: the form a finance bureau hands out, before a department fills it in.

A template names a placeholder instead of a department (上海市XX局, XX单位, ××部门) and its cells are
blank. It is kept for the record with status `template`, so it never passes for a real document
in the analytic views or the quality report.
"""

from __future__ import annotations

import re

from pipelines.extract.types import ExtractedDocument

# two or more placeholder letters standing in for a name: XX, ＸＸ, ××, xx (spaces inside allowed)
PLACEHOLDER = re.compile(r"(?:[XxＸｘ×]\s*){2,}")
FIGURE = re.compile(r"\d[\d,，]*\.\d+|\d{1,3}(?:,\d{3})+")  # a printed amount, not a bare code


def _has_placeholder(text: str | None) -> bool:
    """A placeholder run inside Chinese text (a Latin word such as 'XXL' or 'xx-large' does not count)."""
    if not text:
        return False
    for m in PLACEHOLDER.finditer(text):
        before, after = text[max(0, m.start() - 1) : m.start()], text[m.end() : m.end() + 1]
        if re.match(r"[\u4e00-\u9fff]", before or "") or re.match(r"[\u4e00-\u9fff]", after or ""):
            return True
    return False


def figure_cells(doc: ExtractedDocument) -> tuple[int, int]:
    """(cells printing an amount, cells) over every table row of the document."""
    cells = [c for t in doc.tables for r in t.rows for c in r.cells]
    return sum(1 for c in cells if c and FIGURE.search(c)), len(cells)


def template_reason(doc: ExtractedDocument) -> str | None:
    """Why the document is a blank template, or None: its department or title is a placeholder."""
    named = doc.meta.department or doc.meta.title
    if not (_has_placeholder(doc.meta.department) or _has_placeholder(doc.meta.title)):
        return None
    figures, cells = figure_cells(doc)
    blank = "every cell blank" if figures == 0 else f"{figures} of {cells} cells print an amount"
    return f"template: placeholder name {named!r} ({blank}); kept for the record, not analysed"
