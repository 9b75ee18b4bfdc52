"""Tables of office documents (DOCX, XLSX, XLS): a stream of lines and grid rows → tables.

Word and Excel files give exact cells, so there is no geometry to guess; what remains is the
layout departments use around them. Both formats become one stream of items in reading order:
a *line* (a paragraph, or a grid row that only carries a title, a unit, 编制单位：…, 01表 or a
note) or a *row* of a grid (one Word table or one sheet is one block). A title line opens a table:
titles are recognised as the PDF reader recognises them (`catalog.titles_in`, generic), so a table
the catalog does not know is loaded under its canonical title, and one printing only 表5 is named
by its signature (`signature.settle_codes`). The unit comes from the 单位：… line under it, the
rows of the next block are its grid, and a following block with the same header (or none) and
nothing but blank lines or 续表 before it continues it.

Merged cells keep their text in the first cell; the other cells of the merge's first row are
empty with `span_from` pointing at it, as `plumber.py` does for ruled PDFs, so the normaliser
repeats a group header over its columns and never repeats an amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.catalog import normalise_text, title_code, titles_in
from pipelines.errors import SourceFileError
from pipelines.extract.types import RawRow, RawTable, TextBlock
from pipelines.vocab.grid import header_row_count
from pipelines.vocab.numbers import unit_from_text

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (inclusive)

_LOOKAHEAD = 12  # items between a title and its grid (numbering, unit, 部门：…)
_NOTE = re.compile(r"^(注|说明|备注)\s*\d*[:：]|^注\d")
_EMPTY_NOTE = re.compile(
    r"无数据|故本表(为)?空|本表无|为空表|没有.{0,30}(收入|支出|经费)"
    r"|无.{0,20}(收支|收入|支出|经费).{0,10}(故|因此|,|，)?.{0,6}(空|无)"
)
_LABELLED = re.compile(
    r"^(编制单位|填报单位|公开单位|部门|单位|单位名称|部门名称|部门\(单位\)名称|预算单位|主管部门)[:：]"
)
_NUMBERING = re.compile(
    r"^(公开)?(\d{1,2}|[一二三四五六七八九十]+)表$|^表[一二三四五六七八九十\d]+$"
    r"|^附(件|表)[一二三四五六七八九十\d]+"
)
_DATE = re.compile(r"^\d{4}年度?$|^\d{4}[-/年.]\d{1,2}([-/月.]\d{1,2}日?)?$")
_CONTINUED = re.compile(r"^续表\d*$|^\(续\)$|^\(续表\)$")


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass
class OfficeDocument:
    """What a DOCX or workbook yields: tables, warnings, the printed text, and its first lines."""

    tables: list[RawTable]
    warnings: list[str]
    texts: list[TextBlock]
    head_lines: list[str]


def container_of(data: bytes, wrong: str) -> str:
    """`zip` (DOCX/XLSX) or `ole` (XLS, legacy DOC) from the file's first bytes; raise `wrong` when neither.

    Password-protected DOCX/XLSX files are OLE containers holding an EncryptedPackage stream.
    """
    if not data:
        raise SourceFileError("empty", "the file is empty (0 bytes)")
    if data.startswith(_ZIP_MAGIC):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise SourceFileError("encrypted", "the file is password-protected (an encrypted Office package)")
        return "ole"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise SourceFileError(wrong, "the file is HTML/XML saved under an Office name")
    raise SourceFileError(wrong, "the file is neither a ZIP (DOCX/XLSX) nor an OLE (XLS/DOC) container")


@dataclass
class Item:
    """One line or one grid row of the document, in reading order, with its address."""

    line_no: int
    text: str = ""  # a line's text, or the row's cells joined by tabs
    row: RawRow | None = None
    block: int | None = None  # which Word table or sheet a row belongs to

    @property
    def is_row(self) -> bool:
        return self.row is not None


@dataclass
class _Open:
    table: RawTable
    header: list[tuple[str, ...]] = field(default_factory=list)
    width: int = 0


def grid_items(cells: list[list[str]], line_nos: list[int], merges: list[Merge], block: int) -> list[Item]:
    """A grid with its merged ranges → items: preamble rows become lines, the rest rows.

    Covered cells are emptied; in the merge's first row they point at the merge's first column.
    """
    width = max((len(r) for r in cells), default=0)
    grid = [[*r, *([""] * (width - len(r)))] for r in cells]
    spans: list[list[int | None]] = [[None] * width for _ in grid]
    for r0, c0, r1, c1 in merges:
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                if (r, c) == (r0, c0):
                    continue
                grid[r][c] = ""
                if r == r0:
                    spans[r][c] = c0
    items: list[Item] = []
    for texts, span, line_no in zip(grid, spans, line_nos, strict=True):
        distinct = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
        if not distinct:
            continue
        if all(_is_preamble(t) for t in distinct) or (len(distinct) == 1 and _is_note(distinct[0])):
            # a title, unit or note printed in a merged row of the grid reads like a paragraph
            items.append(Item(line_no, " ".join(distinct)))
            continue
        span_from = tuple(span) if any(s is not None for s in span) else None
        raw = RawRow(tuple(texts), line_no=line_no, span_from=span_from)
        items.append(Item(line_no, "\t".join(texts).rstrip("\t"), raw, block))
    return items


def _drop_empty_columns(rows: list[RawRow]) -> list[RawRow]:
    """Remove the columns no row of the table uses (spacer columns, an unused column A).

    Done once per stitched table, not per block: a continuation without header may leave a
    column empty that the first block's header names.
    """
    width = max((len(r.cells) for r in rows), default=0)
    cells = [[*r.cells, *([""] * (width - len(r.cells)))] for r in rows]
    spans = [[*(r.span_from or ()), *([None] * (width - len(r.span_from or ())))] for r in rows]
    keep = [
        j for j in range(width) if any(c[j].strip() for c in cells) or any(s[j] is not None for s in spans)
    ]
    if len(keep) == width and all(len(r.cells) == width for r in rows):
        return rows
    index = {j: k for k, j in enumerate(keep)}
    out = []
    for row, texts, span in zip(rows, cells, spans, strict=True):
        span_from = tuple(index.get(s) if s is not None else None for s in (span[j] for j in keep))
        out.append(
            RawRow(
                tuple(texts[j] for j in keep),
                page=row.page,
                line_no=row.line_no,
                span_from=span_from if any(s is not None for s in span_from) else None,
            )
        )
    return out


def _is_preamble(text: str) -> bool:
    """Text printed around a table rather than in it: its title, unit, 编制单位, numbering, date."""
    t = normalise_text(text)
    if title_code(text, generic=True) or _LABELLED.match(t) or _NUMBERING.match(t) or _DATE.match(t):
        return True
    return ("单位" in t and unit_from_text(t) is not None) or bool(_CONTINUED.match(t))


def _is_note(text: str) -> bool:
    """注：… or a remark that the table is empty (本表无数据), printed under or inside the grid."""
    t = normalise_text(text)
    return bool(_NOTE.match(t) or _EMPTY_NOTE.search(t))


def _is_narrative(text: str) -> bool:
    """A sentence of the 说明: a title followed by one is a mention, not the table's title."""
    t = normalise_text(text)
    return len(t) > 60 or t.endswith(("。", "；", ";"))


Titles = dict[int, tuple[int, str]]  # first item of a title → (items it spans, table code)


def _titles(items: list[Item], doc_kind: str | None) -> Titles:
    """The title lines among the items (grid rows are never titles), as the PDF reader finds them."""
    lines = ["" if it.is_row else it.text for it in items]
    return {i: (n, code) for i, n, code in titles_in(lines, doc_kind, generic=True)}


def tables_from_items(
    items: list[Item],
    engine: str,
    *,
    sheet: str | None = None,
    fallback_title: str | None = None,
    doc_kind: str | None = None,
) -> tuple[list[RawTable], list[str]]:
    """Every table in the stream, catalogued or not; `fallback_title` (a sheet's name) titles a
    leading grid. Call `signature.settle_codes` on the document's tables afterwards."""
    tables: list[RawTable] = []
    warnings: list[str] = []
    titles = _titles(items, doc_kind)
    i = 0
    named = titles_in([fallback_title], doc_kind, generic=True) if fallback_title else []
    if named:
        first_row = next((k for k, it in enumerate(items) if it.is_row), None)
        titled = any(k < (first_row or 0) for k in titles)
        if first_row is not None and not titled:
            i = _read_table(items, -1, (fallback_title or "", named[0][2]), titles, engine, sheet, tables)
    while i < len(items):
        if i not in titles:
            i += 1
            continue
        n, code = titles[i]
        title = "".join(it.text.strip() for it in items[i : i + n])
        i = _read_table(items, i + n - 1, (title, code), titles, engine, sheet, tables)
    for t in tables:
        if not t.rows and not t.empty_note:
            warnings.append(f"{t.table_code}: title found but no grid under it ({_where(t, sheet)})")
    return tables, warnings


def _where(table: RawTable, sheet: str | None) -> str:
    return f"sheet {sheet!r}" if sheet else f"line {table.rows[0].line_no if table.rows else '?'}"


def _read_table(
    items: list[Item],
    title_at: int,
    titled: tuple[str, str],
    titles: Titles,
    engine: str,
    sheet: str | None,
    out: list[RawTable],
) -> int:
    """Read the grid under the title (text, code) whose last item is `title_at` (-1: the sheet
    name); return where to go on."""
    title, code = titled
    unit = "元"
    j = title_at + 1
    while j < len(items) and not items[j].is_row and j <= title_at + _LOOKAHEAD:
        if j in titles or _is_narrative(items[j].text):
            return j  # another title or narrative first: a table of contents entry or a mention
        unit = (unit_from_text(items[j].text) if "单位" in items[j].text else None) or unit
        j += 1
    if j >= len(items) or not items[j].is_row:
        return title_at + 1
    table = RawTable(code, title.strip(), unit, [], engine, sheet=sheet)
    open_ = _Open(table)
    j = _take_block(items, j, open_, first=True)
    while True:
        k = j
        while k < len(items) and not items[k].is_row and _is_filler(items[k].text):
            k += 1
        if k < len(items) and items[k].is_row and _continues(items, k, open_):
            j = _take_block(items, k, open_, first=False)
            continue
        break
    table.empty_note = _empty_note(items[j : j + 4], [k in titles for k in range(j, j + 4)])
    table.rows = _drop_empty_columns(table.rows)
    out.append(table)
    return j


def _empty_note(after: list[Item], is_title: list[bool]) -> str | None:
    """A 本表无数据-style remark among the lines right under the table (before any other title)."""
    for it, title in zip(after, is_title, strict=False):
        if it.is_row or title:
            return None
        if _EMPTY_NOTE.search(normalise_text(it.text)):
            return it.text.strip()
    return None


def _is_filler(text: str) -> bool:
    """Between a table and its continuation: blank, 续表, or the unit line printed again."""
    t = normalise_text(text)
    return not t or bool(_CONTINUED.match(t)) or ("单位" in t and unit_from_text(t) is not None)


def _block_rows(items: list[Item], start: int) -> list[RawRow]:
    block = items[start].block
    rows: list[RawRow] = []
    for it in items[start:]:
        if not it.is_row or it.block != block:
            break
        assert it.row is not None
        rows.append(it.row)
    return rows


def _take_block(items: list[Item], start: int, open_: _Open, *, first: bool) -> int:
    """Append the rows of the block starting at `start` (its repeated header dropped); return the end."""
    rows = _block_rows(items, start)
    end = start + len(rows)
    n = header_row_count(rows)
    header = [tuple(normalise_text(c) for c in r.cells) for r in rows[:n]]
    if first:
        open_.header, open_.width = header, max((len(r.cells) for r in rows), default=0)
    elif n and header == open_.header:
        rows = rows[n:]
    open_.table.rows.extend(rows)
    return end


def _continues(items: list[Item], start: int, open_: _Open) -> bool:
    """A new block continues the open table when it repeats its header, or has none and fits."""
    rows = _block_rows(items, start)
    n = header_row_count(rows)
    if n:
        return [tuple(normalise_text(c) for c in r.cells) for r in rows[:n]] == open_.header
    return max((len(r.cells) for r in rows), default=0) == open_.width
