"""Text and Markdown exports (PDF→markdown, DOCX→text): tables as tab- or pipe-separated lines."""

from __future__ import annotations

import re

from pipelines.extract.catalog import title_to_table_code
from pipelines.normalise.numbers import unit_from_text
from pipelines.types import RawRow, RawTable

_SEPARATOR = re.compile(r"^[\s|:\-\t]+$")
_EMPTY_NOTE = re.compile(r"无数据|无.{0,20}(收支|收入|支出|经费).{0,10}(故|因此|,|，)?.{0,6}(空|无)|为空表")
_LOOKAHEAD = 12  # lines between a title and its grid (numbering, unit, 部门：…)


def _cells(line: str) -> tuple[str, ...] | None:
    if "\t" in line:
        return tuple(c.strip() for c in line.rstrip("\n").split("\t"))
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return tuple(c.strip() for c in stripped.strip("|").split("|"))
    return None


def extract_text_tables(lines: list[str]) -> list[RawTable]:
    """Find every catalogued table title and read the grid of delimited lines that follows it."""
    tables: list[RawTable] = []
    i = 0
    while i < len(lines):
        code = title_to_table_code(lines[i]) if _cells(lines[i]) is None else None
        if code is None:
            i += 1
            continue
        title = lines[i].strip().lstrip("#").strip()
        unit = "元"
        j = i + 1
        while j < len(lines) and j <= i + _LOOKAHEAD and _cells(lines[j]) is None:
            if title_to_table_code(lines[j]):
                break
            unit = unit_from_text(lines[j]) or unit
            j += 1
        if j >= len(lines) or _cells(lines[j]) is None:
            i += 1  # a heading that names a table without printing one (table of contents, narrative)
            continue
        rows: list[RawRow] = []
        while j < len(lines):
            cells = _cells(lines[j])
            if cells is None:
                if lines[j].strip():
                    break
                j += 1
                continue
            if not _SEPARATOR.match(lines[j]):
                rows.append(RawRow(cells=cells, line_no=j + 1))
            j += 1
        note = next(
            (ln.strip() for ln in lines[j : j + 4] if _EMPTY_NOTE.search(ln) and not title_to_table_code(ln)),
            None,
        )
        tables.append(RawTable(code, title, unit, rows, engine="text", empty_note=note))
        i = j
    return tables
